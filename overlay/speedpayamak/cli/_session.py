"""What every command receives and returns: one calling convention for all of them.

A command is `run(session) -> Shown | None`. The session holds the parsed arguments and
builds the client on first use (a dry run never does); what the command returns is
printed once, here, as JSON under `--json` or as text otherwise. None means the command
printed as it went (the demo, the sandbox).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from ._output import emit_json, error_line

if TYPE_CHECKING:
    from speedpayamak import SpeedPayamak


@attrs.frozen
class Shown:
    """A command's outcome: `document` for --json (None: nothing), `text` for a person."""

    document: object
    text: str


class Session:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._client: SpeedPayamak | None = None
        self._documents = 0  # JSON documents printed

    @property
    def client(self) -> SpeedPayamak:
        if self._client is None:
            from speedpayamak import SpeedPayamak

            args = self.args
            keyed = getattr(args, "idempotency_key", None) is not None
            self._client = SpeedPayamak(
                self._api_key(),
                base_url=args.base_url,
                timeout=args.timeout,
                journal=args.journal if keyed else None,  # the store of the keys
            )
        return self._client

    def _api_key(self) -> str | None:
        path = getattr(self.args, "api_key_file", None)
        if path is None:
            key: str | None = self.args.api_key
            return key
        from speedpayamak import InvalidRequestError

        try:
            with open(path, encoding="utf-8") as file:
                return file.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8"
            raise InvalidRequestError(f"cannot read --api-key-file {path}: {reason}") from None

    def show(self, shown: Shown | None, *, to_stderr: bool = False) -> None:
        """Print a command's outcome: JSON under --json (always on stdout), else text."""
        if shown is None:
            return
        if getattr(self.args, "json", False):
            if shown.document is not None:
                emit_json(shown.document)
                self._documents += 1
        elif shown.text:
            print(shown.text, file=sys.stderr if to_stderr else sys.stdout)

    def failed(self, what: str, kind: str, message: str, status: int) -> int:
        """Report a failure in one line on stderr; under --json also as the document on
        stdout, unless one (a ledger) was printed already. Returns the exit status."""
        error_line(f"{what}: {message}")
        if getattr(self.args, "json", False) and not self._documents:
            emit_json({"error": {"kind": kind, "message": message, "exit_status": status}})
        return status

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


Command = Callable[[Session], Shown | None]


def add(
    commands: Any,
    shared: argparse.ArgumentParser | None,
    name: str,
    run: Command,
    help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """Register a command (or a sub-action) with its options."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=description or help,
        parents=[shared] if shared is not None else [],
    )
    parser.set_defaults(run=run)
    return parser
