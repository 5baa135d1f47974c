"""`client.messages` and `client.patterns`: typed signatures, each one call into the engine.

The sync and async classes are twins by necessity (one returns, one awaits); everything
they do is in `_calls` and the engine, which they share.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from speedpayamak_api.models import InboxMessage, Message, Pattern, Recipient

from . import _calls
from ._engine import AsyncEngine, SyncEngine
from ._pagination import AsyncPaginator, Paginator

# Campaigns load on first use: a client that never sends in bulk never imports sqlite3.
if TYPE_CHECKING:
    from ._campaigns import AsyncBulkSend, BulkResult, BulkSend
    from ._campaigns._run import BulkRun, Progress


def _start(engine: SyncEngine | AsyncEngine, **options: Any) -> BulkRun:
    """Open a bulk send's campaign, with the lease this engine's timeouts call for."""
    from ._campaigns._run import start

    timeout = engine.timeout
    return start(engine.policy, timeout.connect, timeout.read, **options)


class Messages:
    """Sending SMS and following them: `client.messages`."""

    def __init__(self, engine: SyncEngine) -> None:
        self._engine = engine

    def send(self, *, originator: str, recipients: Iterable[str], message: str) -> int:
        """Send `message` from the line `originator` to `recipients`; returns the bulk id.

        Recipients are normalized and de-duplicated before sending."""
        return self._engine.run(_calls.messages_send(originator, recipients, message))

    def send_bulk(
        self,
        *,
        originator: str,
        recipients: Iterable[str],
        message: str,
        chunk_size: int = 100,
        concurrency: int = 1,
        max_rate: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        campaign: str | None = None,
        lease: float | None = None,
        resend_unknown: bool = False,
        progress: Progress | None = None,
    ) -> BulkResult:
        """Send to many recipients in chunks of at most `chunk_size`, never resending one.

        Recipients are normalized and de-duplicated. At most `concurrency` chunks are in
        flight (threads sharing this client). When a chunk fails no new chunk starts, and
        it raises BulkSendError, whose `result` says where every recipient ended up.

        With `journal` (an SQLite file, or a `postgresql://` URL with `campaign` naming
        the campaign in that database) the campaign lives in a store that any number of
        runs share, in threads, processes or hosts: each chunk is claimed by one run and
        is in flight, with that run's id, before its request is written. The same call
        joins a running campaign or resumes a finished one, and returns the campaign's
        result. `max_rate` (requests a second) and the pause after a 429 hold for the
        whole campaign, every run together. Each run renews a lease of `lease` seconds
        (by default the longest a chunk's request can take, plus 15 s); when a run's
        lease lapses, its chunks in flight become `unknown`. `unknown` chunks are re-sent
        only with `resend_unknown=True`.

        `progress(sent, total)` is called after each accepted chunk; if it raises, the
        run stops with BulkSendError. Shorthand for `bulk(...).send()`.
        """
        return self.bulk(
            originator=originator,
            recipients=recipients,
            message=message,
            chunk_size=chunk_size,
            concurrency=concurrency,
            max_rate=max_rate,
            journal=journal,
            campaign=campaign,
            lease=lease,
            resend_unknown=resend_unknown,
            progress=progress,
        ).send()

    def bulk(
        self,
        *,
        originator: str,
        recipients: Iterable[str],
        message: str,
        chunk_size: int = 100,
        concurrency: int = 1,
        max_rate: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        campaign: str | None = None,
        lease: float | None = None,
        resend_unknown: bool = False,
        progress: Progress | None = None,
    ) -> BulkSend:
        """A bulk send to run with `.send()`, whose `.result` is exact at any moment (read
        it after Ctrl-C to know what went out); see send_bulk."""
        from ._campaigns import BulkSend

        run = _start(
            self._engine,
            originator=originator,
            recipients=recipients,
            message=message,
            chunk_size=chunk_size,
            concurrency=concurrency,
            max_rate=max_rate,
            journal=journal,
            campaign=campaign,
            lease=lease,
            resend_unknown=resend_unknown,
            progress=progress,
        )
        return BulkSend(self._engine, run, concurrency)

    def get(self, bulk_id: int) -> Message:
        """The message sent as `bulk_id`: text, counts, cost, parts, timestamps."""
        return self._engine.run(_calls.messages_get(bulk_id))

    def recipients(
        self, bulk_id: int, *, page_size: int = 100, start_page: int = 0
    ) -> Paginator[Recipient]:
        """Every recipient of `bulk_id` with its delivery status, fetched page by page
        from `start_page` (0-based), so that a long walk can resume."""
        return Paginator(self._engine, _calls.messages_recipients(bulk_id, page_size), start_page)

    def inbox(self, *, page_size: int = 100, start_page: int = 0) -> Paginator[InboxMessage]:
        """Every received message, fetched page by page from `start_page` (0-based)."""
        return Paginator(self._engine, _calls.messages_inbox(page_size), start_page)


class Patterns:
    """Message patterns (templates with %name% variables): `client.patterns`."""

    def __init__(self, engine: SyncEngine) -> None:
        self._engine = engine

    def create(
        self, *, pattern: str, description: str | None = None, is_shared: bool = False
    ) -> Pattern:
        """Create a pattern; it starts `pending` until the provider approves it."""
        return self._engine.run(_calls.patterns_create(pattern, description, is_shared))

    def send(
        self, *, pattern_code: str, originator: str, recipient: str, values: Mapping[str, str | int]
    ) -> int:
        """Send a pattern to one recipient with its variables filled; returns the bulk id."""
        return self._engine.run(_calls.patterns_send(pattern_code, originator, recipient, values))


class AsyncMessages:
    """The async twin of Messages."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def send(self, *, originator: str, recipients: Iterable[str], message: str) -> int:
        """Send `message` from the line `originator` to `recipients`; returns the bulk id."""
        return await self._engine.run(_calls.messages_send(originator, recipients, message))

    async def send_bulk(
        self,
        *,
        originator: str,
        recipients: Iterable[str],
        message: str,
        chunk_size: int = 100,
        concurrency: int = 1,
        max_rate: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        campaign: str | None = None,
        lease: float | None = None,
        resend_unknown: bool = False,
        progress: Progress | None = None,
    ) -> BulkResult:
        """Send to many recipients in chunks; see Messages.send_bulk (workers are tasks)."""
        return await self.bulk(
            originator=originator,
            recipients=recipients,
            message=message,
            chunk_size=chunk_size,
            concurrency=concurrency,
            max_rate=max_rate,
            journal=journal,
            campaign=campaign,
            lease=lease,
            resend_unknown=resend_unknown,
            progress=progress,
        ).send()

    def bulk(
        self,
        *,
        originator: str,
        recipients: Iterable[str],
        message: str,
        chunk_size: int = 100,
        concurrency: int = 1,
        max_rate: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        campaign: str | None = None,
        lease: float | None = None,
        resend_unknown: bool = False,
        progress: Progress | None = None,
    ) -> AsyncBulkSend:
        """A bulk send to run with `await .send()`; see Messages.bulk. A cancelled run lets
        CancelledError through and leaves `.result` exact."""
        from ._campaigns import AsyncBulkSend

        run = _start(
            self._engine,
            originator=originator,
            recipients=recipients,
            message=message,
            chunk_size=chunk_size,
            concurrency=concurrency,
            max_rate=max_rate,
            journal=journal,
            campaign=campaign,
            lease=lease,
            resend_unknown=resend_unknown,
            progress=progress,
        )
        return AsyncBulkSend(self._engine, run, concurrency)

    async def get(self, bulk_id: int) -> Message:
        """The message sent as `bulk_id`: text, counts, cost, parts, timestamps."""
        return await self._engine.run(_calls.messages_get(bulk_id))

    def recipients(
        self, bulk_id: int, *, page_size: int = 100, start_page: int = 0
    ) -> AsyncPaginator[Recipient]:
        """Every recipient of `bulk_id` with its status: `async for r in ...`."""
        call = _calls.messages_recipients(bulk_id, page_size)
        return AsyncPaginator(self._engine, call, start_page)

    def inbox(self, *, page_size: int = 100, start_page: int = 0) -> AsyncPaginator[InboxMessage]:
        """Every received message: `async for m in ...`."""
        return AsyncPaginator(self._engine, _calls.messages_inbox(page_size), start_page)


class AsyncPatterns:
    """The async twin of Patterns."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(
        self, *, pattern: str, description: str | None = None, is_shared: bool = False
    ) -> Pattern:
        """Create a pattern; it starts `pending` until the provider approves it."""
        return await self._engine.run(_calls.patterns_create(pattern, description, is_shared))

    async def send(
        self, *, pattern_code: str, originator: str, recipient: str, values: Mapping[str, str | int]
    ) -> int:
        """Send a pattern to one recipient with its variables filled; returns the bulk id."""
        return await self._engine.run(
            _calls.patterns_send(pattern_code, originator, recipient, values)
        )
