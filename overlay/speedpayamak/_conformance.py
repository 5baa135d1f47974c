"""Checks that a parsed generated model holds the types its annotations promise.

The generated `from_dict` copies JSON values into models without checking their types, so
`{"credit": "lots"}` would come back as a "float" that is a string. Every answer goes
through `conform` before it reaches a caller. It reads the models' own annotations, so a
regenerated model is checked with no change here.
"""

from __future__ import annotations

import datetime
import functools
import types
import typing
from typing import Any

import attrs
import speedpayamak_api.models as _models
from speedpayamak_api.types import Unset

# Generated models import their neighbours only for type checking; resolve names here.
_NAMESPACE: dict[str, Any] = {**vars(_models), "datetime": datetime, "Unset": Unset, "Any": Any}


class Mismatch(Exception):
    """A value that is not what its model's annotation says; `where` names the field."""

    def __init__(self, where: str, expected: object, value: object) -> None:
        self.where = where
        shown = getattr(expected, "__name__", None) or str(expected)
        super().__init__(f"{where or 'the answer'} should be {shown}, not {type(value).__name__}")


@functools.cache
def _hints(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls, globalns=_NAMESPACE)
    return tuple(
        (field.name, hints[field.name])
        for field in attrs.fields(cls)
        if field.name != "additional_properties"
    )


def conform(value: object, expected: Any = None, where: str = "") -> None:
    """Raise Mismatch unless `value` matches `expected` (by default its own class)."""
    if expected is None:
        expected = type(value)
    if expected is Any or expected is object:
        return
    origin = typing.get_origin(expected)
    if origin is typing.Union or origin is types.UnionType:
        for option in typing.get_args(expected):
            try:
                conform(value, option, where)
            except Mismatch:
                continue
            return
        raise Mismatch(where, expected, value)
    if origin is list:
        if not isinstance(value, list):
            raise Mismatch(where, expected, value)
        (item_type,) = typing.get_args(expected)
        for index, item in enumerate(value):
            conform(item, item_type, f"{where}[{index}]")
        return
    if origin is dict:
        if not isinstance(value, dict):
            raise Mismatch(where, expected, value)
        _, item_type = typing.get_args(expected)
        for key, item in value.items():
            if not isinstance(key, str):
                raise Mismatch(f"{where} key", str, key)
            conform(item, item_type, f"{where}.{key}")
        return
    if expected is type(None):
        if value is not None:
            raise Mismatch(where, expected, value)
        return
    if expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise Mismatch(where, expected, value)
    if attrs.has(expected):
        for name, hint in _hints(expected):
            conform(getattr(value, name), hint, f"{where}.{name}" if where else name)
        extra = getattr(value, "additional_properties", None)
        if isinstance(extra, dict) and expected in _MAPPING_MODELS:
            conform(extra, _MAPPING_MODELS[expected], where)


def _mapping_models() -> dict[type, Any]:
    """Models that are only a typed mapping (`additionalProperties: {type: ...}`)."""
    found: dict[type, Any] = {}
    for model in vars(_models).values():
        if isinstance(model, type) and attrs.has(model):
            fields = attrs.fields(model)
            if [f.name for f in fields] == ["additional_properties"]:
                hints = typing.get_type_hints(model, globalns=_NAMESPACE)
                found[model] = hints["additional_properties"]
    return found


_MAPPING_MODELS = _mapping_models()
