"""What reaches the wire is the SDK's: the key wins over a caller's `auth=`, a closed
client refuses before anything is sent, a proxy refusing CONNECT means nothing was sent,
certificates named by the environment that cannot be read are a setting to fix, and a
connection that said more than its answer is never reused."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
from typing import Any

import httpx
import pytest
from speedpayamak import (
    APIConnectionError,
    AsyncSpeedPayamak,
    BulkSendError,
    InvalidRequestError,
    OutcomeUnknownError,
    SpeedPayamak,
    UnexpectedResponseError,
)
from speedpayamak.testing import Sandbox

from tests.conftest import KEY, LINE
from tests.servers import serve


def test_the_key_wins_over_a_callers_auth(sandbox: Sandbox) -> None:
    with (
        sandbox.serve() as base_url,
        httpx.Client(auth=("user", "pw")) as theirs,
        SpeedPayamak(KEY, base_url=base_url, http_client=theirs) as client,
    ):
        assert client.credit() == 1000  # a Basic header instead of the key would be 401


def test_the_key_wins_over_a_callers_auth_async(sandbox: Sandbox) -> None:
    async def main() -> float:
        async with (
            httpx.AsyncClient(auth=("user", "pw")) as theirs,
            AsyncSpeedPayamak(KEY, base_url=base_url, http_client=theirs) as client,
        ):
            return await client.credit()

    with sandbox.serve() as base_url:
        assert asyncio.run(main()) == 1000


def test_a_closed_client_refuses_before_anything_is_sent(sandbox: Sandbox) -> None:
    with sandbox.serve() as base_url:
        client = SpeedPayamak(KEY, base_url=base_url)
        client.close()
        with pytest.raises(InvalidRequestError, match="closed"):
            client.messages.send(originator=LINE, recipients=["09120000001"], message="x")

        async def closed_async() -> None:
            opened = AsyncSpeedPayamak(KEY, base_url=base_url)
            await opened.aclose()
            await opened.messages.send(originator=LINE, recipients=["09120000001"], message="x")

        with pytest.raises(InvalidRequestError, match="closed"):
            asyncio.run(closed_async())
    assert sandbox.requests == ()


def test_a_campaign_whose_client_is_closed_leaves_the_rest_not_sent() -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.01)
    with sandbox.serve() as base_url:
        client = SpeedPayamak(KEY, base_url=base_url)
        threading.Timer(0.3, client.close).start()
        with pytest.raises(BulkSendError) as stopped:
            client.messages.send_bulk(
                originator=LINE,
                recipients=[f"+98912{n:07d}" for n in range(3000)],
                message="x",
                chunk_size=10,
                concurrency=8,
            )
    result = stopped.value.result
    sent = {r for m in sandbox.outbox for r in m.recipients}
    assert result.not_sent
    assert sent.isdisjoint(result.not_sent)
    assert len(result.unknown) <= 8  # at most the chunks in flight when it was closed
    assert set(result.accepted_recipients) <= sent
    assert sent <= set(result.accepted_recipients) | set(result.unknown_recipients)


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_certificates_the_environment_names_that_cannot_be_read_are_typed(variable: str) -> None:
    script = (
        "from speedpayamak import SpeedPayamak, InvalidRequestError\n"
        "try:\n"
        "    SpeedPayamak('k' * 20).credit()\n"
        "except InvalidRequestError as error:\n"
        "    print('typed:', error)\n"
        "except Exception as error:\n"
        "    print('raw:', type(error).__name__)\n"
    )
    env = {"PATH": "/usr/bin:/bin", variable: "/nonexistent/certificates"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.stdout.startswith("typed:"), done.stdout + done.stderr
    assert f"{variable}='/nonexistent/certificates'" in done.stdout


@pytest.mark.parametrize(
    "refusal", [b"502 Bad Gateway", b"407 Proxy Authentication Required", b"403 Forbidden"]
)
@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
def test_a_proxy_refusing_connect_is_never_sent_and_retried(
    monkeypatch: pytest.MonkeyPatch, refusal: bytes, backend: str, sleeps: list[float]
) -> None:
    connects: list[bytes] = []

    def proxy(conn: socket.socket, request: bytes) -> None:
        connects.append(request.split(b"\r\n", 1)[0])
        conn.sendall(b"HTTP/1.1 " + refusal + b"\r\nContent-Length: 0\r\n\r\n")

    with serve(proxy) as proxy_url:
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        with pytest.raises(APIConnectionError) as failed:
            send_through(backend)
    assert not isinstance(failed.value, OutcomeUnknownError)
    assert failed.value.request_sent is False
    assert connects == [b"CONNECT sms.example:443 HTTP/1.1"] * 3  # retried like a refusal


def send_through(backend: str) -> int:
    """One send to an https host from the sync client ("httpx") or the aiohttp backend."""
    if backend == "httpx":
        with SpeedPayamak(KEY, base_url="https://sms.example", max_retries=2) as client:
            return client.messages.send(originator=LINE, recipients=["09120000001"], message="x")

    async def main() -> int:
        async with AsyncSpeedPayamak(
            KEY, base_url="https://sms.example", max_retries=2, http_backend="aiohttp"
        ) as client:
            return await client.messages.send(
                originator=LINE, recipients=["09120000001"], message="x"
            )

    return asyncio.run(main())


def _answering_twice(received: list[bytes]) -> Any:
    """A server that writes one complete extra answer after each real one."""

    def handler(conn: socket.socket, request: bytes) -> None:
        received.append(request.split(b"\r\n", 1)[0])
        real = b'{"status":"OK","code":"OK","message":"Ok","data":{"bulk_id":%d}}' % (
            5000 + len(received)
        )
        extra = b'{"status":"OK","code":"OK","message":"Ok","data":{"bulk_id":666}}'
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        conn.sendall(head % len(real) + real + head % len(extra) + extra)

    return serve(handler)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_answer_beyond_the_real_one_is_never_read_as_the_next(mode: str) -> None:
    received: list[bytes] = []

    def send_twice(base_url: str) -> list[int]:
        arguments: dict[str, Any] = {
            "originator": LINE,
            "recipients": ["09120000001"],
            "message": "x",
        }
        if mode == "sync":
            with SpeedPayamak(KEY, base_url=base_url) as client:
                return [client.messages.send(**arguments) for _ in range(2)]

        async def main() -> list[int]:
            async with AsyncSpeedPayamak(KEY, base_url=base_url) as client:
                return [await client.messages.send(**arguments) for _ in range(2)]

        return asyncio.run(main())

    with _answering_twice(received) as base_url:
        bulk_ids = send_twice(base_url)
    assert bulk_ids == [5001, 5002]  # each its own answer, never the extra 666
    assert len(received) == 2  # the second send reached the server


def test_a_body_longer_than_its_content_length_does_not_cross_into_the_next_answer() -> None:
    """A server counting Content-Length in characters: the bytes left over stay on a
    connection that is then closed, never read as the next call's answer."""
    received: list[bytes] = []

    def handler(conn: socket.socket, request: bytes) -> None:
        received.append(request)
        body = json.dumps(
            {"status": "OK", "code": "OK", "message": "پیام ارسال شد", "data": {"credit": 7.5}},
            ensure_ascii=False,
        )
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        conn.sendall((head % len(body)).encode() + body.encode())  # characters, not bytes

    with serve(handler) as base_url, SpeedPayamak(KEY, base_url=base_url, max_retries=0) as client:
        for _ in range(2):
            with pytest.raises(UnexpectedResponseError):
                client.credit()  # the body is cut short: not the API's envelope
    assert len(received) == 2  # each call was its own request on its own connection
