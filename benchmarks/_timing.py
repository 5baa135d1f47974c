"""Timing helpers: interleaved rounds, medians and spreads, ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import attrs


@attrs.frozen
class Stats:
    """Seconds per call: the median of rounds, with the fastest and slowest round."""

    median: float
    low: float
    high: float
    rounds: int

    def as_dict(self) -> dict[str, float | int]:
        return attrs.asdict(self)


def compare(
    candidates: dict[str, Callable[[], object]], *, rounds: int, per_round: int
) -> dict[str, Stats]:
    """Time each candidate `per_round` calls at a time, alternating them round by round so
    that drift on the machine affects all alike."""
    for call in candidates.values():  # warm up: connections, caches, imports
        for _ in range(max(1, per_round // 10)):
            call()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, call in candidates.items():
            start = time.perf_counter()
            for _ in range(per_round):
                call()
            samples[name].append((time.perf_counter() - start) / per_round)
    return {
        name: Stats(statistics.median(values), min(values), max(values), rounds)
        for name, values in samples.items()
    }
