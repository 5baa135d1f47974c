"""What reaches the wire is the SDK's: the key wins over a caller's `auth=`, a closed
client refuses before anything is sent, and certificates named by the environment that
cannot be read are a setting to fix, typed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import httpx
import pytest
from speedpayamak import AsyncSpeedPayamak, BulkSendError, InvalidRequestError, SpeedPayamak
from speedpayamak.testing import Sandbox

from tests.conftest import KEY, LINE


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
    assert set(result.unknown_recipients) <= sent  # unknown only what the server received
    assert set(result.accepted_recipients) <= sent


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
