"""The sandbox as pytest fixtures, for services that send SMS with speedpayamak.

Registered through the `pytest11` entry point, so installing the package is enough. It
provides fixtures only:

- `speedpayamak_sandbox`: a fresh `Sandbox` for each test. Change its settings with the
  marker `@pytest.mark.speedpayamak_sandbox(credit=5, auto_approve=True)`, or by
  overriding the `speedpayamak_sandbox_settings` fixture (a dict of Sandbox arguments).
- `speedpayamak_client` and `async_speedpayamak_client`: SDK clients wired to that
  sandbox through its transport (no sockets), closed after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._sandbox import Sandbox

API_KEY = "sandbox-key"
BASE_URL = "https://sandbox.test"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "speedpayamak_sandbox(**settings): Sandbox arguments for this test"
    )


@pytest.fixture
def speedpayamak_sandbox_settings() -> dict[str, Any]:
    """Sandbox arguments for every test of its scope; override it to change them."""
    return {}


@pytest.fixture
def speedpayamak_sandbox(
    request: pytest.FixtureRequest, speedpayamak_sandbox_settings: dict[str, Any]
) -> Sandbox:
    """A fresh in-memory SpeedPayamak API, whose key is `sandbox-key`."""
    settings = {"api_key": API_KEY, **speedpayamak_sandbox_settings}
    marker = request.node.get_closest_marker("speedpayamak_sandbox")
    if marker is not None:
        settings.update(marker.kwargs)
    return Sandbox(**settings)


@pytest.fixture
def speedpayamak_client(speedpayamak_sandbox: Sandbox) -> Iterator[Any]:
    """A SpeedPayamak client talking to `speedpayamak_sandbox`."""
    from speedpayamak import SpeedPayamak

    sandbox = speedpayamak_sandbox
    with SpeedPayamak(sandbox.api_key, base_url=BASE_URL, transport=sandbox.transport()) as client:
        yield client


@pytest.fixture
def async_speedpayamak_client(speedpayamak_sandbox: Sandbox) -> Iterator[Any]:
    """An AsyncSpeedPayamak client talking to `speedpayamak_sandbox` (use it in your
    async tests; it binds to the event loop that first uses it)."""
    import asyncio

    from speedpayamak import AsyncSpeedPayamak

    sandbox = speedpayamak_sandbox
    transport = sandbox.async_transport()
    client = AsyncSpeedPayamak(sandbox.api_key, base_url=BASE_URL, transport=transport)
    yield client
    asyncio.run(client.aclose())  # no sockets: closing needs no particular loop
