"""The served sandbox driven with nothing but HTTP, as a service in another language or
container would: the API on its paths, the control endpoints under /_sandbox/."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from speedpayamak.testing import Sandbox

from tests.conftest import KEY, LINE

AUTH = {"Authorization": f"AccessKey {KEY}"}


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def test_a_whole_scenario_over_http(http: httpx.Client) -> None:
    sandbox = Sandbox(KEY, credit=100, lines=[LINE])
    with sandbox.serve() as base:
        sent = http.post(
            f"{base}/v1/messages",
            headers=AUTH,
            json={"originator": LINE, "recipients": ["+989120000001"], "message": "hi"},
        )
        bulk_id = sent.json()["data"]["bulk_id"]
        statuses = http.get(f"{base}/v1/messages/{bulk_id}/recipients", headers=AUTH).json()
        assert statuses["data"]["recipients"][0]["status"] == "pending"

        assert http.post(f"{base}/_sandbox/advance", json={"seconds": 10}).status_code == 200
        statuses = http.get(f"{base}/v1/messages/{bulk_id}/recipients", headers=AUTH).json()
        assert statuses["data"]["recipients"][0]["status"] == "delivered"

        reply = {"sender": "09120000001", "line": LINE, "text": "thanks"}
        assert http.post(f"{base}/_sandbox/inbound", json=reply).status_code == 200
        inbox = http.get(f"{base}/v1/messages/inbox", headers=AUTH).json()
        assert inbox["data"]["messages"][0]["message"] == "thanks"

        created = http.post(
            f"{base}/v1/messages/patterns", headers=AUTH, json={"pattern": "Code %code%"}
        ).json()["data"]["pattern"]
        assert created["status"] == "pending"
        pattern_send = {
            "pattern_code": created["code"],
            "originator": LINE,
            "recipient": "+989120000001",
            "values": {"code": "4821"},
        }
        refused = http.post(f"{base}/v1/messages/patterns/send", headers=AUTH, json=pattern_send)
        assert refused.json()["code"] == "10016"  # not active yet
        approve = http.post(f"{base}/_sandbox/patterns/{created['code']}/approve")
        assert approve.json()["status"] == "active"
        accepted = http.post(f"{base}/v1/messages/patterns/send", headers=AUTH, json=pattern_send)
        assert accepted.status_code == 200

        outbox = http.get(f"{base}/_sandbox/outbox").json()
        assert [m["message"] for m in outbox] == ["hi", "Code 4821"]
        logged = http.get(f"{base}/_sandbox/requests").json()
        assert all(not r["path"].startswith("/_sandbox") for r in logged)
        assert len(logged) == 7


def test_faults_credit_and_reset_over_http(http: httpx.Client) -> None:
    sandbox = Sandbox(KEY, credit=100, lines=[LINE])
    with sandbox.serve() as base:
        fault = {"kind": "status", "status": 503, "method": "GET", "path": "/v1/credit"}
        assert http.post(f"{base}/_sandbox/faults", json=fault).status_code == 200
        assert http.get(f"{base}/v1/credit", headers=AUTH).status_code == 503
        assert http.post(f"{base}/_sandbox/credit", json={"credit": "5"}).json() == {"credit": "5"}
        assert http.get(f"{base}/v1/credit", headers=AUTH).json()["data"]["credit"] == 5.0
        assert http.post(f"{base}/_sandbox/reset").status_code == 200
        assert http.get(f"{base}/v1/credit", headers=AUTH).json()["data"]["credit"] == 100.0
        assert len(http.get(f"{base}/_sandbox/requests").json()) == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/_sandbox/nothing", {}, 404),
        ("GET", "/_sandbox/advance", {}, 405),
        ("POST", "/_sandbox/advance", {"seconds": -1}, 400),
        ("POST", "/_sandbox/faults", {"kind": "meteor"}, 400),
        ("POST", "/_sandbox/patterns/nope/approve", {}, 400),
        ("POST", "/_sandbox/inbound", {"sender": "x"}, 400),
    ],
)
def test_bad_control_requests_are_refused(
    http: httpx.Client, method: str, path: str, body: dict[str, object], status: int
) -> None:
    sandbox = Sandbox(KEY)
    with sandbox.serve() as base:
        answer = http.request(method, f"{base}{path}", json=body)
    assert answer.status_code == status
    assert "error" in answer.json()
    assert sandbox.requests == ()


def test_a_seed_makes_codes_reproducible() -> None:
    codes = []
    for _ in range(2):
        sandbox = Sandbox(KEY, seed=7)
        with sandbox.serve() as base:
            created = httpx.post(
                f"{base}/v1/messages/patterns", headers=AUTH, json={"pattern": "A %a%"}
            )
        codes.append(created.json()["data"]["pattern"]["code"])
    assert codes[0] == codes[1]
