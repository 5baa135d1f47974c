"""What an answer that is not a success stands for, as one of the SDK's errors.

Error bodies are read leniently from the raw bytes, since a proxy or a failing server may
send anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._retry import retry_after
from .errors import (
    APIError,
    AuthenticationError,
    InsufficientCreditError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SpeedPayamakError,
    UnexpectedResponseError,
    ValidationError,
    known_code,
)

SENT_WARNING = "the server accepted the request, so the SMS may have been sent: do not retry it"


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
    if not 100 <= status <= 599:
        # Outside HTTP: nothing can be read from it, not even whether a send was applied.
        detail = f"HTTP {status} is not an HTTP status"
        if was_send:
            detail += "; the SMS may have been sent: do not retry it"
        return UnexpectedResponseError(detail, status_code=status, body=content, headers=headers)
    try:
        body: Any = json.loads(content) if content else None
        readable = True
    except (ValueError, RecursionError):
        body, readable = None, False
    if isinstance(body, dict) and _is_error_envelope(status, body):
        return _api_error(status, headers, content, body)
    if 300 <= status < 400:
        location = next((v for k, v in headers.items() if k.lower() == "location"), None)
        detail = f"a redirect to {location!r}, which the SDK never follows"
    elif not readable:
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
        detail += f"; {SENT_WARNING}"
    return UnexpectedResponseError(detail, status_code=status, body=content, headers=headers)


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
        headers=headers,
    )


def _error_class(status: int, code: str) -> type[APIError]:
    if status == 401 or code in ("1401", "1402", "1403"):
        return AuthenticationError
    if status == 403:
        return PermissionDeniedError
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
