"""What a receipt says about how it was paid: the Stripe reference, or for the counter the
cash handed over and the change, the cheque or draft "subject to realisation", the
transfer's UTR; and for notes, the refund or the bounced instrument they reverse.

Both layouts (A5/A4 and the 80 mm roll) print these rows, so they read the same. Nothing
here depends on what happened after the receipt was issued (a cheque clearing later), so
a reprint says what the original said.
"""

from __future__ import annotations

from kiosk.receipts.facts import ReceiptFacts, TenderFacts
from kiosk.receipts.wording import Wording

INSTRUMENT_NAMES = {"cheque": "Cheque", "dd": "Demand draft"}
REALISATION = (
    "Received subject to realisation: this receipt holds good once the {what} is honoured. "
    "If it is returned unpaid, the amount is owed again."
)
PAID_BY = {"drawer": "In cash, from the counter's drawer", "office": "By the accounts office"}


def reference_rows(facts: ReceiptFacts, w: Wording) -> list[tuple[str, str]]:
    """(label, value) rows under the payment method, in print order."""
    if facts.reversal:
        return _reversal(facts)
    if facts.tender is None:
        return _stripe(facts)
    if facts.is_refund:
        return [
            ("Refund of receipt", facts.payment_receipt or "—"),
            ("Paid", PAID_BY.get(facts.refund_paid_by, facts.refund_paid_by or "—")),
            ("Reason", facts.refund_reason or "—"),
        ]
    return [*_tender(facts, facts.tender, w), ("Reference", facts.counter_reference)]


def realisation_note(facts: ReceiptFacts) -> str:
    """The 'subject to realisation' line for a cheque or draft receipt; '' otherwise."""
    tender = facts.tender
    if facts.is_refund or tender is None or tender.kind not in INSTRUMENT_NAMES:
        return ""
    return REALISATION.format(what=INSTRUMENT_NAMES[tender.kind].lower())


def _stripe(facts: ReceiptFacts) -> list[tuple[str, str]]:
    if not facts.is_refund:
        return [("Stripe reference", facts.payment_intent)]
    return [
        ("Refund of receipt", facts.payment_receipt or "—"),
        ("Stripe refund", facts.stripe_refund_id or "—"),
        ("Original payment", facts.payment_intent),
        ("Reason", facts.refund_reason or "—"),
    ]


def _tender(facts: ReceiptFacts, tender: TenderFacts, w: Wording) -> list[tuple[str, str]]:
    def money(minor: int) -> str:
        return w.money(minor, facts.currency)

    if tender.kind == "cash":
        handed = tender.tendered if tender.tendered is not None else facts.amount
        return [("Cash tendered", money(handed)), ("Change given", money(handed - facts.amount))]
    if tender.kind == "bank_transfer":
        paid_on = w.date_of(tender.paid_on) if tender.paid_on else "—"
        return [("UTR", tender.reference or "—"), ("Paid on", paid_on)]
    name = INSTRUMENT_NAMES.get(tender.kind, tender.kind)
    dated = w.date_of(tender.dated) if tender.dated else "—"
    return [(f"{name} no.", tender.number), ("Drawn on", tender.bank or "—"), ("Dated", dated)]


def _reversal(facts: ReceiptFacts) -> list[tuple[str, str]]:
    tender = facts.tender
    instrument = (
        f"{INSTRUMENT_NAMES.get(tender.kind, tender.kind)} {tender.number} · {tender.bank}"
        if tender
        else "—"
    )
    return [
        ("Reverses receipt", facts.payment_receipt or "—"),
        ("Instrument", instrument),
        ("Returned unpaid", (tender.bounce_reason if tender else "") or facts.refund_reason or "—"),
    ]
