from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Pattern")


@_attrs_define
class Pattern:
    """
    Attributes:
        code (str): Opaque pattern code.
        status (str): Open set; seen: active, inactive, pending. New patterns start pending.
        message (str): The template text, with %name% variables.
        is_shared (bool):
    """

    code: str
    status: str
    message: str
    is_shared: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        status = self.status

        message = self.message

        is_shared = self.is_shared

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "status": status,
                "message": message,
                "is_shared": is_shared,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        status = d.pop("status")

        message = d.pop("message")

        is_shared = d.pop("is_shared")

        pattern = cls(
            code=code,
            status=status,
            message=message,
            is_shared=is_shared,
        )

        pattern.additional_properties = d
        return pattern

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
