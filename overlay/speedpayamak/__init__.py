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

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from speedpayamak_api.models import InboxMessage as InboxMessage
    from speedpayamak_api.models import Message as Message
    from speedpayamak_api.models import PageMeta as PageMeta
    from speedpayamak_api.models import Pattern as Pattern
    from speedpayamak_api.models import Recipient as Recipient
    from speedpayamak_api.models import User as User

    from ._campaigns import AcceptedChunk as AcceptedChunk
    from ._campaigns import AsyncBulkSend as AsyncBulkSend
    from ._campaigns import BulkResult as BulkResult
    from ._campaigns import BulkSend as BulkSend
    from ._campaigns import CampaignWorker as CampaignWorker
    from ._campaigns import FailedChunk as FailedChunk
    from ._campaigns import Journal as Journal
    from ._client import AsyncSpeedPayamak as AsyncSpeedPayamak
    from ._client import SpeedPayamak as SpeedPayamak
    from ._envelope import unwrap as unwrap
    from ._pagination import AsyncPaginator as AsyncPaginator
    from ._pagination import Page as Page
    from ._pagination import Paginator as Paginator
    from ._segments import Segments as Segments
    from ._segments import segments as segments
    from .errors import APIConnectionError as APIConnectionError
    from .errors import APIError as APIError
    from .errors import APITimeoutError as APITimeoutError
    from .errors import AuthenticationError as AuthenticationError
    from .errors import BulkSendError as BulkSendError
    from .errors import DeliveryTimeoutError as DeliveryTimeoutError
    from .errors import ErrorCode as ErrorCode
    from .errors import InsufficientCreditError as InsufficientCreditError
    from .errors import InvalidRequestError as InvalidRequestError
    from .errors import JournalError as JournalError
    from .errors import NotFoundError as NotFoundError
    from .errors import OutcomeUnknownError as OutcomeUnknownError
    from .errors import PermissionDeniedError as PermissionDeniedError
    from .errors import RateLimitError as RateLimitError
    from .errors import SendInProgressError as SendInProgressError
    from .errors import ServerError as ServerError
    from .errors import SpeedPayamakError as SpeedPayamakError
    from .errors import UnexpectedResponseError as UnexpectedResponseError
    from .errors import ValidationError as ValidationError

# The public surface: each name and the module it is imported from on first use.
_WHERE: dict[str, str] = {
    "SpeedPayamak": "._client",
    "AsyncSpeedPayamak": "._client",
    "unwrap": "._envelope",
    "segments": "._segments",
    "Segments": "._segments",
    "AcceptedChunk": "._campaigns",
    "BulkSend": "._campaigns",
    "CampaignWorker": "._campaigns",
    "AsyncBulkSend": "._campaigns",
    "BulkResult": "._campaigns",
    "FailedChunk": "._campaigns",
    "Journal": "._campaigns",
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
            "JournalError",
            "SendInProgressError",
            "DeliveryTimeoutError",
            "NotFoundError",
            "OutcomeUnknownError",
            "PermissionDeniedError",
            "RateLimitError",
            "ServerError",
            "SpeedPayamakError",
            "UnexpectedResponseError",
            "ValidationError",
        ],
        ".errors",
    ),
}

__all__ = sorted([*_WHERE, "__version__"])


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'speedpayamak' has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
