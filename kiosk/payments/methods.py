"""Ways to pay (card, UPI): what a payment offers, how one was made, the VPA masked.

`payments.methods` in config says what Checkout and links offer (default card and UPI;
UPI only for INR, as Stripe allows). A payment records its method and, for UPI, the
payer's VPA masked as `pay•••@okaxis`: the full VPA never reaches the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.payments import stripe_shapes as shapes
from kiosk.payments.errors import PaymentError

METHODS = ("card", "upi")
LABELS = {"card": "Card", "upi": "UPI"}
UPI_CURRENCIES = frozenset({"INR"})
MASK = "•••"
UPI_PENDING = "Waiting for the student to approve in their UPI app"


def parse(text: str | Iterable[str], where: str = "--methods") -> tuple[str, ...]:
    """`card,upi` (or a list) → ("card", "upi"); a clear error naming `where` otherwise."""
    items = text.split(",") if isinstance(text, str) else list(text)
    found = tuple(dict.fromkeys(str(i).strip().lower() for i in items if str(i).strip()))
    bad = [m for m in found if m not in METHODS]
    if bad or not found:
        raise PaymentError(
            f"{where}: {', '.join(bad) or 'nothing given'} is not a way to pay here; "
            "use card, upi or card,upi"
        )
    return found


def offered(
    configured: str | Iterable[str], currency: str, override: str | None = None
) -> tuple[str, ...]:
    """What a payment in `currency` offers: `override` (checked) else config, minus UPI
    for currencies UPI does not take."""
    if override:
        wanted = parse(override)
        if "upi" in wanted and currency.upper() not in UPI_CURRENCIES:
            raise PaymentError(f"--methods: UPI takes INR only, and this invoice is in {currency}")
        return wanted
    wanted = parse(configured, "payments.methods")
    usable = tuple(m for m in wanted if m != "upi" or currency.upper() in UPI_CURRENCIES)
    return usable or ("card",)


def stored(text: str | None) -> tuple[str, ...]:
    """An attempt's `methods` column ("card,upi") as a tuple; () for older attempts."""
    return tuple(m for m in (text or "").split(",") if m)


def describe(methods: Iterable[str]) -> str:
    """("card", "upi") → "Card or UPI" (what the desk tells the student)."""
    labels = [LABELS.get(m, m) for m in methods]
    return " or ".join(labels) if labels else "Card"


def mask_vpa(vpa: str) -> str:
    """`payment.success@stripeupi` → `pay•••@stripeupi`: the first 3 characters of the
    handle and the bank part, never the rest."""
    handle, at, bank = vpa.strip().rpartition("@")
    if not at:
        handle, bank = bank, ""
    return f"{handle[:3]}{MASK}" + (f"@{bank}" if bank else "")


def of_charge(charge: str | shapes.Charge | None) -> tuple[str, str]:
    """(method, masked VPA) from a Stripe charge; ("", "") when it is not expanded."""
    if not isinstance(charge, dict):
        return "", ""
    details = charge.get("payment_method_details") or {}
    kind = str(details.get("type") or "")
    if kind == "upi":
        vpa = str((details.get("upi") or {}).get("vpa") or "")
        return "upi", mask_vpa(vpa)[:80] if vpa else ""
    return ("card", "") if kind == "card" else ("", "")


def awaiting_upi(pi: str | shapes.PaymentIntent | None) -> bool:
    """A PaymentIntent waiting for the payer to approve in their UPI app."""
    if not isinstance(pi, dict) or pi.get("status") != "requires_action":
        return False
    return str((pi.get("next_action") or {}).get("type") or "").startswith("upi_")


def upi_decline(err: shapes.LastPaymentError) -> str:
    """The reason a UPI payment was not approved, as the desk shows it."""
    message = str(err.get("message") or "").strip().rstrip(".")
    return f"UPI payment not approved: {message}" if message else "UPI payment not approved"


def fill_upi(s: Any, payment_id: int, charge: Any) -> bool:
    """Record a UPI payment's method and masked VPA from its charge (once)."""
    from kiosk.payments import ledger_writes as db

    method, vpa = of_charge(charge)
    if method != "upi":
        return False
    return bool(db.run(s, db.SET_UPI_IF_BLANK, {"pid": payment_id, "vpa": vpa}).rowcount)


def fill_method(ctx: Any, payment_id: int, charge: Any) -> None:
    """After commit, when the charge was read from Stripe: see fill_upi."""
    if of_charge(charge)[0] == "upi":
        with ctx.ledger.begin() as s:
            fill_upi(s, payment_id, charge)
