"""How an SMS text is encoded and how many parts it costs."""

from __future__ import annotations

from typing import Literal

import attrs

# The GSM 03.38 default alphabet, and the extension table whose characters take an
# escape septet too.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "\f^{}\\[~]|€"
_SEPTETS = {**dict.fromkeys(GSM7_BASIC, 1), **dict.fromkeys(GSM7_EXTENSION, 2)}
_SEPTETS.pop("\x1b")  # the escape itself is not a character a text may contain

# (one-part limit, per-part limit once split): a split message spends room on its header.
_LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@attrs.frozen
class Segments:
    """The encoding of a text, how many parts it is billed as, and the room left.

    `length` counts in the encoding's units: septets for GSM-7 (extension characters such
    as `€` and `{` count two), UTF-16 code units for UCS-2 (Persian letters one, most
    emoji two).
    """

    encoding: Literal["GSM-7", "UCS-2"]
    length: int
    parts: int
    per_part: int
    remaining: int


def segments(text: str) -> Segments:
    """GSM-7 at 160 a part (153 once split), or UCS-2 at 70 (67 once split) for anything
    outside GSM-7, Persian included. A text that is not valid Unicode (a lone surrogate)
    raises InvalidRequestError."""
    from ._checks import encodable

    encodable("the text", text)
    septets = 0
    for char in text:
        cost = _SEPTETS.get(char)
        if cost is None:
            return _split("UCS-2", len(text.encode("utf-16-le")) // 2)
        septets += cost
    return _split("GSM-7", septets)


def _split(encoding: Literal["GSM-7", "UCS-2"], length: int) -> Segments:
    single, multi = _LIMITS[encoding]
    if length <= single:
        return Segments(encoding, length, 1, single, single - length)
    parts = -(-length // multi)
    return Segments(encoding, length, parts, multi, parts * multi - length)
