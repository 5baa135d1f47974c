"""Starting and stopping the benchmark sandbox in a child process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import attrs


@attrs.frozen
class Served:
    base_url: str
    bulk_ids: tuple[int, ...]


@contextmanager
def served(
    server: str, seed_recipients: tuple[int, ...] = (), latency: float = 0.0
) -> Iterator[Served]:
    command = [sys.executable, "-m", "benchmarks._serve", "--server", server]
    command += ["--latency", str(latency)]
    for count in seed_recipients:
        command += ["--seed-recipients", str(count)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stderr is not None
        bulk_ids = tuple(int(child.stderr.readline()) for _ in seed_recipients)
        base_url = child.stdout.readline().strip()
        if not base_url.startswith("http://"):
            raise RuntimeError(f"the benchmark server did not start: {child.stderr.read()}")
        yield Served(base_url, bulk_ids)
    finally:
        child.terminate()
        child.wait(timeout=10)
