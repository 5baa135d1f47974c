"""A total deadline for each attempt, however slowly a server answers.

httpx's timeouts bound each socket operation, so a server that drips a byte a second never
trips them. The SDK's own connection pools get a network backend that shortens every
connect, read and write to what is left of the current attempt's deadline, which the
request path sets for the duration of an attempt (per thread, per task).

A caller's client or transport is not the SDK's to change. An async attempt through one
is bounded as a whole (a cancellation at the deadline); a sync one checks the deadline
between reads, and a `Watchdog` shuts the sockets it opened once the deadline has passed,
which ends a read that a dripping server keeps alive.
"""

from __future__ import annotations

import contextlib
import heapq
import socket
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

_deadline: ContextVar[float | None] = ContextVar("speedpayamak_deadline", default=None)
# Whether the current attempt wrote anything on the SDK's own pool: False from the start of
# an attempt that can tell, True from its first write, None where it cannot tell (a
# caller's client or transport).
_wrote: ContextVar[bool | None] = ContextVar("speedpayamak_wrote", default=None)


def attempt_begins(tracked: bool) -> None:
    """An attempt starts; `tracked` when its writes go through this module's streams."""
    _wrote.set(False if tracked else None)


def wrote() -> bool | None:
    """Whether the current attempt wrote anything (None: cannot tell)."""
    return _wrote.get()


class DeadlinePassed(TimeoutError):
    """The attempt's deadline passed. `connected` says whether a connection was open."""

    def __init__(self, connected: bool) -> None:
        super().__init__("the attempt's total deadline passed")
        self.connected = connected


now = time.monotonic


def end_after(seconds: float | None) -> float | None:
    """The moment `seconds` from now (None: no deadline)."""
    return None if seconds is None else time.monotonic() + seconds


def enter(end: float | None) -> Token[float | None]:
    """Bound every network operation from here to `end`, until `leave(token)`."""
    return _deadline.set(end)


def leave(token: Token[float | None]) -> None:
    _deadline.reset(token)


def _bounded(timeout: float | None, *, connected: bool) -> float | None:
    end = _deadline.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise DeadlinePassed(connected)
    return left if timeout is None else min(timeout, left)


class _Stream:
    """A connection whose reads and writes end by the deadline."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, _bounded(timeout, connected=True))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        bounded = _bounded(timeout, connected=True)
        _wrote.set(True)  # from here a byte may be on its way
        self._inner.write(buffer, bounded)

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> _Stream:
        bounded = _bounded(timeout, connected=False)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def __getattr__(self, name: str) -> Any:  # close, get_extra_info
        return getattr(self._inner, name)


class Backend:
    """Wraps a pool's sync network backend (httpcore calls it with keywords)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, **options: Any
    ) -> _Stream:
        bounded = _bounded(timeout, connected=False)
        return _Stream(self._inner.connect_tcp(host, port, timeout=bounded, **options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, **options: Any
    ) -> _Stream:
        bounded = _bounded(timeout, connected=False)
        return _Stream(self._inner.connect_unix_socket(path, timeout=bounded, **options))

    def __getattr__(self, name: str) -> Any:  # sleep
        return getattr(self._inner, name)


class _AsyncStream:
    """The async twin of _Stream."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = await self._inner.read(max_bytes, _bounded(timeout, connected=True))
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, _bounded(timeout, connected=True))

    async def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> _AsyncStream:
        bounded = _bounded(timeout, connected=False)
        return _AsyncStream(await self._inner.start_tls(ssl_context, server_hostname, bounded))

    def __getattr__(self, name: str) -> Any:  # aclose, get_extra_info
        return getattr(self._inner, name)


class AsyncBackend:
    """Wraps a pool's async network backend."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, **options: Any
    ) -> _AsyncStream:
        bounded = _bounded(timeout, connected=False)
        return _AsyncStream(await self._inner.connect_tcp(host, port, timeout=bounded, **options))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, **options: Any
    ) -> _AsyncStream:
        bounded = _bounded(timeout, connected=False)
        return _AsyncStream(await self._inner.connect_unix_socket(path, timeout=bounded, **options))

    def __getattr__(self, name: str) -> Any:  # sleep
        return getattr(self._inner, name)


class Watchdog:
    """One thread that ends what each attempt through a caller's sync client has left
    running past its deadline: `watch(end)` returns the attempt's `Watch`, which the
    request's trace extension fills with the connections it opens."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._thread: threading.Thread | None = None
        self._count = 0

    def watch(self, end: float) -> Watch:
        watch = Watch()
        with self._lock:
            self._count += 1
            heapq.heappush(self._heap, (end, self._count, watch))
            if self._thread is None or not self._thread.is_alive():  # first use, or forked
                self._thread = threading.Thread(
                    target=self._run, name="speedpayamak-deadline", daemon=True
                )
                self._thread.start()
            self._lock.notify()
        return watch

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._heap or self._heap[0][0] > now():
                    self._lock.wait(self._heap[0][0] - now() if self._heap else None)
                _, _, watch = heapq.heappop(self._heap)
            watch.expire()


class Watch:
    """The sockets one attempt opened; shut when its deadline passes before it is done."""

    __slots__ = ("_lock", "_sockets", "done", "expired")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.done = False
        self.expired = False

    def trace(self) -> Callable[[str, dict[str, object]], None]:
        """httpcore's trace extension: it reports each connection it opens."""

        def seen(event: str, info: dict[str, object]) -> None:
            if event == "connection.connect_tcp.complete":
                stream: Any = info.get("return_value")
                sock = stream.get_extra_info("socket") if stream is not None else None
                if isinstance(sock, socket.socket):
                    with self._lock:
                        self._sockets.append(sock)

        return seen

    def finish(self) -> None:
        with self._lock:
            self.done = True
            self._sockets.clear()

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # already closed
                    sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once
