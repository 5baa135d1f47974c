"""The SDK under attack, over real sockets: servers that drip, bloat, redirect, answer odd
statuses, nest JSON without end, ignore paging, or sit behind a proxy; a client used
after fork or in a second event loop; and input that cannot be sent."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from typing import Any, Literal

import httpx
import pytest
from speedpayamak import (
    APITimeoutError,
    AsyncSpeedPayamak,
    BulkSendError,
    InvalidRequestError,
    OutcomeUnknownError,
    SpeedPayamak,
    SpeedPayamakError,
    UnexpectedResponseError,
    segments,
)
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE, Driver, Mode, client_factory, open_driver
from tests.servers import answer, serve


@pytest.fixture(params=["sync", "async", "aiohttp"])
def mode(request: pytest.FixtureRequest) -> Mode:
    """Every client here runs sync, async, and async on the aiohttp backend."""
    value: Mode = request.param
    return value


SEND: dict[str, Any] = {"originator": LINE, "recipients": ["09120000001"], "message": "hi"}
CREDIT = json.dumps({"status": "OK", "code": "OK", "message": "Ok", "data": {"credit": 5.0}})
SENT = json.dumps({"status": "OK", "code": "OK", "message": "Ok", "data": {"bulk_id": 7}})


def driver_for(mode: Mode, base_url: str, **options: Any) -> Driver:
    factory = client_factory(mode)
    return Driver(mode, lambda: factory(KEY, base_url=base_url, **options))


def credit(client: Any) -> Any:
    return client.credit()


def send(client: Any) -> Any:
    return client.messages.send(**SEND)


# --- B6: a total deadline per attempt -------------------------------------------------


def header_drip(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(60):
        time.sleep(0.5)
        conn.sendall(b"X-Drip: 1\r\n")


def body_drip(conn: socket.socket, request: bytes) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n"
    )
    for _ in range(60):
        time.sleep(0.5)
        conn.sendall(b" ")


def endless_chunks(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    conn.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
    for _ in range(60):
        time.sleep(0.5)
        conn.sendall(b"1\r\n \r\n")


@pytest.mark.parametrize(
    ("handler", "use", "error"),
    [
        (header_drip, credit, APITimeoutError),
        (body_drip, credit, APITimeoutError),
        (endless_chunks, credit, APITimeoutError),
        (header_drip, send, OutcomeUnknownError),
        (endless_chunks, send, OutcomeUnknownError),
    ],
    ids=["headers-GET", "body-GET", "chunked-GET", "headers-POST", "chunked-POST"],
)
def test_a_dripping_server_cannot_hang_a_call(
    mode: Mode, handler: Any, use: Any, error: type[SpeedPayamakError]
) -> None:
    with serve(handler) as base_url:
        driver = driver_for(mode, base_url, timeout=2, max_retries=0)
        started = time.monotonic()
        with pytest.raises(error):
            driver.call(use)
        elapsed = time.monotonic() - started
        driver.close()
    assert elapsed < 6, elapsed


@pytest.mark.parametrize("through", ["http_client", "transport"])
@pytest.mark.parametrize(
    "handler", [header_drip, body_drip, endless_chunks], ids=["headers", "body", "chunked"]
)
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_deadline_holds_through_a_callers_client_or_transport(
    kind: str, handler: Any, through: str
) -> None:
    """The caller's pool is not the SDK's to change: an attempt through it still ends
    within its deadline (timeout=2: 4 s) plus one read timeout, however slowly it drips."""

    def given() -> Any:
        if through == "http_client":
            return httpx.Client() if kind == "sync" else httpx.AsyncClient()
        return httpx.HTTPTransport() if kind == "sync" else httpx.AsyncHTTPTransport()

    with serve(handler) as base_url:
        started = time.monotonic()
        options: dict[str, Any] = {"timeout": 2, "max_retries": 0, through: given()}
        if kind == "sync":
            with (
                SpeedPayamak(KEY, base_url=base_url, **options) as client,
                pytest.raises(APITimeoutError),
            ):
                client.credit()
        else:

            async def main() -> None:
                async with AsyncSpeedPayamak(KEY, base_url=base_url, **options) as client:
                    with pytest.raises(APITimeoutError):
                        await client.credit()

            asyncio.run(main())
        elapsed = time.monotonic() - started
    assert elapsed < 6, elapsed


# --- B7: an answer-size cap -------------------------------------------------------------


def endless_body(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    conn.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b" " * 65536
    for _ in range(16384):  # 1 GiB, unless the client stops reading
        conn.sendall(b"10000\r\n" + chunk + b"\r\n")


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """1 GiB of spaces, gzipped to about 1 MiB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * (1 << 20)
    parts = [compressor.compress(block) for _ in range(1024)]
    return b"".join(parts) + compressor.flush()


@pytest.mark.parametrize("kind", ["endless", "gzip"])
def test_an_answer_past_the_size_cap_is_refused_while_streaming(
    mode: Mode, kind: str, gzip_bomb: bytes
) -> None:
    def bomb(conn: socket.socket, request: bytes) -> None:
        conn.sendall(answer(200, gzip_bomb, (("Content-Encoding", "gzip"),)))

    with serve(endless_body if kind == "endless" else bomb) as base_url:
        driver = driver_for(mode, base_url, max_retries=0)
        tracemalloc.start()
        try:
            with pytest.raises(UnexpectedResponseError, match="too large") as caught:
                driver.call(credit)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            driver.close()
    assert caught.value.status_code == 200
    assert peak < 64 * 2**20, peak


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", zlib.compress(CREDIT.encode(), wbits=zlib.MAX_WBITS | 16)),
        ("deflate", zlib.compress(CREDIT.encode())),
        ("deflate", zlib.compress(CREDIT.encode(), wbits=-zlib.MAX_WBITS)),  # raw, as some send
        ("identity", CREDIT.encode()),
    ],
    ids=["gzip", "deflate", "raw-deflate", "identity"],
)
def test_encoded_answers_are_decoded_by_the_sdk(mode: Mode, encoding: str, body: bytes) -> None:
    with serve(
        lambda conn, request: conn.sendall(answer(200, body, (("Content-Encoding", encoding),)))
    ) as url:
        driver = driver_for(mode, url, max_retries=0)
        assert driver.call(credit) == 5.0
        driver.close()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [("br", b"\x0b\x02\x80hello\x03"), ("gzip", b"\x1f\x8b not really gzip"), ("gzip, br", b"x")],
    ids=["unsupported", "corrupt", "stacked"],
)
def test_an_answer_that_cannot_be_decoded_is_an_unexpected_response(
    mode: Mode, encoding: str, body: bytes
) -> None:
    requests: list[bytes] = []

    def handler(conn: socket.socket, request: bytes) -> None:
        requests.append(request)
        conn.sendall(answer(200, body, (("Content-Encoding", encoding),)))

    with serve(handler) as url:
        driver = driver_for(mode, url, max_retries=2)
        with pytest.raises(UnexpectedResponseError, match="may have been sent") as caught:
            driver.call(send)
        driver.close()
    assert caught.value.status_code == 200
    assert len(requests) == 1  # a send whose answer could not be read is never repeated


def test_the_size_cap_is_a_client_option(mode: Mode) -> None:
    with serve(lambda conn, request: conn.sendall(answer(200, CREDIT.encode()))) as base_url:
        driver = driver_for(mode, base_url, max_response_size=20, max_retries=0)
        with pytest.raises(UnexpectedResponseError, match="too large"):
            driver.call(credit)
        driver.close()
        roomy = driver_for(mode, base_url, max_response_size=len(CREDIT))
        assert roomy.call(credit) == 5.0
        roomy.close()


# --- A2: redirects are never followed ---------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_never_followed_even_through_a_callers_client(
    mode: Mode, status: int
) -> None:
    seen: dict[str, int] = {"origin": 0, "target": 0}

    def target(conn: socket.socket, request: bytes) -> None:
        seen["target"] += 1
        conn.sendall(answer(200, SENT.encode()))

    with serve(target) as target_url:

        def origin(conn: socket.socket, request: bytes) -> None:
            seen["origin"] += 1
            location = (("Location", f"{target_url}/v1/messages"),)
            conn.sendall(answer(status, b"", location))

        with serve(origin) as origin_url:
            caller: Any = None
            if mode == "aiohttp":  # the backend's own pool
                make: Any = lambda: client_factory(mode)(KEY, base_url=origin_url)  # noqa: E731
            elif mode == "sync":
                caller = httpx.Client(follow_redirects=True)
                make = lambda: SpeedPayamak(KEY, base_url=origin_url, http_client=caller)  # noqa: E731
            else:
                caller = httpx.AsyncClient(follow_redirects=True)
                make = lambda: AsyncSpeedPayamak(KEY, base_url=origin_url, http_client=caller)  # noqa: E731
            driver = Driver(mode, make)
            with pytest.raises(UnexpectedResponseError) as caught:
                driver.call(send)
            if caller is not None:
                driver.call(lambda _: caller.close() if mode == "sync" else caller.aclose())
            driver.close()
    assert caught.value.status_code == status
    assert target_url in str(caught.value)
    assert caught.value.headers["location"].startswith(target_url)
    assert seen == {"origin": 1, "target": 0}


# --- A3: any 2xx with a valid envelope is success ----------------------------------------


@pytest.mark.parametrize("status", [200, 201, 202, 203])
def test_any_2xx_with_a_valid_envelope_is_success(mode: Mode, status: int) -> None:
    with serve(lambda conn, request: conn.sendall(answer(status, SENT.encode()))) as base_url:
        driver = driver_for(mode, base_url)
        assert driver.call(send) == 7
        driver.close()


@pytest.mark.parametrize(("status", "body"), [(202, b""), (204, b""), (200, b"{not json")])
def test_an_unreadable_2xx_to_a_send_warns_it_may_have_gone_out(
    mode: Mode, status: int, body: bytes
) -> None:
    requests: list[bytes] = []

    def handler(conn: socket.socket, request: bytes) -> None:
        requests.append(request)
        conn.sendall(answer(status, body))

    with serve(handler) as base_url:
        driver = driver_for(mode, base_url)
        with pytest.raises(UnexpectedResponseError, match="may have been sent") as caught:
            driver.call(send)
        driver.close()
    assert caught.value.status_code == status
    assert len(requests) == 1


# --- A4: nothing foreign escapes a public call ------------------------------------------


@pytest.mark.parametrize("status", [200, 500])
def test_json_nested_without_end_is_an_unexpected_response(mode: Mode, status: int) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    with serve(lambda conn, request: conn.sendall(answer(status, deep))) as base_url:
        driver = driver_for(mode, base_url, max_retries=0)
        with pytest.raises(UnexpectedResponseError) as caught:
            driver.call(credit)
        driver.close()
    assert caught.value.status_code == status
    assert len(caught.value.body_start) <= 200


def test_a_second_event_loop_is_refused_before_anything_is_sent(sandbox: Sandbox) -> None:
    with sandbox.serve() as base_url, asyncio.Runner() as first:
        client = AsyncSpeedPayamak(KEY, base_url=base_url)
        assert first.run(client.messages.send(**SEND)) >= 1
        sent = len(sandbox.requests)
        with pytest.raises(InvalidRequestError, match="another event loop"):
            asyncio.run(client.messages.send(**SEND))
        assert len(sandbox.requests) == sent
        assert len(sandbox.outbox) == 1
        first.run(client.aclose())


# --- A1: fork ---------------------------------------------------------------------------


def echo_bulk_id(conn: socket.socket, request: bytes) -> None:
    """Answers each send with the number its text holds, so a crossed answer shows."""
    body = json.loads(request.partition(b"\r\n\r\n")[2] or b"{}")
    bulk_id = int(body.get("message", "0"))
    time.sleep(0.002)
    envelope = {"status": "OK", "code": "OK", "message": "Ok", "data": {"bulk_id": bulk_id}}
    conn.sendall(answer(200, json.dumps(envelope).encode()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_never_uses_the_parents_connections() -> None:
    with serve(echo_bulk_id) as base_url, SpeedPayamak(KEY, base_url=base_url) as client:
        assert client.messages.send(originator=LINE, recipients=["09120000001"], message="1")
        pid = os.fork()
        if pid == 0:  # the child: exit status 0 only if every answer was its own
            try:
                ok = all(
                    client.messages.send(
                        originator=LINE, recipients=["09120000001"], message=str(n)
                    )
                    == n
                    for n in range(1000, 1020)
                )
            except BaseException:
                ok = False
            os._exit(0 if ok else 1)
        mine = [
            client.messages.send(originator=LINE, recipients=["09120000001"], message=str(n))
            for n in range(2000, 2020)
        ]
        _, status = os.waitpid(pid, 0)
    assert mine == list(range(2000, 2020))
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
def test_a_forked_child_of_an_async_client_opens_its_own_connections(
    backend: Literal["httpx", "aiohttp"],
) -> None:
    def sends(client: AsyncSpeedPayamak, numbers: range) -> list[int]:
        async def send(n: int) -> int:
            return await client.messages.send(
                originator=LINE, recipients=["09120000001"], message=str(n)
            )

        async def all_of_them() -> list[int]:
            return [await send(n) for n in numbers]

        return asyncio.run(all_of_them()) if os.getpid() != parent else runner.run(all_of_them())

    parent = os.getpid()
    with serve(echo_bulk_id) as base_url, asyncio.Runner() as runner:
        client = AsyncSpeedPayamak(KEY, base_url=base_url, http_backend=backend)
        assert sends(client, range(1, 2)) == [1]  # warm: a pooled connection in this loop
        pid = os.fork()
        if pid == 0:  # the child: its own event loop, its own connections
            try:
                ok = sends(client, range(1000, 1020)) == list(range(1000, 1020))
            except BaseException:
                ok = False
            os._exit(0 if ok else 1)
        mine = sends(client, range(2000, 2020))
        _, status = os.waitpid(pid, 0)
        runner.run(client.aclose())
    assert mine == list(range(2000, 2020))
    assert os.waitstatus_to_exitcode(status) == 0


# --- B8: listings cannot loop -----------------------------------------------------------


def _page_answer(page: int, pages: int) -> bytes:
    return json.dumps(
        {
            "status": "OK",
            "code": 200,
            "message": "Ok",
            "data": {"recipients": [{"recipient": "+989120000001", "status": "pending"}]},
            "meta": {
                "total": 10,
                "pages": pages,
                "limit": 1,
                "page": page,
                "prev": None,
                "next": "/v1/messages/1/recipients?page=1",
            },
        }
    ).encode()


def test_a_server_that_ignores_page_cannot_make_a_listing_loop(
    sandbox: Sandbox, mode: Mode
) -> None:
    json_type = (("Content-Type", "application/json"),)
    sandbox.inject(
        Fault.answer(200, _page_answer(0, 2), json_type),
        path="/v1/messages/*/recipients",
        times=100,
    )
    with (
        open_driver(sandbox, mode, "transport") as driver,
        pytest.raises(UnexpectedResponseError, match="asked for page 1"),
    ):
        driver.recipients(1, page_size=1)
    assert len(sandbox.requests) == 2


def test_a_listing_never_asks_past_the_first_answers_page_count(
    sandbox: Sandbox, mode: Mode
) -> None:
    json_type = (("Content-Type", "application/json"),)
    for page in range(3):  # every page claims a next one, but the first said 2 pages
        sandbox.inject(
            Fault.answer(200, _page_answer(page, 2 if page == 0 else 50), json_type),
            path="/v1/messages/*/recipients",
        )
    with open_driver(sandbox, mode, "transport") as driver:
        assert len(driver.recipients(1, page_size=1)) == 2
    assert len(sandbox.requests) == 2


# --- C9, C10: keys and base URLs --------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "where"),
    [(KEY[:5] + "\u200b" + KEY[5:], "U+200B) at position 6"), ("کلید" + KEY, "at position 1")],
)
def test_a_key_that_is_not_printable_ascii_is_refused_without_showing_it(
    key: str, where: str
) -> None:
    with pytest.raises(InvalidRequestError, match="non-ASCII") as caught:
        SpeedPayamak(key)
    assert where in str(caught.value)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://user:pw@api.example.com",
        "https://api.example.com/?tenant=7",
        "https://api.example.com/#top",
    ],
)
def test_a_base_url_with_credentials_query_or_fragment_is_refused(base_url: str) -> None:
    with pytest.raises(InvalidRequestError, match="base_url") as caught:
        SpeedPayamak(KEY, base_url=base_url)
    assert "pw" not in str(caught.value)


def test_a_base_url_path_prefix_is_kept(sandbox: Sandbox) -> None:
    client = SpeedPayamak(
        KEY, base_url="https://api.example.com/sms/", transport=sandbox.transport()
    )
    assert client.base_url == "https://api.example.com/sms"
    client.close()


# --- C11: proxies from the environment ---------------------------------------------------


def test_proxies_from_the_environment_are_honoured(
    mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> None:
    forwarded: list[bytes] = []

    def proxy(conn: socket.socket, request: bytes) -> None:
        forwarded.append(request.split(b"\r\n", 1)[0])
        conn.sendall(answer(200, CREDIT.encode()))

    with serve(proxy) as proxy_url:
        for name in ("HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        driver = driver_for(mode, "http://api.invalid", allow_insecure_http=True)
        assert driver.call(credit) == 5.0
        driver.close()
    assert forwarded == [b"GET http://api.invalid/v1/credit HTTP/1.1"]


def test_no_proxy_from_the_environment_is_honoured(
    mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> None:
    forwarded: list[bytes] = []

    def proxy(conn: socket.socket, request: bytes) -> None:
        forwarded.append(request)
        conn.sendall(answer(502, b""))

    with (
        serve(proxy) as proxy_url,
        serve(lambda conn, request: conn.sendall(answer(200, CREDIT.encode()))) as direct,
    ):
        for name in ("HTTPS_PROXY", "ALL_PROXY", "https_proxy", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        driver = driver_for(mode, direct)
        assert driver.call(credit) == 5.0
        driver.close()
    assert forwarded == []


# --- C12: a caller's client keeps its default headers ------------------------------------


def test_a_callers_client_keeps_its_default_headers(sandbox: Sandbox, mode: Mode) -> None:
    seen: list[httpx.Headers] = []
    headers = {"X-Service": "billing", "User-Agent": "billing/1.0", "Authorization": "Bearer x"}

    def record(request: httpx.Request) -> None:
        seen.append(request.headers)

    async def arecord(request: httpx.Request) -> None:
        record(request)

    if mode == "sync":
        caller: Any = httpx.Client(
            transport=sandbox.transport(), headers=headers, event_hooks={"request": [record]}
        )
        make: Any = lambda: SpeedPayamak(KEY, base_url="https://sandbox.test", http_client=caller)  # noqa: E731
    else:
        caller = httpx.AsyncClient(
            transport=sandbox.async_transport(),
            headers=headers,
            event_hooks={"request": [arecord]},
        )
        make = lambda: AsyncSpeedPayamak(KEY, base_url="https://sandbox.test", http_client=caller)  # noqa: E731
    driver = Driver(mode, make)
    assert driver.call(credit) == 1000
    driver.call(lambda _: caller.close() if mode == "sync" else caller.aclose())
    driver.close()
    (sent,) = seen
    assert sent["X-Service"] == "billing"
    assert sent["User-Agent"] == "billing/1.0"
    assert sent["Authorization"] == f"AccessKey {KEY}"


# --- D13 to D16: input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"message": "hi \ud800"},
        {"originator": "+98500\udc00"},
        {"recipients": None},
        {"recipients": 5},
        {"recipients": ["09\uff11\uff121234567"]},
        {"recipients": ["\u0966\u096f\u0967\u0968\u0967\u0968\u0969\u096a\u096b\u096c\u096d"]},
    ],
)
def test_input_that_cannot_be_sent_is_refused_before_sending(
    driver: Driver, sandbox: Sandbox, change: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequestError):
        driver.send(**{**SEND, **change})
    assert sandbox.requests == ()


def test_pattern_values_and_segments_refuse_lone_surrogates(
    driver: Driver, sandbox: Sandbox
) -> None:
    with pytest.raises(InvalidRequestError):
        driver.send_pattern(
            pattern_code="abc", originator=LINE, recipient="09120000001", values={"a": "\ud800"}
        )
    with pytest.raises(InvalidRequestError):
        driver.create_pattern(pattern="A %a%", description="\udfff")
    with pytest.raises(InvalidRequestError):
        segments("\ud800")
    assert sandbox.requests == ()


def test_a_send_removes_duplicate_recipients(driver: Driver, sandbox: Sandbox) -> None:
    driver.send(
        originator=LINE, recipients=["09120000001", "+989120000001", "0912 000 0001"], message="x"
    )
    (sent,) = sandbox.outbox
    assert list(sent.recipients) == ["+989120000001"]


def test_a_progress_callback_that_raises_leaves_the_ledger_exact(
    driver: Driver, sandbox: Sandbox
) -> None:
    class Stop(Exception):
        pass

    def progress(done: int, total: int) -> None:
        if done >= 4:
            raise Stop

    numbers = [f"0912000{i:04d}" for i in range(7)]
    with pytest.raises(BulkSendError) as caught:
        driver.call(
            lambda client: client.messages.send_bulk(
                originator=LINE, recipients=numbers, message="x", chunk_size=2, progress=progress
            )
        )
    result = caught.value.result
    assert isinstance(caught.value.__cause__, Stop)
    assert len(result.accepted) == 2
    assert result.failed == ()
    assert result.unknown == ()
    assert len(result.not_sent) == 3
    assert len(sandbox.outbox) == 2
    assert sorted(result.accepted_recipients + result.not_sent) == sorted(
        "+98" + n[1:] for n in numbers
    )


def test_a_progress_callback_that_raises_after_the_last_chunk(
    driver: Driver, sandbox: Sandbox
) -> None:
    def progress(done: int, total: int) -> None:
        if done == total:
            raise KeyError("done")

    with pytest.raises(BulkSendError) as caught:
        driver.call(
            lambda client: client.messages.send_bulk(
                originator=LINE, recipients=["09120000001"], message="x", progress=progress
            )
        )
    assert isinstance(caught.value.__cause__, KeyError)
    assert (len(caught.value.result.accepted), caught.value.result.not_sent) == (1, ())


# --- A5: stale keep-alive ---------------------------------------------------------------


@pytest.fixture
def closes_idle_connections() -> Iterator[tuple[str, list[bytes]]]:
    """A server that closes a connection idle for 1 s, 50 ms behind every answer, and
    answers each send with a new bulk id."""
    received: list[bytes] = []

    def handler(conn: socket.socket, request: bytes) -> None:
        received.append(request)
        time.sleep(0.05)
        envelope = {
            "status": "OK",
            "code": "OK",
            "message": "Ok",
            "data": {"bulk_id": len(received)},
        }
        conn.sendall(answer(200, json.dumps(envelope).encode()))
        conn.settimeout(1.0)

    with serve(handler) as base_url:
        yield base_url, received


@pytest.mark.slow
def test_sends_never_meet_a_connection_the_server_is_closing(
    mode: Mode, closes_idle_connections: tuple[str, list[bytes]]
) -> None:
    base_url, received = closes_idle_connections
    driver = driver_for(mode, base_url, keepalive_expiry=0.8, max_retries=0)
    gaps = [i * 1.6 / 24 for i in range(25)]  # 0 to 1.6 s: both sides of the server's 1 s
    for gap in gaps:
        time.sleep(gap)
        driver.call(send)
    driver.close()
    assert len(received) == len(gaps)
