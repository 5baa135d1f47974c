"""`client.messages` and `client.patterns`: typed signatures, each one call into the engine.

The sync and async classes are twins by necessity (one returns, one awaits); everything
they do is in `_calls` and the engine, which they share.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from speedpayamak_api.models import InboxMessage, Message, Pattern, Recipient

from . import _calls, _checks
from ._engine import AsyncEngine, SyncEngine
from ._pagination import AsyncPaginator, Paginator
from .errors import InvalidRequestError, RateLimitError

# Campaigns load on first use: a client that never sends in bulk never imports sqlite3.
if TYPE_CHECKING:
    from ._campaigns import AsyncBulkSend, BulkResult, BulkSend
    from ._campaigns._keys import Keys
    from ._campaigns._run import Progress


DEFAULT_RETENTION = 24 * 3600.0


class KeyStore:
    """A client's store of idempotency keys (`journal=`), opened on the first keyed send
    and shared with the clients `with_options` makes."""

    def __init__(self, journal: str | os.PathLike[str] | None, retention: float) -> None:
        self._journal = None if journal is None else os.fspath(journal)
        self._retention = _checks.positive_number(
            "idempotency_retention", retention, unit=" of seconds"
        )
        self._keys: Keys | None = None
        self._lock = threading.Lock()

    def open(self) -> Keys:
        if self._journal is None:
            raise InvalidRequestError(
                "idempotency_key= needs a store shared by every process that may repeat "
                "the send: SpeedPayamak(journal='keys.db') (one host) or "
                "journal='postgresql://...' (many)"
            )
        with self._lock:
            if self._keys is None:
                from ._campaigns._keys import open_keys

                self._keys = open_keys(self._journal, self._retention)
            return self._keys

    def close(self) -> None:
        with self._lock:
            if self._keys is not None:
                self._keys.close()
                self._keys = None


class Messages:
    """Sending SMS and following them: `client.messages`."""

    def __init__(self, engine: SyncEngine, keys: KeyStore) -> None:
        self._engine, self._keys = engine, keys

    def send(
        self,
        *,
        originator: str,
        recipients: Iterable[str],
        message: str,
        idempotency_key: str | None = None,
    ) -> int:
        """Send `message` from the line `originator` to `recipients`; returns the bulk id.

        Recipients are normalized and de-duplicated before sending. With
        `idempotency_key` (the client needs a `journal`), the send happens once for that
        key: a later call with it, from any process sharing the journal, returns the first
        call's bulk id without sending; see the client's docs for the other outcomes."""
        call = _calls.messages_send(originator, recipients, message)
        if idempotency_key is None:
            return self._engine.run(call)
        from ._campaigns._keys import send_sync

        return send_sync(self._engine, self._keys.open(), call, idempotency_key)

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
        from ._campaigns._run import start

        run = start(
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

    def follow(
        self, bulk_id: int, *, timeout: float = 600.0, interval: float = 2.0
    ) -> Iterator[Recipient]:
        """Each recipient of `bulk_id` once, as its status becomes final (`delivered`,
        `failed`, `discarded`), polling with waits growing from `interval` seconds and
        honouring Retry-After. Ends when every recipient is final; at `timeout` it raises
        DeliveryTimeoutError, whose `pending` holds the rest as last seen (a status the
        SDK does not know is not final, and is carried as it is)."""
        from ._campaigns._follow import Following

        following = Following(bulk_id, timeout, interval)
        while True:
            try:
                found = list(self.recipients(bulk_id))
            except RateLimitError as error:
                time.sleep(following.wait(error.retry_after))
                continue
            yield from following.observe(found)
            if following.done:
                return
            time.sleep(following.wait())

    def inbox(self, *, page_size: int = 100, start_page: int = 0) -> Paginator[InboxMessage]:
        """Every received message, fetched page by page from `start_page` (0-based)."""
        return Paginator(self._engine, _calls.messages_inbox(page_size), start_page)


class Patterns:
    """Message patterns (templates with %name% variables): `client.patterns`."""

    def __init__(self, engine: SyncEngine, keys: KeyStore) -> None:
        self._engine, self._keys = engine, keys

    def create(
        self, *, pattern: str, description: str | None = None, is_shared: bool = False
    ) -> Pattern:
        """Create a pattern; it starts `pending` until the provider approves it."""
        return self._engine.run(_calls.patterns_create(pattern, description, is_shared))

    def send(
        self,
        *,
        pattern_code: str,
        originator: str,
        recipient: str,
        values: Mapping[str, str | int],
        idempotency_key: str | None = None,
    ) -> int:
        """Send a pattern to one recipient with its variables filled; returns the bulk id.

        With `idempotency_key` (a one-time code's challenge id, say), the code is sent once
        for that key however often the call is repeated; see Messages.send."""
        call = _calls.patterns_send(pattern_code, originator, recipient, values)
        if idempotency_key is None:
            return self._engine.run(call)
        from ._campaigns._keys import send_sync

        return send_sync(self._engine, self._keys.open(), call, idempotency_key)


class AsyncMessages:
    """The async twin of Messages."""

    def __init__(self, engine: AsyncEngine, keys: KeyStore) -> None:
        self._engine, self._keys = engine, keys

    async def send(
        self,
        *,
        originator: str,
        recipients: Iterable[str],
        message: str,
        idempotency_key: str | None = None,
    ) -> int:
        """Send `message` from the line `originator` to `recipients`; returns the bulk id.
        See Messages.send for `idempotency_key`."""
        call = _calls.messages_send(originator, recipients, message)
        if idempotency_key is None:
            return await self._engine.run(call)
        from ._campaigns._keys import send_async

        return await send_async(self._engine, self._keys.open(), call, idempotency_key)

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
        from ._campaigns._run import start

        run = start(
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

    async def follow(
        self, bulk_id: int, *, timeout: float = 600.0, interval: float = 2.0
    ) -> AsyncIterator[Recipient]:
        """Each recipient once as its status becomes final: `async for r in ...`; see
        Messages.follow."""
        import asyncio

        from ._campaigns._follow import Following

        following = Following(bulk_id, timeout, interval)
        while True:
            try:
                found = [r async for r in self.recipients(bulk_id)]
            except RateLimitError as error:
                await asyncio.sleep(following.wait(error.retry_after))
                continue
            for recipient in following.observe(found):
                yield recipient
            if following.done:
                return
            await asyncio.sleep(following.wait())

    def inbox(self, *, page_size: int = 100, start_page: int = 0) -> AsyncPaginator[InboxMessage]:
        """Every received message: `async for m in ...`."""
        return AsyncPaginator(self._engine, _calls.messages_inbox(page_size), start_page)


class AsyncPatterns:
    """The async twin of Patterns."""

    def __init__(self, engine: AsyncEngine, keys: KeyStore) -> None:
        self._engine, self._keys = engine, keys

    async def create(
        self, *, pattern: str, description: str | None = None, is_shared: bool = False
    ) -> Pattern:
        """Create a pattern; it starts `pending` until the provider approves it."""
        return await self._engine.run(_calls.patterns_create(pattern, description, is_shared))

    async def send(
        self,
        *,
        pattern_code: str,
        originator: str,
        recipient: str,
        values: Mapping[str, str | int],
        idempotency_key: str | None = None,
    ) -> int:
        """Send a pattern to one recipient with its variables filled; returns the bulk id.
        See Patterns.send for `idempotency_key`."""
        call = _calls.patterns_send(pattern_code, originator, recipient, values)
        if idempotency_key is None:
            return await self._engine.run(call)
        from ._campaigns._keys import send_async

        return await send_async(self._engine, self._keys.open(), call, idempotency_key)
