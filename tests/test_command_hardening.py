"""The command under a person's mistakes and a shell's habits: broken pipes, bad flags,
bytes that are not UTF-8, repeated options, Ctrl-C mid-send, and wording for a terminal;
and the sandbox server as a peer that cannot be made to hoard memory or threads."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from speedpayamak.testing import Fault, Sandbox

from tests.cli_support import COMMAND, environment
from tests.conftest import KEY, LINE


def env(base_url: str | None = None, key: str | None = KEY) -> dict[str, str]:
    return environment(base_url, key)


def run(
    *args: str | bytes, base_url: str | None = None, stdin: bytes = b"", key: str | None = KEY
) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(
        [COMMAND, *args], input=stdin, capture_output=True, env=env(base_url, key), timeout=60
    )
    assert b"Traceback" not in done.stderr, done.stderr
    assert KEY.encode() not in done.stdout + done.stderr
    return done


def one_line_error(done: subprocess.CompletedProcess[bytes]) -> str:
    text = done.stderr.decode("utf-8", "replace")
    assert text.count("\n") == 1, text
    assert text.startswith("speedpayamak"), text
    return text


def test_a_closed_pipe_ends_the_command_quietly(sandbox: Sandbox) -> None:
    for n in range(3000):
        sandbox.receive(f"0912{n:07d}", LINE, "a reply that takes some room " * 2)
    with sandbox.serve() as base_url:
        done = subprocess.run(
            [
                "bash",
                "-c",
                f"'{COMMAND}' --json inbox | head -c 100 >/dev/null; echo ${{PIPESTATUS[0]}} >&2",
            ],
            capture_output=True,
            env=env(base_url),
            timeout=60,
        )
    assert done.stderr.decode().strip() == "0"


@pytest.mark.parametrize(
    "flags",
    [
        ["--credit", "abc"],
        ["--credit", "nan"],
        ["--credit", "-5"],
        ["--port", "99999"],
        ["--line", "12"],
    ],
)
def test_bad_sandbox_flags_exit_2_with_one_line(flags: list[str]) -> None:
    done = run("sandbox", *flags)
    assert done.returncode == 2
    assert flags[0] in one_line_error(done)


def test_sandbox_help_shows_its_defaults() -> None:
    text = run("sandbox", "--help").stdout.decode()
    for default in ("8080", "10000", "+9850002", "127.0.0.1", "sandbox-key"):
        assert default in text


def test_a_message_that_is_not_utf8_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    with sandbox.serve() as base_url:
        argv = run("send", "--from", LINE, "--to", "09120000001", b"caf\xe9", base_url=base_url)
        stdin = run("send", "--from", LINE, "--to", "09120000001", base_url=base_url, stdin=b"\xff")
        listing = tmp_path / "numbers.txt"
        listing.write_bytes(b"09120000001\n\xff\xfe\n")
        from_file = run("send", "--from", LINE, "--to-file", str(listing), "hi", base_url=base_url)
    for done in (argv, stdin, from_file):
        assert done.returncode == 2
        one_line_error(done)
    assert "standard input is not UTF-8" in stdin.stderr.decode()
    assert f"{listing} line 2 is not UTF-8" in from_file.stderr.decode()
    assert sandbox.requests == ()


def test_a_numbers_file_may_start_with_a_byte_order_mark(sandbox: Sandbox, tmp_path: Path) -> None:
    listing = tmp_path / "numbers.txt"
    listing.write_bytes(b"\xef\xbb\xbf09120000001\r\n09120000002\r\n")
    with sandbox.serve() as base_url:
        done = run("send", "--from", LINE, "--to-file", str(listing), "hi", base_url=base_url)
    assert done.returncode == 0, done.stderr
    assert sandbox.outbox[0].recipients == ("+989120000001", "+989120000002")


def test_a_bad_number_in_a_file_is_reported_by_line(tmp_path: Path) -> None:
    listing = tmp_path / "numbers.txt"
    listing.write_text("# customers\n09120000001\n0912\n")
    done = run("send", "--from", LINE, "--to-file", str(listing), "--dry-run", "hi", key=None)
    assert done.returncode == 2
    assert f"{listing} line 3: not a valid phone number: '0912'" in one_line_error(done)


@pytest.mark.parametrize(
    "flags",
    [
        ["--to", "09120000001", "--to", "09120000002", "--var", "code=1"],
        ["--to", "09120000001", "--var", "code=1", "--var", "code=2"],
    ],
)
def test_pattern_send_refuses_repeated_options(sandbox: Sandbox, flags: list[str]) -> None:
    with sandbox.serve() as base_url:
        done = run("pattern", "send", "--code", "abc", "--from", LINE, *flags, base_url=base_url)
    assert done.returncode == 2
    one_line_error(done)
    assert sandbox.requests == ()


def test_errors_name_flags_not_python_arguments() -> None:
    chunk = run("send", "--from", LINE, "--to", "09120000001", "--chunk-size", "0", "hi")
    assert "--chunk-size" in one_line_error(chunk)
    for flag, value in (("--concurrency", "0"), ("--rate", "-1")):
        refused = run("send", "--from", LINE, "--to", "09120000001", flag, value, "hi")
        assert refused.returncode == 2
        assert f"{flag} must be" in one_line_error(refused)
    no_key = run("credit", key=None)
    assert "--api-key-file" in one_line_error(no_key)
    assert "api_key=" not in no_key.stderr.decode()
    insecure = run("--base-url", "http://api.example.com", "credit")
    assert "allow_insecure_http" not in one_line_error(insecure)


def test_version_and_key_file(sandbox: Sandbox, tmp_path: Path) -> None:
    assert run("--version").stdout.decode().startswith("speedpayamak ")
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    with sandbox.serve() as base_url:
        done = run("--api-key-file", str(key_file), "credit", base_url=base_url, key=None)
    assert (done.returncode, done.stdout) == (0, b"credit: 1000\n")


def test_a_long_list_of_numbers_is_shortened(sandbox: Sandbox, tmp_path: Path) -> None:
    poor = Sandbox(KEY, credit=3, lines=[LINE])
    listing = tmp_path / "numbers.txt"
    listing.write_text("\n".join(f"0912{n:07d}" for n in range(40)))
    with poor.serve() as base_url:
        done = run(
            "send",
            "--from",
            LINE,
            "--to-file",
            str(listing),
            "--chunk-size",
            "10",
            "hi",
            base_url=base_url,
        )
    assert done.returncode == 5
    out = done.stdout.decode()
    assert "and 5 more (10 in all)" in out  # the refused chunk
    assert "and 25 more (30 in all)" in out  # never attempted
    assert out.count("+98912") < 15


def _interrupted_send(
    tmp_path: Path, signals: list[signal.Signals], as_json: bool
) -> tuple[int, bytes, bytes, int]:
    """A send of 20 chunks, each answered 0.3 s late, signalled mid-way."""
    sandbox = Sandbox(KEY, credit=10_000, lines=[LINE])
    sandbox.inject(Fault.delay(0.3), method="POST", path="/v1/messages", times=100)
    listing = tmp_path / "numbers.txt"
    listing.write_text("\n".join(f"0912{n:07d}" for n in range(20)))
    with sandbox.serve() as base_url:
        args = [COMMAND, *(["--json"] if as_json else []), "send", "--from", LINE]
        process = subprocess.Popen(
            [*args, "--to-file", str(listing), "--chunk-size", "1", "hi"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env(base_url),
        )
        deadline = time.monotonic() + 20
        while len(sandbox.outbox) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)  # the next chunk is now in flight
        for stop in signals:
            process.send_signal(stop)
            time.sleep(0.05)
        out, err = process.communicate(timeout=30)
        sent = len(sandbox.outbox)
    assert b"Traceback" not in err
    return process.returncode, out, err, sent


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_stopped_send_finishes_its_chunk_in_flight_and_prints_its_ledger(
    tmp_path: Path, stop: signal.Signals, as_json: bool
) -> None:
    status, out, err, sent = _interrupted_send(tmp_path, [stop], as_json)
    assert status == 130, err
    if not as_json:
        assert "never attempted" in err.decode()
        assert "outcome unknown" not in err.decode()
        return
    ledger = json.loads(out)
    accepted = [r for chunk in ledger["accepted"] for r in chunk["recipients"]]
    assert ledger["unknown"] == []
    assert len(accepted) + len(ledger["not_sent"]) == 20
    assert sent == len(accepted)  # the chunk in flight landed, and is accounted


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_second_signal_abandons_the_chunk_in_flight_as_unknown(
    tmp_path: Path, as_json: bool
) -> None:
    status, out, err, sent = _interrupted_send(tmp_path, [signal.SIGINT, signal.SIGINT], as_json)
    assert status == 7, err
    if not as_json:
        assert "outcome unknown (may have been sent" in err.decode()
        return
    ledger = json.loads(out)
    accepted = [r for chunk in ledger["accepted"] for r in chunk["recipients"]]
    assert len(ledger["unknown"]) == 1
    assert len(accepted) + 1 + len(ledger["not_sent"]) == 20
    assert sent in (len(accepted), len(accepted) + 1)  # the unknown chunk may have landed


# --- the sandbox server ----------------------------------------------------------------


def _raw(base_url: str, request: bytes) -> bytes:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        return sock.recv(65536)


@pytest.mark.parametrize("length", [2 * 1024 * 1024, 10**15])
def test_a_large_body_is_refused_unread(sandbox: Sandbox, length: int) -> None:
    with sandbox.serve() as base_url:
        head = (
            f"POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: AccessKey {KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
        answer = _raw(base_url, head.encode())
    assert answer.startswith(b"HTTP/1.1 413")
    assert sandbox.outbox == ()


def test_an_idle_connection_is_closed(sandbox: Sandbox) -> None:
    with sandbox.serve(idle_timeout=0.3) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            started = time.monotonic()
            assert sock.recv(1) == b""  # closed by the server, without a word
            assert time.monotonic() - started < 3
