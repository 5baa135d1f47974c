"""From a generated `Response` to the envelope's data, or to the typed error it stands for.

Success is decided by the HTTP status (any 2xx) and a well-formed envelope, never by
`code`: the API answers success with "OK" or 200 alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from speedpayamak_api.client import AuthenticatedClient, Client
from speedpayamak_api.models import ErrorEnvelope

from ._answers import failure
from ._conformance import Mismatch, conform
from ._transport import Answer

if TYPE_CHECKING:
    from ._calls import Call

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
    return _checked(
        int(response.status_code), response.parsed, response.headers, response.content, was_send
    )


def read_envelope(call: Call[E, Any], answer: Answer, client: AuthenticatedClient | Client) -> E:
    """The success envelope of `call`'s answer, parsed by the operation's generated code.

    Any 2xx is read as the operation's success; only a failure of the generated parser on
    this answer (bad JSON, a missing key, a status outside the standard, a body nested too
    deep) becomes an error about the answer.
    """
    status = answer.status_code
    if 200 < status < 300:  # the generated code reads the documented 200 and 201 only
        answer = Answer(200, answer.headers, answer.content)
    try:
        response = answer.for_generated_parser()
        parsed = call.operation._build_response(client=client, response=response).parsed
    except Exception as exc:  # the generated parser's failure, whatever its kind
        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        raise failure(
            status, answer.headers, answer.content, reason, was_send=call.is_send
        ) from None
    return _checked(status, parsed, answer.headers, answer.content, call.is_send)


def _checked(
    status: int,
    parsed: E | ErrorEnvelope | None,
    headers: Mapping[str, str],
    content: bytes,
    was_send: bool,
) -> E:
    if 200 <= status < 300 and parsed is not None and not isinstance(parsed, ErrorEnvelope):
        try:
            conform(parsed)
        except Mismatch as mismatch:
            raise failure(status, headers, content, str(mismatch), was_send=was_send) from None
        return parsed
    raise failure(status, headers, content, was_send=was_send)
