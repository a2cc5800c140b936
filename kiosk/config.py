"""Settings: config.toml in the home folder, each key overridable from the environment.

Keys are dotted (``desk.name``). The environment override of ``section.key`` is
``FEE_KIOSK_SECTION_KEY``, except the few that keep their established names
(STRIPE_API_BASE, FEE_KIOSK_RELAY_URL). Secrets never live here: see kiosk.secrets.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

from kiosk.atomic import write_text


@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    help: str
    env: str | None = None

    @property
    def env_name(self) -> str:
        return self.env or "FEE_KIOSK_" + self.key.replace(".", "_").upper()

    def parse(self, raw: Any) -> Any:
        """Coerce a typed-in or environment value to the option's type, or raise ValueError."""
        kind = type(self.default)
        if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
            return raw
        text = str(raw).strip()
        if kind is bool:
            if text.lower() in {"1", "true", "yes", "on"}:
                return True
            if text.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(f"{self.key} takes true or false, not {text!r}")
        if kind is list:  # `card,upi` typed in, or a TOML list
            items = raw if isinstance(raw, list) else text.split(",")
            return [str(i).strip() for i in items if str(i).strip()]
        if kind is int:
            try:
                return int(text)
            except ValueError:
                raise ValueError(f"{self.key} takes a whole number, not {text!r}") from None
        return text


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("institution.name", "Demo University", "institution name on receipts"),
        Option("institution.address", "1 University Road, Bengaluru 560001", "postal address"),
        Option("institution.logo", "", "path to a PNG/JPEG logo for receipts"),
        Option("desk.name", "Desk 1", "this desk's name, shown on receipts and in the audit log"),
        Option("desk.locale", "en_IN", "locale for money and dates"),
        Option("desk.currency", "INR", "default ISO 4217 currency"),
        Option("desk.timezone", "Asia/Kolkata", "timezone for receipts and the day's summary"),
        Option(
            "stripe.api_base", "", "Stripe API base URL (empty = api.stripe.com)", "STRIPE_API_BASE"
        ),
        Option("stripe.session_minutes", 30, "Checkout Session lifetime, 30 to 1440 minutes"),
        Option(
            "stripe.success_url",
            "https://example.edu/fees/paid?session={CHECKOUT_SESSION_ID}",
            "where Checkout sends the payer after paying",
        ),
        Option(
            "payments.methods",
            ["card", "upi"],
            "ways to pay Checkout and links offer: card, upi (UPI for INR only)",
        ),
        Option("stripe.cancel_url", "https://example.edu/fees/cancelled", "Checkout's back link"),
        Option("relay.url", "", "webhook relay base URL", "FEE_KIOSK_RELAY_URL"),
        Option("relay.offline_after_seconds", 60, "offline this long: poll Stripe, then reconcile"),
        Option(
            "fee_slips.link_days",
            30,
            "fee-slip pay links are deactivated this many days after the due date (or issue)",
        ),
        Option("receipts.prefix", "R", "receipt number prefix (R-2026-000123)"),
        Option("receipts.layout", "a5", "receipt layout: a4, a5 or thermal80"),
        Option("receipts.printer", "", "default printer name (empty = system default)"),
        Option("receipts.auto_print", False, "print a receipt automatically after each payment"),
        Option("receipts.auto_email", False, "email a receipt automatically after each payment"),
        Option("smtp.host", "", "SMTP server (empty = email off)"),
        Option("smtp.port", 587, "SMTP port"),
        Option("smtp.security", "starttls", "starttls, ssl or none"),
        Option("smtp.user", "", "SMTP user name (the password lives in the keyring)"),
        Option("smtp.sender", "bursar@example.edu", "From address of receipt emails"),
        Option("ui.idle_lock_minutes", 3, "lock the desk after this many idle minutes"),
        Option("signin.max_failures", 5, "failed sign-ins for one user before it is locked"),
        Option("signin.window_minutes", 15, "failures count within this many minutes"),
        Option("signin.lock_minutes", 15, "how long a user stays locked"),
        Option(
            "payments.tenders",
            ["checkout", "payment_link", "cash", "cheque", "dd", "bank_transfer"],
            "what the payment dialog offers: checkout, payment_link, cash, cheque, dd, "
            "bank_transfer",
        ),
        Option(
            "counter.denominations",
            "",
            "notes counted at close, in major units (500,200,100); empty: the currency's",
        ),
        Option("counter.blind_close", False, "the cashier counts before seeing expected cash"),
        Option(
            "counter.allow_credit",
            False,
            "counter tenders may exceed the balance; the excess is held as credit",
        ),
        Option("counter.stale_cheque_days", 90, "cheques and drafts older than this are refused"),
        Option("ui.kiosk_mode", False, "full-screen kiosk mode with large touch targets"),
        Option("ui.theme", "light", "light or dark"),
        Option(
            "ui.customer_display",
            "off",
            "display facing the student: off, or the screen's index (0 = first screen)",
        ),
        Option(
            "accounts.components",
            "",
            "ledger account per fee component for the journal: Tuition=4100,Hostel=4200",
        ),
        Option("accounts.income", "4000", "ledger account for fee components not mapped"),
        Option("accounts.stripe_clearing", "1150", "ledger account for money held by Stripe"),
        Option("accounts.bank", "1100", "ledger account of the bank that receives payouts"),
        Option("accounts.stripe_fees", "6100", "ledger account for Stripe's processing fees"),
        Option("accounts.gst_input", "1400", "ledger account for GST paid on Stripe's fees"),
        Option("accounts.student_credit", "2300", "ledger account for overpayments held"),
    )
}


# The keys by the type of their value, so `Settings.get("desk.locale")` is a `str` to the
# type checker and a misspelt key fails it (tests/test_config.py checks these against
# OPTIONS). Code that holds a key in a variable uses `Settings.value`.
TextKey = Literal[
    "institution.name",
    "institution.address",
    "institution.logo",
    "desk.name",
    "desk.locale",
    "desk.currency",
    "desk.timezone",
    "stripe.api_base",
    "stripe.success_url",
    "stripe.cancel_url",
    "relay.url",
    "receipts.prefix",
    "receipts.layout",
    "receipts.printer",
    "smtp.host",
    "smtp.security",
    "smtp.user",
    "smtp.sender",
    "counter.denominations",
    "ui.theme",
    "ui.customer_display",
    "accounts.components",
    "accounts.income",
    "accounts.stripe_clearing",
    "accounts.bank",
    "accounts.stripe_fees",
    "accounts.gst_input",
    "accounts.student_credit",
]
NumberKey = Literal[
    "stripe.session_minutes",
    "relay.offline_after_seconds",
    "fee_slips.link_days",
    "smtp.port",
    "ui.idle_lock_minutes",
    "signin.max_failures",
    "signin.window_minutes",
    "signin.lock_minutes",
    "counter.stale_cheque_days",
]
FlagKey = Literal[
    "receipts.auto_print",
    "receipts.auto_email",
    "counter.blind_close",
    "counter.allow_credit",
    "ui.kiosk_mode",
]
ListKey = Literal[
    "payments.methods",
    "payments.tenders",
]


class ConfigError(ValueError):
    """A bad key or value in config.toml, the environment or `config set`."""


def option(key: str) -> Option:
    try:
        return OPTIONS[key]
    except KeyError:
        raise ConfigError(f"unknown setting {key!r}; see `config show` for the list") from None


class Settings:
    """Resolved settings: environment, then config.toml, then defaults."""

    def __init__(self, path: Path, values: dict[str, Any], env: dict[str, str] | None = None):
        self.path = path
        self._file = values
        self._env = os.environ if env is None else env

    @classmethod
    def load(cls, path: Path, env: dict[str, str] | None = None) -> Settings:
        values: dict[str, Any] = {}
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path}: not valid TOML ({exc})") from None
            for section, table in data.items():
                if not isinstance(table, dict):
                    raise ConfigError(f"{path}: [{section}] must be a table")
                for name, raw in table.items():
                    key = f"{section}.{name}"
                    try:
                        values[key] = option(key).parse(raw)
                    except ValueError as exc:
                        raise ConfigError(f"{path}: {exc}") from None
        return cls(path, values, env)

    def source(self, key: str) -> str:
        opt = option(key)
        if opt.env_name in self._env:
            return f"env {opt.env_name}"
        return "config.toml" if key in self._file else "default"

    @overload
    def get(self, key: TextKey) -> str: ...
    @overload
    def get(self, key: NumberKey) -> int: ...
    @overload
    def get(self, key: FlagKey) -> bool: ...
    @overload
    def get(self, key: ListKey) -> list[str]: ...
    def get(self, key: str) -> Any:
        return self.value(key)

    def value(self, key: str) -> Any:
        """The value of `key` (any option, named at run time): environment, file, default."""
        opt = option(key)
        if opt.env_name in self._env:
            try:
                return opt.parse(self._env[opt.env_name])
            except ValueError as exc:
                raise ConfigError(f"environment variable {opt.env_name}: {exc}") from None
        return self._file.get(key, opt.default)

    def __getitem__(self, key: str) -> Any:
        return self.value(key)

    def as_dict(self) -> dict[str, Any]:
        return {key: self.value(key) for key in OPTIONS}

    def set(self, key: str, raw: Any) -> None:
        """Validate and store one value in config.toml (atomically)."""
        opt = option(key)
        try:
            value = opt.parse(raw)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        _validate(key, value)
        self._file[key] = value
        self.save()

    def save(self) -> None:
        import tomli_w

        tables: dict[str, dict[str, Any]] = {}
        for key, value in sorted(self._file.items()):
            section, name = key.split(".", 1)
            tables.setdefault(section, {})[name] = value
        write_text(self.path, tomli_w.dumps(tables))


def _validate(key: str, value: Any) -> None:
    if key == "stripe.session_minutes" and not 30 <= value <= 1440:
        raise ConfigError("stripe.session_minutes must be between 30 and 1440 (Stripe's limits)")
    if key == "receipts.layout" and value not in {"a4", "a5", "thermal80"}:
        raise ConfigError("receipts.layout must be a4, a5 or thermal80")
    if key == "smtp.security" and value not in {"starttls", "ssl", "none"}:
        raise ConfigError("smtp.security must be starttls, ssl or none")
    if key == "ui.theme" and value not in {"light", "dark"}:
        raise ConfigError("ui.theme must be light or dark")
    if key == "desk.currency":
        from kiosk.money import currency_exponent

        currency_exponent(value)
    if key == "desk.locale":
        _check_locale(value)
    if key == "payments.methods" and (not value or set(value) - {"card", "upi"}):
        raise ConfigError("payments.methods takes card, upi or card,upi")
    if key == "fee_slips.link_days" and not 1 <= value <= 366:
        raise ConfigError("fee_slips.link_days must be between 1 and 366")
    if key == "ui.customer_display" and not (value == "off" or value.isdigit()):
        raise ConfigError("ui.customer_display takes off or a screen index (0, 1, …)")
    if key == "payments.tenders" and (not value or set(value) - set(TENDERS)):
        raise ConfigError("payments.tenders takes some of " + ", ".join(TENDERS))
    if key == "counter.stale_cheque_days" and not 1 <= value <= 366:
        raise ConfigError("counter.stale_cheque_days must be between 1 and 366")
    if key == "counter.denominations" and value.strip():
        _check_notes(value)
    if key == "ui.idle_lock_minutes" and not 1 <= value <= 240:
        raise ConfigError("ui.idle_lock_minutes must be between 1 and 240")
    if key.startswith("signin.") and not 1 <= value <= 1440:
        raise ConfigError(f"{key} must be between 1 and 1440")


TENDERS = ("checkout", "payment_link", "cash", "cheque", "dd", "bank_transfer")


def _check_notes(value: str) -> None:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ConfigError(
            f"counter.denominations lists whole notes above zero, like 500,200,100; not {value!r}"
        )


def _check_locale(value: str) -> None:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(value)
    except (ValueError, UnknownLocaleError):
        raise ConfigError(
            f"desk.locale: {value!r} is not a locale Babel knows, e.g. en_IN, en_US, hi_IN"
        ) from None
