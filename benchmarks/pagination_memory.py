"""4. Iterating 100,000 recipient statuses of one bulk: peak memory growth in the client,
and time growing linearly (10,000 against 100,000)."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

from speedpayamak import SpeedPayamak

from ._serve import KEY
from ._servers import served

SMALL, LARGE = 10_000, 100_000
PAGE_SIZE = 1000


def _iterate(client: SpeedPayamak, bulk_id: int) -> int:
    return sum(1 for _ in client.messages.recipients(bulk_id, page_size=PAGE_SIZE))


def run() -> dict[str, Any]:
    with (
        served("minimal", (SMALL, LARGE)) as target,
        SpeedPayamak(KEY, base_url=target.base_url) as client,
    ):
        small_id, large_id = target.bulk_ids
        _iterate(client, small_id)  # warm up
        times: dict[int, list[float]] = {SMALL: [], LARGE: []}
        for _ in range(3):
            for count, bulk_id in ((SMALL, small_id), (LARGE, large_id)):
                start = time.perf_counter()
                assert _iterate(client, bulk_id) == count
                times[count].append(time.perf_counter() - start)
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        assert _iterate(client, large_id) == LARGE
        peak = tracemalloc.get_traced_memory()[1] - baseline
        tracemalloc.stop()
    small, large = min(times[SMALL]), min(times[LARGE])
    return {
        "recipients": LARGE,
        "page_size": PAGE_SIZE,
        "peak_growth_mb": peak / 2**20,
        "memory_goal": "< 20 MB",
        "memory_met": peak < 20 * 2**20,
        "seconds_10k": small,
        "seconds_100k": large,
        "time_ratio_100k_to_10k": large / small,
        "linear_goal": "about 10 (linear)",
        "linear_met": 7 <= large / small <= 13,
    }
