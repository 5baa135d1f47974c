"""What users of other typed SDKs reach for: default headers, the response's headers and
request id on errors, logging switched on from the environment, timeout errors that say
how many attempts were made, and listings that start at a given page."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from speedpayamak import (
    APITimeoutError,
    InvalidRequestError,
    NotFoundError,
    SpeedPayamak,
)
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE, Driver, Mode, open_driver


def test_default_headers_are_sent_and_derived_clients_add_theirs(sandbox: Sandbox) -> None:
    seen: list[httpx.Headers] = []

    def record(request: httpx.Request) -> None:
        seen.append(request.headers)

    caller = httpx.Client(transport=sandbox.transport(), event_hooks={"request": [record]})
    client = SpeedPayamak(
        KEY, base_url="https://s.test", http_client=caller, default_headers={"X-Service": "a"}
    )
    client.credit()
    client.with_options(default_headers={"X-Trace": "t1"}).messages.send(
        originator=LINE, recipients=["09120000001"], message="x"
    )
    client.close()
    caller.close()
    assert seen[0]["X-Service"] == "a"
    assert "X-Trace" not in seen[0]
    assert (seen[1]["X-Service"], seen[1]["X-Trace"]) == ("a", "t1")
    assert seen[1]["Content-Type"] == "application/json"
    assert seen[1]["Authorization"] == f"AccessKey {KEY}"


@pytest.mark.parametrize(
    "headers", [{"Authorization": "Bearer x"}, {"X-Bad": "\u200b"}, {"X-Bad": "a\nb"}]
)
def test_default_headers_that_cannot_be_sent_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(InvalidRequestError):
        SpeedPayamak(KEY, default_headers=headers)


def test_errors_carry_the_response_headers_and_request_id(driver: Driver, sandbox: Sandbox) -> None:
    answer = b'{"status": "NOT_FOUND", "code": "404", "message": "not found", "data": null}'
    headers = (("Content-Type", "application/json"), ("X-Request-Id", "req-42"))
    sandbox.inject(Fault.answer(404, answer, headers))
    with pytest.raises(NotFoundError) as caught:
        driver.get(7)
    assert caught.value.request_id == "req-42"
    assert caught.value.headers["content-type"] == "application/json"


def test_a_timeout_error_says_how_many_attempts_over_how_long(
    sandbox: Sandbox, mode: Mode, sleeps: list[float]
) -> None:
    sandbox.inject(Fault.delay(0.3), path="/v1/credit", times=3)
    timeout = httpx.Timeout(5, read=0.1)
    with (
        open_driver(sandbox, mode, "transport", timeout=timeout, max_retries=2) as driver,
        pytest.raises(APITimeoutError) as caught,
    ):
        driver.credit()
    assert caught.value.attempts == 3
    assert caught.value.elapsed is not None
    assert "after 3 attempt(s) over" in str(caught.value)


def test_a_listing_can_start_at_a_page(driver: Driver, sandbox: Sandbox) -> None:
    numbers = [f"0912000{i:04d}" for i in range(25)]
    bulk_id = driver.send(originator=LINE, recipients=numbers, message="x")
    rest = driver.collect(
        lambda client: client.messages.recipients(bulk_id, page_size=10, start_page=2)
    )
    assert len(rest) == 5
    with pytest.raises(InvalidRequestError, match="start_page"):
        driver.collect(lambda client: client.messages.inbox(start_page=-1))


def test_speedpayamak_log_shows_the_log_without_secrets(sandbox: Sandbox) -> None:
    program = f"""
from speedpayamak import SpeedPayamak
with SpeedPayamak("{KEY}", base_url="{{url}}", max_retries=1) as client:
    client.messages.send_bulk(originator="{LINE}", recipients=["09121234567", "09127654321"],
                              message="a secret text", chunk_size=1)
    client.credit()
"""
    sandbox.inject(Fault.status_code(503), path="/v1/credit")
    with sandbox.serve() as base_url:
        done = subprocess.run(
            [sys.executable, "-c", program.replace("{url}", base_url)],
            capture_output=True,
            text=True,
            env={**os.environ, "SPEEDPAYAMAK_LOG": "debug"},
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    log = done.stderr
    assert "retrying GET /v1/credit" in log
    assert "POST /v1/messages -> HTTP 200" in log
    assert "*******4567" in log  # masked: the last four digits only
    for secret in (KEY, "a secret text", "9121234567", "9127654321"):
        assert secret not in log
