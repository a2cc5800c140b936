"""Reading and saving the desk's settings and secrets, as the Settings dialog does it.

Validation, the keyring and the audit entry live here, in the core, so that the dialog in
`ui/` only shows values and hands back what was typed. Every function may be slow (the
keyring, the ledger, Stripe): call it on a worker, never on the GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.ledger.users import StaffUser

SECRETS = ("stripe_secret_key", "relay_token", "smtp_password")
STRIPE_KEY_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")


class SettingsError(ValueError):
    """A value that can't be saved; the message says which and why."""


def current_values(ctx: Context) -> dict[str, Any]:
    """Every setting, and each secret masked as `secret.NAME`."""
    from kiosk.secrets import get_secret, mask

    values = dict(ctx.settings.as_dict())
    for name in SECRETS:
        values[f"secret.{name}"] = mask(get_secret(name))
    return values


def stripe_key_problem(key: str) -> str | None:
    """Why a typed Stripe key can't be right, or None."""
    if key and not key.startswith(STRIPE_KEY_PREFIXES):
        return "The Stripe key starts with sk_ or rk_ (test_ or live_)."
    return None


def save_settings(
    ctx: Context, changes: dict[str, Any], secrets: dict[str, str], supervisor: StaffUser | None
) -> list[str]:
    """Validate and store everything, or nothing with a plain message. Audited.

    Returns the names saved: the setting keys, then `secret:NAME` for each secret.
    """
    from kiosk.config import option
    from kiosk.ledger.audit import record
    from kiosk.secrets import set_secret

    problem = stripe_key_problem(secrets.get("stripe_secret_key", ""))
    if problem:
        raise SettingsError(problem)
    for key, value in changes.items():  # validate all first
        option(key).parse(value)
    for key, value in changes.items():
        ctx.settings.set(key, value)
    for name, value in secrets.items():
        set_secret(name, value)
    names = sorted(changes) + [f"secret:{n}" for n in sorted(secrets)]
    with ctx.ledger.begin() as s:
        record(
            s,
            "settings_changed",
            username=supervisor.username if supervisor else "",
            desk=ctx.desk,
            target="",
            keys=names,
        )
    return names


def test_connection(key: str, api_base: str) -> str:
    """One cheap call to Stripe with the key typed (or stored); a plain answer."""
    from kiosk.payments.gateway import StripeGateway
    from kiosk.secrets import get_secret

    key = key or get_secret("stripe_secret_key") or ""
    gw = StripeGateway(key, api_base or None, timeout=10, max_retries=0)
    next(gw.list_events(["checkout.session.completed"]), None)
    mode = "LIVE" if "_live_" in key else "TEST"
    return f"Connected to Stripe ({mode} mode) at {gw.api_base}."


def test_mail_server(values: dict[str, Any], password: str) -> str:
    """The mail server as typed in Settings (the stored password when none is typed)."""
    from kiosk.receipts.mail import SmtpSettings, check_server
    from kiosk.secrets import get_secret

    smtp = SmtpSettings(
        str(values.get("smtp.host") or "").strip(),
        int(values.get("smtp.port") or 587),
        str(values.get("smtp.security") or "starttls"),
        str(values.get("smtp.user") or "").strip(),
        str(values.get("smtp.sender") or "").strip(),
        password or get_secret("smtp_password"),
    )
    return check_server(smtp)
