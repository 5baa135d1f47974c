"""Every exception the SDK raises. Catch `SpeedPayamakError` to catch them all.

```text
SpeedPayamakError
├── InvalidRequestError (also a ValueError)   bad input, caught before anything is sent
├── APIError                                  the server answered with an error envelope
│   ├── AuthenticationError                   401; codes 1401, 1402, 1403
│   ├── PermissionDeniedError                 403, e.g. a line the account does not own
│   ├── ValidationError                       422; see field_errors
│   ├── InsufficientCreditError               10006
│   ├── NotFoundError                         404
│   ├── RateLimitError                        429; see retry_after
│   └── ServerError                           5xx, or 10022
├── APIConnectionError                        no answer was read
│   ├── APITimeoutError                       ... because a timeout passed
│   └── OutcomeUnknownError                   a send may have reached the server
├── UnexpectedResponseError                   an answer that is not the API's envelope
├── BulkSendError                             a bulk send ended with recipients not accepted
├── SendInProgressError                       a keyed send is in flight in another worker
├── DeliveryTimeoutError                      follow() ended with recipients not final yet
└── JournalError                              a campaign's store failed, or is not a journal
```
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from speedpayamak_api.models import Recipient

    from ._campaigns import BulkResult


class ErrorCode(enum.StrEnum):
    """The API's documented error codes. `APIError.code` is one of these when it is known."""

    meaning: str

    def __new__(cls, code: str, meaning: str) -> ErrorCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member

    CREDENTIAL_ERROR = "10001", "credential or repository error"
    MESSAGE_EMPTY = "10002", "the message body is empty"
    USER_LIMITED = "10003", "the user is limited"
    LINE_NOT_ASSIGNED = "10004", "the line is not assigned to you"
    RECIPIENTS_EMPTY = "10005", "the recipients are empty"
    CREDIT_NOT_ENOUGH = "10006", "the credit is not enough"
    LINE_NOT_ALLOWED_FOR_BULK = "10007", "the line is not allowed for bulk sends"
    LINE_DEACTIVATED = "10008", "the line is temporarily deactivated"
    TOO_MANY_RECIPIENTS = "10009", "the maximum number of recipients is exceeded"
    GATEWAY_OFFLINE = "10010", "the gateway is offline"
    NO_PRICING = "10011", "there is no pricing for the user"
    TICKET_INVALID = "10012", "the ticket is invalid"
    ACCESS_DENIED = "10013", "access is denied"
    PATTERN_INVALID = "10014", "the pattern is invalid"
    PATTERN_PARAMETERS_INVALID = "10015", "the pattern's parameters are invalid"
    PATTERN_INACTIVE = "10016", "the pattern is inactive"
    PATTERN_RECIPIENT_INVALID = "10017", "the pattern's recipient is invalid"
    PATTERN_SEND_UNAUTHORIZED = "10018", "sending with a pattern is not authorized"
    OUTSIDE_SENDING_HOURS = "10019", "outside the sending hours (08 to 23)"
    CREDIT_CARD_NOT_PROVIDED = "10020", "no credit card was provided"
    DOCUMENTS_NOT_APPROVED = "10021", "the account's documents are not approved"
    INTERNAL_ERROR = "10022", "an internal error"
    NUMBER_INVALID = "10023", "the number was not found or is not valid"
    GATEWAY_DISABLED = "10024", "the gateway is disabled"
    INVALID_INPUT = "422", "invalid input"
    UNAUTHORIZED = "1401", "unauthorized"
    API_KEY_INVALID = "1402", "the API key is not valid"
    API_KEY_REVOKED = "1403", "the API key is revoked"


_BY_CODE: dict[str, ErrorCode] = {member.value: member for member in ErrorCode}


def known_code(code: str) -> str:
    """`code` as an ErrorCode when it is documented, else the string as given."""
    return _BY_CODE.get(code, code)


class SpeedPayamakError(Exception):
    """The base of everything the SDK raises."""


class InvalidRequestError(SpeedPayamakError, ValueError):
    """Bad input, caught before anything was sent."""


class APIError(SpeedPayamakError):
    """The server answered with an error envelope.

    `code` is the API's code (an `ErrorCode` when documented, else the string as sent),
    `message` the API's own error text, `field_errors` each field's error texts, `body`
    the raw response body, `headers` the response headers.
    """

    def __init__(
        self,
        *,
        status_code: int,
        code: str,
        message: str,
        field_errors: Mapping[str, list[str]] | None = None,
        body: bytes = b"",
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})
        self.body = body
        self.retry_after = retry_after
        self.headers: httpx.Headers = httpx.Headers(headers or {})
        super().__init__(self._describe())

    @property
    def request_id(self) -> str | None:
        """The id the API gave this request, when it sends one (for support tickets)."""
        return _request_id(self.headers)

    def _describe(self) -> str:
        text = f"HTTP {self.status_code}, code {self.code}: {self.message or '(no message)'}"
        if self.field_errors:
            fields = "; ".join(f"{k}: {', '.join(v)}" for k, v in self.field_errors.items())
            text += f" [{fields}]"
        return text


class AuthenticationError(APIError):
    """The API key is missing, malformed, unknown or revoked (401; 1401, 1402, 1403)."""


class PermissionDeniedError(APIError):
    """The key is valid but may not do this (403): for example an originator that is not
    a line of the account. Nothing was sent."""


class ValidationError(APIError):
    """The server refused the request's fields (422); `field_errors` says which."""


class InsufficientCreditError(APIError):
    """The account's credit does not cover the send (10006); nothing was sent."""


class NotFoundError(APIError):
    """No such resource (404), e.g. an unknown bulk id."""


class RateLimitError(APIError):
    """Too many requests (429); `retry_after` is the server's wait in seconds, if given."""


class ServerError(APIError):
    """The server failed (5xx, or code 10022)."""


class APIConnectionError(SpeedPayamakError):
    """No answer was read: the connection failed or broke.

    `request_sent` is False when the connection was never established, so nothing left.
    `attempts` and `elapsed` say how many attempts were made and over how many seconds.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        self.request_sent = request_sent
        self.attempts = 1
        self.elapsed: float | None = None


class APITimeoutError(APIConnectionError):
    """No answer was read before a timeout passed."""


class OutcomeUnknownError(APIConnectionError):
    """A send (a POST) may have reached the server, but no answer was read.

    The SMS may have been sent. The SDK does not retry it; retrying blindly may send it
    twice. Check the outcome (for example the inbox or the recipient's report) first.
    """


class UnexpectedResponseError(SpeedPayamakError):
    """An answer that is not the API's envelope: HTML, empty, not JSON, a field missing or
    of the wrong type, or a status outside the HTTP standard (a CDN's 520).

    `status_code` is the HTTP status, `body_start` the start of the body (at most 200
    characters) and `headers` the response headers.
    """

    def __init__(
        self,
        detail: str,
        *,
        status_code: int,
        body: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.body_start: str = body[:200].decode("utf-8", errors="replace")
        self.detail = detail
        self.headers: httpx.Headers = httpx.Headers(headers or {})
        shown = repr(self.body_start) if body else "an empty body"
        super().__init__(f"unexpected answer, HTTP {status_code}: {detail}; body: {shown}")

    @property
    def request_id(self) -> str | None:
        """The id the server gave this request, when it sends one."""
        return _request_id(self.headers)


def _request_id(headers: httpx.Headers) -> str | None:
    for name in ("x-request-id", "request-id", "x-correlation-id"):
        if name in headers:
            return headers[name]
    return None


class BulkSendError(SpeedPayamakError):
    """A bulk send ended with recipients not accepted; `result` accounts for every one.

    `__cause__` is what stopped it: the first failed chunk's own error, or the exception
    of the `progress` callback. Chunks in `result.unknown` may have been sent: do not
    resend them blindly.
    """

    def __init__(self, result: BulkResult) -> None:
        self.result = result
        parts = [f"{len(result.accepted)} chunk(s) accepted"]
        if result.stopped:
            parts.insert(0, "stopped on request")
        if result.failed:
            first = result.failed[0].error
            verdict = "refused" if isinstance(first, APIError) else "not sent"
            parts.append(f"{len(result.failed)} {verdict} ({first})")
        if result.unknown:
            parts.append(f"{len(result.unknown)} with outcome unknown ({result.unknown[0].error})")
        if result.not_sent:
            parts.append(f"{len(result.not_sent)} recipient(s) not sent")
        super().__init__("bulk send incomplete: " + "; ".join(parts))


class JournalError(SpeedPayamakError):
    """A campaign's store could not be used: a full disk, a corrupt or foreign file, a
    read-only file, a lost database connection, a row that does not decode.

    Raised before a run starts (nothing was sent), or as the `__cause__` of the
    BulkSendError that ends a run: no chunk starts after it, and every outcome the run
    learned, a bulk id whose record could not be written included, is in that error's
    `result`. `where` names the store (a path, or a URL without its password).
    """

    def __init__(self, message: str, *, where: str = "") -> None:
        super().__init__(message)
        self.where = where


class SendInProgressError(SpeedPayamakError):
    """A send under this idempotency key is in flight in another worker (its lease holds),
    and its outcome was not known within this call's timeout. Nothing was sent by this
    call; call again later to get the first call's bulk id. `key` is the key."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


class DeliveryTimeoutError(SpeedPayamakError):
    """`messages.follow()` reached its timeout with recipients whose status is not final.

    `pending` holds them as last seen (an unknown status is carried as it is); every other
    recipient was yielded before this was raised."""

    def __init__(self, message: str, *, bulk_id: int, pending: tuple[Recipient, ...]) -> None:
        super().__init__(message)
        self.bulk_id = bulk_id
        self.pending = pending
