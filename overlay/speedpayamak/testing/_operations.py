"""The eight operations of the API, as the sandbox answers them: each reads its request,
applies the API's rules, and returns the envelope's `data` (and `meta` on listings) or
raises the refusal the live API would give."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ._records import Account, Pattern, normalize_number, timestamp
from ._state import EPOCH, State
from ._wire import FieldProblems, go_type, page_meta, read_object, refuse

_VARIABLE = re.compile(r"%([A-Za-z0-9_]+)%")

# An operation's answer: the envelope's `data`, and its `meta` on the list operations.
Answer = tuple[dict[str, Any], dict[str, Any] | None]


# The delivery statuses after which nothing changes.
FINAL = frozenset({"delivered", "failed", "discarded"})


class Operations(State):
    """The handlers; routing and faults are the Router's."""

    def _user(self, account: Account, query: Mapping[str, str], body: bytes) -> Answer:
        number = list(self._accounts.values()).index(account) + 1
        fields = ["national_id", "certificate_id", "address", "postal_code", "company"]
        user: dict[str, Any] = {
            "id": number,
            "username": f"sandbox{number}",
            "name": f"Sandbox Account {number}",
            "email": f"sandbox{number}@example.com",
            "mobile": "+989000000000",
            "tellephone": "02100000000",
            **dict.fromkeys(fields, ""),
            "document_block": "false",
            "send_block": "false",
            "expire": timestamp(EPOCH + timedelta(days=365)),
            "status": "active",
        }
        return {"user": user}, None

    def _credit(self, account: Account, query: Mapping[str, str], body: bytes) -> Answer:
        return {"credit": float(account.credit)}, None

    def _send(self, account: Account, query: Mapping[str, str], body: bytes) -> Answer:
        request = read_object(body, self.validation_errors)
        problems = FieldProblems(self.validation_errors)
        originator = self._string_field(request, "originator", problems)
        message = self._string_field(request, "message", problems)
        recipients = request.get("recipients")
        if recipients is None:
            problems.add("recipients", "required", "recipients is required")
        elif not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
            problems.add("recipients", "type", "recipients must be an array of strings")
        problems.raise_if_any()
        assert isinstance(recipients, list)
        if not message:
            raise refuse(400, "10002")
        if not recipients:
            raise refuse(400, "10005")
        if len(recipients) > self.max_recipients:
            raise refuse(400, "10009", f"at most {self.max_recipients} recipients per send")
        self._own_line(account, originator)
        numbers = []
        for raw in recipients:
            number = normalize_number(raw)
            if number is None:
                raise refuse(400, "10023", f"number is not valid: {raw}")
            numbers.append(number)
        bulk_id = self._charge_and_record(account, originator, numbers, message, None, None)
        return {"bulk_id": bulk_id}, None

    def _create_pattern(self, account: Account, query: Mapping[str, str], body: bytes) -> Answer:
        request = read_object(body, self.validation_errors)
        problems = FieldProblems(self.validation_errors)
        template = self._string_field(request, "pattern", problems)
        description = self._string_field(request, "description", problems, required=False)
        is_shared = request.get("is_shared", False)
        if not isinstance(is_shared, bool):
            problems.add("is_shared", "type", "is_shared must be a boolean")
        if not template and "pattern" in request and isinstance(request["pattern"], str):
            problems.add("pattern", "required", "pattern must not be empty")
        problems.raise_if_any()
        alphabet = string.ascii_lowercase + string.digits
        code = "".join(self._random.choice(alphabet) for _ in range(10))
        while code in self._patterns:
            code = "".join(self._random.choice(alphabet) for _ in range(10))
        status = "active" if self.auto_approve else "pending"
        pattern = Pattern(code, account, template, description, bool(is_shared), status)
        self._patterns[code] = pattern
        return {"pattern": pattern.wire()}, None

    def _send_pattern(self, account: Account, query: Mapping[str, str], body: bytes) -> Answer:
        request = read_object(body, self.validation_errors)
        problems = FieldProblems(self.validation_errors)
        code = self._string_field(request, "pattern_code", problems)
        originator = self._string_field(request, "originator", problems)
        recipient = self._string_field(request, "recipient", problems)
        values = request.get("values")
        if values is None:
            problems.add("values", "required", "values is required")
        elif not isinstance(values, dict):
            problems.add("values", "type", "values must be an object")
        else:
            for value in values.values():
                if not isinstance(value, str):
                    # The real server's decoder refuses any non-string value with this text.
                    got = go_type(value)
                    err = f"Unmarshal type error: expected=string, got={got}, field=values"
                    problems.add("values", "type", err)
                    break
        problems.raise_if_any()
        assert isinstance(values, dict)
        pattern = self._patterns.get(code)
        if pattern is None or (pattern.account is not account and not pattern.is_shared):
            raise refuse(400, "10014", f"pattern {code} does not exist")
        if pattern.status != "active":
            raise refuse(400, "10016", f"pattern {code} is {pattern.status}")
        variables = set(_VARIABLE.findall(pattern.template))
        if set(values) != variables:
            expected = ", ".join(sorted(variables)) or "none"
            raise refuse(400, "10015", f"pattern {code} takes the values: {expected}")
        self._own_line(account, originator)
        number = normalize_number(recipient)
        if number is None:
            raise refuse(400, "10017", f"recipient is not valid: {recipient}")
        text = _VARIABLE.sub(lambda m: str(values[m[1]]), pattern.template)
        bulk_id = self._charge_and_record(account, originator, [number], text, code, values)
        return {"bulk_id": bulk_id}, None

    def _message(
        self, account: Account, query: Mapping[str, str], body: bytes, raw_id: str
    ) -> Answer:
        bulk = self._bulk(account, raw_id)
        statuses = [self._delivery(bulk, r) for r in bulk.sent.recipients]
        failed = statuses.count("failed")
        message = {
            "bulk_id": bulk.sent.bulk_id,
            "number": bulk.sent.originator,
            "message": bulk.sent.message,
            # `finish` once every recipient's status is final, as the live API says.
            "status": "finish" if all(s in FINAL for s in statuses) else "active",
            "type": "webservice",
            "confirm_state": "confirmed",
            "created_at": timestamp(bulk.created_at),
            "sent_at": timestamp(bulk.created_at),
            "recipients_count": len(bulk.sent.recipients),
            "valid_recipients_count": len(bulk.sent.recipients),
            "page": bulk.parts,
            "cost": float(bulk.cost),
            "payback_cost": float(failed * bulk.parts * bulk.account.price_per_part),
            "description": "",
        }
        return {"message": message}, None

    def _recipients_page(
        self, account: Account, query: Mapping[str, str], body: bytes, raw_id: str
    ) -> Answer:
        page, limit = self._paging(query)
        bulk = self._bulk(account, raw_id)
        numbers = bulk.sent.recipients[page * limit : (page + 1) * limit]
        items = [{"recipient": n, "status": self._delivery(bulk, n)} for n in numbers]
        path = f"/v1/messages/{bulk.sent.bulk_id}/recipients"
        return {"recipients": items}, page_meta(path, len(bulk.sent.recipients), page, limit)

    def _inbox_page(self, account: Account, query: Mapping[str, str], body: bytes) -> Answer:
        page, limit = self._paging(query)
        mine = [m for m in self._inbox if m.account is account]
        items = [
            {
                "number": m.number,
                "message": m.text,
                "sender": m.sender,
                "time": timestamp(m.time),
                "type": "normal",
            }
            for m in mine[page * limit : (page + 1) * limit]
        ]
        return {"messages": items}, page_meta("/v1/messages/inbox", len(mine), page, limit)

    def _string_field(
        self, request: Mapping[str, Any], name: str, problems: FieldProblems, required: bool = True
    ) -> str:
        value = request.get(name)
        if name in request and value is None:
            problems.add(name, "type", f"{name} must be a string, not null")
            return ""
        if value is None:
            if required:
                problems.add(name, "required", f"{name} is required")
            return ""
        if not isinstance(value, str):
            problems.add(name, "type", f"{name} must be a string, not {go_type(value)}")
            return ""
        return value

    def _own_line(self, account: Account, originator: str) -> None:
        if originator not in account.lines:
            raise refuse(403, "10004", f"line {originator} is not assigned to you")

    def _paging(self, query: Mapping[str, str]) -> tuple[int, int]:
        problems = FieldProblems(self.validation_errors)
        numbers = {}
        for name, default, minimum in (("page", 0, 0), ("limit", 10, 1)):
            raw = query.get(name)
            if raw is None:
                numbers[name] = default
            else:
                try:
                    number = int(raw) if raw.isascii() and raw.lstrip("-").isdigit() else None
                except ValueError:  # more digits than Python converts
                    number = None
                if number is None or number < minimum:
                    problems.add(name, "type", f"{name} must be an integer of at least {minimum}")
                else:
                    numbers[name] = number
        problems.raise_if_any()
        return numbers["page"], min(numbers["limit"], self.max_page_size)
