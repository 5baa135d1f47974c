"""1. In-process overhead: the SDK call against a raw httpx call plus json.loads, both on
the same in-memory transport answering the same bytes (httpx's MockTransport, so that
only the client side is measured)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from speedpayamak import SpeedPayamak

from ._timing import compare

KEY = "bench-key"
BASE = "https://bench.invalid"
LINE = "+9850002"
PAGE = {
    "status": "OK",
    "code": 200,
    "message": "Ok",
    "data": {
        "recipients": [{"recipient": f"+98912{i:07d}", "status": "delivered"} for i in range(100)]
    },
    "meta": {"total": 100, "pages": 1, "limit": 100, "page": 0, "prev": None, "next": None},
}
ANSWERS: dict[str, bytes] = {
    "/v1/credit": json.dumps(
        {"status": "OK", "code": "OK", "message": "Ok", "data": {"credit": 120540.5}}
    ).encode(),
    "/v1/messages": json.dumps(
        {"status": "OK", "code": "OK", "message": "Ok", "data": {"bulk_id": 81234567}}
    ).encode(),
    "/v1/messages/81234567/recipients": json.dumps(PAGE).encode(),
}
HEADERS = {"Content-Type": "application/json"}
# The SDK's work (checks, the generated parser, the envelope) over a raw call on the same
# in-memory transport, which it reaches without httpx's client layer. A page of a hundred
# statuses is a hundred typed models to build and check, which json.loads never does.
GOALS = {"credit()": 1.10, "messages.send()": 1.10, "one page of 100 recipients": 1.25}
SEND: dict[str, Any] = {"originator": LINE, "recipients": ["+989120000001"], "message": "hi"}


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=ANSWERS[request.url.path], headers=HEADERS)


def run(rounds: int = 15, per_round: int = 400) -> dict[str, Any]:
    transport = httpx.MockTransport(_answer)
    raw = httpx.Client(
        base_url=BASE, transport=transport, headers={"Authorization": f"AccessKey {KEY}"}
    )
    sdk = SpeedPayamak(KEY, base_url=BASE, transport=transport)
    cases = {
        "credit()": (
            lambda: json.loads(raw.get("/v1/credit").content)["data"]["credit"],
            sdk.credit,
        ),
        "messages.send()": (
            lambda: json.loads(raw.post("/v1/messages", json=SEND).content)["data"]["bulk_id"],
            lambda: sdk.messages.send(**SEND),
        ),
        "one page of 100 recipients": (
            lambda: json.loads(
                raw.get(
                    "/v1/messages/81234567/recipients", params={"page": 0, "limit": 100}
                ).content
            )["data"]["recipients"],
            lambda: list(sdk.messages.recipients(81234567, page_size=100)),
        ),
    }
    results: dict[str, Any] = {}
    for name, (baseline, ours) in cases.items():
        timed = compare(
            {"raw httpx + json.loads": baseline, "speedpayamak": ours},
            rounds=rounds,
            per_round=per_round,
        )
        base, mine = timed["raw httpx + json.loads"], timed["speedpayamak"]
        results[name] = {
            "baseline": base.as_dict(),
            "speedpayamak": mine.as_dict(),
            "ratio": mine.median / base.median,
            "goal": f"<= {GOALS[name]:.2f}",
            "met": mine.median / base.median <= GOALS[name],
        }
    sdk.close()
    raw.close()
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
