"""Every operation x every fault the sandbox injects x sync and async, with the expected
outcome of each cell: what the call gives, how many requests the sandbox saw, and how many
sends it applied (never more than one per call). The matrix prints at the end of the run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import httpx
import pytest
from speedpayamak import (
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    SpeedPayamakError,
    UnexpectedResponseError,
)
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import FAULT_MATRIX, KEY, LINE, Driver, Mode, open_driver

OK = "ok"


@attrs.frozen
class Expect:
    """A cell's expected outcome: OK or an error type, the requests seen, the sends applied."""

    outcome: str | type[SpeedPayamakError]
    requests: int
    applied: int = 0


@attrs.frozen
class Row:
    fault: Fault
    get: Expect  # for every GET operation
    post: Expect  # for every POST (a send applies when `applied` is 1)


ROWS: dict[str, Row] = {
    "429 Retry-After": Row(
        Fault.status_code(429, retry_after=1), Expect(OK, 2), Expect(RateLimitError, 1)
    ),
    "500": Row(Fault.status_code(500), Expect(OK, 2), Expect(ServerError, 1)),
    "502 HTML": Row(Fault.html_page(502), Expect(OK, 2), Expect(UnexpectedResponseError, 1)),
    "503": Row(Fault.status_code(503), Expect(OK, 2), Expect(ServerError, 1)),
    "not JSON": Row(
        Fault.malformed_body("not_json"),
        Expect(UnexpectedResponseError, 1),
        Expect(UnexpectedResponseError, 1, 1),
    ),
    "truncated JSON": Row(
        Fault.malformed_body("truncated_json"),
        Expect(UnexpectedResponseError, 1),
        Expect(UnexpectedResponseError, 1, 1),
    ),
    "data null": Row(
        Fault.malformed_body("data_null"),
        Expect(UnexpectedResponseError, 1),
        Expect(UnexpectedResponseError, 1, 1),
    ),
    "fields missing": Row(
        Fault.malformed_body("missing_fields"),
        Expect(UnexpectedResponseError, 1),
        Expect(UnexpectedResponseError, 1, 1),
    ),
    "JSON list": Row(
        Fault.malformed_body("json_list"),
        Expect(UnexpectedResponseError, 1),
        Expect(UnexpectedResponseError, 1, 1),
    ),
    "timeout": Row(Fault.delay(0.4), Expect(OK, 2), Expect(OutcomeUnknownError, 1, 1)),
    "drop before": Row(
        Fault.drop_before_processing(), Expect(OK, 2), Expect(OutcomeUnknownError, 1, 0)
    ),
    "drop after": Row(
        Fault.drop_after_processing(), Expect(OK, 2), Expect(OutcomeUnknownError, 1, 1)
    ),
}


@attrs.frozen
class Operation:
    method: str
    path: str
    call: Callable[[Driver, int, str], Any]
    sends: bool = False  # whether it adds to the outbox


OPERATIONS: dict[str, Operation] = {
    "user": Operation("GET", "/v1/user", lambda d, b, p: d.user()),
    "credit": Operation("GET", "/v1/credit", lambda d, b, p: d.credit()),
    "get": Operation("GET", "/v1/messages/*", lambda d, b, p: d.get(b)),
    "recipients": Operation("GET", "/v1/messages/*/recipients", lambda d, b, p: d.recipients(b)),
    "inbox": Operation("GET", "/v1/messages/inbox", lambda d, b, p: d.inbox()),
    "send": Operation(
        "POST",
        "/v1/messages",
        lambda d, b, p: d.send(originator=LINE, recipients=["09120000001"], message="x"),
        sends=True,
    ),
    "create pattern": Operation(
        "POST", "/v1/messages/patterns", lambda d, b, p: d.create_pattern(pattern="A %a%")
    ),
    "send pattern": Operation(
        "POST",
        "/v1/messages/patterns/send",
        lambda d, b, p: d.send_pattern(
            pattern_code=p, originator=LINE, recipient="09120000001", values={"a": "1"}
        ),
        sends=True,
    ),
}


@pytest.mark.parametrize("fault_name", list(ROWS))
@pytest.mark.parametrize("op_name", list(OPERATIONS))
def test_fault_matrix(fault_name: str, op_name: str, mode: Mode, sleeps: list[float]) -> None:
    row, operation = ROWS[fault_name], OPERATIONS[op_name]
    expect = row.get if operation.method == "GET" else row.post
    if not operation.sends:
        expect = attrs.evolve(expect, applied=0)
    sandbox = Sandbox(KEY, credit=1000, lines=[LINE], auto_approve=True)
    timeout = httpx.Timeout(5, read=0.2)
    with open_driver(sandbox, mode, "transport", max_retries=2, timeout=timeout) as driver:
        bulk_id = driver.send(originator=LINE, recipients=["09120000002"], message="setup")
        pattern_code = driver.create_pattern(pattern="A %a%").code
        sandbox.receive("09120000003", LINE, "a reply")
        before_requests, before_sent = len(sandbox.requests), len(sandbox.outbox)
        sandbox.inject(row.fault, method=operation.method, path=operation.path)
        try:
            operation.call(driver, bulk_id, pattern_code)
            outcome: str | type[SpeedPayamakError] = OK
        except SpeedPayamakError as error:
            outcome = type(error)
    requests = len(sandbox.requests) - before_requests
    applied = len(sandbox.outbox) - before_sent
    shown = outcome if isinstance(outcome, str) else outcome.__name__.removesuffix("Error")
    FAULT_MATRIX[(fault_name, op_name, mode)] = f"{shown}/{requests}/{applied}"
    assert (outcome, requests, applied) == (expect.outcome, expect.requests, expect.applied)
    assert applied <= 1
