"""SpeedPayamak and AsyncSpeedPayamak: what users construct."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import attrs
import httpx
from speedpayamak_api.client import AuthenticatedClient
from speedpayamak_api.models import User

from . import _calls
from ._config import Config, as_max_retries, as_timeout, resolve
from ._engine import AsyncEngine, SyncEngine
from ._http import (
    AsyncClientTransport,
    ClientTransport,
    async_client,
    choose_transport,
    sync_client,
)
from ._resources import AsyncMessages, AsyncPatterns, Messages, Patterns
from ._retry import RetryPolicy


class _ClientBase:
    """What the sync and async clients share: settings, derivation and presentation."""

    _config: Config
    _raw: AuthenticatedClient
    _owns_transport: bool

    @property
    def raw(self) -> AuthenticatedClient:
        """The generated client, configured like this one (base URL, key, timeout, pool).

        Pass it to any generated operation and read the answer with `speedpayamak.unwrap`.
        """
        return self._raw

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._config.timeout

    @property
    def max_retries(self) -> int:
        return self._config.max_retries

    def _derived(self, timeout: float | httpx.Timeout | None, max_retries: int | None) -> Config:
        config = self._config
        if timeout is not None:
            config = attrs.evolve(config, timeout=as_timeout(timeout))
        if max_retries is not None:
            config = attrs.evolve(config, max_retries=as_max_retries(max_retries))
        return config

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"

    @staticmethod
    def _raw_client(config: Config) -> AuthenticatedClient:
        # The key travels in the SDK's own httpx client's headers; the generated client
        # holds none, so its repr cannot show it.
        return AuthenticatedClient(base_url=config.base_url, token="", prefix="AccessKey")


class SpeedPayamak(_ClientBase):
    """A client for the SpeedPayamak API. Safe to share between threads.

        client = SpeedPayamak()          # key from SPEEDPAYAMAK_API_KEY
        bulk_id = client.messages.send(
            originator="+9850002", recipients=["09121234567"], message="Hi"
        )

    `timeout` is seconds (applied to every phase) or an httpx.Timeout; the default is 5 s
    to connect and 30 s to read. `http_client` is an httpx.Client to send through, used as
    given and left for you to close; or `transport`, an httpx transport (the sandbox's, or
    your own) for the SDK's own client to send through.
    """

    messages: Messages
    patterns: Patterns

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
    ) -> None:
        config = resolve(api_key, base_url, timeout, max_retries, allow_insecure_http)
        chosen = choose_transport(
            http_client,
            transport,
            httpx.Client,
            httpx.BaseTransport,
            ClientTransport,
            httpx.HTTPTransport,
        )
        self._connect(config, chosen, owns_transport=True)

    def _connect(
        self, config: Config, transport: httpx.BaseTransport, *, owns_transport: bool
    ) -> None:
        self._config = config
        self._transport = transport
        self._owns_transport = owns_transport
        self._http = sync_client(config, transport)
        self._raw = self._raw_client(config).set_httpx_client(self._http)
        engine = SyncEngine(self._raw, RetryPolicy(config.max_retries))
        self._engine = engine
        self.messages = Messages(engine)
        self.patterns = Patterns(engine)

    def user(self) -> User:
        """The account the API key belongs to."""
        return self._engine.run(_calls.USER)

    def credit(self) -> float:
        """The account's remaining credit."""
        return self._engine.run(_calls.CREDIT)

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> SpeedPayamak:
        """A client with other settings that shares this one's connection pool."""
        derived = object.__new__(SpeedPayamak)
        derived._connect(self._derived(timeout, max_retries), self._transport, owns_transport=False)
        return derived

    def close(self) -> None:
        """Close the connection pool (a pool shared with `with_options` clients, or a
        caller's http_client, is left to its owner)."""
        if self._owns_transport:
            self._http.close()

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
    iterators (`async for r in client.messages.recipients(bulk_id)`). Use one client per
    event loop.
    """

    messages: AsyncMessages
    patterns: AsyncPatterns

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
    ) -> None:
        config = resolve(api_key, base_url, timeout, max_retries, allow_insecure_http)
        chosen = choose_transport(
            http_client,
            transport,
            httpx.AsyncClient,
            httpx.AsyncBaseTransport,
            AsyncClientTransport,
            httpx.AsyncHTTPTransport,
        )
        self._connect(config, chosen, owns_transport=True)

    def _connect(
        self, config: Config, transport: httpx.AsyncBaseTransport, *, owns_transport: bool
    ) -> None:
        self._config = config
        self._transport = transport
        self._owns_transport = owns_transport
        self._http = async_client(config, transport)
        self._raw = self._raw_client(config).set_async_httpx_client(self._http)
        engine = AsyncEngine(self._raw, RetryPolicy(config.max_retries))
        self._engine = engine
        self.messages = AsyncMessages(engine)
        self.patterns = AsyncPatterns(engine)

    async def user(self) -> User:
        """The account the API key belongs to."""
        return await self._engine.run(_calls.USER)

    async def credit(self) -> float:
        """The account's remaining credit."""
        return await self._engine.run(_calls.CREDIT)

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> AsyncSpeedPayamak:
        """A client with other settings that shares this one's connection pool."""
        derived = object.__new__(AsyncSpeedPayamak)
        derived._connect(self._derived(timeout, max_retries), self._transport, owns_transport=False)
        return derived

    async def aclose(self) -> None:
        """Close the connection pool (see SpeedPayamak.close)."""
        if self._owns_transport:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
