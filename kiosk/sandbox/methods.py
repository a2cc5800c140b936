"""Which payment method types a Checkout Session or Payment Link offers."""

from __future__ import annotations

from kiosk.sandbox.errors import invalid

METHODS = ("card", "upi")


def method_types(
    requested: list[str] | None, currency: str, param: str = "payment_method_types"
) -> list[str]:
    """What a session offers: as requested, else dynamic (INR: card and UPI; others: card)."""
    if not requested:
        return ["card", "upi"] if currency == "inr" else ["card"]
    for n, kind in enumerate(requested):
        if kind not in METHODS:
            raise invalid(
                f"Invalid {param}[{n}]: the sandbox supports {', '.join(METHODS)}.",
                f"{param}[{n}]",
            )
    if "upi" in requested and currency != "inr":
        raise invalid(
            f"The currency provided ({currency}) is invalid for one or more payment method "
            "types: upi. UPI supports inr only.",
            param,
        )
    return list(dict.fromkeys(requested))
