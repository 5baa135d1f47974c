"""Answers the contract rules out are unexpected answers, read at the one checkpoint: a
credit that is not a finite number, an id outside 1..2**63-1. For a send, the error says
the SMS may have gone out, and the send is not repeated. Statuses stay open sets."""

from __future__ import annotations

import json

import pytest
from speedpayamak import UnexpectedResponseError
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import LINE, Driver


def envelope(data: str) -> bytes:
    return b'{"status": "OK", "code": "OK", "message": "Ok", "data": ' + data.encode() + b"}"


@pytest.mark.parametrize("credit", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_credit_that_is_not_a_finite_number_is_unexpected(
    driver: Driver, sandbox: Sandbox, credit: str
) -> None:
    sandbox.inject(Fault.answer(200, envelope(f'{{"credit": {credit}}}')), method="GET")
    with pytest.raises(UnexpectedResponseError, match="finite number"):
        driver.call(lambda client: client.credit())


@pytest.mark.parametrize("bulk_id", [2**63, 2**70, 0, -5])
def test_a_bulk_id_outside_the_contract_says_the_sms_may_have_gone_out(
    driver: Driver, sandbox: Sandbox, bulk_id: int
) -> None:
    sandbox.inject(Fault.answer(200, envelope(json.dumps({"bulk_id": bulk_id}))), method="POST")
    with pytest.raises(UnexpectedResponseError, match="may have been sent") as refused:
        driver.call(
            lambda client: client.messages.send(
                originator=LINE, recipients=["09120000001"], message="x"
            )
        )
    assert str(bulk_id) in str(refused.value)
    assert len([r for r in sandbox.requests if r.method == "POST"]) == 1  # not repeated


def test_the_largest_int64_bulk_id_and_an_unknown_status_are_accepted(
    driver: Driver, sandbox: Sandbox
) -> None:
    largest = 2**63 - 1
    sandbox.inject(Fault.answer(200, envelope(json.dumps({"bulk_id": largest}))), method="POST")
    sent = driver.call(
        lambda client: client.messages.send(
            originator=LINE, recipients=["09120000001"], message="x"
        )
    )
    assert sent == largest
    page = envelope('{"recipients": [{"recipient": "+989120000001", "status": "on-its-way"}]}')
    meta = (
        b', "meta": {"total": 1, "pages": 1, "limit": 100, "page": 0, "prev": null, "next": null}}'
    )
    sandbox.inject(Fault.answer(200, page[:-1] + meta), method="GET")
    statuses = driver.collect(lambda client: client.messages.recipients(7))
    assert [r.status for r in statuses] == ["on-its-way"]
