"""The httpx paths: the SDK's own pool, and a caller's httpx client or transport.

The SDK's own client has no cookies, auth flow, redirects or event hooks, so its requests
go straight to the pool (httpcore) for its base URL, below `httpx.Client.send`, and each
answer is read once. A caller's client keeps going through its own `send` (its hooks,
proxies and mounts are theirs), with `auth=None`: the key's Authorization always wins.

The SDK's pool follows the environment's proxy settings as httpx does, expires idle
connections before common servers close them, and bounds every network operation by the
attempt's deadline (`_deadline`).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable
from typing import Any, Generic, TypeVar, cast

import httpx

from speedpayamak._config import Config
from speedpayamak._logging import log

from . import _deadline
from ._body import Body
from ._environment import certificates_named_by_the_environment
from ._failures import Attempt, is_failure
from ._wire import Answer, Outgoing, answer, sdk_headers

C = TypeVar("C", bound=httpx.Client | httpx.AsyncClient)

_WATCHDOG = _deadline.Watchdog()
# A caller client's default headers that the SDK's own replace.
_REPLACED = frozenset(
    {"authorization", "accept", "accept-encoding", "content-type", "content-length", "host"}
)


def client_options(config: Config) -> dict[str, Any]:
    """The settings of every httpx client the SDK builds (its own, and those `raw` uses)."""
    return {
        "base_url": config.base_url,
        "headers": sdk_headers(config),
        "timeout": config.timeout,
        "follow_redirects": False,
    }


def own_client(config: Config, kind: type[C]) -> tuple[C, Any]:
    """The SDK's own httpx client, and the httpcore pool its base URL goes through (the
    direct one, or a proxy's), each pool bounded by the attempt's deadline."""
    limits = httpx.Limits(
        max_connections=100, max_keepalive_connections=20, keepalive_expiry=config.keepalive_expiry
    )
    with certificates_named_by_the_environment():
        client: C = kind(**client_options(config), limits=limits, trust_env=True)
    backend = _deadline.Backend if kind is httpx.Client else _deadline.AsyncBackend
    # httpx has no public hook for either; the shape is checked, so that an httpx release
    # that changes it fails loudly here rather than silently dropping the deadline.
    for transport in [client._transport, *client._mounts.values()]:
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if transport is not None and inner is None:
            raise RuntimeError(f"cannot bound requests of {type(transport).__name__}")
        if transport is not None:
            pool._network_backend = backend(inner)  # type: ignore[union-attr]
    route: Any = client._transport_for_url(httpx.URL(config.base_url))
    return client, route._pool


def never_reuse_if_it_said_more(stream: object) -> None:
    """A connection that has sent bytes beyond this answer (another answer: a proxy's or
    a server's bug) must not carry the next request, which would read them as its own.
    While still this request's, its pooled HTTP/1.1 connection is set to expire at once,
    so the pool closes it instead of reusing it. Bytes arriving later, while it is idle,
    make httpcore's pool drop it before reuse (it checks idle sockets for readability)."""
    connection = None
    for _ in range(4):  # httpx's stream wrappers, the pool's, then the connection's
        connection = getattr(stream, "_connection", None)
        if connection is not None:
            break
        stream = getattr(stream, "_httpcore_stream", None) or getattr(stream, "_stream", None)
    state = getattr(connection, "_h11_state", None)
    if state is not None and state.trailing_data[0]:
        log.debug("the connection sent more than its answer: it will not be reused")
        connection._keepalive_expiry = -1.0  # type: ignore[union-attr]


def _with_caller_headers(
    caller: httpx.Client | httpx.AsyncClient | None, request: httpx.Request
) -> httpx.Request:
    """The request with a caller client's own default headers, which replace the SDK's of
    the same name, except those only the SDK writes (its Authorization always wins)."""
    if caller is not None:
        default_agent = f"python-httpx/{httpx.__version__}"
        for name, value in caller.headers.multi_items():
            lowered = name.lower()
            if lowered in _REPLACED or (lowered == "user-agent" and value == default_agent):
                continue
            request.headers[name] = value
    return request


def _reading(attempt: Attempt, status: int, headers: httpx.Headers, cap: int) -> Body:
    """An answer's head has come: where its body is collected."""
    attempt.answered(status, headers)
    return Body(headers, cap)


def _read(stream: object, body: Body) -> None:
    """The body is all in: the connection is looked at before the pool has it back."""
    never_reuse_if_it_said_more(stream)
    body.finish()


class _Path(Generic[C]):
    """What the sync and async paths share: the httpx client that `raw` sends through."""

    # Whether the pool bounds each network operation by the deadline (the SDK's own), or
    # the attempt must be bounded around it (a caller's client or transport).
    bounds_each_operation = False

    def __init__(self, config: Config, raw: Callable[[], C]) -> None:
        self._raw_factory: Callable[[], C] = raw
        self._raw: C | None = None
        self._cap = config.max_response_size

    @property
    def client(self) -> C:
        """The httpx client the generated code sends through for `raw`."""
        if self._raw is None:
            self._raw = self._raw_factory()
        return self._raw


class _OwnPool(_Path[C]):
    """The SDK's own httpx client, whose pool for the base URL each request goes to."""

    bounds_each_operation = True

    def __init__(self, config: Config, kind: type[C]) -> None:
        client, self._pool = own_client(config, kind)
        super().__init__(config, lambda: client)
        self._origin = httpx.URL(config.base_url)

    @property
    def closed(self) -> bool:
        return self.client.is_closed


class SyncOwnPool(_OwnPool[httpx.Client]):
    def __init__(self, config: Config) -> None:
        super().__init__(config, httpx.Client)

    def send(self, outgoing: Outgoing, timeout: httpx.Timeout, attempt: Attempt) -> Answer:
        response = self._pool.handle_request(outgoing.for_httpcore(self._origin, timeout))
        try:
            headers = httpx.Headers(response.headers)
            body = _reading(attempt, response.status, headers, self._cap)
            for chunk in response.stream:
                body.add(chunk)
            _read(response.stream, body)
        finally:
            response.close()
        return answer(outgoing, response.status, headers, body.content)

    def close(self) -> None:
        self.client.close()


class AsyncOwnPool(_OwnPool[httpx.AsyncClient]):
    def __init__(self, config: Config) -> None:
        super().__init__(config, httpx.AsyncClient)

    async def send(self, outgoing: Outgoing, timeout: httpx.Timeout, attempt: Attempt) -> Answer:
        response = await self._pool.handle_async_request(
            outgoing.for_httpcore(self._origin, timeout)
        )
        try:
            headers = httpx.Headers(response.headers)
            body = _reading(attempt, response.status, headers, self._cap)
            async for chunk in response.stream:
                body.add(chunk)
            _read(response.stream, body)
        finally:
            await response.aclose()
        return answer(outgoing, response.status, headers, body.content)

    async def aclose(self) -> None:
        await self.client.aclose()


class _Caller(_Path[C]):
    """Through a caller's httpx client (its own `send`) or transport, neither of which the
    SDK closes or changes."""

    def __init__(
        self,
        config: Config,
        send: Callable[[httpx.Request], Any],
        raw: Callable[[], C],
        caller: C | None,
    ) -> None:
        super().__init__(config, raw)
        self._send = send
        self._caller: C | None = caller
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed or (self._caller is not None and self._caller.is_closed)

    def _request(
        self, outgoing: Outgoing, timeout: httpx.Timeout, **extensions: Any
    ) -> httpx.Request:
        return _with_caller_headers(self._caller, outgoing.for_httpx(timeout, **extensions))

    def _whole(self, outgoing: Outgoing, response: httpx.Response) -> Answer | None:
        """An answer the transport read itself (in memory, decoded), checked against the
        cap; None when its body is still to be read."""
        if not response.is_stream_consumed:
            return None
        Body.whole(response.content, self._cap)
        return answer(outgoing, response.status_code, response.headers, response.content)


class SyncCaller(_Caller[httpx.Client]):
    @classmethod
    def of_client(cls, config: Config, caller: httpx.Client) -> SyncCaller:
        def send(request: httpx.Request) -> httpx.Response:
            return caller.send(request, stream=True, auth=None, follow_redirects=False)

        def raw() -> httpx.Client:
            return httpx.Client(**client_options(config), transport=_ClientTransport(caller))

        return cls(config, send, raw, caller)

    @classmethod
    def of_transport(cls, config: Config, transport: httpx.BaseTransport) -> SyncCaller:
        def raw() -> httpx.Client:
            return httpx.Client(**client_options(config), transport=transport, trust_env=False)

        return cls(config, transport.handle_request, raw, None)

    def send(self, outgoing: Outgoing, timeout: httpx.Timeout, attempt: Attempt) -> Answer:
        if attempt.end is None:
            return self._exchange(outgoing, self._request(outgoing, timeout), attempt)
        watch = _WATCHDOG.watch(attempt.end)
        try:
            request = self._request(outgoing, timeout, trace=watch.trace())
            return self._exchange(outgoing, request, attempt)
        except Exception as exc:
            if watch.expired and is_failure(exc):  # the watchdog ended a dripping read
                raise _deadline.DeadlinePassed(connected=True) from None
            raise
        finally:
            watch.finish()

    def _exchange(self, outgoing: Outgoing, request: httpx.Request, attempt: Attempt) -> Answer:
        response: httpx.Response = self._send(request)
        response.request = request
        try:
            body = _reading(attempt, response.status_code, response.headers, self._cap)
            if (whole := self._whole(outgoing, response)) is not None:
                return whole
            # The stream itself, not iter_raw(), which would close the response (and free
            # its connection) before the connection can be looked at.
            for chunk in cast(Iterable[bytes], response.stream):
                body.add(chunk)
                attempt.check()
            _read(response.stream, body)
        finally:
            response.close()
        return answer(outgoing, response.status_code, response.headers, body.content)

    def close(self) -> None:
        self._closed = True


class AsyncCaller(_Caller[httpx.AsyncClient]):
    """The async twin of SyncCaller; the attempt is bounded around it."""

    @classmethod
    def of_client(cls, config: Config, caller: httpx.AsyncClient) -> AsyncCaller:
        async def send(request: httpx.Request) -> httpx.Response:
            return await caller.send(request, stream=True, auth=None, follow_redirects=False)

        def raw() -> httpx.AsyncClient:
            transport = _AsyncClientTransport(caller)
            return httpx.AsyncClient(**client_options(config), transport=transport)

        return cls(config, send, raw, caller)

    @classmethod
    def of_transport(cls, config: Config, transport: httpx.AsyncBaseTransport) -> AsyncCaller:
        def raw() -> httpx.AsyncClient:
            options = client_options(config)
            return httpx.AsyncClient(**options, transport=transport, trust_env=False)

        return cls(config, transport.handle_async_request, raw, None)

    async def send(self, outgoing: Outgoing, timeout: httpx.Timeout, attempt: Attempt) -> Answer:
        request = self._request(outgoing, timeout)
        response: httpx.Response = await self._send(request)
        response.request = request
        try:
            body = _reading(attempt, response.status_code, response.headers, self._cap)
            if (whole := self._whole(outgoing, response)) is not None:
                return whole
            async for chunk in cast(AsyncIterable[bytes], response.stream):
                body.add(chunk)
            _read(response.stream, body)
        finally:
            await response.aclose()
        return answer(outgoing, response.status_code, response.headers, body.content)

    async def aclose(self) -> None:
        self._closed = True


class _ClientTransport(httpx.BaseTransport):
    """`raw`'s way through a caller's httpx.Client, which stays the caller's to close."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request = _with_caller_headers(self._client, request)
        return self._client.send(request, stream=True, auth=None, follow_redirects=False)


class _AsyncClientTransport(httpx.AsyncBaseTransport):
    """`raw`'s way through a caller's httpx.AsyncClient, which stays the caller's to close."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request = _with_caller_headers(self._client, request)
        return await self._client.send(request, stream=True, auth=None, follow_redirects=False)
