"""What the environment says about connections: the proxy for the API's host and the CA
certificates, read the way httpx reads them, for every backend."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.request import getproxies_environment

import httpx

from speedpayamak.errors import InvalidRequestError

_CERTIFICATES = ("SSL_CERT_FILE", "SSL_CERT_DIR")


@contextmanager
def certificates_named_by_the_environment() -> Iterator[None]:
    """SSL_CERT_FILE or SSL_CERT_DIR naming what cannot be read is a setting to fix (a
    missing directory is found here: OpenSSL would only fail the first handshake)."""
    for variable in _CERTIFICATES:
        if variable in os.environ and not os.path.exists(os.environ[variable]):
            raise InvalidRequestError(
                f"{variable}={os.environ[variable]!r} names nothing: the CA certificates "
                "cannot be loaded; fix or unset the variable"
            )
    try:
        yield
    except (OSError, ssl.SSLError) as exc:
        given = [v for v in _CERTIFICATES if v in os.environ]
        if not given:
            raise
        named = [f"{v}={os.environ[v]!r}" for v in given]
        raise InvalidRequestError(
            f"cannot load the CA certificates that {' and '.join(named)} names: "
            f"{type(exc).__name__}: {exc}; fix or unset the variable"
        ) from None


def proxy_for(base_url: str) -> str | None:
    """The proxy the environment names for the API's host (HTTP(S)_PROXY, ALL_PROXY,
    NO_PROXY), as httpx reads them for its own pools."""
    url = httpx.URL(base_url)
    proxies = getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    bypass = [e.strip().lstrip(".") for e in proxies.get("no", "").split(",") if e.strip()]
    host = url.host
    if proxy is None or any(e == "*" or host == e or host.endswith("." + e) for e in bypass):
        return None
    return proxy
