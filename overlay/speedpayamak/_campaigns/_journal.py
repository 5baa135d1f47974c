"""Reading a campaign without sending anything."""

from __future__ import annotations

import os

from speedpayamak.errors import InvalidRequestError

from ._result import BulkResult, ledger
from ._rows import CampaignWorker
from ._store import open_store


class Journal:
    """A campaign's journal (`send_bulk(..., journal=...)`), read without sending
    anything, also from a read-only file. `journal` is an SQLite file or a
    `postgresql://` URL; `campaign` names the campaign in it (required with a URL).

    `Journal(path).result` is the whole campaign's ledger, every worker's and every
    earlier run's; a chunk a worker has in flight counts as unknown. `workers` lists the
    runs that took part: host, pid, last heartbeat, state.
    """

    def __init__(self, journal: str | os.PathLike[str], campaign: str | None = None) -> None:
        self.journal: str = os.fspath(journal)
        self.campaign: str | None = campaign

    def _read(self) -> tuple[BulkResult, list[CampaignWorker]]:
        store = open_store(self.journal, self.campaign, read_only=True)
        try:
            found = store.load()
        finally:
            store.close()
        if found is None:
            raise InvalidRequestError(f"{store.where} holds no campaign {store.campaign!r}")
        _, rows, workers = found
        return ledger(rows), workers

    @property
    def result(self) -> BulkResult:
        """The campaign's ledger now."""
        return self._read()[0]

    @property
    def workers(self) -> tuple[CampaignWorker, ...]:
        """The runs that took part in the campaign, oldest first."""
        return tuple(self._read()[1])
