"""What keeps a campaign's workers under a provider's limits: an optional request rate
(a token bucket) and a shared pause after a 429, so that one refusal slows every worker,
not just the one that met it. The engine asks before each attempt how long to wait;
the waiting itself is the engine's (a thread sleeps, a task awaits)."""

from __future__ import annotations

import threading
import time


class Gate:
    """Shared by the workers of one bulk send; safe across threads and tasks."""

    def __init__(self, max_rate: float | None = None) -> None:
        self._rate = max_rate
        self._lock = threading.Lock()
        self._next_slot = time.monotonic()
        self._paused_until = 0.0

    def wait_before_request(self) -> float:
        """Seconds to wait before the next request, which takes its slot now."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._paused_until)
            if self._rate is not None:
                start = max(start, self._next_slot)
                self._next_slot = start + 1.0 / self._rate
            return start - now

    def pause(self, seconds: float) -> None:
        """Hold every worker back for `seconds` from now (after a 429)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
