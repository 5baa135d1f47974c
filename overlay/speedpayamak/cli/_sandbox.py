"""`speedpayamak sandbox`: serve the in-memory API over HTTP until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from decimal import Decimal, InvalidOperation
from types import FrameType
from typing import Any

from ._session import Session, add


def register(commands: Any) -> None:
    parser = add(
        commands,
        None,
        "sandbox",
        run,
        "serve a local fake of the API for testing",
        "Serve the in-memory SpeedPayamak sandbox over HTTP. The base URL is printed on the "
        "first line of stdout.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=_port, default=8080, help="0 picks a free port (default: %(default)s)"
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get("SPEEDPAYAMAK_API_KEY", "sandbox-key"),
        help="the key clients must send (default: $SPEEDPAYAMAK_API_KEY, else sandbox-key)",
    )
    parser.add_argument(
        "--credit", type=_credit, default="10000", help="starting credit (default: %(default)s)"
    )
    parser.add_argument(
        "--line",
        action="append",
        dest="lines",
        type=_line,
        metavar="NUMBER",
        help="an owned line, repeat for more (default: +9850002)",
    )
    parser.add_argument(
        "--auto-approve", action="store_true", help="new patterns are active at once"
    )
    parser.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="the control endpoints (/_sandbox/...) then need the header X-Sandbox-Token: "
        "TOKEN (for shared machines; default: none)",
    )
    parser.add_argument(
        "--rate-limit",
        type=_positive,
        metavar="PER_SECOND",
        help="answer requests past this many a second with 429 (default: no limit)",
    )
    parser.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="seconds added to every answer (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of generated codes (default: %(default)s)"
    )


def _number(value: str, flag: str, *, allow_zero: bool) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not (number >= 0 if allow_zero else number > 0) or number == float("inf"):
        raise argparse.ArgumentTypeError(f"{flag} takes a positive number, not {value!r}")
    return number


def _positive(value: str) -> float:
    return _number(value, "--rate-limit", allow_zero=False)


def _seconds(value: str) -> float:
    return _number(value, "--latency", allow_zero=True)


def _port(value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"--port takes 0 to 65535, not {value!r}")
    return int(value)


def _credit(value: str) -> str:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"--credit takes a number, not {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise argparse.ArgumentTypeError(f"--credit takes a number >= 0, not {value!r}")
    return value


def _line(value: str) -> str:
    digits = value.removeprefix("+")
    if not (digits.isascii() and digits.isdigit() and 5 <= len(digits) <= 15):
        raise argparse.ArgumentTypeError(
            f"--line takes a line number such as +9850002 (5 to 15 digits), not {value!r}"
        )
    return value


def run(session: Session) -> None:
    from speedpayamak.testing import Sandbox
    from speedpayamak.testing._control import ControlGuard

    from ._errors import EXIT_API_ERROR, Failed

    args = session.args
    sandbox = Sandbox(
        args.api_key,
        credit=args.credit,
        lines=args.lines or ["+9850002"],
        auto_approve=args.auto_approve,
        rate_limit=args.rate_limit,
        latency=args.latency,
        seed=args.seed,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        with sandbox.serve(args.host, args.port, control_token=args.control_token) as base_url:
            print(base_url, flush=True)
            if not ControlGuard(args.host, None).loopback:
                print(
                    f"warning: serving on {args.host}, not a loopback address: anyone who "
                    "reaches it can drive the control endpoints (/_sandbox/...)"
                    + ("" if args.control_token else "; pass --control-token"),
                    file=sys.stderr,
                    flush=True,
                )
            print("serving; Ctrl-C to stop", file=sys.stderr, flush=True)
            stop.wait()
    except OSError as exc:
        raise Failed(EXIT_API_ERROR, f"cannot serve on {args.host}:{args.port}: {exc}") from None
