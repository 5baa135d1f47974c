"""Bulk sends and campaigns: many recipients in chunks, sent by one or more workers, with
exact accounting of every recipient, and an optional journal that lets a campaign
survive a crash and resume without sending anything twice."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import attrs
from speedpayamak_api.models import SendSMSEnvelope

from . import _calls, _checks
from ._calls import Call
from ._journal import JournalFile, Plan, Row, open_existing
from ._logging import log, masked
from ._throttle import Gate
from .errors import (
    APIConnectionError,
    APIError,
    BulkSendError,
    InvalidRequestError,
    OutcomeUnknownError,
    SpeedPayamakError,
)

if TYPE_CHECKING:
    from ._engine import AsyncEngine, SyncEngine

Progress = Callable[[int, int], None]
EngineT = TypeVar("EngineT")


@attrs.frozen
class AcceptedChunk:
    """Recipients the API accepted in one send, under one bulk id."""

    bulk_id: int
    recipients: tuple[str, ...]


@attrs.frozen
class FailedChunk:
    """Recipients of a chunk that did not go through as planned, and why."""

    recipients: tuple[str, ...]
    error: SpeedPayamakError


@attrs.frozen
class BulkResult:
    """Where every recipient of a bulk send ended up. Each (normalized, de-duplicated)
    recipient is in exactly one of: `accepted`, `failed` (refused: not sent), `unknown`
    (the chunk may or may not have gone out), `not_sent` (never attempted)."""

    accepted: tuple[AcceptedChunk, ...] = ()
    failed: tuple[FailedChunk, ...] = ()
    unknown: tuple[FailedChunk, ...] = ()
    not_sent: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unknown and not self.not_sent

    @property
    def bulk_ids(self) -> tuple[int, ...]:
        return tuple(chunk.bulk_id for chunk in self.accepted)

    @property
    def accepted_recipients(self) -> tuple[str, ...]:
        return tuple(r for chunk in self.accepted for r in chunk.recipients)

    @property
    def unknown_recipients(self) -> tuple[str, ...]:
        return tuple(r for chunk in self.unknown for r in chunk.recipients)

    @property
    def failed_recipients(self) -> tuple[str, ...]:
        return tuple(r for chunk in self.failed for r in chunk.recipients)


def _refused(error: SpeedPayamakError) -> bool:
    """Whether the error proves the chunk was not sent (else its outcome is unknown)."""
    if isinstance(error, APIError):
        return error.status_code < 500
    return (
        isinstance(error, APIConnectionError)
        and not isinstance(error, OutcomeUnknownError)
        and not error.request_sent
    )


def _recorded(row: Row) -> SpeedPayamakError:
    """The error of a chunk recorded by an earlier run, as text."""
    text = row.error or "recorded without a reason"
    return OutcomeUnknownError(text) if row.state == "unknown" else SpeedPayamakError(text)


class BulkRun:
    """One bulk send's plan and ledger, shared by its workers (threads or tasks).

    A worker `take()`s the next chunk (marked in flight, in the journal first), sends it,
    and records `accepted` or `failed`. When a chunk fails, or the run is stopped, no new
    chunk starts; chunks in flight finish and land where they belong. `result` is exact
    at any moment.
    """

    def __init__(
        self,
        originator: str,
        recipients: Iterable[str],
        message: str,
        chunk_size: int,
        progress: Progress | None,
        journal: str | Path | None = None,
        resend_unknown: bool = False,
    ) -> None:
        chunk_size = _checks.positive_int("chunk_size", chunk_size)
        self._originator = _checks.text("originator", originator)
        numbers = _checks.recipients(recipients)
        self._message = _checks.text("message", message)
        chunks = [tuple(numbers[i : i + chunk_size]) for i in range(0, len(numbers), chunk_size)]
        self._rows = [Row(chunk, "pending") for chunk in chunks]
        self._progress = progress
        # Reentrant: `stop()` may run in a signal handler while this thread holds it.
        self._lock = threading.RLock()
        self._stopping = False
        self._cause: BaseException | None = None
        self._errors: dict[int, SpeedPayamakError] = {}
        self._journal: JournalFile | None = None
        if journal is not None:
            self._journal = JournalFile(journal)
            self._resume(numbers, resend_unknown)
        self._total = sum(len(row.recipients) for row in self._rows)
        # Running tallies, so that a run of 10,000 chunks stays linear.
        self._accepted = sum(len(r.recipients) for r in self._rows if r.state == "accepted")
        self._cursor = 0  # no chunk before it is pending: chunks never become pending again

    def _resume(self, numbers: list[str], resend_unknown: bool) -> None:
        assert self._journal is not None
        plan = self._journal.load()
        if plan is None:
            self._journal.create(Plan(self._originator, self._message, tuple(self._rows)))
            return
        planned = [n for row in plan.rows for n in row.recipients]
        for what, theirs, mine in (
            ("originator", plan.originator, self._originator),
            ("message", plan.message, self._message),
            ("recipients", planned, numbers),
        ):
            if theirs != mine:
                raise InvalidRequestError(
                    f"the journal {self._journal.path} is for a campaign with another "
                    f"{what}: use a new journal file for a new campaign"
                )
        self._rows = list(plan.rows)
        for index, row in enumerate(self._rows):
            if row.state == "in_flight":  # its process died with the request maybe sent
                self._set(index, attrs.evolve(row, state="unknown", error=_DIED))
            elif row.state == "failed" or (row.state == "unknown" and resend_unknown):
                self._set(index, Row(row.recipients, "pending"))

    def _set(self, index: int, row: Row) -> None:
        if self._journal is not None:
            self._journal.record(index, row)
        self._rows[index] = row

    # --- what the workers do -----------------------------------------------------------

    def take(self) -> tuple[int, Call[SendSMSEnvelope, int]] | None:
        """The next chunk to send, now in flight; None when nothing more may start."""
        with self._lock:
            rows = self._rows
            while self._cursor < len(rows) and rows[self._cursor].state != "pending":
                self._cursor += 1
            if self._stopping or self._cursor == len(rows):
                return None
            index, row = self._cursor, rows[self._cursor]
            self._set(index, attrs.evolve(row, state="in_flight"))
        call = _calls.messages_send_checked(self._originator, list(row.recipients), self._message)
        return index, call

    def accepted(self, index: int, bulk_id: int) -> None:
        with self._lock:
            recipients = self._rows[index].recipients
            self._set(index, Row(recipients, "accepted", bulk_id))
            log.info(
                "chunk %d of %d accepted as bulk %d (%d recipients, from %s)",
                index + 1,
                len(self._rows),
                bulk_id,
                len(recipients),
                masked(recipients[0]),
            )
            self._accepted += len(recipients)
            done = self._accepted
        if self._progress is not None:
            try:
                self._progress(done, self._total)
            except Exception as exc:
                self.stop(exc)

    def failed(self, index: int, error: SpeedPayamakError) -> None:
        with self._lock:
            state = "failed" if _refused(error) else "unknown"
            self._set(index, Row(self._rows[index].recipients, state, None, str(error)))
            self._errors[index] = error
            self._stopping = True
            if self._cause is None:
                self._cause = error

    def stop(self, cause: BaseException | None = None) -> None:
        """Start no new chunk; those in flight finish."""
        with self._lock:
            self._stopping = True
            if self._cause is None and cause is not None:
                self._cause = cause

    def interrupted(self) -> None:
        """The run is leaving with chunks in flight: record them `unknown`."""
        with self._lock:
            self._stopping = True
            for index, row in enumerate(self._rows):
                if row.state == "in_flight":
                    self._set(index, attrs.evolve(row, state="unknown", error=_INTERRUPTED))

    # --- the outcome -------------------------------------------------------------------

    @property
    def result(self) -> BulkResult:
        """Where every recipient is now; a chunk in flight counts as `unknown`."""
        with self._lock:
            return _ledger(list(self._rows), dict(self._errors))

    def finish(self) -> BulkResult:
        """The result of a run whose workers are done, or BulkSendError when any recipient
        of the campaign (this run's or an earlier one's) is not accepted."""
        if self._journal is not None:
            self._journal.close()
        result = self.result
        if result.ok and self._cause is None:
            return result
        raise BulkSendError(result) from self._cause


_DIED = "the process sending this chunk ended before its answer was recorded; it may have been sent"
_INTERRUPTED = "the run was interrupted while this chunk was in flight; it may have been sent"
_IN_FLIGHT = "this chunk is in flight"


def _ledger(rows: list[Row], errors: dict[int, SpeedPayamakError]) -> BulkResult:
    """A BulkResult from the chunks' rows; a chunk in flight counts as `unknown`."""

    def error_of(index: int, row: Row) -> SpeedPayamakError:
        if index in errors:
            return errors[index]
        return OutcomeUnknownError(_IN_FLIGHT) if row.state == "in_flight" else _recorded(row)

    def chunks(*states: str) -> tuple[FailedChunk, ...]:
        return tuple(
            FailedChunk(row.recipients, error_of(i, row))
            for i, row in enumerate(rows)
            if row.state in states
        )

    return BulkResult(
        tuple(
            AcceptedChunk(row.bulk_id, row.recipients)
            for row in rows
            if row.state == "accepted" and row.bulk_id is not None
        ),
        chunks("failed"),
        chunks("unknown", "in_flight"),
        tuple(n for row in rows if row.state == "pending" for n in row.recipients),
    )


class Journal:
    """A campaign's journal (`send_bulk(..., journal=PATH)`), read without sending
    anything: `Journal(path).result` is the whole campaign's ledger, earlier runs
    included. A chunk still `in_flight` (a run is going on, or died) counts as unknown."""

    def __init__(self, path: str | Path) -> None:
        self.path: Path = Path(path)

    @property
    def result(self) -> BulkResult:
        journal = open_existing(self.path)
        try:
            plan = journal.load()
        finally:
            journal.close()
        if plan is None:
            raise InvalidRequestError(f"{self.path} holds no campaign")
        return _ledger(list(plan.rows), {})


def _work_sync(run: BulkRun, engine: SyncEngine, gate: Gate) -> None:
    while (taken := run.take()) is not None:
        index, call = taken
        try:
            bulk_id = engine.run(call, gate)
        except SpeedPayamakError as error:
            run.failed(index, error)
        else:
            run.accepted(index, bulk_id)


async def _work_async(run: BulkRun, engine: AsyncEngine, gate: Gate) -> None:
    while (taken := run.take()) is not None:
        index, call = taken
        try:
            bulk_id = await engine.run(call, gate)
        except SpeedPayamakError as error:
            run.failed(index, error)
        else:
            run.accepted(index, bulk_id)


class _Handle(Generic[EngineT]):
    """What the sync and async handles share: the run, its ledger, and stopping it."""

    def __init__(self, engine: EngineT, run: BulkRun, concurrency: int, gate: Gate) -> None:
        self._engine, self._run, self._concurrency, self._gate = engine, run, concurrency, gate

    @property
    def result(self) -> BulkResult:
        """The exact ledger now, also after an interruption."""
        return self._run.result

    def stop(self) -> None:
        """Start no new chunk; those in flight finish (safe from a signal handler)."""
        self._run.stop()


class BulkSend(_Handle["SyncEngine"]):
    """A bulk send ready to run: `send()` runs it (as `send_bulk` does), `result` is its
    exact ledger at any moment, and `stop()` (from another thread, or a signal handler)
    lets the chunks in flight finish and starts no more."""

    def send(self) -> BulkResult:
        """Run the bulk send; raises BulkSendError unless every recipient was accepted.

        Interrupted (KeyboardInterrupt), the chunks in flight are recorded `unknown` and
        the interruption propagates."""
        crashes: list[BaseException] = []

        def work() -> None:
            try:
                _work_sync(self._run, self._engine, self._gate)
            except BaseException as exc:  # a bug: stop the others, re-raised below
                crashes.append(exc)
                self._run.stop(exc)

        try:
            if self._concurrency == 1:
                _work_sync(self._run, self._engine, self._gate)
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
            self._run.interrupted()
            raise
        if crashes:
            self._run.interrupted()
            raise crashes[0]
        return self._run.finish()


class AsyncBulkSend(_Handle["AsyncEngine"]):
    """The async twin of BulkSend: `await handle.send()`. A cancelled run lets
    CancelledError through, with the chunks in flight recorded `unknown`."""

    async def send(self) -> BulkResult:
        """Run the bulk send; raises BulkSendError unless every recipient was accepted."""
        import asyncio

        workers = [
            asyncio.ensure_future(_work_async(self._run, self._engine, self._gate))
            for _ in range(self._concurrency)
        ]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self._run.interrupted()
            raise
        return self._run.finish()


def bulk_options(concurrency: int, max_rate: float | None) -> Gate:
    """Checks the campaign options and gives the run's shared gate."""
    _checks.positive_int("concurrency", concurrency)
    return Gate(None if max_rate is None else _checks.positive_number("max_rate", max_rate))
