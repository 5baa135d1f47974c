from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Message")


@_attrs_define
class Message:
    """
    Attributes:
        bulk_id (int):
        number (str): The originator line.
        message (str):
        status (str): Open set; seen: active (still being delivered), finish (every recipient has a final status).
        type_ (str): Open set; seen: webservice, normal.
        confirm_state (str): Open set; seen: "", pending, confirmed, rejected.
        created_at (datetime.datetime):
        sent_at (datetime.datetime | None):
        recipients_count (int):
        valid_recipients_count (int):
        page (int): Number of SMS parts of the text.
        cost (float):
        payback_cost (float):
        description (str):
    """

    bulk_id: int
    number: str
    message: str
    status: str
    type_: str
    confirm_state: str
    created_at: datetime.datetime
    sent_at: datetime.datetime | None
    recipients_count: int
    valid_recipients_count: int
    page: int
    cost: float
    payback_cost: float
    description: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bulk_id = self.bulk_id

        number = self.number

        message = self.message

        status = self.status

        type_ = self.type_

        confirm_state = self.confirm_state

        created_at = self.created_at.isoformat()

        sent_at: None | str
        if isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        recipients_count = self.recipients_count

        valid_recipients_count = self.valid_recipients_count

        page = self.page

        cost = self.cost

        payback_cost = self.payback_cost

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bulk_id": bulk_id,
                "number": number,
                "message": message,
                "status": status,
                "type": type_,
                "confirm_state": confirm_state,
                "created_at": created_at,
                "sent_at": sent_at,
                "recipients_count": recipients_count,
                "valid_recipients_count": valid_recipients_count,
                "page": page,
                "cost": cost,
                "payback_cost": payback_cost,
                "description": description,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bulk_id = d.pop("bulk_id")

        number = d.pop("number")

        message = d.pop("message")

        status = d.pop("status")

        type_ = d.pop("type")

        confirm_state = d.pop("confirm_state")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_sent_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sent_at_type_0 = datetime.datetime.fromisoformat(data)

                return sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        sent_at = _parse_sent_at(d.pop("sent_at"))

        recipients_count = d.pop("recipients_count")

        valid_recipients_count = d.pop("valid_recipients_count")

        page = d.pop("page")

        cost = d.pop("cost")

        payback_cost = d.pop("payback_cost")

        description = d.pop("description")

        message = cls(
            bulk_id=bulk_id,
            number=number,
            message=message,
            status=status,
            type_=type_,
            confirm_state=confirm_state,
            created_at=created_at,
            sent_at=sent_at,
            recipients_count=recipients_count,
            valid_recipients_count=valid_recipients_count,
            page=page,
            cost=cost,
            payback_cost=payback_cost,
            description=description,
        )

        message.additional_properties = d
        return message

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
