"""The pytest plugin, used as a consumer's test suite would use it: a separate test file
run by pytester, with nothing but the installed package."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONSUMER = """
import asyncio

import pytest
from speedpayamak import InsufficientCreditError


def notify(client, number):
    return client.messages.send(originator="+9850002", recipients=[number], message="hi")


def test_sends_through_the_sandbox(speedpayamak_client, speedpayamak_sandbox):
    bulk_id = notify(speedpayamak_client, "09120000001")
    assert speedpayamak_sandbox.outbox[0].bulk_id == bulk_id


def test_each_test_gets_a_fresh_sandbox(speedpayamak_sandbox):
    assert speedpayamak_sandbox.outbox == ()


@pytest.mark.speedpayamak_sandbox(credit=0)
def test_a_marker_sets_the_sandbox(speedpayamak_client):
    with pytest.raises(InsufficientCreditError):
        notify(speedpayamak_client, "09120000001")


def test_the_async_client(async_speedpayamak_client, speedpayamak_sandbox):
    async def main():
        return await async_speedpayamak_client.credit()

    assert asyncio.run(main()) == float(speedpayamak_sandbox.credit())
"""

OVERRIDE = """
import pytest


@pytest.fixture
def speedpayamak_sandbox_settings():
    return {"credit": 7, "auto_approve": True}


def test_an_overriding_fixture_sets_the_sandbox(speedpayamak_client):
    assert speedpayamak_client.credit() == 7
    assert speedpayamak_client.patterns.create(pattern="A %a%").status == "active"
"""


def test_the_fixtures_work_in_a_consumers_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_consumer=CONSUMER, test_override=OVERRIDE)
    result = pytester.runpytest_subprocess(
        "--strict-markers", "-W", "error", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=5)
