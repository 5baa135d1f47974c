from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreatePatternRequest")


@_attrs_define
class CreatePatternRequest:
    """
    Attributes:
        pattern (str): The template, with %name% variables.
        description (str | Unset):
        is_shared (bool | Unset):
    """

    pattern: str
    description: str | Unset = UNSET
    is_shared: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        pattern = self.pattern

        description = self.description

        is_shared = self.is_shared

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "pattern": pattern,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if is_shared is not UNSET:
            field_dict["is_shared"] = is_shared

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        pattern = d.pop("pattern")

        description = d.pop("description", UNSET)

        is_shared = d.pop("is_shared", UNSET)

        create_pattern_request = cls(
            pattern=pattern,
            description=description,
            is_shared=is_shared,
        )

        create_pattern_request.additional_properties = d
        return create_pattern_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
