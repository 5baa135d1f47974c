"""Typed Python SDK for the SpeedPayamak / IPPanel SMS REST API v1.

    from speedpayamak import SpeedPayamak

    with SpeedPayamak() as client:           # the key from SPEEDPAYAMAK_API_KEY
        bulk_id = client.messages.send(
            originator="+9850002", recipients=["09121234567"], message="Hello"
        )

Names are imported on first use, so `import speedpayamak` stays cheap and
`speedpayamak.testing` can be used without loading the client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from speedpayamak_api.models import InboxMessage, Message, PageMeta, Pattern, Recipient, User

    from ._bulk import AcceptedChunk, BulkResult, FailedChunk
    from ._client import AsyncSpeedPayamak, SpeedPayamak
    from ._envelope import unwrap
    from ._pagination import AsyncPaginator, Page, Paginator
    from ._segments import Segments, segments
    from .errors import (
        APIConnectionError,
        APIError,
        APITimeoutError,
        AuthenticationError,
        BulkSendError,
        ErrorCode,
        InsufficientCreditError,
        InvalidRequestError,
        NotFoundError,
        OutcomeUnknownError,
        RateLimitError,
        ServerError,
        SpeedPayamakError,
        UnexpectedResponseError,
        ValidationError,
    )

_WHERE: dict[str, str] = {
    "SpeedPayamak": "._client",
    "AsyncSpeedPayamak": "._client",
    "unwrap": "._envelope",
    "segments": "._segments",
    "Segments": "._segments",
    "AcceptedChunk": "._bulk",
    "BulkResult": "._bulk",
    "FailedChunk": "._bulk",
    "Page": "._pagination",
    "Paginator": "._pagination",
    "AsyncPaginator": "._pagination",
    **dict.fromkeys(
        ["InboxMessage", "Message", "PageMeta", "Pattern", "Recipient", "User"],
        "speedpayamak_api.models",
    ),
    **dict.fromkeys(
        [
            "APIConnectionError",
            "APIError",
            "APITimeoutError",
            "AuthenticationError",
            "BulkSendError",
            "ErrorCode",
            "InsufficientCreditError",
            "InvalidRequestError",
            "NotFoundError",
            "OutcomeUnknownError",
            "RateLimitError",
            "ServerError",
            "SpeedPayamakError",
            "UnexpectedResponseError",
            "ValidationError",
        ],
        ".errors",
    ),
}

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AcceptedChunk",
    "AsyncPaginator",
    "AsyncSpeedPayamak",
    "AuthenticationError",
    "BulkResult",
    "BulkSendError",
    "ErrorCode",
    "FailedChunk",
    "InboxMessage",
    "InsufficientCreditError",
    "InvalidRequestError",
    "Message",
    "NotFoundError",
    "OutcomeUnknownError",
    "Page",
    "PageMeta",
    "Paginator",
    "Pattern",
    "RateLimitError",
    "Recipient",
    "Segments",
    "ServerError",
    "SpeedPayamak",
    "SpeedPayamakError",
    "UnexpectedResponseError",
    "User",
    "ValidationError",
    "__version__",
    "segments",
    "unwrap",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'speedpayamak' has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
