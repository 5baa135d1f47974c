"""A one-time code sent once across retries and replicas: idempotency keys in SQLite and a
real PostgreSQL server, with real processes counted at the sandbox; and delivery followed
to the end on the sandbox's clock."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from speedpayamak import (
    APIConnectionError,
    APIError,
    AsyncSpeedPayamak,
    DeliveryTimeoutError,
    InvalidRequestError,
    OutcomeUnknownError,
    Recipient,
    SpeedPayamak,
)
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE, Mode, Store
from tests.postgres import free_port

ROOT = Path(__file__).parent.parent
COMMAND = str(Path(sys.executable).parent / "speedpayamak")


def keyed(base_url: str, store: Store, key: str, host: str | None = None, **settings: Any) -> Any:
    """A process that sends once under `key` (on another host: a UTS namespace)."""
    settings = {
        "key": KEY,
        "line": LINE,
        "base_url": base_url,
        "journal": store.journal,
        "idempotency_key": key,
        **settings,
    }
    command = [sys.executable, "-m", "tests.keyed_worker", json.dumps(settings)]
    if host is not None:
        command = ["unshare", "--uts", "sh", "-c", f'hostname {host} && exec "$@"', "sh", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDPAYAMAK_")}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def outcome(process: Any) -> dict[str, Any]:
    out, err = process.communicate(timeout=120)
    assert out, err
    document: dict[str, Any] = json.loads(out)
    return document


def client(sandbox: Sandbox, store: Store, **options: Any) -> SpeedPayamak:
    return SpeedPayamak(
        KEY,
        base_url="https://s.test",
        transport=sandbox.transport(),
        journal=store.journal,
        **options,
    )


def code(client: SpeedPayamak, key: str, text: str = "your code is 4821") -> int:
    return client.messages.send(
        originator=LINE, recipients=["09120000001"], message=text, idempotency_key=key
    )


# --- one send per key, across processes --------------------------------------------------


def test_ten_processes_with_one_key_send_once(store: Store) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.3)
    with sandbox.serve() as base_url:
        runs = [
            keyed(base_url, store, "challenge-1", mode=("sync", "async")[n % 2]) for n in range(10)
        ]
        outcomes = [outcome(run) for run in runs]
    assert len(sandbox.outbox) == 1
    assert {o.get("bulk_id") for o in outcomes} == {sandbox.outbox[0].bulk_id}, outcomes


def test_a_worker_killed_after_writing_leaves_its_key_unknown(store: Store) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=3.0)
    with sandbox.serve() as base_url:
        victim = keyed(base_url, store, "challenge-2")
        deadline = time.monotonic() + 30
        while not sandbox.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)  # the request was read; its answer waits for the latency
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=10)
        again = outcome(keyed(base_url, store, "challenge-2"))
    assert again["error"] == "OutcomeUnknownError", again
    assert len(sandbox.outbox) == 1


@pytest.mark.slow
def test_on_another_host_the_lease_must_lapse_first(postgres: Any) -> None:
    """The victim on another host: until its lease lapses its key is in progress, and a
    call waits for it (up to its own timeout), then says so; after, the key is unknown."""
    store = Store("postgres", postgres.url, None)
    key = f"challenge-{os.getpid()}-{time.time_ns()}"
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=30.0)
    quick: dict[str, Any] = {"timeout": 0.5, "max_retries": 0}  # lease: 1 s attempt + 15 s
    with sandbox.serve() as base_url:
        victim = keyed(base_url, store, key, host="another-host", **quick)
        deadline = time.monotonic() + 30
        while not sandbox.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=10)
        started = time.monotonic()
        waiting = outcome(keyed(base_url, store, key, **quick))
        assert waiting["error"] == "SendInProgressError", waiting
        time.sleep(max(0.0, 17 - (time.monotonic() - started)))
        after = outcome(keyed(base_url, store, key, **quick))
    assert after["error"] == "OutcomeUnknownError", after
    assert len(sandbox.requests) == 1


# --- outcomes that release the key, and those that keep it ------------------------------


def test_a_lost_answer_keeps_the_key_unknown(store: Store) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    sandbox.inject(Fault.drop_after_processing(), method="POST")
    with client(sandbox, store) as opened:
        with pytest.raises(OutcomeUnknownError):
            code(opened, "lost")
        with pytest.raises(OutcomeUnknownError, match="idempotency key 'lost'"):
            code(opened, "lost")
    assert len(sandbox.outbox) == 1


def test_a_refusal_releases_the_key_and_the_next_call_sends_once(store: Store) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    sandbox.inject(Fault.status_code(400), method="POST")
    with client(sandbox, store) as opened:
        with pytest.raises(APIError):
            code(opened, "refused")
        first = code(opened, "refused")
        assert code(opened, "refused") == first
    assert len(sandbox.outbox) == 1


def test_a_refused_connection_releases_the_key(store: Store) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with (
        SpeedPayamak(KEY, base_url=closed, journal=store.journal, max_retries=0) as down,
        pytest.raises(APIConnectionError) as failed,
    ):
        code(down, "unreachable")
    assert not failed.value.request_sent
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with client(sandbox, store) as opened:
        bulk_id = code(opened, "unreachable")
        assert code(opened, "unreachable") == bulk_id
    assert len(sandbox.outbox) == 1


def test_the_same_key_with_another_text_is_refused(store: Store) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with client(sandbox, store) as opened:
        code(opened, "text")
        with pytest.raises(InvalidRequestError, match="'text' was used for another request"):
            code(opened, "text", text="another code")
        with pytest.raises(InvalidRequestError, match="another request"):
            opened.patterns.send(
                pattern_code="abc",
                originator=LINE,
                recipient="09120000001",
                values={"code": "1"},
                idempotency_key="text",
            )
    assert len(sandbox.outbox) == 1


def test_an_expired_key_sends_again(store: Store) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with client(sandbox, store, idempotency_retention=0.5) as opened:
        first = code(opened, "expiring")
        assert code(opened, "expiring") == first
        time.sleep(0.7)
        assert code(opened, "expiring") != first
    assert len(sandbox.outbox) == 2


def test_a_keyed_pattern_send_is_sent_once(store: Store) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], auto_approve=True)
    with client(sandbox, store) as opened:
        pattern = opened.patterns.create(pattern="your code is %code%")
        sent = [
            opened.patterns.send(
                pattern_code=pattern.code,
                originator=LINE,
                recipient="09120000001",
                values={"code": "4821"},
                idempotency_key="login-7",
            )
            for _ in range(3)
        ]
    assert len(set(sent)) == 1
    assert len(sandbox.outbox) == 1


def test_keyed_sends_on_the_async_client(store: Store) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    sandbox.inject(Fault.drop_after_processing(), method="POST")

    async def main() -> tuple[int, int]:
        async with AsyncSpeedPayamak(
            KEY,
            base_url="https://s.test",
            transport=sandbox.async_transport(),
            journal=store.journal,
        ) as opened:
            for _ in range(2):  # the answer lost, then the key unknown
                with pytest.raises(OutcomeUnknownError):
                    await opened.messages.send(
                        originator=LINE,
                        recipients=["09120000001"],
                        message="x",
                        idempotency_key="a",
                    )
            sends = [
                await opened.messages.send(
                    originator=LINE,
                    recipients=["09120000002"],
                    message="x",
                    idempotency_key="b",
                )
                for _ in range(3)
            ]
            return sends[0], len(set(sends))

    _, distinct = asyncio.run(main())
    assert distinct == 1
    assert len(sandbox.outbox) == 2


def test_a_key_without_a_journal_says_how_to_give_one() -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with (
        SpeedPayamak(KEY, base_url="https://s.test", transport=sandbox.transport()) as opened,
        pytest.raises(InvalidRequestError, match=r"journal='keys\.db'"),
    ):
        code(opened, "nowhere")
    assert not sandbox.outbox


def test_the_command_sends_once_per_key(store: Store, tmp_path: Path) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], auto_approve=True)
    with sandbox.serve() as base_url:
        env = {**os.environ, "SPEEDPAYAMAK_API_KEY": KEY, "SPEEDPAYAMAK_BASE_URL": base_url}
        with SpeedPayamak(KEY, base_url=base_url) as opened:
            pattern = opened.patterns.create(pattern="your code is %code%").code
        text = [COMMAND, "--json", "send", "--from", LINE, "--to", "09120000001"]
        text += ["--journal", store.journal, "--idempotency-key", "cli-1", "hi"]
        coded = [COMMAND, "--json", "pattern", "send", "--code", pattern, "--from", LINE]
        coded += ["--to", "09120000002", "--var", "code=4821"]
        coded += ["--journal", store.journal, "--idempotency-key", "cli-2"]
        runs = [
            subprocess.run(c, env=env, capture_output=True, text=True, timeout=60)
            for c in (text, text, coded, coded)
        ]
        missing = subprocess.run(
            [COMMAND, "send", "--from", LINE, "--to", "09120000003", "--idempotency-key", "k", "x"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    ids = [json.loads(run.stdout)["bulk_id"] for run in runs]
    assert ids[0] == ids[1], [r.stderr for r in runs]
    assert ids[2] == ids[3]
    assert ids[0] != ids[2]
    assert len(sandbox.outbox) == 2
    assert missing.returncode == 2
    assert "--idempotency-key needs --journal" in missing.stderr


# --- following delivery -------------------------------------------------------------------


class VirtualClock:
    """Sleeps move the sandboxes' clocks on instead of waiting (the follow's timeout is
    real time); every wait is recorded."""

    def __init__(self) -> None:
        self.waited: list[float] = []
        self.sandboxes: list[Sandbox] = []

    def sleep(self, seconds: float) -> None:
        self.waited.append(seconds)
        for sandbox in self.sandboxes:
            sandbox.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def virtual(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    clock = VirtualClock()
    monkeypatch.setattr(time, "sleep", clock.sleep)
    monkeypatch.setattr(asyncio, "sleep", clock.async_sleep)
    return clock


def delivery_scene(virtual: VirtualClock) -> tuple[Sandbox, list[str]]:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], delivery_seconds=5.0)
    virtual.sandboxes.append(sandbox)
    numbers = [f"+98912000000{n}" for n in range(6)]
    early, late, never, odd, failing, _ = numbers
    sandbox.schedule_delivery(early, after=1)
    sandbox.schedule_delivery(failing, after=3, status="failed")
    sandbox.schedule_delivery(late, after=20)
    sandbox.schedule_delivery(never, after=None)
    sandbox.schedule_delivery(odd, after=2, status="operator-queued")  # unknown: not final
    return sandbox, numbers


def follow(
    mode: Mode, sandbox: Sandbox, bulk_id: int, **options: Any
) -> tuple[list[Recipient], BaseException | None]:
    seen: list[Recipient] = []
    if mode == "sync":
        with SpeedPayamak(
            KEY, base_url="https://s.test", transport=sandbox.transport(), max_retries=0
        ) as opened:
            try:
                for recipient in opened.messages.follow(bulk_id, **options):
                    seen.append(recipient)
            except DeliveryTimeoutError as error:
                return seen, error
        return seen, None

    async def main() -> BaseException | None:
        async with AsyncSpeedPayamak(
            KEY, base_url="https://s.test", transport=sandbox.async_transport(), max_retries=0
        ) as opened:
            try:
                async for recipient in opened.messages.follow(bulk_id, **options):
                    seen.append(recipient)
            except DeliveryTimeoutError as error:
                return error
        return None

    return seen, asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_follow_yields_each_recipient_once_as_it_becomes_final(
    mode: Mode, virtual: VirtualClock
) -> None:
    sandbox, numbers = delivery_scene(virtual)
    early, late, never, odd, failing, default = numbers
    with SpeedPayamak(KEY, base_url="https://s.test", transport=sandbox.transport()) as opened:
        bulk_id = opened.messages.send(originator=LINE, recipients=numbers, message="x")
    seen, ended = follow(mode, sandbox, bulk_id, timeout=0.5, interval=1.0)
    assert [r.recipient for r in seen] == [early, failing, default, late]
    assert [r.status for r in seen] == ["delivered", "failed", "delivered", "delivered"]
    assert isinstance(ended, DeliveryTimeoutError)
    assert ended.bulk_id == bulk_id
    assert {(r.recipient, r.status) for r in ended.pending} == {
        (never, "pending"),
        (odd, "operator-queued"),
    }
    assert max(virtual.waited) <= 60.0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_follow_ends_when_every_recipient_is_final(mode: Mode, virtual: VirtualClock) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], delivery_seconds=4.0)
    virtual.sandboxes.append(sandbox)
    numbers = ["+989120000001", "+989120000002"]
    sandbox.schedule_delivery(numbers[1], after=9, status="discarded")
    with SpeedPayamak(KEY, base_url="https://s.test", transport=sandbox.transport()) as opened:
        bulk_id = opened.messages.send(originator=LINE, recipients=numbers, message="x")
        assert opened.messages.get(bulk_id).status == "active"
        sandbox.inject(Fault.status_code(429, retry_after=7), method="GET")
        seen, ended = follow(mode, sandbox, bulk_id, timeout=30, interval=2.0)
        assert opened.messages.get(bulk_id).status == "finish"
    assert ended is None
    assert [(r.recipient, r.status) for r in seen] == [
        (numbers[0], "delivered"),
        (numbers[1], "discarded"),
    ]
    # The 429's Retry-After rather than the interval, then waits growing from it.
    assert virtual.waited == [7.0, 3.0]


def test_follow_checks_its_arguments() -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with SpeedPayamak(KEY, base_url="https://s.test", transport=sandbox.transport()) as opened:
        with pytest.raises(InvalidRequestError, match="timeout"):
            next(opened.messages.follow(1, timeout=0))
        with pytest.raises(InvalidRequestError, match="interval"):
            next(opened.messages.follow(1, interval=-1))
    assert not sandbox.requests
