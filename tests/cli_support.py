"""Running the `speedpayamak` command from the tests, against a served sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import KEY

COMMAND = str(Path(sys.executable).parent / "speedpayamak")


def environment(base_url: str | None, key: str | None = KEY) -> dict[str, str]:
    """This environment without the SDK's variables, then the key and the base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDPAYAMAK_")}
    if key is not None:
        env["SPEEDPAYAMAK_API_KEY"] = key
    if base_url is not None:
        env["SPEEDPAYAMAK_BASE_URL"] = base_url
    return env


def run(
    base_url: str | None, *args: str, key: str | None = KEY
) -> subprocess.CompletedProcess[str]:
    """The command, run to its end; never a traceback, never the key."""
    done = subprocess.run(
        [COMMAND, *args], capture_output=True, text=True, env=environment(base_url, key), timeout=60
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert KEY not in done.stdout + done.stderr
    return done
