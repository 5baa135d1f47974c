"""The regeneration drill: the API grows a response field and an operation; the client is
regenerated with the pinned generator, and the overlay keeps working with no edit."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import speedpayamak
import yaml

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent

USE_IT = """
import json

import speedpayamak_api
from speedpayamak_api.api.lines import get_lines
from speedpayamak_api.types import Unset

from speedpayamak import SpeedPayamak, unwrap
from speedpayamak.testing import Fault, Sandbox

JSON = (("Content-Type", "application/json"),)
sandbox = Sandbox("drill-key")
lines = {"lines": ["+9850002", "3000505"]}
lines_answer = {"status": "OK", "code": "OK", "message": "Ok", "data": lines}
page_answer = {
    "status": "OK",
    "code": 200,
    "message": "Ok",
    "data": {
        "recipients": [{"recipient": "+989120000001", "status": "delivered", "operator": "MCI"}]
    },
    "meta": {"total": 1, "pages": 1, "limit": 100, "page": 0, "prev": None, "next": None},
}
sandbox.inject(Fault.answer(200, json.dumps(lines_answer).encode(), JSON), path="/v1/lines")
page_path = "/v1/messages/*/recipients"
sandbox.inject(Fault.answer(200, json.dumps(page_answer).encode(), JSON), path=page_path)

with sandbox.serve() as base_url, SpeedPayamak("drill-key", base_url=base_url) as client:
    recipient = next(iter(client.messages.recipients(7)))
    operator: str | Unset = recipient.operator
    numbers: list[str] = unwrap(get_lines.sync_detailed(client=client.raw)).lines

assert operator == "MCI", operator
assert numbers == ["+9850002", "3000505"], numbers
where = speedpayamak_api.__file__
print(json.dumps({"operator": operator, "lines": numbers, "generated_from": where}))
"""


def grown_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    schemas["Recipient"]["properties"]["operator"] = {
        "type": "string",
        "description": "The mobile operator.",
    }
    schemas["LinesData"] = {
        "type": "object",
        "required": ["lines"],
        "properties": {"lines": {"type": "array", "items": {"type": "string"}}},
    }
    schemas["LinesEnvelope"] = {
        **schemas["CreditEnvelope"],
        "properties": {
            **schemas["CreditEnvelope"]["properties"],
            "data": {"$ref": "#/components/schemas/LinesData"},
        },
    }
    errors = {
        s: spec["paths"]["/v1/credit"]["get"]["responses"][s] for s in ("400", "401", "404", "422")
    }
    spec["paths"]["/v1/lines"] = {
        "get": {
            "operationId": "GetLines",
            "summary": "The lines assigned to the account.",
            "tags": ["lines"],
            "security": [{"ApiKeyAuth": []}],
            "responses": {
                "200": {
                    "description": "The lines.",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/LinesEnvelope"},
                            "example": {
                                "status": "OK",
                                "code": "OK",
                                "message": "Ok",
                                "data": {"lines": ["+9850002"]},
                            },
                        }
                    },
                },
                **errors,
            },
        }
    }
    return spec


def overlay_fingerprint() -> str:
    """A digest of every file of the installed overlay package."""
    package = Path(speedpayamak.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
def test_regeneration_drill(tmp_path: Path) -> None:
    before = overlay_fingerprint()
    (tmp_path / "openapi.yaml").write_text(
        yaml.safe_dump(grown_spec(), sort_keys=False), encoding="utf-8"
    )
    shutil.copy(ROOT / "generator-config.yaml", tmp_path / "generator-config.yaml")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    generated = tmp_path / "out" / "speedpayamak_api"
    subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            "openapi.yaml",
            "--config",
            "generator-config.yaml",
            "--meta",
            "none",
            "--output-path",
            str(generated),
            "--fail-on-warning",
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    (generated / "py.typed").write_text("")
    assert (generated / "api" / "lines" / "get_lines.py").exists()
    assert "operator: str | Unset" in (generated / "models" / "recipient.py").read_text()

    snippet = tmp_path / "use_regenerated.py"
    snippet.write_text(USE_IT, encoding="utf-8")
    with_new_client = {
        **env,
        "PYTHONPATH": str(tmp_path / "out"),
        "MYPYPATH": str(tmp_path / "out"),
    }
    ran = subprocess.run(
        [sys.executable, str(snippet)],
        env=with_new_client,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["operator"] == "MCI"
    assert result["lines"] == ["+9850002", "3000505"]
    assert result["generated_from"].startswith(str(tmp_path))

    checked = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--cache-dir", str(tmp_path / ".mypy_cache"), str(snippet)],
        env=with_new_client,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert overlay_fingerprint() == before
