"""When a failed request may be tried again, and how long to wait first.

Two rules keep a send from going out twice: a POST is retried only when its request
provably never left (the connection was never established), and any failure after that
point is reported as OutcomeUnknownError instead of being retried.
"""

from __future__ import annotations

import random

import attrs
import httpx

from .errors import APIConnectionError, APITimeoutError, OutcomeUnknownError, SpeedPayamakError

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

# Failures that happen before a single byte of the request is written.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def connection_error(exc: httpx.HTTPError, method: str, path: str) -> APIConnectionError:
    """The typed error for a request that got no answer."""
    if isinstance(exc, _NEVER_SENT):
        return APIConnectionError(
            f"{method} {path}: could not connect, nothing was sent ({exc})", request_sent=False
        )
    if method != "GET":
        return OutcomeUnknownError(
            f"{method} {path}: the request was sent but no answer was read "
            f"({type(exc).__name__}: {exc}). The SMS may have been sent; it was not retried, "
            "since retrying blindly may send it twice."
        )
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{method} {path}: timed out ({type(exc).__name__})")
    return APIConnectionError(
        f"{method} {path}: the connection failed ({type(exc).__name__}: {exc})"
    )


@attrs.frozen
class RetryPolicy:
    """Retries with exponential backoff and jitter, honouring Retry-After up to a cap."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def should_retry(self, method: str, error: SpeedPayamakError, attempt: int) -> bool:
        """Whether to try again after `error` on 0-based `attempt`."""
        if attempt >= self.max_retries:
            return False
        if isinstance(error, APIConnectionError) and not error.request_sent:
            return True
        if method != "GET":
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
