"""`speedpayamak demo`: the SDK's main job, end to end, against an in-process sandbox."""

from __future__ import annotations

from typing import Any

from ._output import pairs, table
from ._session import Session, add

LINE = "+9850002"
CUSTOMERS = ["09120000001", "09120000002", "09350000003"]


def register(commands: Any) -> None:
    add(
        commands,
        None,
        "demo",
        run,
        "run the main job against a local sandbox (no account needed)",
        "Send, follow delivery, read the inbox and check credit against an in-process "
        "sandbox served on 127.0.0.1, through the public client.",
    )


def _step(number: int, title: str) -> None:
    print(f"\n{number}. {title}")


def run(session: Session) -> None:
    from speedpayamak import SpeedPayamak, segments
    from speedpayamak.testing import Sandbox

    sandbox = Sandbox("demo-key", credit=500, lines=[LINE], price_per_part="1.5")
    sandbox.fail_deliveries_to(CUSTOMERS[2])
    with sandbox.serve() as base_url, SpeedPayamak("demo-key", base_url=base_url) as client:
        print(f"speedpayamak demo: a sandbox API at {base_url}")

        _step(1, "Account and credit")
        user = client.user()
        print(
            pairs([("user", f"{user.username} ({user.name})"), ("credit", f"{client.credit():g}")])
        )

        _step(2, "Send a text to several recipients")
        text = "Your order #1042 has shipped. Track it at example.com/t/1042"
        size = segments(text)
        bulk_id = client.messages.send(originator=LINE, recipients=CUSTOMERS, message=text)
        print(f"sent to {len(CUSTOMERS)} recipients: bulk id {bulk_id}")
        print(
            f"the text is {size.encoding}: {size.parts} part, {size.remaining} characters to spare"
        )

        _step(3, "Create, approve and send a one-time-code pattern")
        pattern = client.patterns.create(
            pattern="Your verification code is %code%", description="OTP"
        )
        print(f"pattern {pattern.code} created: {pattern.status}")
        sandbox.approve_pattern(pattern.code)
        otp_id = client.patterns.send(
            pattern_code=pattern.code,
            originator=LINE,
            recipient=CUSTOMERS[0],
            values={"code": 482913},
        )
        print(f"pattern approved; code sent to {CUSTOMERS[0]}: bulk id {otp_id}")

        _step(4, "Advance the sandbox clock by 10 seconds")
        sandbox.advance(10)
        message = client.messages.get(bulk_id)
        print(f"bulk {bulk_id}: {message.recipients_count} recipients, cost {message.cost:g}")

        _step(5, "Delivery statuses")
        rows = [(r.recipient, r.status) for r in client.messages.recipients(bulk_id)]
        print(table(["RECIPIENT", "STATUS"], rows))

        _step(6, "Inbox")
        sandbox.receive(CUSTOMERS[1], LINE, "Thanks, received!")
        replies = [(m.sender, m.number, m.message) for m in client.messages.inbox()]
        print(table(["SENDER", "LINE", "MESSAGE"], replies))

        _step(7, "Credit after")
        print(f"credit: {client.credit():g}")
    print("\ndemo complete")
