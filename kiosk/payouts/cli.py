"""`payouts sync | list | show PO | export`: Stripe's payouts matched to our receipts."""

from __future__ import annotations

import argparse
import io
import json
from datetime import date
from typing import Any

from kiosk.errors import CommandError

DEFAULT_DAYS = 7
EXPORT_COLUMNS = (
    "payout",
    "arrival_date",
    "payout_status",
    "balance_transaction",
    "type",
    "source",
    "amount",
    "fee",
    "net",
    "currency",
    "receipt",
    "refund_note",
    "matched",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("payouts", help="Stripe payouts matched to receipts (accounts office)")
    verbs = p.add_subparsers(dest="payouts_verb", metavar="VERB", required=True)
    s = verbs.add_parser("sync", help="fetch payouts and their balance transactions")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=run_sync)
    ls = verbs.add_parser("list", help="payouts with gross, fees, refunds, net and exceptions")
    ls.add_argument("--json", action="store_true")
    ls.add_argument(
        "--days",
        type=int,
        default=DEFAULT_DAYS,
        help=f"flag Stripe receipts in no payout after N days (default {DEFAULT_DAYS})",
    )
    ls.set_defaults(func=run_list)
    show = verbs.add_parser("show", help="one payout's lines, each matched to a receipt")
    show.add_argument("payout", metavar="PO")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)
    ex = verbs.add_parser("export", help="one CSV row per payout line, for the accounts office")
    _export_args(ex, run_export)
    j = sub.add_parser("journal", help="double-entry journal by fee component (accounts)")
    jverbs = j.add_subparsers(dest="journal_verb", metavar="VERB", required=True)
    _export_args(
        jverbs.add_parser("export", help="debit/credit rows per day and account"), run_journal
    )


def _export_args(p: argparse.ArgumentParser, func: Any) -> None:
    p.add_argument("--from", dest="date_from", type=_date, required=True, metavar="DATE")
    p.add_argument("--to", dest="date_to", type=_date, required=True, metavar="DATE")
    p.add_argument("--format", choices=("csv",), default="csv")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.set_defaults(func=func)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def run_sync(args: argparse.Namespace) -> int:
    from kiosk.payments.command_gateway import command_gateway
    from kiosk.payouts.sync import sync_payouts

    result = sync_payouts(args.ctx, command_gateway(args.ctx))
    if args.json:
        print(json.dumps(result.__dict__))
    else:
        print(f"{result.fetched} payout(s) fetched ({result.lines} lines), {result.skipped} final")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from kiosk.payouts.report import reports, unpaid_receipts

    if args.days < 0:
        raise CommandError("--days can't be negative")
    with args.ctx.ledger.read() as s:
        found = reports(s)
        unpaid = unpaid_receipts(s, args.days)
    if args.json:
        out = {
            "payouts": [r.summary() for r in found],
            "exceptions": [p.__dict__ for p in unpaid],
        }
        print(json.dumps(out, indent=2))
        return 0
    locale = str(args.ctx.settings.get("desk.locale"))
    for r in found:
        print(_line(r, locale))
    for p in unpaid:
        print(f"! {p.message}")
    if not found:
        print("no payouts synced yet: run `payouts sync`")
    return 0


def _line(r: Any, locale: str) -> str:
    from kiosk.money import format_money

    def m(v: int) -> str:
        return format_money(v, r.currency, locale)

    state = "matched" if r.matched else f"{len(r.exceptions)} exception(s)"
    return (
        f"{r.id}  {r.status:<8} {r.arrival_date}  gross {m(r.gross)}  fees {m(r.fees)} "
        f"(GST {m(r.gst)})  refunds {m(r.refunds)}  net {m(r.net)}  {state}"
    )


def run_show(args: argparse.Namespace) -> int:
    from kiosk.ledger.models import StripePayout
    from kiosk.payouts.report import Matcher, build

    with args.ctx.ledger.read() as s:
        payout = s.get(StripePayout, args.payout)
        if payout is None:
            raise CommandError(f"no payout {args.payout!r} in the ledger: run `payouts sync`")
        report = build(s, payout, Matcher(s))
    if args.json:
        print(json.dumps(report.detail(), indent=2))
        return 0
    print(_line(report, str(args.ctx.settings.get("desk.locale"))))
    for line in report.lines:
        ours = line.receipt or line.refund_note or ""
        mark = "ok" if line.matched else "!!"
        print(f"  {mark} {line.type:<15} {line.source:<30} {line.amount:>12} {line.fee:>8} {ours}")
    for p in report.exceptions:
        print(f"! {p.message}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from kiosk.payouts.report import reports

    if args.date_to < args.date_from:
        raise CommandError("--to is before --from")
    with args.ctx.ledger.read() as s:
        found = [
            r
            for r in reports(s)
            if args.date_from.isoformat() <= r.arrival_date <= args.date_to.isoformat()
        ]
    rows = [_row(r, line) for r in found for line in r.lines]
    return _write_csv(args.out, EXPORT_COLUMNS, rows)


def _write_csv(out: str | None, columns: tuple[str, ...], rows: list[list[Any]]) -> int:
    from kiosk.csv_safe import SafeWriter

    buf = io.StringIO()
    writer = SafeWriter(buf)
    writer.writerow(columns)
    writer.writerows(rows)
    if out:
        from kiosk.atomic import write_text

        write_text(out, buf.getvalue())
    else:
        print(buf.getvalue(), end="")
    return 0


def run_journal(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from kiosk.payouts.journal import Accounts, journal

    if args.date_to < args.date_from:
        raise CommandError("--to is before --from")
    settings = args.ctx.settings
    try:
        accounts = Accounts.from_settings(settings)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    tz = ZoneInfo(str(settings.get("desk.timezone")))
    with args.ctx.ledger.read() as s:
        rows = journal(s, accounts, args.date_from, args.date_to, tz)
    columns = ("date", "account", "memo", "debit", "credit", "currency")
    body = [[r.day.isoformat(), r.account, r.memo, r.debit, r.credit, r.currency] for r in rows]
    return _write_csv(args.out, columns, body)


def _row(r: Any, line: Any) -> list[Any]:
    """Ids, dates and integer minor units (kept numeric by the safe writer)."""
    return [
        r.id,
        r.arrival_date,
        r.status,
        line.balance_transaction,
        line.type,
        line.source,
        line.amount,
        line.fee,
        line.net,
        r.currency,
        line.receipt or "",
        line.refund_note or "",
        "yes" if line.matched else "no",
    ]
