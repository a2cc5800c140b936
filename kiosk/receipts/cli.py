"""`receipts list|show|print|email|verify|export|render|send-due|catch-up` and `fee-slips`.

Imported at desk start-up: keep the top light (reportlab and SMTP load in handlers). Printing
to a printer is Qt's, installed by the desk's launcher (`install_printer`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.errors import CommandError

EX_TEMPFAIL = 75  # sysexits: queued, the desk retries

# (PDF, printer name or None for the default) -> (printer used, pages); see install_printer
PrintPdf = Callable[[Path, "str | None"], tuple[str, int]]
_printer: list[PrintPdf] = []


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("receipts", help="receipts: list, show, print, email, verify, export")
    cmds = parser.add_subparsers(dest="receipts_command", metavar="RECEIPTS_COMMAND", required=True)
    _add(
        cmds,
        "list",
        run_list,
        "recent receipts, newest first",
        [
            ("--date", {"type": _day, "help": "only this local day (YYYY-MM-DD)"}),
            ("--pending", {"action": "store_true", "help": "only receipts not yet rendered"}),
            ("--limit", {"type": int, "default": 50}),
        ],
    )
    _add(cmds, "show", run_show, "one receipt's facts, file and email status", [("number", {})])
    printing = _add(
        cmds,
        "print",
        run_print,
        "print a DUPLICATE-marked copy",
        [
            ("number", {}),
            (
                "--layout",
                {"choices": ["a4", "a5", "thermal80"], "help": "default: receipts.layout"},
            ),
        ],
    )
    target = printing.add_mutually_exclusive_group()
    target.add_argument("--printer", help="printer name (default: receipts.printer or system)")
    target.add_argument("--to-file", type=Path, metavar="PATH", help="write the PDF here instead")
    _add(
        cmds,
        "email",
        run_email,
        "email the receipt PDF to the student",
        [("number", {}), ("--to", {"help": "another address than the student's"})],
    )
    _add(
        cmds,
        "verify",
        run_verify,
        "check a receipt's verification code",
        [("code", {"nargs": "+", "help": "the code, or NUMBER CODE, or the scanned QR text"})],
    )
    _add(
        cmds,
        "export",
        run_export,
        "the day's receipts as CSV for accounting",
        [
            ("--date", {"type": _day, "help": "local day (default: today)"}),
            ("--out", {"type": Path, "help": "CSV file or folder (default: HOME/exports/)"}),
        ],
    )
    _add(cmds, "render", run_render, "render receipts that have no PDF yet", [])
    _add(cmds, "send-due", run_send_due, "send queued receipt emails that are due", [])
    _add(cmds, "catch-up", run_catch_up, "render pending receipts, then send due emails", [])
    register_fee_slips(sub)


def register_fee_slips(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    slips = sub.add_parser("fee-slips", help="fee slips with a pay-by-QR Payment Link")
    slips.add_argument(
        "--status",
        default="open",
        choices=["open", "overdue"],
        help="open: every invoice with a balance (incl. overdue); overdue: only those",
    )
    slips.add_argument("--out", type=Path, help="folder (default: HOME/fee-slips)")
    slips.add_argument("--combined", action="store_true", help="one PDF with every slip")
    slips.add_argument("--layout", choices=["a4", "a5"], default="a5")
    slips.add_argument("--json", action="store_true", help="machine-readable summary")
    slips.set_defaults(func=run_fee_slips)


def _add(
    cmds: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    func: Callable[[argparse.Namespace], int],
    help_text: str,
    arguments: list[tuple[str, dict[str, Any]]],
) -> argparse.ArgumentParser:
    parser = cmds.add_parser(name, help=help_text)
    for flag, options in arguments:
        parser.add_argument(flag, **options)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=func)
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else text)


def _wording(ctx: Any) -> Any:
    from kiosk.receipts.wording import Wording

    return Wording(ctx.settings.get("desk.locale"), ctx.settings.get("desk.timezone"))


def _facts(ctx: Any, number: str) -> Any:
    from kiosk.receipts.facts import ReceiptNotFound, receipt_facts

    try:
        with ctx.ledger.begin() as s:
            return receipt_facts(s, number)
    except ReceiptNotFound as exc:
        raise CommandError(str(exc)) from None


# -- receipts ---------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    from kiosk.receipts.listing import facts_json, list_receipts

    ctx, w = args.ctx, _wording(args.ctx)
    rows = list_receipts(ctx, day=args.date, pending=args.pending, limit=args.limit)
    lines = [
        f"{f.number}  {f.kind:7}  {w.when(f.issued_at):24}  {f.invoice_number:16}  "
        f"{f.student_name[:24]:24}  {w.money(f.amount, f.currency):>16}"
        f"{'' if f.file_path else '  (pending)'}"
        for f in rows
    ]
    _emit(args, [facts_json(f, w) for f in rows], "\n".join(lines) or "no receipts")
    return 0


def _payout_of(ctx: Any, payment_intent: str | None) -> str | None:
    """The Stripe payout that took this payment to the bank, once `payouts sync` saw it."""
    from kiosk.ledger.settlement import settled_payouts

    if not payment_intent:
        return None
    with ctx.ledger.read() as s:
        return settled_payouts(s, [payment_intent]).get(payment_intent)


def run_show(args: argparse.Namespace) -> int:
    from kiosk.receipts.listing import facts_json, mail_log
    from kiosk.receipts.service import file_status
    from kiosk.receipts.wording import payment_method, title

    ctx, w = args.ctx, _wording(args.ctx)
    f = _facts(ctx, args.number)
    data = {**facts_json(f, w), "file_status": file_status(f), "email": mail_log(ctx, f.number)}
    data["payout"] = _payout_of(ctx, f.payment_intent) if f.kind == "payment" else None
    lines = [
        f"{title(f).title()} {f.number}   {w.when(f.issued_at)}   {f.desk} · {f.cashier}",
        f"{f.student_name} ({f.student_number}) {f.student_email}   invoice {f.invoice_number}",
    ]
    lines += [f"  {ln.component:32} {w.money(ln.amount, f.currency):>16}" for ln in f.lines]
    lines += [
        f"  {'Total':32} {w.money(f.amount, f.currency):>16}",
        f"  {'Balance after':32} {w.money(f.balance_after, f.currency):>16}",
        f"{payment_method(f)}   {f.payment_intent} {f.stripe_refund_id or ''}".rstrip(),
        f"code {f.verification_code or '(not rendered)'}   printed {f.print_count}x   "
        f"file {data['file_status']}: {f.file_path or '-'}",
    ]
    if f.kind == "payment":
        lines.append(f"settled in Stripe payout {data['payout'] or '(none yet)'}")
    lines += [
        f"email to {m['to']}: {m['status']} ({m['attempts']} attempt(s))"
        f"{' - ' + m['last_error'] if m['last_error'] else ''}"
        for m in data["email"]
    ]
    _emit(args, data, "\n".join(lines))
    return 0


def run_print(args: argparse.Namespace) -> int:
    from kiosk.atomic import write_bytes
    from kiosk.receipts.service import record_print, reprint

    ctx = args.ctx
    number = _facts(ctx, args.number).number
    path = reprint(ctx, number, layout=args.layout)
    if args.to_file is not None:
        write_bytes(args.to_file, path.read_bytes())
        target, pages = str(args.to_file), None
    else:
        target, pages = _print_to_printer(ctx, path, args.printer)
    count = record_print(ctx, number)
    _emit(
        args,
        {
            "number": number,
            "printed_to": target,
            "pages": pages,
            "print_count": count,
            "duplicate": True,
        },
        f"{number}: duplicate printed to {target}",
    )
    return 0


def install_printer(print_pdf: PrintPdf) -> None:
    """Set how `receipts print` prints: the desk's launcher (ui.cli) installs Qt printing;
    without it only `--to-file` prints."""
    _printer[:] = [print_pdf]


def _print_to_printer(ctx: Any, path: Path, printer: str | None) -> tuple[str, int]:
    if not _printer:
        raise CommandError(
            f"printing needs the desk's launcher (python main.py); or use --to-file "
            f"(the receipt stays available: {path})"
        )
    return _printer[0](path, printer or str(ctx.settings.get("receipts.printer")) or None)


def run_email(args: argparse.Namespace) -> int:
    from kiosk.receipts.mail import MailError, queue_receipt_email, send_due

    ctx = args.ctx
    number = _facts(ctx, args.number).number
    try:
        mail_id = queue_receipt_email(ctx, number, args.to)
    except MailError as exc:
        raise CommandError(str(exc)) from None
    report = send_due(ctx, only=mail_id)
    data = {
        "number": number,
        "sent": number in report.sent,
        "queued": number in report.retrying,
        "error": report.errors.get(number),
    }
    if number in report.failed:
        raise CommandError(f"{number}: the mail server refused it: {report.errors[number]}")
    if number in report.retrying:
        _emit(
            args,
            data,
            f"{number}: queued; the mail server is not reachable now "
            f"({report.errors[number]}). The desk retries with backoff.",
        )
        return EX_TEMPFAIL
    text = f"{number}: sent" if report.sent else f"{number}: already queued or being sent"
    _emit(args, data, text)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from kiosk.receipts.verification import verify

    result = verify(args.ctx, " ".join(args.code))
    locale = args.ctx.settings.get("desk.locale")
    text = ("VALID: " if result.valid else "NOT VALID: ") + result.reason
    if result.valid and result.facts is not None:
        f, w = result.facts, _wording(args.ctx)
        text += (
            f"\n{f.student_name} ({f.student_number}), invoice {f.invoice_number}, "
            f"{w.money(f.amount, f.currency)}, {w.when(f.issued_at)}"
        )
    _emit(args, result.to_json(locale), text)
    return 0 if result.valid else 1


def run_export(args: argparse.Namespace) -> int:
    from kiosk.receipts.export import export_day

    ctx = args.ctx
    report = export_day(ctx, args.out or ctx.home / "exports", day=args.date)
    _emit(
        args,
        {"date": report.day.isoformat(), "file": str(report.path), "receipts": report.receipts},
        report.summary(),
    )
    return 0


def run_render(args: argparse.Namespace) -> int:
    """Exit 1 when receipts stay pending; stderr says which and why."""
    from kiosk.receipts.service import render_due

    report = render_due(args.ctx)
    _emit(
        args,
        {"rendered": report.rendered, "pending": report.pending},
        f"rendered {len(report.rendered)} receipt(s)",
    )
    for line in report.problems():
        print(line, file=sys.stderr)
    return 1 if report.pending else 0


def render_after_apply(ctx: Any, *, show: bool = True) -> Any:
    """For the commands that apply payments (pay, poll, reconcile, sync), after their
    transactions committed: every receipt still without a PDF gets one now. Shows each
    receipt written (unless `show` is off, e.g. for --json) and, on stderr, any that stay
    pending and why (`receipts render` retries them). Returns the RenderReport."""
    from kiosk.receipts.service import render_due

    report = render_due(ctx)
    if show and report.rendered:
        print(f"receipt(s) written: {', '.join(report.rendered)}", flush=True)
    for line in report.problems():
        print(f"{line}; `receipts render` retries it", file=sys.stderr, flush=True)
    return report


def run_send_due(args: argparse.Namespace) -> int:
    from kiosk.receipts.mail import send_due

    r = send_due(args.ctx)
    _emit(
        args,
        {"sent": r.sent, "retrying": r.retrying, "failed": r.failed, "errors": r.errors},
        f"sent {len(r.sent)}, retrying {len(r.retrying)}, failed {len(r.failed)}",
    )
    return 0


def run_catch_up(args: argparse.Namespace) -> int:
    """What the desk runs in a child process: rendering in the desk's own interpreter would
    stall its window while the cashier works."""
    from kiosk.receipts.catch_up import catch_up

    done, r = catch_up(args.ctx)
    _emit(
        args,
        {"rendered": done, "sent": r.sent, "retrying": r.retrying, "failed": r.failed},
        f"rendered {len(done)} receipt(s); sent {len(r.sent)}, retrying {len(r.retrying)}",
    )
    return 0


# -- fee slips --------------------------------------------------------------------------------


def run_fee_slips(args: argparse.Namespace) -> int:
    from kiosk.payments.command_gateway import command_gateway
    from kiosk.receipts.fee_slips import write_fee_slips
    from kiosk.receipts.progress import ProgressBar

    ctx = args.ctx
    out = args.out or ctx.home / "fee-slips"
    gateway = command_gateway(ctx)
    bar = None if args.json else ProgressBar(sys.stderr)
    try:
        run = write_fee_slips(
            ctx,
            gateway,
            out,
            status=args.status,
            combined=args.combined,
            layout=args.layout,
            progress=bar,
        )
    finally:
        if bar:
            bar.close()
    summary = f"{run.summary()} in {run.seconds:.1f} s ({run.combined or out})"
    _emit(args, {"out": str(out), **run.to_json()}, summary)
    for number, error in run.failed.items():
        print(f"  {number}: {error}", file=sys.stderr)
    return 1 if run.failed else 0
