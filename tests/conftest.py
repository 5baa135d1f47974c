"""Shared fixtures: the sandbox, and one client driver per (sync|async) x (http|transport).

The canary check runs for every test, by design (`key_never_leaks`, autouse): every test
uses the API key `KEY`, and after each one the key must show in no log record (at DEBUG,
every logger), in nothing printed, and in no exception the test expected. To see those
exceptions it wraps `pytest.raises` for the test's duration, keeping what each one
caught; a test needs nothing extra to be checked.

`sleeps` records the SDK's backoff waits (sync and async) instead of sleeping them.
`postgres` is a real PostgreSQL server for the session; `store` gives each campaign test
a journal in SQLite and in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any, Literal, TypeVar

import attrs
import pytest
from speedpayamak import (
    AsyncSpeedPayamak,
    InboxMessage,
    Message,
    Page,
    Pattern,
    Recipient,
    SpeedPayamak,
    User,
)
from speedpayamak.testing import Sandbox

from tests.postgres import PostgresServer

# A canary: it must never show in any output, log record, exception or repr.
KEY = "canary-key-Zq9xW2"
LINE = "+9850002"

# "aiohttp" is the async client on the aiohttp backend: always over real HTTP, since a
# transport given to a client replaces its backend.
Mode = Literal["sync", "async", "aiohttp"]
Wire = Literal["http", "transport"]
T = TypeVar("T")


class Driver:
    """One SDK client, sync or async, behind one synchronous test surface.

    The async driver runs every call on its own event loop, so the same test body checks
    both clients through their real public methods.
    """

    mode: Mode
    sync_client: SpeedPayamak | None = None
    async_client: AsyncSpeedPayamak | None = None

    def __init__(self, mode: Mode, make: Callable[[], Any]) -> None:
        self.mode = mode
        self._runner = asyncio.Runner() if mode != "sync" else None
        if self._runner is None:
            self.sync_client = make()
        else:

            async def build() -> AsyncSpeedPayamak:
                client: AsyncSpeedPayamak = make()
                return client

            self.async_client = self._runner.run(build())

    def await_(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine of the async client on the driver's own event loop."""
        assert self._runner is not None
        return self._runner.run(coroutine)

    @property
    def client(self) -> SpeedPayamak | AsyncSpeedPayamak:
        client = self.sync_client or self.async_client
        assert client is not None
        return client

    def call(self, use: Callable[[Any], Any]) -> Any:
        """`use(client)`, awaited on the driver's loop when the client is async."""
        result = use(self.client)
        if inspect.isawaitable(result):
            return self.await_(result)  # type: ignore[arg-type]
        return result

    def collect(self, listing: Callable[[Any], Any]) -> list[Any]:
        """Every item of `listing(client)`, iterated or async-iterated."""

        async def items(iterable: Any) -> list[Any]:
            return [item async for item in iterable]

        found = listing(self.client)
        if hasattr(found, "__aiter__"):
            return self.await_(items(found))
        return list(found)

    def user(self) -> User:
        result: User = self.call(lambda client: client.user())
        return result

    def credit(self) -> float:
        result: float = self.call(lambda client: client.credit())
        return result

    def send(self, **kwargs: Any) -> int:
        result: int = self.call(lambda client: client.messages.send(**kwargs))
        return result

    def get(self, bulk_id: int) -> Message:
        result: Message = self.call(lambda client: client.messages.get(bulk_id))
        return result

    def recipients(self, bulk_id: int, page_size: int = 100) -> list[Recipient]:
        return self.collect(lambda client: client.messages.recipients(bulk_id, page_size=page_size))

    def recipient_pages(self, bulk_id: int, page_size: int) -> list[Page[Recipient]]:
        return self.collect(
            lambda client: client.messages.recipients(bulk_id, page_size=page_size).pages()
        )

    def inbox(self, page_size: int = 100) -> list[InboxMessage]:
        return self.collect(lambda client: client.messages.inbox(page_size=page_size))

    def create_pattern(self, **kwargs: Any) -> Pattern:
        result: Pattern = self.call(lambda client: client.patterns.create(**kwargs))
        return result

    def send_pattern(self, **kwargs: Any) -> int:
        result: int = self.call(lambda client: client.patterns.send(**kwargs))
        return result

    def close(self) -> None:
        if self.sync_client:
            self.sync_client.close()
        else:
            assert self.async_client
            assert self._runner
            self.await_(self.async_client.aclose())
            self._runner.close()


def client_factory(mode: Mode) -> Callable[..., Any]:
    """The SDK client class for `mode`, with the aiohttp backend chosen for "aiohttp"."""
    if mode == "sync":
        return SpeedPayamak
    if mode == "aiohttp":
        return lambda *args, **options: AsyncSpeedPayamak(*args, http_backend="aiohttp", **options)
    return AsyncSpeedPayamak


@contextmanager
def open_driver(
    sandbox: Sandbox, mode: Mode, wire: Wire, key: str = KEY, **options: Any
) -> Iterator[Driver]:
    """A driver whose client talks to `sandbox` over real HTTP or through its transport."""
    with ExitStack() as stack:
        if wire == "http" or mode == "aiohttp":
            base_url = stack.enter_context(sandbox.serve())
            factory = client_factory(mode)

            def make() -> Any:
                return factory(key, base_url=base_url, **options)

        elif mode == "sync":

            def make() -> Any:
                transport = sandbox.transport()
                return SpeedPayamak(
                    key, base_url="https://sandbox.test", transport=transport, **options
                )

        else:

            def make() -> Any:
                transport = sandbox.async_transport()
                return AsyncSpeedPayamak(
                    key, base_url="https://sandbox.test", transport=transport, **options
                )

        driver = Driver(mode, make)
        try:
            yield driver
        finally:
            driver.close()


def exception_texts(error: BaseException) -> list[str]:
    """Everything a user could print of an error: its traceback, str, repr and attributes,
    for it and every error it was raised from, and every string reachable from it."""
    texts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        texts += [str(seen), repr(seen), repr(seen.args), repr(vars(seen))]
        seen = seen.__cause__ or seen.__context__
    return texts + reachable_strings(error)


def reachable_strings(root: object, limit: int = 20000) -> list[str]:
    """Every str and bytes reachable from `root` through attributes (instance dicts and
    slots), containers and exception chains: what a debugger or a careless log could show
    (a request's headers inside an exception, say)."""
    found: list[str] = []
    pending: list[object] = [root]
    visited: set[int] = set()
    while pending and len(visited) < limit:
        item = pending.pop()
        if id(item) in visited or isinstance(item, type | ModuleType | FunctionType):
            continue
        visited.add(id(item))
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, bytes | bytearray | memoryview):
            found.append(bytes(item).decode("latin-1"))
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set | frozenset):
            pending += list(item)
        elif isinstance(item, int | float | complex | bool) or item is None:
            continue
        else:
            if isinstance(item, BaseException):
                pending += [item.__cause__, item.__context__, item.args]
                pending += getattr(item, "__notes__", [])
            pending += list(getattr(item, "__dict__", {}).values())
            for klass in type(item).__mro__:
                slots = getattr(klass, "__slots__", ())
                for slot in (slots,) if isinstance(slots, str) else slots:
                    pending.append(getattr(item, slot, None))
    return found


class _RecordingRaises:
    """pytest.raises, also keeping the exception it caught for the canary check."""

    def __init__(self, inner: Any, caught: list[BaseException]) -> None:
        self._inner = inner
        self._caught = caught

    def __enter__(self) -> Any:
        return self._inner.__enter__()

    def __exit__(self, *exc_info: Any) -> Any:
        if exc_info[1] is not None:
            self._caught.append(exc_info[1])
        return self._inner.__exit__(*exc_info)


@pytest.fixture(autouse=True)
def key_never_leaks(
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """For every test: the canary key shows in no log record (at DEBUG, every logger), in
    nothing printed, and in no exception a test expected (caught with pytest.raises)."""
    caplog.set_level(logging.DEBUG)
    caught: list[BaseException] = []
    raises = pytest.raises

    def recording_raises(*args: Any, **kwargs: Any) -> Any:
        return _RecordingRaises(raises(*args, **kwargs), caught)

    monkeypatch.setattr(pytest, "raises", recording_raises)
    yield
    out, err = capfd.readouterr()
    sys.stdout.write(out)
    sys.stderr.write(err)
    seen = [("stdout", out), ("stderr", err)]
    seen += [(f"log record of {r.name}", r.getMessage()) for r in caplog.records]
    seen += [(f"a {type(e).__name__}", text) for e in caught for text in exception_texts(e)]
    for where, text in seen:
        assert KEY not in text, f"the API key leaked into {where}"


# Filled by tests/test_fault_matrix.py, printed at the end of the run.
FAULT_MATRIX: dict[tuple[str, str, str], str] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FAULT_MATRIX:
        return
    faults = list(dict.fromkeys(fault for fault, _, _ in FAULT_MATRIX))
    calls = list(dict.fromkeys((op, mode) for _, op, mode in FAULT_MATRIX))
    header = ["operation", *faults]
    rows = [
        [f"{op} ({mode})", *(FAULT_MATRIX.get((fault, op, mode), "") for fault in faults)]
        for op, mode in calls
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    terminalreporter.section(
        f"fault matrix: {len(FAULT_MATRIX)} cells, each outcome / requests seen / sends applied"
    )
    for row in [header, *rows]:
        terminalreporter.write_line("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every backoff the SDK waits, recorded instead of slept."""
    waited: list[float] = []

    async def async_sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(time, "sleep", waited.append)
    monkeypatch.setattr(asyncio, "sleep", async_sleep)
    return waited


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(KEY, credit=1000, lines=[LINE], max_recipients=50)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> Mode:
    """Sync and async; the modules that prove the transport's safety add "aiohttp"."""
    value: Mode = request.param
    return value


@pytest.fixture(params=["http", "transport"])
def wire(request: pytest.FixtureRequest) -> Wire:
    value: Wire = request.param
    return value


@pytest.fixture
def driver(sandbox: Sandbox, mode: Mode, wire: Wire) -> Iterator[Driver]:
    with open_driver(sandbox, mode, wire, max_retries=0) as opened:
        yield opened


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


@attrs.frozen
class Store:
    """Where a test's campaign lives: `journal=` and `campaign=` for send_bulk."""

    kind: str
    journal: str
    campaign: str | None

    @property
    def options(self) -> dict[str, Any]:
        return {"journal": self.journal, "campaign": self.campaign}

    def cli(self) -> list[str]:
        named = [] if self.campaign is None else ["--campaign", self.campaign]
        return ["--journal", self.journal, *named]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return Store("sqlite", str(tmp_path / "campaign.db"), None)
    server: PostgresServer = request.getfixturevalue("postgres")
    return Store("postgres", server.url, f"campaign-{uuid.uuid4().hex[:12]}")
