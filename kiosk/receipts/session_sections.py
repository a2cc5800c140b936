"""A counter session's report as plain sections of text: what both layouts (A4 and the
80 mm roll) print, and what a test can read without a PDF.

    for section in report_sections(facts, wording, blind=False):
        section.title, section.header, section.rows, section.total
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from kiosk.ledger.cash_count import CashCount
from kiosk.ledger.counter_figures import CHANNEL_LABELS, variance_words
from kiosk.money import currency_exponent
from kiosk.receipts.session_facts import InstrumentLine, RefundLine, SessionReportFacts
from kiosk.receipts.wording import Wording

CHANNEL_ORDER = ("cash", "cheque", "dd", "bank_transfer", "checkout", "payment_link", "fee_slip")
INSTRUMENT_NAMES = {"cheque": "Cheque", "dd": "DD", "bank_transfer": "UTR"}
STATUS_WORDS = {
    "paid": "cleared",
    "pending_clearance": "awaiting clearance",
    "bounced": "BOUNCED",
}
PAID_FROM = {
    "drawer": "Cash drawer",
    "office": "Accounts office",
    "stripe": "Stripe",
}
METHOD_NAMES = {"card": "Card", "upi": "UPI"}
OPEN_NOTE = "SESSION STILL OPEN — figures so far, not a closing report"


@dataclass(frozen=True)
class Section:
    title: str
    header: list[str]
    rows: list[list[str]]
    total: list[str] | None = None
    money_columns: frozenset[int] = field(default_factory=frozenset)  # right-aligned
    note: str = ""  # printed under the table, e.g. why a figure is hidden


def report_sections(facts: SessionReportFacts, w: Wording, *, blind: bool = False) -> list[Section]:
    """Every section, in print order; empty ones are left out."""
    parts = [
        _taken(facts, w),
        _drawer(facts, w, blind),
        _count(facts, w),
        _methods(facts, w),
        _instruments(facts, w),
        _refunds(facts, w),
        _components(facts, w),
        _summary(facts, w),
    ]
    return [p for p in parts if p is not None]


def _m(w: Wording, facts: SessionReportFacts, minor: int) -> str:
    return w.money(minor, facts.currency)


def _taken(facts: SessionReportFacts, w: Wording) -> Section:
    channels = facts.figures.by_channel
    order = [c for c in CHANNEL_ORDER if c in channels] + sorted(
        c for c in channels if c not in CHANNEL_ORDER
    )
    rows = [
        [CHANNEL_LABELS.get(c, c), str(channels[c].count), _m(w, facts, channels[c].amount)]
        for c in order
    ]
    count = sum(t.count for t in channels.values())
    return Section(
        "Taken by channel",
        ["Channel", "Payments", "Amount"],
        rows or [["No payments in this session", "", ""]],
        ["Total taken", str(count), _m(w, facts, facts.figures.taken)],
        frozenset({1, 2}),
    )


def _methods(facts: SessionReportFacts, w: Wording) -> Section | None:
    methods = facts.figures.by_method
    if not methods:
        return None
    rows = [
        [METHOD_NAMES.get(k, k.title()), str(t.count), _m(w, facts, t.amount)]
        for k, t in sorted(methods.items())
    ]
    return Section(
        "Stripe payments by method",
        ["Method", "Payments", "Amount"],
        rows,
        money_columns=frozenset({1, 2}),
    )


def _instrument_row(line: InstrumentLine, facts: SessionReportFacts, w: Wording) -> list[str]:
    dated = w.date_of(line.dated) if line.dated else "—"
    return [
        line.receipt,
        line.invoice,
        " · ".join(
            p
            for p in (f"{INSTRUMENT_NAMES.get(line.kind, line.kind)} {line.number}", line.bank)
            if p
        ),
        dated,
        "received" if line.kind == "bank_transfer" else STATUS_WORDS.get(line.status, line.status),
        _m(w, facts, line.amount),
    ]


def _instruments(facts: SessionReportFacts, w: Wording) -> Section | None:
    if not facts.instruments:
        return None
    total = sum(line.amount for line in facts.instruments)
    return Section(
        "Cheques, demand drafts and bank transfers",
        ["Receipt", "Invoice", "Instrument", "Dated", "Status", "Amount"],
        [_instrument_row(line, facts, w) for line in facts.instruments],
        ["Total", "", "", "", "", _m(w, facts, total)],
        frozenset({5}),
    )


def _refund_row(line: RefundLine, facts: SessionReportFacts, w: Wording) -> list[str]:
    paid_from = "Bounced: reversed" if line.bounced else PAID_FROM.get(line.paid_by, line.paid_by)
    return [line.note, line.receipt, paid_from, line.reason or "—", _m(w, facts, line.amount)]


def _refunds(facts: SessionReportFacts, w: Wording) -> Section | None:
    if not facts.refunds:
        return None
    total = sum(line.amount for line in facts.refunds)
    return Section(
        "Refunds and reversals",
        ["Note", "Of receipt", "Paid from", "Reason", "Amount"],
        [_refund_row(line, facts, w) for line in facts.refunds],
        ["Total", "", "", "", _m(w, facts, total)],
        frozenset({4}),
    )


def _components(facts: SessionReportFacts, w: Wording) -> Section | None:
    if not facts.by_component:
        return None
    rows = [[name, _m(w, facts, amount)] for name, amount in facts.by_component.items()]
    total = sum(facts.by_component.values())
    return Section(
        "By fee component",
        ["Component", "Amount"],
        rows,
        ["Total allocated", _m(w, facts, total)],
        frozenset({1}),
    )


def _drawer(facts: SessionReportFacts, w: Wording, blind: bool) -> Section:
    f = facts.figures
    hide = blind and facts.status == "open"
    rows = [["Opening float", _m(w, facts, f.float_amount)]]
    if not hide:
        rows += [
            ["Cash received", _m(w, facts, f.cash_in)],
            ["Cash refunds paid from the drawer", _minus(w, facts, f.cash_refunds)],
            ["Expected in the drawer", _m(w, facts, facts.expected_cash)],
        ]
    if facts.counted is not None:
        rows += [
            ["Counted", _m(w, facts, facts.counted)],
            ["Variance", variance_words(facts.variance, facts.currency, w.locale)],
        ]
    if facts.variance:
        rows += [
            ["Variance approved by", facts.approved_by or "—"],
            ["Reason", facts.variance_reason or "—"],
        ]
    note = "Blind close: the expected cash is shown after the count." if hide else ""
    return Section("Cash drawer", ["", ""], rows, None, frozenset({1}), note)


def _minus(w: Wording, facts: SessionReportFacts, minor: int) -> str:
    return "− " + _m(w, facts, minor) if minor else _m(w, facts, 0)


def _count(facts: SessionReportFacts, w: Wording) -> Section | None:
    if facts.counted is None:
        return None
    count = CashCount.from_json(facts.currency, json.dumps(facts.count))
    unit = 10 ** currency_exponent(facts.currency)
    rows = [
        [_m(w, facts, note * unit), str(pieces), _m(w, facts, note * unit * pieces)]
        for note, pieces in sorted(count.notes.items(), reverse=True)
        if pieces
    ]
    if count.coins:
        rows.append(["Coins", "", _m(w, facts, count.coins)])
    return Section(
        "Cash count",
        ["Denomination", "Pieces", "Amount"],
        rows or [["Nothing counted", "", ""]],
        ["Counted", "", _m(w, facts, facts.counted)],
        frozenset({1, 2}),
    )


def _summary(facts: SessionReportFacts, w: Wording) -> Section:
    f = facts.figures
    first, last = f.first_receipt, f.last_receipt
    receipts = f"{first} – {last}" if first and last and first != last else (first or "none")
    rows = [
        ["Receipts and notes issued", receipts],
        [
            "Awaiting clearance",
            f"{f.pending_clearance.count} · {_m(w, facts, f.pending_clearance.amount)}",
        ],
        ["Bounced", f"{f.bounced.count} · {_m(w, facts, f.bounced.amount)}"],
        ["Net (taken less refunds and bounces)", _m(w, facts, f.net)],
    ]
    return Section("Summary", ["", ""], rows, None, frozenset({1}))


def who_rows(facts: SessionReportFacts, w: Wording) -> list[tuple[str, str]]:
    closed = (
        f"{facts.closed_by} · {w.when(facts.closed_at)}"
        if facts.closed_at and facts.closed_by
        else "still open"
    )
    return [
        ("Desk", facts.desk),
        ("Opened", f"{facts.opened_by} · {w.when(facts.opened_at)}"),
        ("Closed", closed),
        ("Currency", facts.currency),
    ]
