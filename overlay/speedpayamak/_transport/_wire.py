"""What goes on the wire and what comes back, in the forms each path needs.

`Requests` turns a call's generated request arguments (`_get_kwargs`) into an `Outgoing`
request once, with the SDK's headers: an httpcore request for the SDK's own pools, an
httpx request for a caller's client or transport, plain parts for aiohttp. An `Answer` is
what the generated parser reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

import httpcore
import httpx

from speedpayamak._config import Config
from speedpayamak._logging import log
from speedpayamak._version import __version__

from ._body import ACCEPT_ENCODING

# What the generated `_get_kwargs` may hand the SDK to send.
_ARGUMENTS = frozenset({"method", "url", "params", "json", "headers"})
# Headers only the SDK writes: a caller's default headers or client never replace them.
_SDK_HEADERS = frozenset({"authorization", "host", "content-length", "content-type"})


def sdk_headers(config: Config) -> dict[str, str]:
    """The headers every request carries, before the caller's defaults."""
    return {
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
        "User-Agent": f"speedpayamak-python/{__version__}",
        "Authorization": f"AccessKey {config.api_key}",
    }


class Outgoing:
    """One request, encoded."""

    __slots__ = ("content", "headers", "method", "target", "url")

    def __init__(
        self, method: str, url: str, target: str, headers: list[tuple[str, str]], content: bytes
    ) -> None:
        self.method, self.url, self.target = method, url, target
        self.headers, self.content = headers, content

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    def for_httpcore(self, origin: httpx.URL, timeout: httpx.Timeout) -> httpcore.Request:
        return httpcore.Request(
            self.method.encode(),
            httpcore.URL(
                scheme=origin.raw_scheme,
                host=origin.raw_host,
                port=origin.port,
                target=self.target.encode(),
            ),
            headers=[(k.encode(), v.encode()) for k, v in self.headers],
            content=self.content,
            extensions={"timeout": timeout.as_dict()},
        )

    def for_httpx(self, timeout: httpx.Timeout, **extensions: Any) -> httpx.Request:
        return httpx.Request(
            self.method,
            self.url,
            headers=self.headers,
            content=self.content,
            extensions={"timeout": timeout.as_dict(), **extensions},
        )


class Requests:
    """Builds the `Outgoing` requests of one SDK client's settings."""

    def __init__(self, config: Config) -> None:
        self.origin = httpx.URL(config.base_url)
        self._prefix = self.origin.raw_path.decode("ascii").rstrip("/")
        self._base = f"{self.origin.scheme}://{self.origin.netloc.decode('ascii')}"
        self._host = self.origin.netloc.decode("ascii")
        self._config = config
        self._merged: dict[tuple[tuple[str, str], ...], list[tuple[str, str]]] = {}

    def _headers(self, defaults: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        """The SDK's headers with a client's `default_headers` (computed once for each)."""
        merged = self._merged.get(defaults)
        if merged is None:
            by_name = {k.lower(): (k, v) for k, v in sdk_headers(self._config).items()}
            for name, value in defaults:
                if name.lower() not in _SDK_HEADERS:
                    by_name[name.lower()] = (name, value)
            merged = [("Host", self._host), *by_name.values()]
            self._merged[defaults] = merged
        return merged

    def build(self, request: dict[str, Any], defaults: tuple[tuple[str, str], ...]) -> Outgoing:
        if not request.keys() <= _ARGUMENTS:  # a generator release passing more fails here
            unknown = sorted(request.keys() - _ARGUMENTS)
            raise TypeError(f"the SDK does not send request arguments {unknown}")
        target = self._prefix + str(request["url"])
        params = request.get("params")
        if params:
            target += "?" + str(httpx.QueryParams(params))
        headers = list(self._headers(defaults))
        content = b""
        if "json" in request:
            content = json.dumps(
                request["json"], ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode()
            generated = request.get("headers") or {}
            headers.append(("Content-Type", generated.get("Content-Type", "application/json")))
        method = request["method"].upper()
        if content or method not in ("GET", "HEAD"):
            headers.append(("Content-Length", str(len(content))))
        return Outgoing(method, self._base + target, target, headers, content)


class Answer:
    """An answer as read and decoded: what the generated parser reads of an
    `httpx.Response` (`status_code`, `headers`, `content`, `json()`; a test holds the
    generated code to these), without building one. Its headers are the answer's own."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status_code: int = status_code
        self.headers: Mapping[str, str] = headers
        self.content: bytes = content

    def json(self) -> Any:
        return json.loads(self.content)

    def for_generated_parser(self) -> httpx.Response:
        """This answer, as the type the generated `_build_response` is annotated with."""
        return cast(httpx.Response, self)


def answer(outgoing: Outgoing, status: int, headers: Mapping[str, str], content: bytes) -> Answer:
    """The answer as read and decoded, for the generated parser."""
    log.debug("%s %s -> HTTP %s", outgoing.method, outgoing.path, status)
    return Answer(status, headers, content)
