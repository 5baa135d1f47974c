"""The `speedpayamak` command, run as a subprocess against the sandbox served over HTTP."""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from speedpayamak.cli._output import ProgressBar
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE

COMMAND = str(Path(sys.executable).parent / "speedpayamak")


@pytest.fixture
def served(sandbox: Sandbox) -> Iterator[str]:
    with sandbox.serve() as base_url:
        yield base_url


def run(
    base_url: str | None, *args: str, stdin: str | None = None, key: str | None = KEY
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDPAYAMAK_")}
    if key is not None:
        env["SPEEDPAYAMAK_API_KEY"] = key
    if base_url is not None:
        env["SPEEDPAYAMAK_BASE_URL"] = base_url
    done = subprocess.run(
        [COMMAND, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )
    assert KEY not in done.stdout
    assert KEY not in done.stderr
    assert "Traceback" not in done.stderr
    return done


def run_json(base_url: str, *args: str, stdin: str | None = None) -> Any:
    done = run(base_url, "--json", *args, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_user_and_credit(served: str) -> None:
    assert run_json(served, "user")["username"] == "sandbox1"
    assert run_json(served, "credit") == {"credit": 1000.0}
    human = run(served, "credit")
    assert (human.returncode, human.stdout) == (0, "credit: 1000\n")
    # Global options may also follow the command.
    assert json.loads(run(served, "credit", "--json").stdout) == {"credit": 1000.0}


def test_send_reads_the_message_from_stdin(served: str, sandbox: Sandbox) -> None:
    output = run_json(
        served,
        "send",
        "--from",
        LINE,
        "--to",
        "09120000001",
        "--to",
        "09120000002",
        stdin="Hello\n",
    )
    (chunk,) = output["accepted"]
    (sent,) = sandbox.outbox
    assert chunk == {"bulk_id": sent.bulk_id, "recipients": ["+989120000001", "+989120000002"]}
    assert sent.message == "Hello"
    assert output["segments"] == {"encoding": "GSM-7", "parts": 1, "length": 5, "remaining": 155}
    assert (output["failed"], output["unknown"], output["not_sent"]) == ([], [], [])


def test_send_from_a_file_in_chunks(served: str, sandbox: Sandbox, tmp_path: Path) -> None:
    listing = tmp_path / "customers.txt"
    listing.write_text(
        "# customers\n09120000001\n\n09120000002  # vip\n09120000003\n+989120000001\n"
    )
    done = run(
        served, "send", "--from", LINE, "--to-file", str(listing), "--chunk-size", "2", "سلام"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # counted after normalizing: +989120000001 is 09120000001 again
    assert lines[0] == "UCS-2, 1 part, 66 characters left in the last part; 3 recipient(s)"
    assert lines[1] == "recipients: 3 accepted, 0 failed, 0 unknown, 0 not sent"
    assert lines[2].split() == ["BULK", "ID", "RECIPIENTS"]
    assert [m.recipients for m in sandbox.outbox] == [
        ("+989120000001", "+989120000002"),
        ("+989120000003",),
    ]
    assert lines[4].split() == [str(sandbox.outbox[0].bulk_id), "2"]
    assert "\r" not in done.stderr  # no progress bar when stderr is not a terminal


def test_dry_run_needs_no_key_and_sends_nothing(served: str, sandbox: Sandbox) -> None:
    done = run(None, "send", "--from", LINE, "--to", "09120000001", "--dry-run", "€" * 81, key=None)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "GSM-7, 2 parts, 144 characters left in the last part; 1 recipient(s)\n"
    document = json.loads(
        run(
            None,
            "--json",
            "send",
            "--from",
            LINE,
            "--to",
            "09120000001",
            "--dry-run",
            "hi",
            key=None,
        ).stdout
    )
    assert document == {
        "dry_run": True,
        "segments": {"encoding": "GSM-7", "parts": 1, "length": 2, "remaining": 158},
        "recipients": 1,
    }
    assert sandbox.requests == ()


def test_patterns(served: str, sandbox: Sandbox) -> None:
    created = run_json(served, "pattern", "create", "--pattern", "Code: %code% for %name%")
    assert created["status"] == "pending"
    sandbox.approve_pattern(created["code"])
    sent = run_json(
        served, "pattern", "send", "--code", created["code"], "--from", LINE, "--to", "09120000001",
        "--var", "code=4821", "--var", "name=Sara",
    )  # fmt: skip
    assert sandbox.outbox[-1].bulk_id == sent["bulk_id"]
    assert sandbox.outbox[-1].message == "Code: 4821 for Sara"


def test_message_recipients_and_inbox(served: str, sandbox: Sandbox) -> None:
    numbers = [f"0912000{i:04d}" for i in range(5)]
    arguments = [item for n in numbers for item in ("--to", n)]
    bulk_id = run_json(served, "send", "--from", LINE, *arguments, "hi")["accepted"][0]["bulk_id"]
    assert run_json(served, "message", str(bulk_id))["recipients_count"] == 5
    sandbox.advance(10)
    listed = run_json(served, "recipients", str(bulk_id), "--page-size", "2")
    assert [r["status"] for r in listed] == ["delivered"] * 5
    limited = run_json(served, "recipients", str(bulk_id), "--page-size", "2", "--limit", "3")
    assert len(limited) == 3
    assert sandbox.requests_to("GET", f"/v1/messages/{bulk_id}/recipients") == 3 + 2
    human = run(served, "recipients", str(bulk_id)).stdout.splitlines()
    assert human[0].split() == ["RECIPIENT", "STATUS"]
    assert human[2].split() == ["+989120000000", "delivered"]
    sandbox.receive("09120000009", LINE, "stop please")
    (reply,) = run_json(served, "inbox")
    assert (reply["sender"], reply["message"], reply["number"]) == (
        "+989120000009",
        "stop please",
        LINE,
    )


def _status_of(base_url: str, *args: str) -> tuple[int, str]:
    done = run(base_url, *args)
    return done.returncode, done.stderr


SEND = ["send", "--from", LINE, "--to", "09120000001", "hi"]


def test_exit_statuses(served: str, sandbox: Sandbox) -> None:
    assert _status_of(served, "send", "--to", "0912")[0] == 2  # usage: --from missing
    code, err = _status_of(served, "send", "--from", LINE, "--to", "0912", "hi")
    assert (code, err) == (
        2,
        "speedpayamak: error: send: --to: not a valid phone number: '0912'\n",
    )
    assert _status_of(served, "send", "--from", "+98111", "--to", "09120000001", "hi")[0] == 1
    code, err = (
        run(served, "credit", key="not-the-key").returncode,
        run(served, "credit", key="x").stderr,
    )
    assert code == 3
    assert err == "speedpayamak: error: credit: HTTP 401, code 1402: api key not valid\n"
    sandbox.inject(Fault.status_code(422), method="POST")
    assert _status_of(served, *SEND)[0] == 4
    expensive = run(served, "send", "--from", LINE, "--to", "09120000001", stdin="x" * 200_000)
    assert expensive.returncode == 5
    assert "10006" in expensive.stderr
    sandbox.inject(Fault.drop_after_processing(), method="POST")
    code, err = _status_of(served, *SEND)
    assert code == 7
    # One request: its own error, said once, not a bulk ledger around it.
    assert err.count("may have been sent") == 1
    assert "bulk send incomplete" not in err
    assert sandbox.outbox[-1].recipients == ("+989120000001",)
    sandbox.inject(Fault.html_page(502), method="GET", times=3)
    assert _status_of(served, "credit")[0] == 1


def test_connection_failure_exit_status() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = run(f"http://127.0.0.1:{port}", "--timeout", "2", "message", "5")
    assert done.returncode == 6
    assert done.stderr.startswith(
        "speedpayamak: error: message: GET /v1/messages/5: could not connect"
    )


def test_missing_key_is_a_usage_error(served: str) -> None:
    done = run(served, "credit", key=None)
    assert done.returncode == 2
    assert "SPEEDPAYAMAK_API_KEY" in done.stderr


def test_demo() -> None:
    done = run(None, "demo", key=None)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for line in (
        "1. Account and credit",
        "2. Send a text to several recipients",
        "3. Create, approve and send a one-time-code pattern",
        "4. Advance the sandbox clock by 10 seconds",
        "5. Delivery statuses",
        "6. Inbox",
        "7. Credit after",
        "demo complete",
    ):
        assert line in out
    assert "failed" in out
    assert "delivered" in out
    assert "Thanks, received!" in out


def test_progress_bar_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar("sending", screen)
    bar.update(5, 10)
    bar.update(10, 10)
    bar.finish()
    assert screen.getvalue() == (
        "\rsending [###############...............] 5/10"
        "\rsending [##############################] 10/10\n"
    )
    pipe = io.StringIO()
    quiet = ProgressBar("sending", pipe)
    quiet.update(5, 10)
    quiet.finish()
    assert pipe.getvalue() == ""


def _every_parser(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _every_parser(child)


def test_every_argument_of_every_command_has_help() -> None:
    from speedpayamak.cli import build_parser

    missing = [
        f"{parser.prog} {action.option_strings or action.dest}"
        for parser in _every_parser(build_parser())
        for action in parser._actions
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]
    assert missing == []


def test_send_help_shows_the_defaults() -> None:
    shown = subprocess.run([COMMAND, "send", "--help"], capture_output=True, text=True).stdout
    flat = " ".join(shown.split())
    assert "recipients per request (default: 100)" in flat
    assert "chunks in flight at once (default: 1)" in flat
    assert "(default: no limit)" in flat
