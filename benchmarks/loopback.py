"""2. Sequential calls over loopback: the SDK against the official `ippanel==1.1.0` client,
both pointed at the same server in its own process. Raw httpx, configured like the SDK's
own client (its headers, timeout, no redirects, keep-alive) and json.loads-ing, runs
alongside: the SDK skips httpx's client layer, which raw httpx pays for, so against the
minimal server it is to be no slower."""

from __future__ import annotations

import json
from typing import Any

import httpx
from ippanel import Client as OfficialClient
from ippanel.httpclient import HTTPClient
from speedpayamak import SpeedPayamak

from ._serve import KEY, LINE
from ._servers import served
from ._timing import compare

CALLS = 1000
ROUNDS = 5  # 5 rounds of 200 calls each: 1,000 of each call per client
SERVERS = ("stdlib", "minimal")
SEND: dict[str, Any] = {"originator": LINE, "recipients": ["+989120000001"], "message": "hi"}


def run() -> dict[str, Any]:
    return {server: _against(server) for server in SERVERS} | {"calls": CALLS}


def _against(server: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with (
        served(server) as target,
        SpeedPayamak(KEY, base_url=target.base_url) as sdk,
        httpx.Client(
            base_url=target.base_url,
            headers={
                "Authorization": f"AccessKey {KEY}",
                "User-Agent": "speedpayamak-python",
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
            },
            timeout=httpx.Timeout(30.0, connect=5.0),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        ) as raw,
    ):
        official = OfficialClient(KEY, http_client=HTTPClient(KEY, target.base_url, 30))
        cases = {
            "credit()": (
                official.get_credit,
                lambda: json.loads(raw.get("/v1/credit").content)["data"]["credit"],
                sdk.credit,
            ),
            "send": (
                lambda: official.send(LINE, SEND["recipients"], "hi"),
                lambda: json.loads(raw.post("/v1/messages", json=SEND).content)["data"]["bulk_id"],
                lambda: sdk.messages.send(**SEND),
            ),
        }
        for name, (theirs, floor, ours) in cases.items():
            timed = compare(
                {"ippanel 1.1.0": theirs, "raw httpx": floor, "speedpayamak": ours},
                rounds=ROUNDS,
                per_round=CALLS // ROUNDS,
            )
            base, mine = timed["ippanel 1.1.0"], timed["speedpayamak"]
            speedup = base.median / mine.median
            to_raw = mine.median / timed["raw httpx"].median
            results[name] = {
                "baseline": base.as_dict(),
                "raw httpx": timed["raw httpx"].as_dict(),
                "speedpayamak": mine.as_dict(),
                "speedup": speedup,
                "raw_httpx_speedup": base.median / timed["raw httpx"].median,
                "goal": ">= 3x faster",
                "met": speedup >= 3,
                "to_raw_httpx": to_raw,
                "to_raw_goal": "<= 1.00x raw httpx" if server == "minimal" else "(reported)",
                "to_raw_met": to_raw <= 1.0 if server == "minimal" else None,
            }
    return results
