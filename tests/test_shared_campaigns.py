"""One campaign, many workers: real processes on one journal (SQLite and a real
PostgreSQL server), counted at the sandbox. Together they send every recipient once; a
worker killed mid-run leaves its in-flight chunks `unknown` once its lease lapses, and
nothing is sent twice; the campaign's pace holds across all of them."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from speedpayamak import BulkSendError, Journal, SpeedPayamak
from speedpayamak.testing import Fault, Sandbox

from tests.campaign_worker import numbers
from tests.conftest import KEY, LINE, Store

ROOT = Path(__file__).parent.parent
COMMAND = str(Path(sys.executable).parent / "speedpayamak")


def environment(base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDPAYAMAK_")}
    return {**env, "SPEEDPAYAMAK_API_KEY": KEY, "SPEEDPAYAMAK_BASE_URL": base_url}


def on_host(host: str | None, command: list[str]) -> list[str]:
    """`command` in a UTS namespace of its own named `host`: a worker on another host, as
    far as the store can tell (it shares only the network and the files)."""
    if host is None:
        return command
    return ["unshare", "--uts", "sh", "-c", f'hostname {host} && exec "$@"', "sh", *command]


def worker(base_url: str, store: Store, host: str | None = None, **settings: Any) -> Any:
    settings = {
        "key": KEY,
        "line": LINE,
        "base_url": base_url,
        **store.options,
        **settings,
    }
    command = [sys.executable, "-m", "tests.campaign_worker", json.dumps(settings)]
    return subprocess.Popen(
        on_host(host, command),
        cwd=ROOT,
        env=environment(base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: Any, timeout: float = 120) -> tuple[int, dict[str, Any]]:
    out, err = process.communicate(timeout=timeout)
    assert out, err
    return process.returncode, json.loads(out)


def sent_counts(sandbox: Sandbox) -> collections.Counter[str]:
    return collections.Counter(r for message in sandbox.outbox for r in message.recipients)


@contextmanager
def served(sandbox: Sandbox) -> Iterator[str]:
    with sandbox.serve() as base_url:
        yield base_url


def assert_once_and_accounted(sandbox: Sandbox, store: Store, recipients: list[str]) -> Any:
    """Nothing sent twice; the journal places every recipient, and everything the
    sandbox accepted is accepted or unknown in it, with the sandbox's bulk ids."""
    sent = sent_counts(sandbox)
    assert max(sent.values()) == 1, "a recipient was sent twice"
    ledger = Journal(store.journal, store.campaign).result
    places = [*ledger.accepted_recipients, *ledger.unknown_recipients, *ledger.not_sent]
    assert sorted(places) == sorted(recipients)
    assert not ledger.failed
    assert set(ledger.bulk_ids) <= {m.bulk_id for m in sandbox.outbox}
    assert set(sent) - set(ledger.accepted_recipients) <= set(ledger.unknown_recipients)
    return ledger


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_on_one_campaign_send_each_recipient_once(store: Store, workers: int) -> None:
    recipients = numbers(2_000)
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.01)
    with served(sandbox) as base_url:
        runs = [
            worker(base_url, store, recipients=2_000, concurrency=4, mode=mode)
            for mode in ["sync", "async"] * (workers // 2)
        ]
        outcomes = [finished(run) for run in runs]
    sent = sent_counts(sandbox)
    assert sorted(sent) == sorted(recipients)
    assert max(sent.values()) == 1, f"{sum(sent.values()) - len(sent)} recipients sent twice"
    for status, document in outcomes:  # each returns the whole campaign's result
        assert status == 0, document
        assert sorted(r for _, chunk in document["accepted"] for r in chunk) == sorted(recipients)
    ledger = assert_once_and_accounted(sandbox, store, recipients)
    assert ledger.ok
    assert sorted(ledger.bulk_ids) == sorted(m.bulk_id for m in sandbox.outbox)
    joined = Journal(store.journal, store.campaign).workers
    assert len(joined) == workers
    assert {w.state for w in joined} == {"done"}


@pytest.mark.parametrize("victim_host", [None, "another-host"])
def test_a_killed_worker_leaves_unknown_chunks_and_nothing_is_sent_twice(
    store: Store, victim_host: str | None
) -> None:
    """SIGKILL one of three workers mid-run. On this host its pid tells it is gone; on
    another host only its lease can: the others wait for it to lapse."""
    recipients = numbers(3_000)
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.1)
    fast: dict[str, Any] = {
        "recipients": 3_000,
        "concurrency": 4,
        "timeout": 1.0,
        "max_retries": 0,
        "lease": 3,
    }
    with served(sandbox) as base_url:
        victim = worker(base_url, store, host=victim_host, **fast)
        time.sleep(1.0)
        others = [worker(base_url, store, **fast) for _ in range(2)]
        time.sleep(0.5)
        held_before = len(sandbox.outbox)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=10)
        started = time.monotonic()
        outcomes = [finished(run) for run in others]
        waited = time.monotonic() - started
    assert 0 < held_before < len(recipients) // 10
    ledger = assert_once_and_accounted(sandbox, store, recipients)
    assert ledger.unknown, "the victim had chunks in flight"
    assert not ledger.not_sent
    for status, document in outcomes:
        assert status == 1  # the victim's unknown chunks keep the campaign from ok
        assert sorted(document["unknown"]) == sorted(ledger.unknown_recipients)
    states = collections.Counter(w.state for w in Journal(store.journal, store.campaign).workers)
    assert states == {"done": 2, "lapsed": 1}
    if victim_host is not None:
        assert waited >= 2.0  # the lease (3 s from its last heartbeat) had to lapse


def test_two_overlapping_commands_send_nothing_twice(store: Store, tmp_path: Path) -> None:
    recipients = numbers(1_500)
    listing = tmp_path / "numbers.txt"
    listing.write_text("\n".join(recipients))
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.01)
    command = [COMMAND, "send", "--from", LINE, "--to-file", str(listing), *store.cli()]
    command += ["--concurrency", "4", "--chunk-size", "10", "hi"]
    with served(sandbox) as base_url:
        first = subprocess.Popen(command, env=environment(base_url), stderr=subprocess.PIPE)
        time.sleep(0.3)
        second = subprocess.Popen(command, env=environment(base_url), stderr=subprocess.PIPE)
        first_out, second_out = first.communicate(timeout=120), second.communicate(timeout=120)
        shown = subprocess.run(
            [COMMAND, "--json", "campaign", store.journal]
            + ([] if store.campaign is None else ["--campaign", store.campaign]),
            env=environment(base_url),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert (first.returncode, second.returncode) == (0, 0), (first_out, second_out)
    sent = sent_counts(sandbox)
    assert sorted(sent) == sorted(recipients)
    assert max(sent.values()) == 1
    document = json.loads(shown.stdout)
    assert document["counts"] == {"accepted": 1_500, "failed": 0, "unknown": 0, "not_sent": 0}
    assert len(document["workers"]) == 2
    assert {w["state"] for w in document["workers"]} == {"done"}


def test_the_rate_holds_for_the_whole_campaign(store: Store) -> None:
    """Three workers at max_rate=20: all of them together, measured at the sandbox, stay
    within 20 requests a second (and a 429 one of them meets pauses all three)."""
    rate = 20
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.02)
    settings: dict[str, Any] = {"recipients": 900, "concurrency": 4, "max_rate": rate}
    with served(sandbox) as base_url:
        runs = [worker(base_url, store, **settings) for _ in range(3)]
        outcomes = [finished(run) for run in runs]
    assert all(status == 0 for status, _ in outcomes)
    times = sorted(r.received_at for r in sandbox.requests if r.method == "POST")
    assert len(times) == 90
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= rate + 2, f"{busiest} requests in one second"
    assert times[-1] - times[0] >= (len(times) - rate) / rate  # paced, not bunched


def test_a_429_pauses_every_worker_of_the_campaign(store: Store) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.05)
    sandbox.inject(Fault.delay(0), method="POST", times=30)
    sandbox.inject(Fault.status_code(429, retry_after=1.5), method="POST")
    with served(sandbox) as base_url:
        runs = [worker(base_url, store, recipients=1_200, concurrency=4) for _ in range(3)]
        outcomes = [finished(run) for run in runs]
    assert all(status == 0 for status, _ in outcomes)
    posts = [r for r in sandbox.requests if r.method == "POST"]
    (limited,) = [r for r in posts if r.status == 429]
    during = [
        r for r in posts if limited.received_at + 0.3 < r.received_at < limited.received_at + 1.4
    ]
    assert during == [], f"{len(during)} requests during the campaign's pause"
    assert max(sent_counts(sandbox).values()) == 1


def test_a_stopped_run_sends_nothing_that_waits_for_its_turn(store: Store) -> None:
    """At max_rate=2 with four workers, most chunks wait for the pace when stop() comes:
    they were never written, so they are not_sent, never unknown."""
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.05)
    with (
        served(sandbox) as base_url,
        SpeedPayamak(KEY, base_url=base_url) as client,
    ):
        handle = client.messages.bulk(
            originator=LINE,
            recipients=numbers(200),
            message="x",
            chunk_size=10,
            concurrency=4,
            max_rate=2,
            **store.options,
        )
        threading.Timer(1.6, handle.stop).start()
        with pytest.raises(BulkSendError, match="stopped on request") as stopped:
            handle.send()
    result = stopped.value.result
    assert result.stopped
    assert result.unknown == ()
    assert sorted(result.accepted_recipients) == sorted(sent_counts(sandbox))
    assert 2 <= len(result.accepted) <= 5
    assert len(result.not_sent) == 200 - len(result.accepted_recipients)
    assert Journal(store.journal, store.campaign).result.not_sent == result.not_sent


def test_a_second_ctrl_c_leaves_unknown_only_what_was_written(store: Store, tmp_path: Path) -> None:
    """The command at --rate 2: interrupted twice, its chunks that waited for the pace are
    not sent (the sandbox never saw them), and only chunks it wrote may be unknown."""
    listing = tmp_path / "numbers.txt"
    listing.write_text("\n".join(numbers(500)))
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.3)
    command = [COMMAND, "--json", "send", "--from", LINE, "--to-file", str(listing)]
    command += [*store.cli(), "--concurrency", "4", "--chunk-size", "10", "--rate", "2", "hi"]
    with served(sandbox) as base_url:
        run = subprocess.Popen(
            command, env=environment(base_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        time.sleep(2.0)
        run.send_signal(signal.SIGINT)
        time.sleep(0.05)
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=60)
    assert run.returncode in (7, 130), err
    document = json.loads(out)
    sent = set(sent_counts(sandbox))
    unknown = {r for chunk in document["unknown"] for r in chunk["recipients"]}
    assert unknown <= sent, f"{len(unknown - sent)} recipients unknown though never written"
    assert document["counts"]["not_sent"] >= 400
