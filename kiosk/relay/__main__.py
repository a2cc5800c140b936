"""`python -m kiosk.relay serve|token|prune`: the relay alone, e.g. under systemd."""

from __future__ import annotations

import argparse
import sys

from kiosk.errors import CommandError
from kiosk.relay.cli import add_commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.relay")
    parser.add_argument("--home", help="folder for the default relay.db")
    add_commands(parser)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"relay: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
