"""The optional aiohttp backend of the async client (`pip install speedpayamak[aiohttp]`,
`AsyncSpeedPayamak(http_backend="aiohttp")`), driving aiohttp itself.

The request is the one every path sends (`_wire`); one `aiohttp.ClientSession` per SDK
client carries it, and its answer is read within the size cap (aiohttp does not decode:
the SDK does, a bounded piece at a time) and handed to the generated parser as one
`httpx.Response`. aiohttp's exceptions are named in `_failures`, like every transport's.

A pooled connection that receives bytes while idle (an answer nobody asked for) is
closed when next taken from the pool, never reused: the next request would read those
bytes as its own answer.
"""

from __future__ import annotations

import functools
import inspect
import select
from functools import partial
from typing import Any

import httpx

from speedpayamak._config import Config
from speedpayamak._logging import log
from speedpayamak.errors import InvalidRequestError

from ._body import Body
from ._environment import certificates_named_by_the_environment, proxy_for
from ._failures import Attempt, connection_error, is_failure, never_sent
from ._httpx import client_options
from ._wire import Answer, Outgoing, answer

EXTRA = "speedpayamak[aiohttp]"


def _aiohttp() -> Any:
    try:
        import aiohttp
    except ImportError:
        raise InvalidRequestError(
            f'http_backend="aiohttp" needs the aiohttp extra: pip install "{EXTRA}"'
        ) from None
    return aiohttp


def _connector_class(aiohttp: Any) -> Any:
    """aiohttp's TCP connector, refusing to reuse a connection with unread bytes.

    aiohttp has no public hook for this: its `_get` (which takes a pooled connection) is
    checked for the shape it has had since 3.10, so that a release that changes it fails
    loudly here rather than silently reusing such connections.
    """
    base = aiohttp.TCPConnector
    shape = list(inspect.signature(base._get).parameters)
    if shape != ["self", "key", "traces"] or not inspect.iscoroutinefunction(base._get):
        raise RuntimeError(f"cannot check pooled connections of aiohttp {aiohttp.__version__}")

    class Connector(base):  # type: ignore[misc, valid-type]
        async def _get(self, key: Any, traces: Any) -> Any:
            while True:
                connection = await super()._get(key, traces)
                if connection is None or not _said_something(connection.protocol):
                    return connection
                log.debug("a pooled connection said something while idle: closing it")
                connection.close()

    return Connector


def _said_something(protocol: Any) -> bool:
    """Whether an idle connection received bytes (or an error): read by its protocol
    already, or still waiting in its socket (the event loop may not have run since)."""
    if protocol.should_close:
        return True
    transport = protocol.transport
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return False
    if hasattr(select, "poll"):  # no limit on descriptor numbers, unlike select()
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])


class AiohttpPath:
    """The aiohttp backend's way to the server, for one SDK client (and those
    `with_options` derives from it)."""

    bounds_each_operation = False  # aiohttp has no per-operation hook: bounded around it

    def __init__(self, config: Config) -> None:
        self._aiohttp = _aiohttp()
        from yarl import URL  # aiohttp's own URLs

        self._url = URL
        # Parsed once for each URL: the same few are sent again and again.
        self._url_of = functools.lru_cache(maxsize=256)(partial(URL, encoded=True))
        self._config = config
        self._cap = config.max_response_size
        # Read once, here: aiohttp's trust_env reads them again for every request.
        self._proxy = proxy_for(config.base_url)
        with certificates_named_by_the_environment():
            self._ssl = httpx.create_ssl_context()
        self._session: Any = None
        self._timeouts: dict[tuple[float | None, ...], Any] = {}
        self._closed = False
        self._raw: httpx.AsyncClient | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def client(self) -> httpx.AsyncClient:
        """An httpx client over this session, for the generated code `raw` calls."""
        if self._raw is None:
            transport = _RawTransport(self)
            self._raw = httpx.AsyncClient(**client_options(self._config), transport=transport)
        return self._raw

    def session(self) -> Any:
        """The session, made inside the event loop of the first request."""
        if self._session is None:
            aiohttp = self._aiohttp
            connector = _connector_class(aiohttp)(
                limit=100, keepalive_timeout=self._config.keepalive_expiry, ssl=self._ssl
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                proxy=self._proxy,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._session

    def _timeout(self, timeout: httpx.Timeout) -> Any:
        """aiohttp's timeouts for connecting (a pooled connection, a new one) and for each
        read; the attempt's deadline bounds them all, around the request."""
        key = (timeout.pool, timeout.connect, timeout.read)
        found = self._timeouts.get(key)
        if found is None:
            found = self._aiohttp.ClientTimeout(
                total=None,
                connect=timeout.pool,
                sock_connect=timeout.connect,
                sock_read=timeout.read,
            )
            self._timeouts[key] = found
        return found

    async def send(self, outgoing: Outgoing, timeout: httpx.Timeout, attempt: Attempt) -> Answer:
        response = await self.session().request(
            outgoing.method,
            self._url_of(outgoing.url),
            data=outgoing.content or None,
            headers=outgoing.headers,
            allow_redirects=False,
            timeout=self._timeout(timeout),
        )
        try:
            headers = response.headers
            attempt.answered(response.status, headers)
            body = Body(headers, self._cap)
            stream = response.content
            while chunk := await stream.readany():
                body.add(chunk)
            body.finish()
        finally:
            response.release()
        return answer(outgoing, response.status, headers, body.content)

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()


class _RawTransport(httpx.AsyncBaseTransport):
    """`raw`'s way through the SDK's aiohttp session: the answer whole, as httpx reads it."""

    def __init__(self, path: AiohttpPath) -> None:
        self._path = path

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = self._path
        failure: Exception | None = None
        try:
            response = await path.session().request(
                request.method,
                path._url(str(request.url), encoded=True),
                data=await request.aread() or None,
                headers=request.headers.multi_items(),
                allow_redirects=False,
            )
            try:
                content = await response.read()
            finally:
                response.release()
        except Exception as exc:
            if not is_failure(exc):
                raise
            method, where = request.method, request.url.path
            is_send = method != "GET"
            failure = connection_error(
                exc, method, where, is_send=is_send, never_sent=never_sent(exc)
            )
        if failure is not None:
            raise failure  # outside the handler: it carries no aiohttp exception
        return httpx.Response(response.status, headers=response.raw_headers, content=content)

    async def aclose(self) -> None:
        """The session is the SDK client's: closed with it."""
