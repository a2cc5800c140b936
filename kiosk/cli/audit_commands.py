"""Audit commands: `audit verify` checks the audit log's hash chain."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="check the audit log")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = asub.add_parser(
        "verify", help="walk the audit log's hash chain; exit 1 at the first broken entry"
    )
    verify.set_defaults(func=cmd_audit_verify)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from kiosk.cli.terminal import safe
    from kiosk.ledger.audit_verify import verify_chain

    report = verify_chain(args.ctx.ledger)
    for at, what in report.restored:
        print(
            f"warning: audit log protection was found missing at {at:%Y-%m-%d %H:%M} UTC: {safe(what)}"
        )
    if report.broken is not None:
        b = report.broken
        print(
            f"BROKEN: audit entry #{b.id} ({safe(b.action)}, {b.at:%Y-%m-%d %H:%M:%S} UTC) does "
            f"not match its hash: it or an entry before it was changed or removed outside the "
            f"app ({report.checked} entries before it are intact)"
        )
        return 1
    print(f"OK: {report.checked} audit entries, chain intact; head {report.head or '(empty)'}")
    return 0
