"""`counter open|status|close|list|report`: the counter session.

    python main.py counter open --float 5,000 --as ravi
    python main.py counter close --count "500x12,200x5,100x7,coins=230" --as ravi \\
        [--approve-as asha --reason "₹50 short: change error"]
    python main.py counter status|list [--json]
    python main.py counter report CS-2026-000001 [--to-file report.pdf] [--layout a4]

`--as USER` asks for that user's password in a terminal, or takes FEE_KIOSK_PASSWORD;
`--approve-as SUPERVISOR` takes FEE_KIOSK_SUPERVISOR_PASSWORD. The counter's tenders are
taken by `pay --channel cash|cheque|dd|bank-transfer` (kiosk.cli.tender_commands), and
cheques and drafts cleared or bounced by `payments clear|bounce` (clearance_commands).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kiosk.cli.counter_args import counter_call, money_arg, show_money
from kiosk.cli.errors import CommandError
from kiosk.cli.passwords import staff_user, supervisor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kiosk.context import Context
    from kiosk.ledger.counter_models import CounterSession


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    counter = sub.add_parser("counter", help="the counter session: float, tenders, counted close")
    csub = counter.add_subparsers(dest="counter_command", metavar="ACTION", required=True)
    p = csub.add_parser("open", help="open this desk's counter with a float")
    p.add_argument("--float", dest="float_amount", required=True, help="cash in the drawer")
    p.add_argument("--as", dest="as_user", required=True, help="the cashier opening it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_open)
    p = csub.add_parser("status", help="this desk's open session and the cash expected")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)
    p = csub.add_parser("close", help="close the counter with the drawer's count")
    p.add_argument("--count", required=True, help='by denomination: "500x12,200x5,coins=230"')
    p.add_argument("--as", dest="as_user", required=True, help="the cashier closing it")
    p.add_argument("--approve-as", dest="approver", help="supervisor approving a variance")
    p.add_argument("--reason", default="", help="why the count differs (with --approve-as)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_close)
    p = csub.add_parser("report", help="a session's report (text, or a PDF with --to-file)")
    p.add_argument("session", help="session number (CS-2026-000001)")
    p.add_argument("--to-file", help="write the PDF report here")
    p.add_argument("--layout", choices=["a4", "thermal80"], default="a4")
    p.set_defaults(func=cmd_report)
    p = csub.add_parser("list", help="counter sessions, newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_list)


def cmd_open(args: argparse.Namespace) -> int:
    from kiosk.ledger.counter import open_session

    ctx = args.ctx
    currency = str(ctx.settings.get("desk.currency"))
    float_minor = money_arg(ctx, args.float_amount, currency, "--float")
    user = staff_user(ctx, args.as_user, "opening the counter")

    def run() -> str:
        with ctx.ledger.begin() as s:
            return open_session(
                s, desk=ctx.desk, currency=currency, float_minor=float_minor, user=user
            ).number

    number = counter_call(run)
    if args.json:
        with ctx.ledger.read() as s:
            from kiosk.ledger.counter import by_number

            print(json.dumps(_status_json(ctx, s, by_number(s, number)), indent=2))
        return 0
    print(f"{number} open at {ctx.desk} with a float of {show_money(ctx, float_minor, currency)}")
    return 0


def _status_json(ctx: Context, s: Session, row: CounterSession) -> dict[str, Any]:
    from kiosk.ledger.counter_figures import session_figures, session_json

    blind = bool(ctx.settings.get("counter.blind_close"))
    return session_json(s, row, session_figures(s, row), blind=blind)


def cmd_status(args: argparse.Namespace) -> int:
    from kiosk.ledger.counter import open_for

    ctx = args.ctx
    with ctx.ledger.read() as s:
        row = open_for(s, ctx.desk)
        data = _status_json(ctx, s, row) if row is not None else None
    if args.json:
        print(json.dumps(data or {"desk": ctx.desk, "status": "closed", "session": None}))
        return 0 if data else 1
    if data is None:
        print(f"{ctx.desk}: no counter session open (`counter open --float AMOUNT --as USER`)")
        return 1
    print(_describe(ctx, data))
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    from kiosk.ledger.cash_count import notes_for, parse_count
    from kiosk.ledger.counter import CloseRequest, close_session, open_for

    ctx = args.ctx
    with ctx.ledger.read() as s:
        row = open_for(s, ctx.desk)
        currency = row.currency if row else str(ctx.settings.get("desk.currency"))
    if row is None:
        raise CommandError(f"{ctx.desk} has no counter session open")
    notes = counter_call(
        lambda: notes_for(currency, str(ctx.settings.get("counter.denominations")))
    )
    locale = str(ctx.settings.get("desk.locale"))
    count = counter_call(lambda: parse_count(args.count, currency, notes, locale))
    closer = staff_user(ctx, args.as_user, "closing the counter")
    approver = (
        supervisor(ctx, args.approver, "Approve variance", row.number) if args.approver else None
    )

    def run() -> dict[str, Any]:
        with ctx.ledger.begin() as s:
            blind = bool(ctx.settings.get("counter.blind_close"))
            request = CloseRequest(count, closer, approver, args.reason, locale, blind)
            return _status_json(ctx, s, close_session(s, ctx.desk, request))

    data = counter_call(run)
    print(json.dumps(data) if args.json else _describe(ctx, data))
    return 0


def _when(ctx: Context, iso: str) -> str:
    from kiosk.clock import desk_zone, stamp

    return stamp(datetime.fromisoformat(iso), desk_zone(ctx.settings))


def _describe(ctx: Context, d: dict[str, Any]) -> str:
    from kiosk.ledger.counter_figures import CHANNEL_LABELS

    cur = d["currency"]
    lines = [
        f"{d['session']} at {d['desk']}: {d['status']}, opened by {d['opened_by']} "
        f"at {_when(ctx, d['opened_at'])}"
        + (
            f", closed by {d['closed_by']} at {_when(ctx, d['closed_at'])}"
            if d["closed_at"]
            else ""
        ),
        f"  float          {show_money(ctx, d['float'], cur)}",
        f"  cash in        {show_money(ctx, d['cash_in'], cur)}",
        f"  cash refunds   {show_money(ctx, d['cash_refunds'], cur)}",
        f"  expected cash  {show_money(ctx, d['expected_cash'], cur)}",
    ]
    if d["counted"] is not None:
        lines.append(f"  counted        {show_money(ctx, d['counted'], cur)}")
        variance = d["variance"] or 0
        words = "exact" if not variance else ("over" if variance > 0 else "short")
        lines.append(f"  variance       {show_money(ctx, abs(variance), cur)} {words}")
        if d["approved_by"]:
            lines.append(f"  approved by    {d['approved_by']}: {d['variance_reason']}")
    for channel, tally in d["by_channel"].items():
        label = CHANNEL_LABELS.get(channel, channel)
        lines.append(f"  {label:<16} {tally['count']} × {show_money(ctx, tally['amount'], cur)}")
    if d["pending_clearance"]["count"]:
        p = d["pending_clearance"]
        lines.append(f"  awaiting clearance: {p['count']}, {show_money(ctx, p['amount'], cur)}")
    if d["receipts"]["first"]:
        lines.append(f"  receipts       {d['receipts']['first']} … {d['receipts']['last']}")
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from kiosk.ledger.counter_figures import session_figures, session_json
    from kiosk.ledger.counter_models import CounterSession

    ctx = args.ctx
    with ctx.ledger.read() as s:
        rows = s.scalars(
            select(CounterSession).order_by(CounterSession.id.desc()).limit(max(args.limit, 1))
        ).all()
        blind = bool(ctx.settings.get("counter.blind_close"))
        data = [session_json(s, r, session_figures(s, r), blind=blind) for r in rows]
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    for d in data:
        variance = (
            ""
            if d["variance"] is None
            else f"  variance {show_money(ctx, d['variance'], d['currency'])}"
        )
        print(
            f"{d['session']}  {d['desk']}  {d['status']:<6}  {d['opened_by']}  "
            f"{_when(ctx, d['opened_at'])}{variance}"
        )
    if not data:
        print("no counter sessions yet")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from kiosk.ledger.counter import by_number

    ctx = args.ctx
    with ctx.ledger.read() as s:
        row = counter_call(lambda: by_number(s, args.session))
        data = _status_json(ctx, s, row)
    if not args.to_file:
        print(_describe(ctx, data))
        return 0
    from pathlib import Path

    from kiosk.receipts.session_report import write_session_report

    path = write_session_report(ctx, row.number, Path(args.to_file), layout=args.layout)
    print(f"{row.number}: report written to {path}")
    return 0
