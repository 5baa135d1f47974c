"""What the sandbox keeps: the records it shows (sent messages, logged requests, replies)
and the state behind them (accounts, patterns, bulks, incoming messages)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

_IRAN_MOBILE = re.compile(r"(?:\+98|0098|98|0)?(9\d{9})")
_INTERNATIONAL = re.compile(r"\+[1-9]\d{7,14}")


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
    if match := _IRAN_MOBILE.fullmatch(raw):
        return "+98" + match[1]
    return raw if _INTERNATIONAL.fullmatch(raw) else None
