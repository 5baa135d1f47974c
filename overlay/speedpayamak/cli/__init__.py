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
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import _sandbox

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTHENTICATION = 3
EXIT_VALIDATION = 4
EXIT_CREDIT = 5
EXIT_CONNECTION = 6
EXIT_OUTCOME_UNKNOWN = 7


def _global_options(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name."""
    unset = None if defaults else argparse.SUPPRESS
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("connection and output")
    group.add_argument(
        "--api-key", default=unset, help="the API key (default: $SPEEDPAYAMAK_API_KEY)"
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

    parser = argparse.ArgumentParser(
        prog="speedpayamak",
        description="Send SMS and follow delivery through the SpeedPayamak API.",
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_global_options(defaults=True)],
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _commands.register(commands, _global_options(defaults=False))
    _demo.register(commands)
    _sandbox.register(commands)
    return parser


class Failed(Exception):
    """A command's own failure (not the API's): printed as one line, with its status."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from speedpayamak import SpeedPayamakError

    from ._output import error_line
    from ._session import Session

    args = build_parser().parse_args(argv)
    session = Session(args)
    what = " ".join(filter(None, [args.command, getattr(args, "action", None)]))
    try:
        try:
            session.show(args.run(session))
        finally:
            session.close()
    except SpeedPayamakError as error:
        error_line(f"{what}: {error}")
        return exit_status(error)
    except Failed as failed:
        error_line(f"{what}: {failed}")
        return failed.status
    except KeyboardInterrupt:
        return 130
    return EXIT_OK


def exit_status(error: BaseException) -> int:
    """The documented exit status for an SDK error."""
    from speedpayamak import errors

    if isinstance(error, errors.BulkSendError):
        if error.result.unknown is not None:
            return EXIT_OUTCOME_UNKNOWN
        return exit_status(error.__cause__) if error.__cause__ else EXIT_API_ERROR
    table: list[tuple[type[BaseException], int]] = [
        (errors.InvalidRequestError, EXIT_USAGE),
        (errors.AuthenticationError, EXIT_AUTHENTICATION),
        (errors.ValidationError, EXIT_VALIDATION),
        (errors.InsufficientCreditError, EXIT_CREDIT),
        (errors.OutcomeUnknownError, EXIT_OUTCOME_UNKNOWN),
        (errors.APIConnectionError, EXIT_CONNECTION),
    ]
    return next((status for kind, status in table if isinstance(error, kind)), EXIT_API_ERROR)


if __name__ == "__main__":
    sys.exit(main())
