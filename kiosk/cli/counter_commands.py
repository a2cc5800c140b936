"""Counter commands: the counter session and the counter's tenders.

    python main.py counter open --float 5,000 --as ravi
    python main.py pay INV-2026-0001 --amount 15,000 --channel cash --tendered 20,000
    python main.py pay INV-2026-0002 --channel cheque --instrument-number 004512 \\
        --bank "State Bank of India" --instrument-date 2026-12-01
    python main.py payments clear R-2026-000123 --as ravi
    python main.py payments bounce R-2026-000123 --reason "funds insufficient" --as asha
    python main.py counter close --count "500x12,200x5,100x7,coins=230" --as ravi \\
        [--approve-as asha --reason "₹50 short: change error"]
    python main.py counter status|list [--json]
    python main.py counter report CS-2026-000001 [--to-file report.pdf] [--layout a4]

`--as USER` asks for that user's password in a terminal, or takes FEE_KIOSK_PASSWORD;
`--approve-as SUPERVISOR` takes FEE_KIOSK_SUPERVISOR_PASSWORD.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import date, datetime
from typing import Any

from kiosk.cli.errors import CommandError, UsageError
from kiosk.cli.passwords import staff_user, supervisor

TENDER_CHANNELS = ("cash", "cheque", "dd", "bank-transfer")


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

    payments = sub.add_parser("payments", help="cheques and drafts: pending, clear, bounce")
    psub = payments.add_subparsers(dest="payments_command", metavar="ACTION", required=True)
    p = psub.add_parser("pending", help="cheques and drafts awaiting clearance")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_pending)
    p = psub.add_parser("clear", help="a cheque or draft has been realised")
    p.add_argument("ref", help="attempt id (pa_…) or receipt number")
    p.add_argument("--as", dest="as_user", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_clear)
    p = psub.add_parser("bounce", help="a cheque or draft bounced: reverse it; supervisors only")
    p.add_argument("ref", help="attempt id (pa_…) or receipt number")
    p.add_argument("--reason", required=True)
    p.add_argument("--as", dest="as_user", required=True, help="supervisor's username")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bounce)


def add_tender_arguments(p: Any) -> None:
    """`pay`'s options for counter tenders (kiosk.cli.payment_commands adds them)."""
    p.add_argument("--tendered", help="cash: what was handed over (the change is shown)")
    p.add_argument("--instrument-number", help="cheque or dd: its number")
    p.add_argument("--bank", help="cheque or dd: the bank it is drawn on")
    p.add_argument("--instrument-date", help="cheque or dd: the date on it (2026-12-01)")
    p.add_argument("--reference", help="bank-transfer: the UTR")
    p.add_argument("--paid-on", help="bank-transfer: the day it reached the account")


# -- helpers ---------------------------------------------------------------------------------


def _money(ctx: Any, text: str, currency: str, what: str) -> int:
    from kiosk.money import MoneyError, parse_money

    try:
        return parse_money(text, currency, str(ctx.settings.get("desk.locale"))).minor
    except MoneyError as exc:
        raise UsageError(f"{what}: {exc}") from None


def _fmt(ctx: Any, minor: int | None, currency: str) -> str:
    from kiosk.money import format_money

    if minor is None:
        return "(hidden until counted)"
    return format_money(minor, currency, str(ctx.settings.get("desk.locale")))


def parse_day(text: str | None, what: str) -> date | None:
    """2026-12-01, or 01-12-2026 / 01/12/2026 (day first, as written in India)."""
    if not text:
        return None
    raw = text.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise UsageError(f"{what} takes a date like 2026-12-01 or 01-12-2026, not {text!r}")


def _counter_call(action: Any) -> Any:
    from kiosk.ledger.cash_count import CountError
    from kiosk.ledger.counter import CounterError
    from kiosk.payments.errors import PaymentError

    try:
        return action()
    except (CounterError, PaymentError) as exc:
        raise CommandError(exc.message) from None
    except CountError as exc:
        raise UsageError(str(exc)) from None


# -- pay --channel cash|cheque|dd|bank-transfer ----------------------------------------------


def tender_of(ctx: Any, args: Any, amount: int, currency: str) -> Any:
    from kiosk.payments.tender_types import BankTransfer, Cash, Instrument

    channel = args.channel.replace("-", "_")
    if channel == "cash":
        tendered = _money(ctx, args.tendered, currency, "--tendered") if args.tendered else None
        return Cash(amount, tendered)
    if channel in ("cheque", "dd"):
        return Instrument(
            channel,
            amount,
            number=args.instrument_number or "",
            bank=args.bank or "",
            dated=parse_day(args.instrument_date, "--instrument-date"),
        )
    return BankTransfer(
        amount, reference=args.reference or "", paid_on=parse_day(args.paid_on, "--paid-on")
    )


def pay_at_counter(args: Any) -> int:
    from kiosk.ledger.invoices import InvoiceNotFound, invoice_row
    from kiosk.payments.tenders import take_tender

    ctx = args.ctx
    try:
        with ctx.ledger.read() as s:
            row = invoice_row(s, args.number)
    except InvoiceNotFound:
        raise CommandError(f"no invoice numbered {args.number!r}") from None
    amount = _money(ctx, args.amount, row.currency, "--amount") if args.amount else row.balance
    tender = tender_of(ctx, args, amount, row.currency)
    view = _counter_call(lambda: take_tender(ctx, args.number, tender))
    if args.json:
        print(json.dumps(view.to_json()))
    else:
        _print_tender(ctx, view)
    from kiosk.receipts.cli import render_after_apply

    render_after_apply(ctx, show=not args.json)
    return 0


def _print_tender(ctx: Any, view: Any) -> None:
    what = view.tender.label
    print(
        f"{view.invoice}: {_fmt(ctx, view.amount, view.currency)} by {what}, receipt {view.receipt}"
    )
    if view.tender.kind == "cash" and view.tender.change:
        print(f"CHANGE DUE: {_fmt(ctx, view.tender.change, view.currency)}")
    if view.status == "pending_clearance":
        print("received subject to realisation: `payments clear` or `payments bounce` it later")
    print(
        f"attempt {view.attempt_id}" + (f", counter session {view.session}" if view.session else "")
    )


# -- counter ---------------------------------------------------------------------------------


def cmd_open(args: Any) -> int:
    from kiosk.ledger.counter import open_session

    ctx = args.ctx
    currency = str(ctx.settings.get("desk.currency"))
    float_minor = _money(ctx, args.float_amount, currency, "--float")
    user = staff_user(ctx, args.as_user, "opening the counter")

    def run() -> str:
        with ctx.ledger.begin() as s:
            return open_session(
                s, desk=ctx.desk, currency=currency, float_minor=float_minor, user=user
            ).number

    number = _counter_call(run)
    if args.json:
        with ctx.ledger.read() as s:
            from kiosk.ledger.counter import by_number

            print(json.dumps(_status_json(ctx, s, by_number(s, number)), indent=2))
        return 0
    print(f"{number} open at {ctx.desk} with a float of {_fmt(ctx, float_minor, currency)}")
    return 0


def _status_json(ctx: Any, s: Any, row: Any) -> dict[str, Any]:
    from kiosk.ledger.counter_figures import session_figures, session_json

    blind = bool(ctx.settings.get("counter.blind_close"))
    return session_json(s, row, session_figures(s, row), blind=blind)


def cmd_status(args: Any) -> int:
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


def cmd_close(args: Any) -> int:
    from kiosk.ledger.cash_count import notes_for, parse_count
    from kiosk.ledger.counter import CloseRequest, close_session, open_for

    ctx = args.ctx
    with ctx.ledger.read() as s:
        row = open_for(s, ctx.desk)
        currency = row.currency if row else str(ctx.settings.get("desk.currency"))
    if row is None:
        raise CommandError(f"{ctx.desk} has no counter session open")
    notes = _counter_call(
        lambda: notes_for(currency, str(ctx.settings.get("counter.denominations")))
    )
    locale = str(ctx.settings.get("desk.locale"))
    count = _counter_call(lambda: parse_count(args.count, currency, notes, locale))
    closer = staff_user(ctx, args.as_user, "closing the counter")
    approver = (
        supervisor(ctx, args.approver, "Approve variance", row.number) if args.approver else None
    )

    def run() -> dict[str, Any]:
        with ctx.ledger.begin() as s:
            blind = bool(ctx.settings.get("counter.blind_close"))
            request = CloseRequest(count, closer, approver, args.reason, locale, blind)
            return _status_json(ctx, s, close_session(s, ctx.desk, request))

    data = _counter_call(run)
    print(json.dumps(data) if args.json else _describe(ctx, data))
    return 0


def _when(ctx: Any, iso: str) -> str:
    from kiosk.clock import desk_zone, stamp

    return stamp(datetime.fromisoformat(iso), desk_zone(ctx.settings))


def _describe(ctx: Any, d: dict[str, Any]) -> str:
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
        f"  float          {_fmt(ctx, d['float'], cur)}",
        f"  cash in        {_fmt(ctx, d['cash_in'], cur)}",
        f"  cash refunds   {_fmt(ctx, d['cash_refunds'], cur)}",
        f"  expected cash  {_fmt(ctx, d['expected_cash'], cur)}",
    ]
    if d["counted"] is not None:
        lines.append(f"  counted        {_fmt(ctx, d['counted'], cur)}")
        variance = d["variance"] or 0
        words = "exact" if not variance else ("over" if variance > 0 else "short")
        lines.append(f"  variance       {_fmt(ctx, abs(variance), cur)} {words}")
        if d["approved_by"]:
            lines.append(f"  approved by    {d['approved_by']}: {d['variance_reason']}")
    for channel, tally in d["by_channel"].items():
        label = CHANNEL_LABELS.get(channel, channel)
        lines.append(f"  {label:<16} {tally['count']} × {_fmt(ctx, tally['amount'], cur)}")
    if d["pending_clearance"]["count"]:
        p = d["pending_clearance"]
        lines.append(f"  awaiting clearance: {p['count']}, {_fmt(ctx, p['amount'], cur)}")
    if d["receipts"]["first"]:
        lines.append(f"  receipts       {d['receipts']['first']} … {d['receipts']['last']}")
    return "\n".join(lines)


def cmd_list(args: Any) -> int:
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
            "" if d["variance"] is None else f"  variance {_fmt(ctx, d['variance'], d['currency'])}"
        )
        print(
            f"{d['session']}  {d['desk']}  {d['status']:<6}  {d['opened_by']}  "
            f"{_when(ctx, d['opened_at'])}{variance}"
        )
    if not data:
        print("no counter sessions yet")
    return 0


def cmd_report(args: Any) -> int:
    from kiosk.ledger.counter import by_number

    ctx = args.ctx
    with ctx.ledger.read() as s:
        row = _counter_call(lambda: by_number(s, args.session))
        data = _status_json(ctx, s, row)
    if not args.to_file:
        print(_describe(ctx, data))
        return 0
    from pathlib import Path

    from kiosk.receipts.session_report import write_session_report

    path = write_session_report(ctx, row.number, Path(args.to_file), layout=args.layout)
    print(f"{row.number}: report written to {path}")
    return 0


# -- payments pending|clear|bounce -----------------------------------------------------------


def cmd_pending(args: Any) -> int:
    from kiosk.payments.clearance import awaiting_clearance

    ctx = args.ctx
    rows = awaiting_clearance(ctx)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], indent=2))
        return 0
    for r in rows:
        print(
            f"{r.receipt}  {r.invoice}  {r.kind} {r.number} on {r.bank} dated {r.dated}  "
            f"{_fmt(ctx, r.amount, r.currency)}  ({r.attempt_id})"
        )
    if not rows:
        print("no cheques or drafts awaiting clearance")
    return 0


def cmd_clear(args: Any) -> int:
    from kiosk.payments.clearance import clear_instrument

    user = staff_user(args.ctx, args.as_user, "clearing a cheque")
    done = _counter_call(lambda: clear_instrument(args.ctx, args.ref, user))
    if args.json:
        print(json.dumps(dataclasses.asdict(done), indent=2))
        return 0
    print(f"{done.receipt} ({done.invoice}): cleared")
    return 0


def cmd_bounce(args: Any) -> int:
    from kiosk.payments.clearance import bounce_instrument

    ctx = args.ctx
    user = supervisor(ctx, args.as_user, "Bounce", args.ref)
    done = _counter_call(lambda: bounce_instrument(ctx, args.ref, args.reason, user))
    from kiosk.receipts.cli import render_after_apply

    if args.json:
        render_after_apply(ctx, show=False)
        print(json.dumps(dataclasses.asdict(done), indent=2))
        return 0
    print(f"{done.receipt} ({done.invoice}): bounced; reversal note {done.reversal_note}")
    render_after_apply(ctx, show=True)
    return 0
