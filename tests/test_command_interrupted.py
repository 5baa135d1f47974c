"""The command interrupted while one send waits for its answer: it says whether the send
may have gone out (exit 7, with what was sent, numbers masked) or nothing was sent (exit
130), on stderr or as the JSON document."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from speedpayamak import SpeedPayamak
from speedpayamak.testing import Sandbox

from tests.cli_support import COMMAND, environment
from tests.conftest import KEY, LINE
from tests.servers import serve

NUMBER = "09121234567"


@contextmanager
def never_answering() -> Iterator[tuple[str, threading.Event]]:
    """A server that reads each request and never answers it."""
    received = threading.Event()

    def hold(conn: socket.socket, request: bytes) -> None:
        received.set()
        time.sleep(30)

    with serve(hold) as base_url:
        yield base_url, received


@contextmanager
def silent_listener() -> Iterator[str]:
    """Accepts connections and says nothing: a TLS handshake never completes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        for conn in held:
            conn.close()


def interrupted(
    command: list[str], base_url: str, ready: threading.Event | None, *, twice: bool = False
) -> subprocess.CompletedProcess[str]:
    """The command, given Ctrl-C once its request reached the server (`ready`) or after a
    second; `twice`: a second Ctrl-C shortly after the first."""
    process = subprocess.Popen(
        command,
        env=environment(base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if ready is not None:
        assert ready.wait(20), "the request never reached the server"
    else:
        time.sleep(1.0)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    if twice:
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


PATTERN = [
    COMMAND,
    "pattern",
    "send",
    "--code",
    "otp1",
    "--from",
    LINE,
    "--to",
    NUMBER,
    "--var",
    "code=1",
]


def test_ctrl_c_after_the_request_was_sent_says_the_code_may_have_gone_out() -> None:
    with never_answering() as (base_url, received):
        done = interrupted(PATTERN, base_url, received)
    assert done.returncode == 7, done.stderr
    assert "may have gone out" in done.stderr
    assert "otp1" in done.stderr
    assert "*******4567" in done.stderr
    assert NUMBER not in done.stderr
    assert "9121234567" not in done.stderr


def test_ctrl_c_under_json_prints_the_document() -> None:
    command = [COMMAND, "--json", *PATTERN[1:]]
    with never_answering() as (base_url, received):
        done = interrupted(command, base_url, received)
    assert done.returncode == 7
    document = json.loads(done.stdout)
    assert document["outcome"] == "unknown"
    assert document["pattern_code"] == "otp1"
    assert document["recipient"].endswith("4567")
    assert "9121234567" not in done.stdout


def test_ctrl_c_during_the_tls_handshake_says_nothing_was_sent() -> None:
    with silent_listener() as base_url:
        done = interrupted(PATTERN, base_url, None)
    assert done.returncode == 130, done.stderr
    assert "nothing was sent" in done.stderr or "before anything was sent" in done.stderr
    assert "may have gone out" not in done.stderr


def test_a_second_ctrl_c_on_send_masks_the_numbers_it_prints() -> None:
    command = [COMMAND, "send", "--from", LINE, "--to", NUMBER, "--to", "09351234567", "hi"]
    with never_answering() as (base_url, received):
        done = interrupted(command, base_url, received, twice=True)
    err = done.stderr
    assert done.returncode == 7, err
    assert "4567" in err
    assert "9121234567" not in err
    assert "9351234567" not in err


def test_a_keyed_send_interrupted_before_anything_was_written_can_be_sent_again(
    tmp_path: Path,
) -> None:
    keyed = [*PATTERN, "--journal", str(tmp_path / "keys.db"), "--idempotency-key", "otp:7"]
    with silent_listener() as base_url:
        stopped = interrupted(keyed, base_url, None)
    assert stopped.returncode == 130, stopped.stderr
    sandbox = Sandbox(KEY, credit=100, lines=[LINE], auto_approve=True)
    with sandbox.serve() as base_url:
        with SpeedPayamak(KEY, base_url=base_url) as client:
            code = client.patterns.create(pattern="code %code%").code
        again = [c if c != "otp1" else code for c in keyed]
        sent = subprocess.run(again, env=environment(base_url), capture_output=True, text=True)
    assert sent.returncode == 0, sent.stderr  # the key was released, not left unknown
    assert len(sandbox.outbox) == 1
