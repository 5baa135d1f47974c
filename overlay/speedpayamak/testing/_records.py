"""What the sandbox keeps: the records it shows (sent messages, logged requests, replies)
and the state behind them (accounts, patterns, bulks, incoming messages)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

# The API's rule for a recipient, read as the server reads it (ASCII digits only): an
# Iranian mobile is a 10-digit national number starting with 9, written after one of
# these country forms; any other number must be in international form, + and 8 to 15
# digits. Deliberately not the SDK's reading (which also accepts Persian digits and
# separators): tests compare the two.
_IRAN_FORMS = ("+98", "0098", "98", "0", "")
_ASCII_DIGITS = frozenset("0123456789")


@attrs.frozen
class SentMessage:
    """One accepted send, as the sandbox's outbox records it."""

    bulk_id: int
    originator: str
    recipients: tuple[str, ...]
    message: str
    pattern_code: str | None = None
    values: Mapping[str, str] | None = None


@attrs.frozen
class LoggedRequest:
    """One request the sandbox received (the Authorization header is not kept)."""

    method: str
    path: str
    query: Mapping[str, str]
    body: bytes
    status: int | None
    fault: str | None
    received_at: float = 0.0  # time.monotonic() when it arrived, to measure a client's pace


@attrs.frozen
class Reply:
    """What to put on the wire for one request."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    delay: float = 0.0
    drop: bool = False


@attrs.define
class Account:
    credit: Decimal
    lines: frozenset[str]
    price_per_part: Decimal
    revoked: bool = False


@attrs.define
class Pattern:
    code: str
    account: Account
    template: str
    description: str
    is_shared: bool
    status: str

    def wire(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "message": self.template,
            "is_shared": self.is_shared,
        }


@attrs.define
class Bulk:
    sent: SentMessage
    account: Account
    parts: int
    cost: Decimal
    created_at: datetime


@attrs.define
class Incoming:
    account: Account
    number: str
    sender: str
    text: str
    time: datetime


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_number(raw: str) -> str | None:
    """The number in +98... form, an international number as given, or None if invalid."""
    for form in _IRAN_FORMS:
        national = raw[len(form) :]
        mobile = len(national) == 10 and national[0] == "9" and set(national) <= _ASCII_DIGITS
        if raw.startswith(form) and mobile:
            return "+98" + national
    digits = raw[1:]
    international = raw.startswith("+") and 8 <= len(digits) <= 15 and digits[0] != "0"
    return raw if international and set(digits) <= _ASCII_DIGITS else None
