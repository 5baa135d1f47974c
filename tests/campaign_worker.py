"""One worker of a shared campaign, as a process of its own:
`python -m tests.campaign_worker SETTINGS_JSON`. Prints the campaign's result as JSON on
stdout; exits 0 when every recipient was accepted, 1 on BulkSendError."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from speedpayamak import AsyncSpeedPayamak, BulkResult, BulkSendError, SpeedPayamak


def numbers(count: int) -> list[str]:
    return [f"+98912{n:07d}" for n in range(count)]


def report(result: BulkResult, stopped_by: BaseException | None) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "accepted": [[c.bulk_id, list(c.recipients)] for c in result.accepted],
        "unknown": list(result.unknown_recipients),
        "failed": list(result.failed_recipients),
        "not_sent": list(result.not_sent),
        "cause": None if stopped_by is None else f"{type(stopped_by).__name__}: {stopped_by}",
    }


def main() -> int:
    settings: dict[str, Any] = json.loads(sys.argv[1])
    client_options = {
        "api_key": settings["key"],
        "base_url": settings["base_url"],
        "max_retries": settings.get("max_retries", 8),
        "timeout": settings.get("timeout", 10.0),
    }
    options = {
        "originator": settings["line"],
        "recipients": numbers(settings["recipients"]),
        "message": "x",
        "chunk_size": settings.get("chunk_size", 10),
        "concurrency": settings.get("concurrency", 4),
        "max_rate": settings.get("max_rate"),
        "journal": settings["journal"],
        "campaign": settings.get("campaign"),
        "lease": settings.get("lease"),
    }
    started = time.time()
    try:
        if settings.get("mode") == "async":

            async def run() -> BulkResult:
                async with AsyncSpeedPayamak(**client_options) as client:
                    return await client.messages.send_bulk(**options)

            result = asyncio.run(run())
        else:
            with SpeedPayamak(**client_options) as client:
                result = client.messages.send_bulk(**options)
    except BulkSendError as error:
        print(json.dumps(report(error.result, error.__cause__)), flush=True)
        return 1
    # The benchmark times the campaign, not the interpreter's start-up.
    print(json.dumps({**report(result, None), "started": started, "ended": time.time()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
