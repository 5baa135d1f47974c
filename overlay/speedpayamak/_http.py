"""The httpx clients a SpeedPayamak client sends through.

The SDK always sends through an httpx client of its own, which carries the base URL, the
Authorization header, the timeout and a hook that remembers each answer. A caller's own
httpx client, when given, becomes that client's transport: it is used as given (its pool,
proxies, TLS settings and hooks) and never mutated or closed by the SDK.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

import httpx

from ._config import Config
from ._version import __version__
from .errors import InvalidRequestError

C = TypeVar("C")
T = TypeVar("T")

log = logging.getLogger("speedpayamak")

# The last answer received in this thread or task, so that an answer the generated code
# could not parse can still be reported with its status and body.
received: ContextVar[httpx.Response | None] = ContextVar("speedpayamak_received", default=None)


def _remember(response: httpx.Response) -> None:
    received.set(response)
    if log.isEnabledFor(logging.DEBUG):
        request = response.request
        log.debug("%s %s -> HTTP %s", request.method, request.url.path, response.status_code)


async def _aremember(response: httpx.Response) -> None:
    _remember(response)


def _options(config: Config) -> dict[str, Any]:
    return {
        "base_url": config.base_url,
        "headers": {
            "Authorization": f"AccessKey {config.api_key}",
            "User-Agent": f"speedpayamak-python/{__version__}",
            "Accept": "application/json",
        },
        "timeout": config.timeout,
        "follow_redirects": False,
    }


def sync_client(config: Config, transport: httpx.BaseTransport) -> httpx.Client:
    return httpx.Client(
        **_options(config), transport=transport, event_hooks={"response": [_remember]}
    )


def async_client(config: Config, transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        **_options(config), transport=transport, event_hooks={"response": [_aremember]}
    )


def choose_transport(
    http_client: object,
    transport: object,
    client_type: type[C],
    transport_type: type[T],
    wrap: Callable[[C], T],
    default: Callable[[], T],
) -> T:
    """The transport a client sends through: a caller's httpx client (wrapped), a caller's
    transport, or a new pooled one."""
    if http_client is not None:
        if not isinstance(http_client, client_type):
            raise InvalidRequestError(f"http_client must be an httpx.{client_type.__name__}")
        if transport is not None:
            raise InvalidRequestError("pass http_client or transport, not both")
        return wrap(http_client)
    if transport is None:
        return default()
    if not isinstance(transport, transport_type):
        raise InvalidRequestError(f"transport must be an httpx.{transport_type.__name__}")
    return transport


class ClientTransport(httpx.BaseTransport):
    """Sends through a caller's httpx.Client, which stays the caller's to close."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._client.send(request, stream=True)


class AsyncClientTransport(httpx.AsyncBaseTransport):
    """Sends through a caller's httpx.AsyncClient, which stays the caller's to close."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._client.send(request, stream=True)
