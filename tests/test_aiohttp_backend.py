"""The aiohttp backend keeps the SDK's safety rules: the SDK drives aiohttp itself and
names each of aiohttp's exceptions, so a send that reached the server is never retried.
(The fault matrix, retries, load, deadline, size cap, redirect, proxy and keep-alive tests
also run on it: their `mode` includes "aiohttp".)"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from typing import Any

import pytest
from speedpayamak import (
    APIConnectionError,
    AsyncSpeedPayamak,
    InvalidRequestError,
    OutcomeUnknownError,
)
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE

SEND: dict[str, Any] = {"originator": LINE, "recipients": ["09120000001"], "message": "hi"}


def test_a_send_that_lost_its_answer_is_never_retried(sandbox: Sandbox) -> None:
    sandbox.inject(Fault.drop_after_processing(), method="POST", path="/v1/messages")

    async def main(base_url: str) -> OutcomeUnknownError:
        async with AsyncSpeedPayamak(
            KEY, base_url=base_url, http_backend="aiohttp", max_retries=3
        ) as client:
            with pytest.raises(OutcomeUnknownError) as caught:
                await client.messages.send(**SEND)
            return caught.value

    with sandbox.serve() as base_url:
        error = asyncio.run(main(base_url))
    assert len(sandbox.outbox) == 1  # applied once, and not sent again
    assert sandbox.requests_to("POST", "/v1/messages") == 1
    # httpx-aiohttp called it a connect timeout ("never sent"); the SDK reads aiohttp's own,
    # and carries none of them (they hold the request's headers, and so the key).
    assert "ServerDisconnectedError" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None


def test_a_refused_connection_is_never_sent_and_retried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> APIConnectionError:
        async with AsyncSpeedPayamak(
            KEY, base_url=f"http://127.0.0.1:{port}", http_backend="aiohttp", max_retries=1
        ) as client:
            with pytest.raises(APIConnectionError) as caught:
                await client.messages.send(**SEND)
            return caught.value

    error = asyncio.run(main())
    assert not isinstance(error, OutcomeUnknownError)
    assert error.request_sent is False


def test_without_the_extra_the_backend_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # as if not installed
    with pytest.raises(InvalidRequestError, match=r"speedpayamak\[aiohttp\]"):
        AsyncSpeedPayamak(KEY, http_backend="aiohttp")
    with pytest.raises(InvalidRequestError, match="http_backend"):
        AsyncSpeedPayamak(KEY, http_backend="curl")  # type: ignore[arg-type]


def test_derived_clients_share_the_backend_and_no_object_shows_the_key(sandbox: Sandbox) -> None:
    async def main(base_url: str) -> list[str]:
        async with AsyncSpeedPayamak(KEY, base_url=base_url, http_backend="aiohttp") as client:
            hasty = client.with_options(max_retries=0)
            assert hasty.http_backend == "aiohttp"
            assert await hasty.credit() == 1000
            path = client._http._connections.current()
            session = path.session()  # type: ignore[attr-defined]
            return [repr(client), repr(hasty), repr(path), repr(session), str(vars(session))]

    with sandbox.serve() as base_url:
        shown = asyncio.run(main(base_url))
    assert all(KEY not in text for text in shown)


def test_closing_leaves_no_unclosed_session(sandbox: Sandbox) -> None:
    program = f"""
import asyncio, gc
from speedpayamak import AsyncSpeedPayamak

async def main():
    async with AsyncSpeedPayamak("{KEY}", base_url="{{url}}", http_backend="aiohttp") as c:
        await asyncio.gather(*(c.credit() for _ in range(20)))

asyncio.run(main())
gc.collect()
"""
    with sandbox.serve() as base_url:
        done = subprocess.run(
            [sys.executable, "-W", "error", "-X", "dev", "-c", program.replace("{url}", base_url)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert "Unclosed" not in done.stderr
    assert "unclosed" not in done.stderr
