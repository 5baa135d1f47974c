"""A campaign's journal: its plan and each chunk's state in an SQLite file (the standard
library's sqlite3, in WAL mode), each change committed before the run's next step, so a
run that dies leaves a record a later run resumes from.

States: `pending` (not sent yet), `in_flight` (its request may be on the wire),
`accepted` (with its bulk id), `failed` (refused, so not sent), `unknown` (may have been
sent; never re-sent unless asked).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import attrs

from .errors import InvalidRequestError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaign (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    originator TEXT NOT NULL,
    message TEXT NOT NULL,
    recipients TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    idx INTEGER PRIMARY KEY,
    recipients TEXT NOT NULL,
    state TEXT NOT NULL,
    bulk_id INTEGER,
    error TEXT
);
"""


@attrs.frozen
class Row:
    """One chunk as the journal holds it."""

    recipients: tuple[str, ...]
    state: str
    bulk_id: int | None = None
    error: str | None = None


@attrs.frozen
class Plan:
    originator: str
    message: str
    rows: tuple[Row, ...]


class JournalFile:
    """The open journal of one campaign."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # durable when a process dies
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise InvalidRequestError(f"cannot use {self.path} as a journal: {exc}") from None

    def load(self) -> Plan | None:
        with self._lock:
            head = self._db.execute("SELECT originator, message FROM campaign").fetchone()
            if head is None:
                return None
            rows = self._db.execute(
                "SELECT recipients, state, bulk_id, error FROM chunks ORDER BY idx"
            ).fetchall()
        return Plan(
            head[0],
            head[1],
            tuple(Row(tuple(json.loads(r[0])), r[1], r[2], r[3]) for r in rows),
        )

    def create(self, plan: Plan) -> None:
        recipients = [n for row in plan.rows for n in row.recipients]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO campaign VALUES (1, ?, ?, ?)",
                (plan.originator, plan.message, json.dumps(recipients)),
            )
            self._db.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, NULL, NULL)",
                [(i, json.dumps(row.recipients), row.state) for i, row in enumerate(plan.rows)],
            )
            self._db.execute("COMMIT")

    def record(self, index: int, row: Row) -> None:
        """Commit one chunk's new state."""
        with self._lock:
            self._db.execute(
                "UPDATE chunks SET state = ?, bulk_id = ?, error = ? WHERE idx = ?",
                (row.state, row.bulk_id, row.error, index),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_existing(path: str | Path) -> JournalFile:
    if not Path(path).is_file():
        raise InvalidRequestError(f"no campaign journal at {path}")
    return JournalFile(path)
