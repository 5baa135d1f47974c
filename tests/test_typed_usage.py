"""The service-style code in tests/typing/consumer.py runs, as well as type-checks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from speedpayamak import AsyncSpeedPayamak, SpeedPayamak
from speedpayamak.testing import Sandbox

from tests.conftest import KEY, LINE
from tests.postgres import PostgresServer
from tests.typing import consumer


def test_sync_service_code(sandbox: Sandbox) -> None:
    sandbox.auto_approve = True
    with sandbox.serve() as base_url, SpeedPayamak(KEY, base_url=base_url) as client:
        bulk_id = consumer.notify_customers(client, LINE, ["09121234567", "09351234567"], "Sale!")
        assert bulk_id is not None
        sandbox.advance(10)
        report = consumer.delivery_report(client, bulk_id)
        assert report == {"parts": 1, "recipients": 2, "delivered": 2, "sent_year": 2026}
        pattern = client.patterns.create(pattern="Code: %code%")
        otp_id = consumer.send_otp(client, pattern.code, LINE, "09121234567", 4821)
        assert sandbox.outbox[-1].bulk_id == otp_id
        assert consumer.credit_left(client) == 997
        assert (
            consumer.notify_customers(
                client, LINE, [f"0912000{i:04d}" for i in range(50)], "x" * 10_000
            )
            is None
        )
        sandbox.receive("09120000000", LINE, "stop")
        assert consumer.first_page_total(client) == 1


def test_async_service_code(sandbox: Sandbox) -> None:
    sandbox.receive("09120000000", LINE, "yes")

    async def main() -> tuple[list[str], list[int], str]:
        async with httpx.AsyncClient(transport=sandbox.async_transport()) as http:
            client = AsyncSpeedPayamak(KEY, base_url="https://sandbox.test", http_client=http)
            ids = await consumer.send_all(client, LINE, ["09121234567", "09351234567"])
            return await consumer.replies(client), ids, await consumer.account_summary(client)

    texts, ids, summary = asyncio.run(main())
    assert texts == ["+989120000000: yes at 2026-01-01T08:00:00+00:00"]
    assert sorted(ids) == [m.bulk_id for m in sandbox.outbox]
    assert summary == "sandbox1: 998.0"


def test_keyed_codes_follow_and_shared_campaigns(tmp_path: Path, postgres: PostgresServer) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], auto_approve=True)
    with (
        sandbox.serve() as base_url,
        SpeedPayamak(KEY, base_url=base_url, journal=tmp_path / "keys.db") as client,
    ):
        pattern = client.patterns.create(pattern="Code: %code%").code
        first = consumer.send_code_once(client, pattern, LINE, "09121234567", "c-1")
        assert first is not None
        assert consumer.send_code_once(client, pattern, LINE, "09121234567", "c-1") == first
        sandbox.advance(10)
        assert consumer.delivered(client, first) == (["+989121234567"], [])
        numbers = [f"0912000{i:04d}" for i in range(30)]
        result = consumer.shared_campaign(client, postgres.url, LINE, numbers)
        assert result.ok
        assert len(result.accepted_recipients) == 30
    assert len(sandbox.outbox) == 2


def test_following_on_the_async_client() -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])

    async def main() -> list[str]:
        async with AsyncSpeedPayamak(
            KEY, base_url="https://s.test", transport=sandbox.async_transport()
        ) as client:
            bulk_id = await client.messages.send(
                originator=LINE, recipients=["09121234567"], message="x"
            )
            sandbox.advance(10)
            return await consumer.follow_async(client, bulk_id)

    assert asyncio.run(main()) == ["delivered"]
