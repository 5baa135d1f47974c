"""The generated package: parses every payload shape the API sends, and sends what it should."""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from speedpayamak._transport import Answer
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
from speedpayamak_api.client import AuthenticatedClient
from speedpayamak_api.models import (
    CreatePatternRequest,
    CreditEnvelope,
    ErrorEnvelope,
    FieldErrorDetail,
    FieldErrors,
    InboxEnvelope,
    MessageEnvelope,
    PatternValues,
    RecipientsEnvelope,
    SendPatternRequest,
    SendSMSEnvelope,
    SendSMSRequest,
)

from tests.operations import OPERATIONS

RECIPIENTS_SAMPLE: dict[str, Any] = {
    "status": "OK",
    "code": 200,
    "message": "Ok",
    "data": {
        "recipients": [
            {"recipient": "+989121110000", "status": "delivered"},
            {"recipient": "+989351110000", "status": "pending"},
            {"recipient": "+989351110001", "status": "bounced"},
        ]
    },
    "meta": {"total": 3, "pages": 1, "limit": 10, "page": 0, "prev": None, "next": None},
}


@pytest.mark.parametrize("code", ["OK", 200])
def test_success_code_in_both_forms(code: str | int) -> None:
    envelope = SendSMSEnvelope.from_dict(
        {"status": "OK", "code": code, "message": "Ok", "data": {"bulk_id": 81234567}}
    )
    assert envelope.code == code
    assert envelope.data.bulk_id == 81234567


def test_recipient_statuses_are_an_open_set() -> None:
    envelope = RecipientsEnvelope.from_dict(RECIPIENTS_SAMPLE)
    statuses = [r.status for r in envelope.data.recipients]
    assert statuses == ["delivered", "pending", "bounced"]
    assert envelope.meta.prev is None
    assert envelope.meta.next_ is None


def test_meta_links_as_strings() -> None:
    payload = json.loads(json.dumps(RECIPIENTS_SAMPLE))
    payload["meta"].update(
        {"pages": 3, "page": 1, "prev": "/v1/inbox?page=0", "next": "/v1/inbox?page=2"}
    )
    meta = RecipientsEnvelope.from_dict(payload).meta
    assert (meta.prev, meta.next_, meta.page, meta.pages) == (
        "/v1/inbox?page=0",
        "/v1/inbox?page=2",
        1,
        3,
    )


MESSAGE: dict[str, Any] = {
    "bulk_id": 52738671,
    "number": "+9850002",
    "message": "hi",
    "status": "active",
    "type": "webservice",
    "confirm_state": "",
    "created_at": "2021-03-04T08:15:00Z",
    "sent_at": None,
    "recipients_count": 2,
    "valid_recipients_count": 2,
    "page": 1,
    "cost": 2.5,
    "payback_cost": 0,
    "description": "",
}


def test_message_timestamps_parse_as_datetimes() -> None:
    message = MessageEnvelope.from_dict(
        {"status": "OK", "code": "OK", "message": "Ok", "data": {"message": MESSAGE}}
    ).data.message
    assert message.created_at.isoformat() == "2021-03-04T08:15:00+00:00"
    assert message.sent_at is None


def test_validation_error_with_code_objects() -> None:
    envelope = ErrorEnvelope.from_dict(
        {
            "status": "ERROR",
            "code": "422",
            "message": "invalid input",
            "data": {"error": {"recipients": [{"code": "required", "err": "is required"}]}},
        }
    )
    assert envelope.data is not None
    error = envelope.data.error
    assert isinstance(error, FieldErrors)
    (detail,) = error["recipients"]
    assert isinstance(detail, FieldErrorDetail)
    assert (detail.code, detail.err) == ("required", "is required")


def test_validation_error_with_plain_strings() -> None:
    envelope = ErrorEnvelope.from_dict(
        {
            "status": "ERROR",
            "code": "422",
            "message": "invalid input",
            "data": {"error": {"message": ["must not be empty", "too long"]}},
        }
    )
    assert envelope.data is not None
    assert isinstance(envelope.data.error, FieldErrors)
    assert envelope.data.error["message"] == ["must not be empty", "too long"]


def test_string_error_and_null_data() -> None:
    envelope = ErrorEnvelope.from_dict(
        {"status": "ERROR", "code": "10006", "message": "x", "data": {"error": "credit not enough"}}
    )
    assert envelope.data is not None
    assert envelope.data.error == "credit not enough"
    assert (
        ErrorEnvelope.from_dict(
            {"status": "ERROR", "code": "1401", "message": "unauthorized", "data": None}
        ).data
        is None
    )


def test_credit_may_be_fractional() -> None:
    envelope = CreditEnvelope.from_dict(
        {"status": "OK", "code": "OK", "message": "Ok", "data": {"credit": 120540.5}}
    )
    assert envelope.data.credit == 120540.5


# --- the wire: what each generated function puts on the wire -------------------------------

EMPTY_PAGE = {"total": 0, "pages": 0, "limit": 10, "page": 0, "prev": None, "next": None}


def _answer(request: httpx.Request) -> dict[str, Any]:
    ok: dict[str, Any] = {"status": "OK", "code": "OK", "message": "Ok"}
    path = request.url.path
    if path.endswith("/recipients"):
        return {**ok, "data": {"recipients": []}, "meta": EMPTY_PAGE}
    if path == "/v1/messages/inbox":
        return {**ok, "data": {"messages": []}, "meta": EMPTY_PAGE}
    if path == "/v1/user":
        fields = ["username", "name", "email", "mobile", "tellephone", "national_id"]
        fields += ["certificate_id", "address", "postal_code", "company", "document_block"]
        fields += ["send_block", "expire", "status"]
        return {**ok, "data": {"user": {"id": 1, **dict.fromkeys(fields, "")}}}
    if path.startswith("/v1/messages/") and path[len("/v1/messages/") :].isdigit():
        return {**ok, "data": {"message": MESSAGE}}
    if path == "/v1/credit":
        return {**ok, "data": {"credit": 1.5}}
    if path == "/v1/messages/patterns":
        pattern = {"code": "abcdefghij", "status": "pending", "message": "m", "is_shared": False}
        return {**ok, "data": {"pattern": pattern}}
    return {**ok, "data": {"bulk_id": 7}}


Call = Callable[[AuthenticatedClient], object]

# Each operation's generated function, called as a user of the raw client would, with the
# query and JSON body it must put on the wire (method and path: tests/operations.py).
WIRE_CASES: dict[str, tuple[Call, dict[str, str], Any]] = {
    "user": (lambda c: get_authorized_user.sync_detailed(client=c), {}, None),
    "credit": (lambda c: get_credit.sync_detailed(client=c), {}, None),
    "send": (
        lambda c: send_sms.sync_detailed(
            client=c,
            body=SendSMSRequest(originator="+9850002", recipients=["+989121110000"], message="hi"),
        ),
        {},
        {"originator": "+9850002", "recipients": ["+989121110000"], "message": "hi"},
    ),
    "create pattern": (
        lambda c: create_pattern.sync_detailed(
            client=c,
            body=CreatePatternRequest(pattern="Hi %name%", description="d", is_shared=True),
        ),
        {},
        {"pattern": "Hi %name%", "description": "d", "is_shared": True},
    ),
    "send pattern": (
        lambda c: send_pattern.sync_detailed(
            client=c,
            body=SendPatternRequest(
                pattern_code="abcdefghij",
                originator="+9850002",
                recipient="+989121110000",
                values=PatternValues.from_dict({"name": "Sara"}),
            ),
        ),
        {},
        {
            "pattern_code": "abcdefghij",
            "originator": "+9850002",
            "recipient": "+989121110000",
            "values": {"name": "Sara"},
        },
    ),
    "get": (lambda c: get_sms.sync_detailed(52738671, client=c), {}, None),
    "recipients": (
        lambda c: get_message_recipients_status.sync_detailed(52738671, client=c, page=2, limit=5),
        {"page": "2", "limit": "5"},
        None,
    ),
    "inbox": (
        lambda c: fetch_inbox_messages.sync_detailed(client=c, page=0, limit=50),
        {"page": "0", "limit": "50"},
        None,
    ),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_generated_functions_put_the_right_request_on_the_wire(name: str) -> None:
    call, query, body = WIRE_CASES[name]
    method = OPERATIONS[name].method
    path = OPERATIONS[name].path.replace("{bulk_id}", "52738671")
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_answer(request))

    client = AuthenticatedClient(
        base_url="https://rest.ippanel.com",
        token="wire-test-key",
        prefix="AccessKey",
        httpx_args={"transport": httpx.MockTransport(record)},
    )
    with client:
        response = call(client)
    (request,) = seen
    assert getattr(response, "parsed", None) is not None
    assert request.method == method
    assert request.url.host == "rest.ippanel.com"
    assert request.url.path == path
    assert dict(request.url.params) == query
    assert request.headers["authorization"] == "AccessKey wire-test-key"
    if body is None:
        assert request.content == b""
    else:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == body


def test_inbox_page_parses() -> None:
    envelope = InboxEnvelope.from_dict(
        {
            "status": "OK",
            "code": 200,
            "message": "Ok",
            "data": {
                "messages": [
                    {
                        "number": "+9850002",
                        "message": "yes",
                        "sender": "+989121110000",
                        "time": "2021-03-04T08:15:00Z",
                        "type": "normal",
                    }
                ]
            },
            "meta": EMPTY_PAGE,
        }
    )
    (message,) = envelope.data.messages
    assert (message.sender, message.time.year) == ("+989121110000", 2021)


def test_the_generated_parsers_read_only_what_the_sdks_answer_holds() -> None:
    """The SDK hands each operation's `_build_response` its own `Answer` instead of an
    httpx.Response; a generator release whose parser reads anything else fails here."""
    held = {"status_code", "headers", "content", "json"}
    operations = [
        get_authorized_user,
        get_credit,
        create_pattern,
        fetch_inbox_messages,
        get_message_recipients_status,
        get_sms,
        send_pattern,
        send_sms,
    ]
    for module in operations:
        tree = ast.parse(inspect.getsource(module))
        parsers = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef)
            and node.name in ("_build_response", "_parse_response")
        ]
        assert len(parsers) == 2, module.__name__
        read = {
            node.attr
            for parser in parsers
            for node in ast.walk(parser)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "response"
        }
        assert read, module.__name__
        assert read <= held, f"{module.__name__} reads {sorted(read - held)}"
    answer = Answer(200, {"Content-Type": "application/json"}, b'{"data": {"credit": 1.5}}')
    assert all(hasattr(answer, name) for name in held)
    assert answer.json() == {"data": {"credit": 1.5}}
