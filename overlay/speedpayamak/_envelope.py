"""From a generated `Response` to the envelope's data, or to the typed error it stands for.

Success is decided by the HTTP status and a well-formed envelope, never by `code`: the API
answers success with "OK" or 200 alike. Error bodies are read leniently from the raw bytes,
since a proxy or a failing server may send anything.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from speedpayamak_api.models import ErrorEnvelope

from ._conformance import Mismatch, conform
from .errors import (
    APIError,
    AuthenticationError,
    InsufficientCreditError,
    NotFoundError,
    RateLimitError,
    ServerError,
    SpeedPayamakError,
    UnexpectedResponseError,
    ValidationError,
    known_code,
)

E = TypeVar("E")
D = TypeVar("D")
P_co = TypeVar("P_co", covariant=True)
D_co = TypeVar("D_co", covariant=True)


class GeneratedResponse(Protocol[P_co]):
    """What every generated `*_detailed` function returns (`speedpayamak_api.types.Response`)."""

    @property
    def status_code(self) -> int: ...
    @property
    def content(self) -> bytes: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def parsed(self) -> P_co | None: ...


class Enveloped(Protocol[D_co]):
    """A success envelope: anything with a `data` payload."""

    @property
    def data(self) -> D_co: ...


def unwrap(response: GeneratedResponse[Enveloped[D] | ErrorEnvelope]) -> D:
    """The `data` of a generated operation's answer, or the typed error it stands for.

    Works for any operation generated from `openapi.yaml`, including ones the SDK has no
    method for yet:

        from speedpayamak_api.api.credit import get_credit
        credit = unwrap(get_credit.sync_detailed(client=client.raw)).credit
    """
    return success_envelope(response).data


def success_envelope(
    response: GeneratedResponse[E | ErrorEnvelope], *, was_send: bool = False
) -> E:
    """The whole success envelope (`data` and, on list operations, `meta`)."""
    status = int(response.status_code)
    parsed = response.parsed
    if 200 <= status < 300 and parsed is not None and not isinstance(parsed, ErrorEnvelope):
        try:
            conform(parsed)
        except Mismatch as mismatch:
            raise failure(
                status, response.headers, response.content, str(mismatch), was_send=was_send
            ) from None
        return parsed
    raise failure(status, response.headers, response.content)


def failure(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    reason: str | None = None,
    *,
    was_send: bool = False,
) -> SpeedPayamakError:
    """The error an answer stands for: an APIError when it is an error envelope, else
    UnexpectedResponseError. `reason` says why a 2xx answer could not be read; `was_send`
    marks a request that changes state (a POST), whose 2xx answer means it was applied."""
    try:
        body: Any = json.loads(content) if content else None
        readable = True
    except ValueError:
        body, readable = None, False
    if isinstance(body, dict) and _is_error_envelope(status, body):
        return _api_error(status, headers, content, body)
    if not readable:
        detail = "the body is not JSON"
    elif body is None:
        detail = "the body is empty"
    elif not isinstance(body, dict):
        detail = f"the body is a JSON {type(body).__name__}, not an envelope"
    elif 200 <= status < 300:
        detail = f"the envelope is malformed ({reason or 'no data'})"
    else:
        detail = "an error status without the API's error envelope"
    if was_send and 200 <= status < 300:
        detail += (
            "; the server accepted the request, so the SMS may have been sent: do not retry it"
        )
    return UnexpectedResponseError(detail, status_code=status, body=content)


def _is_error_envelope(status: int, body: dict[str, Any]) -> bool:
    data = body.get("data")
    if isinstance(data, dict) and "error" in data:
        return True
    return status >= 400 and ("code" in body or "message" in body)


def _api_error(
    status: int, headers: Mapping[str, str], content: bytes, body: dict[str, Any]
) -> APIError:
    raw_code = body.get("code")
    code = known_code(str(raw_code) if raw_code is not None else str(status))
    data = body.get("data")
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, str) and error:
        message = error
    else:
        envelope_message = body.get("message")
        message = envelope_message if isinstance(envelope_message, str) else ""
    return _error_class(status, code)(
        status_code=status,
        code=code,
        message=message,
        field_errors=_field_errors(error),
        body=content,
        retry_after=retry_after(headers),
    )


def _error_class(status: int, code: str) -> type[APIError]:
    if status == 401 or code in ("1401", "1402", "1403"):
        return AuthenticationError
    if status == 422 or code == "422":
        return ValidationError
    if code == "10006":
        return InsufficientCreditError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status >= 500 or code == "10022":
        return ServerError
    return APIError


def _field_errors(error: object) -> dict[str, list[str]]:
    """Field name to error texts, from `{field: [{code, err}]}` or `{field: [str]}`."""
    if not isinstance(error, dict):
        return {}
    fields: dict[str, list[str]] = {}
    for name, problems in error.items():
        items = problems if isinstance(problems, list) else [problems]
        texts = []
        for item in items:
            if isinstance(item, dict):
                text = item.get("err") or item.get("code") or json.dumps(item)
                texts.append(str(text))
            else:
                texts.append(str(item))
        fields[str(name)] = texts
    return fields


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The Retry-After header in seconds (from a number or an HTTP date), if valid."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime  # rare: most servers send seconds

        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError):
            return None
    return max(0.0, seconds) if seconds == seconds else None  # NaN is not a wait
