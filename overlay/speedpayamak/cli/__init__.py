"""The `speedpayamak` command.

Exit statuses:

    0  success
    1  the API refused the request or answered unexpectedly (other API errors)
    2  bad usage or bad input (nothing was sent)
    3  authentication failed (the API key is missing, unknown or revoked)
    4  the API refused the request's fields (validation, 422)
    5  the credit is not enough
    6  the API could not be reached (connection failure or timeout)
    7  outcome unknown: a send may have gone out, but no answer was read
    8  a campaign's journal could not be used (full disk, damaged or foreign file,
       lost database connection); what was learned is printed
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from . import _sandbox
from ._errors import (
    EXIT_OK,
    EXIT_USAGE,
    Failed,
    exit_status,
    for_a_person,
)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, exit status 2, with the nearest command or flag when a
    name was mistyped."""

    def error(self, message: str) -> NoReturn:
        hint = _nearest(self, message)
        sys.stderr.write(f"{self.prog}: error: {message}{hint} (see --help)\n")
        sys.exit(EXIT_USAGE)


def _nearest(parser: argparse.ArgumentParser, message: str) -> str:
    """ "; did you mean 'X'?" for a mistyped command or flag, else ""."""
    import difflib
    import re

    if choice := re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message):
        word, names = choice[1], re.findall(r"'([^']*)'", choice[2])
    elif unknown := re.search(r"unrecognized arguments: (\S+)", message):
        word, names = unknown[1].split("=")[0], sorted(_flags(parser))
    else:
        return ""
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of `parser` and of its commands."""
    found: set[str] = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found |= _flags(child)
    return found


def _global_options(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name."""
    unset = None if defaults else argparse.SUPPRESS
    parser = _Parser(add_help=False)
    group = parser.add_argument_group("connection and output")
    group.add_argument(
        "--api-key",
        default=unset,
        help="the API key (default: $SPEEDPAYAMAK_API_KEY); other users can see it in the "
        "process list, so prefer the variable or --api-key-file",
    )
    group.add_argument(
        "--api-key-file", default=unset, metavar="PATH", help="read the API key from PATH"
    )
    group.add_argument(
        "--base-url", default=unset, help="the API's base URL (default: $SPEEDPAYAMAK_BASE_URL)"
    )
    group.add_argument(
        "--timeout", type=float, default=unset, help="seconds to wait for each request"
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=False if defaults else argparse.SUPPRESS,
        help="print one JSON document",
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    from . import _commands, _demo

    parser = _Parser(
        prog="speedpayamak",
        description="Send SMS and follow delivery through the SpeedPayamak API.",
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_global_options(defaults=True)],
    )
    from speedpayamak import __version__

    parser.add_argument("--version", action="version", version=f"speedpayamak {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _commands.register(commands, _global_options(defaults=False))
    _demo.register(commands)
    _sandbox.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from speedpayamak import SpeedPayamakError

    from ._session import Session

    args = build_parser().parse_args(argv)
    session = Session(args)
    what = " ".join(filter(None, [args.command, getattr(args, "action", None)]))
    if args.command != "sandbox":  # which stops on its own signals
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            session.show(args.run(session))
            sys.stdout.flush()
        finally:
            session.close()
    except SpeedPayamakError as error:
        return session.failed(
            what, type(error).__name__, for_a_person(str(error)), exit_status(error)
        )
    except Failed as failed:
        return session.failed(what, "CommandError", for_a_person(str(failed)), failed.status)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say, and nowhere to say it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return EXIT_OK


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
