"""The sandbox's state: its settings, accounts, patterns, sends, inbox, request log and
clock, and the steps on it that several operations share."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

from . import _segments
from ._faults import Injection
from ._records import Account, Bulk, Incoming, LoggedRequest, Pattern, SentMessage
from ._wire import FieldProblems, ValidationForm, refuse

EPOCH = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


class State:
    """Everything the sandbox holds, guarded by one lock."""

    def __init__(
        self,
        *,
        max_recipients: int,
        max_page_size: int,
        success_code: Literal["OK", 200],
        auto_approve: bool,
        delivery_seconds: float,
        validation_errors: ValidationForm,
        seed: int,
        rate_limit: float | None,
        latency: float,
    ) -> None:
        self.max_recipients = max_recipients
        self.max_page_size = max_page_size
        self.success_code: str | int = success_code
        self.auto_approve = auto_approve
        self.delivery_seconds = delivery_seconds
        self.validation_errors: ValidationForm = validation_errors
        self.rate_limit = rate_limit
        self.latency = latency
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.RLock()
        self._random = random.Random(seed)
        self._accounts: dict[str, Account] = {}
        self._patterns: dict[str, Pattern] = {}
        self._bulks: dict[int, Bulk] = {}
        self._outbox: list[SentMessage] = []
        self._inbox: list[Incoming] = []
        self._requests: list[LoggedRequest] = []
        self._injections: list[Injection] = []
        self._failing: set[str] = set()
        # Deliveries scheduled per number: (seconds after the send or None, status).
        self._deliveries: dict[str, tuple[float | None, str]] = {}
        self._next_bulk_id = 100_000_001
        self._now = EPOCH

    def _delivery(self, bulk: Bulk, number: str) -> str:
        """A recipient's status now: `pending` until its delivery settles, then its
        scheduled status (by default `delivered`, or `failed` for a failing number)."""
        default = "failed" if number in self._failing else "delivered"
        after, status = self._deliveries.get(number, (self.delivery_seconds, default))
        if after is None or self._now < bulk.created_at + timedelta(seconds=after):
            return "pending"
        return status

    def _account(self, api_key: str | None) -> Account:
        if api_key is None:
            return next(iter(self._accounts.values()))
        return self._accounts[api_key]

    def _charge_and_record(
        self,
        account: Account,
        originator: str,
        numbers: list[str],
        text: str,
        pattern_code: str | None,
        values: Mapping[str, str] | None,
    ) -> int:
        parts = _segments.parts(text)
        cost = account.price_per_part * parts * len(numbers)
        if cost > account.credit:
            raise refuse(400, "10006", f"this send costs {cost}, the credit is {account.credit}")
        account.credit -= cost
        bulk_id = self._next_bulk_id
        self._next_bulk_id += 1
        sent = SentMessage(
            bulk_id,
            originator,
            tuple(numbers),
            text,
            pattern_code,
            None if values is None else dict(values),
        )
        self._bulks[bulk_id] = Bulk(sent, account, parts, cost, self._now)
        self._outbox.append(sent)
        return bulk_id

    def _bulk(self, account: Account, raw_id: str) -> Bulk:
        # At most 19 digits: the API's ids are int64 (and Python refuses 4,300 digits).
        if not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 19 or int(raw_id) < 1:
            problems = FieldProblems(self.validation_errors)
            problems.add("bulk_id", "type", "bulk_id must be a positive integer")
            problems.raise_if_any()
        bulk = self._bulks.get(int(raw_id))
        if bulk is None or bulk.account is not account:
            raise refuse(404, "404", f"message {raw_id} not found")
        return bulk

    def _set_pattern_status(self, code: str, status: str) -> None:
        with self._lock:
            self._patterns[code].status = status
