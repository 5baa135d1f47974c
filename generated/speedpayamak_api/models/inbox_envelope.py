from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.inbox_data import InboxData
    from ..models.page_meta import PageMeta


T = TypeVar("T", bound="InboxEnvelope")


@_attrs_define
class InboxEnvelope:
    """
    Attributes:
        status (int | str): Opaque; "OK" on success in every sample seen.
        code (int | str): "OK" or 200 on success; a numeric string such as "10006" or "422" on error.
        message (str):
        data (InboxData):
        meta (PageMeta):
    """

    status: int | str
    code: int | str
    message: str
    data: InboxData
    meta: PageMeta
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: int | str
        status = self.status

        code: int | str
        code = self.code

        message = self.message

        data = self.data.to_dict()

        meta = self.meta.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "code": code,
                "message": message,
                "data": data,
                "meta": meta,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.inbox_data import InboxData  # noqa: PLC0415
        from ..models.page_meta import PageMeta  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_status(data: object) -> int | str:
            return cast(int | str, data)

        status = _parse_status(d.pop("status"))

        def _parse_code(data: object) -> int | str:
            return cast(int | str, data)

        code = _parse_code(d.pop("code"))

        message = d.pop("message")

        data = InboxData.from_dict(d.pop("data"))

        meta = PageMeta.from_dict(d.pop("meta"))

        inbox_envelope = cls(
            status=status,
            code=code,
            message=message,
            data=data,
            meta=meta,
        )

        inbox_envelope.additional_properties = d
        return inbox_envelope

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
