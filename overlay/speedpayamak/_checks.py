"""Input checks shared by the operations, bulk sends and settings. Each raises
InvalidRequestError naming the argument, before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable

from ._numbers import normalize
from .errors import InvalidRequestError


def text(name: str, value: object) -> str:
    """A string that is not blank and can be sent as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{name} must be a non-empty string, not {_shown(value)}")
    return encodable(name, value)


def encodable(name: str, value: str) -> str:
    """`value`, if it can be encoded as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRequestError(
            f"{name} cannot be sent: character {exc.start} ({value[exc.start]!r}) is not "
            "valid Unicode text"
        ) from None
    return value


def positive_int(name: str, value: object) -> int:
    """A whole number >= 1 (True and False are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError(f"{name} must be a positive integer, not {_shown(value)}")
    return value


def whole_number(name: str, value: object) -> int:
    """A whole number >= 0 (True and False are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(f"{name} must be a whole number >= 0, not {_shown(value)}")
    return value


def positive_number(name: str, value: object, *, allow_zero: bool = False, unit: str = "") -> float:
    """A finite number > 0 (or >= 0 with `allow_zero`), int or float."""
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    in_range = number is not None and (number >= 0 if allow_zero else number > 0)
    if number is None or not in_range or number == float("inf"):
        raise InvalidRequestError(f"{name} must be a positive number{unit}, not {_shown(value)}")
    return float(number)


def recipients(numbers: Iterable[str]) -> list[str]:
    """Every number normalized, duplicates removed, in order; never empty. The error names
    the first bad entry."""
    if isinstance(numbers, str | bytes):
        raise InvalidRequestError("recipients must be a list of numbers, not a single string")
    if not isinstance(numbers, Iterable):
        raise InvalidRequestError(
            f"recipients must be a list of phone numbers, not {_shown(numbers)}"
        )
    normalized: dict[str, None] = {}
    for index, number in enumerate(numbers):
        try:
            normalized[normalize(number)] = None
        except InvalidRequestError as exc:
            raise InvalidRequestError(f"recipients[{index}]: {exc}") from None
    if not normalized:
        raise InvalidRequestError("recipients is empty: give at least one number")
    return list(normalized)


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else f"a {type(value).__name__}"
