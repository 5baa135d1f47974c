"""3. Async throughput: 5,000 pattern sends at concurrency 10, 50 and 200, against the same
minimal server in its own process, in one run:

- the SDK on each backend: httpx's default pool, and aiohttp (driven directly);
- the SDK through httpx-aiohttp's transport (`transport=AiohttpTransport()`): the way the
  aiohttp backend went before it drove aiohttp itself;
- raw httpx on its default pool, raw httpx on httpx-aiohttp's transport, and raw aiohttp
  (a `ClientSession` posting the same JSON), each posting and `json.loads`-ing;
- the sync SDK sending one after another.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from speedpayamak import AsyncSpeedPayamak, SpeedPayamak

from ._serve import KEY, LINE
from ._servers import served

SENDS = 5000
CONCURRENCIES = (10, 50, 200)
ROUNDS = 3
# The stdlib server was tried too: at this concurrency the client's connection pool, not
# the server, sets the pace, and the threaded server only adds noise.
SERVERS = ("minimal",)
SDK_HTTPX = "speedpayamak, httpx backend"
SDK_AIOHTTP = "speedpayamak, aiohttp backend"
SDK_BEFORE = "speedpayamak on httpx-aiohttp's transport"
RAW_HTTPX = "raw httpx"
RAW_HTTPX_AIOHTTP = "raw httpx on httpx-aiohttp's transport"
RAW_AIOHTTP = "raw aiohttp"
CLIENTS = (SDK_HTTPX, SDK_AIOHTTP, SDK_BEFORE, RAW_HTTPX, RAW_HTTPX_AIOHTTP, RAW_AIOHTTP)
GOAL_RAW = ">= 0.6x raw aiohttp"
GOAL_BEFORE = ">= 2.5x the backend before"
GOALS: dict[str, Callable[[dict[str, Any]], bool]] = {
    GOAL_RAW: lambda f: f["aiohttp backend / raw aiohttp"] >= 0.6,
    GOAL_BEFORE: lambda f: f["aiohttp backend / before"] >= 2.5,
}


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
    return {
        "pattern_code": code,
        "originator": LINE,
        "recipient": "+989120000001",
        "values": {"code": str(n)},
    }


async def _measure(base_url: str, code: str, concurrency: int) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {name: [] for name in CLIENTS}
    headers = {"Authorization": f"AccessKey {KEY}"}
    path = "/v1/messages/patterns/send"
    before = AiohttpTransport()  # the caller's to close, not the SDK's
    async with (
        before,
        AsyncSpeedPayamak(KEY, base_url=base_url) as sdk_httpx,
        AsyncSpeedPayamak(KEY, base_url=base_url, http_backend="aiohttp") as sdk_aiohttp,
        AsyncSpeedPayamak(KEY, base_url=base_url, transport=before) as sdk_before,
        httpx.AsyncClient(base_url=base_url, headers=headers) as raw_httpx,
        httpx.AsyncClient(
            base_url=base_url, headers=headers, transport=AiohttpTransport()
        ) as raw_httpx_aiohttp,
        aiohttp.ClientSession(
            base_url=base_url, headers=headers, connector=aiohttp.TCPConnector(limit=100)
        ) as raw_aiohttp,
    ):

        def raw(client: httpx.AsyncClient) -> Callable[[int], Awaitable[object]]:
            async def send(n: int) -> object:
                answer = await client.post(path, json=_body(code, n))
                return json.loads(answer.content)["data"]["bulk_id"]

            return send

        async def aiohttp_send(n: int) -> object:
            async with raw_aiohttp.post(path, json=_body(code, n)) as answer:
                return json.loads(await answer.read())["data"]["bulk_id"]

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
            SDK_HTTPX: sdk(sdk_httpx),
            SDK_AIOHTTP: sdk(sdk_aiohttp),
            SDK_BEFORE: sdk(sdk_before),
            RAW_HTTPX: raw(raw_httpx),
            RAW_HTTPX_AIOHTTP: raw(raw_httpx_aiohttp),
            RAW_AIOHTTP: aiohttp_send,
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
            met: dict[str, bool] = {}
            for concurrency in CONCURRENCIES:
                rates = asyncio.run(_measure(target.base_url, code, concurrency))
                medians = {name: statistics.median(rates[name]) for name in CLIENTS}
                aio = medians[SDK_AIOHTTP]
                at = {
                    **{f"{name} sends/s": _stats(rates[name]) for name in CLIENTS},
                    "aiohttp backend / httpx backend": aio / medians[SDK_HTTPX],
                    "aiohttp backend / before": aio / medians[SDK_BEFORE],
                    "aiohttp backend / raw aiohttp": aio / medians[RAW_AIOHTTP],
                    "aiohttp backend / raw httpx on httpx-aiohttp": aio
                    / medians[RAW_HTTPX_AIOHTTP],
                    "httpx backend / raw httpx": medians[SDK_HTTPX] / medians[RAW_HTTPX],
                    "aiohttp backend / sync sequential": aio / sync_rate,
                }
                figures[f"concurrency {concurrency}"] = at
                for goal, holds in GOALS.items():
                    met[f"{goal} at {concurrency}"] = holds(at)
            figures["goals"] = met
            results[server] = figures
    return results
