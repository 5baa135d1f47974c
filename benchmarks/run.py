"""Run the benchmarks, write each one's figures to benchmarks/results/NAME.json, and print
one table. `python -m benchmarks.run [NAME ...]`; `nox -s bench` runs them all."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import async_throughput, campaign, import_time, loopback, overhead, pagination_memory

BENCHMARKS: dict[str, Callable[[], dict[str, Any]]] = {
    "overhead": overhead.run,
    "loopback": loopback.run,
    "async_throughput": async_throughput.run,
    "pagination_memory": pagination_memory.run,
    "import_time": import_time.run,
    "campaign": campaign.run,
}
RESULTS = Path(__file__).parent / "results"


def _ms(stats: dict[str, Any]) -> str:
    low, high = stats["low"] * 1000, stats["high"] * 1000
    return f"{stats['median'] * 1000:.3f} ms ({low:.3f}-{high:.3f})"


def _rate(stats: dict[str, Any]) -> str:
    return f"{stats['median']:.0f}/s ({stats['low']:.0f}-{stats['high']:.0f})"


def _rows(name: str, figures: dict[str, Any]) -> list[list[str]]:
    """One table row per comparison: what, ours, baseline, ratio, goal, met."""
    rows: list[list[str]] = []
    if name == "overhead":
        for case, f in figures.items():
            ours, raw = _ms(f["speedpayamak"]), _ms(f["baseline"]) + " raw httpx"
            rows.append(
                [f"overhead: {case}", ours, raw, f"{f['ratio']:.2f}x", f["goal"], str(f["met"])]
            )
    elif name == "loopback":
        for server in loopback.SERVERS:
            for case in ("credit()", "send"):
                f = figures[server][case]
                ours, theirs = _ms(f["speedpayamak"]), _ms(f["baseline"]) + " ippanel"
                speedup = f"{f['speedup']:.1f}x (raw httpx {f['raw_httpx_speedup']:.1f}x)"
                rows.append(
                    [f"loopback {server}: {case}", ours, theirs, speedup, f["goal"], str(f["met"])]
                )
                raw = _ms(f["raw httpx"]) + " raw httpx"
                to_raw, goal, met = f["to_raw_httpx"], f["to_raw_goal"], f["to_raw_met"]
                rows.append(
                    [f"loopback {server}: {case}", ours, raw, f"{to_raw:.2f}x", goal, str(met)]
                )
    elif name == "async_throughput":
        at = async_throughput
        for server in at.SERVERS:
            figures_s = figures[server]
            goals = figures_s["goals"]
            for concurrency in at.CONCURRENCIES:
                f = figures_s[f"concurrency {concurrency}"]
                what = f"async {server}: {figures['sends']} sends at {concurrency}"
                ours = _rate(f[f"{at.SDK_AIOHTTP} sends/s"])
                for baseline, ratio, goal in (
                    (at.RAW_AIOHTTP, "aiohttp backend / raw aiohttp", at.GOAL_RAW),
                    (at.SDK_BEFORE, "aiohttp backend / before", at.GOAL_BEFORE),
                    (at.RAW_HTTPX_AIOHTTP, "aiohttp backend / raw httpx on httpx-aiohttp", ""),
                ):
                    met = str(goals[f"{goal} at {concurrency}"]) if goal else ""
                    rows.append(
                        [
                            f"{what}, aiohttp backend",
                            ours,
                            _rate(f[f"{baseline} sends/s"]) + f" {baseline}",
                            f"{f[ratio]:.2f}x",
                            goal,
                            met,
                        ]
                    )
                rows.append(
                    [
                        f"{what}, httpx backend",
                        _rate(f[f"{at.SDK_HTTPX} sends/s"]),
                        _rate(f[f"{at.RAW_HTTPX} sends/s"]) + f" {at.RAW_HTTPX}",
                        f"{f['httpx backend / raw httpx']:.2f}x",
                        "",
                        "",
                    ]
                )
    elif name == "pagination_memory":
        peak = f"{figures['peak_growth_mb']:.1f} MB peak"
        goal, met = figures["memory_goal"], str(figures["memory_met"])
        rows.append([f"pagination: {figures['recipients']:,} statuses", peak, "", "", goal, met])
        large, small = f"{figures['seconds_100k']:.2f} s", f"{figures['seconds_10k']:.2f} s for 10k"
        ratio = f"{figures['time_ratio_100k_to_10k']:.1f}"
        met = str(figures["linear_met"])
        rows.append(
            ["pagination: 100k / 10k time", large, small, ratio, figures["linear_goal"], met]
        )
    elif name == "import_time":
        base = f"{figures['import httpx']['median_ms']:.0f} ms import httpx"
        for statement in ("import speedpayamak", "from speedpayamak import SpeedPayamak"):
            f = figures[statement]
            ours = f"{f['median_ms']:.0f} ms ({f['low_ms']:.0f}-{f['high_ms']:.0f})"
            goal = "<= 1.5x" if statement == "import speedpayamak" else "(reported)"
            ratio = f["ratio_to_httpx"]
            rows.append(
                [f"import: {statement}", ours, base, f"{ratio:.2f}x", goal, str(ratio <= 1.5)]
            )
    elif name == "campaign":
        what = f"campaign {figures['recipients']:,} x {figures['chunk_size']}, 20 ms"
        seconds = figures["seconds"]
        sequential = f"{seconds['sync, sequential']:.1f} s sequential"
        for case in (
            "sync, concurrency 16",
            "async, concurrency 16",
            "async aiohttp, concurrency 16",
        ):
            ratio = seconds["sync, sequential"] / seconds[case]
            ours = f"{seconds[case]:.2f} s"
            rows.append(
                [f"{what}: {case}", ours, sequential, f"{ratio:.1f}x", ">= 10x", str(ratio >= 10)]
            )
        without = f"{seconds['sync, concurrency 16']:.2f} s no journal"
        compared = [
            ("sync, concurrency 16, SQLite", "sqlite_cost", without),
            ("sync, concurrency 16, PostgreSQL", "postgres_cost", without),
            (
                "4 processes x 4, PostgreSQL",
                "processes_cost",
                f"{seconds['sync, concurrency 16, PostgreSQL']:.2f} s 1 x 16",
            ),
            (
                "no latency: sync, concurrency 16",
                "zero_latency_16_vs_1",
                f"{seconds['no latency: sync, sequential']:.2f} s sequential",
            ),
        ]
        for case, ratio_name, baseline in compared:
            rows.append(
                [
                    f"{what}: {case}" if "latency" not in case else f"campaign: {case}",
                    f"{seconds[case]:.2f} s",
                    baseline,
                    f"{figures[ratio_name]:.2f}x",
                    figures["goals"][ratio_name],
                    str(figures["met"][ratio_name]),
                ]
            )
    return rows


def main(names: list[str]) -> None:
    RESULTS.mkdir(exist_ok=True)
    machine = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    table = [["benchmark", "speedpayamak", "baseline", "ratio", "goal", "met"]]
    for name in names or list(BENCHMARKS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        figures = BENCHMARKS[name]()
        (RESULTS / f"{name}.json").write_text(json.dumps({"machine": machine, **figures}, indent=2))
        table += _rows(name, figures)
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    print(f"\nmachine: {machine['cores']} cores, Python {machine['python']}, {machine['platform']}")
    for index, row in enumerate(table):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    main(sys.argv[1:])
