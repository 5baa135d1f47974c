"""The one request path. Every SDK call goes through `SyncEngine.run` or `AsyncEngine.run`,
which own retries, error mapping and envelope unwrapping; the two differ only in how they
call and how they wait."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, NoReturn, TypeVar

import attrs
import httpx
from speedpayamak_api.client import AuthenticatedClient
from speedpayamak_api.models import ErrorEnvelope

from ._envelope import GeneratedResponse, failure, success_envelope
from ._http import received
from ._retry import RetryPolicy, connection_error
from .errors import APIError, SpeedPayamakError

E = TypeVar("E")
R = TypeVar("R")

log = logging.getLogger("speedpayamak")


@attrs.frozen
class Call(Generic[E, R]):
    """One operation, ready to send: the generated function to call (sync and async),
    and how to turn its success envelope into what the SDK method returns."""

    method: str
    path: str
    sync: Callable[[AuthenticatedClient], GeneratedResponse[E | ErrorEnvelope]]
    asyncio: Callable[[AuthenticatedClient], Awaitable[GeneratedResponse[E | ErrorEnvelope]]]
    result: Callable[[E], R]

    def settle(self, response: GeneratedResponse[E | ErrorEnvelope]) -> R:
        return self.result(success_envelope(response, was_send=self.method != "GET"))


class _Attempts:
    """The retry loop's state and decisions, shared by the sync and async engines."""

    def __init__(self, policy: RetryPolicy, call: Call[E, R]) -> None:
        self._policy = policy
        self._method = call.method
        self._path = call.path
        self._attempt = 0
        received.set(None)

    def after(self, exc: Exception) -> float:
        """Seconds to wait before trying again; raises the typed error when it is final."""
        error = self._classify(exc)
        if not self._policy.should_retry(self._method, error, self._attempt):
            if error is exc:
                raise error
            raise error from exc
        retry_after = error.retry_after if isinstance(error, APIError) else None
        delay = self._policy.delay(self._attempt, retry_after)
        self._attempt += 1
        log.info(
            "retrying %s %s in %.2f s after %s (attempt %d of %d)",
            self._method,
            self._path,
            delay,
            type(error).__name__,
            self._attempt + 1,
            self._policy.max_retries + 1,
        )
        received.set(None)
        return delay

    def _classify(self, exc: Exception) -> SpeedPayamakError:
        if isinstance(exc, SpeedPayamakError):
            return exc
        if isinstance(exc, httpx.HTTPError):
            return connection_error(exc, self._method, self._path)
        answer = received.get()
        if answer is None:
            _reraise(exc)  # not caused by an answer: a bug, let it show as itself
        # The generated parser failed on this answer (bad JSON, a missing key, a status
        # outside the standard); report the answer itself.
        reason = f"{type(exc).__name__}: {exc}"
        was_send = self._method != "GET"
        return failure(
            answer.status_code, answer.headers, answer.content, reason, was_send=was_send
        )


def _reraise(exc: Exception) -> NoReturn:
    raise exc


@attrs.frozen
class SyncEngine:
    raw: AuthenticatedClient
    policy: RetryPolicy

    def run(self, call: Call[E, R]) -> R:
        attempts = _Attempts(self.policy, call)
        while True:
            try:
                return call.settle(call.sync(self.raw))
            except Exception as exc:
                delay = attempts.after(exc)
            time.sleep(delay)


@attrs.frozen
class AsyncEngine:
    raw: AuthenticatedClient
    policy: RetryPolicy

    async def run(self, call: Call[E, R]) -> R:
        attempts = _Attempts(self.policy, call)
        while True:
            try:
                return call.settle(await call.asyncio(self.raw))
            except Exception as exc:
                delay = attempts.after(exc)
            import asyncio  # here, so that sync-only services never import it

            await asyncio.sleep(delay)
