"""Checks that a parsed generated model holds the types its annotations promise.

The generated `from_dict` copies JSON values into models without checking their types, so
`{"credit": "lots"}` would come back as a "float" that is a string. Every answer goes
through `conform` before it reaches a caller. It reads the models' own annotations, so a
regenerated model is checked with no change here, and compiles them once per type into a
small checking function, since it runs on every item of every page.
"""

from __future__ import annotations

import datetime
import math
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs
import speedpayamak_api.models as _models
from speedpayamak_api.types import Unset

# Generated models import their neighbours only for type checking; resolve names here.
_NAMESPACE: dict[str, Any] = {**vars(_models), "datetime": datetime, "Unset": Unset, "Any": Any}

Check = Callable[[object], None]


class Mismatch(Exception):
    """A value that is not what its model's annotation says; `where` names the field."""

    def __init__(self, expected: object, value: object, where: str = "") -> None:
        self.expected = expected
        self.value = value
        self.where = where
        shown = getattr(expected, "__name__", None) or str(expected)
        # A type is told by its type's name; a range (expected as words) by the value.
        got = repr(value)[:40] if isinstance(expected, str) else type(value).__name__
        super().__init__(f"{where or 'the answer'} should be {shown}, not {got}")

    def within(self, outer: str) -> Mismatch:
        """The same mismatch, located inside `outer` (a field name or an index)."""
        where = f"{outer}{'' if self.where.startswith('[') or not self.where else '.'}{self.where}"
        return Mismatch(self.expected, self.value, where)


def conform(value: Any) -> None:
    """Raise Mismatch unless `value`, a generated model, matches its annotations throughout."""
    _checker(type(value))(value)


def _accept(value: object) -> None:
    return None


# Primitive annotations, as the exact Python types a JSON value may have for each.
_PRIMITIVES: dict[object, tuple[type, ...]] = {
    str: (str,),
    int: (int,),  # `type(v) in` excludes bool, which JSON keeps apart from numbers
    float: (int, float),
    bool: (bool,),
    type(None): (type(None),),
}


_CHECKS: dict[object, Check] = {}

# The contract's integers are int64 (JSON gives Python any size), its numbers finite
# (Python's JSON reads NaN, Infinity and 1e400), and its ids positive.
_INT64 = range(-(2**63), 2**63)
_IDS = frozenset({"id", "bulk_id"})


def _whole(value: object) -> None:
    if type(value) is not int or value not in _INT64:
        raise Mismatch("an int64", value)


def _finite(value: object) -> None:
    if type(value) not in (int, float) or not math.isfinite(value):  # type: ignore[arg-type]
        raise Mismatch("a finite number", value)


def _positive_id(value: object) -> None:
    _whole(value)
    if value < 1:  # type: ignore[operator]
        raise Mismatch("an id of 1 or more", value)


def _checker(hint: Any) -> Check:
    """A function that raises Mismatch unless its argument matches `hint` (built once)."""
    check = _CHECKS.get(hint)
    if check is None:
        check = _CHECKS[hint] = _build(hint)
    return check


def _build(hint: Any) -> Check:
    if hint is Any or hint is object:
        return _accept
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _union(hint)
    if origin is list:
        return _list(hint, _checker(typing.get_args(hint)[0]))
    if origin is dict:
        return _dict(hint, _checker(typing.get_args(hint)[1]))
    if hint is int:
        return _whole
    if hint is float:
        return _finite
    if hint in _PRIMITIVES:
        exact = _PRIMITIVES[hint]

        def check_primitive(value: object) -> None:
            if type(value) not in exact:
                raise Mismatch(hint, value)

        return check_primitive
    if attrs.has(hint):
        return _model(hint)

    def check_instance(value: object) -> None:
        if not isinstance(value, hint):
            raise Mismatch(hint, value)

    return check_instance


def _union(hint: Any) -> Check:
    options = typing.get_args(hint)
    simple = [o for o in options if o in _PRIMITIVES or o is Unset]
    exact = tuple(t for o in simple for t in _PRIMITIVES.get(o, (Unset,)))
    others = [_checker(o) for o in options if o not in simple]
    if len(others) == 1:
        (only,) = others

        def check_optional(value: object) -> None:
            if type(value) not in exact:
                only(value)  # its mismatch says more than the union's would

        return check_optional

    def check_union(value: object) -> None:
        if type(value) in exact:
            return
        for check in others:
            try:
                check(value)
            except Mismatch:
                continue
            return
        raise Mismatch(hint, value)

    return check_union


def _list(hint: Any, item: Check) -> Check:
    (item_type,) = typing.get_args(hint)
    flat = _flat_fields(item_type) if attrs.has(item_type) else None

    def check_list(value: object) -> None:
        if type(value) is not list:
            raise Mismatch(hint, value)
        if flat is not None and _flat_items_conform(value, item_type, flat):
            return  # the common case, a page of plain records, without a call per item
        for index, element in enumerate(value):
            try:
                item(element)
            except Mismatch as mismatch:
                raise mismatch.within(f"[{index}]") from None

    return check_list


def _dict(hint: Any, item: Check) -> Check:
    def check_dict(value: object) -> None:
        if type(value) is not dict:
            raise Mismatch(hint, value)
        for key, element in value.items():
            if type(key) is not str:
                raise Mismatch(str, key)
            try:
                item(element)
            except Mismatch as mismatch:
                raise mismatch.within(key) from None

    return check_dict


def _flat_fields(cls: type) -> list[tuple[str, tuple[type, ...]]] | None:
    """For a model whose fields are all primitives, each field with its exact types."""
    hints = typing.get_type_hints(cls, globalns=_NAMESPACE)
    flat = []
    for field in attrs.fields(cls):
        if field.name == "additional_properties":
            continue
        hint = hints[field.name]
        if hint not in _PRIMITIVES or hint in (int, float):  # numbers have ranges to check
            return None
        flat.append((field.name, _PRIMITIVES[hint]))
    return flat


def _flat_items_conform(
    items: list[object], cls: type, fields: list[tuple[str, tuple[type, ...]]]
) -> bool:
    for element in items:
        if type(element) is not cls:
            return False
        for name, exact in fields:
            if type(getattr(element, name)) not in exact:
                return False
    return True


def _model(cls: type) -> Check:
    resolved: list[tuple[str, Check]] | None = None

    def check_model(value: object) -> None:
        nonlocal resolved
        if not isinstance(value, cls):
            raise Mismatch(cls, value)
        fields = resolved
        if fields is None:  # resolved on first use: models may refer to each other
            fields = resolved = _fields(cls)
        for name, check in fields:
            try:
                check(getattr(value, name))
            except Mismatch as mismatch:
                raise mismatch.within(name) from None

    return check_model


def _fields(cls: type) -> list[tuple[str, Check]]:
    hints = typing.get_type_hints(cls, globalns=_NAMESPACE)
    names = [f.name for f in attrs.fields(cls)]
    if names == ["additional_properties"]:
        # A model that is only a typed map (`additionalProperties: {type: ...}`): check it.
        return [("additional_properties", _checker(hints["additional_properties"]))]
    return [
        (name, _positive_id if name in _IDS and hints[name] is int else _checker(hints[name]))
        for name in names
        if name != "additional_properties"
    ]
