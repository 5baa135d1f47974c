"""One keyed send as a process of its own: `python -m tests.keyed_worker SETTINGS_JSON`.
Prints {"bulk_id": N} or {"error": CLASS, "message": TEXT} as JSON on stdout."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from speedpayamak import AsyncSpeedPayamak, SpeedPayamak, SpeedPayamakError


def main() -> int:
    settings: dict[str, Any] = json.loads(sys.argv[1])
    client_options: dict[str, Any] = {
        "api_key": settings["key"],
        "base_url": settings["base_url"],
        "journal": settings["journal"],
        "timeout": settings.get("timeout", 10.0),
        "max_retries": settings.get("max_retries", 2),
    }
    send: dict[str, Any] = {
        "originator": settings["line"],
        "recipients": [settings.get("to", "09120000001")],
        "message": settings.get("text", "your code is 4821"),
        "idempotency_key": settings["idempotency_key"],
    }
    try:
        if settings.get("mode") == "async":

            async def run() -> int:
                async with AsyncSpeedPayamak(**client_options) as client:
                    return await client.messages.send(**send)

            bulk_id = asyncio.run(run())
        else:
            with SpeedPayamak(**client_options) as client:
                bulk_id = client.messages.send(**send)
    except SpeedPayamakError as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}), flush=True)
        return 1
    print(json.dumps({"bulk_id": bulk_id}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
