"""How the sandbox answers a request: the fault injected for it, if any, then routing,
authentication and the operation's handler, written into the API's envelopes."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

from ._faults import HTML_PAGE, Fault, malformed
from ._operations import Operations
from ._records import Account, LoggedRequest, Reply
from ._wire import Refusal, error_body, refuse, success_body

_BULK_PATH = re.compile(r"/v1/messages/([^/]+)")
_RECIPIENTS_PATH = re.compile(r"/v1/messages/([^/]+)/recipients")


class Router(Operations):
    """Answers requests; `handle` never raises."""

    def _routes(self) -> dict[str, tuple[str, Any]]:
        return {
            "/v1/user": ("GET", self._user),
            "/v1/credit": ("GET", self._credit),
            "/v1/messages": ("POST", self._send),
            "/v1/messages/patterns": ("POST", self._create_pattern),
            "/v1/messages/patterns/send": ("POST", self._send_pattern),
            "/v1/messages/inbox": ("GET", self._inbox_page),
        }

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one request. Never raises: any bad input becomes an error envelope."""
        split = urlsplit(target)
        path = split.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        method = method.upper()
        with self._lock:
            fault = self._take_fault(method, path)
            limited = self._rate_limited(headers)
            if limited is not None:
                reply = limited
            else:
                reply = self._answer(fault, method, path, query, headers, body)
            if self.latency:
                reply = attrs.evolve(reply, delay=reply.delay + self.latency)
            self._requests.append(
                LoggedRequest(
                    method,
                    path,
                    query,
                    body,
                    None if reply.drop else reply.status,
                    None if fault is None else fault.kind,
                    time.monotonic(),
                )
            )
        return reply

    def _rate_limited(self, headers: Mapping[str, str]) -> Reply | None:
        """A 429 with Retry-After when this key is over `rate_limit` requests a second (a
        token bucket holding one second's worth), measured on the real clock."""
        if self.rate_limit is None:
            return None
        key = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.rate_limit, now))
        tokens = min(self.rate_limit, tokens + (now - last) * self.rate_limit)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return None
        self._buckets[key] = (tokens, now)
        wait = max(1, math.ceil((1 - tokens) / self.rate_limit))
        headers_out = (("Content-Type", "application/json"), ("Retry-After", str(wait)))
        refusal = refuse(429, "429", f"more than {self.rate_limit:g} requests a second")
        return Reply(429, error_body(refusal), headers=headers_out)

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
        routes = self._routes()
        if path in routes:
            allowed, handler = routes[path]
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
