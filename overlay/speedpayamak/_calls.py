"""Each SDK operation as a `Call`, built from its generated module: the request comes from
the module's `_get_kwargs` (so the method and path are the generated code's, never a
copy), its answer is read by the module's `_build_response`, and `result` picks what the
SDK method returns from the success envelope. Sync and async resources share these.

Adding an operation: describe it in openapi.yaml, `nox -s generate`, add one function
here, one method to each resource class, and tests (see the README).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

import attrs
import httpx
from speedpayamak_api.api.auth import get_authorized_user
from speedpayamak_api.api.credit import get_credit
from speedpayamak_api.api.messages import (
    create_pattern,
    fetch_inbox_messages,
    get_message_recipients_status,
    get_sms,
    send_pattern,
    send_sms,
)
from speedpayamak_api.client import AuthenticatedClient, Client
from speedpayamak_api.models import (
    CreatePatternEnvelope,
    CreatePatternRequest,
    CreditEnvelope,
    ErrorEnvelope,
    InboxEnvelope,
    InboxMessage,
    Message,
    MessageEnvelope,
    Pattern,
    PatternValues,
    Recipient,
    RecipientsEnvelope,
    SendPatternEnvelope,
    SendPatternRequest,
    SendSMSEnvelope,
    SendSMSRequest,
    User,
    UserEnvelope,
)
from speedpayamak_api.types import UNSET, Response

from . import _checks
from ._numbers import normalize
from ._pagination import Page, PageCall
from .errors import InvalidRequestError

E = TypeVar("E")
R = TypeVar("R")


class Operation(Protocol[E]):
    """A generated operation module, as the request path uses it."""

    def _build_response(
        self, *, client: AuthenticatedClient | Client, response: httpx.Response
    ) -> Response[E | ErrorEnvelope]: ...


@attrs.frozen(kw_only=True)
class Call(Generic[E, R]):
    """One operation, ready to send: the generated module, the request its `_get_kwargs`
    built, and how to turn the success envelope into what the SDK method returns."""

    operation: Operation[E]
    request: dict[str, Any]
    result: Callable[[E], R]

    @property
    def method(self) -> str:
        return str(self.request["method"]).upper()

    @property
    def path(self) -> str:
        return str(self.request["url"])

    @property
    def is_send(self) -> bool:
        """Whether the call changes state (a send, a new pattern), so that a request which
        may have reached the server is never repeated."""
        return self.method != "GET"


USER: Call[UserEnvelope, User] = Call(
    operation=get_authorized_user,
    request=get_authorized_user._get_kwargs(),
    result=lambda envelope: envelope.data.user,
)

CREDIT: Call[CreditEnvelope, float] = Call(
    operation=get_credit,
    request=get_credit._get_kwargs(),
    result=lambda envelope: float(envelope.data.credit),
)


def messages_send(
    originator: str, recipients: Iterable[str], message: str
) -> Call[SendSMSEnvelope, int]:
    return messages_send_checked(
        _checks.text("originator", originator),
        _checks.recipients(recipients),
        _checks.text("message", message),
    )


def messages_send_checked(
    originator: str, numbers: list[str], message: str
) -> Call[SendSMSEnvelope, int]:
    """A send whose input is already checked and normalized (bulk sends check it once)."""
    body = SendSMSRequest(originator=originator, recipients=numbers, message=message)
    return Call(
        operation=send_sms,
        request=send_sms._get_kwargs(body=body),
        result=lambda envelope: envelope.data.bulk_id,
    )


def messages_get(bulk_id: int) -> Call[MessageEnvelope, Message]:
    return Call(
        operation=get_sms,
        request=get_sms._get_kwargs(_checks.positive_int("bulk_id", bulk_id)),
        result=lambda envelope: envelope.data.message,
    )


def messages_recipients(bulk_id: int, page_size: int) -> PageCall[Recipient]:
    bulk_id = _checks.positive_int("bulk_id", bulk_id)
    page_size = _checks.positive_int("page_size", page_size)

    def page(number: int) -> Call[RecipientsEnvelope, Page[Recipient]]:
        return Call(
            operation=get_message_recipients_status,
            request=get_message_recipients_status._get_kwargs(
                bulk_id, page=number, limit=page_size
            ),
            result=lambda envelope: Page(tuple(envelope.data.recipients), envelope.meta),
        )

    return page


def messages_inbox(page_size: int) -> PageCall[InboxMessage]:
    page_size = _checks.positive_int("page_size", page_size)

    def page(number: int) -> Call[InboxEnvelope, Page[InboxMessage]]:
        return Call(
            operation=fetch_inbox_messages,
            request=fetch_inbox_messages._get_kwargs(page=number, limit=page_size),
            result=lambda envelope: Page(tuple(envelope.data.messages), envelope.meta),
        )

    return page


def patterns_create(
    pattern: str, description: str | None, is_shared: bool
) -> Call[CreatePatternEnvelope, Pattern]:
    if description is not None:
        if not isinstance(description, str):
            raise InvalidRequestError("description must be a string")
        _checks.encodable("description", description)
    if not isinstance(is_shared, bool):
        raise InvalidRequestError("is_shared must be True or False")
    body = CreatePatternRequest(
        pattern=_checks.text("pattern", pattern),
        description=UNSET if description is None else description,
        is_shared=is_shared,
    )
    return Call(
        operation=create_pattern,
        request=create_pattern._get_kwargs(body=body),
        result=lambda envelope: envelope.data.pattern,
    )


def patterns_send(
    pattern_code: str, originator: str, recipient: str, values: Mapping[str, str | int]
) -> Call[SendPatternEnvelope, int]:
    body = SendPatternRequest(
        pattern_code=_checks.text("pattern_code", pattern_code),
        originator=_checks.text("originator", originator),
        recipient=normalize(recipient),
        values=_pattern_values(values),
    )
    return Call(
        operation=send_pattern,
        request=send_pattern._get_kwargs(body=body),
        result=lambda envelope: envelope.data.bulk_id,
    )


def _pattern_values(values: Mapping[str, str | int]) -> PatternValues:
    """The server refuses anything but strings, so integers are sent as their digits."""
    if not isinstance(values, Mapping):
        raise InvalidRequestError("values must be a mapping of variable name to value")
    converted: dict[str, str] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            raise InvalidRequestError(f"pattern variable names must be strings, not {name!r}")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InvalidRequestError(
                f"values[{name!r}] must be a string or an integer, not {value!r}"
            )
        converted[_checks.encodable("a pattern variable name", name)] = _checks.encodable(
            f"values[{name!r}]", str(value)
        )
    return PatternValues.from_dict(converted)
