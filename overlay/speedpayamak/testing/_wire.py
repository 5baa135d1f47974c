"""The API's wire format as the sandbox writes it: envelopes, error codes, request reading."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import urlencode

ValidationForm = Literal["objects", "strings"]

# The texts the sandbox answers with; the codes are the API's.
MESSAGES: dict[str, str] = {
    "404": "not found",
    "405": "method not allowed",
    "411": "length required",
    "422": "invalid input",
    "429": "too many requests",
    "500": "internal server error",
    "503": "service unavailable",
    "1401": "unauthorized",
    "1402": "api key not valid",
    "1403": "api key revoked",
    "10002": "message body is empty",
    "10004": "line is not assigned to you",
    "10005": "recipients is empty",
    "10006": "credit not enough",
    "10009": "maximum recipients exceeded",
    "10014": "pattern is invalid",
    "10015": "pattern parameters are invalid",
    "10016": "pattern is inactive",
    "10017": "pattern recipient is invalid",
    "10023": "number is not valid",
}


class Refusal(Exception):
    """An answer in the error envelope; raised by a handler, written by the dispatcher."""

    def __init__(
        self,
        status: int,
        code: str,
        error: str | dict[str, list[Any]] | None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.error = error
        self.headers = headers


def refuse(status: int, code: str, detail: str | None = None) -> Refusal:
    return Refusal(status, code, detail if detail is not None else MESSAGES.get(code, code))


class FieldProblems:
    """Collects per-field validation errors and raises them as one 422."""

    def __init__(self, form: ValidationForm) -> None:
        self._form = form
        self._fields: dict[str, list[Any]] = {}

    def add(self, field: str, code: str, err: str) -> None:
        entry: Any = {"code": code, "err": err} if self._form == "objects" else err
        self._fields.setdefault(field, []).append(entry)

    def raise_if_any(self) -> None:
        if self._fields:
            raise Refusal(422, "422", self._fields)


def error_body(refusal: Refusal) -> bytes:
    data = None if refusal.error is None else {"error": refusal.error}
    return _dump(
        {
            # As the live API does: the upper-case HTTP reason name.
            "status": HTTPStatus(refusal.status).phrase.upper().replace(" ", "_"),
            "code": refusal.code,
            "message": MESSAGES.get(refusal.code, "error"),
            "data": data,
        }
    )


def success_body(code: str | int, data: Mapping[str, Any], meta: Mapping[str, Any] | None) -> bytes:
    envelope: dict[str, Any] = {"status": "OK", "code": code, "message": "Ok", "data": data}
    if meta is not None:
        envelope["meta"] = meta
    return _dump(envelope)


def page_meta(path: str, total: int, page: int, limit: int) -> dict[str, Any]:
    pages = math.ceil(total / limit)

    def link(target: int) -> str:
        return f"{path}?{urlencode({'page': target, 'limit': limit})}"

    return {
        "total": total,
        "pages": pages,
        "limit": limit,
        "page": page,
        "prev": link(page - 1) if page > 0 else None,
        "next": link(page + 1) if page + 1 < pages else None,
    }


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def read_object(body: bytes, form: ValidationForm) -> dict[str, Any]:
    """The JSON object in a request body, or a 422 saying why there is none."""
    problems = FieldProblems(form)
    try:
        value = json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        problems.add("body", "invalid", "request body is not valid JSON (or nested too deep)")
        value = {}
    if value is None:
        problems.add("body", "required", "request body is required")
    elif not isinstance(value, dict):
        problems.add("body", "type", "request body must be a JSON object")
    problems.raise_if_any()
    assert isinstance(value, dict)
    return value


def go_type(value: Any) -> str:
    """The JSON type name in the words of the real server's decoder errors."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null" if value is None else "string"
