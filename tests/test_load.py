"""Load over real HTTP, with faults mixed in: every returned bulk id is in the outbox exactly
once, every raised call is accounted for by its error type, credit arithmetic is exact,
and no connection or file descriptor is left open."""

from __future__ import annotations

import asyncio
import collections
import os
import threading
import time
from decimal import Decimal
from typing import Literal

import pytest
from speedpayamak import (
    AsyncSpeedPayamak,
    OutcomeUnknownError,
    ServerError,
    SpeedPayamak,
    SpeedPayamakError,
)
from speedpayamak.testing import Fault, Sandbox

from tests.conftest import KEY, LINE

PRICE = Decimal("0.1")
CREDIT = Decimal(100_000)
DROPPED = 25  # answers lost after the send was applied
REFUSED = 25  # 503s: nothing applied


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def loaded_sandbox() -> Sandbox:
    sandbox = Sandbox(KEY, credit=CREDIT, lines=[LINE], price_per_part=PRICE)
    sandbox.inject(Fault.drop_after_processing(), method="POST", times=DROPPED)
    sandbox.inject(Fault.status_code(503), method="POST", times=REFUSED)
    return sandbox


def settle(before: int) -> int:
    """Descriptors open now, given a moment for server threads to close theirs."""
    deadline = time.monotonic() + 5
    while open_descriptors() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    return open_descriptors()


def check_accounting(
    sandbox: Sandbox, ids: list[int], errors: collections.Counter[type], calls: int
) -> None:
    assert len(ids) + sum(errors.values()) == calls
    assert errors == {OutcomeUnknownError: DROPPED, ServerError: REFUSED}
    outbox = collections.Counter(m.bulk_id for m in sandbox.outbox)
    assert set(outbox.values()) == {1}  # nothing sent twice
    assert set(ids) <= set(outbox)  # every returned id was really sent
    assert len(ids) == len(set(ids))
    assert len(outbox) == len(ids) + DROPPED  # the lost answers were applied
    assert sandbox.credit() == CREDIT - PRICE * len(outbox)
    assert sandbox.requests_to("POST", "/v1/messages") == calls


@pytest.mark.slow
def test_threads_sharing_one_sync_client() -> None:
    threads, per_thread = 16, 125
    before = open_descriptors()
    sandbox = loaded_sandbox()
    ids: list[int] = []
    errors: collections.Counter[type] = collections.Counter()
    lock = threading.Lock()
    with sandbox.serve() as base_url, SpeedPayamak(KEY, base_url=base_url) as client:

        def worker(index: int) -> None:
            for n in range(per_thread):
                try:
                    bulk_id = client.messages.send(
                        originator=LINE, recipients=[f"0912{index:03d}{n:04d}"], message="load"
                    )
                except SpeedPayamakError as error:
                    with lock:
                        errors[type(error)] += 1
                else:
                    with lock:
                        ids.append(bulk_id)

        pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    check_accounting(sandbox, ids, errors, threads * per_thread)
    assert settle(before) <= before  # none left open (fewer: an earlier test's was collected)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
def test_hundreds_of_tasks_on_one_async_client(backend: Literal["httpx", "aiohttp"]) -> None:
    tasks, per_task = 200, 10
    before = open_descriptors()
    sandbox = loaded_sandbox()
    ids: list[int] = []
    errors: collections.Counter[type] = collections.Counter()

    async def main(base_url: str) -> None:
        async with AsyncSpeedPayamak(KEY, base_url=base_url, http_backend=backend) as client:

            async def task(index: int) -> None:
                for n in range(per_task):
                    try:
                        ids.append(
                            await client.messages.send(
                                originator=LINE,
                                recipients=[f"0912{index:03d}{n:04d}"],
                                message="load",
                            )
                        )
                    except SpeedPayamakError as error:
                        errors[type(error)] += 1

            await asyncio.gather(*(task(i) for i in range(tasks)))

    with sandbox.serve() as base_url:
        asyncio.run(main(base_url))
    check_accounting(sandbox, ids, errors, tasks * per_task)
    assert settle(before) <= before  # none left open (fewer: an earlier test's was collected)
