"""The request path says each thing once: every operation's method and path come from the
generated code and agree with openapi.yaml, and a bug in the SDK's own code shows as
itself, never as an error about the server's answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from speedpayamak import SpeedPayamak, UnexpectedResponseError, _calls
from speedpayamak._calls import Call
from speedpayamak.testing import Sandbox
from speedpayamak_api.api.credit import get_credit

from tests.conftest import KEY

SPEC: dict[str, Any] = yaml.safe_load((Path(__file__).parent.parent / "openapi.yaml").read_text())


def every_call() -> dict[str, Call[Any, Any]]:
    """One Call of each operation the SDK defines, built through `_calls` as the SDK does."""
    return {
        "USER": _calls.USER,
        "CREDIT": _calls.CREDIT,
        "messages_send": _calls.messages_send("+9850002", ["09120000001"], "x"),
        "messages_get": _calls.messages_get(52738671),
        "messages_recipients": _calls.messages_recipients(52738671, 10)(0),
        "messages_inbox": _calls.messages_inbox(10)(0),
        "patterns_create": _calls.patterns_create("A %a%", None, False),
        "patterns_send": _calls.patterns_send("abc", "+9850002", "09120000001", {"a": "1"}),
    }


def _operation_id(module: Any) -> str:
    return "".join(part.title() for part in module.__name__.rsplit(".", 1)[1].split("_"))


def _spec_operation(operation_id: str) -> tuple[str, str]:
    for path, methods in SPEC["paths"].items():
        for method, operation in methods.items():
            if operation["operationId"].lower() == operation_id.lower():
                return method.upper(), path
    raise AssertionError(f"{operation_id} is not in openapi.yaml")


def test_every_call_is_each_operation_once() -> None:
    calls = every_call()
    operations = {call.operation.__name__ for call in calls.values()}  # type: ignore[attr-defined]
    assert len(operations) == len(calls) == len(SPEC_OPERATIONS)


SPEC_OPERATIONS = [op for methods in SPEC["paths"].values() for op in methods.values()]


@pytest.mark.parametrize("name", list(every_call()))
def test_method_and_path_come_from_the_generated_code_and_match_the_spec(name: str) -> None:
    call = every_call()[name]
    module: Any = call.operation
    method, template = _spec_operation(_operation_id(module))
    assert call.method == method
    assert call.is_send is (method != "GET")
    assert call.path == template.replace("{bulk_id}", "52738671")
    assert call.request["method"] == method.lower()  # as the generated _get_kwargs writes it


def test_a_bug_in_the_sdks_result_code_shows_as_itself(sandbox: Sandbox) -> None:
    def broken(envelope: Any) -> float:
        raise ZeroDivisionError("a bug in the SDK")

    call = Call(operation=get_credit, request=get_credit._get_kwargs(), result=broken)
    with SpeedPayamak(
        KEY, base_url="https://sandbox.test", transport=sandbox.transport()
    ) as client:
        with pytest.raises(ZeroDivisionError, match="a bug in the SDK"):
            client._engine.run(call)
        assert len(sandbox.requests) == 1  # a bug is not retried either


def test_a_parser_failure_is_about_the_answer(sandbox: Sandbox) -> None:
    from speedpayamak.testing import Fault

    sandbox.inject(Fault.malformed_body("missing_fields"), path="/v1/credit")
    with (
        SpeedPayamak(KEY, base_url="https://sandbox.test", transport=sandbox.transport()) as client,
        pytest.raises(UnexpectedResponseError, match="KeyError") as caught,
    ):
        client.credit()
    assert caught.value.status_code == 200
