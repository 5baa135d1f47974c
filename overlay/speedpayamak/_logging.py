"""The SDK's logger, `speedpayamak`, and `SPEEDPAYAMAK_LOG=info|debug`, which shows it on
stderr without code. Its lines name methods, paths, statuses, delays and counts: never
the key, never a message's text, never a whole phone number (`masked`)."""

from __future__ import annotations

import logging
import os

log = logging.getLogger("speedpayamak")
LOG_ENV = "SPEEDPAYAMAK_LOG"


def masked(number: str) -> str:
    """A phone number with all but its last four digits hidden."""
    return "*" * max(0, len(number) - 4) + number[-4:]


def configure_from_environment() -> None:
    """Send the SDK's log to stderr at the level SPEEDPAYAMAK_LOG names, once."""
    level = {"info": logging.INFO, "debug": logging.DEBUG}.get(
        os.environ.get(LOG_ENV, "").strip().lower()
    )
    if level is None or any(getattr(h, "_speedpayamak", False) for h in log.handlers):
        return
    handler = logging.StreamHandler()
    handler._speedpayamak = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(level)
