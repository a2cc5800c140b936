"""Labels, colours and icons for invoice and payment statuses: never colour alone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusLook:
    label: str
    colour_light: str
    colour_dark: str
    icon: str

    def colour(self, theme: str) -> str:
        return self.colour_dark if theme == "dark" else self.colour_light


INVOICE = {
    "open": StatusLook("Open", "#1a56b8", "#8ab4f8", "status-open"),
    "partially_paid": StatusLook("Part paid", "#b06000", "#fdd663", "status-partial"),
    "paid": StatusLook("Paid", "#1e7e34", "#81c995", "status-paid"),
    "overdue": StatusLook("Overdue", "#c5221f", "#f28b82", "status-overdue"),
    "void": StatusLook("Void", "#5f6368", "#9aa0a6", "status-void"),
}

PAYMENT = {
    "created": StatusLook("Starting…", "#1a56b8", "#8ab4f8", "status-waiting"),
    "open": StatusLook("Waiting for payment", "#1a56b8", "#8ab4f8", "status-waiting"),
    "paid": StatusLook("Paid", "#1e7e34", "#81c995", "status-paid"),
    "declined": StatusLook("Declined", "#c5221f", "#f28b82", "status-declined"),
    "expired": StatusLook("Expired", "#b06000", "#fdd663", "status-expired"),
    "cancelled": StatusLook("Cancelled", "#5f6368", "#9aa0a6", "status-cancelled"),
    "failed": StatusLook("Failed", "#c5221f", "#f28b82", "status-declined"),
    "refunded": StatusLook("Refunded", "#8430ce", "#d7aefb", "status-refunded"),
}

# Filter chips on the main window, in order: (label, status or None for all).
FILTERS: tuple[tuple[str, str | None], ...] = (
    ("All", None),
    ("Open", "open"),
    ("Part paid", "partially_paid"),
    ("Overdue", "overdue"),
    ("Paid", "paid"),
    ("Void", "void"),
)


def invoice_look(status: str) -> StatusLook:
    return INVOICE.get(
        status, StatusLook(status.replace("_", " ").title(), "#5f6368", "#9aa0a6", "status-open")
    )


def payment_look(status: str) -> StatusLook:
    return PAYMENT.get(
        str(status), StatusLook(str(status).title(), "#5f6368", "#9aa0a6", "status-waiting")
    )
