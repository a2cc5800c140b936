"""Invoices as text for a person: the list table and the detail view."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from kiosk.cli.tables import pairs, render
from kiosk.clock import stamp
from kiosk.ledger.views import InvoiceDetail, InvoiceRow, PaymentView
from kiosk.money import format_money

Formatter = Callable[[int], str]


def list_text(rows: list[InvoiceRow], total: int, locale: str) -> str:
    if not rows:
        return "No invoices match."
    table = render(
        ["Number", "Student", "Student no.", "Due", "Total", "Paid", "Balance", "Status"],
        [
            [
                r.number,
                r.student_name,
                r.student_number,
                r.due_date.isoformat(),
                format_money(r.total, r.currency, locale),
                format_money(r.paid, r.currency, locale),
                format_money(r.balance, r.currency, locale),
                r.status,
            ]
            for r in rows
        ],
        right=(4, 5, 6),
    )
    noun = "invoice" if total == 1 else "invoices"
    shown = f"{len(rows):,} of {total:,} {noun}" if total > len(rows) else f"{total:,} {noun}"
    return f"{table}\n\n{shown}"


def detail_text(d: InvoiceDetail, locale: str, tz: ZoneInfo) -> str:
    """The invoice for a terminal; times in the desk's zone `tz`."""
    r = d.row

    def fmt(minor: int) -> str:
        return format_money(minor, r.currency, locale)

    head = pairs(
        [
            ("Invoice", f"{r.number} ({r.status})"),
            ("Student", f"{r.student_name} ({r.student_number})"),
            ("Contact", ", ".join(x for x in (r.student_email, d.student_phone) if x) or "-"),
            ("Programme", d.programme or "-"),
            ("Issued / due", f"{r.issue_date.isoformat()} / {r.due_date.isoformat()}"),
            ("Total", fmt(r.total)),
            ("Paid", fmt(r.paid)),
            ("Balance", fmt(r.balance)),
        ]
        + ([("Credit", fmt(r.credit))] if r.credit else [])
    )
    parts = [
        head,
        "Components\n"
        + render(
            ["Component", "Priority", "Amount", "Paid", "Outstanding"],
            [
                [c.name, str(c.priority), fmt(c.amount), fmt(c.paid), fmt(c.balance)]
                for c in d.components
            ],
            right=(1, 2, 3, 4),
        ),
    ]
    parts += _payments(d, fmt, tz) + _refunds(d, fmt, tz) + _receipts(d, tz)
    return "\n\n".join(parts)


def _counter_detail(p: PaymentView) -> str:
    """How a counter payment was made, and where a cheque or draft stands."""
    if p.instrument:
        i = p.instrument
        state = {"pending_clearance": " (awaiting clearance)", "bounced": " (BOUNCED)"}
        return f"{i['kind']} {i['number']} {i['bank']}{state.get(p.status, '')}"
    if p.reference:
        return f"UTR {p.reference}"
    if p.tendered is not None:
        return "cash"
    return ""


def _payments(d: InvoiceDetail, fmt: Formatter, tz: ZoneInfo) -> list[str]:
    if not d.payments:
        return ["Payments: none"]
    rows = []
    for p in d.payments:
        split = ", ".join(f"{a.component} {fmt(a.amount)}" for a in p.allocations)
        card = f"{p.card_brand} {p.card_last4}".strip() or "-"
        if p.method == "upi":
            card = f"UPI {p.upi_vpa}".strip()
        card = _counter_detail(p) or card
        rows.append(
            [
                stamp(p.received_at, tz),
                p.payment_intent or "-",
                fmt(p.amount),
                fmt(p.refunded),
                p.channel,
                card,
                p.receipt_number or "-",
                split,
            ]
        )
    return [
        "Payments\n"
        + render(
            [
                "Received",
                "Payment intent",
                "Amount",
                "Refunded",
                "Channel",
                "Card",
                "Receipt",
                "Allocated to",
            ],
            rows,
            right=(2, 3),
        )
    ]


def _refunds(d: InvoiceDetail, fmt: Formatter, tz: ZoneInfo) -> list[str]:
    if not d.refunds:
        return []
    rows = [
        [
            stamp(r.created_at, tz),
            r.payment_intent,
            fmt(r.amount),
            r.status,
            r.reason or "-",
            r.receipt_number or "-",
        ]
        for r in d.refunds
    ]
    return [
        "Refunds\n"
        + render(
            ["Requested", "Payment intent", "Amount", "Status", "Reason", "Note"],
            rows,
            right=(2,),
        )
    ]


def _receipts(d: InvoiceDetail, tz: ZoneInfo) -> list[str]:
    if not d.receipts:
        return []
    rows = [[r.number, r.kind, stamp(r.issued_at, tz), r.file_path or "-"] for r in d.receipts]
    return ["Receipts\n" + render(["Number", "Kind", "Issued", "File"], rows)]
