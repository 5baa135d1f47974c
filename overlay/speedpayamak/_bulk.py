"""Bulk sends: many recipients, in chunks, with exact accounting of every recipient."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import attrs
from speedpayamak_api.models import SendSMSEnvelope

from . import _calls
from ._engine import Call
from ._numbers import normalize_all
from .errors import (
    APIConnectionError,
    APIError,
    BulkSendError,
    InvalidRequestError,
    OutcomeUnknownError,
    SpeedPayamakError,
)

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
    """One bulk send's plan and ledger, shared by the sync and async clients."""

    def __init__(
        self,
        originator: str,
        recipients: Iterable[str],
        message: str,
        chunk_size: int,
        progress: Progress | None,
    ) -> None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise InvalidRequestError(f"chunk_size must be a positive integer, not {chunk_size!r}")
        numbers = list(dict.fromkeys(normalize_all(recipients)))
        if not numbers:
            raise InvalidRequestError("recipients is empty: give at least one number")
        self._chunks = [
            tuple(numbers[i : i + chunk_size]) for i in range(0, len(numbers), chunk_size)
        ]
        self._originator = _calls.non_empty("originator", originator)
        self._message = _calls.non_empty("message", message)
        self._progress = progress
        self._total = len(numbers)
        self._accepted: list[AcceptedChunk] = []

    def calls(self) -> Iterator[Call[SendSMSEnvelope, int]]:
        for chunk in self._chunks:
            yield _calls.messages_send_checked(self._originator, list(chunk), self._message)

    def accepted(self, bulk_id: int) -> None:
        chunk = self._chunks[len(self._accepted)]
        self._accepted.append(AcceptedChunk(bulk_id, chunk))
        if self._progress is not None:
            self._progress(sum(len(c.recipients) for c in self._accepted), self._total)

    def stopped(self, error: SpeedPayamakError) -> BulkSendError:
        index = len(self._accepted)
        stopped = FailedChunk(self._chunks[index], error)
        rest = tuple(r for chunk in self._chunks[index + 1 :] for r in chunk)
        refused = _refused(error)
        return BulkSendError(
            BulkResult(
                tuple(self._accepted),
                failed=stopped if refused else None,
                unknown=None if refused else stopped,
                not_sent=rest,
            )
        )

    def result(self) -> BulkResult:
        return BulkResult(tuple(self._accepted))
