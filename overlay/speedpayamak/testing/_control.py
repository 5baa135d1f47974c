"""Driving a served sandbox over HTTP, for services written in any language: control
endpoints under the reserved prefix `/_sandbox/`, JSON in and out. They never answer on
the API's own paths, and they are not in the request log.

    GET  /_sandbox/outbox                    every accepted send
    GET  /_sandbox/requests                  every API request and its status
    POST /_sandbox/advance                   {"seconds": 10}: move the clock on
    POST /_sandbox/patterns/CODE/approve     (or /deactivate)
    POST /_sandbox/inbound                   {"sender": "0912...", "line": "+9850002", "text": "hi"}
    POST /_sandbox/credit                    {"credit": "100", "api_key": "..."} (key optional)
    POST /_sandbox/faults                    {"kind": "status", "status": 503, "method": "POST",
                                              "path": "/v1/messages", "times": 1, ...}
    POST /_sandbox/reset                     back to how it was started

They are for the machine the sandbox runs on: see ControlGuard.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import math
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from email.message import Message
from typing import TYPE_CHECKING, Any

from ._faults import Fault, MalformedBody
from ._records import Reply

if TYPE_CHECKING:
    from ._sandbox import Sandbox

PREFIX = "/_sandbox/"
_JSON = (("Content-Type", "application/json"),)


class _BadControl(Exception):
    pass


TOKEN_HEADER = "X-Sandbox-Token"
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# The largest values a control input may set: past them the sandbox's own arithmetic
# (dates, decimals, waits) would fail on every later request.
_MOST_SECONDS = 100 * 365 * 24 * 3600.0
_MOST_DELAY = 3600.0
_MOST_CREDIT = Decimal(10) ** 15


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(value: str) -> str:
    """The host of a `Host` header or an origin's netloc, without port or brackets."""
    value = value.rsplit("/", 1)[-1] if "://" in value else value
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class ControlGuard:
    """Who may drive the control endpoints. On a loopback address, only this machine's
    own clients by name (a `Host` other than a loopback name is a DNS-rebinding page in a
    browser); never a request a browser marks cross-site (its `Origin` or
    `Sec-Fetch-Site`); bodies only as `application/json` (which a page cannot send across
    origins without a preflight the sandbox never answers); and with a token, only
    requests that carry it."""

    def __init__(self, bound: str, token: str | None) -> None:
        self.loopback = _is_loopback(bound.strip("[]"))
        self._token = token

    def refusal(self, headers: Message, body: bytes) -> tuple[int, str] | None:
        host = headers.get("Host") or ""
        if self.loopback and not _is_loopback(_host_of(host)):
            return 403, f"the control endpoints answer requests for this machine, not Host {host!r}"
        origin = headers.get("Origin")
        if origin is not None and (origin == "null" or not _is_loopback(_host_of(origin))):
            return 403, f"the control endpoints refuse requests from the page at {origin!r}"
        if (headers.get("Sec-Fetch-Site") or "").lower() == "cross-site":
            return 403, "the control endpoints refuse cross-site requests"
        if self._token is not None:
            given = headers.get(TOKEN_HEADER) or ""
            if not hmac.compare_digest(given.encode(), self._token.encode()):
                return 401, f"the control endpoints need the header {TOKEN_HEADER}"
        kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and kind != "application/json":  # a page's text/plain POST skips CORS
            return 415, "control requests send their body as Content-Type: application/json"
        return None


def control_refusal(status: int, reason: str) -> Reply:
    return _reply(status, {"error": reason})


def control(sandbox: Sandbox, method: str, path: str, body: bytes) -> Reply:
    """Answer one control request (the path starts with PREFIX)."""
    parts = path.removeprefix(PREFIX).strip("/").split("/")
    try:
        try:
            request = json.loads(body) if body.strip() else {}
        except (ValueError, RecursionError):
            raise _BadControl("the body must be a JSON object") from None
        if not isinstance(request, dict):
            raise _BadControl("the body must be a JSON object")
        handler, allowed = _route(parts)
        if handler is None:
            return _reply(404, {"error": f"no control endpoint {path}", "endpoints": ENDPOINTS})
        if method != allowed:
            return _reply(405, {"error": f"use {allowed} on {path}"})
        return _reply(200, handler(sandbox, parts, request))
    except _BadControl as exc:
        return _reply(400, {"error": str(exc)})
    except KeyError as exc:
        return _reply(400, {"error": f"{exc.args[0]} is required"})


def _route(parts: list[str]) -> tuple[Callable[..., Any] | None, str]:
    if parts == ["outbox"]:
        return _outbox, "GET"
    if parts == ["requests"]:
        return _requests, "GET"
    if parts == [""]:
        return (lambda sandbox, parts, request: {"endpoints": ENDPOINTS}), "GET"
    if len(parts) == 3 and parts[0] == "patterns" and parts[2] in ("approve", "deactivate"):
        return _pattern, "POST"
    simple = {"advance": _advance, "inbound": _inbound, "credit": _credit, "faults": _fault}
    if len(parts) == 1 and parts[0] in simple:
        return simple[parts[0]], "POST"
    if parts == ["reset"]:
        return _reset, "POST"
    return None, ""


def _outbox(sandbox: Sandbox, parts: list[str], request: dict[str, Any]) -> Any:
    return [
        {
            "bulk_id": m.bulk_id,
            "originator": m.originator,
            "recipients": list(m.recipients),
            "message": m.message,
            "pattern_code": m.pattern_code,
            "values": None if m.values is None else dict(m.values),
        }
        for m in sandbox.outbox
    ]


def _requests(sandbox: Sandbox, parts: list[str], request: dict[str, Any]) -> Any:
    return [
        {
            "method": r.method,
            "path": r.path,
            "query": dict(r.query),
            "status": r.status,
            "fault": r.fault,
        }
        for r in sandbox.requests
    ]


def _advance(sandbox: Sandbox, parts: list[str], request: dict[str, Any]) -> Any:
    seconds = _number(request, "seconds", most=_MOST_SECONDS)
    sandbox.advance(seconds)
    return {"advanced": seconds}


def _pattern(sandbox: Sandbox, parts: list[str], request: dict[str, Any]) -> Any:
    code, action = parts[1], parts[2]
    try:
        (sandbox.approve_pattern if action == "approve" else sandbox.deactivate_pattern)(code)
    except KeyError:
        raise _BadControl(f"no pattern {code}") from None
    return {"pattern": code, "status": "active" if action == "approve" else "inactive"}


def _inbound(sandbox: Sandbox, parts: list[str], request: dict[str, Any]) -> Any:
    sender, line, text = (_text(request, name) for name in ("sender", "line", "text"))
    sandbox.receive(sender, line, text)
    return {"received": True}


def _credit(sandbox: Sandbox, parts: list[str], request: dict[str, Any]) -> Any:
    raw = request["credit"]
    try:
        credit = Decimal(str(raw)) if not isinstance(raw, bool) else None
    except InvalidOperation:
        credit = None
    if credit is None or not credit.is_finite() or not 0 <= credit <= _MOST_CREDIT:
        raise _BadControl(f"credit must be a number from 0 to {_MOST_CREDIT:.0e}, not {raw!r}")
    key = request.get("api_key")
    if key is not None and not isinstance(key, str):
        raise _BadControl("api_key must be a string")
    try:
        sandbox.set_credit(credit, key)
    except KeyError:
        raise _BadControl("api_key is not an account of this sandbox") from None
    return {"credit": str(sandbox.credit(key))}


def _fault(sandbox: Sandbox, parts: list[str], request: dict[str, Any]) -> Any:
    kind = request["kind"]

    def retry_after() -> float | None:
        if request.get("retry_after") is None:
            return None
        return _number(request, "retry_after", most=_MOST_SECONDS)

    builders: dict[str, Callable[[], Fault]] = {
        "status": lambda: Fault.status_code(_status(request, "status"), retry_after=retry_after()),
        "html": lambda: Fault.html_page(_status(request, "status", 502)),
        "malformed": lambda: Fault.malformed_body(_form(request)),
        "delay": lambda: Fault.delay(_number(request, "seconds", most=_MOST_DELAY)),
        "drop_before": Fault.drop_before_processing,
        "drop_after": Fault.drop_after_processing,
    }
    if kind not in builders:
        raise _BadControl(f"kind must be one of {sorted(builders)}")
    times = request.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= 10**6:
        raise _BadControl("times must be a whole number from 1 to 1000000")
    for name in ("method", "path"):
        if request.get(name) is not None and not isinstance(request[name], str):
            raise _BadControl(f"{name} must be a string")
    fault = builders[kind]()
    sandbox.inject(fault, method=request.get("method"), path=request.get("path"), times=times)
    return {"injected": kind, "times": times}


def _form(request: dict[str, Any]) -> MalformedBody:
    form = request.get("form")
    forms: tuple[MalformedBody, ...] = typing.get_args(MalformedBody)
    for known in forms:
        if form == known:
            return known
    raise _BadControl(f"form must be one of {list(forms)}, not {form!r}")


def _number(request: dict[str, Any], name: str, *, most: float) -> float:
    value = request.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _BadControl(f"{name} must be a number of seconds, not {value!r}")
    if not math.isfinite(value) or not 0 <= value <= most:
        raise _BadControl(f"{name} must be from 0 to {most:g}, not {value!r}")
    return float(value)


def _status(request: dict[str, Any], name: str, default: int | None = None) -> int:
    value = request.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise _BadControl(f"{name} must be an HTTP status from 100 to 599, not {value!r}")
    return value


def _reset(sandbox: Sandbox, parts: list[str], request: dict[str, Any]) -> Any:
    sandbox.reset()
    return {"reset": True}


def _text(request: dict[str, Any], name: str) -> str:
    value = request.get(name)
    if not isinstance(value, str) or not value:
        raise _BadControl(f"{name} must be a non-empty string")
    return value


def _reply(status: int, document: Any) -> Reply:
    return Reply(status, json.dumps(document, ensure_ascii=False).encode(), headers=_JSON)


ENDPOINTS = [
    line.strip() for line in (__doc__ or "").splitlines() if line.strip()[:4] in ("GET ", "POST")
]
