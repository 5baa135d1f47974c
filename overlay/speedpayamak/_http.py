"""How a request travels, and the one place that looks at a transport's failures.

Every attempt goes through `SyncHTTP.exchange` or `AsyncHTTP.exchange`: the request is
built by the SDK's own httpx client (base URL, Authorization, timeout), sent without
following redirects, and its answer read whole within the attempt's total deadline and
the size cap. A failure with no answer becomes "never sent" (the connection was never
made) or "may have been sent", here and nowhere else.

The SDK's own pool follows the environment's proxy settings as httpx does, expires idle
connections before common servers close them, and is never used in a process other than
the one that opened it (after a fork the child opens its own). A caller's httpx client,
when given, becomes the transport: used as given (pool, proxies, TLS, hooks, default
headers) and never mutated or closed by the SDK.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import aclosing, closing, contextmanager
from typing import Any, Generic, TypeVar, cast

import httpx

from . import _aiohttp, _deadline
from ._body import ACCEPT_ENCODING, Body, TooLarge, Undecodable
from ._config import Config
from ._failures import SENT_WARNING, connection_error
from ._logging import log
from ._version import __version__
from .errors import InvalidRequestError, UnexpectedResponseError

C = TypeVar("C", httpx.Client, httpx.AsyncClient)


# Failures that happen before a single byte of the request is written.
# A ProxyError is a proxy refusing CONNECT: no tunnel was opened, so nothing was sent.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
# What a transport may raise for a failed exchange; anything else is a bug and shows as one.
_TRANSPORT_FAILURES = (httpx.HTTPError, OSError, RuntimeError, MemoryError)
# Notes on a KeyboardInterrupt (or a cancellation) that stopped a send, for who reports it.
NOT_SENT_NOTE = "speedpayamak: the send was interrupted before anything was written"
MAY_BE_SENT_NOTE = "speedpayamak: the send was interrupted after its request may have been sent"
_MAPPED = (*_TRANSPORT_FAILURES, TooLarge, Undecodable, _deadline.DeadlinePassed)
# Headers of a caller's client that the SDK's request keeps as its own.
_SDK_HEADERS = frozenset(
    {
        "authorization",
        "accept",
        "accept-encoding",
        "content-type",
        "content-length",
        "host",
        "connection",
    }
)


def _options(config: Config) -> dict[str, Any]:
    return {
        "base_url": config.base_url,
        "headers": {
            "Authorization": f"AccessKey {config.api_key}",
            "User-Agent": f"speedpayamak-python/{__version__}",
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        "timeout": config.timeout,
        "follow_redirects": False,
    }


class _Connections(Generic[C]):
    """The httpx client of one SDK client (and of those `with_options` derives from it),
    renewed in a forked child when the SDK owns its pool."""

    def __init__(self, build: Callable[[], C], renew_after_fork: bool) -> None:
        self._build: Callable[[], C] = build
        self._renew = renew_after_fork
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._client: C = build()

    def current(self) -> C:
        if self._renew and self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    # The parent's connections stay the parent's: drop them unclosed.
                    self._client, self._pid = self._build(), os.getpid()
        return self._client


class _Exchange:
    """What the sync and async exchanges share: building the request, reading the answer
    and naming a failure."""

    def __init__(self, config: Config) -> None:
        self._cap = config.max_response_size

    @staticmethod
    def request(
        client: httpx.Client | httpx.AsyncClient,
        call: Any,
        timeout: httpx.Timeout,
        headers: tuple[tuple[str, str], ...],
    ) -> httpx.Request:
        if not headers:
            return client.build_request(**call.request, timeout=timeout)
        arguments = dict(call.request)
        arguments["headers"] = {**dict(headers), **arguments.get("headers", {})}
        return client.build_request(**arguments, timeout=timeout)

    @staticmethod
    def budget(timeout: httpx.Timeout) -> float | None:
        if timeout.connect is None or timeout.read is None:
            return None
        return timeout.connect + timeout.read

    def phase(self, call: Any, timeout: httpx.Timeout, end: float | None = None) -> _Phase:
        """One phase of an attempt, within the attempt's deadline (`end`, or from now)."""
        return _Phase(call, end if end is not None else _deadline.end_after(self.budget(timeout)))

    def body(self, response: httpx.Response) -> Body:
        """Where the answer's body is collected, within the size cap. A transport that
        answers with its body already read (in memory, decoded) gives it whole."""
        if response.is_stream_consumed:
            return Body.whole(response.content, self._cap)
        return Body(response.headers, self._cap)

    @staticmethod
    def answer(response: httpx.Response, body: Body) -> httpx.Response:
        """The answer as read, decoded, for the generated parser."""
        log.debug(
            "%s %s -> HTTP %s",
            response.request.method,
            response.request.url.path,
            response.status_code,
        )
        if body.read_by_transport:  # the response holds it whole and decoded already
            return response
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(
            response.status_code, headers=headers, content=body.content, request=response.request
        )


class _Phase:
    """Sending, or reading the answer: bounded by the attempt's deadline, with every
    failure mapped to the SDK's errors on the way out."""

    __slots__ = ("_call", "_token", "end", "response")

    def __init__(self, call: Any, end: float | None) -> None:
        self._call = call
        self.end: float | None = end
        self.response: httpx.Response | None = None

    def reading(self, response: httpx.Response) -> _Phase:
        phase = _Phase(self._call, self.end)
        phase.response = response
        return phase

    def __enter__(self) -> _Phase:
        self._token = _deadline.enter(self.end)
        return self

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        _deadline.leave(self._token)
        if exc is not None and isinstance(exc, _MAPPED):
            raise _failure(self._call, self.response, exc) from exc
        if exc is not None and not isinstance(exc, Exception) and self._call.is_send:
            # Ctrl-C or a cancellation mid-send: say on it whether the request may be out.
            unsent = self.response is None and _deadline.wrote() is False
            exc.add_note(NOT_SENT_NOTE if unsent else MAY_BE_SENT_NOTE)


def _failure(call: Any, response: httpx.Response | None, exc: BaseException) -> Exception:
    """The SDK's error for a failed exchange."""
    if isinstance(exc, TooLarge | Undecodable | MemoryError) and response is not None:
        reason = (
            f"the answer is too large ({exc})"
            if isinstance(exc, TooLarge | MemoryError)
            else str(exc)
        )
        if call.is_send and response.is_success:
            reason += f"; {SENT_WARNING}"
        return UnexpectedResponseError(
            reason, status_code=response.status_code, body=b"", headers=response.headers
        )
    if isinstance(exc, _deadline.DeadlinePassed):
        never_sent = not exc.connected
    else:
        never_sent = response is None and _never_sent(exc)
    return connection_error(
        exc, call.method, call.path, is_send=call.is_send, never_sent=never_sent
    )


class SyncHTTP(_Exchange):
    """The sync client's way to the server (shared by the clients `with_options` makes)."""

    def __init__(self, config: Config, http_client: object, transport: object) -> None:
        super().__init__(config)
        self._connections = _connections(
            config, http_client, transport, httpx.Client, httpx.BaseTransport, _ClientTransport
        )
        self.own_pool: bool = http_client is None and transport is None

    @property
    def client(self) -> httpx.Client:
        return self._connections.current()

    def exchange(
        self, call: Any, timeout: httpx.Timeout, headers: tuple[tuple[str, str], ...] = ()
    ) -> httpx.Response:
        client = self.client
        _deadline.attempt_begins(self.own_pool)
        with self.phase(call, timeout) as sending:
            _refuse_if_closed(client)
            try:
                response = client.send(self.request(client, call, timeout, headers), stream=True)
            except RuntimeError:  # closed by another thread as this request started
                _refuse_if_closed(client)
                raise
        with sending.reading(response), closing(response):
            body = self.body(response)
            if not response.is_stream_consumed:
                # The stream itself, not iter_raw(), which would close the response (and
                # free its connection) before the connection can be looked at.
                for chunk in cast(httpx.SyncByteStream, response.stream):
                    body.add(chunk)
                _never_reuse_if_it_said_more(response)
            body.finish()
        return self.answer(response, body)

    def close(self) -> None:
        self._connections.current().close()


class AsyncHTTP(_Exchange):
    """The async client's way to the server, bound to the first event loop that uses it."""

    def __init__(
        self, config: Config, http_client: object, transport: object, backend: str = "httpx"
    ) -> None:
        super().__init__(config)
        if backend not in ("httpx", "aiohttp"):
            raise InvalidRequestError(f'http_backend must be "httpx" or "aiohttp", not {backend!r}')
        aiohttp = backend == "aiohttp" and http_client is None and transport is None
        self._connections = _connections(
            config,
            http_client,
            transport,
            httpx.AsyncClient,
            httpx.AsyncBaseTransport,
            _AsyncClientTransport,
            (lambda: _aiohttp.transport(config)) if aiohttp else None,
        )
        # httpcore's pools get the deadline per network operation; aiohttp's get it here.
        self._whole_deadline = aiohttp
        self.backend = backend
        self._loop: object = None
        self._loop_pid = os.getpid()

    @property
    def client(self) -> httpx.AsyncClient:
        return self._connections.current()

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
    ) -> httpx.Response:
        import asyncio

        self._bound_loop()
        _deadline.attempt_begins(False)  # the async streams do not track their writes
        budget = self.budget(timeout)
        end = _deadline.end_after(budget)
        if not self._whole_deadline:
            return await self._exchange(call, timeout, headers, end)
        try:
            # aiohttp has no per-operation hook, so its whole attempt is bounded here.
            async with asyncio.timeout(budget):
                return await self._exchange(call, timeout, headers, end)
        except TimeoutError as exc:  # the deadline's own: every inner failure is mapped
            raise connection_error(
                exc, call.method, call.path, is_send=call.is_send, never_sent=False
            ) from exc

    async def _exchange(
        self,
        call: Any,
        timeout: httpx.Timeout,
        headers: tuple[tuple[str, str], ...],
        end: float | None,
    ) -> httpx.Response:
        client = self.client
        with self.phase(call, timeout, end) as sending:
            _refuse_if_closed(client)
            request = self.request(client, call, timeout, headers)
            try:
                response = await client.send(request, stream=True)
            except RuntimeError:  # closed by another task as this request started
                _refuse_if_closed(client)
                raise
        async with aclosing(response):
            with sending.reading(response):
                body = self.body(response)
                if not response.is_stream_consumed:
                    async for chunk in cast(httpx.AsyncByteStream, response.stream):
                        body.add(chunk)
                    _never_reuse_if_it_said_more(response)
                body.finish()
        return self.answer(response, body)

    async def aclose(self) -> None:
        await self._connections.current().aclose()


def _never_sent(exc: BaseException) -> bool:
    """Whether a failure proves the request never left: the connection was never made."""
    from_aiohttp = _aiohttp.never_sent(exc)  # its own exceptions, never httpx-aiohttp's map
    if from_aiohttp is not None:
        return from_aiohttp
    return isinstance(exc, _NEVER_SENT)


def _connections(
    config: Config,
    http_client: object,
    transport: object,
    client_type: type[C],
    transport_type: type,
    wrap: Callable[[Any], Any],
    backend_transport: Callable[[], Any] | None = None,
) -> _Connections[C]:
    """The connections of a new SDK client: through a caller's httpx client (wrapped as a
    transport), a caller's transport, or a pool of the SDK's own."""
    if http_client is not None and transport is not None:
        raise InvalidRequestError("pass http_client or transport, not both")
    if http_client is not None:
        if not isinstance(http_client, client_type):
            raise InvalidRequestError(f"http_client must be an httpx.{client_type.__name__}")
        transport = wrap(http_client)
    elif transport is not None and not isinstance(transport, transport_type):
        raise InvalidRequestError(f"transport must be an httpx.{transport_type.__name__}")
    given: Any = transport
    backend = _deadline.Backend if client_type is httpx.Client else _deadline.AsyncBackend

    def build() -> C:
        if given is not None:
            return client_type(**_options(config), transport=given)
        if backend_transport is not None:
            return client_type(**_options(config), transport=backend_transport())
        with _certificates_named_by_the_environment():
            client = client_type(**_options(config), limits=_limits(config), trust_env=True)
        _install_deadlines(client, backend)
        return client

    return _Connections(build, renew_after_fork=given is None)


CLOSED = "this client is closed (close() or the end of its `with` block); nothing was sent"


def _never_reuse_if_it_said_more(response: httpx.Response) -> None:
    """A connection that has sent bytes beyond this answer (another answer: a proxy's or
    a server's bug) must not carry the next request, which would read them as its own.
    While still this request's, its pooled HTTP/1.1 connection is set to expire at once,
    so the pool closes it instead of reusing it. Bytes arriving later, while it is idle,
    make httpcore's pool drop it before reuse (it checks idle sockets for readability)."""
    stream = getattr(getattr(response.stream, "_stream", None), "_httpcore_stream", None)
    connection = getattr(getattr(stream, "_stream", None), "_connection", None)
    state = getattr(connection, "_h11_state", None)
    if state is not None and state.trailing_data[0]:
        log.debug("the connection sent more than its answer: it will not be reused")
        connection._keepalive_expiry = -1.0  # type: ignore[union-attr]


def _refuse_if_closed(client: httpx.Client | httpx.AsyncClient) -> None:
    """A send on a closed client is refused before anything is written (httpx's own
    refusal is a RuntimeError, which would read as a failure mid-send)."""
    if client.is_closed:
        raise InvalidRequestError(CLOSED)


@contextmanager
def _certificates_named_by_the_environment() -> Iterator[None]:
    """SSL_CERT_FILE or SSL_CERT_DIR naming what cannot be read is a setting to fix (a
    missing directory is found here: OpenSSL would only fail the first handshake)."""
    for variable in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        if variable in os.environ and not os.path.exists(os.environ[variable]):
            raise InvalidRequestError(
                f"{variable}={os.environ[variable]!r} names nothing: the CA certificates "
                "cannot be loaded; fix or unset the variable"
            )
    try:
        yield
    except (OSError, ssl.SSLError) as exc:
        given = [v for v in ("SSL_CERT_FILE", "SSL_CERT_DIR") if v in os.environ]
        missing = [v for v in given if not os.path.exists(os.environ[v])]
        named = [f"{v}={os.environ[v]!r}" for v in missing or given]
        if not named:
            raise
        raise InvalidRequestError(
            f"cannot load the CA certificates that {' and '.join(named)} names: "
            f"{type(exc).__name__}: {exc}; fix or unset the variable"
        ) from None


def _limits(config: Config) -> httpx.Limits:
    return httpx.Limits(
        max_connections=100, max_keepalive_connections=20, keepalive_expiry=config.keepalive_expiry
    )


def _install_deadlines(client: httpx.Client | httpx.AsyncClient, backend: type) -> None:
    """Give every pool of the client (the direct one and each proxy's) the deadline backend.

    httpx has no public hook for this; the shape is checked, so that an httpx release that
    changes it fails loudly here rather than silently dropping the deadline.
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        if transport is None:  # NO_PROXY entries
            continue
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if inner is None:
            raise RuntimeError(f"cannot bound requests of {type(transport).__name__}")
        pool._network_backend = backend(inner)  # type: ignore[union-attr]


def _caller_headers(caller: httpx.Client | httpx.AsyncClient, request: httpx.Request) -> None:
    """Send the caller's own default headers too; the SDK's Authorization always wins."""
    default_agent = f"python-httpx/{httpx.__version__}"
    for name, value in caller.headers.multi_items():
        lowered = name.lower()
        if lowered in _SDK_HEADERS or (lowered == "user-agent" and value == default_agent):
            continue
        request.headers[name] = value


class _ClientTransport(httpx.BaseTransport):
    """Sends through a caller's httpx.Client, which stays the caller's to close."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _caller_headers(self._client, request)
        # auth=None: the caller's auth= would replace the key's Authorization.
        return self._client.send(request, stream=True, auth=None, follow_redirects=False)


class _AsyncClientTransport(httpx.AsyncBaseTransport):
    """Sends through a caller's httpx.AsyncClient, which stays the caller's to close."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _caller_headers(self._client, request)
        return await self._client.send(request, stream=True, auth=None, follow_redirects=False)
