"""A campaign of 100,000 recipients in chunks of 100 against the sandbox served over HTTP
with 20 ms of latency per answer: sequential against `concurrency=16` (sync and async),
and the journal on against off, in one run."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from speedpayamak import AsyncSpeedPayamak, SpeedPayamak
from speedpayamak.testing import Sandbox

KEY, LINE = "bench-key", "+9850002"
RECIPIENTS = [f"+98912{n:07d}" for n in range(100_000)]
LATENCY = 0.02


def _sync(base_url: str, concurrency: int, journal: Path | None) -> float:
    with SpeedPayamak(KEY, base_url=base_url) as client:
        started = time.perf_counter()
        client.messages.send_bulk(
            originator=LINE,
            recipients=RECIPIENTS,
            message="x",
            concurrency=concurrency,
            journal=journal,
        )
        return time.perf_counter() - started


def _async(base_url: str, concurrency: int, backend: Literal["httpx", "aiohttp"]) -> float:
    async def main() -> float:
        async with AsyncSpeedPayamak(KEY, base_url=base_url, http_backend=backend) as client:
            started = time.perf_counter()
            await client.messages.send_bulk(
                originator=LINE, recipients=RECIPIENTS, message="x", concurrency=concurrency
            )
            return time.perf_counter() - started

    return asyncio.run(main())


def _timed(name: str, run: Any) -> float:
    sandbox = Sandbox(KEY, credit=10**7, lines=[LINE], max_recipients=100, latency=LATENCY)
    with sandbox.serve() as base_url:
        seconds: float = run(base_url)
    assert len(sandbox.outbox) == len(RECIPIENTS) // 100, name
    return seconds


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "campaign.db"
        seconds = {
            "sync, sequential": _timed("seq", lambda url: _sync(url, 1, None)),
            "sync, concurrency 16": _timed("c16", lambda url: _sync(url, 16, None)),
            "sync, concurrency 16, journal": _timed("j", lambda url: _sync(url, 16, journal)),
            "async, concurrency 16": _timed("a16", lambda url: _async(url, 16, "httpx")),
            "async aiohttp, concurrency 16": _timed(
                "aio16", lambda url: _async(url, 16, "aiohttp")
            ),
        }
    speedup = seconds["sync, sequential"] / seconds["sync, concurrency 16"]
    async_speedup = seconds["sync, sequential"] / seconds["async, concurrency 16"]
    aiohttp_speedup = seconds["sync, sequential"] / seconds["async aiohttp, concurrency 16"]
    journal_cost = seconds["sync, concurrency 16, journal"] / seconds["sync, concurrency 16"]
    return {
        "recipients": len(RECIPIENTS),
        "chunk_size": 100,
        "latency_s": LATENCY,
        "seconds": seconds,
        "speedup_16": speedup,
        "async_speedup_16": async_speedup,
        "aiohttp_speedup_16": aiohttp_speedup,
        "journal_cost": journal_cost,
        "speedup_goal": ">= 10x",
        "speedup_met": speedup >= 10 and async_speedup >= 10,
        "journal_goal": "<= 1.10x",
        "journal_met": journal_cost <= 1.10,
    }
