"""Following a send's delivery: the API has no callbacks, so the recipients' statuses are
polled, with growing waits, until every one is final or the time is up. The sync and
async generators differ only in how they fetch and wait; this is what they share."""

from __future__ import annotations

import time
from collections.abc import Iterable

from speedpayamak_api.models import Recipient

from speedpayamak import _checks
from speedpayamak.errors import DeliveryTimeoutError

# The statuses after which a recipient's delivery changes no more. Statuses are an open
# set: any other value, known or not, is not final and is carried as it is.
FINAL = frozenset({"delivered", "failed", "discarded"})

GROWTH = 1.5
LONGEST_WAIT = 60.0


class Following:
    """One follow of `bulk_id`: who was yielded, who is pending, when to look again."""

    def __init__(self, bulk_id: int, timeout: float, interval: float) -> None:
        self.bulk_id = _checks.positive_int("bulk_id", bulk_id)
        timeout = _checks.positive_number("timeout", timeout, unit=" of seconds")
        self._interval = _checks.positive_number("interval", interval, unit=" of seconds")
        self._until = time.monotonic() + timeout
        self._final: set[str] = set()
        self._pending: dict[str, Recipient] = {}
        self._looked = False

    def observe(self, recipients: Iterable[Recipient]) -> list[Recipient]:
        """The recipients that became final since the last look, in the listing's order."""
        self._looked = True
        became: list[Recipient] = []
        for recipient in recipients:
            number = recipient.recipient
            if number in self._final:
                continue
            if recipient.status in FINAL:
                self._final.add(number)
                self._pending.pop(number, None)
                became.append(recipient)
            else:
                self._pending[number] = recipient
        return became

    @property
    def done(self) -> bool:
        return self._looked and not self._pending

    def wait(self, retry_after: float | None = None) -> float:
        """Seconds until the next look (at least `retry_after`, when the API asked); the
        last look is at the timeout, and past it DeliveryTimeoutError carries who is left."""
        left = self._until - time.monotonic()
        if left <= 0:
            pending = tuple(self._pending.values())
            raise DeliveryTimeoutError(
                f"bulk {self.bulk_id}: {len(pending)} recipient(s) not final at the timeout",
                bulk_id=self.bulk_id,
                pending=pending,
            )
        wait = max(self._interval, retry_after or 0.0)
        self._interval = min(self._interval * GROWTH, LONGEST_WAIT)
        return min(wait, left)
