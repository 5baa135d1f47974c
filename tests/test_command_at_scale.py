"""The command at scale and in scripts: ledgers summarised on a terminal, resuming said,
listings printed as they arrive, errors as JSON under --json, mistyped names answered
with the nearest, settings refused before anything else, a terminal told it is read."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import time
from pathlib import Path

from speedpayamak import SpeedPayamak
from speedpayamak.testing import Fault, Sandbox

from tests.cli_support import COMMAND, environment, run
from tests.conftest import KEY, LINE


def numbers(count: int) -> list[str]:
    return [f"0912{n:07d}" for n in range(count)]


def test_a_long_ledger_is_summarised_for_a_person_and_whole_in_json(tmp_path: Path) -> None:
    listing = tmp_path / "numbers.txt"
    listing.write_text("\n".join(numbers(300)))
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    send = ["send", "--from", LINE, "--to-file", str(listing), "--chunk-size", "10", "hi"]
    with sandbox.serve() as base_url:
        person = run(base_url, *send)
        script = run(base_url, "--json", *send)
    assert person.returncode == 0
    assert "... and 20 more bulk ids" in person.stdout
    assert person.stdout.count("\n1000000") <= 10
    assert len(json.loads(script.stdout)["accepted"]) == 30


def test_an_interrupted_campaign_says_how_to_resume_and_a_resumed_one_says_what_is_left(
    tmp_path: Path,
) -> None:
    listing = tmp_path / "numbers.txt"
    listing.write_text("\n".join(numbers(100)))
    journal = tmp_path / "campaign.db"
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    sandbox.inject(Fault.delay(0), method="POST", times=3)
    sandbox.inject(Fault.status_code(400), method="POST")
    send = ["send", "--from", LINE, "--to-file", str(listing), "--chunk-size", "10"]
    send += ["--journal", str(journal), "hi"]
    with sandbox.serve() as base_url:
        first = run(base_url, *send)
        again = run(base_url, *send)
    assert first.returncode == 1
    assert again.returncode == 0, again.stderr
    assert "resuming: 30 of 100 recipients already accepted, 0 unknown, 70 left to send" in (
        again.stderr
    )


def test_an_interruption_without_a_journal_says_how_resuming_works(tmp_path: Path) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE], latency=0.3)
    listing = tmp_path / "numbers.txt"
    listing.write_text("\n".join(numbers(200)))
    command = [COMMAND, "send", "--from", LINE, "--to-file", str(listing), "--chunk-size", "10"]
    with sandbox.serve() as base_url:
        process = subprocess.Popen(
            [*command, "hi"], env=environment(base_url), stderr=subprocess.PIPE, text=True
        )
        time.sleep(1.0)
        process.send_signal(2)
        _, err = process.communicate(timeout=30)
    assert process.returncode in (7, 130)
    assert "with --journal FILE, running the same command again would resume" in err


def test_a_listing_is_printed_as_it_arrives(tmp_path: Path) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with (
        sandbox.serve() as base_url,
        SpeedPayamak(KEY, base_url=base_url) as client,
    ):
        bulk_id = client.messages.send(originator=LINE, recipients=numbers(100), message="x")
        shell = f"'{COMMAND}' recipients {bulk_id} --page-size 2 | head -3"
        done = subprocess.run(
            ["bash", "-c", shell], env=environment(base_url), capture_output=True, text=True
        )
        empty = run(base_url, "inbox")
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["RECIPIENT", "STATUS"]
    assert lines[2].split()[0] == "+989120000000"
    pages = sandbox.requests_to("GET", f"/v1/messages/{bulk_id}/recipients")
    assert pages < 10, f"{pages} of 50 pages fetched for three lines"
    assert empty.stdout.strip() == "(none)"


def _with_terminal(command: list[str], base_url: str, typed: bytes = b"") -> tuple[int, str]:
    """Run `command` with a terminal on stdin and stderr; what it wrote there."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        command,
        env=environment(base_url),
        stdin=secondary,
        stdout=subprocess.DEVNULL,
        stderr=secondary,
    )
    os.close(secondary)
    if typed:
        time.sleep(0.5)
        os.write(main, typed)
    process.wait(timeout=30)
    seen = b""
    try:
        while chunk := os.read(main, 65536):
            seen += chunk
    except OSError:
        pass
    os.close(main)
    return process.returncode, seen.decode("utf-8", "replace")


def test_the_progress_bar_follows_the_limit_and_an_empty_listing_shows_no_zero_of_zero() -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with (
        sandbox.serve() as base_url,
        SpeedPayamak(KEY, base_url=base_url) as client,
    ):
        bulk_id = client.messages.send(originator=LINE, recipients=numbers(10), message="x")
        limited = [COMMAND, "recipients", str(bulk_id), "--page-size", "2", "--limit", "3"]
        _, bar = _with_terminal(limited, base_url)
        _, empty = _with_terminal([COMMAND, "inbox"], base_url)
    assert "3/3" in bar
    assert "2/3" in bar
    assert "/10" not in bar
    assert "0/0" not in empty


def test_a_message_read_from_a_terminal_says_so(tmp_path: Path) -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with sandbox.serve() as base_url:
        status, seen = _with_terminal(
            [COMMAND, "send", "--from", LINE, "--to", "09120000001"], base_url, b"hello\n\x04"
        )
    assert status == 0, seen
    assert "reading the message from standard input" in seen
    assert [m.message for m in sandbox.outbox] == ["hello"]


def test_errors_under_json_are_one_json_document() -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with sandbox.serve() as base_url:
        done = run(base_url, "--json", "credit", key="wrong-key")
        refused = run(base_url, "--json", "send", "--from", "+9850099", "--to", "09120000001", "x")
    assert done.returncode == 3
    error = json.loads(done.stdout)["error"]
    assert error["kind"] == "AuthenticationError"
    assert error["exit_status"] == 3
    assert "401" in error["message"]
    shown = json.loads(refused.stdout)
    assert shown["error"]["kind"] == "PermissionDeniedError"


def test_a_single_send_refused_reads_as_a_sends_error() -> None:
    sandbox = Sandbox(KEY, credit=10**6, lines=[LINE])
    with sandbox.serve() as base_url:
        done = run(base_url, "send", "--from", "+9850099", "--to", "09120000001", "x")
    assert done.returncode == 1
    assert "bulk send incomplete" not in done.stderr
    assert "send: HTTP 403" in done.stderr


def test_a_mistyped_command_or_flag_suggests_the_nearest() -> None:
    command = run(None, "sned")
    flag = run(None, "send", "--concurreny", "4", "--from", LINE, "--to", "09120000001", "x")
    assert command.returncode == flag.returncode == 2
    assert "did you mean 'send'?" in command.stderr
    assert "did you mean '--concurrency'?" in flag.stderr


def test_a_bad_setting_is_refused_before_anything_is_printed() -> None:
    done = run(None, "send", "--concurrency", "0", "--from", LINE, "--to", "09120000001", "x")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "--concurrency must be a positive integer" in done.stderr
