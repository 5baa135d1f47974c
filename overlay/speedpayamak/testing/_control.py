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
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._faults import Fault
from ._records import Reply

if TYPE_CHECKING:
    from ._sandbox import Sandbox

PREFIX = "/_sandbox/"
_JSON = (("Content-Type", "application/json"),)


class _BadControl(Exception):
    pass


def control(sandbox: Sandbox, method: str, path: str, body: bytes) -> Reply:
    """Answer one control request (the path starts with PREFIX)."""
    parts = path.removeprefix(PREFIX).strip("/").split("/")
    try:
        request = json.loads(body) if body.strip() else {}
        if not isinstance(request, dict):
            raise _BadControl("the body must be a JSON object")
        handler, allowed = _route(parts)
        if handler is None:
            return _reply(404, {"error": f"no control endpoint {path}", "endpoints": ENDPOINTS})
        if method != allowed:
            return _reply(405, {"error": f"use {allowed} on {path}"})
        return _reply(200, handler(sandbox, parts, request))
    except (_BadControl, ValueError, KeyError, TypeError) as exc:
        return _reply(400, {"error": str(exc) or type(exc).__name__})


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
    seconds = request["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise _BadControl("seconds must be a number >= 0")
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
    key = request.get("api_key")
    sandbox.set_credit(str(request["credit"]), key if isinstance(key, str) else None)
    return {"credit": str(sandbox.credit(key if isinstance(key, str) else None))}


def _fault(sandbox: Sandbox, parts: list[str], request: dict[str, Any]) -> Any:
    kind = request["kind"]
    builders: dict[str, Callable[[], Fault]] = {
        "status": lambda: Fault.status_code(
            int(request["status"]), retry_after=request.get("retry_after")
        ),
        "html": lambda: Fault.html_page(int(request.get("status", 502))),
        "malformed": lambda: Fault.malformed_body(request["form"]),
        "delay": lambda: Fault.delay(float(request["seconds"])),
        "drop_before": Fault.drop_before_processing,
        "drop_after": Fault.drop_after_processing,
    }
    if kind not in builders:
        raise _BadControl(f"kind must be one of {sorted(builders)}")
    times = request.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise _BadControl("times must be a positive integer")
    sandbox.inject(
        builders[kind](), method=request.get("method"), path=request.get("path"), times=times
    )
    return {"injected": kind, "times": times}


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
