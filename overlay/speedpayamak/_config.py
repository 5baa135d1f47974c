"""A client's settings, resolved once from arguments, the environment and defaults."""

from __future__ import annotations

import os

import attrs
import httpx

from .errors import InvalidRequestError

DEFAULT_BASE_URL = "https://rest.ippanel.com"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
API_KEY_ENV = "SPEEDPAYAMAK_API_KEY"
BASE_URL_ENV = "SPEEDPAYAMAK_BASE_URL"


@attrs.frozen
class Config:
    api_key: str = attrs.field(repr=False)
    base_url: str
    timeout: httpx.Timeout
    max_retries: int


def resolve(
    api_key: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
    allow_insecure_http: bool,
) -> Config:
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
    if not key.strip():
        raise InvalidRequestError(
            f"no API key: pass api_key=... or set the {API_KEY_ENV} environment variable"
        )
    if any(ord(c) < 0x20 or c == "\x7f" for c in key):
        raise InvalidRequestError("the API key contains control characters")
    return Config(
        api_key=key.strip(),
        base_url=_base_url(
            base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL, allow_insecure_http
        ),
        timeout=as_timeout(timeout),
        max_retries=as_max_retries(max_retries),
    )


def as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise InvalidRequestError(f"timeout must be a positive number of seconds, not {timeout!r}")
    return httpx.Timeout(float(timeout))


def as_max_retries(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(f"max_retries must be a whole number >= 0, not {value!r}")
    return value


def _base_url(raw: str, allow_insecure_http: bool) -> str:
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidRequestError(f"base_url is not a valid URL: {raw!r}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidRequestError(f"base_url must be an http(s) URL with a host, not {raw!r}")
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
