"""How the command prints: aligned tables or one JSON document on stdout, one-line errors
and a progress bar (only on a terminal) on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def emit_json(document: Any) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns padded to their widest cell."""
    cells = [[str(c) for c in headers], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def pairs(items: Sequence[tuple[str, object]]) -> str:
    """A two-column key/value listing."""
    width = max((len(k) for k, _ in items), default=0)
    return "\n".join(f"{k.ljust(width)}  {_cell(v)}" for k, v in items)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return str(value).replace("\n", " ")


def error_line(text: str) -> None:
    sys.stderr.write(f"speedpayamak: error: {text}\n")


class ProgressBar:
    """A one-line bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._label = label
        self._active = self._stream.isatty()
        self._drawn = False

    def update(self, done: int, total: int) -> None:
        if not self._active:
            return
        width = 30
        filled = width if total <= 0 else min(width, width * done // total)
        bar = "#" * filled + "." * (width - filled)
        self._stream.write(f"\r{self._label} [{bar}] {done}/{total}")
        self._stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
