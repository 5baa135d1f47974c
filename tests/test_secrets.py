"""The API key shows in no repr, str, exception or URL (logs and output: conftest's
key_never_leaks checks those for every test)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from speedpayamak import AsyncSpeedPayamak, SpeedPayamak, SpeedPayamakError
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE, exception_texts


def _send(client: SpeedPayamak) -> object:
    return client.messages.send(originator=LINE, recipients=["09121234567"], message="x")


SCENARIOS: list[tuple[str, Fault | None, Callable[[SpeedPayamak], object]]] = [
    ("outcome unknown", Fault.drop_after_processing(), _send),
    ("server error", Fault.status_code(503), _send),
    ("html", Fault.html_page(502), lambda c: c.credit()),
    ("malformed", Fault.malformed_body("data_null"), lambda c: c.user()),
    ("timeout", Fault.delay(0.3), lambda c: c.credit()),
    ("not found", None, lambda c: c.messages.get(42)),
    (
        "invalid input",
        None,
        lambda c: c.patterns.send(pattern_code="", originator=LINE, recipient="x", values={}),
    ),
]


@pytest.mark.parametrize(("name", "fault", "action"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_no_error_shows_the_key(
    sandbox: Sandbox, name: str, fault: Fault | None, action: Callable[[SpeedPayamak], Any]
) -> None:
    if fault is not None:
        sandbox.inject(fault, times=5)
    with (
        sandbox.serve() as base_url,
        SpeedPayamak(
            KEY, base_url=base_url, timeout=httpx.Timeout(5, read=0.1), max_retries=0
        ) as client,
        pytest.raises(SpeedPayamakError) as caught,
    ):
        action(client)
    for text in exception_texts(caught.value):
        assert KEY not in text


def test_refused_key_is_not_echoed(sandbox: Sandbox) -> None:
    with (
        sandbox.serve() as base_url,
        SpeedPayamak(KEY + "-wrong", base_url=base_url) as client,
        pytest.raises(SpeedPayamakError) as caught,
    ):
        client.credit()
    assert all(KEY not in text for text in exception_texts(caught.value))
    with pytest.raises(SpeedPayamakError) as bad_key:
        SpeedPayamak(KEY + "\n")
    assert all(KEY not in text for text in exception_texts(bad_key.value))


def test_no_repr_shows_the_key(sandbox: Sandbox) -> None:
    with httpx.Client(transport=sandbox.transport()) as http:
        client = SpeedPayamak(KEY, base_url="https://sandbox.test", http_client=http)
        client.credit()  # the generated client used to print its header after first use
        derived = client.with_options(max_retries=0)
        objects: list[object] = [client, derived, client.raw, client.messages, client.patterns]
        objects += [*vars(client).values(), client._http.client.headers, client._config]
        for obj in objects:
            assert KEY not in repr(obj), type(obj)
            assert KEY not in str(obj), type(obj)
        assert KEY not in str(client._http.client.base_url)

    async def async_reprs() -> list[str]:
        async with AsyncSpeedPayamak(KEY, base_url="https://sandbox.test") as client:
            return [repr(client), repr(client.raw), repr(vars(client))]

    assert all(KEY not in text for text in asyncio.run(async_reprs()))
