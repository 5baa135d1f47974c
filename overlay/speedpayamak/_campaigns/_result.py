"""Where every recipient of a campaign ended up: the values a bulk send returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from speedpayamak.errors import OutcomeUnknownError, SpeedPayamakError

from ._rows import Row


@attrs.frozen
class AcceptedChunk:
    """Recipients the API accepted in one send, under one bulk id.

    Attributes:
        bulk_id: the id the API gave the send (`client.messages.get(bulk_id)`).
        recipients: the normalized numbers it went to.
    """

    bulk_id: int
    recipients: tuple[str, ...]


@attrs.frozen
class FailedChunk:
    """Recipients of a chunk that did not go through as planned, and why.

    Attributes:
        recipients: the normalized numbers of the chunk.
        error: what happened to it (for an earlier run's chunk, rebuilt from its text).
    """

    recipients: tuple[str, ...]
    error: SpeedPayamakError


@attrs.frozen
class BulkResult:
    """Where every recipient of a bulk send ended up. Each (normalized, de-duplicated)
    recipient is in exactly one of: `accepted`, `failed` (refused: not sent), `unknown`
    (the chunk may or may not have gone out), `not_sent` (never attempted).

    Attributes:
        accepted: the chunks the API accepted, each with its bulk id.
        failed: the chunks refused (a 4xx, or a connection never made): not sent.
        unknown: the chunks that may have gone out, and chunks other workers have in
            flight: never re-sent unless asked (`resend_unknown=True`).
        not_sent: recipients never attempted.
        stopped: the run was stopped on request (`stop()`, the command's first Ctrl-C).
    """

    accepted: tuple[AcceptedChunk, ...] = ()
    failed: tuple[FailedChunk, ...] = ()
    unknown: tuple[FailedChunk, ...] = ()
    not_sent: tuple[str, ...] = ()
    stopped: bool = False

    @property
    def ok(self) -> bool:
        """Every recipient was accepted."""
        return not self.failed and not self.unknown and not self.not_sent

    @property
    def bulk_ids(self) -> tuple[int, ...]:
        """The bulk ids of the accepted chunks, in the campaign's order."""
        return tuple(chunk.bulk_id for chunk in self.accepted)

    @property
    def accepted_recipients(self) -> tuple[str, ...]:
        """Every accepted recipient."""
        return tuple(r for chunk in self.accepted for r in chunk.recipients)

    @property
    def unknown_recipients(self) -> tuple[str, ...]:
        """Every recipient whose chunk may or may not have gone out."""
        return tuple(r for chunk in self.unknown for r in chunk.recipients)

    @property
    def failed_recipients(self) -> tuple[str, ...]:
        """Every recipient whose chunk was refused."""
        return tuple(r for chunk in self.failed for r in chunk.recipients)


_IN_FLIGHT = "this chunk is in flight"


def _recorded(row: Row) -> SpeedPayamakError:
    """The error of a chunk recorded by another run, rebuilt from its text."""
    if row.state == "in_flight":
        return OutcomeUnknownError(row.error or _IN_FLIGHT)
    text = row.error or "recorded without a reason"
    return OutcomeUnknownError(text) if row.state == "unknown" else SpeedPayamakError(text)


def ledger(
    rows: Sequence[Row],
    errors: Mapping[int, SpeedPayamakError] | None = None,
    *,
    stopped: bool = False,
) -> BulkResult:
    """A BulkResult from the chunks' rows. A chunk another worker has in flight counts as
    `unknown`, one it has only claimed (not yet on its way) as `not_sent`."""
    errors = errors or {}

    def chunks(*states: str) -> tuple[FailedChunk, ...]:
        return tuple(
            FailedChunk(row.recipients, errors.get(i) or _recorded(row))
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
        tuple(n for row in rows if row.state in ("pending", "claimed") for n in row.recipients),
        stopped,
    )
