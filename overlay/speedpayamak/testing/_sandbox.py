"""The sandbox: a stateful, in-memory SpeedPayamak API speaking the real wire format.

It is a second, independent reading of the API contract: it imports neither the
generated client nor the SDK core, so tests of one against the other mean something.
"""

from __future__ import annotations

import random
import re
import string
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit

import attrs

from . import _segments
from ._faults import HTML_PAGE, Fault, Injection, malformed
from ._records import (
    Account,
    Bulk,
    Incoming,
    LoggedRequest,
    Pattern,
    Reply,
    SentMessage,
    normalize_number,
    timestamp,
)
from ._wire import (
    FieldProblems,
    Refusal,
    ValidationForm,
    error_body,
    go_type,
    page_meta,
    read_object,
    refuse,
    success_body,
)

if TYPE_CHECKING:
    import httpx

_VARIABLE = re.compile(r"%([A-Za-z0-9_]+)%")
_BULK_PATH = re.compile(r"/v1/messages/([^/]+)")
_RECIPIENTS_PATH = re.compile(r"/v1/messages/([^/]+)/recipients")
_EPOCH = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)

# An operation's answer: the envelope's `data`, and its `meta` on the list operations.
_Answer = tuple[dict[str, Any], dict[str, Any] | None]


class Sandbox:
    """An in-memory SpeedPayamak API for tests and local development.

    One account is created from the arguments; add more with `add_account`. Serve it with
    `transport()` / `async_transport()` (httpx, no sockets) or `serve()` (real HTTP on
    127.0.0.1). Every method is safe to call from any thread while it serves.
    """

    def __init__(
        self,
        api_key: str = "sandbox-key",
        *,
        credit: float | str | Decimal = 10_000,
        lines: Iterable[str] = ("+9850002",),
        price_per_part: float | str | Decimal = 1,
        max_recipients: int = 100,
        max_page_size: int = 1000,
        success_code: Literal["OK", 200] = "OK",
        auto_approve: bool = False,
        delivery_seconds: float = 5.0,
        validation_errors: ValidationForm = "objects",
        seed: int = 0,
    ) -> None:
        self.max_recipients = max_recipients
        self.max_page_size = max_page_size
        self.success_code: str | int = success_code
        self.auto_approve = auto_approve
        self.delivery_seconds = delivery_seconds
        self.validation_errors: ValidationForm = validation_errors
        self._lock = threading.RLock()
        self._random = random.Random(seed)
        self._accounts: dict[str, Account] = {}
        self._patterns: dict[str, Pattern] = {}
        self._bulks: dict[int, Bulk] = {}
        self._outbox: list[SentMessage] = []
        self._inbox: list[Incoming] = []
        self._requests: list[LoggedRequest] = []
        self._injections: list[Injection] = []
        self._failing: set[str] = set()
        self._next_bulk_id = 100_000_001
        self._now = _EPOCH
        self._routes: dict[str, tuple[str, Any]] = {
            "/v1/user": ("GET", self._user),
            "/v1/credit": ("GET", self._credit),
            "/v1/messages": ("POST", self._send),
            "/v1/messages/patterns": ("POST", self._create_pattern),
            "/v1/messages/patterns/send": ("POST", self._send_pattern),
            "/v1/messages/inbox": ("GET", self._inbox_page),
        }
        self.add_account(api_key, credit=credit, lines=lines, price_per_part=price_per_part)

    def __repr__(self) -> str:
        return f"<Sandbox accounts={len(self._accounts)} sent={len(self._outbox)}>"

    # --- setting the scene --------------------------------------------------------------

    def add_account(
        self,
        api_key: str,
        *,
        credit: float | str | Decimal = 10_000,
        lines: Iterable[str] = ("+9850002",),
        price_per_part: float | str | Decimal = 1,
    ) -> None:
        """Add an account reached with `api_key`, owning `lines`."""
        with self._lock:
            self._accounts[api_key] = Account(
                credit=Decimal(str(credit)),
                lines=frozenset(lines),
                price_per_part=Decimal(str(price_per_part)),
            )

    def revoke(self, api_key: str) -> None:
        """From now on `api_key` is answered with 1403 (revoked)."""
        with self._lock:
            self._accounts[api_key].revoked = True

    def credit(self, api_key: str | None = None) -> Decimal:
        """The exact credit of an account (the first one by default)."""
        with self._lock:
            return self._account(api_key).credit

    def approve_pattern(self, code: str) -> None:
        """Mark a pattern active, as the provider's review would."""
        self._set_pattern_status(code, "active")

    def deactivate_pattern(self, code: str) -> None:
        self._set_pattern_status(code, "inactive")

    def fail_deliveries_to(self, *numbers: str) -> None:
        """Deliveries to these numbers, settled from now on, end `failed`."""
        with self._lock:
            self._failing.update(normalize_number(n) or n for n in numbers)

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock on; pending deliveries settle once it passes them."""
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def receive(self, sender: str, line: str, text: str) -> None:
        """An SMS from `sender` arrives on `line`; it shows in that line's account's inbox."""
        with self._lock:
            owner = next((a for a in self._accounts.values() if line in a.lines), None)
            if owner is None:
                raise ValueError(f"no account owns the line {line!r}")
            self._inbox.append(
                Incoming(owner, line, normalize_number(sender) or sender, text, self._now)
            )

    def inject(
        self, fault: Fault, *, method: str | None = None, path: str | None = None, times: int = 1
    ) -> None:
        """The next `times` requests matching `method` and `path` (a glob) meet `fault`."""
        with self._lock:
            self._injections.append(Injection(fault, method, path, times))

    # --- inspection ---------------------------------------------------------------------

    @property
    def outbox(self) -> tuple[SentMessage, ...]:
        """Every accepted send, in order."""
        with self._lock:
            return tuple(self._outbox)

    @property
    def requests(self) -> tuple[LoggedRequest, ...]:
        """Every request received, in order, with the answer's status (None if dropped)."""
        with self._lock:
            return tuple(self._requests)

    def requests_to(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.path == path)

    # --- ways to run it -----------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport answering from this sandbox, with no sockets."""
        from ._http import SandboxTransport

        return SandboxTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """The async twin of `transport()`."""
        from ._http import AsyncSandboxTransport

        return AsyncSandboxTransport(self)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve over real HTTP (a free port by default); yields the base URL."""
        from ._http import serve

        with serve(self, host, port) as base_url:
            yield base_url

    # --- the API ------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one request. Never raises: any bad input becomes an error envelope."""
        split = urlsplit(target)
        path = split.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        method = method.upper()
        with self._lock:
            fault = self._take_fault(method, path)
            reply = self._answer(fault, method, path, query, headers, body)
            self._requests.append(
                LoggedRequest(
                    method,
                    path,
                    query,
                    body,
                    None if reply.drop else reply.status,
                    None if fault is None else fault.kind,
                )
            )
        return reply

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for injection in self._injections:
            if injection.remaining > 0 and injection.matches(method, path):
                injection.remaining -= 1
                return injection.fault
        return None

    def _answer(
        self,
        fault: Fault | None,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        if fault is not None and fault.kind == "drop_before":
            return Reply(0, b"", drop=True)
        if fault is not None and fault.kind == "status":
            return self._fault_status(fault)
        if fault is not None and fault.kind == "answer":
            return Reply(fault.status, fault.body, headers=fault.headers)
        reply = self._dispatch(method, path, query, headers, body)
        if fault is None:
            return reply
        if fault.kind == "drop_after":
            return Reply(0, b"", drop=True)
        if fault.kind == "delay":
            return attrs.evolve(reply, delay=fault.seconds)
        assert fault.malformed is not None
        return Reply(200, malformed(fault.malformed, reply.body))

    def _fault_status(self, fault: Fault) -> Reply:
        if fault.html:
            return Reply(fault.status, HTML_PAGE, headers=(("Content-Type", "text/html"),))
        headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
        if fault.retry_after is not None:
            headers += (("Retry-After", fault.retry_after),)
        code = str(fault.status)
        return Reply(fault.status, error_body(refuse(fault.status, code)), headers=headers)

    def _dispatch(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        try:
            handler, args = self._route(method, path)
            account = self._authenticate(headers)
            data, meta = handler(account, query, body, *args)
            return Reply(200, success_body(self.success_code, data, meta))
        except Refusal as refusal:
            answer_headers = (("Content-Type", "application/json"), *refusal.headers)
            return Reply(refusal.status, error_body(refusal), headers=answer_headers)

    def _route(self, method: str, path: str) -> tuple[Any, tuple[str, ...]]:
        args: tuple[str, ...] = ()
        if path in self._routes:
            allowed, handler = self._routes[path]
        elif match := _RECIPIENTS_PATH.fullmatch(path):
            allowed, handler, args = "GET", self._recipients_page, (match[1],)
        elif match := _BULK_PATH.fullmatch(path):
            allowed, handler, args = "GET", self._message, (match[1],)
        else:
            raise refuse(404, "404", f"no route for {path}")
        if method != allowed:
            refusal = refuse(405, "405", f"{method} is not allowed on {path}")
            refusal.headers = (("Allow", allowed),)
            raise refusal
        return handler, args

    def _authenticate(self, headers: Mapping[str, str]) -> Account:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        if not value:
            raise refuse(401, "1401", "authorization header is required")
        scheme, _, key = value.strip().partition(" ")
        if scheme != "AccessKey" or not key.strip():
            raise refuse(401, "1401", "api key scheme is not valid")
        account = self._accounts.get(key.strip())
        if account is None:
            raise refuse(401, "1402")
        if account.revoked:
            raise refuse(401, "1403")
        return account

    def _account(self, api_key: str | None) -> Account:
        if api_key is None:
            return next(iter(self._accounts.values()))
        return self._accounts[api_key]

    # --- operations ---------------------------------------------------------------------

    def _user(self, account: Account, query: Mapping[str, str], body: bytes) -> _Answer:
        number = list(self._accounts.values()).index(account) + 1
        fields = ["national_id", "certificate_id", "address", "postal_code", "company"]
        user: dict[str, Any] = {
            "id": number,
            "username": f"sandbox{number}",
            "name": f"Sandbox Account {number}",
            "email": f"sandbox{number}@example.com",
            "mobile": "+989000000000",
            "tellephone": "02100000000",
            **dict.fromkeys(fields, ""),
            "document_block": "false",
            "send_block": "false",
            "expire": timestamp(_EPOCH + timedelta(days=365)),
            "status": "active",
        }
        return {"user": user}, None

    def _credit(self, account: Account, query: Mapping[str, str], body: bytes) -> _Answer:
        return {"credit": float(account.credit)}, None

    def _send(self, account: Account, query: Mapping[str, str], body: bytes) -> _Answer:
        request = read_object(body, self.validation_errors)
        problems = FieldProblems(self.validation_errors)
        originator = self._string_field(request, "originator", problems)
        message = self._string_field(request, "message", problems)
        recipients = request.get("recipients")
        if recipients is None:
            problems.add("recipients", "required", "recipients is required")
        elif not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
            problems.add("recipients", "type", "recipients must be an array of strings")
        problems.raise_if_any()
        assert isinstance(recipients, list)
        if not message:
            raise refuse(400, "10002")
        if not recipients:
            raise refuse(400, "10005")
        if len(recipients) > self.max_recipients:
            raise refuse(400, "10009", f"at most {self.max_recipients} recipients per send")
        self._own_line(account, originator)
        numbers = []
        for raw in recipients:
            number = normalize_number(raw)
            if number is None:
                raise refuse(400, "10023", f"number is not valid: {raw}")
            numbers.append(number)
        bulk_id = self._charge_and_record(account, originator, numbers, message, None, None)
        return {"bulk_id": bulk_id}, None

    def _create_pattern(self, account: Account, query: Mapping[str, str], body: bytes) -> _Answer:
        request = read_object(body, self.validation_errors)
        problems = FieldProblems(self.validation_errors)
        template = self._string_field(request, "pattern", problems)
        description = self._string_field(request, "description", problems, required=False)
        is_shared = request.get("is_shared", False)
        if not isinstance(is_shared, bool):
            problems.add("is_shared", "type", "is_shared must be a boolean")
        if not template and "pattern" in request and isinstance(request["pattern"], str):
            problems.add("pattern", "required", "pattern must not be empty")
        problems.raise_if_any()
        alphabet = string.ascii_lowercase + string.digits
        code = "".join(self._random.choice(alphabet) for _ in range(10))
        while code in self._patterns:
            code = "".join(self._random.choice(alphabet) for _ in range(10))
        status = "active" if self.auto_approve else "pending"
        pattern = Pattern(code, account, template, description, bool(is_shared), status)
        self._patterns[code] = pattern
        return {"pattern": pattern.wire()}, None

    def _send_pattern(self, account: Account, query: Mapping[str, str], body: bytes) -> _Answer:
        request = read_object(body, self.validation_errors)
        problems = FieldProblems(self.validation_errors)
        code = self._string_field(request, "pattern_code", problems)
        originator = self._string_field(request, "originator", problems)
        recipient = self._string_field(request, "recipient", problems)
        values = request.get("values")
        if values is None:
            problems.add("values", "required", "values is required")
        elif not isinstance(values, dict):
            problems.add("values", "type", "values must be an object")
        else:
            for value in values.values():
                if not isinstance(value, str):
                    # The real server's decoder refuses any non-string value with this text.
                    got = go_type(value)
                    err = f"Unmarshal type error: expected=string, got={got}, field=values"
                    problems.add("values", "type", err)
                    break
        problems.raise_if_any()
        assert isinstance(values, dict)
        pattern = self._patterns.get(code)
        if pattern is None or (pattern.account is not account and not pattern.is_shared):
            raise refuse(400, "10014", f"pattern {code} does not exist")
        if pattern.status != "active":
            raise refuse(400, "10016", f"pattern {code} is {pattern.status}")
        variables = set(_VARIABLE.findall(pattern.template))
        if set(values) != variables:
            expected = ", ".join(sorted(variables)) or "none"
            raise refuse(400, "10015", f"pattern {code} takes the values: {expected}")
        self._own_line(account, originator)
        number = normalize_number(recipient)
        if number is None:
            raise refuse(400, "10017", f"recipient is not valid: {recipient}")
        text = _VARIABLE.sub(lambda m: str(values[m[1]]), pattern.template)
        bulk_id = self._charge_and_record(account, originator, [number], text, code, values)
        return {"bulk_id": bulk_id}, None

    def _message(
        self, account: Account, query: Mapping[str, str], body: bytes, raw_id: str
    ) -> _Answer:
        bulk = self._bulk(account, raw_id)
        settled = self._now >= bulk.created_at + timedelta(seconds=self.delivery_seconds)
        failed = sum(1 for r in bulk.sent.recipients if r in self._failing) if settled else 0
        message = {
            "bulk_id": bulk.sent.bulk_id,
            "number": bulk.sent.originator,
            "message": bulk.sent.message,
            "status": "active",
            "type": "webservice",
            "confirm_state": "confirmed",
            "created_at": timestamp(bulk.created_at),
            "sent_at": timestamp(bulk.created_at),
            "recipients_count": len(bulk.sent.recipients),
            "valid_recipients_count": len(bulk.sent.recipients),
            "page": bulk.parts,
            "cost": float(bulk.cost),
            "payback_cost": float(failed * bulk.parts * bulk.account.price_per_part),
            "description": "",
        }
        return {"message": message}, None

    def _recipients_page(
        self, account: Account, query: Mapping[str, str], body: bytes, raw_id: str
    ) -> _Answer:
        page, limit = self._paging(query)
        bulk = self._bulk(account, raw_id)
        settled = self._now >= bulk.created_at + timedelta(seconds=self.delivery_seconds)
        numbers = bulk.sent.recipients[page * limit : (page + 1) * limit]

        def status(number: str) -> str:
            if not settled:
                return "pending"
            return "failed" if number in self._failing else "delivered"

        items = [{"recipient": n, "status": status(n)} for n in numbers]
        path = f"/v1/messages/{bulk.sent.bulk_id}/recipients"
        return {"recipients": items}, page_meta(path, len(bulk.sent.recipients), page, limit)

    def _inbox_page(self, account: Account, query: Mapping[str, str], body: bytes) -> _Answer:
        page, limit = self._paging(query)
        mine = [m for m in self._inbox if m.account is account]
        items = [
            {
                "number": m.number,
                "message": m.text,
                "sender": m.sender,
                "time": timestamp(m.time),
                "type": "normal",
            }
            for m in mine[page * limit : (page + 1) * limit]
        ]
        return {"messages": items}, page_meta("/v1/messages/inbox", len(mine), page, limit)

    # --- shared pieces ------------------------------------------------------------------

    def _string_field(
        self, request: Mapping[str, Any], name: str, problems: FieldProblems, required: bool = True
    ) -> str:
        value = request.get(name)
        if name in request and value is None:
            problems.add(name, "type", f"{name} must be a string, not null")
            return ""
        if value is None:
            if required:
                problems.add(name, "required", f"{name} is required")
            return ""
        if not isinstance(value, str):
            problems.add(name, "type", f"{name} must be a string, not {go_type(value)}")
            return ""
        return value

    def _own_line(self, account: Account, originator: str) -> None:
        if originator not in account.lines:
            raise refuse(403, "10004", f"line {originator} is not assigned to you")

    def _charge_and_record(
        self,
        account: Account,
        originator: str,
        numbers: list[str],
        text: str,
        pattern_code: str | None,
        values: Mapping[str, str] | None,
    ) -> int:
        parts = _segments.parts(text)
        cost = account.price_per_part * parts * len(numbers)
        if cost > account.credit:
            raise refuse(400, "10006", f"this send costs {cost}, the credit is {account.credit}")
        account.credit -= cost
        bulk_id = self._next_bulk_id
        self._next_bulk_id += 1
        sent = SentMessage(
            bulk_id,
            originator,
            tuple(numbers),
            text,
            pattern_code,
            None if values is None else dict(values),
        )
        self._bulks[bulk_id] = Bulk(sent, account, parts, cost, self._now)
        self._outbox.append(sent)
        return bulk_id

    def _bulk(self, account: Account, raw_id: str) -> Bulk:
        if not raw_id.isascii() or not raw_id.isdigit() or int(raw_id) < 1:
            problems = FieldProblems(self.validation_errors)
            problems.add("bulk_id", "type", "bulk_id must be a positive integer")
            problems.raise_if_any()
        bulk = self._bulks.get(int(raw_id))
        if bulk is None or bulk.account is not account:
            raise refuse(404, "404", f"message {raw_id} not found")
        return bulk

    def _paging(self, query: Mapping[str, str]) -> tuple[int, int]:
        problems = FieldProblems(self.validation_errors)
        numbers = {}
        for name, default, minimum in (("page", 0, 0), ("limit", 10, 1)):
            raw = query.get(name)
            if raw is None:
                numbers[name] = default
            else:
                try:
                    number = int(raw) if raw.isascii() and raw.lstrip("-").isdigit() else None
                except ValueError:  # more digits than Python converts
                    number = None
                if number is None or number < minimum:
                    problems.add(name, "type", f"{name} must be an integer of at least {minimum}")
                else:
                    numbers[name] = number
        problems.raise_if_any()
        return numbers["page"], min(numbers["limit"], self.max_page_size)

    def _set_pattern_status(self, code: str, status: str) -> None:
        with self._lock:
            self._patterns[code].status = status
