"""Who is acting, for commands that take `--as USER` or `--approve-as SUPERVISOR`.

The password is typed at a hidden prompt, or, for scripts, taken from FEE_KIOSK_PASSWORD
(staff) or FEE_KIOSK_SUPERVISOR_PASSWORD (a supervisor's approval). Either way it is
checked and throttled like a sign-in at the desk, and the attempt is audited.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from kiosk.cli.errors import CommandError

PASSWORD_ENV = "FEE_KIOSK_PASSWORD"
SUPERVISOR_ENV = "FEE_KIOSK_SUPERVISOR_PASSWORD"


def password_for(username: str, env: str, what: str) -> str:
    password = os.environ.get(env)
    if password:
        return password
    if not sys.stdin.isatty():
        raise CommandError(
            f"{what} needs {username}'s password: run it in a terminal, or set {env}"
        )
    import getpass

    role = "supervisor " if env == SUPERVISOR_ENV else ""
    return getpass.getpass(f"password for {role}{username}: ")


def staff_user(ctx: Any, username: str, what: str) -> Any:
    """The staff user named by --as (any role)."""
    from kiosk.ledger.signin import ThrottleRules, verify_credentials
    from kiosk.ledger.users import AuthError

    password = password_for(username, PASSWORD_ENV, what)
    try:
        return verify_credentials(
            ctx.ledger,
            username,
            password,
            rules=ThrottleRules.from_settings(ctx.settings),
            desk=ctx.desk,
            failed_action="sign_in_failed",
        )
    except AuthError as exc:
        raise CommandError(str(exc)) from None


def supervisor(ctx: Any, username: str, action: str, target: str, what: str = "") -> Any:
    """The supervisor named by --as or --approve-as, approving `action` on `target`."""
    from kiosk.ledger import signin
    from kiosk.ledger.users import AuthError

    password = password_for(username, SUPERVISOR_ENV, what or action.lower())
    try:
        return signin.approve_at_desk(ctx, username, password, action, target)
    except AuthError as exc:
        raise CommandError(str(exc)) from None
