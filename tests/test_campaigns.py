"""Campaigns: concurrent, throttle-aware, crash-safe bulk sends. Every recipient ends in
exactly one place, the sandbox never holds a recipient twice, and a campaign killed at
any moment resumes without sending anything twice."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from speedpayamak import (
    AsyncSpeedPayamak,
    BulkResult,
    BulkSendError,
    InvalidRequestError,
    Journal,
    RateLimitError,
    SpeedPayamak,
)
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE, Driver, Mode, Store, open_driver
from tests.servers import sandbox_command

COMMAND = str(Path(sys.executable).parent / "speedpayamak")


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"+98912{n:07d}" for n in range(start, start + count)]


def send_bulk(driver: Driver, recipients: list[str], **options: Any) -> BulkResult:
    arguments = {"originator": LINE, "recipients": recipients, "message": "x", **options}
    result: BulkResult = driver.call(lambda client: client.messages.send_bulk(**arguments))
    return result


def places(result: BulkResult) -> list[str]:
    return [
        *result.accepted_recipients,
        *result.failed_recipients,
        *result.unknown_recipients,
        *result.not_sent,
    ]


def summary(result: BulkResult) -> tuple[Any, ...]:
    """A result as plain values (errors as their text), to compare a run with its journal."""
    return (
        result.accepted,
        [(c.recipients, str(c.error)) for c in result.failed],
        [(c.recipients, str(c.error)) for c in result.unknown],
        result.not_sent,
    )


def assert_exact(result: BulkResult, recipients: list[str], sandbox: Sandbox) -> None:
    """Each recipient in exactly one place; the outbox never twice; credit as the outbox."""
    assert sorted(places(result)) == sorted(recipients)
    sent = [r for message in sandbox.outbox for r in message.recipients]
    assert len(sent) == len(set(sent)), "a recipient was sent twice"
    assert set(result.accepted_recipients) <= set(sent)
    assert set(sent) - set(result.accepted_recipients) <= set(result.unknown_recipients)
    assert sandbox.credit() == Decimal(10**6) - len(sent)


@pytest.mark.parametrize("concurrency", [1, 4, 16])
@pytest.mark.parametrize("seed", [1, 2])
def test_exact_accounting_under_concurrency_and_faults(
    mode: Mode, concurrency: int, seed: int, sleeps: list[float]
) -> None:
    exact_accounting_with_faults(mode, concurrency, seed, sleeps, {})


@pytest.mark.parametrize("seed", [3, 4])
def test_exact_accounting_with_faults_on_each_store(
    store: Store, mode: Mode, seed: int, sleeps: list[float]
) -> None:
    exact_accounting_with_faults(mode, 4, seed, sleeps, store.options)
    journal = Journal(store.journal, store.campaign).result
    assert sorted(places(journal)) == sorted(numbers(300))


def exact_accounting_with_faults(
    mode: Mode, concurrency: int, seed: int, sleeps: list[float], journal: dict[str, Any]
) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], max_recipients=10)
    recipients = numbers(300)
    chooser = random.Random(seed)
    sandbox.inject(Fault.status_code(429, retry_after=1), method="POST", times=6)  # a storm
    for _ in range(chooser.randint(0, 3)):
        sandbox.inject(Fault.delay(0), method="POST", times=chooser.randint(1, 12))
        fault = chooser.choice(
            [
                Fault.status_code(503),
                Fault.drop_after_processing(),
                Fault.drop_before_processing(),
                Fault.status_code(400),
                Fault.malformed_body("not_json"),
            ]
        )
        sandbox.inject(fault, method="POST")
    with open_driver(sandbox, mode, "transport", max_retries=8) as driver:
        try:
            result = send_bulk(
                driver, recipients, chunk_size=10, concurrency=concurrency, **journal
            )
        except BulkSendError as error:
            result = error.result
            assert not result.ok
    assert_exact(result, recipients, sandbox)
    assert 1.0 in sleeps  # the storm was waited out as Retry-After says
    assert max(sleeps) <= 1.0


def test_a_clean_concurrent_campaign_accepts_everyone(mode: Mode) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], max_recipients=10)
    recipients = numbers(500)
    with open_driver(sandbox, mode, "http") as driver:
        result = send_bulk(driver, recipients, chunk_size=10, concurrency=8)
    assert result.ok
    assert sorted(result.accepted_recipients) == sorted(recipients)
    assert_exact(result, recipients, sandbox)


def test_a_rate_limited_sandbox_gets_every_recipient_once() -> None:
    """20,000 recipients against `speedpayamak sandbox --rate-limit 50`."""
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], rate_limit=50)
    recipients = numbers(20_000)
    with (
        sandbox.serve() as base_url,
        SpeedPayamak(KEY, base_url=base_url, max_retries=20) as client,
    ):
        result = client.messages.send_bulk(
            originator=LINE, recipients=recipients, message="x", concurrency=8
        )
    assert result.ok
    sent = [r for message in sandbox.outbox for r in message.recipients]
    assert sorted(sent) == sorted(recipients)
    limited = sum(1 for r in sandbox.requests if r.status == 429)
    assert limited < len(sandbox.requests)  # the pause held the workers back


def test_the_sandbox_command_takes_rate_limit_and_latency() -> None:
    flags = ["--api-key", KEY, "--rate-limit", "5", "--latency", "0.05"]
    with (
        sandbox_command(*flags) as (base_url, _),
        SpeedPayamak(KEY, base_url=base_url, max_retries=0) as client,
    ):
        started = time.monotonic()
        client.credit()
        assert time.monotonic() - started >= 0.05
        statuses = []
        for _ in range(8):
            try:
                client.credit()
                statuses.append(200)
            except RateLimitError as error:
                statuses.append(error.status_code)
    assert 429 in statuses


# --- the journal -------------------------------------------------------------------------


def test_a_journal_resumes_and_never_resends(mode: Mode, store: Store) -> None:
    journal = store.options
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], max_recipients=10)
    recipients = numbers(50)
    sandbox.inject(Fault.delay(0), method="POST", times=2)
    sandbox.inject(Fault.status_code(400), method="POST")  # chunk 3 refused: resent later
    with open_driver(sandbox, mode, "transport") as driver:
        with pytest.raises(BulkSendError) as first:
            send_bulk(driver, recipients, chunk_size=10, **journal)
        assert len(first.value.result.accepted) == 2
        assert summary(Journal(store.journal, store.campaign).result) == summary(first.value.result)
        result = send_bulk(driver, recipients, chunk_size=10, **journal)
    assert result.ok
    assert [len(c.recipients) for c in result.accepted] == [10] * 5  # the whole campaign
    assert_exact(result, recipients, sandbox)
    assert summary(Journal(store.journal, store.campaign).result) == summary(result)


def test_unknown_chunks_are_not_resent_unless_asked(mode: Mode, store: Store) -> None:
    journal = store.options
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], max_recipients=10)
    recipients = numbers(30)
    sandbox.inject(Fault.drop_after_processing(), method="POST")  # chunk 1: sent, unknown
    with open_driver(sandbox, mode, "transport") as driver:
        with pytest.raises(BulkSendError):
            send_bulk(driver, recipients, chunk_size=10, **journal)
        with pytest.raises(BulkSendError) as resumed:  # an earlier run's unknown still counts
            send_bulk(driver, recipients, chunk_size=10, **journal)
        assert resumed.value.result.unknown_recipients == tuple(recipients[:10])
        assert len(resumed.value.result.accepted) == 2
        assert len(sandbox.outbox) == 3  # the unknown chunk was not sent again
        result = send_bulk(driver, recipients, chunk_size=10, **journal, resend_unknown=True)
    assert result.ok
    assert len(sandbox.outbox) == 4  # asked for: the unknown chunk went again


@pytest.mark.parametrize(
    "change",
    [{"message": "another text"}, {"recipients": numbers(11)}, {"originator": "+9850003"}],
)
def test_a_journal_of_another_campaign_is_refused(store: Store, change: dict[str, Any]) -> None:
    journal = store.options
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE, "+9850003"])
    arguments: dict[str, Any] = {"originator": LINE, "recipients": numbers(10), "message": "x"}
    with SpeedPayamak(KEY, base_url="https://s.test", transport=sandbox.transport()) as client:
        client.messages.send_bulk(**arguments, **journal)
        with pytest.raises(InvalidRequestError, match="another"):
            client.messages.send_bulk(**{**arguments, **change}, **journal)
    assert len(sandbox.outbox) == 1


def test_a_cancelled_async_run_raises_and_keeps_an_exact_ledger(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], max_recipients=10)
    sandbox.inject(Fault.delay(0.2), method="POST", times=1000)
    recipients = numbers(200)

    async def main() -> tuple[BulkResult, BulkResult]:
        async with AsyncSpeedPayamak(
            KEY, base_url="https://s.test", transport=sandbox.async_transport()
        ) as client:
            handle = client.messages.bulk(
                originator=LINE,
                recipients=recipients,
                message="x",
                chunk_size=10,
                concurrency=4,
                journal=journal,
            )
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(handle.send(), timeout=0.5)
            interrupted = handle.result
            sandbox.inject(Fault.delay(0), method="POST", times=1000)  # fast from now on
            resumed = await client.messages.send_bulk(
                originator=LINE,
                recipients=recipients,
                message="x",
                chunk_size=10,
                journal=journal,
                resend_unknown=True,
            )
            return interrupted, resumed

    interrupted, resumed = asyncio.run(main())
    assert sorted(places(interrupted)) == sorted(recipients)
    assert interrupted.unknown  # the chunks in flight when it was cancelled
    assert interrupted.not_sent
    assert summary(Journal(journal).result) == summary(resumed)
    assert resumed.ok
    sent = [r for message in sandbox.outbox for r in message.recipients]
    assert set(sent) == set(recipients)


# --- crash safety, as real processes -------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 5, 8])
def test_a_killed_campaign_resumes_without_sending_twice(tmp_path: Path, seed: int) -> None:
    journal = tmp_path / "campaign.db"
    listing = tmp_path / "numbers.txt"
    recipients = numbers(5_000)
    listing.write_text("\n".join(recipients))
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.02)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDPAYAMAK_")}
    env["SPEEDPAYAMAK_API_KEY"] = KEY
    command = [
        COMMAND,
        "send",
        "--from",
        LINE,
        "--to-file",
        str(listing),
        "--journal",
        str(journal),
        "--concurrency",
        "8",
        "--chunk-size",
        "10",
        "hi",
    ]
    with sandbox.serve() as base_url:
        env["SPEEDPAYAMAK_BASE_URL"] = base_url
        first = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # Killed at a random moment once sending has begun (the command's start-up time
        # varies with the machine's load), before it is done.
        deadline = time.monotonic() + 30
        while not sandbox.outbox and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(random.Random(seed).uniform(0.0, 0.9))
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL  # killed mid-way, not done
        killed_at = len(sandbox.outbox)
        again = subprocess.run(command, env=env, capture_output=True, timeout=120)
        assert again.returncode in (0, 7), again.stderr
        ledger = subprocess.run(
            [COMMAND, "--json", "campaign", str(journal)],
            env=env,
            capture_output=True,
            timeout=60,
        )
    document = json.loads(ledger.stdout)
    unknown = {r for chunk in document["unknown"] for r in chunk["recipients"]}
    sent = collections.Counter(r for message in sandbox.outbox for r in message.recipients)
    assert max(sent.values()) == 1, "a recipient was sent twice"
    for recipient in recipients:
        assert sent[recipient] == 1 or recipient in unknown, recipient
    assert document["not_sent"] == []
    assert document["failed"] == []
    assert 0 < killed_at < len(recipients) // 10


def test_a_lease_shorter_than_the_longest_attempt_is_refused(tmp_path: Path) -> None:
    """The documented figure: 3 attempts of 5 + 30 s and 2 waits of 60 s make 225 s."""
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    arguments: dict[str, Any] = {"originator": LINE, "recipients": numbers(10), "message": "x"}
    with SpeedPayamak(KEY, base_url="https://s.test", transport=sandbox.transport()) as client:
        with pytest.raises(InvalidRequestError, match="longer than 225 s"):
            client.messages.bulk(**arguments, journal=tmp_path / "a.db", lease=200)
        quick = client.with_options(timeout=1, max_retries=0)
        with pytest.raises(InvalidRequestError, match="longer than 2 s"):
            quick.messages.bulk(**arguments, journal=tmp_path / "b.db", lease=2)
        assert quick.messages.send_bulk(**arguments, journal=tmp_path / "c.db", lease=2.5).ok
    assert len(sandbox.outbox) == 1
