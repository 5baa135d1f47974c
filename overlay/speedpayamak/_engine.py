"""The one request path. Every SDK call goes through `SyncEngine.run` or `AsyncEngine.run`:
one attempt is an exchange (`_http`) and a read of the answer (`_envelope`), and the
retry policy decides what follows a failure. Only those two steps can fail with an error
about the server; the operation's own `result` runs outside, so a bug in the SDK shows as
itself. The two engines differ only in how they call and how they wait."""

from __future__ import annotations

import time
from typing import Protocol, TypeVar

import attrs
import httpx
from speedpayamak_api.client import AuthenticatedClient

from ._calls import Call
from ._envelope import read_envelope
from ._logging import log
from ._retry import RetryPolicy
from ._transport import AsyncHTTP, SyncHTTP
from .errors import APIConnectionError, APIError, RateLimitError, SpeedPayamakError

E = TypeVar("E")
R = TypeVar("R")


class Pace(Protocol):
    """What a campaign's chunk asks before each attempt: how long to hold back (the
    campaign's rate and 429 pause), a pause to share after a 429, and a last word just
    before the request is written (which may refuse it by raising)."""

    def wait_before_request(self) -> float: ...
    def pause(self, seconds: float) -> None: ...
    def writing(self) -> None: ...


class _Attempts:
    """The retry loop's state and decisions, shared by the sync and async engines."""

    def __init__(self, policy: RetryPolicy, call: Call[E, R], gate: Pace | None) -> None:
        self._policy = policy
        self._call = call
        self._gate = gate
        self._attempt = 0
        self._started = time.monotonic()

    def wait(self) -> float:
        """Seconds to hold back before the next attempt (a campaign's rate and pauses)."""
        return 0.0 if self._gate is None else self._gate.wait_before_request()

    def writing(self) -> None:
        if self._gate is not None:
            self._gate.writing()

    def delay_or_raise(self, error: SpeedPayamakError) -> float:
        """Seconds to wait before trying again; raises `error` when it is final."""
        call = self._call
        if not self._policy.should_retry(is_send=call.is_send, error=error, attempt=self._attempt):
            if isinstance(error, APIConnectionError):
                error.attempts = self._attempt + 1
                error.elapsed = time.monotonic() - self._started
                error.args = (
                    f"{error.args[0]} (after {error.attempts} attempt(s) over "
                    f"{error.elapsed:.1f} s)",
                )
            raise error
        retry_after = error.retry_after if isinstance(error, APIError) else None
        delay = self._policy.delay(self._attempt, retry_after)
        if self._gate is not None and isinstance(error, RateLimitError):
            self._gate.pause(delay)  # every worker of the campaign waits, not just this one
        self._attempt += 1
        log.info(
            "retrying %s %s in %.2f s after %s (attempt %d of %d)",
            call.method,
            call.path,
            delay,
            type(error).__name__,
            self._attempt + 1,
            self._policy.max_retries + 1,
        )
        return delay


@attrs.frozen
class SyncEngine:
    http: SyncHTTP
    raw: AuthenticatedClient
    policy: RetryPolicy
    timeout: httpx.Timeout
    headers: tuple[tuple[str, str], ...] = ()

    def run(self, call: Call[E, R], gate: Pace | None = None) -> R:
        attempts = _Attempts(self.policy, call, gate)
        while True:
            if wait := attempts.wait():
                time.sleep(wait)
            attempts.writing()
            try:
                envelope = read_envelope(
                    call, self.http.exchange(call, self.timeout, self.headers), self.raw
                )
            except SpeedPayamakError as error:
                delay = attempts.delay_or_raise(error)
            else:
                return call.result(envelope)
            time.sleep(delay)


@attrs.frozen
class AsyncEngine:
    http: AsyncHTTP
    raw: AuthenticatedClient
    policy: RetryPolicy
    timeout: httpx.Timeout
    headers: tuple[tuple[str, str], ...] = ()

    async def run(self, call: Call[E, R], gate: Pace | None = None) -> R:
        import asyncio  # here, so that sync-only services never import it

        attempts = _Attempts(self.policy, call, gate)
        while True:
            if wait := attempts.wait():
                await asyncio.sleep(wait)
            attempts.writing()
            try:
                answer = await self.http.exchange(call, self.timeout, self.headers)
                envelope = read_envelope(call, answer, self.raw)
            except SpeedPayamakError as error:
                delay = attempts.delay_or_raise(error)
            else:
                return call.result(envelope)
            await asyncio.sleep(delay)
