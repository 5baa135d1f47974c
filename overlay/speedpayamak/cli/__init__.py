"""The `speedpayamak` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import _sandbox


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="speedpayamak",
        description="Send SMS and follow delivery through the SpeedPayamak API.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _sandbox.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
