"""Bulk sends account for every recipient under faults; SMS sizing matches hand counts."""

from __future__ import annotations

from typing import Any

import pytest
from speedpayamak import BulkResult, BulkSendError, InvalidRequestError, segments
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import LINE, Driver, Mode, Wire, open_driver

NUMBERS = [f"+98912000{i:04d}" for i in range(7)]


def send_bulk(driver: Driver, recipients: list[str], **options: Any) -> BulkResult:
    arguments: dict[str, Any] = {
        "originator": LINE,
        "recipients": recipients,
        "message": "x",
        **options,
    }
    if driver.sync_client:
        return driver.sync_client.messages.send_bulk(**arguments)
    assert driver.async_client
    return driver.await_(driver.async_client.messages.send_bulk(**arguments))


def assert_accounted(result: BulkResult, recipients: list[str]) -> None:
    """Every recipient is in exactly one of the result's sets."""
    places = list(result.accepted_recipients)
    places += list(result.failed_recipients)
    places += list(result.unknown_recipients)
    places += list(result.not_sent)
    assert sorted(places) == sorted(recipients)


def test_chunks_dedupe_and_progress(driver: Driver, sandbox: Sandbox) -> None:
    seen: list[tuple[int, int]] = []
    given = [*NUMBERS, "09120000000", "989120000001"]  # two duplicates in other forms
    result = send_bulk(
        driver, given, chunk_size=3, progress=lambda done, total: seen.append((done, total))
    )
    assert result.ok
    assert [len(c.recipients) for c in result.accepted] == [3, 3, 1]
    assert result.accepted_recipients == tuple(NUMBERS)
    assert list(result.bulk_ids) == [m.bulk_id for m in sandbox.outbox]
    assert [m.recipients for m in sandbox.outbox] == [c.recipients for c in result.accepted]
    assert seen == [(3, 7), (6, 7), (7, 7)]


@pytest.mark.parametrize(
    ("fault", "verdict", "applied"),
    [
        (Fault.drop_after_processing(), "unknown", 2),
        (Fault.drop_before_processing(), "unknown", 1),
        (Fault.status_code(503), "unknown", 1),
        (Fault.malformed_body("not_json"), "unknown", 2),
        (Fault.status_code(400), "failed", 1),
    ],
)
def test_a_fault_mid_way_is_accounted_exactly(
    sandbox: Sandbox, mode: Mode, wire: Wire, fault: Fault, verdict: str, applied: int
) -> None:
    sandbox.inject(Fault.delay(0), method="POST")  # the first chunk passes untouched
    sandbox.inject(fault, method="POST")
    with (
        open_driver(sandbox, mode, wire, max_retries=3) as driver,
        pytest.raises(BulkSendError) as caught,
    ):
        send_bulk(driver, NUMBERS, chunk_size=3)
    result = caught.value.result
    assert_accounted(result, NUMBERS)
    assert result.accepted_recipients == tuple(NUMBERS[:3])
    (stopped,) = result.unknown if verdict == "unknown" else result.failed
    assert stopped.recipients == tuple(NUMBERS[3:6])
    assert (result.unknown == ()) == (verdict == "failed")
    assert result.not_sent == (NUMBERS[6],)
    assert caught.value.__cause__ is stopped.error
    assert len(sandbox.outbox) == applied  # never a chunk sent twice
    assert sandbox.requests_to("POST", "/v1/messages") == 2


def test_running_out_of_credit_mid_way(mode: Mode) -> None:
    sandbox = Sandbox("canary-key-Zq9xW2", credit=4, lines=[LINE])
    with open_driver(sandbox, mode, "transport") as driver, pytest.raises(BulkSendError) as caught:
        send_bulk(driver, NUMBERS, chunk_size=3)
    result = caught.value.result
    assert_accounted(result, NUMBERS)
    (failed,) = result.failed
    assert failed.error.code == "10006"  # type: ignore[attr-defined]
    assert len(result.accepted) == 1
    assert "refused" in str(caught.value)


def test_bad_input_sends_nothing(driver: Driver, sandbox: Sandbox) -> None:
    with pytest.raises(InvalidRequestError, match=r"recipients\[8\]"):
        send_bulk(driver, [*NUMBERS, "09120000009", "nonsense"])
    with pytest.raises(InvalidRequestError, match="chunk_size"):
        send_bulk(driver, NUMBERS, chunk_size=0)
    with pytest.raises(InvalidRequestError, match="message"):
        send_bulk(driver, NUMBERS, message="")
    assert sandbox.requests == ()


# --- sizing -----------------------------------------------------------------------------

PERSIAN_70 = "س" * 70


@pytest.mark.parametrize(
    ("text", "encoding", "length", "parts", "remaining"),
    [
        ("", "GSM-7", 0, 1, 160),
        ("Hello", "GSM-7", 5, 1, 155),
        ("a" * 160, "GSM-7", 160, 1, 0),
        ("a" * 161, "GSM-7", 161, 2, 145),
        ("a" * 306, "GSM-7", 306, 2, 0),
        ("a" * 307, "GSM-7", 307, 3, 152),
        ("€" * 80, "GSM-7", 160, 1, 0),  # extension characters count two
        ("€" * 81, "GSM-7", 162, 2, 144),
        ("{[]}~^|\\", "GSM-7", 16, 1, 144),
        ("line\nbreak", "GSM-7", 10, 1, 150),
        ("سلام", "UCS-2", 4, 1, 66),
        (PERSIAN_70, "UCS-2", 70, 1, 0),
        (PERSIAN_70 + "س", "UCS-2", 71, 2, 63),
        ("Hi 😀", "UCS-2", 5, 1, 65),  # an emoji is two UTF-16 units
        ("ç", "UCS-2", 1, 1, 69),  # not in GSM-7 (only Ç is)
        ("a" * 200 + "ی", "UCS-2", 201, 3, 0),
        ("a" * 201 + "ی", "UCS-2", 202, 4, 66),
    ],
)
def test_segments(text: str, encoding: str, length: int, parts: int, remaining: int) -> None:
    size = segments(text)
    assert (size.encoding, size.length, size.parts, size.remaining) == (
        encoding,
        length,
        parts,
        remaining,
    )
    assert (
        size.per_part
        == {("GSM-7", True): 160, ("GSM-7", False): 153, ("UCS-2", True): 70, ("UCS-2", False): 67}[
            (encoding, parts == 1)
        ]
    )


@pytest.mark.parametrize(
    "text", ["hi", "a" * 161, "€" * 81, PERSIAN_70 + "س", "x" * 1000, "سلام 😀" * 30]
)
def test_sizing_agrees_with_what_the_sandbox_charges(text: str) -> None:
    sandbox = Sandbox("k", credit=10_000)
    with open_driver(sandbox, "sync", "transport", key="k") as driver:
        bulk_id = driver.send(originator=LINE, recipients=["09120000001"], message=text)
        assert driver.get(bulk_id).page == segments(text).parts
