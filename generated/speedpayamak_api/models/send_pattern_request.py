from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.pattern_values import PatternValues


T = TypeVar("T", bound="SendPatternRequest")


@_attrs_define
class SendPatternRequest:
    """
    Attributes:
        pattern_code (str):
        originator (str):
        recipient (str): Exactly one recipient.
        values (PatternValues): Variable name to value; values must be strings.
    """

    pattern_code: str
    originator: str
    recipient: str
    values: PatternValues
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        pattern_code = self.pattern_code

        originator = self.originator

        recipient = self.recipient

        values = self.values.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "pattern_code": pattern_code,
                "originator": originator,
                "recipient": recipient,
                "values": values,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pattern_values import PatternValues  # noqa: PLC0415

        d = dict(src_dict)
        pattern_code = d.pop("pattern_code")

        originator = d.pop("originator")

        recipient = d.pop("recipient")

        values = PatternValues.from_dict(d.pop("values"))

        send_pattern_request = cls(
            pattern_code=pattern_code,
            originator=originator,
            recipient=recipient,
            values=values,
        )

        send_pattern_request.additional_properties = d
        return send_pattern_request

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
