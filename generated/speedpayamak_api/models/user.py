from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="User")


@_attrs_define
class User:
    """
    Attributes:
        id (int):
        username (str):
        name (str):
        email (str):
        mobile (str):
        tellephone (str): The landline number; the server spells the key so.
        national_id (str):
        certificate_id (str):
        address (str):
        postal_code (str):
        company (str):
        document_block (str):
        send_block (str):
        expire (str):
        status (str):
    """

    id: int
    username: str
    name: str
    email: str
    mobile: str
    tellephone: str
    national_id: str
    certificate_id: str
    address: str
    postal_code: str
    company: str
    document_block: str
    send_block: str
    expire: str
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        username = self.username

        name = self.name

        email = self.email

        mobile = self.mobile

        tellephone = self.tellephone

        national_id = self.national_id

        certificate_id = self.certificate_id

        address = self.address

        postal_code = self.postal_code

        company = self.company

        document_block = self.document_block

        send_block = self.send_block

        expire = self.expire

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "username": username,
                "name": name,
                "email": email,
                "mobile": mobile,
                "tellephone": tellephone,
                "national_id": national_id,
                "certificate_id": certificate_id,
                "address": address,
                "postal_code": postal_code,
                "company": company,
                "document_block": document_block,
                "send_block": send_block,
                "expire": expire,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        username = d.pop("username")

        name = d.pop("name")

        email = d.pop("email")

        mobile = d.pop("mobile")

        tellephone = d.pop("tellephone")

        national_id = d.pop("national_id")

        certificate_id = d.pop("certificate_id")

        address = d.pop("address")

        postal_code = d.pop("postal_code")

        company = d.pop("company")

        document_block = d.pop("document_block")

        send_block = d.pop("send_block")

        expire = d.pop("expire")

        status = d.pop("status")

        user = cls(
            id=id,
            username=username,
            name=name,
            email=email,
            mobile=mobile,
            tellephone=tellephone,
            national_id=national_id,
            certificate_id=certificate_id,
            address=address,
            postal_code=postal_code,
            company=company,
            document_block=document_block,
            send_block=send_block,
            expire=expire,
            status=status,
        )

        user.additional_properties = d
        return user

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
