"""The sandbox: a stateful, in-memory SpeedPayamak API speaking the real wire format.

It is a second, independent reading of the API contract: it imports neither the
generated client nor the SDK core, so tests of one against the other mean something.
Its rooms: `_state` (what it holds), `_operations` (the eight handlers), `_routing`
(faults, routing, authentication) and this module (setting the scene, inspecting it, and
the ways to run it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from ._faults import Fault, Injection
from ._records import Account, Incoming, LoggedRequest, SentMessage, normalize_number
from ._routing import Router
from ._wire import ValidationForm

if TYPE_CHECKING:
    import httpx


class Sandbox(Router):
    """An in-memory SpeedPayamak API for tests and local development.

    One account is created from the arguments; add more with `add_account`. Serve it with
    `transport()` / `async_transport()` (httpx, no sockets) or `serve()` (real HTTP on
    127.0.0.1). Every method is safe to call from any thread while it serves.

    `rate_limit` answers a key's requests past that many a second with 429 and
    Retry-After; `latency` adds seconds to every answer; `seed` makes pattern codes
    reproducible.
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
        rate_limit: float | None = None,
        latency: float = 0.0,
    ) -> None:
        lines = tuple(lines)
        self._arguments: dict[str, object] = {
            "api_key": api_key,
            "credit": credit,
            "lines": lines,
            "price_per_part": price_per_part,
            "max_recipients": max_recipients,
            "max_page_size": max_page_size,
            "success_code": success_code,
            "auto_approve": auto_approve,
            "delivery_seconds": delivery_seconds,
            "validation_errors": validation_errors,
            "seed": seed,
            "rate_limit": rate_limit,
            "latency": latency,
        }
        super().__init__(
            max_recipients=max_recipients,
            max_page_size=max_page_size,
            success_code=success_code,
            auto_approve=auto_approve,
            delivery_seconds=delivery_seconds,
            validation_errors=validation_errors,
            seed=seed,
            rate_limit=rate_limit,
            latency=latency,
        )
        self.api_key = api_key  # the first account's, the one the arguments describe
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

    def set_credit(self, credit: float | str | Decimal, api_key: str | None = None) -> None:
        """Set an account's credit (the first account's by default)."""
        with self._lock:
            self._account(api_key).credit = Decimal(str(credit))

    def reset(self) -> None:
        """Back to how it was constructed: no sends, no requests, no faults, the clock at
        its start, only the first account, with its credit."""
        with self._lock:
            Sandbox.__init__(self, **self._arguments)  # type: ignore[arg-type]

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

    def schedule_delivery(
        self, *numbers: str, after: float | None, status: str = "delivered"
    ) -> None:
        """Deliveries to these numbers settle `after` seconds after their send (None:
        never; they stay `pending`) with `status`, which may be any string: an unknown
        one shows how a client copes with a status it does not know."""
        with self._lock:
            for number in numbers:
                self._deliveries[normalize_number(number) or number] = (after, status)

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
    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        idle_timeout: float = 30.0,
        control_token: str | None = None,
    ) -> Iterator[str]:
        """Serve over real HTTP (a free port by default); yields the base URL. A request
        body over 1 MiB is answered 413 unread; a connection idle for `idle_timeout`
        seconds is closed. The control endpoints (`/_sandbox/...`) answer only this
        machine's own requests: on a loopback address, a `Host` that is not a loopback
        name is refused (DNS rebinding), and so is a request a browser marks cross-site;
        their POST bodies must be `application/json`. With `control_token`, they also
        need the header `X-Sandbox-Token: TOKEN` (for shared machines)."""
        from ._http import serve

        with serve(self, host, port, idle_timeout, control_token) as base_url:
            yield base_url
