"""3. Async throughput: pattern sends at a fixed concurrency through AsyncSpeedPayamak,
against raw httpx.AsyncClient posting the same JSON to the same server."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from speedpayamak import AsyncSpeedPayamak

from ._serve import KEY, LINE
from ._servers import served

SENDS = 5000
CONCURRENCY = 50
ROUNDS = 5
# The stdlib server was tried too: at this concurrency the client's connection pool, not
# the server, sets the pace, and the threaded server only adds noise.
SERVERS = ("minimal",)


async def _drive(send: Callable[[int], Awaitable[object]]) -> float:
    """Sends per second with CONCURRENCY workers sharing SENDS sends."""
    counter = iter(range(SENDS))

    async def worker() -> None:
        for n in counter:
            await send(n)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return SENDS / (time.perf_counter() - start)


async def _measure(base_url: str) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {"raw httpx": [], "speedpayamak": []}
    async with (
        AsyncSpeedPayamak(KEY, base_url=base_url) as sdk,
        httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"AccessKey {KEY}"}) as raw,
    ):
        code = (await sdk.patterns.create(pattern="Your code is %code%")).code

        async def raw_send(n: int) -> object:
            body = {
                "pattern_code": code,
                "originator": LINE,
                "recipient": "+989120000001",
                "values": {"code": str(n)},
            }
            return json.loads((await raw.post("/v1/messages/patterns/send", json=body)).content)[
                "data"
            ]["bulk_id"]

        async def sdk_send(n: int) -> object:
            return await sdk.patterns.send(
                pattern_code=code, originator=LINE, recipient="+989120000001", values={"code": n}
            )

        await _drive(raw_send)  # warm both pools
        await _drive(sdk_send)
        for _ in range(ROUNDS):
            rates["raw httpx"].append(await _drive(raw_send))
            rates["speedpayamak"].append(await _drive(sdk_send))
    return rates


def run() -> dict[str, Any]:
    results: dict[str, Any] = {"sends": SENDS, "concurrency": CONCURRENCY, "rounds": ROUNDS}
    for server in SERVERS:
        with served(server) as target:
            rates = asyncio.run(_measure(target.base_url))
        raw, ours = statistics.median(rates["raw httpx"]), statistics.median(rates["speedpayamak"])
        # Rounds alternate the two clients; the median of each round's ratio resists drift.
        paired = statistics.median(
            o / r for o, r in zip(rates["speedpayamak"], rates["raw httpx"], strict=True)
        )
        results[server] = {
            "raw httpx sends/s": {
                "median": raw,
                "low": min(rates["raw httpx"]),
                "high": max(rates["raw httpx"]),
            },
            "speedpayamak sends/s": {
                "median": ours,
                "low": min(rates["speedpayamak"]),
                "high": max(rates["speedpayamak"]),
            },
            "ratio_of_medians": ours / raw,
            "ratio": paired,
            "goal": ">= 0.85 of raw",
            "met": paired >= 0.85,
        }
    return results
