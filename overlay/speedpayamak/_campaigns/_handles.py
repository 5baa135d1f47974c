"""The handles a bulk send returns: `send()` runs this run's workers (threads or tasks),
`result` is the campaign's exact ledger at any moment, `stop()` ends it gracefully."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Generic, TypeVar

from speedpayamak.errors import SpeedPayamakError

from ._result import BulkResult
from ._run import BulkRun

if TYPE_CHECKING:
    from speedpayamak._engine import AsyncEngine, SyncEngine

EngineT = TypeVar("EngineT")


def _work_sync(run: BulkRun, engine: SyncEngine) -> None:
    while (taken := run.take()) is not None:
        if isinstance(taken, float):
            time.sleep(taken)  # other workers hold the last chunks: wait for their outcome
            continue
        try:
            bulk_id = engine.run(taken.call, taken.pace)
        except SpeedPayamakError as error:
            run.failed(taken, error)
        else:
            run.accepted(taken, bulk_id)


async def _work_async(run: BulkRun, engine: AsyncEngine) -> None:
    import asyncio

    while (taken := run.take()) is not None:
        if isinstance(taken, float):
            await asyncio.sleep(taken)
            continue
        try:
            bulk_id = await engine.run(taken.call, taken.pace)
        except SpeedPayamakError as error:
            run.failed(taken, error)
        else:
            run.accepted(taken, bulk_id)


class _Handle(Generic[EngineT]):
    """What the sync and async handles share: the run, its ledger, and stopping it."""

    def __init__(self, engine: EngineT, run: BulkRun, concurrency: int) -> None:
        self._engine, self._run, self._concurrency = engine, run, concurrency

    @property
    def result(self) -> BulkResult:
        """The campaign's exact ledger now (every worker's), also after an interruption."""
        return self._run.result

    def stop(self) -> None:
        """Start no new chunk; those in flight finish, and `send()` raises BulkSendError
        whose `result.stopped` is true. Safe from another thread or a signal handler."""
        self._run.stop()


class BulkSend(_Handle["SyncEngine"]):
    """A bulk send ready to run: `send()` runs it (as `send_bulk` does), `result` is its
    exact ledger at any moment, and `stop()` (from another thread, or a signal handler)
    lets the chunks in flight finish and starts no more."""

    def send(self) -> BulkResult:
        """Run this worker's share of the campaign; returns the campaign's result, or
        raises BulkSendError unless every recipient was accepted.

        Interrupted (KeyboardInterrupt), the chunks in flight are recorded `unknown` and
        the interruption propagates."""
        crashes: list[BaseException] = []
        run = self._run

        def work() -> None:
            try:
                _work_sync(run, self._engine)
            except BaseException as exc:  # a bug: stop the others, re-raised below
                crashes.append(exc)
                run.stop(exc)

        run.begin()
        try:
            if self._concurrency == 1:
                _work_sync(run, self._engine)
            else:
                workers = [
                    threading.Thread(target=work, daemon=True) for _ in range(self._concurrency)
                ]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    while worker.is_alive():
                        worker.join(0.1)  # in slices, so that Ctrl-C reaches this thread
        except BaseException:
            run.interrupted()
            raise
        if crashes:
            run.interrupted()
            raise crashes[0]
        return run.finish()


class AsyncBulkSend(_Handle["AsyncEngine"]):
    """The async twin of BulkSend: `await handle.send()`. A cancelled run lets
    CancelledError through, with the chunks in flight recorded `unknown`."""

    async def send(self) -> BulkResult:
        """Run this worker's share of the campaign; see BulkSend.send."""
        import asyncio

        run = self._run
        run.begin()
        workers = [
            asyncio.ensure_future(_work_async(run, self._engine)) for _ in range(self._concurrency)
        ]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            run.interrupted()
            raise
        return run.finish()
