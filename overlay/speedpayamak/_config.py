"""A client's settings, resolved once from arguments, the environment and defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs
import httpx

from . import _checks
from .errors import InvalidRequestError

DEFAULT_BASE_URL = "https://rest.ippanel.com"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# Below the 5 s that common servers (nginx's default is 75 s, many proxies 5 s) keep an
# idle connection open, so the SDK never sends on one the server is closing.
DEFAULT_KEEPALIVE_EXPIRY = 4.0
DEFAULT_MAX_RESPONSE_SIZE = 16 * 1024 * 1024
API_KEY_ENV = "SPEEDPAYAMAK_API_KEY"
BASE_URL_ENV = "SPEEDPAYAMAK_BASE_URL"


@attrs.frozen
class Config:
    api_key: str = attrs.field(repr=False)
    base_url: str
    timeout: httpx.Timeout
    max_retries: int
    keepalive_expiry: float = DEFAULT_KEEPALIVE_EXPIRY
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE
    default_headers: tuple[tuple[str, str], ...] = ()


def resolve(
    api_key: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
    allow_insecure_http: bool,
    keepalive_expiry: float = DEFAULT_KEEPALIVE_EXPIRY,
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    default_headers: Mapping[str, str] | None = None,
) -> Config:
    return Config(
        api_key=_api_key(api_key),
        base_url=_base_url(
            base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL, allow_insecure_http
        ),
        timeout=as_timeout(timeout),
        max_retries=as_max_retries(max_retries),
        keepalive_expiry=_checks.positive_number(
            "keepalive_expiry", keepalive_expiry, allow_zero=True, unit=" of seconds"
        ),
        max_response_size=_checks.positive_int("max_response_size", max_response_size),
        default_headers=as_headers(default_headers),
    )


def as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(_checks.positive_number("timeout", timeout, unit=" of seconds"))


def as_headers(
    headers: Mapping[str, str] | None, base: tuple[tuple[str, str], ...] = ()
) -> tuple[tuple[str, str], ...]:
    """Headers sent with every request, added to `base`; Authorization is the SDK's own."""
    if headers is None:
        return base
    if not isinstance(headers, Mapping):
        raise InvalidRequestError("default_headers must be a mapping of header name to value")
    merged = dict(base)
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidRequestError("default_headers must map strings to strings")
        if not name.isascii() or not value.isascii() or any(c < " " for c in name + value):
            raise InvalidRequestError(f"default_headers[{name!r}] is not printable ASCII")
        if name.lower() == "authorization":
            raise InvalidRequestError("the Authorization header comes from the API key")
        merged[name] = value
    return tuple(merged.items())


def as_max_retries(value: int) -> int:
    return _checks.whole_number("max_retries", value)


def _api_key(api_key: str | None) -> str:
    """The key, which must be printable ASCII to travel in a header. Errors say where the
    bad character is and what kind it is, never the key."""
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
    if not isinstance(key, str) or not key.strip():
        raise InvalidRequestError(
            f"no API key: pass api_key=... or set the {API_KEY_ENV} environment variable"
        )
    if any(char < " " or char == "\x7f" for char in key):
        raise InvalidRequestError("the API key contains control characters")
    key = key.strip()
    for position, char in enumerate(key, start=1):
        if not (" " <= char <= "~"):
            raise InvalidRequestError(
                f"the API key has a non-ASCII character (U+{ord(char):04X}) at position "
                f"{position} of {len(key)}: an API key is printable ASCII (was it copied "
                "with an invisible character?)"
            )
    return key


def _base_url(raw: str, allow_insecure_http: bool) -> str:
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidRequestError(f"base_url is not a valid URL: {raw!r}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidRequestError(f"base_url must be an http(s) URL with a host, not {raw!r}")
    if url.userinfo:
        raise InvalidRequestError(
            "base_url must not hold a user name or password: the API key is the only credential"
        )
    if url.query or url.fragment or "?" in raw or "#" in raw:
        raise InvalidRequestError(
            "base_url must not have a query string or a fragment: "
            f"{url.copy_with(query=None, fragment=None)}"
        )
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise InvalidRequestError(
            f"base_url {raw!r} is plain http to a non-loopback host: the API key would travel "
            "in clear. Use https, or pass allow_insecure_http=True."
        )
    return str(url).rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    import ipaddress  # only for plain-http base URLs

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
