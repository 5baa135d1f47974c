"""How many SMS parts a text costs, as the sandbox charges it.

An independent count from the SDK's own sizing, so that tests of one against the other
mean something.
"""

from __future__ import annotations

import string

# The GSM 03.38 default alphabet, written out by kind rather than in table order: the
# ASCII letters, digits and punctuation it shares, then its own accented letters, Greek
# capitals and symbols. The extension table's characters cost an escape septet more.
_GSM7_BASIC = frozenset(
    string.ascii_letters
    + string.digits
    + " \n\r!\"#%&'()*+,-./:;<=>?@_"
    + "ÄÅÆÇÉÑÖØÜßàäåæèéìñòöøùü"
    + "ΔΦΓΛΩΠΨΣΘΞ"
    + "£$¥¤¡§¿"
)
_GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")


def parts(text: str) -> int:
    """Parts billed for `text`: GSM-7 160 / 153 a part, UCS-2 70 / 67 a part."""
    septets = 0
    for char in text:
        if char in _GSM7_BASIC:
            septets += 1
        elif char in _GSM7_EXTENDED:
            septets += 2
        else:
            return _count(len(text.encode("utf-16-le")) // 2, single=70, multi=67)
    return _count(septets, single=160, multi=153)


def _count(units: int, *, single: int, multi: int) -> int:
    if units <= single:
        return 1
    return -(-units // multi)
