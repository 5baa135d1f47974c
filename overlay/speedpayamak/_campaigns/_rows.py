"""A campaign as its store holds it: the plan, and one row per chunk.

A chunk's states: `pending` (not sent yet), `claimed` (a worker took it and waits for
its turn under the campaign's pace; nothing was written), `in_flight` (its request may
be on the wire), `accepted` (with its bulk id), `failed` (refused, so not sent), and
`unknown` (may have been sent; never re-sent unless asked).
"""

from __future__ import annotations

import hashlib
import json

import attrs

STATES = frozenset({"pending", "claimed", "in_flight", "accepted", "failed", "unknown"})


@attrs.frozen
class Row:
    """One chunk: its recipients, its state, and the worker holding it (if any)."""

    recipients: tuple[str, ...]
    state: str
    bulk_id: int | None = None
    error: str | None = None
    worker: str | None = None


@attrs.frozen
class Plan:
    """What every worker of a campaign must agree on: the line, the text, the chunks."""

    originator: str
    message: str
    chunks: tuple[tuple[str, ...], ...]

    @property
    def digest(self) -> str:
        """A digest of the normalized plan, so that runs of one campaign agree exactly."""
        recipients = [n for chunk in self.chunks for n in chunk]
        text = json.dumps([self.originator, self.message, recipients], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@attrs.frozen
class CampaignWorker:
    """A run that took part in a campaign (`Journal(...).workers`).

    Attributes:
        id: the run's id, as the chunks it holds name it.
        host: the host it ran on.
        pid: its process id there.
        started: when it joined, in seconds since the epoch (the store's clock).
        heartbeat: when it last renewed its lease.
        state: `running`, `done`, or `lapsed` (its lease lapsed: taken for dead).
    """

    id: str
    host: str
    pid: int
    started: float
    heartbeat: float
    state: str
