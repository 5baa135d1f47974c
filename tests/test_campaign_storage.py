"""A campaign's store is as untrusted as the network: a full disk, a damaged or foreign
file, a read-only mount, a value that does not fit, a database server that goes away.
Each is a JournalError (never a driver's own exception), the run starts no new chunk,
and every bulk id the API gave is still in the result the error carries."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from speedpayamak import (
    BulkResult,
    BulkSendError,
    InvalidRequestError,
    Journal,
    JournalError,
    SpeedPayamak,
    UnexpectedResponseError,
)
from speedpayamak.testing import Fault, Sandbox

from tests.campaign_worker import numbers
from tests.conftest import KEY, LINE
from tests.postgres import PostgresServer

COMMAND = str(Path(sys.executable).parent / "speedpayamak")


def client(sandbox: Sandbox, **options: Any) -> SpeedPayamak:
    return SpeedPayamak(KEY, base_url="https://s.test", transport=sandbox.transport(), **options)


def bulk(sandbox: Sandbox, journal: str | Path, count: int = 100, **options: Any) -> BulkResult:
    with client(sandbox) as opened:
        return opened.messages.send_bulk(
            originator=LINE,
            recipients=numbers(count),
            message="x",
            chunk_size=10,
            journal=journal,
            **options,
        )


def small_sandbox() -> Sandbox:
    return Sandbox(KEY, credit=10**6, lines=[LINE], max_recipients=10)


def assert_every_bulk_id_kept(result: BulkResult, sandbox: Sandbox) -> None:
    """What the API accepted is in the result, with its bulk id, written or not."""
    assert sorted(result.bulk_ids) == sorted(m.bulk_id for m in sandbox.outbox)
    sent = [r for m in sandbox.outbox for r in m.recipients]
    assert sorted(result.accepted_recipients) == sorted(sent)


@contextmanager
def mounted(target: Path, *options: str) -> Iterator[Path]:
    target.mkdir(exist_ok=True)
    done = subprocess.run(["mount", *options, target], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mount ({done.stderr.strip()})")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", target], check=False)


# --- files ---------------------------------------------------------------------------


@pytest.mark.parametrize("size_kib", [96, 224, 288, 352, 416])
def test_a_full_disk_is_a_journal_error_and_no_bulk_id_is_lost(
    tmp_path: Path, size_kib: int
) -> None:
    sandbox = small_sandbox()
    with mounted(tmp_path / "disk", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs") as disk:
        journal = disk / "campaign.db"
        with pytest.raises((BulkSendError, JournalError)) as failed:
            bulk(sandbox, journal, count=3_000, concurrency=4)
    if isinstance(failed.value, JournalError):  # the disk was full before anything was sent
        assert not sandbox.outbox
        return
    assert isinstance(failed.value, BulkSendError)
    assert isinstance(failed.value.__cause__, JournalError)
    assert "full" in str(failed.value.__cause__)
    result = failed.value.result
    assert_every_bulk_id_kept(result, sandbox)
    assert not result.ok
    assert len(result.accepted) < 300  # it stopped starting chunks


def test_a_new_journal_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    bulk(small_sandbox(), journal, count=20)
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_a_corrupted_page_is_a_journal_error_and_nothing_is_sent(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    sandbox = small_sandbox()
    bulk(sandbox, journal, count=2_000)
    with open(journal, "r+b") as file:  # the first page holds the schema
        file.seek(100)
        file.write(os.urandom(3_000))
    sent = len(sandbox.outbox)
    with pytest.raises(JournalError, match=r"campaign\.db"):
        bulk(sandbox, journal, count=2_000)
    with pytest.raises(JournalError):
        Journal(journal).result  # noqa: B018
    assert len(sandbox.outbox) == sent


def test_a_file_that_is_not_a_database_is_a_journal_error(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    journal.write_bytes(b"hello, not SQLite at all" * 100)
    with pytest.raises(JournalError):
        bulk(small_sandbox(), journal)


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE speedpayamak_chunks SET recipients = '[\"+98912' WHERE idx = 3",
        "UPDATE speedpayamak_chunks SET recipients = '[1, 2]' WHERE idx = 3",
        "UPDATE speedpayamak_chunks SET state = 'sent-maybe' WHERE idx = 3",
        "UPDATE speedpayamak_chunks SET bulk_id = -5 WHERE idx = 3",
        "UPDATE speedpayamak_chunks SET bulk_id = NULL WHERE idx = 3",
        "DELETE FROM speedpayamak_chunks WHERE idx = 3",
    ],
)
def test_a_row_that_does_not_decode_is_a_journal_error(tmp_path: Path, damage: str) -> None:
    journal = tmp_path / "campaign.db"
    sandbox = small_sandbox()
    sandbox.inject(Fault.status_code(400), method="POST", times=1)  # stop after nothing
    with pytest.raises(BulkSendError):
        bulk(sandbox, journal)
    bulk(sandbox, journal)
    with closing(sqlite3.connect(journal)) as db, db:
        db.execute(damage)
    sent = len(sandbox.outbox)
    with pytest.raises(JournalError, match="chunk 4"):
        Journal(journal).result  # noqa: B018
    with pytest.raises(JournalError, match="chunk 4"):
        bulk(sandbox, journal, resend_unknown=True)
    assert len(sandbox.outbox) == sent


def test_a_foreign_sqlite_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    journal = tmp_path / "app.db"
    with closing(sqlite3.connect(journal)) as db, db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO users VALUES (1, 'someone')")
    before = journal.read_bytes()
    sandbox = small_sandbox()
    with pytest.raises(JournalError, match="another application"):
        bulk(sandbox, journal)
    with pytest.raises(JournalError):
        Journal(journal).result  # noqa: B018
    assert journal.read_bytes() == before
    assert not sandbox.outbox


def test_a_journal_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    sandbox = small_sandbox()
    bulk(sandbox, journal, count=10)
    with closing(sqlite3.connect(journal)) as db, db:
        db.execute("UPDATE speedpayamak_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(JournalError, match="schema version 99"):
        bulk(sandbox, journal, count=10)
    assert len(sandbox.outbox) == 1


def test_a_journal_on_a_read_only_mount_is_read_and_never_written(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    sandbox = small_sandbox()
    sandbox.inject(Fault.delay(0), method="POST", times=3)
    sandbox.inject(Fault.status_code(400), method="POST")
    with pytest.raises(BulkSendError) as first:
        bulk(sandbox, source / "campaign.db")
    with (
        mounted(tmp_path / "ro", "--bind", str(source)) as view,
        mounted(view, "-o", "remount,ro,bind"),
    ):
        read = Journal(view / "campaign.db").result
        assert read.accepted == first.value.result.accepted
        assert len(read.not_sent) == 60
        with pytest.raises(JournalError):
            bulk(sandbox, view / "campaign.db")
    assert len(sandbox.outbox) == 3


def test_a_bulk_id_that_does_not_fit_is_an_unknown_chunk(tmp_path: Path) -> None:
    """An id outside int64 is refused where answers are read: the chunk may have gone out,
    so it is `unknown`, in the result and in the journal alike (never an OverflowError)."""
    journal = tmp_path / "campaign.db"
    sandbox = small_sandbox()
    huge = {"status": "OK", "code": 200, "message": "", "data": {"bulk_id": 2**70}}
    sandbox.inject(Fault.delay(0), method="POST", times=2)
    sandbox.inject(Fault.answer(200, json.dumps(huge).encode()), method="POST")
    with pytest.raises(BulkSendError) as failed:
        bulk(sandbox, journal)
    assert isinstance(failed.value.__cause__, UnexpectedResponseError)
    result = failed.value.result
    assert len(result.accepted) == 2
    assert result.unknown_recipients == tuple(numbers(100)[20:30])
    assert Journal(journal).result.unknown_recipients == result.unknown_recipients


def test_the_command_reports_a_storage_failure_in_one_line(tmp_path: Path) -> None:
    journal = tmp_path / "app.db"
    with closing(sqlite3.connect(journal)) as db, db:
        db.execute("CREATE TABLE users (id INTEGER)")
    sandbox = small_sandbox()
    with sandbox.serve() as base_url:
        env = {**os.environ, "SPEEDPAYAMAK_API_KEY": KEY, "SPEEDPAYAMAK_BASE_URL": base_url}
        done = subprocess.run(
            [
                COMMAND,
                "send",
                "--from",
                LINE,
                "--to",
                "09120000001",
                "--journal",
                str(journal),
                "x",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 8
    assert "Traceback" not in done.stderr
    assert "another application" in done.stderr
    assert not sandbox.outbox


# --- PostgreSQL ----------------------------------------------------------------------


def test_a_postgresql_journal_needs_a_campaign_name() -> None:
    with pytest.raises(InvalidRequestError, match="campaign= is required"):
        bulk(small_sandbox(), "postgresql://nobody@127.0.0.1:1/none")


def test_without_psycopg_a_postgresql_journal_names_the_extra() -> None:
    script = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from speedpayamak import SpeedPayamak, InvalidRequestError\n"
        "client = SpeedPayamak('k' * 20, base_url='http://127.0.0.1:9')\n"
        "try:\n"
        "    client.messages.bulk(originator='+9850002', recipients=['09120000001'],\n"
        "        message='x', journal='postgresql://u@127.0.0.1:1/d', campaign='c')\n"
        "except InvalidRequestError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "pip install 'speedpayamak[postgres]'" in done.stdout, done.stderr


def test_an_unreachable_postgresql_is_a_journal_error_without_its_password() -> None:
    url = "postgresql://someone:s3cret-pw@127.0.0.1:1/db"  # nothing listens on port 1
    with pytest.raises(JournalError) as failed:
        bulk(small_sandbox(), url, campaign="c")
    assert "s3cret-pw" not in str(failed.value)
    assert "***" in failed.value.where


def test_the_postgresql_server_stopped_mid_run_loses_no_bulk_id() -> None:
    server = PostgresServer()
    try:
        sandbox = small_sandbox()
        sandbox.inject(Fault.delay(0.02), method="POST", times=10_000)
        threading.Timer(0.8, server.stop).start()
        started = time.monotonic()
        with pytest.raises(BulkSendError) as failed:
            bulk(sandbox, server.url, count=5_000, concurrency=4, campaign="stopped")
        assert time.monotonic() - started < 60
        assert isinstance(failed.value.__cause__, JournalError)
        result = failed.value.result
        assert_every_bulk_id_kept(result, sandbox)
        assert 0 < len(result.accepted) < 500
        sent = [r for m in sandbox.outbox for r in m.recipients]
        assert len(sent) == len(set(sent))
        server.start()
        ledger = Journal(server.url, "stopped").result  # the server's view, after
        assert set(ledger.bulk_ids) <= set(result.bulk_ids)
    finally:
        server.close()
