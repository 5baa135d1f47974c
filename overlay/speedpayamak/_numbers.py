"""Phone numbers as the API wants them: Iranian mobiles as +989..., others in + form."""

from __future__ import annotations

import re

from .errors import InvalidRequestError

# Persian and Arabic-Indic digits, as users type them, to ASCII.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SEPARATORS = str.maketrans("", "", " -().\u200c\u200f\u200e\u00a0")
# Only ASCII digits remain after the translation above: `\d` would let through full-width
# and other scripts' digits, which the API does not read.
_IRAN_MOBILE = re.compile(r"(?:\+98|0098|98|0)?(9[0-9]{9})")
_INTERNATIONAL = re.compile(r"(?:\+|00)([1-9][0-9]{7,14})")


def normalize(number: str) -> str:
    """`09121234567`, `989121234567`, `+989121234567` (in any digits) -> `+989121234567`.

    Other international numbers come back as `+<digits>`; anything else is refused.
    """
    if not isinstance(number, str):
        raise InvalidRequestError(f"a phone number must be a string, not {type(number).__name__}")
    cleaned = number.translate(_DIGITS).translate(_SEPARATORS)
    if match := _IRAN_MOBILE.fullmatch(cleaned):
        return "+98" + match[1]
    match = _INTERNATIONAL.fullmatch(cleaned)
    # +98 numbers that are not mobiles (landlines, a digit short) cannot take an SMS.
    if match and not match[1].startswith("98"):
        return "+" + match[1]
    raise InvalidRequestError(f"not a valid phone number: {number!r}")
