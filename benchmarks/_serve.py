"""A sandbox for the benchmarks, served in its own process so that the client being
measured has the interpreter to itself. Prints the base URL on its first line of stdout.

    python -m benchmarks._serve --server stdlib|minimal [--seed-recipients N ...] [--latency S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading

from speedpayamak.testing import Sandbox

KEY = "bench-key"
LINE = "+9850002"


def build(seed_recipients: list[int], latency: float = 0.0) -> Sandbox:
    most = max([1000, *seed_recipients])
    sandbox = Sandbox(
        KEY,
        credit=10**12,
        lines=[LINE],
        success_code=200,  # the official client refuses "OK"
        auto_approve=True,
        max_recipients=most,
        max_page_size=1000,
        latency=latency,
    )
    for count in seed_recipients:
        numbers = [f"+98912{i:07d}" for i in range(count)]
        body = json.dumps({"originator": LINE, "recipients": numbers, "message": "seed"}).encode()
        reply = sandbox.handle("POST", "/v1/messages", {"Authorization": f"AccessKey {KEY}"}, body)
        print(json.loads(reply.body)["data"]["bulk_id"], file=sys.stderr, flush=True)
    return sandbox


class _Minimal(asyncio.Protocol):
    """A bare HTTP/1.1 keep-alive server for the sandbox: just enough for these clients,
    with each answer written in one call. Much less work per request than a general server,
    so that the client side is what gets measured."""

    def __init__(self, sandbox: Sandbox, latency: float) -> None:
        self._sandbox = sandbox
        self._latency = latency
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            head = self._buffer[:end].decode("latin-1").split("\r\n")
            method, target, _ = head[0].split(" ", 2)
            headers = dict(line.split(": ", 1) for line in head[1:])
            length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), 0))
            if len(self._buffer) < end + 4 + length:
                return
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            reply = self._sandbox.handle(method, target, headers, body)
            lines = [f"HTTP/1.1 {reply.status} -", *(f"{k}: {v}" for k, v in reply.headers)]
            lines.append(f"Content-Length: {len(reply.body)}")
            assert self._transport is not None
            answer = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body
            if self._latency:  # a client sends one request at a time per connection
                asyncio.get_running_loop().call_later(self._latency, self._transport.write, answer)
            else:
                self._transport.write(answer)


async def _serve_minimal(sandbox: Sandbox, latency: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Minimal(sandbox, latency), "127.0.0.1", 0)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", choices=["stdlib", "minimal"], default="stdlib")
    parser.add_argument("--seed-recipients", type=int, action="append", default=[])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    if args.server == "stdlib":
        sandbox = build(args.seed_recipients, args.latency)
        with sandbox.serve() as base_url:
            print(base_url, flush=True)
            threading.Event().wait()
    # The minimal server adds the latency itself, without holding a thread per answer.
    asyncio.run(_serve_minimal(build(args.seed_recipients), args.latency))


if __name__ == "__main__":
    main()
