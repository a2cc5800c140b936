"""The desk's launcher, `python main.py` and the `fee-kiosk` script: the core CLI
(`kiosk.cli.main`) plus the desk's commands. No command starts the desk; `demo` starts it
on a fresh demo ledger with the embedded sandbox and relay.

Imported for every command, so nothing heavy (PySide6 above all) is imported at module
level.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    """Every command: the core's and the desk's."""
    from kiosk.cli.main import build_parser as core_parser

    return core_parser(extra=(register,))


def main(argv: Sequence[str] | None = None) -> int:
    from kiosk.cli.main import main as core_main
    from kiosk.receipts.cli import install_printer

    install_printer(print_headless)
    return core_main(argv, extra=(register,), default=run_gui)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="start the desk on a fresh demo ledger with the Stripe sandbox and relay",
        description="Start the desk on a demo ledger in a temporary home, with the embedded "
        "Stripe sandbox and webhook relay, signed in as the demo cashier.",
    )
    p.add_argument(
        "--public-url",
        help="base URL a phone uses to reach the sandbox's pages "
        "(default: this machine's LAN address)",
    )
    p.add_argument(
        "--demo-home",
        dest="demo_home",
        type=Path,
        help="keep the demo in this folder instead of a temporary one",
    )
    p.add_argument(
        "--loopback",
        action="store_true",
        help="serve the sandbox on 127.0.0.1 only (no phone can reach it)",
    )
    p.add_argument(
        "--customer-display",
        dest="customer_display",
        action="store_true",
        help="open the display facing the student (on the second screen, or beside the desk)",
    )
    p.add_argument(
        "--no-gui",
        action="store_true",
        help="start the servers and print their addresses only (Ctrl-C stops)",
    )
    p.set_defaults(func=run_demo)
    g = sub.add_parser("gui", help="start the desk (the default when no command is given)")
    g.set_defaults(func=run_gui, creates_ledger=True)


def run_gui(args: argparse.Namespace) -> int:
    from ui import early

    early.start(args.ctx)  # the ledger opens while Qt is imported
    from kiosk.termination import Termination
    from ui.app import run

    stop = Termination.install()
    try:
        code = run(args.ctx, termination=stop)
    finally:
        stop.restore()
    return stop.exit_code(default=code)


def run_demo(args: argparse.Namespace) -> int:
    """The demo runs until its window closes, Ctrl+C or SIGTERM; then the sandbox and relay
    stop and a temporary home is deleted. Exit code 130 after Ctrl+C, 143 after SIGTERM."""
    from kiosk.demo import describe, start_demo
    from kiosk.termination import Termination

    stop = Termination.install()  # before the servers start: a signal now still cleans up
    demo = None
    try:
        home = args.demo_home or (Path(args.home) if getattr(args, "home", None) else None)
        demo = start_demo(home, args.public_url, lan=not args.loopback)
        print(describe(demo), flush=True)
        if args.no_gui:
            stop.wait()
            return stop.exit_code()
        from ui.app import run

        code = run(
            demo.ctx,
            credentials=demo.cashier,
            termination=stop,
            customer_display=args.customer_display,
        )
        return stop.exit_code(default=code)
    finally:
        if demo is not None:
            demo.stop()
        stop.restore()


def print_headless(path: Path, printer: str | None) -> tuple[str, int]:
    """`receipts print` without --to-file: Qt printing with no print dialog (offscreen when
    there is no display). Returns the printer used and the page count."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.errors import CommandError
    from ui.printing import PrintError, print_pdf

    try:
        result = print_pdf(path, printer, ask=False)
    except PrintError as exc:
        raise CommandError(f"{exc} (the receipt stays available: {path})") from None
    return result.printer, result.pages
