"""The API subcommands, each on the public client."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC
from typing import Any

from speedpayamak import (
    BulkResult,
    BulkSendError,
    CampaignWorker,
    InvalidRequestError,
    Journal,
    Page,
    SpeedPayamakError,
    _checks,
    segments,
)
from speedpayamak._logging import masked
from speedpayamak._transport import NOT_SENT_NOTE

from . import _input
from ._errors import EXIT_INTERRUPTED, EXIT_OUTCOME_UNKNOWN, Failed
from ._output import ProgressBar, pairs, table
from ._session import Session, Shown, add


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the API commands; `shared` holds the options each takes after its name too."""
    add(commands, shared, "user", user, "show the account the API key belongs to")
    add(commands, shared, "credit", credit, "show the remaining credit")

    send_parser = add(commands, shared, "send", send, "send one text to one or more recipients")
    send_parser.add_argument(
        "--from", dest="originator", required=True, metavar="LINE", help="your line"
    )
    send_parser.add_argument(
        "--to", action="append", default=[], metavar="NUMBER", help="a recipient (repeat)"
    )
    send_parser.add_argument(
        "--to-file", metavar="FILE", help="recipients, one per line (# comments)"
    )
    send_parser.add_argument(
        "--chunk-size",
        type=int,
        default=100,
        metavar="N",
        help="recipients per request (default: %(default)s)",
    )
    send_parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="chunks in flight at once (default: %(default)s)",
    )
    send_parser.add_argument(
        "--rate",
        type=float,
        metavar="PER_SECOND",
        help="at most this many requests a second, for the whole campaign (default: no limit)",
    )
    send_parser.add_argument(
        "--journal",
        metavar="FILE_OR_URL",
        help="record the campaign in an SQLite FILE or a postgresql:// URL; the same "
        "command run again, or at the same time elsewhere, joins or resumes it",
    )
    _campaign_option(send_parser)
    send_parser.add_argument(
        "--lease",
        type=float,
        metavar="SECONDS",
        help="how long a run silent in the journal is still taken for alive (default: the "
        "longest a chunk's request can take, plus 15 s)",
    )
    send_parser.add_argument(
        "--resend-unknown",
        action="store_true",
        help="on resume, send again the chunks whose outcome is unknown",
    )
    _key_option(send_parser)
    send_parser.add_argument("--dry-run", action="store_true", help="show the size and stop")
    send_parser.add_argument("message", nargs="?", help="the text (default: read from stdin)")

    campaign_parser = add(
        commands, shared, "campaign", campaign, "show a campaign's ledger from its journal"
    )
    campaign_parser.add_argument(
        "journal", metavar="FILE_OR_URL", help="the campaign's journal: an SQLite file or a URL"
    )
    _campaign_option(campaign_parser)

    message_parser = add(commands, shared, "message", message, "show a sent message")
    message_parser.add_argument("bulk_id", type=int, help="the bulk id a send returned")

    recipients_parser = add(
        commands, shared, "recipients", recipients, "list a send's recipients and their statuses"
    )
    recipients_parser.add_argument("bulk_id", type=int, help="the bulk id a send returned")
    _listing_options(recipients_parser)

    inbox_parser = add(commands, shared, "inbox", inbox, "list received messages")
    _listing_options(inbox_parser)

    pattern = commands.add_parser("pattern", help="create and send patterns")
    actions = pattern.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = add(actions, shared, "create", pattern_create, "create a pattern")
    create.add_argument("--pattern", required=True, help="the template, with %%name%% variables")
    create.add_argument("--description", help="a note for the provider's reviewers")
    create.add_argument("--shared", action="store_true", help="share the pattern")
    send_one = add(actions, shared, "send", pattern_send, "send a pattern to one recipient")
    send_one.add_argument("--code", required=True, help="the pattern code")
    send_one.add_argument(
        "--from", dest="originator", required=True, metavar="LINE", help="your line"
    )
    send_one.add_argument(
        "--to",
        dest="recipient",
        action="append",
        required=True,
        metavar="NUMBER",
        help="the recipient (one)",
    )
    send_one.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="a value (repeat)"
    )
    send_one.add_argument("--journal", metavar="FILE_OR_URL", help="the store of idempotency keys")
    _key_option(send_one)


def _key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="send once for KEY: run again with it, and the first run's bulk id is shown "
        "without sending (needs --journal, the store of the keys)",
    )


def _campaign_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--campaign",
        metavar="NAME",
        help="the campaign's name in the journal (required with a postgresql:// URL)",
    )


def _listing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, help="stop after this many items")
    parser.add_argument(
        "--page-size", type=int, default=100, help="items per request (default: %(default)s)"
    )


def user(session: Session) -> Shown:
    found = session.client.user().to_dict()
    return Shown(found, pairs(list(found.items())))


def credit(session: Session) -> Shown:
    amount = session.client.credit()
    return Shown({"credit": amount}, f"credit: {amount:g}")


def send(session: Session) -> Shown:
    args = session.args
    # The settings first: a bad one is refused before anything is read or printed.
    _checks.positive_int("chunk_size", args.chunk_size)
    _checks.positive_int("concurrency", args.concurrency)
    if args.rate is not None:
        _checks.positive_number("max_rate", args.rate)
    if args.idempotency_key is not None:
        _needs_journal(args)
    numbers, text = _input.recipients(args.to, args.to_file), _input.message(args.message)
    size = segments(text)
    sizing = {
        "encoding": size.encoding,
        "parts": size.parts,
        "length": size.length,
        "remaining": size.remaining,
    }
    session.show(
        Shown(
            None,
            f"{size.encoding}, {size.parts} part{'s' * (size.parts != 1)}, "
            f"{size.remaining} characters left in the last part; {len(numbers)} recipient(s)",
        )
    )
    if args.dry_run:
        return Shown({"dry_run": True, "segments": sizing, "recipients": len(numbers)}, "")
    if args.idempotency_key is not None:  # one request, sent once for its key
        return _one_send(
            session,
            {"recipients": [masked(n) for n in numbers]},
            lambda: session.client.messages.send(
                originator=args.originator,
                recipients=numbers,
                message=text,
                idempotency_key=args.idempotency_key,
            ),
        )
    bar = ProgressBar("sending")
    handle = session.client.messages.bulk(
        originator=args.originator,
        recipients=numbers,
        message=text,
        chunk_size=args.chunk_size,
        concurrency=args.concurrency,
        max_rate=args.rate,
        journal=args.journal,
        campaign=args.campaign,
        lease=args.lease,
        resend_unknown=args.resend_unknown,
        progress=bar.update,
    )
    earlier = handle.result  # with a journal, what earlier or other runs already did
    done = len(earlier.accepted_recipients) + len(earlier.unknown_recipients)
    if args.journal is not None and done:
        session.show(
            Shown(
                None,
                f"resuming: {len(earlier.accepted_recipients)} of {len(numbers)} recipients "
                f"already accepted, {len(earlier.unknown_recipients)} unknown, "
                f"{len(earlier.not_sent) + len(earlier.failed_recipients)} left to send",
            ),
            to_stderr=True,
        )
    signals = _GracefulStop(handle.stop)
    try:
        with signals:
            result = handle.send()
    except BulkSendError as error:
        bar.finish()
        if signals.received:
            raise _interrupted(session, error.result, sizing) from None
        result, cause = error.result, error.__cause__
        alone = len(result.failed) + len(result.unknown) == 1 and not result.accepted
        if (
            alone
            and not result.not_sent
            and args.journal is None
            and isinstance(cause, SpeedPayamakError)
        ):
            raise cause from None  # one request: its own error says it all
        session.show(_bulk_report(result, sizing))
        raise
    except KeyboardInterrupt:
        # A second Ctrl-C or SIGTERM: the chunks in flight were abandoned, as `unknown`.
        bar.finish()
        raise _interrupted(session, handle.result, sizing) from None
    bar.finish()
    return _bulk_report(result, sizing)


def _needs_journal(args: argparse.Namespace) -> None:
    if args.journal is None:
        raise InvalidRequestError(
            "--idempotency-key needs --journal FILE_OR_URL: the store of the keys, shared by "
            "every run that may repeat the send"
        )


def _interrupted(session: Session, ledger: BulkResult, sizing: dict[str, Any]) -> Failed:
    """Say what went out before leaving; exit 7 when a chunk may have gone out."""
    session.show(_bulk_report(ledger, sizing, masked_numbers=True), to_stderr=True)
    status = EXIT_OUTCOME_UNKNOWN if ledger.unknown else EXIT_INTERRUPTED
    resume = (
        "run the same command again to resume"
        if session.args.journal is not None
        else "with --journal FILE, running the same command again would resume"
    )
    return Failed(status, f"interrupted; the ledger above says what was sent; {resume}")


class _GracefulStop:
    """While a send runs, the first Ctrl-C or SIGTERM stops it gracefully (no chunk
    starts, those in flight finish); the next one interrupts at once."""

    def __init__(self, stop: Callable[[], None]) -> None:
        self._stop = stop
        self.received = 0
        self._before: list[Any] = []

    def _on_signal(self, signum: int, frame: object) -> None:
        self.received += 1
        if self.received > 1:
            raise KeyboardInterrupt
        self._stop()

    def __enter__(self) -> None:
        self._before = [signal.signal(s, self._on_signal) for s in _STOPPING]

    def __exit__(self, *exc_info: object) -> None:
        for sig, before in zip(_STOPPING, self._before, strict=True):
            signal.signal(sig, before)


_STOPPING = (signal.SIGINT, signal.SIGTERM)


def campaign(session: Session) -> Shown:
    journal = Journal(session.args.journal, session.args.campaign)
    return _bulk_report(journal.result, None, journal.workers)


def _when(seconds: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


SHOWN_BULK_IDS = 10


def _bulk_report(
    result: BulkResult,
    sizing: dict[str, Any] | None,
    workers: Sequence[CampaignWorker] = (),
    *,
    masked_numbers: bool = False,
) -> Shown:
    """A bulk send's ledger: counts per state, bulk ids, who failed or is unknown and
    why, and (for a journal) the runs that took part."""

    def numbers_of(numbers: tuple[str, ...]) -> str:  # masked on an interruption's stderr
        return _input.shortened(tuple(masked(n) for n in numbers) if masked_numbers else numbers)

    document: dict[str, Any] = {
        "counts": {
            "accepted": len(result.accepted_recipients),
            "failed": len(result.failed_recipients),
            "unknown": len(result.unknown_recipients),
            "not_sent": len(result.not_sent),
        },
        "accepted": [
            {"bulk_id": c.bulk_id, "recipients": list(c.recipients)} for c in result.accepted
        ],
        "failed": [
            {"recipients": list(c.recipients), "error": str(c.error)} for c in result.failed
        ],
        "unknown": [
            {"recipients": list(c.recipients), "error": str(c.error)} for c in result.unknown
        ],
        "not_sent": list(result.not_sent),
    }
    if sizing is not None:
        document = {"segments": sizing, **document}
    counts = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in document["counts"].items())
    lines = [f"recipients: {counts}"]
    rows = [(c.bulk_id, len(c.recipients)) for c in result.accepted]
    if rows:  # a million recipients make 10,000 rows: the first few, and where the rest are
        lines.append(table(["BULK ID", "RECIPIENTS"], rows[:SHOWN_BULK_IDS]))
        if len(rows) > SHOWN_BULK_IDS:
            lines.append(
                f"... and {len(rows) - SHOWN_BULK_IDS} more bulk ids (all of them: --json, or "
                "`speedpayamak campaign JOURNAL` for a campaign with a journal)"
            )
    for chunk in result.unknown:
        shown = numbers_of(chunk.recipients)
        lines.append(f"outcome unknown (may have been sent; {chunk.error}): {shown}")
    for chunk in result.failed:
        lines.append(f"not sent ({chunk.error}): {numbers_of(chunk.recipients)}")
    if result.not_sent:
        lines.append(f"never attempted: {numbers_of(result.not_sent)}")
    if workers:
        document["workers"] = [
            {
                "id": w.id,
                "host": w.host,
                "pid": w.pid,
                "heartbeat": _when(w.heartbeat),
                "state": w.state,
            }
            for w in workers
        ]
        listed = [(w.host, w.pid, _when(w.heartbeat), w.state) for w in workers]
        lines.append(table(["HOST", "PID", "LAST HEARTBEAT", "STATE"], listed))
    return Shown(document, "\n".join(lines))


def message(session: Session) -> Shown:
    found = session.client.messages.get(session.args.bulk_id).to_dict()
    return Shown(found, pairs(list(found.items())))


def _listing(
    session: Session,
    pages: Iterator[Page[Any]],
    label: str,
    columns: Sequence[tuple[str, int]],
    row: Callable[[Any], Sequence[object]],
) -> Shown:
    """Items across pages, up to --limit. For a person each page is printed as it arrives
    (`| head` stops the fetching); under --json they make one document at the end."""
    args = session.args
    if args.limit is not None and args.limit < 0:
        raise InvalidRequestError("--limit must be 0 or more")
    bar = ProgressBar(label)
    kept: list[Any] = []
    shown = 0
    for page in pages:
        items = list(page.items)[: None if args.limit is None else args.limit - shown]
        if args.json:
            kept.extend(items)
        else:
            if not shown and items:
                print(_line([name for name, _ in columns], columns))
                print(_line(["-" * width for _, width in columns], columns))
            for item in items:
                print(_line([str(cell) for cell in row(item)], columns))
            sys.stdout.flush()
        shown += len(items)
        total = page.meta.total if args.limit is None else min(args.limit, page.meta.total)
        if total:  # an empty listing draws no 0/0
            bar.update(shown, total)
        if args.limit is not None and shown >= args.limit:
            break
    bar.finish()
    if args.json:
        return Shown([item.to_dict() for item in kept], "")
    return Shown(None, "" if shown else "(none)")


def _line(cells: Sequence[str], columns: Sequence[tuple[str, int]]) -> str:
    padded = [
        c.replace("\n", " ").ljust(width) for c, (_, width) in zip(cells, columns, strict=True)
    ]
    return "  ".join(padded).rstrip()


def recipients(session: Session) -> Shown:
    args = session.args
    pages = session.client.messages.recipients(args.bulk_id, page_size=args.page_size).pages()
    columns = [("RECIPIENT", 15), ("STATUS", 10)]
    return _listing(session, pages, "fetching statuses", columns, lambda r: (r.recipient, r.status))


def inbox(session: Session) -> Shown:
    args = session.args
    pages = session.client.messages.inbox(page_size=args.page_size).pages()
    columns = [("TIME", 25), ("SENDER", 15), ("LINE", 15), ("MESSAGE", 0)]
    return _listing(
        session,
        pages,
        "fetching inbox",
        columns,
        lambda m: (m.time.isoformat(), m.sender, m.number, m.message),
    )


def pattern_create(session: Session) -> Shown:
    args = session.args
    created = session.client.patterns.create(
        pattern=args.pattern, description=args.description, is_shared=args.shared
    )
    shown = [("code", created.code), ("status", created.status), ("message", created.message)]
    return Shown(created.to_dict(), pairs(shown))


def pattern_send(session: Session) -> Shown:
    """One recipient and one value per variable: a repeated --to or --var is refused
    rather than silently keeping the last."""
    args = session.args
    if len(args.recipient) > 1:
        raise InvalidRequestError("pattern send takes one --to; run it once per recipient")
    values: dict[str, str | int] = {}
    for pair in args.var:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise InvalidRequestError(f"--var takes NAME=VALUE, not {pair!r}")
        if name in values:
            raise InvalidRequestError(f"--var {name}= is given twice")
        values[name] = value
    if args.idempotency_key is not None:
        _needs_journal(args)
    return _one_send(
        session,
        {"pattern_code": args.code, "recipient": masked(args.recipient[0])},
        lambda: session.client.patterns.send(
            pattern_code=args.code,
            originator=args.originator,
            recipient=args.recipient[0],
            values=values,
            idempotency_key=args.idempotency_key,
        ),
    )


def _one_send(session: Session, sent: dict[str, Any], send: Callable[[], int]) -> Shown:
    """One request, and what Ctrl-C leaves of it: nothing sent (exit 130), or a send
    that may have gone out (exit 7), said with what was sent (numbers masked)."""
    try:
        bulk_id = send()
    except KeyboardInterrupt as interrupt:
        if NOT_SENT_NOTE in getattr(interrupt, "__notes__", ()):
            raise Failed(EXIT_INTERRUPTED, "interrupted before anything was sent") from None
        shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sent.items())
        session.show(
            Shown({"outcome": "unknown", **sent}, f"the send may have gone out ({shown})"),
            to_stderr=True,
        )
        raise Failed(
            EXIT_OUTCOME_UNKNOWN,
            "interrupted while waiting for the answer: the send may have gone out; "
            "check before sending again",
        ) from None
    return Shown({"bulk_id": bulk_id}, f"bulk id: {bulk_id}")
