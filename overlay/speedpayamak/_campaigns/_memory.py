"""The store of a run without a journal: the same protocol in this process's memory, for
the run's own threads or tasks. Nothing to share and nothing that outlives the run, so no
leases; the pace is the run's own."""

from __future__ import annotations

import threading
import time

import attrs

from ._rows import Plan, Row
from ._store import INTERRUPTED


class MemoryStore:
    where = "memory"
    campaign = "default"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[Row] = []
        self._cursor = 0  # no chunk before it is pending
        self._next_slot = 0.0
        self._paused_until = 0.0

    def join(self, plan: Plan, worker: str, lease: float, resend_unknown: bool) -> list[Row]:
        self._rows = [Row(chunk, "pending") for chunk in plan.chunks]
        return list(self._rows)

    def claim(self, worker: str, *, straight: bool) -> tuple[int | None, str, int, float]:
        with self._lock:
            rows = self._rows
            while self._cursor < len(rows) and rows[self._cursor].state != "pending":
                self._cursor += 1
            if self._cursor == len(rows):
                return None, "pending", 0, 0.0
            index = self._cursor
            paused = max(0.0, self._paused_until - time.monotonic())
            state = "in_flight" if straight and not paused else "claimed"
            rows[index] = Row(rows[index].recipients, state, worker=worker)
            return index, state, 0, paused

    def in_flight(self, worker: str, index: int) -> bool:
        with self._lock:
            row = self._rows[index]
            if row.worker != worker or row.state not in ("claimed", "in_flight"):
                return False
            self._rows[index] = attrs.evolve(row, state="in_flight")
            return True

    def record(self, worker: str, index: int, row: Row) -> None:
        with self._lock:
            if row.state == "accepted" or self._rows[index].worker == worker:
                self._rows[index] = attrs.evolve(row, worker=worker)

    def release(self, worker: str, index: int) -> None:
        with self._lock:
            row = self._rows[index]
            if row.worker == worker and row.state == "claimed":
                self._rows[index] = Row(row.recipients, "pending")
                self._cursor = min(self._cursor, index)

    def leave(self, worker: str) -> None:
        with self._lock:
            for index, row in enumerate(self._rows):
                if row.worker == worker and row.state == "claimed":
                    self._rows[index] = Row(row.recipients, "pending")
                elif row.worker == worker and row.state == "in_flight":
                    self._rows[index] = attrs.evolve(row, state="unknown", error=INTERRUPTED)

    def heartbeat(self, worker: str, lease: float) -> bool:
        return True

    def pace(self, rate: float | None) -> float:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._paused_until)
            if rate is not None:
                start = max(start, self._next_slot)
                self._next_slot = start + 1.0 / rate
            return start - now

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def rows(self) -> list[Row]:
        with self._lock:
            return list(self._rows)

    def close(self) -> None:
        pass
