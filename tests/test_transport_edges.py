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
import time
from typing import Any, cast

import httpx
import pytest
from speedpayamak import (
    APIConnectionError,
    AsyncSpeedPayamak,
    BulkSendError,
    InvalidRequestError,
    OutcomeUnknownError,
    SpeedPayamak,
    SpeedPayamakError,
    UnexpectedResponseError,
    unwrap,
)
from speedpayamak.testing import Sandbox
from speedpayamak_api.api.credit import get_credit

from tests.conftest import KEY, LINE, Driver, Mode, client_factory
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

        async def closed_aiohttp() -> None:
            opened = AsyncSpeedPayamak(KEY, base_url=base_url, http_backend="aiohttp")
            assert await opened.credit() == 1000
            await opened.aclose()
            await opened.messages.send(originator=LINE, recipients=["09120000001"], message="x")

        with pytest.raises(InvalidRequestError, match="closed"):
            asyncio.run(closed_aiohttp())
    assert [r.path for r in sandbox.requests] == ["/v1/credit"]


def test_closing_a_client_under_sixteen_threads_reports_no_unsent_send_as_unknown() -> None:
    """Sends that meet the closed client are refused as never sent; only those already
    on the wire when it closed may be unknown, and each of those reached the server."""
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.005)
    outcomes: list[object] = []
    lock = threading.Lock()
    with sandbox.serve() as base_url:
        client = SpeedPayamak(KEY, base_url=base_url, max_retries=0)

        def worker(n: int) -> None:
            for i in range(200):
                try:
                    result: object = client.messages.send(
                        originator=LINE, recipients=[f"+98912{n:03d}{i:04d}"], message="x"
                    )
                except SpeedPayamakError as error:
                    result = error
                with lock:
                    outcomes.append(result)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        client.close()
        for thread in threads:
            thread.join()
    refused = [o for o in outcomes if isinstance(o, InvalidRequestError)]
    unknown = [o for o in outcomes if isinstance(o, OutcomeUnknownError)]
    accepted = [o for o in outcomes if isinstance(o, int)]
    assert len(outcomes) == 16 * 200
    assert len(refused) >= 16 * 200 - len(sandbox.outbox) - 16
    assert all("closed" in str(o) for o in refused)
    assert len(unknown) <= 16  # at most one in flight per thread
    assert len(accepted) <= len(sandbox.outbox) <= len(accepted) + len(unknown)


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


@pytest.mark.parametrize(
    "client",
    [
        "SpeedPayamak('k' * 20)",
        "AsyncSpeedPayamak('k' * 20)",
        "AsyncSpeedPayamak('k' * 20, http_backend='aiohttp')",
    ],
)
@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_certificates_the_environment_names_that_cannot_be_read_are_typed(
    variable: str, client: str
) -> None:
    script = (
        "from speedpayamak import SpeedPayamak, AsyncSpeedPayamak, InvalidRequestError\n"
        "try:\n"
        f"    {client}\n"
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
@pytest.mark.parametrize("backend", ["sync", "async", "aiohttp"])
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
    """One send to an https host from the sync client, or the async one on `backend`."""
    if backend == "sync":
        with SpeedPayamak(KEY, base_url="https://sms.example", max_retries=2) as client:
            return client.messages.send(originator=LINE, recipients=["09120000001"], message="x")

    async def main() -> int:
        async with AsyncSpeedPayamak(
            KEY,
            base_url="https://sms.example",
            max_retries=2,
            http_backend="aiohttp" if backend == "aiohttp" else "httpx",
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


def _sends(mode: str, base_url: str, count: int, pause: float = 0.0) -> list[Any]:
    """`count` sends one after another on one client, each its bulk id or its error."""
    arguments: dict[str, Any] = {"originator": LINE, "recipients": ["09120000001"], "message": "x"}
    factory = client_factory(cast(Mode, mode))
    driver = Driver(cast(Mode, mode), lambda: factory(KEY, base_url=base_url, max_retries=0))
    outcomes: list[Any] = []
    try:
        for _ in range(count):
            try:
                outcomes.append(driver.call(lambda client: client.messages.send(**arguments)))
            except SpeedPayamakError as error:
                outcomes.append(error)
            time.sleep(pause)
    finally:
        driver.close()
    return outcomes


@pytest.mark.parametrize("mode", ["sync", "async", "aiohttp"])
def test_an_answer_beyond_the_real_one_is_never_read_as_the_next(mode: str) -> None:
    received: list[bytes] = []
    with _answering_twice(received) as base_url:
        bulk_ids = _sends(mode, base_url, 2)
    assert bulk_ids == [5001, 5002]  # each its own answer, never the extra 666
    assert len(received) == 2  # the second send reached the server


@pytest.mark.parametrize("mode", ["sync", "async", "aiohttp"])
def test_an_answer_nobody_asked_for_on_an_idle_connection_is_never_read(mode: str) -> None:
    """A complete 200 arriving 50 ms after an answer, while the connection waits in the
    pool: the next send gets its own answer from the server, which counts every send."""
    received: list[bytes] = []

    def handler(conn: socket.socket, request: bytes) -> None:
        received.append(request)
        real = b'{"status":"OK","code":"OK","message":"Ok","data":{"bulk_id":%d}}' % (
            5000 + len(received)
        )
        extra = b'{"status":"OK","code":"OK","message":"Ok","data":{"bulk_id":666}}'
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        conn.sendall(head % len(real) + real)
        time.sleep(0.05)
        conn.sendall(head % len(extra) + extra)

    with serve(handler) as base_url:
        outcomes = _sends(mode, base_url, 5, pause=0.15)
    assert 666 not in outcomes
    assert len(received) == 5  # every send reached the server
    assert outcomes == [5001 + n for n in range(5)]


@pytest.mark.parametrize("mode", ["sync", "async", "aiohttp"])
def test_a_body_longer_than_its_content_length_does_not_cross_into_the_next_answer(
    mode: str,
) -> None:
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

    factory = client_factory(cast(Mode, mode))
    with serve(handler) as base_url:
        driver = Driver(cast(Mode, mode), lambda: factory(KEY, base_url=base_url, max_retries=0))
        try:
            for _ in range(2):
                # The body is cut short (or, where the parser reads on, malformed after it).
                with pytest.raises((UnexpectedResponseError, APIConnectionError)):
                    driver.call(lambda client: client.credit())
        finally:
            driver.close()
    assert len(received) == 2  # each call was its own request on its own connection


def test_raw_calls_through_a_callers_client_carry_its_headers_and_the_key(
    sandbox: Sandbox,
) -> None:
    """`raw` through a caller's client: its default headers go along, as on the SDK's own
    calls, and its `auth=` never replaces the key."""
    seen: list[httpx.Headers] = []
    with (
        httpx.Client(
            auth=("user", "pw"),
            headers={"X-Service": "billing", "User-Agent": "billing/1.0"},
            transport=sandbox.transport(),
            event_hooks={"request": [lambda request: seen.append(request.headers)]},
        ) as theirs,
        SpeedPayamak(KEY, base_url="https://sandbox.test", http_client=theirs) as client,
    ):
        assert unwrap(get_credit.sync_detailed(client=client.raw)).credit == 1000
        assert client.credit() == 1000
    assert [h["X-Service"] for h in seen] == ["billing", "billing"]
    assert [h["User-Agent"] for h in seen] == ["billing/1.0", "billing/1.0"]
    assert all(h["Authorization"].startswith("AccessKey ") for h in seen)
