"""`pay --channel cash|cheque|dd|bank-transfer`: a tender taken at the counter.

    python main.py pay INV-2026-0001 --amount 15,000 --channel cash --tendered 20,000
    python main.py pay INV-2026-0002 --channel cheque --instrument-number 004512 \\
        --bank "State Bank of India" --instrument-date 2026-12-01

kiosk.cli.payment_commands owns `pay` and hands these channels to `pay_at_counter`.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from kiosk.cli.counter_args import counter_call, money_arg, parse_day, show_money
from kiosk.cli.errors import CommandError

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.tender_types import Tender, TenderView

TENDER_CHANNELS = ("cash", "cheque", "dd", "bank-transfer")


def add_tender_arguments(p: argparse.ArgumentParser) -> None:
    """`pay`'s options for counter tenders (kiosk.cli.payment_commands adds them)."""
    p.add_argument("--tendered", help="cash: what was handed over (the change is shown)")
    p.add_argument("--instrument-number", help="cheque or dd: its number")
    p.add_argument("--bank", help="cheque or dd: the bank it is drawn on")
    p.add_argument("--instrument-date", help="cheque or dd: the date on it (2026-12-01)")
    p.add_argument("--reference", help="bank-transfer: the UTR")
    p.add_argument("--paid-on", help="bank-transfer: the day it reached the account")


def tender_of(ctx: Context, args: argparse.Namespace, amount: int, currency: str) -> Tender:
    from kiosk.payments.tender_types import BankTransfer, Cash, Instrument

    channel = args.channel.replace("-", "_")
    if channel == "cash":
        tendered = money_arg(ctx, args.tendered, currency, "--tendered") if args.tendered else None
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


def pay_at_counter(args: argparse.Namespace) -> int:
    from kiosk.ledger.invoices import InvoiceNotFound, invoice_row
    from kiosk.payments.tenders import take_tender

    ctx = args.ctx
    try:
        with ctx.ledger.read() as s:
            row = invoice_row(s, args.number)
    except InvoiceNotFound:
        raise CommandError(f"no invoice numbered {args.number!r}") from None
    amount = money_arg(ctx, args.amount, row.currency, "--amount") if args.amount else row.balance
    tender = tender_of(ctx, args, amount, row.currency)
    view = counter_call(lambda: take_tender(ctx, args.number, tender))
    if args.json:
        print(json.dumps(view.to_json()))
    else:
        _print_tender(ctx, view)
    from kiosk.receipts.cli import render_after_apply

    render_after_apply(ctx, show=not args.json)
    return 0


def _print_tender(ctx: Context, view: TenderView) -> None:
    from kiosk.payments.tender_types import Cash

    amount = show_money(ctx, view.amount, view.currency)
    print(f"{view.invoice}: {amount} by {view.tender.label}, receipt {view.receipt}")
    if isinstance(view.tender, Cash) and view.tender.change:
        print(f"CHANGE DUE: {show_money(ctx, view.tender.change, view.currency)}")
    if view.status == "pending_clearance":
        print("received subject to realisation: `payments clear` or `payments bounce` it later")
    print(
        f"attempt {view.attempt_id}" + (f", counter session {view.session}" if view.session else "")
    )
