"""Campaigns: bulk sends shared by any number of workers (threads, processes, hosts)
through a store that holds the plan, each chunk's state, the workers' leases and the
campaign's pace. The core imports this package only when a bulk send starts."""

from ._handles import AsyncBulkSend, BulkSend
from ._journal import Journal
from ._result import AcceptedChunk, BulkResult, FailedChunk
from ._rows import CampaignWorker

__all__ = [
    "AcceptedChunk",
    "AsyncBulkSend",
    "BulkResult",
    "BulkSend",
    "CampaignWorker",
    "FailedChunk",
    "Journal",
]
