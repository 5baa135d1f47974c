"""Retries and faults, counted at the sandbox: nothing lost, nothing sent twice."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from speedpayamak import (
    APIConnectionError,
    APITimeoutError,
    AsyncSpeedPayamak,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    SpeedPayamak,
    UnexpectedResponseError,
)
from speedpayamak._retry import RetryPolicy, retry_after
from speedpayamak.errors import APIError, SpeedPayamakError
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE, Mode, Wire, open_driver


@pytest.fixture(params=["sync", "async", "aiohttp"])
def mode(request: pytest.FixtureRequest) -> Mode:
    """Every client here runs sync, async, and async on the aiohttp backend."""
    value: Mode = request.param
    return value


SEND: dict[str, Any] = {"originator": LINE, "recipients": ["09121234567"], "message": "hi"}


# --- the policy, as pure functions ------------------------------------------------------


def _error(status: int) -> APIError:
    return APIError(status_code=status, code=str(status), message="x")


@pytest.mark.parametrize(
    ("method", "error", "attempt", "expected"),
    [
        ("GET", _error(503), 0, True),
        ("GET", _error(503), 2, False),  # out of retries
        ("GET", _error(429), 0, True),
        ("GET", _error(500), 1, True),
        ("GET", _error(400), 0, False),
        ("GET", _error(404), 0, False),
        ("GET", APITimeoutError("t"), 0, True),
        ("GET", APIConnectionError("c"), 0, True),
        ("POST", _error(503), 0, False),
        ("POST", _error(429), 0, True),  # refused unprocessed, so safe to repeat
        ("POST", _error(429), 2, False),
        ("POST", APIConnectionError("refused", request_sent=False), 0, True),
        ("POST", APIConnectionError("refused", request_sent=False), 2, False),
        ("POST", OutcomeUnknownError("dropped"), 0, False),
        ("GET", UnexpectedResponseError("html", status_code=502, body=b"<html>"), 0, True),
        ("GET", UnexpectedResponseError("bad", status_code=200, body=b"x"), 0, False),
    ],
)
def test_should_retry(method: str, error: SpeedPayamakError, attempt: int, expected: bool) -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(is_send=method == "POST", error=error, attempt=attempt) is expected


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 8.0), (20, 8.0)]:
        delays = [policy.delay(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
    assert policy.delay(0, retry_after=3.0) == 3.0
    assert policy.delay(0, retry_after=1000.0) == 60.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"Retry-After": "-4"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(headers) == expected


def test_retry_after_as_an_http_date() -> None:
    in_ten = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 10))
    seconds = retry_after({"Retry-After": in_ten})
    assert seconds is not None
    assert 8 <= seconds <= 10


# --- GETs are retried -------------------------------------------------------------------


def test_get_succeeds_after_two_503s(
    sandbox: Sandbox, mode: Mode, wire: Wire, sleeps: list[float]
) -> None:
    sandbox.inject(Fault.status_code(503), method="GET", path="/v1/credit", times=2)
    with open_driver(sandbox, mode, wire) as driver:
        assert driver.credit() == 1000
    assert sandbox.requests_to("GET", "/v1/credit") == 3
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5
    assert 0.5 <= sleeps[1] <= 1.0


def test_get_gives_up_after_max_retries(sandbox: Sandbox, mode: Mode, sleeps: list[float]) -> None:
    sandbox.inject(Fault.status_code(500), path="/v1/credit", times=10)
    with (
        open_driver(sandbox, mode, "transport", max_retries=2) as driver,
        pytest.raises(ServerError) as caught,
    ):
        driver.credit()
    assert caught.value.status_code == 500
    assert sandbox.requests_to("GET", "/v1/credit") == 3
    with (
        open_driver(sandbox, mode, "transport", max_retries=0) as driver,
        pytest.raises(ServerError),
    ):
        driver.credit()
    assert sandbox.requests_to("GET", "/v1/credit") == 4


def test_retry_after_is_obeyed(sandbox: Sandbox, mode: Mode, sleeps: list[float]) -> None:
    sandbox.inject(Fault.status_code(429, retry_after=3), path="/v1/user")
    sandbox.inject(Fault.status_code(429, retry_after=86400), path="/v1/user")
    with open_driver(sandbox, mode, "http") as driver:
        assert driver.user().username == "sandbox1"
    assert sleeps == [3.0, 60.0]
    assert sandbox.requests_to("GET", "/v1/user") == 3


def test_html_gateway_error_is_retried_then_reported(
    sandbox: Sandbox, mode: Mode, sleeps: list[float]
) -> None:
    sandbox.inject(Fault.html_page(502), path="/v1/messages/inbox", times=3)
    with (
        open_driver(sandbox, mode, "http") as driver,
        pytest.raises(UnexpectedResponseError) as caught,
    ):
        driver.inbox()
    error = caught.value
    assert error.status_code == 502
    assert error.body_start.startswith("<html>")
    assert "not JSON" in str(error)
    assert sandbox.requests_to("GET", "/v1/messages/inbox") == 3


def test_a_cdn_520_is_an_unexpected_response(sandbox: Sandbox, mode: Mode) -> None:
    sandbox.inject(Fault.html_page(520), path="/v1/credit")
    with (
        open_driver(sandbox, mode, "http") as driver,
        pytest.raises(UnexpectedResponseError) as caught,
    ):
        driver.credit()
    assert caught.value.status_code == 520
    assert sandbox.requests_to("GET", "/v1/credit") == 1


@pytest.mark.parametrize(
    "form", ["not_json", "truncated_json", "data_null", "missing_fields", "json_list"]
)
def test_malformed_answers_to_a_get(sandbox: Sandbox, mode: Mode, wire: Wire, form: Any) -> None:
    sandbox.inject(Fault.malformed_body(form), path="/v1/credit")
    with (
        open_driver(sandbox, mode, wire, max_retries=2) as driver,
        pytest.raises(UnexpectedResponseError) as caught,
    ):
        driver.credit()
    assert caught.value.status_code == 200
    assert sandbox.requests_to("GET", "/v1/credit") == 1  # a 200 is an answer: not retried


def test_get_timeouts_are_retried_then_raise(sandbox: Sandbox, mode: Mode, wire: Wire) -> None:
    sandbox.inject(Fault.delay(0.3), path="/v1/credit", times=2)
    timeout = httpx.Timeout(5, read=0.1)
    with open_driver(sandbox, mode, wire, timeout=timeout, max_retries=1) as driver:
        with pytest.raises(APITimeoutError) as caught:
            driver.credit()
        assert caught.value.request_sent
        assert sandbox.requests_to("GET", "/v1/credit") == 2
        assert driver.credit() == 1000


# --- POSTs are never sent twice ---------------------------------------------------------


def test_send_whose_answer_is_lost_raises_outcome_unknown(
    sandbox: Sandbox, mode: Mode, wire: Wire
) -> None:
    sandbox.inject(Fault.drop_after_processing(), method="POST", path="/v1/messages")
    with (
        open_driver(sandbox, mode, wire, max_retries=5) as driver,
        pytest.raises(OutcomeUnknownError) as caught,
    ):
        driver.send(**SEND)
    assert "may have been sent" in str(caught.value)
    assert isinstance(caught.value, APIConnectionError)
    assert sandbox.requests_to("POST", "/v1/messages") == 1
    assert len(sandbox.outbox) == 1


def test_send_dropped_before_processing_is_still_unknown(
    sandbox: Sandbox, mode: Mode, wire: Wire
) -> None:
    sandbox.inject(Fault.drop_before_processing(), method="POST")
    with (
        open_driver(sandbox, mode, wire, max_retries=5) as driver,
        pytest.raises(OutcomeUnknownError),
    ):
        driver.send(**SEND)
    assert sandbox.requests_to("POST", "/v1/messages") == 1
    assert sandbox.outbox == ()


def test_send_that_times_out_is_not_retried(sandbox: Sandbox, mode: Mode, wire: Wire) -> None:
    sandbox.inject(Fault.delay(0.3), method="POST", path="/v1/messages/patterns/send")
    sandbox.auto_approve = True
    with open_driver(
        sandbox, mode, wire, max_retries=5, timeout=httpx.Timeout(5, read=0.1)
    ) as driver:
        code = driver.create_pattern(pattern="Code %c%").code
        with pytest.raises(OutcomeUnknownError):
            driver.send_pattern(
                pattern_code=code, originator=LINE, recipient="09121234567", values={"c": "1"}
            )
    assert sandbox.requests_to("POST", "/v1/messages/patterns/send") == 1
    assert len(sandbox.outbox) == 1


@pytest.mark.parametrize(("status", "error_type"), [(503, ServerError), (500, ServerError)])
def test_send_meeting_an_error_status_is_not_retried(
    sandbox: Sandbox, mode: Mode, status: int, error_type: type[APIError]
) -> None:
    sandbox.inject(Fault.status_code(status, retry_after=1), method="POST", times=3)
    with (
        open_driver(sandbox, mode, "http", max_retries=5) as driver,
        pytest.raises(error_type) as caught,
    ):
        driver.send(**SEND)
    assert caught.value.status_code == status
    assert caught.value.retry_after == 1.0
    assert sandbox.requests_to("POST", "/v1/messages") == 1
    assert sandbox.outbox == ()


def test_a_send_refused_with_429_is_retried_after_retry_after(
    sandbox: Sandbox, mode: Mode, sleeps: list[float]
) -> None:
    sandbox.inject(Fault.status_code(429, retry_after=2), method="POST", times=2)
    with open_driver(sandbox, mode, "http", max_retries=2) as driver:
        bulk_id = driver.send(**SEND)
    assert sleeps == [2.0, 2.0]
    assert sandbox.requests_to("POST", "/v1/messages") == 3
    assert [m.bulk_id for m in sandbox.outbox] == [bulk_id]


def test_a_send_refused_with_429_past_the_retries_raises(
    sandbox: Sandbox, mode: Mode, sleeps: list[float]
) -> None:
    sandbox.inject(Fault.status_code(429, retry_after=1), method="POST", times=3)
    with (
        open_driver(sandbox, mode, "http", max_retries=2) as driver,
        pytest.raises(RateLimitError) as caught,
    ):
        driver.send(**SEND)
    assert caught.value.retry_after == 1.0
    assert sandbox.requests_to("POST", "/v1/messages") == 3
    assert sandbox.outbox == ()


@pytest.mark.parametrize("form", ["not_json", "data_null", "json_list"])
def test_send_with_an_unreadable_answer_says_it_may_have_gone(
    sandbox: Sandbox, mode: Mode, form: Any
) -> None:
    sandbox.inject(Fault.malformed_body(form), method="POST")
    with (
        open_driver(sandbox, mode, "transport", max_retries=5) as driver,
        pytest.raises(UnexpectedResponseError) as caught,
    ):
        driver.send(**SEND)
    assert "may have been sent" in str(caught.value)
    assert sandbox.requests_to("POST", "/v1/messages") == 1
    assert len(sandbox.outbox) == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_send_to_a_closed_port_is_retried(
    sandbox: Sandbox, mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing listens at first; the backoff brings the server up, and the retry lands once."""
    port = _free_port()
    with ExitStack() as stack:

        def start_server(seconds: float) -> None:
            stack.enter_context(sandbox.serve(port=port))

        async def async_start_server(seconds: float) -> None:
            start_server(seconds)

        monkeypatch.setattr(time, "sleep", start_server)
        monkeypatch.setattr(asyncio, "sleep", async_start_server)
        base_url = f"http://127.0.0.1:{port}"
        if mode == "sync":
            with SpeedPayamak(KEY, base_url=base_url) as client:
                bulk_id = client.messages.send(**SEND)
        else:

            async def main() -> int:
                async with AsyncSpeedPayamak(KEY, base_url=base_url) as client:
                    return await client.messages.send(**SEND)

            bulk_id = asyncio.run(main())
    assert [m.bulk_id for m in sandbox.outbox] == [bulk_id]
    assert sandbox.requests_to("POST", "/v1/messages") == 1


def test_closed_port_exhausts_retries(mode: Mode, sleeps: list[float]) -> None:
    base_url = f"http://127.0.0.1:{_free_port()}"
    if mode == "sync":
        with (
            SpeedPayamak(KEY, base_url=base_url) as client,
            pytest.raises(APIConnectionError) as caught,
        ):
            client.messages.send(**SEND)
    else:

        async def main() -> None:
            async with AsyncSpeedPayamak(KEY, base_url=base_url) as client:
                await client.messages.send(**SEND)

        with pytest.raises(APIConnectionError) as caught:
            asyncio.run(main())
    assert type(caught.value) is APIConnectionError
    assert not caught.value.request_sent
    assert "nothing was sent" in str(caught.value)
    assert len(sleeps) == 2


def test_retries_are_logged(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    sandbox.inject(Fault.status_code(503), path="/v1/credit")
    caplog.set_level(logging.DEBUG, logger="speedpayamak")
    with open_driver(sandbox, "sync", "http") as driver:
        driver.credit()
    messages = [r.getMessage() for r in caplog.records if r.name == "speedpayamak"]
    assert messages[0] == "GET /v1/credit -> HTTP 503"
    assert messages[1].startswith("retrying GET /v1/credit in ")
    assert messages[1].endswith("after ServerError (attempt 2 of 3)")
    assert messages[2] == "GET /v1/credit -> HTTP 200"
