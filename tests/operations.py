"""The eight operations, once, for the tests that walk them all: the fault matrix, the
fuzzer, the generated-client wire tests and the request-path check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from tests.conftest import LINE, Driver


@attrs.frozen
class Operation:
    method: str  # as in openapi.yaml
    path: str  # the template, as in openapi.yaml
    call: Callable[[Driver, int, str], Any]  # through the SDK, given a bulk id and a pattern code
    returns: type | str  # a Python type, or the schema a returned model must satisfy
    sends: bool = False  # whether it adds to the sandbox's outbox

    @property
    def glob(self) -> str:
        """The path as a sandbox fault's glob."""
        return self.path.replace("{bulk_id}", "*")


OPERATIONS: dict[str, Operation] = {
    "user": Operation("GET", "/v1/user", lambda d, b, p: d.user(), "User"),
    "credit": Operation("GET", "/v1/credit", lambda d, b, p: d.credit(), float),
    "get": Operation("GET", "/v1/messages/{bulk_id}", lambda d, b, p: d.get(b), "Message"),
    "recipients": Operation(
        "GET", "/v1/messages/{bulk_id}/recipients", lambda d, b, p: d.recipients(b), "Recipient"
    ),
    "inbox": Operation("GET", "/v1/messages/inbox", lambda d, b, p: d.inbox(), "InboxMessage"),
    "send": Operation(
        "POST",
        "/v1/messages",
        lambda d, b, p: d.send(originator=LINE, recipients=["09120000001"], message="x"),
        int,
        sends=True,
    ),
    "create pattern": Operation(
        "POST",
        "/v1/messages/patterns",
        lambda d, b, p: d.create_pattern(pattern="A %a%"),
        "Pattern",
    ),
    "send pattern": Operation(
        "POST",
        "/v1/messages/patterns/send",
        lambda d, b, p: d.send_pattern(
            pattern_code=p, originator=LINE, recipient="09120000001", values={"a": "1"}
        ),
        int,
        sends=True,
    ),
}
