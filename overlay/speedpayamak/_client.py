"""SpeedPayamak and AsyncSpeedPayamak: what users construct."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import Literal, Self

import attrs
import httpx
from speedpayamak_api.client import AuthenticatedClient
from speedpayamak_api.models import User

from . import _calls
from ._config import (
    Config,
    as_headers,
    as_max_retries,
    as_timeout,
    resolve,
)
from ._engine import AsyncEngine, SyncEngine
from ._logging import configure_from_environment
from ._resources import (
    AsyncMessages,
    AsyncPatterns,
    KeyStore,
    Messages,
    Patterns,
)
from ._retry import RetryPolicy
from ._transport import AsyncHTTP, SyncHTTP

configure_from_environment()


class _ClientBase:
    """What the sync and async clients share: settings, derivation and presentation."""

    _config: Config
    _raw: AuthenticatedClient
    _owns_http: bool
    _keys: KeyStore

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._config.timeout

    @property
    def max_retries(self) -> int:
        return self._config.max_retries

    def _derived(
        self,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        default_headers: Mapping[str, str] | None,
    ) -> Config:
        config = self._config
        if default_headers is not None:
            headers = as_headers(default_headers, config.default_headers)
            config = attrs.evolve(config, default_headers=headers)
        if timeout is not None:
            config = attrs.evolve(config, timeout=as_timeout(timeout))
        if max_retries is not None:
            config = attrs.evolve(config, max_retries=as_max_retries(max_retries))
        return config

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"

    @staticmethod
    def _generated_client(config: Config) -> AuthenticatedClient:
        # The key travels in the SDK's own httpx client's headers; the generated client
        # holds none, so its repr cannot show it.
        return AuthenticatedClient(base_url=config.base_url, token="")


class SpeedPayamak(_ClientBase):
    """A client for the SpeedPayamak API. Safe to share between threads.

        client = SpeedPayamak()          # key from SPEEDPAYAMAK_API_KEY
        bulk_id = client.messages.send(
            originator="+9850002", recipients=["09121234567"], message="Hi"
        )

    `timeout` is seconds (applied to every phase) or an httpx.Timeout; the default is 5 s
    to connect and 30 s to read, and an attempt never takes longer than the two together.
    `http_client` is an httpx.Client to send through, used as given and left for you to
    close; or `transport`, an httpx transport (the sandbox's, or your own) for the SDK's
    own client to send through. `keepalive_expiry` is how long an idle pooled connection
    is kept (seconds; keep it below the server's), and `max_response_size` the most bytes
    an answer may decode to. `default_headers` are sent with every request (your
    service's name, tracing headers); the SDK's Authorization always wins.

    `journal` (an SQLite file, or a `postgresql://` URL) is the store of idempotency
    keys: `messages.send(..., idempotency_key=KEY)` and `patterns.send(...)` send once per
    key across every process and host sharing it. Keys are kept `idempotency_retention`
    seconds (24 hours by default).
    """

    messages: Messages
    patterns: Patterns
    _http: SyncHTTP
    _engine: SyncEngine

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        allow_insecure_http: bool = False,
        keepalive_expiry: float = 4.0,
        max_response_size: int = 16 * 1024 * 1024,
        default_headers: Mapping[str, str] | None = None,
        journal: str | os.PathLike[str] | None = None,
        idempotency_retention: float = 24 * 3600.0,
    ) -> None:
        config = resolve(
            api_key,
            base_url,
            timeout,
            max_retries,
            allow_insecure_http,
            keepalive_expiry,
            max_response_size,
            default_headers,
        )
        http = SyncHTTP(config, http_client, transport)
        self._build(config, http, KeyStore(journal, idempotency_retention), owns_http=True)

    def _build(self, config: Config, http: SyncHTTP, keys: KeyStore, *, owns_http: bool) -> None:
        self._config, self._http, self._keys, self._owns_http = config, http, keys, owns_http
        self._raw = self._generated_client(config)
        policy = RetryPolicy(config.max_retries)
        self._engine = SyncEngine(http, self._raw, policy, config.timeout, config.default_headers)
        self.messages = Messages(self._engine, keys)
        self.patterns = Patterns(self._engine, keys)

    @property
    def raw(self) -> AuthenticatedClient:
        """The generated client, sending through this client's pool (base URL, key, timeout).

        Pass it to any generated operation and read the answer with `speedpayamak.unwrap`.
        Calls made with it are not retried and not bounded by the SDK's deadline and size
        cap.
        """
        return self._raw.set_httpx_client(self._http.client)

    def user(self) -> User:
        """The account the API key belongs to."""
        return self._engine.run(_calls.USER)

    def credit(self) -> float:
        """The account's remaining credit."""
        return self._engine.run(_calls.CREDIT)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> SpeedPayamak:
        """A client with other settings that shares this one's connection pool;
        `default_headers` are added to this client's."""
        derived = self._derived(timeout, max_retries, default_headers)
        clone = SpeedPayamak.__new__(SpeedPayamak)  # the parent's pool and keys, other settings
        clone._build(derived, self._http, self._keys, owns_http=False)
        return clone

    def close(self) -> None:
        """Close the connection pool (a pool shared with `with_options` clients is closed
        by the client that made them; a caller's http_client is left to its owner)."""
        if self._owns_http:
            self._http.close()
            self._keys.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncSpeedPayamak(_ClientBase):
    """The asyncio client: the same methods as SpeedPayamak, awaited.

    `messages.recipients(...)` and `messages.inbox()` are not awaited: they return async
    iterators (`async for r in client.messages.recipients(bulk_id)`). A client belongs to
    the event loop that first uses it; use one client per event loop.

    `http_backend="aiohttp"` (with `pip install speedpayamak[aiohttp]`) sends through
    aiohttp, several times faster than httpx's default pool under concurrency, with the
    same safety rules; clients made by `with_options` share it.
    """

    messages: AsyncMessages
    patterns: AsyncPatterns
    _http: AsyncHTTP
    _engine: AsyncEngine

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_insecure_http: bool = False,
        keepalive_expiry: float = 4.0,
        max_response_size: int = 16 * 1024 * 1024,
        http_backend: Literal["httpx", "aiohttp"] = "httpx",
        default_headers: Mapping[str, str] | None = None,
        journal: str | os.PathLike[str] | None = None,
        idempotency_retention: float = 24 * 3600.0,
    ) -> None:
        config = resolve(
            api_key,
            base_url,
            timeout,
            max_retries,
            allow_insecure_http,
            keepalive_expiry,
            max_response_size,
            default_headers,
        )
        http = AsyncHTTP(config, http_client, transport, http_backend)
        self._build(config, http, KeyStore(journal, idempotency_retention), owns_http=True)

    def _build(self, config: Config, http: AsyncHTTP, keys: KeyStore, *, owns_http: bool) -> None:
        self._config, self._http, self._keys, self._owns_http = config, http, keys, owns_http
        self._raw = self._generated_client(config)
        policy = RetryPolicy(config.max_retries)
        self._engine = AsyncEngine(http, self._raw, policy, config.timeout, config.default_headers)
        self.messages = AsyncMessages(self._engine, keys)
        self.patterns = AsyncPatterns(self._engine, keys)

    @property
    def http_backend(self) -> str:
        """ "httpx" or "aiohttp": what the SDK's own pool sends through."""
        return self._http.backend

    @property
    def raw(self) -> AuthenticatedClient:
        """The generated client, sending through this client's pool; see SpeedPayamak.raw."""
        return self._raw.set_async_httpx_client(self._http.client)

    async def user(self) -> User:
        """The account the API key belongs to."""
        return await self._engine.run(_calls.USER)

    async def credit(self) -> float:
        """The account's remaining credit."""
        return await self._engine.run(_calls.CREDIT)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> AsyncSpeedPayamak:
        """A client with other settings that shares this one's connection pool;
        `default_headers` are added to this client's."""
        derived = self._derived(timeout, max_retries, default_headers)
        clone = AsyncSpeedPayamak.__new__(AsyncSpeedPayamak)  # the parent's pool and keys
        clone._build(derived, self._http, self._keys, owns_http=False)
        return clone

    async def aclose(self) -> None:
        """Close the connection pool (see SpeedPayamak.close)."""
        if self._owns_http:
            await self._http.aclose()
            self._keys.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
