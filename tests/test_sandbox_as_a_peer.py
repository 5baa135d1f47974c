"""The served sandbox as a safe test peer, over real HTTP: its control endpoints answer
only this machine's own clients, no input drops a connection or prints a traceback, and
no control input leaves it broken."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from speedpayamak import SpeedPayamak
from speedpayamak.testing import Sandbox

from tests.conftest import KEY, LINE
from tests.servers import sandbox_command

AUTH = f"Authorization: AccessKey {KEY}\r\n"


def exchange(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One raw request; the status, headers and body of the answer (never a drop)."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            assert chunk, f"the connection was dropped with no answer to {request[:60]!r}"
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        length = int(headers["Content-Length"])
        while len(body) < length:
            chunk = connection.recv(65536)
            assert chunk, "the answer was cut short"
            body += chunk
    return int(lines[0].split()[1]), headers, body


def request(
    method: str, path: str, headers: str = "", body: bytes = b"", host: str = "127.0.0.1"
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}"
    if body and "Content-Length" not in headers:
        head += f"Content-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


@pytest.fixture
def served() -> Iterator[tuple[str, Sandbox]]:
    sandbox = Sandbox(KEY, credit=100, lines=[LINE])
    with sandbox.serve() as base_url:
        yield base_url, sandbox


def still_works(base_url: str) -> None:
    with SpeedPayamak(KEY, base_url=base_url, max_retries=0) as client:
        client.messages.send(originator=LINE, recipients=["09120000001"], message="x")
        assert client.credit() >= 0


# --- the control endpoints are this machine's ---------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ("Origin: https://attacker.example\r\nContent-Type: text/plain\r\n", 403),
        ("Sec-Fetch-Site: cross-site\r\nContent-Type: application/json\r\n", 403),
        ("Origin: null\r\nContent-Type: application/json\r\n", 403),
        ("Content-Type: text/plain\r\n", 415),
    ],
)
def test_a_page_in_a_browser_cannot_drive_the_control_endpoints(
    served: tuple[str, Sandbox], headers: str, status: int
) -> None:
    base_url, sandbox = served
    answer = exchange(base_url, request("POST", "/_sandbox/credit", headers, b'{"credit": "5"}'))
    assert answer[0] == status
    assert "error" in json.loads(answer[2])
    assert sandbox.credit() == 100


def test_a_rebound_host_name_reads_nothing(served: tuple[str, Sandbox]) -> None:
    base_url, _sandbox = served
    still_works(base_url)
    status, _, body = exchange(
        base_url, request("GET", "/_sandbox/outbox", host="attacker.example")
    )
    assert status == 403
    assert b"0912" not in body
    assert b"+98" not in body
    status, _, body = exchange(base_url, request("GET", "/_sandbox/outbox", host="localhost:1"))
    assert status == 200
    assert len(json.loads(body)) == 1


def test_a_control_token_is_required_when_given() -> None:
    sandbox = Sandbox(KEY, credit=100, lines=[LINE])
    with sandbox.serve(control_token="s3cret") as base_url:
        refused = httpx.get(f"{base_url}/_sandbox/outbox")
        wrong = httpx.get(f"{base_url}/_sandbox/outbox", headers={"X-Sandbox-Token": "nope"})
        allowed = httpx.get(f"{base_url}/_sandbox/outbox", headers={"X-Sandbox-Token": "s3cret"})
    assert (refused.status_code, wrong.status_code, allowed.status_code) == (401, 401, 200)


def test_the_command_warns_when_serving_beyond_loopback() -> None:
    with sandbox_command("--host", "0.0.0.0", "--api-key", KEY) as (base_url, process):
        assert base_url.startswith("http://")
        assert process.stderr is not None
        warning = process.stderr.readline()
    assert "not a loopback address" in warning
    assert "--control-token" in warning


def test_the_command_takes_a_control_token() -> None:
    with sandbox_command("--control-token", "tok", "--api-key", KEY) as (base_url, _):
        assert httpx.get(f"{base_url}/_sandbox/outbox").status_code == 401
        assert (
            httpx.get(f"{base_url}/_sandbox/outbox", headers={"X-Sandbox-Token": "tok"}).status_code
            == 200
        )


# --- no input drops a connection -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        request("GET", "/v1/messages/" + "9" * 5000, AUTH),
        request("GET", "/v1/messages/" + "9" * 5000 + "/recipients", AUTH),
        request(
            "POST",
            "/v1/messages",
            AUTH + "Content-Type: application/json\r\n",
            b"[" * 100_000 + b"]" * 100_000,
        ),
        request("POST", "/v1/messages", AUTH + "Content-Length: -1\r\n"),
        request("POST", "/v1/messages", AUTH + "Content-Length: abc\r\n"),
        request("POST", "/v1/messages", AUTH + "Transfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
    ],
    ids=[
        "bulk-id-5000-digits",
        "recipients-5000-digits",
        "nested-100000",
        "length-minus-1",
        "length-abc",
        "chunked",
    ],
)
def test_a_malformed_api_request_gets_the_apis_error_envelope(
    served: tuple[str, Sandbox], raw: bytes
) -> None:
    base_url, _ = served
    status, _, body = exchange(base_url, raw)
    assert 400 <= status < 500
    document = json.loads(body)
    assert set(document) >= {"status", "code", "message"}
    still_works(base_url)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/_sandbox/advance", b'{"seconds": 1e300}', "seconds"),
        ("/_sandbox/advance", b'{"seconds": Infinity}', "seconds"),
        ("/_sandbox/advance", b'{"seconds": NaN}', "seconds"),
        ("/_sandbox/advance", b'{"seconds": "10"}', "seconds"),
        ("/_sandbox/credit", b'{"credit": "abc"}', "credit"),
        ("/_sandbox/credit", b'{"credit": "NaN"}', "credit"),
        ("/_sandbox/credit", b'{"credit": "1e999999"}', "credit"),
        ("/_sandbox/credit", b'{"credit": -1}', "credit"),
        ("/_sandbox/credit", b'{"credit": "5", "api_key": 7}', "api_key"),
        ("/_sandbox/faults", b'{"kind": "status", "status": 0}', "status"),
        ("/_sandbox/faults", b'{"kind": "status", "status": 99999}', "status"),
        ("/_sandbox/faults", b'{"kind": "status", "status": 503, "method": 5}', "method"),
        ("/_sandbox/faults", b'{"kind": "status", "status": 503, "path": ["x"]}', "path"),
        ("/_sandbox/faults", b'{"kind": "delay", "seconds": 1e308}', "seconds"),
        (
            "/_sandbox/faults",
            b'{"kind": "status", "status": 429, "retry_after": "soon"}',
            "retry_after",
        ),
        ("/_sandbox/faults", b'{"kind": "malformed", "form": "gibberish"}', "form"),
        ("/_sandbox/faults", b'{"kind": "status"}', "status"),
        ("/_sandbox/faults", b"[" * 100_000, "JSON object"),
    ],
)
def test_a_bad_control_request_is_refused_naming_its_field_and_changes_nothing(
    served: tuple[str, Sandbox], path: str, body: bytes, field: str
) -> None:
    base_url, sandbox = served
    answer = exchange(base_url, request("POST", path, "Content-Type: application/json\r\n", body))
    assert answer[0] == 400
    assert field in json.loads(answer[2])["error"]
    assert sandbox.credit() == 100
    still_works(base_url)
    assert sandbox.credit() < 100  # the send was charged: nothing injected, clock intact


def test_the_served_command_prints_no_traceback_for_any_of_them() -> None:
    raws = [
        request("GET", "/v1/messages/" + "9" * 5000, AUTH),
        request(
            "POST", "/v1/messages", AUTH + "Content-Type: application/json\r\n", b"[" * 100_000
        ),
        request(
            "POST", "/_sandbox/advance", "Content-Type: application/json\r\n", b'{"seconds": 1e300}'
        ),
        request(
            "POST", "/_sandbox/credit", "Content-Type: application/json\r\n", b'{"credit": "abc"}'
        ),
    ]
    with sandbox_command("--api-key", KEY) as (base_url, process):
        statuses = [exchange(base_url, raw)[0] for raw in raws]
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert all(400 <= status < 500 for status in statuses), statuses
    assert "Traceback" not in errors
