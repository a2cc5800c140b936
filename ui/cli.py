"""The desk's commands: `python main.py` (no command) starts the desk; `demo` starts it on
a fresh demo ledger with the embedded sandbox and relay.

Imported by the CLI for every command, so nothing heavy (PySide6 above all) is imported
at module level.
"""

from __future__ import annotations

import argparse
from pathlib import Path


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
    from ui.app import run

    return run(args.ctx)


def run_demo(args: argparse.Namespace) -> int:
    from kiosk.demo import describe, start_demo

    home = args.demo_home or (Path(args.home) if getattr(args, "home", None) else None)
    demo = start_demo(home, args.public_url, lan=not args.loopback)
    print(describe(demo), flush=True)
    try:
        if args.no_gui:
            import threading

            threading.Event().wait()
            return 0
        from ui.app import run

        return run(demo.ctx, credentials=demo.cashier)
    finally:
        demo.stop()
