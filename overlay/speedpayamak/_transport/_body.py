"""Reading an answer's body with a cap on its decoded size.

The SDK decodes gzip and deflate itself, a bounded piece at a time, so that neither a
huge body nor a small one that inflates to gigabytes is ever held in memory past the cap.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

ACCEPT_ENCODING = "gzip, deflate"


class TooLarge(Exception):
    """The decoded body passed the cap."""


class Undecodable(Exception):
    """The body's Content-Encoding is unknown, or its bytes do not decode."""


class Body:
    """Collects one answer's decoded bytes: `add` each raw chunk, then `finish`."""

    def __init__(self, headers: Mapping[str, str], cap: int) -> None:
        self._cap = cap
        self._parts: list[bytes] = []
        self._size = 0
        self.content: bytes = b""
        self.read_by_transport: bool = False
        named = headers.get("content-encoding")
        encodings = (
            [
                e.strip().lower()
                for e in named.split(",")
                if e.strip().lower() not in ("", "identity")
            ]
            if named
            else []
        )
        if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "deflate")):
            raise Undecodable(f"an unsupported Content-Encoding {', '.join(encodings)!r}")
        self._encoding = encodings[0] if encodings else None
        self._zlib = _decompressor(self._encoding)
        declared = headers.get("content-length", "")
        if self._encoding is None and declared.isdigit() and int(declared) > cap:
            raise TooLarge(f"it declares {declared} bytes")

    @classmethod
    def whole(cls, content: bytes, cap: int) -> Body:
        """A body already read and decoded."""
        body = cls({}, cap)
        body.read_by_transport = True
        body._keep(content)  # the cap, without a copy
        body.content = content
        return body

    def add(self, chunk: bytes) -> None:
        room = self._cap - self._size
        if self._zlib is None:
            decoded = chunk
        else:
            try:
                decoded = self._zlib.decompress(chunk, room + 1)
            except zlib.error:
                decoded = self._retry_raw_deflate(chunk, room)
        self._keep(decoded)

    def finish(self) -> None:
        """Decode what is left; the whole body is then `content`."""
        if self.read_by_transport:
            return
        if self._zlib is not None:
            try:
                self._keep(self._zlib.flush())
            except zlib.error as exc:
                raise Undecodable(f"the {self._encoding} body does not decode ({exc})") from None
        self.content = b"".join(self._parts)  # one part (the usual answer): no copy

    def _keep(self, decoded: bytes) -> None:
        if len(decoded) > self._cap - self._size:
            raise TooLarge(f"it decodes to more than {self._cap} bytes")
        if not self.read_by_transport:
            self._parts.append(decoded)
            self._size += len(decoded)

    def _retry_raw_deflate(self, chunk: bytes, room: int) -> bytes:
        # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
        if self._encoding == "deflate" and not self._size:
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                return self._zlib.decompress(chunk, room + 1)
            except zlib.error:
                pass
        raise Undecodable(f"the {self._encoding} body does not decode")


def _decompressor(encoding: str | None) -> zlib._Decompress | None:
    if encoding == "gzip":
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None
