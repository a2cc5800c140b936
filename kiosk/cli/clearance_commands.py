"""`payments pending|clear|bounce`: cheques and drafts received subject to realisation.

    python main.py payments pending [--json]
    python main.py payments clear R-2026-000123 --as ravi
    python main.py payments bounce R-2026-000123 --reason "funds insufficient" --as asha

`--as USER` asks for that user's password in a terminal, or takes FEE_KIOSK_PASSWORD.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from kiosk.cli.counter_args import counter_call, show_money
from kiosk.cli.passwords import staff_user, supervisor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def cmd_pending(args: argparse.Namespace) -> int:
    from kiosk.payments.clearance import awaiting_clearance

    ctx = args.ctx
    rows = awaiting_clearance(ctx)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], indent=2))
        return 0
    for r in rows:
        print(
            f"{r.receipt}  {r.invoice}  {r.kind} {r.number} on {r.bank} dated {r.dated}  "
            f"{show_money(ctx, r.amount, r.currency)}  ({r.attempt_id})"
        )
    if not rows:
        print("no cheques or drafts awaiting clearance")
    return 0


def cmd_clear(args: argparse.Namespace) -> int:
    from kiosk.payments.clearance import clear_instrument

    user = staff_user(args.ctx, args.as_user, "clearing a cheque")
    done = counter_call(lambda: clear_instrument(args.ctx, args.ref, user))
    if args.json:
        print(json.dumps(dataclasses.asdict(done), indent=2))
        return 0
    print(f"{done.receipt} ({done.invoice}): cleared")
    return 0


def cmd_bounce(args: argparse.Namespace) -> int:
    from kiosk.payments.clearance import bounce_instrument

    ctx = args.ctx
    user = supervisor(ctx, args.as_user, "Bounce", args.ref)
    done = counter_call(lambda: bounce_instrument(ctx, args.ref, args.reason, user))
    from kiosk.receipts.cli import render_after_apply

    if args.json:
        render_after_apply(ctx, show=False)
        print(json.dumps(dataclasses.asdict(done), indent=2))
        return 0
    print(f"{done.receipt} ({done.invoice}): bounced; reversal note {done.reversal_note}")
    render_after_apply(ctx, show=True)
    return 0
