"""Ledger commands: demo-data, import-csv, invoices list/show, users add/list/password."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

from kiosk.cli.errors import CommandError
from kiosk.ledger.sort_keys import SORT_KEYS
from kiosk.ledger.status import InvoiceStatus

NEW_PASSWORD_ENV = "FEE_KIOSK_NEW_PASSWORD"


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo-data", help="write deterministic sample students and invoices")
    demo.add_argument(
        "--students",
        type=positive_int,
        default=200,
        metavar="N",
        help="number of students (default 200)",
    )
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    demo.set_defaults(func=cmd_demo_data, creates_ledger=True)

    imp = sub.add_parser("import-csv", help="import invoices from a CSV file (all or nothing)")
    imp.add_argument("file", metavar="FILE")
    imp.set_defaults(func=cmd_import_csv, creates_ledger=True)

    _register_invoices(sub)
    _register_users(sub)


def _register_invoices(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    invoices = sub.add_parser("invoices", help="list, search and show invoices")
    isub = invoices.add_subparsers(dest="invoices_command", metavar="ACTION", required=True)
    lst = isub.add_parser("list", help="list or search invoices")
    lst.add_argument(
        "--search",
        default="",
        metavar="TEXT",
        help="name, student number, email or invoice number (prefixes work)",
    )
    lst.add_argument("--status", choices=[s.value for s in InvoiceStatus])
    lst.add_argument(
        "--limit",
        type=positive_int,
        default=50,
        metavar="N",
        help="at most N invoices (default 50)",
    )
    lst.add_argument("--sort", choices=SORT_KEYS, default="number", help="sort key")
    lst.add_argument("--desc", action="store_true", help="sort descending")
    lst.add_argument(
        "--json", action="store_true", help="JSON output (see the README's JSON output section)"
    )
    lst.set_defaults(func=cmd_invoices_list)
    show = isub.add_parser("show", help="one invoice with components, payments and receipts")
    show.add_argument("number", metavar="NUMBER")
    show.add_argument(
        "--json", action="store_true", help="JSON output (see the README's JSON output section)"
    )
    show.set_defaults(func=cmd_invoices_show)


def _register_users(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="staff accounts")
    usub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = usub.add_parser(
        "add", help=f"add a staff user (password prompted, or {NEW_PASSWORD_ENV})"
    )
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--role", choices=("cashier", "supervisor"), required=True)
    add.add_argument("--name", default="", help="display name")
    add.set_defaults(func=cmd_users_add, creates_ledger=True)
    usub.add_parser("list", help="list staff users").set_defaults(func=cmd_users_list)
    pw = usub.add_parser(
        "password", help=f"change a staff user's password (prompted, or {NEW_PASSWORD_ENV})"
    )
    pw.add_argument("username", metavar="USERNAME")
    pw.set_defaults(func=cmd_users_password)


def _locale(args: argparse.Namespace) -> str:
    return str(args.ctx.settings.get("desk.locale"))


# --- demo-data, import-csv ----------------------------------------------------------------


def cmd_demo_data(args: argparse.Namespace) -> int:
    from kiosk.ledger.demo_data import STAFF, load_demo_data

    summary = load_demo_data(
        args.ctx.ledger, students=args.students, seed=args.seed, desk=args.ctx.desk
    )
    print(
        f"Demo data ready: {summary.students} students, {summary.invoices} invoices "
        f"(this run added {summary.students_created} students, {summary.invoices_created} "
        f"invoices, {summary.payments_created} payments, {summary.users_created} staff users)."
    )
    logins = ", ".join(f"{u} / {p} ({role})" for u, p, role, _ in STAFF)
    print(f"Staff sign-in: {logins}.")
    return 0


def _progress_line(done: int, total: int) -> None:
    percent = 100 * done // total if total else 100
    rows = done - total // 2 if done > total // 2 else done
    stage = "writing" if done > total // 2 else "checking"
    end = "\n" if done >= total else ""
    print(
        f"\rimport-csv: {percent:3d}% ({stage} row {rows:,} of {total // 2:,})",
        end=end,
        file=sys.stderr,
        flush=True,
    )


def cmd_import_csv(args: argparse.Namespace) -> int:
    from kiosk.ledger.csv_format import CsvImportError
    from kiosk.ledger.importer import ImportConflict, import_csv

    progress = _progress_line if sys.stderr.isatty() else None
    try:
        summary = import_csv(args.ctx.ledger, args.file, progress=progress, desk=args.ctx.desk)
    except CsvImportError as exc:
        shown = "; ".join(str(e) for e in exc.errors[:3])
        more = f" (+{len(exc.errors) - 3} more errors)" if len(exc.errors) > 3 else ""
        raise CommandError(f"{args.file}: {shown}{more}; nothing was imported") from None
    except ImportConflict as exc:
        raise CommandError(f"{args.file}: {exc}") from None
    except OSError as exc:
        raise CommandError(f"can't read {args.file}: {exc.strerror or exc}") from None
    print(f"Imported {args.file}: {summary.describe()}.")
    return 0


# --- invoices -----------------------------------------------------------------------------


def cmd_invoices_list(args: argparse.Namespace) -> int:
    from kiosk.cli import invoice_output
    from kiosk.clock import desk_today
    from kiosk.ledger.search import count_invoices, search_invoices
    from kiosk.ledger.views import row_json

    today = desk_today(args.ctx.settings)  # "overdue" by the desk's date, not the machine's
    with args.ctx.ledger.begin() as s:
        rows = search_invoices(
            s,
            args.search,
            status=args.status,
            limit=args.limit,
            order_by=args.sort,
            descending=args.desc,
            today=today,
        )
        total = (
            count_invoices(s, args.search, status=args.status, today=today) if not args.json else 0
        )
    locale = _locale(args)
    if args.json:
        print(json.dumps([row_json(r, locale) for r in rows], ensure_ascii=False, indent=2))
    else:
        print(invoice_output.list_text(rows, total, locale))
    return 0


def cmd_invoices_show(args: argparse.Namespace) -> int:
    from kiosk.cli import invoice_output
    from kiosk.clock import desk_today, desk_zone
    from kiosk.ledger.invoices import InvoiceNotFound, invoice_detail
    from kiosk.ledger.views import detail_json

    try:
        with args.ctx.ledger.begin() as s:
            detail = invoice_detail(s, args.number.strip(), desk_today(args.ctx.settings))
    except InvoiceNotFound as exc:
        raise CommandError(str(exc)) from None
    locale = _locale(args)
    if args.json:
        print(json.dumps(detail_json(detail, locale), ensure_ascii=False, indent=2))
    else:
        print(invoice_output.detail_text(detail, locale, desk_zone(args.ctx.settings)))
    return 0


# --- users --------------------------------------------------------------------------------


def _new_password(username: str) -> str:
    from_env = os.environ.get(NEW_PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise CommandError(
            f"no terminal to ask for {username}'s password; set {NEW_PASSWORD_ENV} instead"
        )
    first = getpass.getpass(f"Password for {username}: ")
    if getpass.getpass("Again: ") != first:
        raise CommandError("the passwords don't match; nothing was changed")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    from kiosk.ledger import audit
    from kiosk.ledger.password_policy import check_username
    from kiosk.ledger.users import create_user, find_user

    try:
        name = check_username(args.username)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    with args.ctx.ledger.begin() as s:
        if find_user(s, name) is not None:
            raise CommandError(f"staff user {name!r} already exists")
    password = _new_password(name)
    try:
        with args.ctx.ledger.begin() as s:
            user = create_user(s, name, password, args.role, args.name)
            audit.record(s, "user_added", desk=args.ctx.desk, target=user.username, role=user.role)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    print(f"Added {user.role} {user.username}.")
    return 0


def cmd_users_password(args: argparse.Namespace) -> int:
    from kiosk.ledger import audit
    from kiosk.ledger.users import find_user, set_password

    with args.ctx.ledger.begin() as s:
        user = find_user(s, args.username)
    if user is None:
        raise CommandError(f"no staff user {args.username!r}; `users list` shows them")
    password = _new_password(user.username)
    try:
        with args.ctx.ledger.begin() as s:
            set_password(s, user.username, password)
            audit.record(s, "password_changed", desk=args.ctx.desk, target=user.username)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    print(f"Changed the password of {user.username}.")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from kiosk.cli.tables import render
    from kiosk.ledger.models import User

    with args.ctx.ledger.begin() as s:
        users = s.scalars(select(User).order_by(User.username)).all()
        rows = [
            [
                u.username,
                u.display_name,
                u.role,
                "yes" if u.active else "no",
                u.created_at.date().isoformat(),
            ]
            for u in users
        ]
    if not rows:
        print("No staff users yet: add one with `users add USERNAME --role supervisor`.")
        return 0
    print(render(["Username", "Name", "Role", "Active", "Created"], rows))
    return 0
