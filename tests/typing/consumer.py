"""Code written the way a service uses the SDK. `mypy --strict` must pass on it with no
casts and no isinstance checks on fields the API always returns; tests also run it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

import speedpayamak
from speedpayamak import (
    AsyncSpeedPayamak,
    BulkResult,
    BulkSendError,
    CampaignWorker,
    DeliveryTimeoutError,
    InboxMessage,
    InsufficientCreditError,
    Message,
    OutcomeUnknownError,
    Page,
    Recipient,
    SendInProgressError,
    SpeedPayamak,
    SpeedPayamakError,
    ValidationError,
)
from speedpayamak_api.api.credit import get_credit

log = logging.getLogger("notifications")


def notify_customers(
    client: SpeedPayamak, line: str, numbers: Sequence[str], text: str
) -> int | None:
    """Send one text; None when it was refused for lack of credit."""
    try:
        bulk_id: int = client.messages.send(originator=line, recipients=numbers, message=text)
    except InsufficientCreditError as exc:
        log.warning("out of credit (%s): %s", exc.code, exc.message)
        return None
    except OutcomeUnknownError:
        log.error("send outcome unknown; not retrying")
        raise
    return bulk_id


def send_otp(client: SpeedPayamak, pattern_code: str, line: str, number: str, code: int) -> int:
    return client.patterns.send(
        pattern_code=pattern_code, originator=line, recipient=number, values={"code": code}
    )


def delivery_report(client: SpeedPayamak, bulk_id: int) -> dict[str, int]:
    message: Message = client.messages.get(bulk_id)
    sent_at: datetime | None = message.sent_at
    counts: dict[str, int] = {"parts": message.page, "recipients": message.recipients_count}
    recipient: Recipient
    for recipient in client.messages.recipients(bulk_id, page_size=50):
        counts[recipient.status] = counts.get(recipient.status, 0) + 1
    if sent_at is not None:
        counts["sent_year"] = sent_at.year
    return counts


def first_page_total(client: SpeedPayamak) -> int:
    page: Page[InboxMessage]
    for page in client.messages.inbox(page_size=10).pages():
        return page.meta.total
    return 0


def credit_left(client: SpeedPayamak) -> float:
    credit: float = client.credit()
    raw_credit: float = speedpayamak.unwrap(get_credit.sync_detailed(client=client.raw)).credit
    return min(credit, raw_credit)


def describe(error: SpeedPayamakError) -> str:
    if isinstance(error, ValidationError):
        fields: dict[str, list[str]] = error.field_errors
        return f"{error.status_code} {error.code}: {sorted(fields)}"
    return str(error)


async def replies(client: AsyncSpeedPayamak) -> list[str]:
    texts: list[str] = []
    message: InboxMessage
    async for message in client.messages.inbox(page_size=20):
        texts.append(f"{message.sender}: {message.message} at {message.time.isoformat()}")
    return texts


async def send_all(client: AsyncSpeedPayamak, line: str, numbers: Sequence[str]) -> list[int]:
    jobs = [client.messages.send(originator=line, recipients=[n], message="hi") for n in numbers]
    return list(await asyncio.gather(*jobs))


async def account_summary(client: AsyncSpeedPayamak) -> str:
    user = await client.user()
    username: str = user.username
    credit: float = await client.credit()
    return f"{username}: {credit:.1f}"


def send_code_once(
    client: SpeedPayamak, pattern: str, line: str, number: str, challenge: str
) -> int | None:
    """A one-time code keyed by its challenge; None while another worker is sending it."""
    try:
        return client.patterns.send(
            pattern_code=pattern,
            originator=line,
            recipient=number,
            values={"code": "402913"},
            idempotency_key=f"otp:{challenge}",
        )
    except SendInProgressError as exc:
        log.info("code for %s in flight elsewhere", exc.key)
        return None


def delivered(client: SpeedPayamak, bulk_id: int) -> tuple[list[str], list[str]]:
    """Recipients delivered, and those not final at the timeout."""
    final: list[str] = []
    try:
        for recipient in client.messages.follow(bulk_id, timeout=5, interval=0.5):
            if recipient.status == "delivered":
                final.append(recipient.recipient)
    except DeliveryTimeoutError as late:
        pending = [r.recipient for r in late.pending]
        return final, pending
    return final, []


def shared_campaign(
    client: SpeedPayamak, url: str, line: str, numbers: Sequence[str]
) -> BulkResult:
    """One run of a campaign that other workers share through PostgreSQL."""
    try:
        return client.messages.send_bulk(
            originator=line,
            recipients=numbers,
            message="sale",
            concurrency=4,
            journal=url,
            campaign="spring",
            lease=300.0,
        )
    except BulkSendError as exc:
        workers: tuple[CampaignWorker, ...] = speedpayamak.Journal(url, "spring").workers
        log.warning("%d workers; stopped: %s", len(workers), exc.result.stopped)
        return exc.result


async def follow_async(client: AsyncSpeedPayamak, bulk_id: int) -> list[str]:
    return [r.status async for r in client.messages.follow(bulk_id, timeout=5)]
