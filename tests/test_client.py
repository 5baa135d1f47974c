"""The public client against the sandbox: every method, sync and async, over HTTP and as a
transport, with both success `code` forms; every error class from a real sandbox answer."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from speedpayamak import (
    APIError,
    AsyncSpeedPayamak,
    AuthenticationError,
    ErrorCode,
    InsufficientCreditError,
    NotFoundError,
    PermissionDeniedError,
    SpeedPayamak,
    ValidationError,
    unwrap,
)
from speedpayamak.testing import Fault, Sandbox
from speedpayamak_api.api.messages import send_pattern
from speedpayamak_api.models import PatternValues, SendPatternRequest

from tests.conftest import KEY, LINE, Driver, Mode, Wire, open_driver


@pytest.mark.parametrize("code", ["OK", 200])
def test_every_method(mode: Mode, wire: Wire, code: Any) -> None:
    sandbox = Sandbox(KEY, credit=1000, lines=[LINE], success_code=code)
    with open_driver(sandbox, mode, wire) as driver:
        user = driver.user()
        assert isinstance(user.id, int)
        assert user.username == "sandbox1"
        assert driver.credit() == 1000.0

        bulk_id = driver.send(
            originator=LINE,
            recipients=["۰۹۱۲۱۲۳۴۵۶۷", "989351110000", "+989121110001", "0912 111 0002"],
            message="Your order has shipped",
        )
        (sent,) = sandbox.outbox
        assert sent.bulk_id == bulk_id
        assert sent.recipients == (
            "+989121234567",
            "+989351110000",
            "+989121110001",
            "+989121110002",
        )

        message = driver.get(bulk_id)
        assert (message.bulk_id, message.number, message.recipients_count) == (bulk_id, LINE, 4)
        assert (message.page, message.cost) == (1, 4.0)
        assert message.created_at.tzinfo is not None

        sandbox.fail_deliveries_to("+989351110000")
        sandbox.advance(60)
        statuses = {r.recipient: r.status for r in driver.recipients(bulk_id, page_size=3)}
        assert statuses == {
            "+989121234567": "delivered",
            "+989351110000": "failed",
            "+989121110001": "delivered",
            "+989121110002": "delivered",
        }

        for i in range(5):
            sandbox.receive(f"0912000000{i}", LINE, f"reply {i}")
        assert [m.message for m in driver.inbox(page_size=2)] == [f"reply {i}" for i in range(5)]

        pattern = driver.create_pattern(pattern="Your code is %code%", description="otp")
        assert (pattern.status, pattern.message, pattern.is_shared) == (
            "pending",
            "Your code is %code%",
            False,
        )
        sandbox.approve_pattern(pattern.code)
        otp_id = driver.send_pattern(
            pattern_code=pattern.code,
            originator=LINE,
            recipient="09121234567",
            values={"code": 4821},
        )
        assert sandbox.outbox[-1].bulk_id == otp_id
        assert sandbox.outbox[-1].message == "Your code is 4821"
        assert sandbox.outbox[-1].values == {"code": "4821"}
        assert driver.credit() == 1000.0 - 4 - 1


def test_pagination_never_requests_past_the_last_page(driver: Driver, sandbox: Sandbox) -> None:
    bulk_id = driver.send(
        originator=LINE, recipients=[f"0912111{i:04d}" for i in range(7)], message="x"
    )
    pages = driver.recipient_pages(bulk_id, page_size=3)
    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert [p.meta.page for p in pages] == [0, 1, 2]
    assert pages[-1].is_last
    assert sandbox.requests_to("GET", f"/v1/messages/{bulk_id}/recipients") == 3
    assert [r.query["page"] for r in sandbox.requests if r.path.endswith("/recipients")] == [
        "0",
        "1",
        "2",
    ]
    exact = driver.send(
        originator=LINE, recipients=[f"0912111{i:04d}" for i in range(6)], message="x"
    )
    assert len(driver.recipients(exact, page_size=3)) == 6
    assert sandbox.requests_to("GET", f"/v1/messages/{exact}/recipients") == 2


def test_empty_listings_make_one_request(driver: Driver, sandbox: Sandbox) -> None:
    assert driver.inbox() == []
    assert sandbox.requests_to("GET", "/v1/messages/inbox") == 1


def test_listings_are_lazy(sandbox: Sandbox) -> None:
    with open_driver(sandbox, "sync", "http") as driver:
        assert driver.sync_client is not None
        listing = driver.sync_client.messages.inbox(page_size=1)
        assert sandbox.requests == ()
        sandbox.receive("09120000000", LINE, "a")
        sandbox.receive("09120000001", LINE, "b")
        first = next(iter(listing))
        assert first.message == "a"
        assert sandbox.requests_to("GET", "/v1/messages/inbox") == 1


def test_unwrap_makes_any_generated_operation_usable(sandbox: Sandbox) -> None:
    from speedpayamak_api.api.credit import get_credit

    with sandbox.serve() as base_url, SpeedPayamak(KEY, base_url=base_url) as client:
        assert unwrap(get_credit.sync_detailed(client=client.raw)).credit == 1000
        # The raw path sends the key too, and refusals come back typed.
        values = PatternValues.from_dict({})
        body = SendPatternRequest(
            pattern_code="x", originator=LINE, recipient="+989121234567", values=values
        )
        with pytest.raises(APIError) as caught:
            unwrap(send_pattern.sync_detailed(client=client.raw, body=body))
    assert caught.value.code == ErrorCode.PATTERN_INVALID


def test_unwrap_with_the_async_raw_client(sandbox: Sandbox) -> None:
    from speedpayamak_api.api.credit import get_credit

    async def main() -> float:
        async with httpx.AsyncClient(transport=sandbox.async_transport()) as http:
            client = AsyncSpeedPayamak(KEY, base_url="https://sandbox.test", http_client=http)
            return unwrap(await get_credit.asyncio_detailed(client=client.raw)).credit

    assert asyncio.run(main()) == 1000


# --- typed errors from real sandbox answers ---------------------------------------------


@pytest.mark.parametrize(
    ("key", "code", "message"),
    [("wrong-key", "1402", "api key not valid"), ("revoked-key", "1403", "api key revoked")],
)
def test_authentication_errors(
    sandbox: Sandbox, mode: Mode, wire: Wire, key: str, code: str, message: str
) -> None:
    sandbox.add_account("revoked-key", credit=1)
    sandbox.revoke("revoked-key")
    with (
        open_driver(sandbox, mode, wire, key=key) as driver,
        pytest.raises(AuthenticationError) as caught,
    ):
        driver.credit()
    error = caught.value
    assert (error.status_code, error.code, error.message) == (401, code, message)
    assert key not in str(error)


def test_insufficient_credit(driver: Driver, sandbox: Sandbox) -> None:
    with pytest.raises(InsufficientCreditError) as caught:
        driver.send(
            originator=LINE, recipients=[f"0912000{i:04d}" for i in range(10)], message="x" * 20_000
        )
    error = caught.value
    assert (error.status_code, error.code) == (400, "10006")
    assert isinstance(error.code, ErrorCode)
    assert error.code.meaning == "the credit is not enough"
    assert "credit" in error.message
    assert sandbox.outbox == ()
    assert sandbox.credit() == Decimal(1000)


def test_not_found(driver: Driver) -> None:
    with pytest.raises(NotFoundError) as caught:
        driver.get(123)
    assert (caught.value.status_code, caught.value.code) == (404, "404")


@pytest.mark.parametrize(
    ("kwargs", "code", "status", "kind"),
    [
        ({"originator": "+98111"}, ErrorCode.LINE_NOT_ASSIGNED, 403, PermissionDeniedError),
        (
            {"recipients": [f"0912000{i:04d}" for i in range(51)]},
            ErrorCode.TOO_MANY_RECIPIENTS,
            400,
            APIError,
        ),
    ],
)
def test_business_errors_carry_their_code(
    driver: Driver,
    sandbox: Sandbox,
    kwargs: dict[str, Any],
    code: ErrorCode,
    status: int,
    kind: type[APIError],
) -> None:
    arguments: dict[str, Any] = {"originator": LINE, "recipients": ["09121234567"], "message": "x"}
    with pytest.raises(APIError) as caught:
        driver.send(**{**arguments, **kwargs})
    assert type(caught.value) is kind
    assert caught.value.code == code
    assert caught.value.status_code == status
    assert str(caught.value).startswith(f"HTTP {status}, code {code}: ")
    assert caught.value.headers["content-type"] == "application/json"
    assert sandbox.outbox == ()


def test_pattern_errors(driver: Driver, sandbox: Sandbox) -> None:
    pattern = driver.create_pattern(pattern="Hi %name%")
    with pytest.raises(APIError) as inactive:
        driver.send_pattern(
            pattern_code=pattern.code,
            originator=LINE,
            recipient="09121234567",
            values={"name": "a"},
        )
    assert inactive.value.code == ErrorCode.PATTERN_INACTIVE
    sandbox.approve_pattern(pattern.code)
    with pytest.raises(APIError) as mismatch:
        driver.send_pattern(
            pattern_code=pattern.code, originator=LINE, recipient="09121234567", values={"x": "a"}
        )
    assert mismatch.value.code == ErrorCode.PATTERN_PARAMETERS_INVALID
    assert sandbox.outbox == ()


@pytest.mark.parametrize("form", ["objects", "strings"])
def test_validation_error_field_errors(form: Any) -> None:
    sandbox = Sandbox(KEY, validation_errors=form, auto_approve=True)
    with sandbox.serve() as base_url, SpeedPayamak(KEY, base_url=base_url) as client:
        code = client.patterns.create(pattern="Code %code%").code
        # Only the raw generated path can put a non-string value on the wire.
        values = PatternValues.from_dict({"code": 1234})
        body = SendPatternRequest(
            pattern_code=code, originator=LINE, recipient="+989121234567", values=values
        )
        with pytest.raises(ValidationError) as caught:
            unwrap(send_pattern.sync_detailed(client=client.raw, body=body))
    error = caught.value
    assert (error.status_code, error.code) == (422, "422")
    assert error.field_errors == {
        "values": ["Unmarshal type error: expected=string, got=number, field=values"]
    }
    assert "values: Unmarshal type error" in str(error)
    assert error.body.startswith(b"{")
    assert sandbox.outbox == ()


def test_injected_http_client_is_used_as_given(sandbox: Sandbox) -> None:
    seen: list[httpx.Request] = []
    with httpx.Client(
        transport=sandbox.transport(),
        headers={"X-Team": "payments"},
        event_hooks={"request": [seen.append]},
    ) as http:
        with SpeedPayamak(KEY, base_url="https://sandbox.test", http_client=http) as client:
            assert client.credit() == 1000
        assert [r.url.path for r in seen] == ["/v1/credit"]
        assert seen[0].headers["authorization"] == f"AccessKey {KEY}"
        assert "authorization" not in http.headers  # not mutated
        assert dict(http.headers)["x-team"] == "payments"
        assert not http.is_closed  # closing the SDK client leaves it to its owner
        assert http.get("https://sandbox.test/v1/credit").status_code == 401


def test_success_is_decided_by_status_and_envelope_never_by_code(
    driver: Driver, sandbox: Sandbox
) -> None:
    """A 200 whose code looks like an error is still a success; a 200 carrying an error
    payload is the error it describes."""
    json_type = (("Content-Type", "application/json"),)
    odd_code = b'{"status": "OK", "code": "10006", "message": "Ok", "data": {"credit": 12.5}}'
    sandbox.inject(Fault.answer(200, odd_code, json_type), path="/v1/credit")
    assert driver.credit() == 12.5
    refusal = (
        b'{"status": "ERROR", "code": "10006", "message": "credit not enough",'
        b' "data": {"error": "credit not enough"}}'
    )
    sandbox.inject(Fault.answer(200, refusal, json_type), path="/v1/messages")
    with pytest.raises(InsufficientCreditError) as caught:
        driver.send(originator=LINE, recipients=["09120000001"], message="x")
    assert (caught.value.status_code, caught.value.message) == (200, "credit not enough")


@pytest.mark.parametrize(
    "meta",
    [
        {"total": 50, "pages": 5, "limit": 10, "page": 0, "prev": None, "next": None},  # next null
        {"total": 50, "pages": 1, "limit": 10, "page": 0, "prev": None, "next": "/v1/x?page=1"},
    ],
    ids=["next is null", "page + 1 >= pages"],
)
def test_listings_stop_where_meta_says_the_last_page_is(
    driver: Driver, sandbox: Sandbox, meta: dict[str, Any]
) -> None:
    message = {"number": LINE, "message": "hi", "sender": "+989120000001"}
    page = {"messages": [{**message, "time": "2026-01-01T08:00:00Z", "type": "normal"}]}
    body = {"status": "OK", "code": 200, "message": "Ok", "data": page, "meta": meta}
    answer = json.dumps(body).encode()
    sandbox.inject(Fault.answer(200, answer, (("Content-Type", "application/json"),)))
    assert [m.message for m in driver.inbox(page_size=10)] == ["hi"]
    assert sandbox.requests_to("GET", "/v1/messages/inbox") == 1
