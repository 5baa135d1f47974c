"""The one protocol every campaign store speaks, written once in SQL over a dialect
(SQLite or PostgreSQL). Each step is one short transaction:

- `join`: create the campaign or check that the plan matches, register the worker with
  its lease, turn lapsed workers' chunks into what they are (in flight: `unknown`;
  claimed: `pending` again), and reset refused chunks for this run;
- `claim`: take one pending chunk for this worker (SKIP LOCKED on PostgreSQL, a
  BEGIN IMMEDIATE transaction on SQLite), so no two workers ever hold one chunk;
- `in_flight`: just before a request is written, and only if the chunk is still this
  worker's: a chunk taken away from a worker is never sent by it;
- `record` an outcome; `release` what was claimed but not sent;
- `heartbeat` to renew the lease; `pace` and `pause` for the campaign's shared rate.

Every failure of the store (a full disk, a corrupt page, a lost connection, a row that
does not decode, a value that does not fit) is a JournalError, never a driver's own.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from typing import Any, Protocol

from speedpayamak import _checks
from speedpayamak.errors import InvalidRequestError, JournalError

from ._rows import STATES, CampaignWorker, Plan, Row

SCHEMA_VERSION = 1
HOST = socket.gethostname()

DIED = (
    "the worker sending this chunk stopped before its answer was recorded (its lease "
    "lapsed); it may have been sent"
)
INTERRUPTED = "the run was interrupted while this chunk was in flight; it may have been sent"

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS speedpayamak_meta (
        key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS speedpayamak_campaigns (
        name TEXT PRIMARY KEY, digest TEXT NOT NULL, originator TEXT NOT NULL,
        message TEXT NOT NULL, created DOUBLE PRECISION NOT NULL,
        next_slot DOUBLE PRECISION NOT NULL, paused_until DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS speedpayamak_chunks (
        campaign TEXT NOT NULL, idx INTEGER NOT NULL, recipients TEXT NOT NULL,
        state TEXT NOT NULL, worker TEXT, bulk_id BIGINT, error TEXT,
        PRIMARY KEY (campaign, idx))""",
    """CREATE INDEX IF NOT EXISTS speedpayamak_chunks_by_state
        ON speedpayamak_chunks (campaign, state, idx)""",
    """CREATE TABLE IF NOT EXISTS speedpayamak_workers (
        campaign TEXT NOT NULL, id TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
        started DOUBLE PRECISION NOT NULL, heartbeat DOUBLE PRECISION NOT NULL,
        expires DOUBLE PRECISION NOT NULL, state TEXT NOT NULL,
        PRIMARY KEY (campaign, id))""",
    """CREATE TABLE IF NOT EXISTS speedpayamak_keys (
        key TEXT PRIMARY KEY, digest TEXT NOT NULL, state TEXT NOT NULL, bulk_id BIGINT,
        error TEXT, worker TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
        created DOUBLE PRECISION NOT NULL, expires DOUBLE PRECISION NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS speedpayamak_keys_by_age ON speedpayamak_keys (created)""",
]


class Dialect(Protocol):
    """What differs between the stores; everything else is the SQL below."""

    where: str  # the store as shown in messages (a path, or a URL without its password)
    errors: tuple[type[BaseException], ...]  # the driver's failures
    now: str  # SQL: the store's clock, in seconds since the epoch
    greatest: str  # SQL: the function giving the largest of its arguments
    skip_locked: str  # SQL after a SELECT whose rows a claim takes
    begin: str  # SQL: a transaction that may write
    shared: bool  # one connection for every thread (SQLite), or one a thread

    def connect(self) -> Any: ...
    def sql(self, text: str) -> str: ...
    def prepare(self, run: Any) -> None:
        """Before the schema is created: refuse a foreign file, take the schema lock."""


def alive(host: str, pid: int) -> bool:
    """Whether a worker may still run: always, on another host (only its lease tells)."""
    return host != HOST or _alive(pid)


def _alive(pid: int) -> bool:
    """Whether a process of this host still runs (a zombie is dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


class _Statements:
    """Statements of one transaction, written with `?` placeholders in every dialect."""

    def __init__(self, db: Any, sql: Callable[[str], str]) -> None:
        self._db, self._sql = db, sql

    def __call__(self, text: str, *params: Any) -> Any:
        return self._db.execute(self._sql(text), params)

    def many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        self._db.cursor().executemany(self._sql(text), rows)


class CampaignStore(Protocol):
    """What a run needs of its store: the SQL stores below, or memory (no journal)."""

    @property
    def where(self) -> str: ...
    @property
    def campaign(self) -> str: ...

    def join(self, plan: Plan, worker: str, lease: float, resend_unknown: bool) -> list[Row]: ...
    def claim(self, worker: str, *, straight: bool) -> tuple[int | None, str, int, float]: ...
    def in_flight(self, worker: str, index: int) -> bool: ...
    def record(self, worker: str, index: int, row: Row) -> None: ...
    def release(self, worker: str, index: int) -> None: ...
    def leave(self, worker: str) -> None: ...
    def heartbeat(self, worker: str, lease: float) -> bool: ...
    def pace(self, rate: float | None) -> float: ...
    def pause(self, seconds: float) -> None: ...
    def rows(self) -> list[Row]: ...
    def close(self) -> None: ...


class Store:
    """One campaign in one SQL store, shared by the threads of a run."""

    def __init__(self, dialect: Dialect, campaign: str) -> None:
        self.dialect: Dialect = dialect
        self.where: str = dialect.where
        self.campaign: str = campaign
        self._lock = threading.Lock() if dialect.shared else None
        self._local = threading.local()
        self._connections: list[Any] = []
        self._connections_lock = threading.Lock()
        self._pid = os.getpid()
        self._db: Any = None  # the shared connection (SQLite)

    # --- transactions ------------------------------------------------------------------

    def _connection(self) -> Any:
        if self._pid != os.getpid():  # a forked child: the parent's connections are not its own
            self._pid, self._connections, self._local = os.getpid(), [], threading.local()
            self._db = None
        owner: Any = self if self.dialect.shared else self._local
        connection = getattr(owner, "_db", None)
        if connection is None:
            with self._guard():
                connection = self.dialect.connect()
            owner._db = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except JournalError:
            raise
        except (*self.dialect.errors, OverflowError) as exc:  # type: ignore[misc]
            if not self.dialect.shared:  # a connection that failed may be broken: renew it
                self._local._db = None
            raise JournalError(
                f"the campaign store {self.where} failed: {type(exc).__name__}: {exc}",
                where=self.where,
            ) from exc

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[_Statements]:
        """A transaction; yields `run(sql, *params) -> cursor`."""
        with self._lock or nullcontext(), self._guard():
            db = self._connection()
            run = _Statements(db, self.dialect.sql)
            db.execute(self.dialect.begin if write else "BEGIN")
            try:
                yield run
            except BaseException:
                with suppress(*self.dialect.errors):  # a lost connection took it along
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def one(self, text: str, *params: Any) -> list[Any]:
        """One statement, atomic on its own (the connections autocommit): one round trip.
        Every such statement returns rows (RETURNING), so that its effect can be seen."""
        with self._lock or nullcontext(), self._guard():
            cursor = self._connection().execute(self.dialect.sql(text), params)
            return list(cursor.fetchall())

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with suppress(*self.dialect.errors):
                connection.close()

    # --- the schema --------------------------------------------------------------------

    def setup(self) -> None:
        """Create the tables on first use; refuse a store of another schema or version."""
        with self.transaction() as run:
            self.dialect.prepare(run)
            for statement in _SCHEMA:
                run(statement)
            found = run("SELECT value FROM speedpayamak_meta WHERE key = 'schema_version'")
            row = found.fetchone()
            if row is None:
                run(
                    "INSERT INTO speedpayamak_meta VALUES ('schema_version', ?)",
                    str(SCHEMA_VERSION),
                )
            elif row[0] != str(SCHEMA_VERSION):
                raise JournalError(
                    f"{self.where} holds campaigns of schema version {row[0]}; this "
                    f"release reads version {SCHEMA_VERSION}",
                    where=self.where,
                )

    def check_readable(self, run: _Statements) -> None:
        found = run("SELECT value FROM speedpayamak_meta WHERE key = 'schema_version'").fetchone()
        if found is None or found[0] != str(SCHEMA_VERSION):
            raise JournalError(
                f"{self.where} is not a campaign journal of this release",
                where=self.where,
            )

    # --- joining and leaving -----------------------------------------------------------

    def join(self, plan: Plan, worker: str, lease: float, resend_unknown: bool) -> list[Row]:
        """Create the campaign or join it; register `worker`; return the chunks' rows."""
        now = self.dialect.now
        with self.transaction() as run:
            # Workers starting together: one creates it, the others wait for its commit.
            created = run(
                f"INSERT INTO speedpayamak_campaigns VALUES (?, ?, ?, ?, {now}, 0, 0) "
                "ON CONFLICT (name) DO NOTHING RETURNING name",
                self.campaign,
                plan.digest,
                plan.originator,
                plan.message,
            ).fetchone()
            head = run(
                "SELECT digest, originator, message FROM speedpayamak_campaigns WHERE name = ?",
                self.campaign,
            ).fetchone()
            if created is not None:
                run.many(
                    "INSERT INTO speedpayamak_chunks VALUES (?, ?, ?, 'pending', NULL, NULL, NULL)",
                    [(self.campaign, i, json.dumps(chunk)) for i, chunk in enumerate(plan.chunks)],
                )
            elif head[0] != plan.digest:
                what = next(
                    (
                        name
                        for name, theirs, mine in (
                            ("originator", head[1], plan.originator),
                            ("message", head[2], plan.message),
                        )
                        if theirs != mine
                    ),
                    "recipients",
                )
                raise InvalidRequestError(
                    f"the journal {self.where} holds campaign {self.campaign!r} with "
                    f"another {what}: use a new journal (or campaign name) for a new campaign"
                )
            run(
                "INSERT INTO speedpayamak_workers VALUES "
                f"(?, ?, ?, ?, {now}, {now}, {now} + ?, 'running')",
                self.campaign,
                worker,
                HOST,
                os.getpid(),
                lease,
            )
            self._reap(run, worker)
            run(
                "UPDATE speedpayamak_chunks SET state = 'pending', worker = NULL, error = NULL "
                "WHERE campaign = ? AND state = 'failed'",
                self.campaign,
            )
            if resend_unknown:
                run(
                    "UPDATE speedpayamak_chunks SET state = 'pending', worker = NULL, error = NULL "
                    "WHERE campaign = ? AND state = 'unknown'",
                    self.campaign,
                )
            return self._rows(run)

    def _reap(self, run: _Statements, me: str) -> None:
        """Lapsed workers' chunks: in flight ones become unknown, claimed ones pending."""
        workers = run(
            f"SELECT id, host, pid, expires < {self.dialect.now} FROM speedpayamak_workers "
            "WHERE campaign = ? AND state = 'running' AND id <> ?",
            self.campaign,
            me,
        ).fetchall()
        for worker, host, pid, lapsed in workers:
            if lapsed or not alive(host, pid):
                self._let_go(run, worker, DIED, "lapsed")

    def leave(self, worker: str) -> None:
        """The run ends: what it claimed goes back, what it had in flight is unknown."""
        with self.transaction() as run:
            self._let_go(run, worker, INTERRUPTED, "done")

    def _let_go(self, run: _Statements, worker: str, why: str, state: str) -> None:
        """A worker's chunks in flight become unknown (`why`), its claimed ones pending."""
        run(
            "UPDATE speedpayamak_chunks SET state = 'unknown', error = ? "
            "WHERE campaign = ? AND worker = ? AND state = 'in_flight'",
            why,
            self.campaign,
            worker,
        )
        run(
            "UPDATE speedpayamak_chunks SET state = 'pending', worker = NULL "
            "WHERE campaign = ? AND worker = ? AND state = 'claimed'",
            self.campaign,
            worker,
        )
        run(
            "UPDATE speedpayamak_workers SET state = ? WHERE campaign = ? AND id = ? "
            "AND state = 'running'",
            state,
            self.campaign,
            worker,
        )

    def heartbeat(self, worker: str, lease: float) -> bool:
        """Renew the lease; False when it had lapsed and others took the worker's chunks."""
        now = self.dialect.now
        return bool(
            self.one(
                f"UPDATE speedpayamak_workers SET heartbeat = {now}, expires = {now} + ? "
                "WHERE campaign = ? AND id = ? AND state = 'running' RETURNING id",
                lease,
                self.campaign,
                worker,
            )
        )

    # --- a chunk's way -----------------------------------------------------------------

    _CLAIM = (
        "UPDATE speedpayamak_chunks SET state = {state}, worker = ? "
        "WHERE campaign = ? AND idx = (SELECT idx FROM speedpayamak_chunks "
        "WHERE campaign = ? AND state = 'pending' ORDER BY idx LIMIT 1{skip_locked}) "
        "RETURNING idx, state, (SELECT paused_until - {now} FROM speedpayamak_campaigns "
        "WHERE name = ?)"
    )

    def claim(self, worker: str, *, straight: bool) -> tuple[int | None, str, int, float]:
        """Take the next pending chunk: (its index or None, its state, how many chunks
        other workers hold, seconds the campaign is paused for). With `straight` (no rate
        to wait for), a chunk of a campaign that is not paused is in flight at once: its
        request is written next. One statement, unless none is pending."""
        now = self.dialect.now
        state = (
            f"CASE WHEN (SELECT paused_until FROM speedpayamak_campaigns WHERE name = ?) "
            f"<= {now} THEN 'in_flight' ELSE 'claimed' END"
            if straight
            else "'claimed'"
        )
        claim = self._CLAIM.format(state=state, skip_locked=self.dialect.skip_locked, now=now)
        params = (*([self.campaign] if straight else []), worker, *[self.campaign] * 3)
        taken = self.one(claim, *params)
        busy = 0
        if not taken:  # lapsed workers may hold some: look, then try once more
            with self.transaction() as run:
                self._reap(run, worker)
                taken = run(claim, *params).fetchall()
                (busy,) = run(
                    "SELECT count(*) FROM speedpayamak_chunks WHERE campaign = ? "
                    "AND state IN ('claimed', 'in_flight') AND worker <> ?",
                    self.campaign,
                    worker,
                ).fetchone()
        if not taken:
            return None, "pending", int(busy), 0.0
        index, held, paused = taken[0]
        return int(index), str(held), 0, max(0.0, float(paused or 0.0))

    def in_flight(self, worker: str, index: int) -> bool:
        """Mark the chunk in flight, if it is still this worker's."""
        return bool(
            self.one(
                "UPDATE speedpayamak_chunks SET state = 'in_flight' WHERE campaign = ? "
                "AND idx = ? AND worker = ? AND state IN ('claimed', 'in_flight') RETURNING idx",
                self.campaign,
                index,
                worker,
            )
        )

    def record(self, worker: str, index: int, row: Row) -> None:
        """An outcome. An acceptance is a fact and always lands; a failure or an unknown
        outcome only on a chunk this worker still holds."""
        condition = "" if row.state == "accepted" else " AND worker = ?"
        params: Sequence[Any] = () if row.state == "accepted" else (worker,)
        self.one(
            "UPDATE speedpayamak_chunks SET state = ?, bulk_id = ?, error = ? "
            f"WHERE campaign = ? AND idx = ?{condition} RETURNING idx",
            row.state,
            row.bulk_id,
            row.error,
            self.campaign,
            index,
            *params,
        )

    def release(self, worker: str, index: int) -> None:
        """A claimed chunk that was not sent goes back to pending."""
        self.one(
            "UPDATE speedpayamak_chunks SET state = 'pending', worker = NULL WHERE campaign = ? "
            "AND idx = ? AND worker = ? AND state = 'claimed' RETURNING idx",
            self.campaign,
            index,
            worker,
        )

    # --- the campaign's pace -----------------------------------------------------------

    def pace(self, rate: float | None) -> float:
        """Seconds to wait before the next request: the campaign's pause after a 429, and
        with `rate`, the next slot of the campaign's token bucket, taken now."""
        now, greatest = self.dialect.now, self.dialect.greatest
        if rate is None:
            rows = self.one(
                f"SELECT paused_until - {now} FROM speedpayamak_campaigns WHERE name = ?",
                self.campaign,
            )
        else:
            rows = self.one(
                f"UPDATE speedpayamak_campaigns SET next_slot = "
                f"{greatest}(next_slot, {now}, paused_until) + ? WHERE name = ? "
                f"RETURNING next_slot - ? - {now}",
                1.0 / rate,
                self.campaign,
                1.0 / rate,
            )
        return max(0.0, float(rows[0][0])) if rows else 0.0

    def pause(self, seconds: float) -> None:
        """Hold every worker of the campaign back for `seconds` from now."""
        self.one(
            f"UPDATE speedpayamak_campaigns SET paused_until = "
            f"{self.dialect.greatest}(paused_until, {self.dialect.now} + ?) WHERE name = ? "
            "RETURNING name",
            seconds,
            self.campaign,
        )

    # --- reading -----------------------------------------------------------------------

    def _rows(self, run: _Statements) -> list[Row]:
        found = run(
            "SELECT idx, recipients, state, bulk_id, error, worker FROM speedpayamak_chunks "
            "WHERE campaign = ? ORDER BY idx",
            self.campaign,
        ).fetchall()
        return [self._decode(position, row) for position, row in enumerate(found)]

    def _decode(self, position: int, row: Sequence[Any]) -> Row:
        index, recipients, state, bulk_id, error, worker = row
        try:
            numbers = json.loads(recipients)
        except (TypeError, ValueError):
            numbers = None
        if (
            index != position
            or not isinstance(numbers, list)
            or not all(isinstance(n, str) for n in numbers)
            or state not in STATES
            or not (bulk_id is None or (isinstance(bulk_id, int) and bulk_id > 0))
            or (state == "accepted") != (bulk_id is not None)
        ):
            raise JournalError(
                f"chunk {position + 1} of campaign {self.campaign!r} in {self.where} "
                "cannot be read (the journal is damaged)",
                where=self.where,
            )
        return Row(tuple(numbers), state, bulk_id, error, worker)

    def load(self) -> tuple[Plan, list[Row], list[CampaignWorker]] | None:
        """The campaign as stored (None when the store holds no such campaign)."""
        with self.transaction(write=False) as run:
            self.check_readable(run)
            head = run(
                "SELECT originator, message FROM speedpayamak_campaigns WHERE name = ?",
                self.campaign,
            ).fetchone()
            if head is None:
                return None
            rows = self._rows(run)
            workers = run(
                "SELECT id, host, pid, started, heartbeat, state FROM speedpayamak_workers "
                "WHERE campaign = ? ORDER BY started",
                self.campaign,
            ).fetchall()
        plan = Plan(head[0], head[1], tuple(row.recipients for row in rows))
        return plan, rows, [CampaignWorker(*worker) for worker in workers]

    def rows(self) -> list[Row]:
        with self.transaction(write=False) as run:
            return self._rows(run)


def open_store(
    journal: str | os.PathLike[str], campaign: str | None, *, read_only: bool = False
) -> Store:
    """The store a journal names: a `postgresql://` URL (with `campaign=`), or an SQLite
    file (`campaign=` optional: a file may hold several)."""
    from ._sqlite import SQLite

    text = os.fspath(journal)
    dialect: Dialect
    if text.startswith(("postgresql://", "postgres://")):
        if campaign is None:
            raise InvalidRequestError(
                "campaign= is required with a PostgreSQL journal: it names the campaign "
                "among the others in that database"
            )
        from ._postgres import PostgreSQL

        dialect = PostgreSQL(text)
    else:
        from pathlib import Path

        path = Path(text)
        if read_only and not path.is_file():
            raise InvalidRequestError(f"no campaign journal at {text}")
        dialect = SQLite(path, read_only=read_only)
    name = "default" if campaign is None else _checks.text("campaign", campaign)
    store = Store(dialect, name)
    if not read_only:
        try:
            store.setup()
        except BaseException:
            store.close()
            raise
    return store
