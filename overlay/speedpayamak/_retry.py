"""When a failed request may be tried again, and how long to wait first.

Two rules keep a send from going out twice: a request that changes state (a send) is
retried only when it provably was not applied (the connection was never established, or
the server refused it with 429 without processing it), and any failure after that point
is reported as OutcomeUnknownError instead of being retried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping

import attrs

from .errors import APIConnectionError, SpeedPayamakError

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@attrs.frozen
class RetryPolicy:
    """Retries with exponential backoff and jitter, honouring Retry-After up to a cap."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def should_retry(self, *, is_send: bool, error: SpeedPayamakError, attempt: int) -> bool:
        """Whether to try again after `error` on 0-based `attempt`."""
        if attempt >= self.max_retries:
            return False
        if isinstance(error, APIConnectionError) and not error.request_sent:
            return True
        if getattr(error, "status_code", None) == 429:  # refused unprocessed: safe to repeat
            return True
        if is_send:
            return False
        if isinstance(error, APIConnectionError):
            return True
        return getattr(error, "status_code", None) in RETRYABLE_STATUSES

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `attempt` + 1."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        backoff = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return backoff * (0.5 + random.random() / 2)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The Retry-After header in seconds (from a number or an HTTP date), if valid."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime  # rare: most servers send seconds

        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return max(0.0, seconds) if seconds == seconds else None  # NaN is not a wait
