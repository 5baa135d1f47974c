"""The sandbox, over real HTTP, driven with plain httpx (no SDK)."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from speedpayamak.testing import Fault, Sandbox

from tests.servers import sandbox_command

KEY = "sandbox-test-key"
LINE = "+9850002"
AUTH = {"Authorization": f"AccessKey {KEY}"}


@pytest.fixture
def small() -> Sandbox:
    """A sandbox with little credit and at most five recipients a send, for the limits."""
    return Sandbox(KEY, credit=100, lines=[LINE], max_recipients=5)


@pytest.fixture
def http(small: Sandbox) -> Iterator[httpx.Client]:
    with small.serve() as base_url, httpx.Client(base_url=base_url, headers=AUTH) as client:
        yield client


def send(
    http: httpx.Client, recipients: Any, message: Any = "hello", **extra: Any
) -> httpx.Response:
    body = {"originator": LINE, "recipients": recipients, "message": message, **extra}
    return http.post("/v1/messages", json=body)


def error_of(response: httpx.Response) -> tuple[int, str, Any]:
    envelope = response.json()
    assert set(envelope) == {"status", "code", "message", "data"}
    return response.status_code, envelope["code"], envelope["data"]["error"]


# --- auth -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "code", "text"),
    [
        (None, "1401", "authorization header is required"),
        (f"Bearer {KEY}", "1401", "api key scheme is not valid"),
        (KEY, "1401", "api key scheme is not valid"),
        ("AccessKey not-a-key", "1402", "api key not valid"),
    ],
)
def test_auth_failures(http: httpx.Client, header: str | None, code: str, text: str) -> None:
    headers = {"Authorization": header} if header else {}
    with httpx.Client(base_url=str(http.base_url), headers=headers) as bare:
        assert error_of(bare.get("/v1/credit")) == (401, code, text)


def test_revoked_key(small: Sandbox, http: httpx.Client) -> None:
    small.revoke(KEY)
    assert error_of(http.get("/v1/user")) == (401, "1403", "api key revoked")


def test_accounts_are_separate(small: Sandbox, http: httpx.Client) -> None:
    small.add_account("other-key", credit=7, lines=["3000505"])
    bulk_id = send(http, ["09121110000"]).json()["data"]["bulk_id"]
    other = {"Authorization": "AccessKey other-key"}
    assert http.get("/v1/credit", headers=other).json()["data"]["credit"] == 7
    assert http.get(f"/v1/messages/{bulk_id}", headers=other).status_code == 404
    foreign_line = {"originator": LINE, "recipients": ["09121110000"], "message": "x"}
    assert error_of(http.post("/v1/messages", headers=other, json=foreign_line))[1] == "10004"


# --- account, credit, sends -------------------------------------------------------------


def test_user_and_credit(http: httpx.Client) -> None:
    user = http.get("/v1/user").json()["data"]["user"]
    assert isinstance(user["id"], int)
    assert "tellephone" in user
    assert http.get("/v1/credit").json()["data"]["credit"] == 100


def test_send_charges_per_recipient_and_part(small: Sandbox, http: httpx.Client) -> None:
    persian = "سلام " * 15  # 75 UCS-2 characters: two parts of 67
    response = send(http, ["09121110000", "989351110000", "+989121110001"], persian)
    assert response.status_code == 200
    bulk_id = response.json()["data"]["bulk_id"]
    assert small.credit() == Decimal(100 - 3 * 2)
    (sent,) = small.outbox
    assert sent.bulk_id == bulk_id
    assert sent.recipients == ("+989121110000", "+989351110000", "+989121110001")
    assert (sent.originator, sent.message, sent.pattern_code) == (LINE, persian, None)
    message = http.get(f"/v1/messages/{bulk_id}").json()["data"]["message"]
    assert (message["page"], message["cost"], message["recipients_count"]) == (2, 6.0, 3)
    assert message["number"] == LINE


def test_bulk_ids_increase(http: httpx.Client) -> None:
    ids = [send(http, ["09121110000"]).json()["data"]["bulk_id"] for _ in range(3)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 3


def test_insufficient_credit_charges_and_sends_nothing(small: Sandbox, http: httpx.Client) -> None:
    long_text = "x" * 3100  # 21 parts, 105 for five recipients
    before = small.credit()
    status, code, _ = error_of(send(http, ["09121110000"] * 5, long_text))
    assert (status, code) == (400, "10006")
    assert small.credit() == before
    assert small.outbox == ()


@pytest.mark.parametrize(
    ("recipients", "message", "originator", "code", "status"),
    [
        (["09121110000"], "", LINE, "10002", 400),
        ([], "hi", LINE, "10005", 400),
        (["09121110000"] * 6, "hi", LINE, "10009", 400),
        (["09121110000"], "hi", "+98999", "10004", 403),
        (["12345"], "hi", LINE, "10023", 400),
        (["09121110000", "not-a-number"], "hi", LINE, "10023", 400),
    ],
)
def test_business_refusals(
    small: Sandbox,
    http: httpx.Client,
    recipients: list[str],
    message: str,
    originator: str,
    code: str,
    status: int,
) -> None:
    body = {"originator": originator, "recipients": recipients, "message": message}
    answer = http.post("/v1/messages", json=body)
    assert answer.json()["status"] == {400: "BAD_REQUEST", 403: "FORBIDDEN"}[status]
    got_status, got, error = error_of(answer)
    assert (got_status, got) == (status, code)
    assert isinstance(error, str)
    assert error
    assert small.outbox == ()
    assert small.credit() == 100


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (b"{not json", {"body"}),
        (b"[1, 2]", {"body"}),
        (b"", {"body"}),
        (
            b'{"originator": 5, "recipients": "0912", "message": null}',
            {"originator", "recipients", "message"},
        ),
        (b'{"message": "hi"}', {"originator", "recipients"}),
    ],
)
def test_malformed_requests_get_field_errors(
    small: Sandbox, http: httpx.Client, body: bytes, fields: set[str]
) -> None:
    response = http.post("/v1/messages", content=body, headers={"Content-Type": "application/json"})
    status, code, error = error_of(response)
    assert (status, code) == (422, "422")
    assert set(error) == fields
    for problems in error.values():
        assert all(set(p) == {"code", "err"} for p in problems)
    assert small.outbox == ()


def test_validation_errors_as_plain_strings() -> None:
    small = Sandbox(KEY, validation_errors="strings")
    with small.serve() as url, httpx.Client(base_url=url, headers=AUTH) as http:
        _, _, error = error_of(http.post("/v1/messages", json={"message": "hi"}))
    assert error == {
        "originator": ["originator is required"],
        "recipients": ["recipients is required"],
    }


# --- patterns ---------------------------------------------------------------------------


def create_pattern(http: httpx.Client, template: str = "Hi %name%, code %code%") -> dict[str, Any]:
    response = http.post("/v1/messages/patterns", json={"pattern": template, "is_shared": False})
    assert response.status_code == 200
    pattern: dict[str, Any] = response.json()["data"]["pattern"]
    return pattern


def send_pattern(
    http: httpx.Client, code: str, values: Any, recipient: str = "09121110000"
) -> httpx.Response:
    body = {"pattern_code": code, "originator": LINE, "recipient": recipient, "values": values}
    return http.post("/v1/messages/patterns/send", json=body)


def test_pattern_lifecycle(small: Sandbox, http: httpx.Client) -> None:
    pattern = create_pattern(http)
    assert len(pattern["code"]) == 10
    assert (pattern["status"], pattern["message"], pattern["is_shared"]) == (
        "pending",
        "Hi %name%, code %code%",
        False,
    )
    values = {"name": "Sara", "code": "4821"}
    assert error_of(send_pattern(http, pattern["code"], values))[:2] == (400, "10016")
    small.approve_pattern(pattern["code"])
    response = send_pattern(http, pattern["code"], values)
    assert response.status_code == 200
    (sent,) = small.outbox
    assert sent.bulk_id == response.json()["data"]["bulk_id"]
    assert (sent.message, sent.pattern_code, sent.values) == (
        "Hi Sara, code 4821",
        pattern["code"],
        values,
    )
    assert sent.recipients == ("+989121110000",)
    small.deactivate_pattern(pattern["code"])
    assert error_of(send_pattern(http, pattern["code"], values))[:2] == (400, "10016")
    assert len(small.outbox) == 1


def test_pattern_refusals(small: Sandbox, http: httpx.Client) -> None:
    code = create_pattern(http)["code"]
    small.approve_pattern(code)
    assert error_of(send_pattern(http, "nosuchcode", {"name": "a", "code": "b"}))[:2] == (
        400,
        "10014",
    )
    assert error_of(send_pattern(http, code, {"name": "a"}))[:2] == (400, "10015")
    assert error_of(send_pattern(http, code, {"name": "a", "code": "b", "x": "c"}))[:2] == (
        400,
        "10015",
    )
    assert error_of(send_pattern(http, code, {"name": "a", "code": "b"}, "abc"))[:2] == (
        400,
        "10017",
    )
    status, got, error = error_of(send_pattern(http, code, {"name": "a", "code": 4821}))
    assert (status, got) == (422, "422")
    assert (
        error["values"][0]["err"]
        == "Unmarshal type error: expected=string, got=number, field=values"
    )
    assert small.outbox == ()


def test_auto_approve() -> None:
    small = Sandbox(KEY, auto_approve=True)
    with small.serve() as url, httpx.Client(base_url=url, headers=AUTH) as http:
        pattern = create_pattern(http, "Code: %code%")
        assert pattern["status"] == "active"
        assert send_pattern(http, pattern["code"], {"code": "1"}).status_code == 200
    assert small.outbox[0].message == "Code: 1"


# --- messages, delivery, inbox, paging --------------------------------------------------


def test_unknown_and_malformed_bulk_ids(http: httpx.Client) -> None:
    assert error_of(http.get("/v1/messages/999"))[:2] == (404, "404")
    assert error_of(http.get("/v1/messages/999/recipients"))[:2] == (404, "404")
    assert error_of(http.get("/v1/messages/abc"))[:2] == (422, "422")


def test_delivery_moves_on_the_sandbox_clock(small: Sandbox, http: httpx.Client) -> None:
    small.fail_deliveries_to("09351110000")
    bulk_id = send(http, ["09121110000", "09351110000"]).json()["data"]["bulk_id"]

    def statuses() -> list[str]:
        page = http.get(f"/v1/messages/{bulk_id}/recipients").json()["data"]["recipients"]
        return [r["status"] for r in page]

    assert statuses() == ["pending", "pending"]
    small.advance(4.9)
    assert statuses() == ["pending", "pending"]
    small.advance(0.1)
    assert statuses() == ["delivered", "failed"]
    message = http.get(f"/v1/messages/{bulk_id}").json()["data"]["message"]
    assert message["payback_cost"] == 1.0


def test_pagination_meta(small: Sandbox, http: httpx.Client) -> None:
    for i in range(25):
        small.receive(f"0912111{i:04d}", LINE, f"reply {i}")
    pages = [
        http.get("/v1/messages/inbox", params={"page": p, "limit": 10}).json() for p in range(4)
    ]
    assert [len(p["data"]["messages"]) for p in pages] == [10, 10, 5, 0]
    assert [p["meta"]["page"] for p in pages] == [0, 1, 2, 3]
    assert {(p["meta"]["total"], p["meta"]["pages"], p["meta"]["limit"]) for p in pages} == {
        (25, 3, 10)
    }
    assert pages[0]["meta"]["prev"] is None
    assert pages[0]["meta"]["next"] == "/v1/messages/inbox?page=1&limit=10"
    assert pages[2]["meta"]["next"] is None
    texts = [m["message"] for p in pages for m in p["data"]["messages"]]
    assert texts == [f"reply {i}" for i in range(25)]
    first = pages[0]["data"]["messages"][0]
    assert (first["number"], first["sender"], first["type"]) == (LINE, "+989121110000", "normal")
    default = http.get("/v1/messages/inbox").json()["meta"]
    assert (default["page"], default["limit"]) == (0, 10)


@pytest.mark.parametrize("params", [{"page": "-1"}, {"limit": "0"}, {"page": "x"}])
def test_bad_paging_parameters(http: httpx.Client, params: dict[str, str]) -> None:
    assert error_of(http.get("/v1/messages/inbox", params=params))[:2] == (422, "422")


def test_receive_on_a_line_nobody_owns(small: Sandbox) -> None:
    with pytest.raises(ValueError, match="no account owns"):
        small.receive("09121110000", "+98000", "hi")


@pytest.mark.parametrize("code", ["OK", 200])
def test_success_code_form_is_configurable(code: Any) -> None:
    small = Sandbox(KEY, success_code=code)
    with small.serve() as url, httpx.Client(base_url=url, headers=AUTH) as http:
        assert http.get("/v1/credit").json()["code"] == code


def test_request_log(small: Sandbox, http: httpx.Client) -> None:
    send(http, ["09121110000"])
    http.get("/v1/messages/inbox", params={"page": 2, "limit": 3})
    logged = small.requests
    assert [(r.method, r.path, r.status) for r in logged] == [
        ("POST", "/v1/messages", 200),
        ("GET", "/v1/messages/inbox", 200),
    ]
    assert json.loads(logged[0].body)["recipients"] == ["09121110000"]
    assert logged[1].query == {"page": "2", "limit": "3"}
    assert KEY not in repr(logged)


def test_unknown_paths_and_methods(http: httpx.Client) -> None:
    assert error_of(http.get("/v2/credit"))[:2] == (404, "404")
    assert error_of(http.post("/v1/credit"))[:2] == (405, "405")
    assert error_of(http.get("/v1/messages"))[:2] == (405, "405")


# --- faults -----------------------------------------------------------------------------


def test_status_faults_are_not_applied(small: Sandbox, http: httpx.Client) -> None:
    small.inject(Fault.status_code(429, retry_after=3), method="POST", path="/v1/messages")
    small.inject(Fault.status_code(503), path="/v1/messages")
    limited = send(http, ["09121110000"])
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert limited.json()["code"] == "429"
    assert send(http, ["09121110000"]).status_code == 503
    assert small.outbox == ()
    assert send(http, ["09121110000"]).status_code == 200


def test_html_fault(small: Sandbox, http: httpx.Client) -> None:
    small.inject(Fault.html_page(502), path="/v1/credit", times=2)
    answers = [http.get("/v1/credit") for _ in range(3)]
    assert [a.status_code for a in answers] == [502, 502, 200]
    assert answers[0].headers["content-type"] == "text/html"
    assert answers[0].text.startswith("<html>")


@pytest.mark.parametrize(
    "form", ["not_json", "truncated_json", "data_null", "missing_fields", "json_list"]
)
def test_malformed_body_faults_apply_the_request(
    small: Sandbox, http: httpx.Client, form: Any
) -> None:
    small.inject(Fault.malformed_body(form), path="/v1/messages")
    response = send(http, ["09121110000"])
    assert response.status_code == 200
    if form in ("not_json", "truncated_json"):
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)
    else:
        parsed = json.loads(response.content)
        assert not isinstance(parsed, dict) or not parsed.get("data")
    assert len(small.outbox) == 1


def test_delay_fault_times_a_client_out_but_applies(small: Sandbox, http: httpx.Client) -> None:
    small.inject(Fault.delay(0.5), path="/v1/messages")
    with pytest.raises(httpx.ReadTimeout):
        http.post(
            "/v1/messages",
            json={"originator": LINE, "recipients": ["09121110000"], "message": "x"},
            timeout=httpx.Timeout(5, read=0.1),
        )
    assert len(small.outbox) == 1


@pytest.mark.parametrize(
    ("fault", "applied"), [(Fault.drop_before_processing(), 0), (Fault.drop_after_processing(), 1)]
)
def test_dropped_connections(
    small: Sandbox, http: httpx.Client, fault: Fault, applied: int
) -> None:
    small.inject(fault, method="POST")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        send(http, ["09121110000"])
    assert len(small.outbox) == applied
    assert small.requests[-1].status is None
    assert http.get("/v1/credit").status_code == 200  # the server keeps serving


def test_fault_matching_by_method_and_path(small: Sandbox, http: httpx.Client) -> None:
    small.inject(Fault.status_code(500), method="GET", path="/v1/messages/*/recipients", times=2)
    bulk_id = send(http, ["09121110000"]).json()["data"]["bulk_id"]
    assert http.get(f"/v1/messages/{bulk_id}").status_code == 200
    statuses = [http.get(f"/v1/messages/{bulk_id}/recipients").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert [r.fault for r in small.requests].count("status") == 2


# --- transports -------------------------------------------------------------------------


def test_sync_transport(small: Sandbox) -> None:
    small.inject(Fault.drop_after_processing(), method="POST")
    with httpx.Client(
        base_url="https://sandbox.invalid", headers=AUTH, transport=small.transport()
    ) as http:
        assert http.get("/v1/credit").json()["data"]["credit"] == 100
        with pytest.raises(httpx.RemoteProtocolError):
            send(http, ["09121110000"])
        small.inject(Fault.delay(5), path="/v1/credit")
        with pytest.raises(httpx.ReadTimeout):
            http.get("/v1/credit", timeout=httpx.Timeout(5, read=0.05))
    assert len(small.outbox) == 1


def test_async_transport(small: Sandbox) -> None:
    async def main() -> list[int]:
        async with httpx.AsyncClient(
            base_url="https://sandbox.invalid", headers=AUTH, transport=small.async_transport()
        ) as http:
            body = {"originator": LINE, "recipients": ["09121110000"], "message": "hi"}
            answers = await asyncio.gather(
                *(http.post("/v1/messages", json=body) for _ in range(20))
            )
            small.inject(Fault.drop_before_processing())
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get("/v1/credit")
            return [a.json()["data"]["bulk_id"] for a in answers]

    ids = asyncio.run(main())
    assert sorted(ids) == [m.bulk_id for m in small.outbox]
    assert small.credit() == 80


# --- robustness -------------------------------------------------------------------------


def raw_exchange(base_url: str, data: bytes) -> bytes:
    host, port = httpx.URL(base_url).host, httpx.URL(base_url).port
    assert port is not None
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"POST /v1/messages HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"POST /v1/messages HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST /v1/messages HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"POST /v1/messages HTTP/1.1\r\nContent-Length: 4\r\nAuthorization: AccessKey "
        + KEY.encode()
        + b"\r\n\r\n\xff\xfe\xfd\xfc",
        b"GET /v1/messages/inbox?page="
        + b"9" * 5000
        + b" HTTP/1.1\r\nAuthorization: AccessKey "
        + KEY.encode()
        + b"\r\n\r\n",
    ],
)
def test_garbage_never_crashes_the_server(
    small: Sandbox, http: httpx.Client, garbage: bytes
) -> None:
    answer = raw_exchange(str(http.base_url), garbage)
    assert answer.startswith(b"HTTP/1.")
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500
    assert http.get("/v1/credit").json()["data"]["credit"] == 100
    assert small.outbox == ()


def test_concurrent_sends_are_exact(small: Sandbox) -> None:
    small.add_account("busy", credit=10_000, lines=[LINE], price_per_part="0.1")
    headers = {"Authorization": "AccessKey busy"}
    ids: list[int] = []
    lock = threading.Lock()

    def worker(base_url: str) -> None:
        with httpx.Client(base_url=base_url, headers=headers) as client:
            for _ in range(25):
                body = {
                    "originator": LINE,
                    "recipients": ["09121110000", "09121110001"],
                    "message": "x",
                }
                bulk_id = client.post("/v1/messages", json=body).json()["data"]["bulk_id"]
                with lock:
                    ids.append(bulk_id)

    with small.serve() as base_url:
        threads = [threading.Thread(target=worker, args=(base_url,)) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(ids) == len(set(ids)) == 400
    assert sorted(ids) == [m.bulk_id for m in small.outbox]
    assert small.credit("busy") == Decimal("10000") - Decimal("0.1") * 800


# --- the command, and independence -------------------------------------------------------


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_sandbox_command_serves_and_stops_cleanly(stop: signal.Signals) -> None:
    flags = ["--api-key", "cli-key", "--credit", "42", "--line", "3000505"]
    with sandbox_command(*flags) as (base_url, process):
        assert base_url.startswith("http://127.0.0.1:")
        headers = {"Authorization": "AccessKey cli-key"}
        with httpx.Client(base_url=base_url, headers=headers) as http:
            assert http.get("/v1/credit").json()["data"]["credit"] == 42
            body = {"originator": "3000505", "recipients": ["09121110000"], "message": "hi"}
            assert http.post("/v1/messages", json=body).status_code == 200
        process.send_signal(stop)
        assert process.wait(timeout=10) == 0
        assert "Traceback" not in process.communicate()[1]


def test_sandbox_imports_neither_the_generated_client_nor_the_core() -> None:
    probe = (
        "import json, sys, speedpayamak.testing; "
        "print(json.dumps([m for m in sys.modules if m.startswith('speedpayamak')]))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    modules = set(json.loads(loaded.stdout))
    assert "speedpayamak.testing._sandbox" in modules
    outside = {m for m in modules if not m.startswith("speedpayamak.testing")}
    assert outside == {"speedpayamak", "speedpayamak._version"}
