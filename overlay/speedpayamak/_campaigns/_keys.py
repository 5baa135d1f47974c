"""Idempotency keys: a send made once under a key, across retries, processes and hosts
that share a store (the campaigns' stores, and their schema).

A key's states: `in_flight` (claimed by a worker, with its lease, just before the request
is written), `sent` (with the bulk id), `unknown` (its answer was lost, or its worker
died: it may have gone out). A failure that proves nothing was sent removes the key, so
a later call may send. Keys older than the retention are removed by the next claim.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from speedpayamak import _checks
from speedpayamak._calls import Call
from speedpayamak._transport import NOT_SENT_NOTE
from speedpayamak.errors import (
    InvalidRequestError,
    JournalError,
    OutcomeUnknownError,
    SendInProgressError,
    SpeedPayamakError,
)

from ._run import lease_for, longest_attempt, refused
from ._store import HOST, Store, alive, open_store

if TYPE_CHECKING:
    from speedpayamak._engine import AsyncEngine, SyncEngine

# The longest wait between two looks at a key another worker has in flight.
_MOST_BETWEEN_LOOKS = 1.0


def digest(request: Mapping[str, Any]) -> str:
    """What a repeated call must match: the operation and its normalized body."""
    shown = [request.get("method"), request.get("url"), request.get("json")]
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


@attrs.frozen
class Claimed:
    """This call holds the key: it sends."""

    worker: str


class Keys:
    """The idempotency keys of one store, shared by a client's threads and tasks."""

    def __init__(self, store: Store, retention: float) -> None:
        self._store = store
        self._retention = retention

    def look(self, key: str, request_digest: str, lease: float) -> Claimed | int | None:
        """Claim `key` (Claimed), or the first call's bulk id, or None while the first
        call is in flight elsewhere. Raises when the key says the send may have gone out
        or belongs to another request."""
        store, now = self._store, self._store.dialect.now
        worker = uuid.uuid4().hex
        with store.transaction() as run:
            run(f"DELETE FROM speedpayamak_keys WHERE created < {now} - ?", self._retention)
            created = run(
                "INSERT INTO speedpayamak_keys VALUES "
                f"(?, ?, 'in_flight', NULL, NULL, ?, ?, ?, {now}, {now} + ?) "
                "ON CONFLICT (key) DO NOTHING RETURNING key",
                key,
                request_digest,
                worker,
                HOST,
                os.getpid(),
                lease,
            ).fetchone()
            if created is not None:
                return Claimed(worker)
            found = run(
                f"SELECT digest, state, bulk_id, error, host, pid, expires < {now} "
                "FROM speedpayamak_keys WHERE key = ?",
                key,
            ).fetchone()
            if found is None:  # released between the two statements: look again
                return None
            theirs, state, bulk_id, error, host, pid, lapsed = found
            if theirs != request_digest:
                raise InvalidRequestError(
                    f"the idempotency key {key!r} was used for another request (other "
                    "recipients, text, pattern or values); use a new key for a new send"
                )
            if state == "in_flight" and (lapsed or not alive(host, pid)):
                state, error = "unknown", "its worker stopped before the answer was recorded"
                run(
                    "UPDATE speedpayamak_keys SET state = 'unknown', error = ? WHERE key = ?",
                    error,
                    key,
                )
        if state == "sent" and isinstance(bulk_id, int):
            return bulk_id
        if state == "unknown":
            raise OutcomeUnknownError(
                f"the send under idempotency key {key!r} may have gone out ({error}); "
                "nothing was sent now"
            )
        return None  # in flight elsewhere

    def sent(self, key: str, claimed: Claimed, bulk_id: int) -> None:
        self._store.one(
            "UPDATE speedpayamak_keys SET state = 'sent', bulk_id = ?, error = NULL "
            "WHERE key = ? AND worker = ? RETURNING key",
            bulk_id,
            key,
            claimed.worker,
        )

    def failed(self, key: str, claimed: Claimed, error: BaseException) -> None:
        """Release the key when the failure proves nothing was sent (a refusal, or an
        interruption the transport saw before anything was written); else it is unknown."""
        unsent = NOT_SENT_NOTE in getattr(error, "__notes__", ())
        if unsent or (isinstance(error, SpeedPayamakError) and refused(error)):
            self._store.one(
                "DELETE FROM speedpayamak_keys WHERE key = ? AND worker = ? RETURNING key",
                key,
                claimed.worker,
            )
            return
        self._store.one(
            "UPDATE speedpayamak_keys SET state = 'unknown', error = ? "
            "WHERE key = ? AND worker = ? RETURNING key",
            f"{type(error).__name__}: {error}",
            key,
            claimed.worker,
        )

    def close(self) -> None:
        self._store.close()


class KeyedSend:
    """One call's way through its key, for the sync and async clients alike: `next()`
    says what to do (send, return a bulk id, or wait), until the call may send or is
    answered."""

    def __init__(
        self, keys: Keys, key: str, request: Mapping[str, Any], lease: float, patience: float
    ) -> None:
        self.keys = keys
        self.key = _checks.text("idempotency_key", key)
        if len(self.key) > 255:
            raise InvalidRequestError("idempotency_key must be at most 255 characters")
        self._digest = digest(request)
        self._lease = lease
        self._until = time.monotonic() + patience
        self._wait = 0.02

    def next(self) -> Claimed | int | float:
        """Claimed (send now), a bulk id (already sent), or seconds to wait and ask again."""
        found = self.keys.look(self.key, self._digest, self._lease)
        if found is not None:
            return found
        left = self._until - time.monotonic()
        if left <= 0:
            raise SendInProgressError(
                f"the send under idempotency key {self.key!r} is in flight in another "
                "worker; its outcome was not known in time",
                key=self.key,
            )
        wait, self._wait = min(self._wait, left), min(self._wait * 2, _MOST_BETWEEN_LOOKS)
        return wait


def open_keys(journal: str | os.PathLike[str], retention: float) -> Keys:
    return Keys(open_store(journal, "keys"), retention)


def _keyed(
    engine: SyncEngine | AsyncEngine, keys: Keys, call: Call[Any, int], key: str
) -> KeyedSend:
    timeout = engine.timeout
    longest = longest_attempt(engine)
    patience = (timeout.connect or 0.0) + (timeout.read or 0.0) or longest
    return KeyedSend(keys, key, call.request, lease_for(longest, None), patience)


def _settle(keyed: KeyedSend, claimed: Claimed, error: BaseException) -> None:
    with contextlib.suppress(JournalError):  # the call's own error is what the caller sees
        keyed.keys.failed(keyed.key, claimed, error)


def _record(keyed: KeyedSend, claimed: Claimed, bulk_id: int) -> int:
    # The send succeeded: never raise on success. An unrecorded key stays in flight and
    # later reads as unknown, never as a reason to send again.
    with contextlib.suppress(JournalError):
        keyed.keys.sent(keyed.key, claimed, bulk_id)
    return bulk_id


def send_sync(engine: SyncEngine, keys: Keys, call: Call[Any, int], key: str) -> int:
    """Send `call` once under `key`, or return the first call's bulk id."""
    keyed = _keyed(engine, keys, call, key)
    while not isinstance(step := keyed.next(), Claimed):
        if not isinstance(step, float):
            return step
        time.sleep(step)
    try:
        bulk_id = engine.run(call)
    except BaseException as error:
        _settle(keyed, step, error)
        raise
    return _record(keyed, step, bulk_id)


async def send_async(engine: AsyncEngine, keys: Keys, call: Call[Any, int], key: str) -> int:
    """The async twin of send_sync."""
    import asyncio

    keyed = _keyed(engine, keys, call, key)
    while not isinstance(step := keyed.next(), Claimed):
        if not isinstance(step, float):
            return step
        await asyncio.sleep(step)
    try:
        bulk_id = await engine.run(call)
    except BaseException as error:
        _settle(keyed, step, error)
        raise
    return _record(keyed, step, bulk_id)
