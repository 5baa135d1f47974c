"""The API subcommands, each on the public client."""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator
from typing import Any

from speedpayamak import (
    BulkResult,
    BulkSendError,
    InvalidRequestError,
    Page,
    SpeedPayamak,
    segments,
)

from ._output import ProgressBar, emit_json, pairs, table


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the API commands; `shared` holds the options each takes after its name too."""

    def add(name: str, run: Any, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(
            name, help=help, description=help, parents=[shared]
        )
        parser.set_defaults(run=run)
        return parser

    add("user", user, "show the account the API key belongs to")
    add("credit", credit, "show the remaining credit")

    send_parser = add("send", send, "send one text to one or more recipients")
    send_parser.add_argument(
        "--from", dest="originator", required=True, metavar="LINE", help="your line"
    )
    send_parser.add_argument(
        "--to", action="append", default=[], metavar="NUMBER", help="a recipient (repeat)"
    )
    send_parser.add_argument(
        "--to-file", metavar="FILE", help="recipients, one per line (# comments)"
    )
    send_parser.add_argument("--chunk-size", type=int, default=100, help="recipients per request")
    send_parser.add_argument("--dry-run", action="store_true", help="show the size and stop")
    send_parser.add_argument("message", nargs="?", help="the text (default: read from stdin)")

    message_parser = add("message", message, "show a sent message")
    message_parser.add_argument("bulk_id", type=int)

    recipients_parser = add("recipients", recipients, "list a send's recipients and their statuses")
    recipients_parser.add_argument("bulk_id", type=int)
    _listing_options(recipients_parser)

    inbox_parser = add("inbox", inbox, "list received messages")
    _listing_options(inbox_parser)

    pattern = commands.add_parser("pattern", help="create and send patterns")
    actions = pattern.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="create a pattern", description="Create a pattern.", parents=[shared]
    )
    create.add_argument("--pattern", required=True, help="the template, with %%name%% variables")
    create.add_argument("--description")
    create.add_argument("--shared", action="store_true", help="share the pattern")
    create.set_defaults(run=pattern_create)
    send_one = actions.add_parser(
        "send", help="send a pattern", description="Send a pattern.", parents=[shared]
    )
    send_one.add_argument("--code", required=True, help="the pattern code")
    send_one.add_argument("--from", dest="originator", required=True, metavar="LINE")
    send_one.add_argument("--to", dest="recipient", required=True, metavar="NUMBER")
    send_one.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="a value (repeat)"
    )
    send_one.set_defaults(run=pattern_send)


def _listing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, help="stop after this many items")
    parser.add_argument("--page-size", type=int, default=100, help="items per request")


def user(client: SpeedPayamak, args: argparse.Namespace) -> None:
    found = client.user().to_dict()
    if args.json:
        emit_json(found)
    else:
        print(pairs(list(found.items())))


def credit(client: SpeedPayamak, args: argparse.Namespace) -> None:
    amount = client.credit()
    if args.json:
        emit_json({"credit": amount})
    else:
        print(f"credit: {amount:g}")


def _recipients(args: argparse.Namespace) -> list[str]:
    numbers = list(args.to)
    if args.to_file:
        try:
            with open(args.to_file, encoding="utf-8") as listing:
                lines = [line.split("#", 1)[0].strip() for line in listing]
        except OSError as exc:
            raise InvalidRequestError(f"cannot read {args.to_file}: {exc.strerror}") from None
        numbers += [line for line in lines if line]
    if not numbers:
        raise InvalidRequestError("give at least one recipient with --to or --to-file")
    return numbers


def _text(args: argparse.Namespace) -> str:
    text: str = args.message if args.message is not None else sys.stdin.read().rstrip("\n")
    if not text.strip():
        raise InvalidRequestError("the message is empty")
    return text


def send(client: SpeedPayamak | None, args: argparse.Namespace) -> None:
    numbers, text = _recipients(args), _text(args)
    size = segments(text)
    sizing = {
        "encoding": size.encoding,
        "parts": size.parts,
        "length": size.length,
        "remaining": size.remaining,
    }
    if not args.json:
        print(
            f"{size.encoding}, {size.parts} part{'s' * (size.parts != 1)}, "
            f"{size.remaining} characters left in the last part; {len(numbers)} recipient(s)"
        )
    if args.dry_run or client is None:
        if args.json:
            emit_json({"dry_run": True, "segments": sizing, "recipients": len(numbers)})
        return
    bar = ProgressBar("sending")
    try:
        result = client.messages.send_bulk(
            originator=args.originator,
            recipients=numbers,
            message=text,
            chunk_size=args.chunk_size,
            progress=bar.update,
        )
    except BulkSendError as error:
        bar.finish()
        _report_bulk(error.result, sizing, args)
        raise
    bar.finish()
    _report_bulk(result, sizing, args)


def _report_bulk(result: BulkResult, sizing: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        emit_json(
            {
                "segments": sizing,
                "accepted": [
                    {"bulk_id": c.bulk_id, "recipients": list(c.recipients)}
                    for c in result.accepted
                ],
                "failed": list(result.failed.recipients) if result.failed else [],
                "unknown": list(result.unknown.recipients) if result.unknown else [],
                "not_sent": list(result.not_sent),
            }
        )
        return
    rows = [(c.bulk_id, len(c.recipients)) for c in result.accepted]
    if rows:
        print(table(["BULK ID", "RECIPIENTS"], rows))
    if result.unknown:
        print(f"outcome unknown (may have been sent): {', '.join(result.unknown.recipients)}")
    if result.failed:
        print(f"refused: {', '.join(result.failed.recipients)}")
    if result.not_sent:
        print(f"not sent: {', '.join(result.not_sent)}")


def message(client: SpeedPayamak, args: argparse.Namespace) -> None:
    found = client.messages.get(args.bulk_id).to_dict()
    if args.json:
        emit_json(found)
    else:
        print(pairs(list(found.items())))


def _limited(pages: Iterator[Page[Any]], args: argparse.Namespace, label: str) -> list[Any]:
    """Items across pages, up to --limit, with a progress bar on a terminal."""
    if args.limit is not None and args.limit < 0:
        raise InvalidRequestError("--limit must be 0 or more")
    bar = ProgressBar(label)
    items: list[Any] = []
    for page in pages:
        items.extend(page.items)
        bar.update(len(items), page.meta.total)
        if args.limit is not None and len(items) >= args.limit:
            break
    bar.finish()
    return list(itertools.islice(items, args.limit))


def recipients(client: SpeedPayamak, args: argparse.Namespace) -> None:
    pages = client.messages.recipients(args.bulk_id, page_size=args.page_size).pages()
    found = _limited(pages, args, "fetching statuses")
    if args.json:
        emit_json([r.to_dict() for r in found])
    else:
        print(table(["RECIPIENT", "STATUS"], [(r.recipient, r.status) for r in found]))


def inbox(client: SpeedPayamak, args: argparse.Namespace) -> None:
    found = _limited(
        client.messages.inbox(page_size=args.page_size).pages(), args, "fetching inbox"
    )
    if args.json:
        emit_json([m.to_dict() for m in found])
    else:
        rows = [(m.time.isoformat(), m.sender, m.number, m.message) for m in found]
        print(table(["TIME", "SENDER", "LINE", "MESSAGE"], rows))


def pattern_create(client: SpeedPayamak, args: argparse.Namespace) -> None:
    created = client.patterns.create(
        pattern=args.pattern, description=args.description, is_shared=args.shared
    )
    if args.json:
        emit_json(created.to_dict())
    else:
        print(
            pairs(
                [("code", created.code), ("status", created.status), ("message", created.message)]
            )
        )


def pattern_send(client: SpeedPayamak, args: argparse.Namespace) -> None:
    values: dict[str, str | int] = {}
    for pair in args.var:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise InvalidRequestError(f"--var takes NAME=VALUE, not {pair!r}")
        values[name] = value
    bulk_id = client.patterns.send(
        pattern_code=args.code, originator=args.originator, recipient=args.recipient, values=values
    )
    if args.json:
        emit_json({"bulk_id": bulk_id})
    else:
        print(f"bulk id: {bulk_id}")
