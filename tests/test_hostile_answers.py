"""Malformed answers, from a server that has already read the request, on every path (sync,
async on httpx, async on aiohttp): each is read as the answer it holds (where the path's
parser accepts it) or is one of the SDK's errors, never a transport's exception; a send is
reported as possibly sent, never as unsent, and is not repeated; and no string reachable
from the error holds the key."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from speedpayamak import (
    APIConnectionError,
    BulkSendError,
    OutcomeUnknownError,
    SpeedPayamakError,
    UnexpectedResponseError,
)

from tests.conftest import KEY, LINE, Driver, Mode, client_factory, reachable_strings
from tests.servers import serve

SENT = b'{"status":"OK","code":"OK","message":"Ok","data":{"bulk_id":7}}'
JSON = b"Content-Type: application/json\r\n"


def _head(status: bytes = b"HTTP/1.1 200 OK", *lines: bytes) -> bytes:
    return status + b"\r\n" + JSON + b"".join(line + b"\r\n" for line in lines) + b"\r\n"


def _length(n: int = len(SENT)) -> bytes:
    return b"Content-Length: %d" % n


HOSTILE: dict[str, bytes] = {
    "duplicate Content-Length": _head(b"HTTP/1.1 200 OK", _length(), _length(len(SENT) + 1)) + SENT,
    "conflicting Content-Length": _head(b"HTTP/1.1 200 OK", b"Content-Length: 5, 9") + SENT,
    "Content-Length with chunked": _head(
        b"HTTP/1.1 200 OK", _length(), b"Transfer-Encoding: chunked"
    )
    + SENT,
    "a header line over 8,190 bytes": _head(
        b"HTTP/1.1 200 OK", _length(), b"X-Long: " + b"a" * 9000
    )
    + SENT,
    "10,000 headers": _head(b"HTTP/1.1 200 OK", _length(), *(b"X-%d: 1" % n for n in range(10000)))
    + SENT,
    "status 2OO": _head(b"HTTP/1.1 2OO OK", _length()) + SENT,
    "status 999": _head(b"HTTP/1.1 999 OK", _length()) + SENT,
    "no status line": JSON + _length() + b"\r\n\r\n" + SENT,
    "a NUL in a header value": _head(b"HTTP/1.1 200 OK", _length(), b"X-Bad: a\x00b") + SENT,
    "a space in a header name": _head(b"HTTP/1.1 200 OK", _length(), b"X Bad: 1") + SENT,
    "a bad chunk size": _head(b"HTTP/1.1 200 OK", b"Transfer-Encoding: chunked")
    + b"zz\r\n"
    + SENT
    + b"\r\n0\r\n\r\n",
    "a body longer than its Content-Length": _head(b"HTTP/1.1 200 OK", _length(10)) + SENT,
}


@pytest.fixture(params=["sync", "async", "aiohttp"])
def mode(request: pytest.FixtureRequest) -> Mode:
    value: Mode = request.param
    return value


def _hostile(answer: bytes, received: list[bytes]) -> Any:
    def handler(conn: socket.socket, request: bytes) -> None:
        received.append(request.split(b"\r\n", 1)[0])
        conn.sendall(answer)
        conn.shutdown(socket.SHUT_WR)

    return serve(handler)


def _assert_typed_and_keyless(error: BaseException) -> None:
    assert isinstance(error, SpeedPayamakError), f"{type(error).__module__}.{type(error)!r}"
    assert error.__cause__ is None or isinstance(error.__cause__, SpeedPayamakError)
    assert all(KEY not in text for text in reachable_strings(error)), "the key is reachable"


def _outcome(mode: Mode, base_url: str, use: Any, **options: Any) -> Any:
    """What `use(client)` returned, or the exception it raised."""
    factory = client_factory(mode)
    driver = Driver(mode, lambda: factory(KEY, base_url=base_url, **options))
    try:
        return driver.call(use)
    except Exception as error:
        return error
    finally:
        driver.close()


def _send(client: Any) -> Any:
    return client.messages.send(originator=LINE, recipients=["09120000001"], message="hi")


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_answer_to_a_send_is_typed_possibly_sent_and_keyless(
    mode: Mode, name: str
) -> None:
    received: list[bytes] = []
    with _hostile(HOSTILE[name], received) as base_url:
        outcome = _outcome(mode, base_url, _send, max_retries=3)
    assert received == [b"POST /v1/messages HTTP/1.1"]  # never repeated
    if not isinstance(outcome, BaseException):
        assert outcome == 7  # a parser that accepts it reads the answer it holds
        return
    _assert_typed_and_keyless(outcome)
    # The server read the send: it may have been sent, so it is never called unsent.
    assert isinstance(outcome, OutcomeUnknownError | UnexpectedResponseError), repr(outcome)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_answer_to_a_read_is_typed_and_keyless(mode: Mode, name: str) -> None:
    received: list[bytes] = []
    with _hostile(HOSTILE[name], received) as base_url:
        outcome = _outcome(mode, base_url, lambda client: client.user(), max_retries=1)
    assert received
    if isinstance(outcome, BaseException):
        _assert_typed_and_keyless(outcome)
        assert not (isinstance(outcome, APIConnectionError) and outcome.request_sent is False)
    else:  # the answer is a send's, not a user's: only an error can come of it
        raise AssertionError(f"{outcome!r} read from a malformed answer")


@pytest.mark.parametrize("name", ["status 2OO", "a NUL in a header value", "a bad chunk size"])
def test_a_campaign_meeting_a_hostile_answer_raises_its_own_error(mode: Mode, name: str) -> None:
    received: list[bytes] = []
    with _hostile(HOSTILE[name], received) as base_url:
        factory = client_factory(mode)
        driver = Driver(mode, lambda: factory(KEY, base_url=base_url))
        try:
            with pytest.raises(BulkSendError) as caught:
                driver.call(
                    lambda client: client.messages.send_bulk(
                        originator=LINE,
                        recipients=[f"+98912{n:07d}" for n in range(6)],
                        message="hi",
                        chunk_size=2,
                        concurrency=1,
                    )
                )
        finally:
            driver.close()
    error = caught.value
    _assert_typed_and_keyless(error)
    result = error.result
    # Each chunk the server read is unknown or failed; none is called not sent.
    assert len(received) == len(result.unknown) + len(result.failed) > 0
    assert not result.accepted
    counted = result.unknown_recipients + result.failed_recipients + result.not_sent
    assert sorted(counted) == [f"+98912{n:07d}" for n in range(6)]
