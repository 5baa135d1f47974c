"""The sandbox on the wire: httpx transports, and a stdlib HTTP server on loopback."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx

from ._control import PREFIX, ControlGuard, control, control_refusal
from ._wire import Refusal, error_body

MAX_BODY = 1024 * 1024

if TYPE_CHECKING:
    from ._records import Reply
    from ._sandbox import Sandbox


def _request_target(request: httpx.Request) -> str:
    return request.url.raw_path.decode("ascii")


def _read_timeout(request: httpx.Request) -> float | None:
    timeouts = request.extensions.get("timeout", {})
    value = timeouts.get("read") if isinstance(timeouts, dict) else None
    return value if isinstance(value, int | float) else None


def _to_response(request: httpx.Request, reply: Reply) -> httpx.Response:
    if reply.drop:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    return httpx.Response(reply.status, headers=list(reply.headers), content=reply.body)


def _late(request: httpx.Request, reply: Reply) -> float | None:
    """How long to wait before timing out, if the reply's delay outlasts the read timeout.

    A transport has no socket to time out on, so it honours the client's read timeout
    itself: a delayed answer then fails as it would over HTTP.
    """
    limit = _read_timeout(request)
    return limit if limit is not None and reply.delay > limit else None


class SandboxTransport(httpx.BaseTransport):
    """Answers httpx requests from a Sandbox, in process."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply = self._sandbox.handle(
            request.method, _request_target(request), request.headers, request.read()
        )
        if (limit := _late(request, reply)) is not None:
            time.sleep(limit)
            raise httpx.ReadTimeout("timed out waiting for the sandbox", request=request)
        if reply.delay:
            time.sleep(reply.delay)
        return _to_response(request, reply)


class AsyncSandboxTransport(httpx.AsyncBaseTransport):
    """The async twin of SandboxTransport."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        target = _request_target(request)
        reply = self._sandbox.handle(request.method, target, request.headers, body)
        if (limit := _late(request, reply)) is not None:
            await asyncio.sleep(limit)
            raise httpx.ReadTimeout("timed out waiting for the sandbox", request=request)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return _to_response(request, reply)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without TCP_NODELAY, keep-alive clients wait ~40 ms per request for a delayed ACK.
    disable_nagle_algorithm = True
    # Error answers to unparseable request lines still get an HTTP/1.1 status line.
    default_request_version = "HTTP/1.1"
    server: _Server

    def __getattr__(self, name: str) -> object:
        # Every method reaches the sandbox, which answers 405 with Allow where it is wrong.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def setup(self) -> None:
        # A connection idle this long is closed, so slow clients cannot hold threads forever.
        self.timeout = self.server.idle_timeout  # type: ignore[misc]  # per server, not per class
        super().setup()

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._refuse(411, "a request body must come with its Content-Length")
            return
        raw_length = self.headers.get("Content-Length") or "0"
        if not raw_length.isascii() or not raw_length.isdigit():
            self._refuse(400, f"Content-Length must be a whole number, not {raw_length[:20]!r}")
            return
        length = int(raw_length[:12])
        if length > MAX_BODY:  # refused unread: the body never reaches memory
            self._refuse(413, f"the request body is over {MAX_BODY} bytes")
            return
        body = self.rfile.read(length) if length else b""
        if self.path.startswith(PREFIX):  # the control endpoints, outside the API's paths
            refused = self.server.guard.refusal(self.headers, body)
            reply = (
                control_refusal(*refused)
                if refused is not None
                else control(self.server.sandbox, self.command, self.path.split("?")[0], body)
            )
            self._write(reply.status, reply.body, headers=reply.headers)
            return
        reply = self.server.sandbox.handle(self.command, self.path, dict(self.headers), body)
        if reply.delay:
            # Waits on an event, not time.sleep: the served sandbox really waits, even in
            # a test that fakes the client's sleeps.
            threading.Event().wait(reply.delay)
        if reply.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(reply.status, reply.body, headers=reply.headers)

    def _write(
        self,
        status: int,
        body: bytes,
        *,
        headers: tuple[tuple[str, str], ...] = (),
        close: bool = False,
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors, in the API's error envelope like every other answer."""
        self._refuse(code, message or "bad request")

    def _refuse(self, status: int, message: str) -> None:
        body = error_body(Refusal(status, str(status), message))
        self._write(status, body, headers=(("Content-Type", "application/json"),), close=True)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the sandbox's request log is `Sandbox.requests`."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    idle_timeout: float
    allow_reuse_address = True
    # The stdlib's backlog of 5 makes the kernel reset connections under a burst of clients.
    request_queue_size = 1024

    def __init__(self, sandbox: Sandbox, address: tuple[str, int], guard: ControlGuard) -> None:
        self.sandbox = sandbox
        self.guard = guard
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer is normal here (timeouts, fault tests)."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def close_connections(self) -> None:
        """End idle keep-alive connections so their threads finish."""
        with self._open_lock:
            open_now = list(self._open)
        for connection in open_now:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


@contextmanager
def serve(
    sandbox: Sandbox, host: str, port: int, idle_timeout: float, control_token: str | None
) -> Iterator[str]:
    server = _Server(sandbox, (host, port), ControlGuard(host, control_token))
    server.idle_timeout = idle_timeout
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host!s}]" if ":" in str(bound_host) else str(bound_host)
    try:
        yield f"http://{shown}:{bound_port}"
    finally:
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
