"""What the command reads from a person: recipients from --to and --to-file, a message
from the arguments or stdin. Errors name the flag, the file and its line number."""

from __future__ import annotations

import sys

from speedpayamak import InvalidRequestError
from speedpayamak._numbers import normalize


def recipients(given: list[str], path: str | None) -> list[str]:
    """Every number normalized, duplicates removed, in order."""
    found: dict[str, None] = {}
    for number in given:
        found[_number(number, "--to")] = None
    if path:
        for line_number, line in _lines(path):
            entry = line.split("#", 1)[0].strip()
            if entry:
                found[_number(entry, f"{path} line {line_number}")] = None
    if not found:
        raise InvalidRequestError("give at least one recipient with --to or --to-file")
    return list(found)


def message(argument: str | None) -> str:
    if argument is not None:
        text = argument
    else:
        if sys.stdin.isatty():  # a person at a terminal, who may not know it waits for them
            print(
                "reading the message from standard input; end it with Ctrl-D",
                file=sys.stderr,
                flush=True,
            )
        try:
            text = sys.stdin.buffer.read().decode("utf-8").rstrip("\n")
        except UnicodeDecodeError as exc:
            raise InvalidRequestError(
                f"the message on standard input is not UTF-8 (byte {exc.start + 1})"
            ) from None
    if not text.strip():
        raise InvalidRequestError("the message is empty")
    return text


def shortened(numbers: tuple[str, ...] | list[str], shown: int = 5) -> str:
    """A list of numbers for a person: the first few and how many more."""
    head = ", ".join(numbers[:shown])
    more = len(numbers) - shown
    return f"{head} and {more} more ({len(numbers)} in all)" if more > 0 else head


def _number(raw: str, where: str) -> str:
    try:
        return normalize(raw)
    except InvalidRequestError:
        raise InvalidRequestError(f"{where}: not a valid phone number: {raw!r}") from None


def _lines(path: str) -> list[tuple[int, str]]:
    try:
        with open(path, "rb") as listing:
            raw = listing.read()
    except OSError as exc:
        raise InvalidRequestError(f"cannot read {path}: {exc.strerror}") from None
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark some editors write
    lines = []
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            lines.append((number, line.decode("utf-8")))
        except UnicodeDecodeError:
            raise InvalidRequestError(f"{path} line {number} is not UTF-8") from None
    return lines
