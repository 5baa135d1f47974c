"""Contract conformance: schemathesis runs every operation of openapi.yaml against the
sandbox served on 127.0.0.1 (positive and negative cases, with the AccessKey header)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from speedpayamak.testing import Sandbox

from tests.conftest import KEY, LINE

ROOT = Path(__file__).parent.parent
EXAMPLES = 100  # per operation and phase


@pytest.mark.slow
def test_sandbox_conforms_to_the_spec(tmp_path: Path) -> None:
    sandbox = Sandbox(KEY, credit=10**9, lines=[LINE], auto_approve=True)
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(ROOT / "tests" / "schemathesis.toml"),
        "run",
        str(ROOT / "openapi.yaml"),
        "--header",
        f"Authorization: AccessKey {KEY}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261128",
        "--workers",
        "1",
    ]
    with sandbox.serve() as base_url:
        done = subprocess.run(
            [*command, "--url", base_url],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,  # schemathesis keeps a cache in its working directory
        )
    report = done.stdout + done.stderr
    assert KEY not in report
    assert done.returncode == 0, report[-4000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", report)
    assert counts is not None, report[-2000:]
    generated, passed = int(counts[1]), int(counts[2])
    assert generated == passed
    assert generated >= 800  # about 1,000 to 1,300: the stateful phase follows the answers
    assert "Tested: 8" in report
    assert len(sandbox.requests) >= generated
