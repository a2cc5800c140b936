"""Payment commands: pay, attempts, cancel, poll, refund, reconcile.

    python main.py pay INV-2026-0001 --amount 15,000 [--channel payment-link] [--no-wait] [--json]
    python main.py attempts [--open] [--json]
    python main.py cancel pa_…
    python main.py poll
    python main.py refund R-2026-000042 --amount 500 --reason "fee waived" --as asha
    python main.py reconcile [--since 2026-11-01]

`refund --as USER` needs that supervisor's password: typed at a hidden prompt, or, for
scripts, taken from FEE_KIOSK_SUPERVISOR_PASSWORD.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.cli.errors import CommandError, UsageError
from kiosk.cli.passwords import supervisor as approved_by
from kiosk.cli.tender_commands import TENDER_CHANNELS, add_tender_arguments
from kiosk.clock import desk_zone, stamp
from kiosk.ledger.status import RefundStatus


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "pay", help="take a payment: Checkout, Payment Link, cash, cheque, dd or bank transfer"
    )
    p.add_argument("number", help="invoice number")
    p.add_argument("--amount", help="amount in major units (default: the whole balance)")
    p.add_argument(
        "--channel", choices=["checkout", "payment-link", *TENDER_CHANNELS], default="checkout"
    )
    add_tender_arguments(p)
    p.add_argument("--no-wait", action="store_true", help="print the link and return")
    p.add_argument(
        "--methods", help="ways to pay offered: card, upi or card,upi (default: payments.methods)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_pay)

    p = sub.add_parser("attempts", help="list payment attempts")
    p.add_argument("--open", action="store_true", help="only attempts still open")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_attempts)

    p = sub.add_parser("cancel", help="cancel an open payment attempt")
    p.add_argument("attempt", help="attempt id (pa_…)")
    p.set_defaults(func=cmd_cancel)

    p = sub.add_parser("poll", help="one pass over the open attempts; applies what changed")
    p.set_defaults(func=cmd_poll)

    p = sub.add_parser("refund", help="refund (part of) a payment; supervisors only")
    p.add_argument("ref", help="receipt number or PaymentIntent id (pi_…)")
    p.add_argument("--amount", help="amount in major units (default: all that remains)")
    p.add_argument("--reason", required=True, help="why (kept in the audit log)")
    p.add_argument("--as", dest="as_user", required=True, help="supervisor's username")
    p.set_defaults(func=cmd_refund)

    p = sub.add_parser("void", help="void an invoice that holds no money; supervisors only")
    p.add_argument("number", help="invoice number")
    p.add_argument("--reason", required=True, help="why (kept on the invoice and in the audit log)")
    p.add_argument("--as", dest="as_user", required=True, help="supervisor's username")
    p.set_defaults(func=cmd_void)

    p = sub.add_parser("reconcile", help="backfill what the desk missed from Stripe")
    p.add_argument(
        "--since", help="date or date-time (desk.timezone); default: the last successful run"
    )
    p.set_defaults(func=cmd_reconcile)


# -- helpers ---------------------------------------------------------------------------------


def _gateway(ctx: Any) -> Any:
    from kiosk.payments.command_gateway import command_gateway

    return command_gateway(ctx)


def _amount(ctx: Any, number: str, text: str | None, currency: str | None = None) -> int | None:
    if text is None:
        return None
    from kiosk.ledger.invoices import InvoiceNotFound, invoice_row
    from kiosk.money import MoneyError, parse_money

    if currency is None:
        try:
            with ctx.ledger.begin() as s:
                currency = invoice_row(s, number).currency
        except InvoiceNotFound:
            raise CommandError(f"no invoice numbered {number!r}") from None
    try:
        return parse_money(text, currency, str(ctx.settings.get("desk.locale"))).minor
    except MoneyError as exc:
        raise UsageError(str(exc)) from None


def _fmt(ctx: Any, minor: int, currency: str) -> str:
    from kiosk.money import format_money

    return format_money(minor, currency, str(ctx.settings.get("desk.locale")))


def _render_receipts(ctx: Any, show: bool = True) -> None:
    """After commit: a PDF on disk for each receipt this command numbered (issue 14)."""
    from kiosk.receipts.cli import render_after_apply

    render_after_apply(ctx, show=show)


def _run(action: Any) -> Any:
    from kiosk.payments.errors import PaymentError

    try:
        return action()
    except PaymentError as exc:
        raise CommandError(exc.message) from None


# -- commands --------------------------------------------------------------------------------


def cmd_pay(args: Any) -> int:
    """Ctrl+C or SIGTERM at any point once the attempt exists cancels it: the signal is
    only noted while the attempt is being opened, then acted on (a KeyboardInterrupt
    raised inside the opening left it open, unnoticed)."""
    from kiosk.termination import Termination

    interrupted = Termination.install()
    try:
        return _pay(args, interrupted)
    finally:
        interrupted.restore()


def _pay(args: Any, interrupted: Any) -> int:
    if args.channel in TENDER_CHANNELS:
        from kiosk.cli.tender_commands import pay_at_counter

        return pay_at_counter(args)
    from kiosk.payments.attempts import cancel_attempt, start_payment
    from kiosk.payments.poller import wait_for_outcome

    ctx = args.ctx
    gateway = _gateway(ctx)
    amount = _amount(ctx, args.number, args.amount)
    view = _run(
        lambda: start_payment(ctx, gateway, args.number, amount, args.channel, methods=args.methods)
    )
    if not args.json:
        _show_link(ctx, view)
    if args.no_wait and not interrupted.requested:
        if args.json:
            print(json.dumps(view.to_json()))
        return 0
    stop = threading.Event()
    interrupted.on_signal(stop.set)
    final = wait_for_outcome(
        ctx,
        gateway,
        view.public_id,
        stop=stop,
        on_change=None if args.json else _print_change,
        on_error=None if args.json else lambda m: print(m, file=sys.stderr),
    )
    if interrupted.requested:
        final = _run(lambda: cancel_attempt(ctx, gateway, view.public_id))
        if not args.json:
            print(f"cancelled {final.public_id}")
    if args.json:
        print(json.dumps(final.to_json()))
    elif final.status != "cancelled":
        print(f"{final.status.value}: {final.reason}" if final.reason else final.status.value)
    _render_receipts(ctx, show=not args.json)
    return 0 if final.status == "paid" else 1


def _show_link(ctx: Any, view: Any) -> None:
    import segno

    from kiosk.payments.methods import describe

    print(f"{view.invoice_number}: {_fmt(ctx, view.amount, view.currency)} by {view.channel}")
    if view.methods:
        print(f"the student can pay by {describe(view.methods)}")
    print(view.url)
    if view.url:
        segno.make(view.url).terminal(compact=True)
    if view.expires_at:
        until = stamp(view.expires_at, desk_zone(ctx.settings), "%H:%M")
        print(f"attempt {view.public_id}, open until {until}; Ctrl-C cancels")


def _print_change(change: Any) -> None:
    print(f"{change.status.value}: {change.reason}" if change.reason else change.status.value)


def cmd_attempts(args: Any) -> int:
    from kiosk.payments.attempts import list_attempts

    views = list_attempts(args.ctx, open_only=args.open)
    if args.json:
        print(json.dumps([v.to_json() for v in views], indent=2))
        return 0
    for v in views:
        when = stamp(v.created_at, desk_zone(args.ctx.settings))
        amount = _fmt(args.ctx, v.amount, v.currency)
        reason = f"  ({v.reason})" if v.reason else ""
        print(
            f"{v.public_id}  {when}  {v.invoice_number}  {amount}  {v.channel}  "
            f"{v.status.value}{reason}"
        )
    if not views:
        print("no payment attempts")
    return 0


def cmd_cancel(args: Any) -> int:
    from kiosk.payments.attempts import cancel_attempt

    view = _run(lambda: cancel_attempt(args.ctx, _gateway(args.ctx), args.attempt))
    print(f"{view.public_id}: {view.status.value}" + (f" ({view.reason})" if view.reason else ""))
    return 0


def cmd_poll(args: Any) -> int:
    from kiosk.payments.poller import poll_once

    changes = _run(lambda: poll_once(args.ctx, _gateway(args.ctx)))
    for c in changes:
        reason = f": {c.reason}" if c.reason else ""
        print(f"{c.invoice_number} {c.attempt_id or ''} {c.status.value}{reason}")
    if not changes:
        print("nothing changed")
    _render_receipts(args.ctx)
    return 0


def cmd_refund(args: Any) -> int:
    from kiosk.payments.refunds import find_payment, request_refund

    ctx = args.ctx
    supervisor = approved_by(ctx, args.as_user, "Refund", args.ref, what="a refund")
    with ctx.ledger.begin() as s:
        payment = _run(lambda: find_payment(s, args.ref))
        currency, at_counter = payment.currency, payment.source == "counter"
    amount = _amount(ctx, "", args.amount, currency)
    gateway = None if at_counter else _gateway(ctx)  # cash and instruments: no Stripe
    view = _run(lambda: request_refund(ctx, gateway, args.ref, amount, args.reason, supervisor))
    _render_receipts(ctx, show=False)
    failure = f" ({view.failure_reason})" if view.failure_reason else ""
    note = f", refund note {view.receipt_number}" if view.receipt_number else ""
    print(
        f"refund{' ' + view.stripe_refund_id if view.stripe_refund_id else ''} of "
        f"{_fmt(ctx, view.amount, currency)}: "
        f"{view.status}{failure}{note}"
    )
    return (
        0
        if view.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING, RefundStatus.REQUESTED)
        else 1
    )


def cmd_void(args: Any) -> int:
    from kiosk.payments.voiding import void_invoice
    from kiosk.secrets import get_secret

    ctx = args.ctx
    supervisor = approved_by(
        ctx, args.as_user, "Void invoice", args.number, what="voiding an invoice"
    )
    gateway = _gateway(ctx) if get_secret("stripe_secret_key") else None
    row = _run(lambda: void_invoice(ctx, gateway, args.number, args.reason, supervisor))
    print(f"{row.number}: {row.status}")
    return 0


def cmd_reconcile(args: Any) -> int:
    from kiosk.payments.reconcile import reconcile

    since = _since(args.since, desk_zone(args.ctx.settings)) if args.since else None
    report = _run(lambda: reconcile(args.ctx, _gateway(args.ctx), since))
    print(report)
    _render_receipts(args.ctx)
    return 1 if report.errors else 0


def _since(text: str, tz: ZoneInfo) -> datetime:
    """A date or time as typed; without an offset it is the desk's local time, as printed."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--since takes a date like 2026-11-01, not {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)
