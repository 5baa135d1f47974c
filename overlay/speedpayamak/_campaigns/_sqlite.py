"""The embedded store: one SQLite file.

Workers on one host cooperate through it: each claim is a `BEGIN IMMEDIATE`
transaction, which SQLite serializes with a lock on the file. That lock is only as good
as the filesystem's: on a network filesystem (NFS, SMB) it is not reliable, so share a
campaign between hosts through PostgreSQL instead.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from speedpayamak.errors import JournalError


class SQLite:
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
    now = "((julianday('now') - 2440587.5) * 86400.0)"
    greatest = "max"
    skip_locked = ""
    begin = "BEGIN IMMEDIATE"
    shared = True

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self.where = str(path)

    def connect(self) -> Any:
        if self.read_only:
            return self._read_only()
        try:  # owner-only from the first byte: a journal holds numbers and texts
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass
        except OSError as exc:
            raise JournalError(
                f"cannot create the journal {self.path}: {exc}", where=self.where
            ) from None
        db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self._refuse_foreign(db)  # before anything is written to it, WAL mode included
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # durable when a process dies
        return db

    def _read_only(self) -> Any:
        """A reader that writes nothing, also on a read-only mount (where SQLite cannot
        make the WAL's shared-memory file, the file is read as it stands)."""
        uri = "file:" + quote(str(self.path.resolve()))
        for flags in ("?mode=ro", "?mode=ro&immutable=1"):
            db = sqlite3.connect(
                uri + flags, uri=True, check_same_thread=False, isolation_level=None
            )
            try:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                db.close()
                continue
            return db
        raise JournalError(f"cannot read the journal {self.path}", where=self.where)

    @staticmethod
    def sql(text: str) -> str:
        return text

    def prepare(self, run: Any) -> None:
        pass  # BEGIN IMMEDIATE already holds the file's write lock

    def _refuse_foreign(self, db: sqlite3.Connection) -> None:
        found = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        tables = {row[0] for row in found}
        if tables and "speedpayamak_meta" not in tables:
            db.close()
            raise JournalError(
                f"{self.path} is an SQLite file of another application (tables: "
                f"{', '.join(sorted(tables)[:5])}); it was not changed. Give a new file",
                where=self.where,
            )
