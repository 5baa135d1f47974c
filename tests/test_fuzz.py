"""Fuzzing the client: whatever the server answers (any status, headers and body), every
operation returns a correctly typed value or raises a SpeedPayamakError. Nothing else.

The answers are served by the sandbox (an injected raw answer) through its transport. The
oracle is independent of the SDK: a returned model, serialized back, must validate
against its schema in openapi.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from speedpayamak import SpeedPayamakError
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE, Driver, Mode, open_driver
from tests.operations import OPERATIONS, Operation

SPEC: dict[str, Any] = yaml.safe_load((Path(__file__).parent.parent / "openapi.yaml").read_text())
EXAMPLES = 250  # per operation and mode: 8 x 2 x 250 = 4,000 answers


def _validator(schema_name: str) -> OAS30Validator:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    return OAS30Validator(schema)


def _example(path: str, method: str) -> Any:
    """The documented 200 example of an operation: the starting point of near-valid answers."""
    return SPEC["paths"][path][method]["responses"]["200"]["content"]["application/json"]["example"]


BULK_ID, PATTERN_CODE = 52738671, "abcdefghij"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def near_valid(draw: st.DrawFn, example: Any) -> Any:
    """The example with one to three places deleted, nulled or replaced by another type."""
    document = json.loads(json.dumps(example))
    for _ in range(draw(st.integers(1, 3))):
        parent: Any = None
        key: Any = None
        node: Any = document
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            parent, key = (
                node,
                draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node)))),
            )
            node = node[key]
        if parent is None:
            continue
        action = draw(st.sampled_from(["delete", "null", "replace"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif action == "null":
            parent[key] = None
        else:
            parent[key] = draw(json_values)
    return document


def bodies(example: Any) -> st.SearchStrategy[bytes]:
    as_json = st.builds(lambda v: json.dumps(v).encode(), json_values)
    mutated = st.builds(lambda v: json.dumps(v).encode(), near_valid(example))
    code_forms = st.sampled_from(["OK", 200, "10006", None, 3.5]).map(
        lambda code: json.dumps({**example, "code": code}).encode()
    )
    return st.one_of(st.binary(max_size=64), as_json, mutated, mutated, code_forms, st.just(b""))


statuses = st.sampled_from(
    [200, 200, 200, 201, 204, 301, 400, 401, 404, 422, 429, 500, 502, 503, 520]
)
headers = st.lists(
    st.tuples(
        st.sampled_from(["Content-Type", "Retry-After", "X-Noise"]),
        st.sampled_from(
            ["application/json", "text/html", "1", "-3", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"]
        ),
    ),
    max_size=3,
).map(tuple)


def check_typed(value: Any, returns: type | str) -> None:
    """The oracle: a value of the promised type, and models valid against openapi.yaml."""
    if isinstance(returns, type):
        assert isinstance(value, returns)
        assert not isinstance(value, bool)
        return
    items = value if isinstance(value, list) else [value]
    validator = _validator(returns)
    for item in items:
        document = item.to_dict()
        errors = [e.message for e in validator.iter_errors(document)]
        assert not errors, (returns, document, errors)


@pytest.fixture(params=sorted(OPERATIONS))
def operation(request: pytest.FixtureRequest) -> Operation:
    return OPERATIONS[request.param]


@pytest.fixture
def fuzz_driver(mode: Mode) -> Iterator[tuple[Sandbox, Driver]]:
    sandbox = Sandbox(KEY, credit=10**9, lines=[LINE])
    with open_driver(sandbox, mode, "transport", max_retries=0) as driver:
        yield sandbox, driver


@pytest.mark.slow
def test_any_answer_gives_a_typed_value_or_a_typed_error(
    operation: Operation, fuzz_driver: tuple[Sandbox, Driver]
) -> None:
    sandbox, driver = fuzz_driver
    example = _example(operation.path, operation.method.lower())

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(status=statuses, headers=headers, body=bodies(example))
    def answer(status: int, headers: tuple[tuple[str, str], ...], body: bytes) -> None:
        sandbox.inject(Fault.answer(status, body, headers), times=1)
        try:
            value = operation.call(driver, BULK_ID, PATTERN_CODE)
        except SpeedPayamakError:
            return
        check_typed(value, operation.returns)

    answer()


def test_documented_examples_are_read_in_both_code_forms(operation: Operation, mode: Mode) -> None:
    """The fuzzer's starting points are themselves accepted (so a failure is the mutation's)."""
    sandbox = Sandbox(KEY, credit=10**9, lines=[LINE])
    example = _example(operation.path, operation.method.lower())
    with open_driver(sandbox, mode, "transport", max_retries=0) as driver:
        for code in ("OK", 200):
            body = json.dumps({**example, "code": code}).encode()
            sandbox.inject(Fault.answer(200, body, (("Content-Type", "application/json"),)))
            check_typed(operation.call(driver, BULK_ID, PATTERN_CODE), operation.returns)
