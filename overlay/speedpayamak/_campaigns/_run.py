"""One run of a campaign: this worker's share of it, over the store that all its
workers share. A worker thread or task `take()`s a chunk (claimed in the store), waits
its turn under the campaign's pace, marks it in flight just before its request is
written, and records the outcome. When a chunk fails, the store fails, or the run is
stopped, no new chunk starts; chunks in flight finish and land where they belong.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import attrs
from speedpayamak_api.models import SendSMSEnvelope

from speedpayamak import _calls, _checks
from speedpayamak._calls import Call
from speedpayamak._logging import log, masked
from speedpayamak.errors import (
    APIConnectionError,
    APIError,
    BulkSendError,
    InvalidRequestError,
    JournalError,
    OutcomeUnknownError,
    SpeedPayamakError,
)

from ._result import BulkResult, ledger
from ._rows import Plan, Row
from ._store import INTERRUPTED, CampaignStore, open_store

if TYPE_CHECKING:
    from speedpayamak._engine import AsyncEngine, SyncEngine

Progress = Callable[[int, int], None]

# How long a run whose chunks are all taken waits between looks at the other workers.
POLL = 0.2
# Added to the longest an attempt can take, for the default lease.
LEASE_MARGIN = 15.0
# An attempt with no deadline (a timeout of None) is taken to last at most this long.
UNBOUNDED_ATTEMPT = 600.0


def longest_attempt(engine: SyncEngine | AsyncEngine) -> float:
    """The longest one request of `engine` can be on its way: every attempt to its
    deadline, and the longest wait between them (a capped Retry-After)."""
    policy, connect, read = engine.policy, engine.timeout.connect, engine.timeout.read
    per_attempt = connect + read if connect and read else UNBOUNDED_ATTEMPT
    waits = max(policy.max_retry_after, policy.max_delay)
    return per_attempt * (policy.max_retries + 1) + waits * policy.max_retries


def lease_for(longest: float, lease: float | None) -> float:
    """The lease a run renews: by default the longest attempt plus a margin, so that a
    slow live worker is never taken for dead."""
    if lease is None:
        return longest + LEASE_MARGIN
    _checks.positive_number("lease", lease, unit=" of seconds")
    if lease <= longest:
        raise InvalidRequestError(
            f"lease must be longer than {longest:g} s, the longest a chunk's request can take "
            "with this client's timeout and retries"
        )
    return float(lease)


def refused(error: SpeedPayamakError) -> bool:
    """Whether the error proves the chunk was not sent (else its outcome is unknown)."""
    if isinstance(error, APIError):
        return error.status_code < 500
    return (
        isinstance(error, APIConnectionError)
        and not isinstance(error, OutcomeUnknownError)
        and not error.request_sent
    )


@attrs.frozen
class Chunk:
    """A chunk this run claimed: what to send, and how it asks the campaign's pace."""

    index: int
    call: Call[SendSMSEnvelope, int]
    pace: _ChunkPace


class _ChunkPace:
    """The engine's questions before each attempt of one chunk, answered by the store.
    Without a rate, the first answer came with the claim (the campaign's pause)."""

    def __init__(self, run: BulkRun, index: int, paused: float) -> None:
        self._run, self._index = run, index
        self._paused: float | None = paused

    def wait_before_request(self) -> float:
        if self._paused is not None and self._run.max_rate is None:
            paused, self._paused = self._paused, None
            return paused
        return self._run.store.pace(self._run.max_rate)

    def pause(self, seconds: float) -> None:
        self._run.store.pause(seconds)

    def writing(self) -> None:
        self._run.writing(self._index)


class BulkRun:
    """This run's part in one campaign, and the campaign's ledger as it sees it."""

    def __init__(
        self,
        store: CampaignStore,
        plan: Plan,
        *,
        progress: Progress | None,
        resend_unknown: bool,
        lease: float,
        max_rate: float | None,
        heartbeat: bool,
    ) -> None:
        self.store: CampaignStore = store
        self.max_rate: float | None = max_rate
        self.worker: str = uuid.uuid4().hex
        self._lease = lease
        self._progress = progress
        self._originator, self._message = plan.originator, plan.message
        try:
            self._rows = store.join(plan, self.worker, lease, resend_unknown)
        except BaseException:
            store.close()
            raise
        self._chunks = [row.recipients for row in self._rows]  # a joining run's are the store's
        # Reentrant: `stop()` may run in a signal handler while this thread holds it.
        self._lock = threading.RLock()
        self._learned: dict[int, Row] = {}  # outcomes this run learned: kept if unwritable
        self._errors: dict[int, SpeedPayamakError] = {}
        self._mine: dict[int, str] = {}  # chunks this run holds: claimed or in_flight
        self._stopping = False
        self._requested = False
        self._cause: BaseException | None = None
        self._total = sum(len(chunk) for chunk in self._chunks)
        self._accepted = sum(len(r.recipients) for r in self._rows if r.state == "accepted")
        self._final: BulkResult | None = None
        self._heartbeat = _Heartbeat(self) if heartbeat else None

    # --- what the workers do -----------------------------------------------------------

    def begin(self) -> None:
        if self._heartbeat is not None and not self._heartbeat.is_alive():
            self._heartbeat.start()

    def take(self) -> Chunk | float | None:
        """The next chunk, claimed for this run; seconds to wait when only other workers'
        chunks are left in flight; None when nothing more may start."""
        if self._stopping:
            return None
        try:
            index, held, busy, paused = self.store.claim(
                self.worker, straight=self.max_rate is None
            )
        except JournalError as error:
            self.storage_failed(error)
            return None
        if index is None:
            return POLL if busy and not self._stopping else None
        with self._lock:
            self._mine[index] = held
        recipients = list(self._chunks[index])
        call = _calls.messages_send_checked(self._originator, recipients, self._message)
        return Chunk(index, call, _ChunkPace(self, index, paused))

    def writing(self, index: int) -> None:
        """Just before the chunk's request is written: in flight, if still this run's."""
        held = self._mine.get(index)
        if held == "in_flight":
            return  # claimed straight into flight, or an attempt after a 429
        if self._stopping:
            raise _NotStarted("the run is stopping")
        if not self.store.in_flight(self.worker, index):
            raise JournalError(
                f"chunk {index + 1} was taken from this worker (its lease lapsed); not sent",
                where=self.store.where,
            )
        with self._lock:
            self._mine[index] = "in_flight"

    def accepted(self, chunk: Chunk, bulk_id: int) -> None:
        index = chunk.index
        row = Row(self._chunks[index], "accepted", bulk_id)
        with self._lock:
            self._learned[index] = row
            self._mine.pop(index, None)
            self._accepted += len(row.recipients)
            done = self._accepted
        log.info(
            "chunk %d of %d accepted as bulk %d (%d recipients, from %s)",
            index + 1,
            len(self._chunks),
            bulk_id,
            len(row.recipients),
            masked(row.recipients[0]),
        )
        self._write(index, row)
        if self._progress is not None:
            try:
                self._progress(done, self._total)
            except Exception as exc:
                self.stop(exc)

    def failed(self, chunk: Chunk, error: SpeedPayamakError) -> None:
        index = chunk.index
        if isinstance(error, JournalError | _NotStarted | InvalidRequestError):
            # Nothing of this chunk was written: the store failed, the run stopped, or the
            # client refused the request (closed) before its next attempt.
            with self._lock:
                self._learned[index] = Row(self._chunks[index], "pending")
                held = self._mine.pop(index, None)
            if isinstance(error, JournalError):
                self.storage_failed(error)
                return
            if isinstance(error, InvalidRequestError):
                self.stop(error)
            if held == "claimed":
                self._release(index)
            else:  # claimed straight into flight, but never written
                self._write(index, Row(self._chunks[index], "pending"))
            return
        state = "failed" if refused(error) else "unknown"
        row = Row(self._chunks[index], state, None, str(error))
        with self._lock:
            self._learned[index] = row
            self._errors[index] = error
            self._mine.pop(index, None)
            self._stopping = True
            if self._cause is None:
                self._cause = error
        self._write(index, row)

    def _write(self, index: int, row: Row) -> None:
        try:
            self.store.record(self.worker, index, row)
        except JournalError as error:
            self.storage_failed(error)

    def _release(self, index: int) -> None:
        try:
            self.store.release(self.worker, index)
        except JournalError as error:
            self.storage_failed(error)

    def storage_failed(self, error: JournalError) -> None:
        """The store failed: start nothing more; what was learned stays in the result."""
        log.info("campaign store failed: %s", error)
        with self._lock:
            self._stopping = True
            if self._cause is None:
                self._cause = error

    def stop(self, cause: BaseException | None = None) -> None:
        """Start no new chunk; those in flight finish."""
        with self._lock:
            self._stopping = True
            if cause is None:
                self._requested = True
            elif self._cause is None:
                self._cause = cause

    def interrupted(self) -> None:
        """The run is leaving with chunks it holds: those in flight are `unknown`, those
        only claimed were not sent."""
        with self._lock:
            self._stopping = True
            for index, state in self._mine.items():
                in_flight = state == "in_flight"
                self._learned[index] = Row(
                    self._chunks[index],
                    "unknown" if in_flight else "pending",
                    None,
                    INTERRUPTED if in_flight else None,
                )
            self._mine.clear()
        self._close()

    # --- the outcome -------------------------------------------------------------------

    @property
    def result(self) -> BulkResult:
        """The campaign's ledger now (every worker's chunks); a chunk in flight counts as
        `unknown`."""
        if self._final is not None:
            return self._final
        with contextlib.suppress(JournalError):  # else the last rows read, and what was learned
            self._rows = self.store.rows()
        return self._ledger()

    def _ledger(self) -> BulkResult:
        with self._lock:
            rows = list(self._rows)
            for index, row in self._learned.items():
                if rows[index].state != "accepted":
                    rows[index] = row
            return ledger(rows, dict(self._errors), stopped=self._requested)

    def _close(self) -> None:
        """Leave the campaign and close the store, keeping the final ledger."""
        if self._final is not None:
            return
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        try:
            self.store.leave(self.worker)
            self._rows = self.store.rows()
        except JournalError as error:
            self.storage_failed(error)
        self._final = self._ledger()
        self.store.close()

    def finish(self) -> BulkResult:
        """The result of a run whose workers are done, or BulkSendError when any recipient
        of the campaign (this run's or another's) is not accepted."""
        self._close()
        result = self.result
        if result.ok and self._cause is None:
            return result
        raise BulkSendError(result) from self._cause


class _NotStarted(SpeedPayamakError):
    """A claimed chunk the run stopped before its request was written."""


class _Heartbeat(threading.Thread):
    """Renews the run's lease while it runs, and stops the run if the lease is lost."""

    def __init__(self, run: BulkRun) -> None:
        super().__init__(name="speedpayamak-lease", daemon=True)
        self._run = run
        self._done = threading.Event()
        self._every = max(0.1, min(run._lease / 4, 10.0))

    def run(self) -> None:
        run = self._run
        while not self._done.wait(self._every):
            try:
                held = run.store.heartbeat(run.worker, run._lease)
            except JournalError as error:
                run.storage_failed(error)
                return
            if not held:
                run.storage_failed(
                    JournalError(
                        "this worker's lease lapsed and other workers took its chunks",
                        where=run.store.where,
                    )
                )
                return

    def cancel(self) -> None:
        self._done.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(5)


def start(
    engine: SyncEngine | AsyncEngine,
    *,
    originator: str,
    recipients: Iterable[str],
    message: str,
    chunk_size: int,
    concurrency: int,
    max_rate: float | None,
    journal: str | os.PathLike[str] | None,
    campaign: str | None,
    lease: float | None,
    resend_unknown: bool,
    progress: Progress | None,
) -> BulkRun:
    """Check a bulk send's options, open its store and join its campaign."""
    chunk_size = _checks.positive_int("chunk_size", chunk_size)
    _checks.positive_int("concurrency", concurrency)
    rate = None if max_rate is None else _checks.positive_number("max_rate", max_rate)
    originator = _checks.text("originator", originator)
    numbers = _checks.recipients(recipients)
    message = _checks.text("message", message)
    held = lease_for(longest_attempt(engine), lease)
    chunks = tuple(tuple(numbers[i : i + chunk_size]) for i in range(0, len(numbers), chunk_size))
    if journal is None:
        from ._memory import MemoryStore

        store: CampaignStore = MemoryStore()
    else:
        store = open_store(journal, campaign)
    return BulkRun(
        store,
        Plan(originator, message, chunks),
        progress=progress,
        resend_unknown=resend_unknown,
        lease=held,
        max_rate=rate,
        heartbeat=journal is not None,
    )
