"""Every operation x every fault the sandbox injects x sync and async, with the expected
outcome of each cell: what the call gives, how many requests the sandbox saw, and how many
sends it applied (never more than one per call). The matrix prints at the end of the run."""

from __future__ import annotations

import attrs
import httpx
import pytest
from speedpayamak import (
    OutcomeUnknownError,
    ServerError,
    SpeedPayamakError,
    UnexpectedResponseError,
)
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import FAULT_MATRIX, KEY, LINE, Mode, open_driver
from tests.operations import OPERATIONS


@pytest.fixture(params=["sync", "async", "aiohttp"])
def mode(request: pytest.FixtureRequest) -> Mode:
    """Every client here runs sync, async, and async on the aiohttp backend."""
    value: Mode = request.param
    return value


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
    "429 Retry-After": Row(Fault.status_code(429, retry_after=1), Expect(OK, 2), Expect(OK, 2, 1)),
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
        sandbox.inject(row.fault, method=operation.method, path=operation.glob)
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
