"""The one place that reads a transport's exceptions (httpcore's, httpx's, aiohttp's) and
names what each stands for: "never sent" or "may have been sent".

Never sent is a promise the retry policy and campaigns rest on, so only failures that
prove no byte of the request left count: a connection never made (refused, unresolvable,
TLS refused, a connect or pool timeout) or a proxy that refused to open the tunnel.
Anything after a connection was made may have carried the request.

An SDK error never carries the transport's exception, as its cause or its context: those
hold the request, whose headers hold the key (aiohttp's repr shows it). Its message names
the exception's type and text instead.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import httpcore
import httpx

from speedpayamak._answers import SENT_WARNING
from speedpayamak.errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidRequestError,
    OutcomeUnknownError,
    SpeedPayamakError,
    UnexpectedResponseError,
)

from . import _deadline
from ._body import TooLarge, Undecodable

_NEVER_SENT: tuple[type[BaseException], ...] = (
    httpcore.ConnectError,
    httpcore.ConnectTimeout,
    httpcore.PoolTimeout,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
)
# What a transport may raise for a failed exchange; anything else is a bug and shows as one.
# httpcore's exceptions reach the SDK's own pools, httpx's come through a caller's client.
_FAILURES: tuple[type[BaseException], ...] = (
    httpcore.ConnectionNotAvailable,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
    httpcore.ProtocolError,
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpx.HTTPError,
    httpx.StreamError,
    OSError,
    RuntimeError,
    MemoryError,
    TooLarge,
    Undecodable,
)
CLOSED = "this client is closed (close() or the end of its `with` block); nothing was sent"
# Notes on a KeyboardInterrupt (or a cancellation) that stopped a send, for who reports it.
NOT_SENT_NOTE = "speedpayamak: the send was interrupted before anything was written"
MAY_BE_SENT_NOTE = "speedpayamak: the send was interrupted after its request may have been sent"


def _aiohttp_failures() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """aiohttp's failures and, among them, those raised before a byte was written; empty
    while aiohttp is not imported (it is only for the backend that uses it)."""
    aiohttp: Any = sys.modules.get("aiohttp")
    if aiohttp is None:
        return (), ()
    # The last: a proxy answering CONNECT with anything but 200 (no tunnel, nothing sent).
    never = (
        aiohttp.ClientConnectorError,
        aiohttp.ConnectionTimeoutError,
        aiohttp.ClientHttpProxyError,
    )
    return (aiohttp.ClientError,), never


def is_failure(exc: BaseException) -> bool:
    """Whether `exc` is a transport's failure to exchange (which `Attempt.error` names)."""
    return isinstance(exc, _FAILURES + _aiohttp_failures()[0])


def never_sent(exc: BaseException) -> bool:
    """Whether a failure proves the request never left."""
    if isinstance(exc, _deadline.DeadlinePassed):
        return not exc.connected
    return isinstance(exc, _NEVER_SENT + _aiohttp_failures()[1])


def connection_error(
    exc: BaseException, method: str, path: str, *, is_send: bool, never_sent: bool
) -> APIConnectionError:
    """The typed error for a request that got no answer."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if never_sent:
        return APIConnectionError(
            f"{method} {path}: could not connect, nothing was sent ({what})", request_sent=False
        )
    if is_send:
        return OutcomeUnknownError(
            f"{method} {path}: the request was sent but no answer was read ({what}). The SMS "
            "may have been sent; it was not retried, since retrying blindly may send it twice."
        )
    if isinstance(exc, TimeoutError | httpx.TimeoutException | httpcore.TimeoutException):
        return APITimeoutError(f"{method} {path}: timed out ({what})")
    return APIConnectionError(f"{method} {path}: the connection failed ({what})")


class Attempt:
    """One attempt at one call: within its deadline (for the pools that bound each network
    operation), what the answer's head said once it came, and the SDK's error for any
    failure. The exchanges raise that error outside their `except` blocks, so that it
    carries no transport exception."""

    __slots__ = ("_call", "_token", "end", "headers", "status")

    def __init__(self, call: Any, end: float | None) -> None:
        self._call = call
        self.end: float | None = end
        self.status: int | None = None
        self.headers: Mapping[str, str] | None = None

    def answered(self, status: int, headers: Mapping[str, str]) -> None:
        self.status, self.headers = status, headers

    def check(self) -> None:
        """Between reads: the deadline, where no pool of the SDK's bounds each read."""
        if self.end is not None and _deadline.now() >= self.end:
            raise _deadline.DeadlinePassed(connected=True)

    def __enter__(self) -> Attempt:
        self._token = _deadline.enter(self.end)
        return self

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        _deadline.leave(self._token)
        if exc is not None and not isinstance(exc, Exception) and self._call.is_send:
            # Ctrl-C or a cancellation mid-send: say on it whether the request may be out.
            unsent = self.status is None and _deadline.wrote() is False
            exc.add_note(NOT_SENT_NOTE if unsent else MAY_BE_SENT_NOTE)

    def error(self, exc: BaseException, *, closed: bool = False) -> SpeedPayamakError:
        """The SDK's error for `exc`; `closed` when the client was closed meanwhile."""
        call = self._call
        if isinstance(exc, TooLarge | Undecodable | MemoryError) and self.status is not None:
            reason = (
                f"the answer is too large ({exc})"
                if isinstance(exc, TooLarge | MemoryError)
                else str(exc)
            )
            if call.is_send and 200 <= self.status < 300:
                reason += f"; {SENT_WARNING}"
            return UnexpectedResponseError(
                reason, status_code=self.status, body=b"", headers=self.headers or {}
            )
        unsent = self.status is None and never_sent(exc)
        if closed and self.status is None and (unsent or _deadline.wrote() is False):
            return InvalidRequestError(CLOSED)
        return connection_error(
            exc, call.method, call.path, is_send=call.is_send, never_sent=unsent
        )
