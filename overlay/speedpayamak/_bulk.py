"""Bulk sends: many recipients, in chunks, with exact accounting of every recipient."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING

import attrs
from speedpayamak_api.models import SendSMSEnvelope

from . import _calls, _checks
from ._calls import Call
from .errors import (
    APIConnectionError,
    APIError,
    BulkSendError,
    OutcomeUnknownError,
    SpeedPayamakError,
)

if TYPE_CHECKING:
    from ._engine import AsyncEngine, SyncEngine

Progress = Callable[[int, int], None]


@attrs.frozen
class AcceptedChunk:
    """Recipients the API accepted in one send, under one bulk id."""

    bulk_id: int
    recipients: tuple[str, ...]


@attrs.frozen
class FailedChunk:
    """Recipients of the chunk that stopped the bulk send, and why."""

    recipients: tuple[str, ...]
    error: SpeedPayamakError


@attrs.frozen
class BulkResult:
    """Where every recipient of a bulk send ended up. Each (normalized, de-duplicated)
    recipient is in exactly one of: `accepted`, `failed` (refused: not sent), `unknown`
    (the chunk may or may not have gone out), `not_sent` (never attempted)."""

    accepted: tuple[AcceptedChunk, ...] = ()
    failed: FailedChunk | None = None
    unknown: FailedChunk | None = None
    not_sent: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failed is None and self.unknown is None and not self.not_sent

    @property
    def bulk_ids(self) -> tuple[int, ...]:
        return tuple(chunk.bulk_id for chunk in self.accepted)

    @property
    def accepted_recipients(self) -> tuple[str, ...]:
        return tuple(r for chunk in self.accepted for r in chunk.recipients)


def _refused(error: SpeedPayamakError) -> bool:
    """Whether the error proves the chunk was not sent (else its outcome is unknown)."""
    if isinstance(error, APIError):
        return error.status_code < 500
    return (
        isinstance(error, APIConnectionError)
        and not isinstance(error, OutcomeUnknownError)
        and not error.request_sent
    )


class BulkRun:
    """One bulk send's plan and ledger. `steps()` is the whole run, written once: it yields
    each chunk's call and is sent back the bulk id (or thrown the chunk's error) by the
    engine that drives it, sync or async. `result` is exact at any moment, also when the
    run was interrupted (Ctrl-C, a cancelled task) with a chunk in flight."""

    def __init__(
        self,
        originator: str,
        recipients: Iterable[str],
        message: str,
        chunk_size: int,
        progress: Progress | None,
    ) -> None:
        chunk_size = _checks.positive_int("chunk_size", chunk_size)
        self._originator = _checks.text("originator", originator)
        numbers = _checks.recipients(recipients)
        self._message = _checks.text("message", message)
        self._chunks = [
            tuple(numbers[i : i + chunk_size]) for i in range(0, len(numbers), chunk_size)
        ]
        self._progress = progress
        self._total = len(numbers)
        self._accepted: list[AcceptedChunk] = []
        self._in_flight: int | None = None
        self._final: BulkResult | None = None

    @property
    def result(self) -> BulkResult:
        """Where every recipient is now. A chunk whose request may have been written when
        the run was interrupted is `unknown`; chunks never started are `not_sent`."""
        if self._final is not None:
            return self._final
        started = len(self._accepted)
        if self._in_flight is None:
            return self._result(self._rest(started))
        interrupted = OutcomeUnknownError(
            "the bulk send was interrupted while this chunk was in flight; it may have been sent"
        )
        stopped = FailedChunk(self._chunks[self._in_flight], interrupted)
        return self._result(self._rest(self._in_flight + 1), unknown=stopped)

    def steps(self) -> Generator[Call[SendSMSEnvelope, int], int, BulkResult]:
        for index, chunk in enumerate(self._chunks):
            call = _calls.messages_send_checked(self._originator, list(chunk), self._message)
            self._in_flight = index
            try:
                bulk_id = yield call
            except SpeedPayamakError as error:
                raise self._stopped(index, error) from error
            self._accepted.append(AcceptedChunk(bulk_id, chunk))
            self._in_flight = None
            if self._progress is not None:
                try:
                    self._progress(sum(len(c.recipients) for c in self._accepted), self._total)
                except Exception as exc:
                    self._final = self._result(self._rest(index + 1))
                    raise BulkSendError(self._final) from exc
        self._final = self._result()
        return self._final

    def _rest(self, index: int) -> tuple[str, ...]:
        return tuple(r for chunk in self._chunks[index:] for r in chunk)

    def _stopped(self, index: int, error: SpeedPayamakError) -> BulkSendError:
        stopped = FailedChunk(self._chunks[index], error)
        refused = _refused(error)
        self._final = self._result(
            self._rest(index + 1),
            failed=stopped if refused else None,
            unknown=None if refused else stopped,
        )
        return BulkSendError(self._final)

    def _result(
        self,
        not_sent: tuple[str, ...] = (),
        failed: FailedChunk | None = None,
        unknown: FailedChunk | None = None,
    ) -> BulkResult:
        return BulkResult(tuple(self._accepted), failed, unknown, not_sent)


class BulkSend:
    """A bulk send ready to run: `send()` runs it (as `send_bulk` does), and `result` is
    its exact ledger at any moment, also after an interruption."""

    def __init__(self, engine: SyncEngine, run: BulkRun) -> None:
        self._engine = engine
        self._run = run

    @property
    def result(self) -> BulkResult:
        return self._run.result

    def send(self) -> BulkResult:
        """Run the bulk send; raises BulkSendError if it stops before its end."""
        return self._engine.drive(self._run.steps())


class AsyncBulkSend:
    """The async twin of BulkSend: `await handle.send()`."""

    def __init__(self, engine: AsyncEngine, run: BulkRun) -> None:
        self._engine = engine
        self._run = run

    @property
    def result(self) -> BulkResult:
        return self._run.result

    async def send(self) -> BulkResult:
        """Run the bulk send; raises BulkSendError if it stops before its end."""
        return await self._engine.drive(self._run.steps())
