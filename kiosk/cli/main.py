"""`python main.py` / `fee-kiosk`: argument parsing, dispatch, exit codes.

Each command group lives in its own module exposing ``register(sub)``, which adds
parsers whose ``func(args) -> int`` runs the command. Modules keep their heavy
imports inside the handlers so that starting the desk stays fast.

The core knows no GUI: the desk's launcher (`ui.cli.main`, behind `python main.py` and the
`fee-kiosk` script) passes the GUI's ``register`` as ``extra`` and its start as
``default``, the command run when none is given.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from kiosk.cli.errors import CommandError, describe_failure
from kiosk.cli.terminal import safe

COMMAND_MODULES = (
    "kiosk.cli.ledger_commands",
    "kiosk.cli.audit_commands",
    "kiosk.cli.config_commands",
    "kiosk.cli.payment_commands",
    "kiosk.cli.counter_commands",
    "kiosk.cli.clearance_commands",
    "kiosk.sandbox.cli",
    "kiosk.relay.cli",
    "kiosk.sync.cli",
    "kiosk.receipts.cli",
    "kiosk.payouts.cli",
    "kiosk.stripe_check.cli",
)
# A command group's `register(sub)`. Any: `sub` makes `_Parser`s, and the registrars (and the
# GUI's) take the ArgumentParser they are; argparse's generic is invariant.
Register = Callable[["argparse._SubParsersAction[Any]"], None]

log = logging.getLogger("kiosk.cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # exit 2 with one line, like argparse, but shorter
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(extra: Sequence[Register] = ()) -> argparse.ArgumentParser:
    parser = _Parser(prog="fee-kiosk", description="Fee Kiosk: the bursar's fee desk.")
    parser.add_argument("--home", help="home folder (config, database, receipts, logs)")
    parser.add_argument("--db", help="ledger database URL (SQLAlchemy); default: HOME/kiosk.db")
    parser.add_argument("--debug", action="store_true", help="log to stderr and show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    for register in extra:
        register(sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    extra: Sequence[Register] = (),
    default: Callable[[argparse.Namespace], int] | None = None,
) -> int:
    parser = build_parser(extra)
    args = parser.parse_args(argv)
    from kiosk.cli.terminal import guard_stdout
    from kiosk.context import Context

    guard_stdout()
    if args.command is None:
        if default is None:
            parser.print_usage(sys.stderr)
            print(f"{parser.prog}: error: a command is required", file=sys.stderr)
            return 2
        args.command = "gui"
        args.func = default
        args.creates_ledger = True
    try:
        args.ctx = Context.from_args(args)
        args.ctx.create_ledger = bool(getattr(args, "creates_ledger", False))
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"fee-kiosk: {safe(str(exc))}", file=sys.stderr)
        if args.debug:
            raise
        return exc.exit_code
    except KeyboardInterrupt:
        print("fee-kiosk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: one line, never a traceback without --debug
        log.exception("command %s failed", args.command)
        if args.debug:
            raise
        message, code = describe_failure(exc)
        print(f"fee-kiosk: {safe(message)}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
