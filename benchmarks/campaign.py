"""A campaign of 100,000 recipients in chunks of 100 against the sandbox served in its
own process with 20 ms of latency per answer: sequential against `concurrency=16` (sync
and async), no journal against SQLite and PostgreSQL at 16 threads in one process, and
PostgreSQL shared by 4 processes of 4 threads each; and at no latency, 16 threads against
one, which shows what the campaign's own bookkeeping costs. Each run's result is checked
to hold every chunk with a bulk id of its own."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from statistics import median
from typing import Any, Literal

from speedpayamak import AsyncSpeedPayamak, SpeedPayamak

from benchmarks._servers import served
from tests.postgres import PostgresServer

KEY, LINE = "bench-key", "+9850002"
COUNT = 100_000
RECIPIENTS = [f"+98912{n:07d}" for n in range(COUNT)]
LATENCY = 0.02
ROOT = Path(__file__).parent.parent


def _sync(base_url: str, concurrency: int, **journal: Any) -> float:
    with SpeedPayamak(KEY, base_url=base_url) as client:
        started = time.perf_counter()
        result = client.messages.send_bulk(
            originator=LINE,
            recipients=RECIPIENTS,
            message="x",
            concurrency=concurrency,
            **journal,
        )
        seconds = time.perf_counter() - started
    assert len(set(result.bulk_ids)) == COUNT // 100
    return seconds


def _async(base_url: str, concurrency: int, backend: Literal["httpx", "aiohttp"]) -> float:
    async def main() -> float:
        async with AsyncSpeedPayamak(KEY, base_url=base_url, http_backend=backend) as client:
            started = time.perf_counter()
            result = await client.messages.send_bulk(
                originator=LINE, recipients=RECIPIENTS, message="x", concurrency=concurrency
            )
            seconds = time.perf_counter() - started
        assert len(set(result.bulk_ids)) == COUNT // 100
        return seconds

    return asyncio.run(main())


def _processes(base_url: str, count: int, concurrency: int, url: str) -> float:
    """`count` worker processes sharing one campaign in PostgreSQL: from the first one's
    start of send_bulk to the last one's end (interpreter start-up excluded)."""
    settings = {
        "key": KEY,
        "line": LINE,
        "base_url": base_url,
        "recipients": COUNT,
        "chunk_size": 100,
        "concurrency": concurrency,
        "journal": url,
        "campaign": f"bench-{uuid.uuid4().hex[:8]}",
        "timed": True,
    }
    command = [sys.executable, "-m", "tests.campaign_worker", json.dumps(settings)]
    runs = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(count)
    ]
    reports = [json.loads(run.communicate(timeout=600)[0]) for run in runs]
    assert all(report["ok"] for report in reports), reports
    assert len({bulk_id for bulk_id, _ in reports[0]["accepted"]}) == COUNT // 100
    seconds: float = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    return seconds


def _timed(run: Any, latency: float = LATENCY) -> float:
    """One case against a fresh sandbox in its own process (the single-threaded server,
    so that the sandbox's own threads do not compete with what is measured)."""
    with served("minimal", latency=latency) as server:
        seconds: float = run(server.base_url)
    return seconds


ROUNDS = 3  # the compared cases run in paired rounds; ratios are the rounds' medians


def run() -> dict[str, Any]:
    postgres = PostgresServer()
    try:
        with tempfile.TemporaryDirectory() as folder:
            sqlite = str(Path(folder) / "campaign.db")

            def in_postgres() -> dict[str, str]:
                return {"journal": postgres.url, "campaign": f"bench-{uuid.uuid4().hex[:8]}"}

            def fresh_sqlite() -> dict[str, str]:
                Path(sqlite).unlink(missing_ok=True)
                return {"journal": sqlite}

            once = {
                "sync, sequential": _timed(lambda url: _sync(url, 1)),
                "async, concurrency 16": _timed(lambda url: _async(url, 16, "httpx")),
                "async aiohttp, concurrency 16": _timed(lambda url: _async(url, 16, "aiohttp")),
            }
            paired: dict[str, Any] = {
                "sync, concurrency 16": lambda: _timed(lambda url: _sync(url, 16)),
                "sync, concurrency 16, SQLite": lambda: _timed(
                    lambda url: _sync(url, 16, **fresh_sqlite())
                ),
                "sync, concurrency 16, PostgreSQL": lambda: _timed(
                    lambda url: _sync(url, 16, **in_postgres())
                ),
                "4 processes x 4, PostgreSQL": lambda: _timed(
                    lambda url: _processes(url, 4, 4, postgres.url)
                ),
                "no latency: sync, sequential": lambda: _timed(lambda url: _sync(url, 1), 0.0),
                "no latency: sync, concurrency 16": lambda: _timed(lambda url: _sync(url, 16), 0.0),
            }
            rounds = [{name: case() for name, case in paired.items()} for _ in range(ROUNDS)]
    finally:
        postgres.close()
    seconds = {**once, **{name: median(r[name] for r in rounds) for name in paired}}

    def ratio(case: str, base: str) -> float:
        return float(median(r[case] / r[base] for r in rounds))

    base = "sync, concurrency 16"
    ratios = {
        "speedup_16": seconds["sync, sequential"] / seconds[base],
        "async_speedup_16": seconds["sync, sequential"] / seconds["async, concurrency 16"],
        "aiohttp_speedup_16": seconds["sync, sequential"]
        / seconds["async aiohttp, concurrency 16"],
        "sqlite_cost": ratio("sync, concurrency 16, SQLite", base),
        "postgres_cost": ratio("sync, concurrency 16, PostgreSQL", base),
        "processes_cost": ratio("4 processes x 4, PostgreSQL", "sync, concurrency 16, PostgreSQL"),
        "zero_latency_16_vs_1": ratio(
            "no latency: sync, concurrency 16", "no latency: sync, sequential"
        ),
    }
    goals = {
        "sqlite_cost": 1.10,
        "postgres_cost": 1.20,
        "processes_cost": 1.10,
        "zero_latency_16_vs_1": 1.0,
    }
    return {
        "recipients": COUNT,
        "chunk_size": 100,
        "latency_s": LATENCY,
        "rounds": ROUNDS,
        "seconds": seconds,
        "round_seconds": rounds,
        **ratios,
        "goals": {name: f"<= {limit:.2f}x" for name, limit in goals.items()},
        "met": {name: ratios[name] <= limit for name, limit in goals.items()},
        "speedup_goal": ">= 10x",
        "speedup_met": ratios["speedup_16"] >= 10 and ratios["async_speedup_16"] >= 10,
    }
