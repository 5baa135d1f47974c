"""openapi.yaml: valid, complete against the published document, and shaped to generate well."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = Path(__file__).parent / "reference" / "published-api-doc.txt"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    return loaded


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def published_operations() -> set[tuple[str, str, str]]:
    """(operationId, method, path) for each operation in the published document's text."""
    camel = re.compile(r"^[A-Z][a-z]+(?:[A-Z][A-Za-z]*)+$")
    endpoint = re.compile(r"^(get|post|put|patch|delete) (/v1/\S+)$")
    found: set[tuple[str, str, str]] = set()
    last_name = ""
    for line in PUBLISHED.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if camel.match(line) and line != "ApiKeyAuth":
            last_name = line
        elif match := endpoint.match(line):
            found.add((last_name, match[1], match[2]))
    return found


def test_spec_validates_against_the_openapi_schema(spec: dict[str, Any]) -> None:
    validate(spec)


def test_every_published_operation_is_in_the_spec_unchanged(spec: dict[str, Any]) -> None:
    published = published_operations()
    assert len(published) == 8, published
    ours = {(op["operationId"], method, path) for method, path, op in operations(spec)}
    assert ours == published


def test_every_operation_is_secured_and_tagged(spec: dict[str, Any]) -> None:
    for _method, path, op in operations(spec):
        assert op.get("security") == [{"ApiKeyAuth": []}], path
        assert op.get("tags"), path
    scheme = spec["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "AccessKey <api-key>" in scheme["description"]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_every_request_body_and_response_has_an_example(spec: dict[str, Any]) -> None:
    for _method, path, op in operations(spec):
        if "requestBody" in op:
            assert "example" in op["requestBody"]["content"]["application/json"], path
        for status, response in op["responses"].items():
            media = _resolve(spec, response)["content"]["application/json"]
            assert "example" in media, (path, status)


def test_error_envelope_is_documented_on_the_statuses_that_carry_it(
    spec: dict[str, Any],
) -> None:
    for _method, path, op in operations(spec):
        for status in ("400", "401", "404", "422"):
            media = _resolve(spec, op["responses"][status])["content"]["application/json"]
            assert media["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}, (path, status)
        # A 5xx or default response with a JSON schema would make a proxy's HTML page crash
        # the parser instead of coming back as an unexpected status.
        assert not [s for s in op["responses"] if s.startswith("5") or s == "default"], path


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_no_closed_enums_anywhere(spec: dict[str, Any]) -> None:
    # The server extends statuses and types; a closed enum would fail the whole parse.
    assert not [node for node in _walk(spec["components"]) if "enum" in node]


def test_every_object_schema_is_named(spec: dict[str, Any]) -> None:
    # Inline objects get unstable generated names; every object must live in components.
    for _method, path, op in operations(spec):
        for node in _walk(op):
            assert node.get("type") != "object", path
