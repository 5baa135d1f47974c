"""Construction, options and input checks: bad input never reaches the wire."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx
import pytest
from speedpayamak import (
    APITimeoutError,
    AsyncSpeedPayamak,
    InvalidRequestError,
    SpeedPayamak,
)
from speedpayamak._numbers import normalize
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE, Driver


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPEEDPAYAMAK_API_KEY", raising=False)
    monkeypatch.delenv("SPEEDPAYAMAK_BASE_URL", raising=False)


@pytest.mark.usefixtures("no_env")
def test_no_key_anywhere_is_a_clear_error() -> None:
    with pytest.raises(InvalidRequestError, match="SPEEDPAYAMAK_API_KEY"):
        SpeedPayamak()
    with pytest.raises(InvalidRequestError, match="no API key"):
        AsyncSpeedPayamak(api_key="  ")


@pytest.mark.usefixtures("no_env")
def test_key_and_base_url_from_the_environment(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sandbox.serve() as base_url:
        monkeypatch.setenv("SPEEDPAYAMAK_API_KEY", KEY)
        monkeypatch.setenv("SPEEDPAYAMAK_BASE_URL", base_url)
        with SpeedPayamak() as client:
            assert client.base_url == base_url
            assert client.credit() == 1000


@pytest.mark.usefixtures("no_env")
def test_defaults() -> None:
    client = SpeedPayamak(KEY)
    assert client.base_url == "https://rest.ippanel.com"
    assert (client.timeout.connect, client.timeout.read) == (5.0, 30.0)
    assert client.max_retries == 2
    assert client.raw._base_url == "https://rest.ippanel.com"
    client.close()
    assert SpeedPayamak(KEY, timeout=7).timeout == httpx.Timeout(7.0)


@pytest.mark.parametrize(
    ("base_url", "insecure", "allowed"),
    [
        ("http://sms.example.com", False, False),
        ("http://sms.example.com", True, True),
        ("http://127.0.0.1:8080", False, True),
        ("http://localhost:8080/", False, True),
        ("http://[::1]:8080", False, True),
        ("https://rest.medianasms.com", False, True),
        ("ftp://rest.ippanel.com", True, False),
        ("not a url", True, False),
    ],
)
def test_base_url_rules(base_url: str, insecure: bool, allowed: bool) -> None:
    if allowed:
        SpeedPayamak(KEY, base_url=base_url, allow_insecure_http=insecure).close()
    else:
        with pytest.raises(InvalidRequestError):
            SpeedPayamak(KEY, base_url=base_url, allow_insecure_http=insecure)


@pytest.mark.parametrize(
    "options",
    [{"timeout": 0}, {"timeout": -1}, {"timeout": "5"}, {"max_retries": -1}, {"max_retries": 1.5}],
)
def test_bad_options(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError):
        SpeedPayamak(KEY, **options)


def test_wrong_kind_of_http_client() -> None:
    with pytest.raises(InvalidRequestError, match=r"httpx\.Client"):
        SpeedPayamak(KEY, http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with (
        httpx.Client() as sync_http,
        pytest.raises(InvalidRequestError, match=r"httpx\.AsyncClient"),
    ):
        AsyncSpeedPayamak(KEY, http_client=sync_http)  # type: ignore[arg-type]


def test_transport_or_http_client_not_both(sandbox: Sandbox) -> None:
    with httpx.Client() as http, pytest.raises(InvalidRequestError, match="not both"):
        SpeedPayamak(KEY, http_client=http, transport=sandbox.transport())
    with pytest.raises(InvalidRequestError, match="AsyncBaseTransport"):
        AsyncSpeedPayamak(KEY, transport=sandbox.transport())  # type: ignore[arg-type]
    with SpeedPayamak(
        KEY, base_url="https://sandbox.test", transport=sandbox.transport()
    ) as client:
        assert client.credit() == 1000


def test_with_options_shares_the_pool(sandbox: Sandbox) -> None:
    with sandbox.serve() as base_url:
        client = SpeedPayamak(KEY, base_url=base_url)
        hasty = client.with_options(timeout=httpx.Timeout(5, read=0.1), max_retries=0)
        assert hasty._http is client._http
        assert (hasty.max_retries, client.max_retries) == (0, 2)
        sandbox.inject(Fault.delay(0.3), path="/v1/credit")
        with pytest.raises(APITimeoutError):
            hasty.credit()
        sandbox.inject(Fault.delay(0.3), path="/v1/credit")
        assert client.credit() == 1000  # the original's 30 s read timeout is untouched
        hasty.close()  # the pool belongs to the original
        assert client.credit() == 1000
        assert hasty.credit() == 1000
        client.close()


def test_async_with_options(sandbox: Sandbox) -> None:
    async def main() -> None:
        async with httpx.AsyncClient(transport=sandbox.async_transport()) as http:
            client = AsyncSpeedPayamak(KEY, base_url="https://sandbox.test", http_client=http)
            hasty = client.with_options(timeout=httpx.Timeout(5, read=0.05))
            assert isinstance(hasty, AsyncSpeedPayamak)
            sandbox.inject(Fault.delay(0.2), path="/v1/credit", times=3)
            with pytest.raises(APITimeoutError):
                await hasty.credit()
            await client.aclose()
            assert not http.is_closed

    asyncio.run(main())


# --- input checks: refused before anything is sent --------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09121234567", "+989121234567"),
        ("989121234567", "+989121234567"),
        ("+989121234567", "+989121234567"),
        ("00989121234567", "+989121234567"),
        ("9121234567", "+989121234567"),
        ("۰۹۱۲۱۲۳۴۵۶۷", "+989121234567"),  # Persian digits
        ("٠٩١٢١٢٣٤٥٦٧", "+989121234567"),  # Arabic-Indic digits
        ("+۹۸۹۱۲۱۲۳۴۵۶۷", "+989121234567"),
        ("0912 123 4567", "+989121234567"),
        ("0912-123-4567", "+989121234567"),
        ("+4915123456789", "+4915123456789"),
        ("004915123456789", "+4915123456789"),
    ],
)
def test_number_normalization(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12345", "0812345678", "+98912123456", "phone", "+0123456789", "09121234567x"]
)
def test_invalid_numbers(raw: str) -> None:
    with pytest.raises(InvalidRequestError, match="not a valid phone number"):
        normalize(raw)


BAD_SENDS: list[tuple[dict[str, Any], str]] = [
    ({"recipients": []}, "recipients is empty"),
    ({"recipients": "09121234567"}, "not a single string"),
    ({"recipients": ["09121234567", "0912"]}, r"recipients\[1\]"),
    ({"recipients": [9121234567]}, "must be a string"),
    ({"message": ""}, "message must be a non-empty string"),
    ({"message": "   "}, "message must be a non-empty string"),
    ({"originator": ""}, "originator"),
]


@pytest.mark.parametrize(("change", "complaint"), BAD_SENDS)
def test_bad_sends_never_reach_the_wire(
    driver: Driver, sandbox: Sandbox, change: dict[str, Any], complaint: str
) -> None:
    arguments: dict[str, Any] = {"originator": LINE, "recipients": ["09121234567"], "message": "hi"}
    with pytest.raises(InvalidRequestError, match=complaint) as caught:
        driver.send(**{**arguments, **change})
    assert isinstance(caught.value, ValueError)
    assert sandbox.requests == ()


BAD_PATTERN_SENDS: list[tuple[dict[str, Any], str]] = [
    ({"values": {"code": True}}, "string or an integer"),
    ({"values": {"code": 1.5}}, "string or an integer"),
    ({"values": {"": "x"}}, "names must be strings"),
    ({"values": ["code"]}, "mapping"),
    ({"recipient": "12"}, "not a valid phone number"),
    ({"pattern_code": ""}, "pattern_code"),
]


@pytest.mark.parametrize(("change", "complaint"), BAD_PATTERN_SENDS)
def test_bad_pattern_sends_never_reach_the_wire(
    driver: Driver, sandbox: Sandbox, change: dict[str, Any], complaint: str
) -> None:
    arguments: dict[str, Any] = {
        "pattern_code": "abcdefghij",
        "originator": LINE,
        "recipient": "09121234567",
        "values": {"code": "1"},
    }
    with pytest.raises(InvalidRequestError, match=complaint):
        driver.send_pattern(**{**arguments, **change})
    assert sandbox.requests == ()


@pytest.mark.parametrize("bulk_id", [0, -5, True, "12"])
def test_bad_bulk_ids(driver: Driver, sandbox: Sandbox, bulk_id: Any) -> None:
    with pytest.raises(InvalidRequestError, match="bulk_id"):
        driver.get(bulk_id)
    with pytest.raises(InvalidRequestError, match="bulk_id"):
        driver.recipients(bulk_id)
    assert sandbox.requests == ()


@pytest.mark.parametrize("page_size", [0, -1, False])
def test_bad_page_sizes(driver: Driver, sandbox: Sandbox, page_size: Any) -> None:
    with pytest.raises(InvalidRequestError, match="page_size"):
        driver.inbox(page_size=page_size)
    assert sandbox.requests == ()


def test_bad_pattern_creation(driver: Driver, sandbox: Sandbox) -> None:
    with pytest.raises(InvalidRequestError, match="pattern"):
        driver.create_pattern(pattern="")
    with pytest.raises(InvalidRequestError, match="is_shared"):
        driver.create_pattern(pattern="x", is_shared="yes")
    assert sandbox.requests == ()


def test_with_options_checks_what_it_is_given() -> None:
    client = SpeedPayamak(KEY)
    with pytest.raises(InvalidRequestError, match="max_retries"):
        client.with_options(max_retries=-1)
    with pytest.raises(InvalidRequestError, match="timeout"):
        client.with_options(timeout=0)
    assert client.with_options(timeout=3).timeout == httpx.Timeout(3.0)
    client.close()


@pytest.mark.parametrize("client", [SpeedPayamak, AsyncSpeedPayamak])
def test_the_signatures_defaults_are_the_settings_defaults(client: type) -> None:
    """The constructors spell their defaults as values, for the reference to show them."""
    from speedpayamak._config import DEFAULT_KEEPALIVE_EXPIRY, DEFAULT_MAX_RESPONSE_SIZE
    from speedpayamak._resources import DEFAULT_RETENTION

    parameters = inspect.signature(client).parameters
    assert parameters["keepalive_expiry"].default == DEFAULT_KEEPALIVE_EXPIRY
    assert parameters["max_response_size"].default == DEFAULT_MAX_RESPONSE_SIZE
    assert parameters["idempotency_retention"].default == DEFAULT_RETENTION
