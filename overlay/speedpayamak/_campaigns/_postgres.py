"""The shared store: PostgreSQL through psycopg 3 (`pip install 'speedpayamak[postgres]'`).
Workers on any number of hosts share a campaign: a claim is `SELECT ... FOR UPDATE SKIP
LOCKED`, so workers never wait on each other's chunks, and the clock of leases and of
the pace is the server's, so the hosts' clocks need not agree."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from speedpayamak.errors import InvalidRequestError

# Held while the schema is created, so that workers starting together do not race.
_SCHEMA_LOCK = 0x7370_6565_6470  # "speedp"


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgreSQL:
    now = "extract(epoch from statement_timestamp())::float8"
    greatest = "greatest"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    begin = "BEGIN"
    shared = False

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise InvalidRequestError(
                "a PostgreSQL journal needs psycopg 3: pip install 'speedpayamak[postgres]'"
            ) from None
        self._psycopg = psycopg
        self.errors: tuple[type[BaseException], ...] = (psycopg.Error,)
        self.url = url
        self.where = without_password(url)

    def connect(self) -> Any:
        return self._psycopg.connect(
            self.url, autocommit=True, connect_timeout=10, application_name="speedpayamak"
        )

    @staticmethod
    def sql(text: str) -> str:
        return text.replace("?", "%s")

    def prepare(self, run: Any) -> None:
        run("SELECT pg_advisory_xact_lock(?)", _SCHEMA_LOCK)
