"""3. Async throughput: 5,000 pattern sends at concurrency 10 and 50 through
AsyncSpeedPayamak on each backend (httpx's default pool, aiohttp), raw httpx.AsyncClient
on each backend posting the same JSON, and the sync SDK sending one after another, all
against the same minimal server, in one run."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport
from speedpayamak import AsyncSpeedPayamak, SpeedPayamak

from ._serve import KEY, LINE
from ._servers import served

SENDS = 5000
CONCURRENCIES = (10, 50)
ROUNDS = 3
# The stdlib server was tried too: at this concurrency the client's connection pool, not
# the server, sets the pace, and the threaded server only adds noise.
SERVERS = ("minimal",)
CLIENTS = ("speedpayamak httpx", "speedpayamak aiohttp", "raw httpx", "raw aiohttp")


async def _drive(send: Callable[[int], Awaitable[object]], concurrency: int) -> float:
    """Sends per second with `concurrency` workers sharing SENDS sends."""
    counter = iter(range(SENDS))

    async def worker() -> None:
        for n in counter:
            await send(n)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return SENDS / (time.perf_counter() - start)


def _body(code: str, n: int) -> dict[str, Any]:
    values = {"code": str(n)}
    return {
        "pattern_code": code,
        "originator": LINE,
        "recipient": "+989120000001",
        "values": values,
    }


async def _measure(base_url: str, code: str, concurrency: int) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {name: [] for name in CLIENTS}
    headers = {"Authorization": f"AccessKey {KEY}"}
    async with (
        AsyncSpeedPayamak(KEY, base_url=base_url) as sdk_httpx,
        AsyncSpeedPayamak(KEY, base_url=base_url, http_backend="aiohttp") as sdk_aiohttp,
        httpx.AsyncClient(base_url=base_url, headers=headers) as raw_httpx,
        httpx.AsyncClient(
            base_url=base_url, headers=headers, transport=AiohttpTransport()
        ) as raw_aio,
    ):

        def raw(client: httpx.AsyncClient) -> Callable[[int], Awaitable[object]]:
            async def send(n: int) -> object:
                answer = await client.post("/v1/messages/patterns/send", json=_body(code, n))
                return json.loads(answer.content)["data"]["bulk_id"]

            return send

        def sdk(client: AsyncSpeedPayamak) -> Callable[[int], Awaitable[object]]:
            async def send(n: int) -> object:
                return await client.patterns.send(
                    pattern_code=code,
                    originator=LINE,
                    recipient="+989120000001",
                    values={"code": n},
                )

            return send

        senders = {
            "speedpayamak httpx": sdk(sdk_httpx),
            "speedpayamak aiohttp": sdk(sdk_aiohttp),
            "raw httpx": raw(raw_httpx),
            "raw aiohttp": raw(raw_aio),
        }
        for send in senders.values():  # warm every pool
            await _drive(send, concurrency)
        for _ in range(ROUNDS):
            for name, send in senders.items():
                rates[name].append(await _drive(send, concurrency))
    return rates


def _sync_sequential(base_url: str, code: str) -> float:
    with SpeedPayamak(KEY, base_url=base_url) as client:
        start = time.perf_counter()
        for n in range(SENDS):
            client.patterns.send(
                pattern_code=code, originator=LINE, recipient="+989120000001", values={"code": n}
            )
        return SENDS / (time.perf_counter() - start)


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "low": min(values), "high": max(values)}


def run() -> dict[str, Any]:
    results: dict[str, Any] = {"sends": SENDS, "rounds": ROUNDS}
    for server in SERVERS:
        with served(server) as target:
            with SpeedPayamak(KEY, base_url=target.base_url) as client:
                code = client.patterns.create(pattern="Your code is %code%").code
            sync_rate = _sync_sequential(target.base_url, code)
            figures: dict[str, Any] = {"sync sequential sends/s": sync_rate}
            for concurrency in CONCURRENCIES:
                rates = asyncio.run(_measure(target.base_url, code, concurrency))
                medians = {name: statistics.median(rates[name]) for name in CLIENTS}
                aio, default = medians["speedpayamak aiohttp"], medians["speedpayamak httpx"]
                figures[f"concurrency {concurrency}"] = {
                    **{f"{name} sends/s": _stats(rates[name]) for name in CLIENTS},
                    "aiohttp / httpx backend": aio / default,
                    "aiohttp / sync sequential": aio / sync_rate,
                    "sdk / raw on aiohttp": aio / medians["raw aiohttp"],
                    "sdk / raw on httpx": default / medians["raw httpx"],
                }
            at_50 = figures["concurrency 50"]
            figures["goals"] = {
                "aiohttp >= 4x httpx backend at 50": at_50["aiohttp / httpx backend"] >= 4,
                "aiohttp >= sync sequential": at_50["aiohttp / sync sequential"] >= 1,
                "within 1.15x of raw on aiohttp": at_50["sdk / raw on aiohttp"] >= 1 / 1.15,
            }
            results[server] = figures
    return results
