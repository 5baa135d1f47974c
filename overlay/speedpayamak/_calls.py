"""Each SDK operation as a `Call`: its input checked and normalized, the generated function
that sends it, and what it returns. Sync and async resources share these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
from speedpayamak_api.models import (
    CreatePatternEnvelope,
    CreatePatternRequest,
    CreditEnvelope,
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
from speedpayamak_api.types import UNSET

from ._engine import Call
from ._numbers import normalize, normalize_all
from ._pagination import Page, PageCall
from .errors import InvalidRequestError

USER: Call[UserEnvelope, User] = Call(
    "GET",
    "/v1/user",
    lambda c: get_authorized_user.sync_detailed(client=c),
    lambda c: get_authorized_user.asyncio_detailed(client=c),
    lambda envelope: envelope.data.user,
)

CREDIT: Call[CreditEnvelope, float] = Call(
    "GET",
    "/v1/credit",
    lambda c: get_credit.sync_detailed(client=c),
    lambda c: get_credit.asyncio_detailed(client=c),
    lambda envelope: float(envelope.data.credit),
)


def messages_send(
    originator: str, recipients: Sequence[str], message: str
) -> Call[SendSMSEnvelope, int]:
    numbers = normalize_all(recipients)
    if not numbers:
        raise InvalidRequestError("recipients is empty: give at least one number")
    return messages_send_checked(
        non_empty("originator", originator), numbers, non_empty("message", message)
    )


def messages_send_checked(
    originator: str, numbers: list[str], message: str
) -> Call[SendSMSEnvelope, int]:
    """A send whose input is already checked and normalized (bulk sends check it once)."""
    body = SendSMSRequest(originator=originator, recipients=numbers, message=message)
    return Call(
        "POST",
        "/v1/messages",
        lambda c: send_sms.sync_detailed(client=c, body=body),
        lambda c: send_sms.asyncio_detailed(client=c, body=body),
        lambda envelope: envelope.data.bulk_id,
    )


def messages_get(bulk_id: int) -> Call[MessageEnvelope, Message]:
    bulk_id = _bulk_id(bulk_id)
    return Call(
        "GET",
        "/v1/messages/{bulk_id}",
        lambda c: get_sms.sync_detailed(bulk_id, client=c),
        lambda c: get_sms.asyncio_detailed(bulk_id, client=c),
        lambda envelope: envelope.data.message,
    )


def messages_recipients(bulk_id: int, page_size: int) -> PageCall[Recipient]:
    bulk_id, page_size = _bulk_id(bulk_id), _page_size(page_size)

    def page(number: int) -> Call[RecipientsEnvelope, Page[Recipient]]:
        return Call(
            "GET",
            "/v1/messages/{bulk_id}/recipients",
            lambda c: get_message_recipients_status.sync_detailed(
                bulk_id, client=c, page=number, limit=page_size
            ),
            lambda c: get_message_recipients_status.asyncio_detailed(
                bulk_id, client=c, page=number, limit=page_size
            ),
            lambda envelope: Page(tuple(envelope.data.recipients), envelope.meta),
        )

    return page


def messages_inbox(page_size: int) -> PageCall[InboxMessage]:
    page_size = _page_size(page_size)

    def page(number: int) -> Call[InboxEnvelope, Page[InboxMessage]]:
        return Call(
            "GET",
            "/v1/messages/inbox",
            lambda c: fetch_inbox_messages.sync_detailed(client=c, page=number, limit=page_size),
            lambda c: fetch_inbox_messages.asyncio_detailed(client=c, page=number, limit=page_size),
            lambda envelope: Page(tuple(envelope.data.messages), envelope.meta),
        )

    return page


def patterns_create(
    pattern: str, description: str | None, is_shared: bool
) -> Call[CreatePatternEnvelope, Pattern]:
    if description is not None and not isinstance(description, str):
        raise InvalidRequestError("description must be a string")
    if not isinstance(is_shared, bool):
        raise InvalidRequestError("is_shared must be True or False")
    body = CreatePatternRequest(
        pattern=non_empty("pattern", pattern),
        description=UNSET if description is None else description,
        is_shared=is_shared,
    )
    return Call(
        "POST",
        "/v1/messages/patterns",
        lambda c: create_pattern.sync_detailed(client=c, body=body),
        lambda c: create_pattern.asyncio_detailed(client=c, body=body),
        lambda envelope: envelope.data.pattern,
    )


def patterns_send(
    pattern_code: str, originator: str, recipient: str, values: Mapping[str, str | int]
) -> Call[SendPatternEnvelope, int]:
    body = SendPatternRequest(
        pattern_code=non_empty("pattern_code", pattern_code),
        originator=non_empty("originator", originator),
        recipient=normalize(recipient),
        values=_pattern_values(values),
    )
    return Call(
        "POST",
        "/v1/messages/patterns/send",
        lambda c: send_pattern.sync_detailed(client=c, body=body),
        lambda c: send_pattern.asyncio_detailed(client=c, body=body),
        lambda envelope: envelope.data.bulk_id,
    )


def non_empty(name: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{name} must be a non-empty string, not {value!r}")
    return value


def _bulk_id(bulk_id: int) -> int:
    if isinstance(bulk_id, bool) or not isinstance(bulk_id, int) or bulk_id < 1:
        raise InvalidRequestError(f"bulk_id must be a positive integer, not {bulk_id!r}")
    return bulk_id


def _page_size(page_size: int) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise InvalidRequestError(f"page_size must be a positive integer, not {page_size!r}")
    return page_size


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
        converted[name] = str(value)
    return PatternValues.from_dict(converted)
