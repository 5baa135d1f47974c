"""One attempt's exchange, on whichever path the client was built with.

Every attempt goes through `SyncHTTP.exchange` or `AsyncHTTP.exchange`: the request is
encoded once (`_wire`), sent on the client's path (the SDK's own httpx pool, a caller's
httpx client or transport, or aiohttp), and its answer read whole within the attempt's
total deadline and the size cap. A failure with no answer is named by `_failures`.

A path is renewed in a forked child when the SDK owns it (the parent's connections stay
the parent's), and an async client belongs to the first event loop that uses it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import httpx

from speedpayamak._config import Config
from speedpayamak.errors import InvalidRequestError, SpeedPayamakError

from . import _deadline
from ._failures import CLOSED, Attempt, is_failure
from ._httpx import AsyncCaller, AsyncOwnPool, SyncCaller, SyncOwnPool
from ._wire import Answer, Outgoing, Requests

P = TypeVar("P")


class _SyncPath(Protocol):
    @property
    def client(self) -> httpx.Client: ...
    @property
    def closed(self) -> bool: ...
    def send(self, outgoing: Outgoing, timeout: httpx.Timeout, attempt: Attempt) -> Answer: ...
    def close(self) -> None: ...


class _AsyncPath(Protocol):
    bounds_each_operation: bool

    @property
    def client(self) -> httpx.AsyncClient: ...
    @property
    def closed(self) -> bool: ...
    async def send(
        self, outgoing: Outgoing, timeout: httpx.Timeout, attempt: Attempt
    ) -> Answer: ...
    async def aclose(self) -> None: ...


class _Connections(Generic[P]):
    """The path of one SDK client (and of those `with_options` derives from it), renewed
    in a forked child when the SDK owns it."""

    def __init__(self, build: Callable[[], P], renew_after_fork: bool) -> None:
        self._build: Callable[[], P] = build
        self._renew = renew_after_fork
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._path: P = build()

    def current(self) -> P:
        if self._renew and self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    # The parent's connections stay the parent's: drop them unclosed.
                    self._path, self._pid = self._build(), os.getpid()
        return self._path


def _given(http_client: object, transport: object, client: type, transport_type: type) -> None:
    if http_client is not None and transport is not None:
        raise InvalidRequestError("pass http_client or transport, not both")
    if http_client is not None and not isinstance(http_client, client):
        raise InvalidRequestError(f"http_client must be an httpx.{client.__name__}")
    if transport is not None and not isinstance(transport, transport_type):
        raise InvalidRequestError(f"transport must be an httpx.{transport_type.__name__}")


def _budget(timeout: httpx.Timeout) -> float | None:
    """An attempt's total deadline: connecting, then reading the whole answer."""
    if timeout.connect is None or timeout.read is None:
        return None
    return timeout.connect + timeout.read


def _begin(
    requests: Requests,
    closed: bool,
    call: Any,
    headers: tuple[tuple[str, str], ...],
    budget: float | None,
) -> tuple[Outgoing, Attempt]:
    """An attempt starts: refused on a closed client before anything is written."""
    if closed:
        raise InvalidRequestError(CLOSED)
    return requests.build(call.request, headers), Attempt(call, _deadline.end_after(budget))


class SyncHTTP:
    """The sync client's way to the server (shared by the clients `with_options` makes)."""

    def __init__(self, config: Config, http_client: object, transport: object) -> None:
        _given(http_client, transport, httpx.Client, httpx.BaseTransport)
        self._requests = Requests(config)
        self.own_pool: bool = http_client is None and transport is None

        def build() -> _SyncPath:
            if isinstance(http_client, httpx.Client):
                return SyncCaller.of_client(config, http_client)
            if isinstance(transport, httpx.BaseTransport):
                return SyncCaller.of_transport(config, transport)
            return SyncOwnPool(config)

        self._connections: _Connections[_SyncPath] = _Connections(build, self.own_pool)

    @property
    def client(self) -> httpx.Client:
        return self._connections.current().client

    def exchange(
        self, call: Any, timeout: httpx.Timeout, headers: tuple[tuple[str, str], ...] = ()
    ) -> Answer:
        path = self._connections.current()
        _deadline.attempt_begins(self.own_pool)
        outgoing, attempt = _begin(self._requests, path.closed, call, headers, _budget(timeout))
        try:
            with attempt:
                return path.send(outgoing, timeout, attempt)
        except Exception as exc:
            if not is_failure(exc):
                raise
            error: SpeedPayamakError = attempt.error(exc, closed=path.closed)
        raise error  # outside the handler: it carries no transport exception

    def close(self) -> None:
        self._connections.current().close()


class AsyncHTTP:
    """The async client's way to the server, bound to the first event loop that uses it."""

    def __init__(
        self, config: Config, http_client: object, transport: object, backend: str = "httpx"
    ) -> None:
        if backend not in ("httpx", "aiohttp"):
            raise InvalidRequestError(f'http_backend must be "httpx" or "aiohttp", not {backend!r}')
        _given(http_client, transport, httpx.AsyncClient, httpx.AsyncBaseTransport)
        self._requests = Requests(config)
        own = http_client is None and transport is None

        def build() -> _AsyncPath:
            if isinstance(http_client, httpx.AsyncClient):
                return AsyncCaller.of_client(config, http_client)
            if isinstance(transport, httpx.AsyncBaseTransport):
                return AsyncCaller.of_transport(config, transport)
            if backend == "aiohttp":
                from ._aiohttp import AiohttpPath  # here: only its users import aiohttp

                return AiohttpPath(config)
            return AsyncOwnPool(config)

        self._connections: _Connections[_AsyncPath] = _Connections(build, own)
        self.backend = backend
        self._loop: object = None
        self._loop_pid = os.getpid()

    @property
    def client(self) -> httpx.AsyncClient:
        return self._connections.current().client

    def _bound_loop(self) -> None:
        import asyncio  # here, so that sync-only services never import it

        loop = asyncio.get_running_loop()
        if self._loop is None or self._loop_pid != os.getpid():
            # First use, or a forked child, whose connections are renewed for its own loop.
            self._loop, self._loop_pid = loop, os.getpid()
        elif self._loop is not loop:
            raise InvalidRequestError(
                "this AsyncSpeedPayamak was first used in another event loop, and its "
                "connections belong to that loop: create one client per event loop"
            )

    async def exchange(
        self, call: Any, timeout: httpx.Timeout, headers: tuple[tuple[str, str], ...] = ()
    ) -> Answer:
        import asyncio

        self._bound_loop()
        path = self._connections.current()
        _deadline.attempt_begins(False)  # the async streams do not track their writes
        budget = _budget(timeout)
        outgoing, attempt = _begin(self._requests, path.closed, call, headers, budget)
        # A path whose pool does not bound each operation is bounded as a whole.
        around = None if path.bounds_each_operation or budget is None else asyncio.timeout(budget)
        try:
            with attempt:
                if around is None:
                    return await path.send(outgoing, timeout, attempt)
                async with around:
                    return await path.send(outgoing, timeout, attempt)
        except Exception as exc:
            failed: BaseException = exc
            if around is not None and around.expired():
                failed = _deadline.DeadlinePassed(connected=True)  # when, unknown: maybe sent
            elif not is_failure(exc):
                raise
            error: SpeedPayamakError = attempt.error(failed, closed=path.closed)
        raise error  # outside the handler: it carries no transport exception

    async def aclose(self) -> None:
        await self._connections.current().aclose()
