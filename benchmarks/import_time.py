"""5. Import time in fresh interpreters: `import speedpayamak` against `import httpx`."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any

RUNS = 21
STATEMENTS = {
    "import httpx": "import httpx",
    "import speedpayamak": "import speedpayamak",
    "from speedpayamak import SpeedPayamak": "from speedpayamak import SpeedPayamak",
}


def _seconds(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - start


def run() -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    for statement in STATEMENTS.values():
        _seconds(statement)  # warm the file cache
    for _ in range(RUNS):
        for name, statement in STATEMENTS.items():
            samples[name].append(_seconds(statement))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["import httpx"]
    return {
        name: {
            "median_ms": medians[name] * 1000,
            "low_ms": min(samples[name]) * 1000,
            "high_ms": max(samples[name]) * 1000,
            "ratio_to_httpx": medians[name] / base,
        }
        for name in STATEMENTS
    } | {
        "runs": RUNS,
        "goal": "import speedpayamak <= 1.5x import httpx",
        "met": medians["import speedpayamak"] / base <= 1.5,
    }
