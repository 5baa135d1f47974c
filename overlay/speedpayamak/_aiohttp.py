"""The optional aiohttp backend of the async client (`pip install speedpayamak[aiohttp]`,
`AsyncSpeedPayamak(http_backend="aiohttp")`).

httpx-aiohttp carries requests to aiohttp, but its exception mapping cannot be trusted
where safety rests on it: it reports a server that dropped the connection after reading
a POST (aiohttp's ServerDisconnectedError) as httpx.ConnectTimeout, which would make a
send look unsent. So the SDK reads the aiohttp exception each failure was raised from and
decides itself: only a connection never made is "never sent".
"""

from __future__ import annotations

from typing import Any

import httpx

from ._config import Config
from .errors import InvalidRequestError

EXTRA = "speedpayamak[aiohttp]"


def transport(config: Config) -> httpx.AsyncBaseTransport:
    """An httpx transport over an aiohttp session of the SDK's own: no redirects, idle
    connections expired like the default pool's, proxies from the environment."""
    try:
        import aiohttp
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        raise InvalidRequestError(
            f'http_backend="aiohttp" needs the aiohttp extra: pip install "{EXTRA}"'
        ) from None

    proxy = _environment_proxy(config.base_url)

    def session() -> Any:  # called once, inside the event loop of the first request
        connector = aiohttp.TCPConnector(
            limit=100, keepalive_timeout=config.keepalive_expiry, ssl=httpx.create_ssl_context()
        )
        # The proxy is read from the environment once, here: aiohttp's trust_env reads it
        # again for every request, in a worker thread.
        return aiohttp.ClientSession(connector=connector, proxy=proxy)

    return AiohttpTransport(client=session)


def _environment_proxy(base_url: str) -> str | None:
    """The proxy the environment names for the API's host (HTTP(S)_PROXY, ALL_PROXY,
    NO_PROXY), as httpx reads them for the default backend."""
    from urllib.request import getproxies_environment

    url = httpx.URL(base_url)
    proxies = getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    bypass = [e.strip().lstrip(".") for e in proxies.get("no", "").split(",") if e.strip()]
    host = url.host
    if proxy is None or any(e == "*" or host == e or host.endswith("." + e) for e in bypass):
        return None
    return proxy


def never_sent(exc: BaseException) -> bool | None:
    """For a failure raised from an aiohttp exception: whether the connection was never
    made (None when the failure did not come from aiohttp)."""
    cause = exc.__cause__
    module = type(cause).__module__ if cause is not None else ""
    if not module.startswith("aiohttp"):
        return None
    import aiohttp

    # Refused, unresolvable, TLS or proxy failures while connecting, a proxy refusing
    # CONNECT, and a connect or pool timeout all happen before a byte of the request is
    # written. Nothing else does.
    never = (
        aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError | aiohttp.ClientHttpProxyError
    )
    return isinstance(cause, never)
