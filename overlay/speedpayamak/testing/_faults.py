"""Faults the sandbox can be told to produce on the next matching requests."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Literal

import attrs

MalformedBody = Literal["not_json", "truncated_json", "data_null", "missing_fields", "json_list"]
FaultKind = Literal["status", "malformed", "delay", "drop_before", "drop_after", "answer"]

HTML_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


@attrs.frozen
class Fault:
    """What to do instead of (or on top of) answering normally.

    Build one with the class methods; pass it to `Sandbox.inject`.
    """

    kind: FaultKind
    status: int = 200
    retry_after: str | None = None
    html: bool = False
    malformed: MalformedBody | None = None
    seconds: float = 0.0
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def status_code(cls, status: int, *, retry_after: float | str | None = None) -> Fault:
        """Answer `status` in an error envelope without processing the request."""
        shown = None if retry_after is None else str(retry_after)
        return cls("status", status=status, retry_after=shown)

    @classmethod
    def html_page(cls, status: int = 502) -> Fault:
        """Answer `status` with a proxy's HTML page, without processing the request."""
        return cls("status", status=status, html=True)

    @classmethod
    def malformed_body(cls, form: MalformedBody) -> Fault:
        """Process the request, then answer 200 with a body that is not a valid envelope."""
        return cls("malformed", malformed=form)

    @classmethod
    def answer(cls, status: int, body: bytes, headers: tuple[tuple[str, str], ...] = ()) -> Fault:
        """Answer exactly `status`, `headers` and `body`, without processing the request."""
        return cls("answer", status=status, body=body, headers=headers)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Process the request, then wait `seconds` before answering."""
        return cls("delay", seconds=seconds)

    @classmethod
    def drop_before_processing(cls) -> Fault:
        """Close the connection without an answer; the request is not applied."""
        return cls("drop_before")

    @classmethod
    def drop_after_processing(cls) -> Fault:
        """Apply the request, then close the connection without an answer.

        Models "sent, but the answer was lost".
        """
        return cls("drop_after")


@attrs.define
class Injection:
    fault: Fault
    method: str | None
    path: str | None
    remaining: int

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatchcase(path, self.path)


def malformed(form: MalformedBody, good: bytes) -> bytes:
    """A broken version of a good envelope body."""
    if form == "not_json":
        return b"Service temporarily unavailable"
    if form == "truncated_json":
        return good[: max(1, len(good) // 2)]
    if form == "data_null":
        return b'{"status": "OK", "code": "OK", "message": "Ok", "data": null}'
    if form == "missing_fields":
        return b'{"status": "OK", "code": "OK", "message": "Ok", "data": {}}'
    return b'[{"status": "OK"}]'
