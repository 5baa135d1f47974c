"""Every code example of the README and the docs runs against a served sandbox and
type-checks under `mypy --strict`, with the few names examples assume (a client, a list
of customers, your own functions) given by one typed preamble."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from speedpayamak.testing import Sandbox

from tests.postgres import PostgresServer

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
KEY = "docs-example-key"

PREAMBLE = """
from __future__ import annotations

import logging

from speedpayamak import BulkResult, SpeedPayamak

log = logging.getLogger("example")
line = "+9850002"
numbers = ["09121234567", "09351234567"]
customers = [f"0912{n:07d}" for n in range(250)]
text = "Your order has shipped"
client = SpeedPayamak()  # SPEEDPAYAMAK_API_KEY and SPEEDPAYAMAK_BASE_URL: the sandbox
bulk_id = client.messages.send(originator=line, recipients=numbers, message=text)


def alert_finance() -> None: ...
def mark_for_review() -> None: ...
def resend_later(numbers: tuple[str, ...]) -> None: ...
def review(recipients: tuple[str, ...], error: Exception) -> None: ...
def save_for_review(result: BulkResult) -> None: ...


def confirm_order(client: SpeedPayamak, order_id: int) -> None:
    client.messages.send(
        originator="+9850002", recipients=["09121234567"], message=f"Your order {order_id}"
    )


"""


def examples() -> list[tuple[str, str]]:
    found = []
    for source in SOURCES:
        for number, match in enumerate(FENCE.finditer(source.read_text(encoding="utf-8")), 1):
            found.append((f"{source.relative_to(ROOT)}#{number}", match[1]))
    return found


def as_module(code: str) -> str:
    """The example as a module: top-level awaits run inside an event loop."""
    if re.search(r"^(await |async (with|for) )|^\S.*\bawait ", code, re.MULTILINE):
        body = textwrap.indent(code, "    ")
        code = f"import asyncio\n\n\nasync def main() -> None:\n{body}\n\nasyncio.run(main())\n"
    return "from __future__ import annotations\n" + PREAMBLE + code


EXAMPLES = examples()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("examples")
    for index, (_, code) in enumerate(EXAMPLES):
        (folder / f"example_{index:02d}.py").write_text(as_module(code), encoding="utf-8")
    return folder


def test_there_are_examples_in_every_guide() -> None:
    sources = {name.split("#")[0] for name, _ in EXAMPLES}
    assert "README.md" in sources
    assert len(EXAMPLES) >= 15


@pytest.mark.slow
def test_every_example_type_checks_under_mypy_strict(written: Path) -> None:
    checked = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--cache-dir", str(written / ".mypy"), str(written)],
        capture_output=True,
        text=True,
    )
    names = {f"example_{i:02d}.py": name for i, (name, _) in enumerate(EXAMPLES)}
    report = "\n".join(
        next((f"{names[k]}: {ln}" for k in names if ln.startswith(str(written / k))), ln)
        for ln in checked.stdout.splitlines()
    )
    assert checked.returncode == 0, report


@contextmanager
def _clock_running(sandbox: Sandbox) -> Iterator[None]:
    """The sandbox's clock runs 20 times faster than the wall's while an example runs, so
    that deliveries an example follows settle (5 s of sandbox time in 0.25 s)."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.05):
            sandbox.advance(1.0)

    ticking = threading.Thread(target=tick, daemon=True)
    ticking.start()
    try:
        yield
    finally:
        stop.set()
        ticking.join()


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=[name for name, _ in EXAMPLES])
def test_every_example_runs(
    written: Path, index: int, tmp_path: Path, postgres: PostgresServer
) -> None:
    source = written / f"example_{index:02d}.py"
    sandbox = Sandbox(KEY, credit=10**6, lines=["+9850002"], auto_approve=True)
    is_test = "def test_" in source.read_text()
    with sandbox.serve() as base_url, _clock_running(sandbox):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SPEEDPAYAMAK_")},
            "SPEEDPAYAMAK_API_KEY": KEY,
            "SPEEDPAYAMAK_BASE_URL": base_url,
            "CAMPAIGNS_DATABASE_URL": postgres.url,  # the campaigns' shared store
        }
        command = (
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(source)]
            if is_test
            else [sys.executable, str(source)]
        )
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
        )
    assert done.returncode == 0, done.stdout + done.stderr
