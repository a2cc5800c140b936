"""Receipt PDFs: content, ₹ with Indian grouping, layouts, storage, duplicates, refund notes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from kiosk.ledger.models import Receipt
from kiosk.receipts.facts import receipt_facts
from kiosk.receipts.service import file_status, render_pending, reprint
from tests.receipts.conftest import pdf_text
from tests.receipts.ledger_data import pay, payment_intent_of, refund

MM = 72 / 25.4


def stored(ctx, number: str) -> Receipt:
    with ctx.ledger.begin() as s:
        return s.scalar(select(Receipt).where(Receipt.number == number))


def test_receipt_has_every_fact_and_en_in_amounts(desk, paid):
    assert render_pending(desk) == [paid]
    row = stored(desk, paid)
    text = pdf_text(Path(row.file_path))
    with desk.ledger.begin() as s:
        pi = payment_intent_of(s, paid)
    for expected in (
        "Demo University",
        "1 University Road, Bengaluru 560001",
        "RECEIPT",
        paid,
        "Asha Verma",
        "S2026-0042",
        "asha.verma@example.edu",
        "INV-2026-0001",
        "Tuition",
        "₹61,000.00",
        "Total paid",
        "₹1,00,000.00",
        "Visa •••• 4242",
        pi,
        "Desk 1",
        "Priya Nair",
        row.verification_code,
        "IST",
    ):
        assert expected in text, expected
    assert "DUPLICATE" not in text


def test_full_payment_shows_lakh_grouping(desk, invoice):
    with desk.ledger.begin() as s:
        number = pay(s, invoice, 16_100_000)
    render_pending(desk)
    text = pdf_text(Path(stored(desk, number).file_path))
    assert "₹1,61,000.00" in text
    assert "₹50,000.00" in text and "₹11,000.00" in text  # Hostel and Library filled too
    assert "₹0.00" in text  # nothing left on the invoice


def test_stored_atomically_with_sha256_and_rendering_is_idempotent(desk, paid):
    render_pending(desk)
    row = stored(desk, paid)
    path = Path(row.file_path)
    assert path.parent.parent == desk.receipts_dir and path.name == f"{paid}.pdf"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    assert render_pending(desk) == []  # nothing due any more
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left
    with desk.ledger.begin() as s:
        assert file_status(receipt_facts(s, paid)) == "ok"
    path.write_bytes(path.read_bytes() + b"%tampered")
    with desk.ledger.begin() as s:
        assert file_status(receipt_facts(s, paid)) == "modified"


def test_receipt_balance_is_as_of_its_payment(desk, invoice, paid):
    with desk.ledger.begin() as s:
        later = pay(s, invoice, 2_000_000)
    render_pending(desk)
    with desk.ledger.begin() as s:
        first, second = receipt_facts(s, paid), receipt_facts(s, later)
    assert first.balance_after == 10_000_000  # ₹1,00,000.00 then
    assert second.balance_after == 8_000_000
    assert "₹1,00,000.00" in pdf_text(reprint(desk, paid))  # a reprint says the same


def test_overpayment_shows_credit_on_account(desk, invoice):
    with desk.ledger.begin() as s:
        number = pay(s, invoice, 16_200_000)
    render_pending(desk)
    text = pdf_text(Path(stored(desk, number).file_path))
    assert "Credit on account" in text and "₹1,000.00" in text


def test_reprint_is_the_same_content_marked_duplicate(desk, paid):
    render_pending(desk)
    original = pdf_text(Path(stored(desk, paid).file_path))
    copy = pdf_text(reprint(desk, paid))
    assert "DUPLICATE" in copy
    for fact in (
        "Asha Verma",
        "₹61,000.00",
        "₹1,00,000.00",
        paid,
        stored(desk, paid).verification_code,
    ):
        assert fact in original and fact in copy


def test_reprint_renders_a_pending_receipt_first(desk, paid):
    path = reprint(desk, paid)
    assert stored(desk, paid).file_path is not None
    assert "DUPLICATE" in pdf_text(path)


def test_refund_note(desk, invoice, paid):
    with desk.ledger.begin() as s:
        note = refund(
            s,
            payment_intent_of(s, paid),
            1_500_000,
            reason="Dropped a course",
            requested_by_id=desk.cashier_id,
        )
    assert render_pending(desk) == [paid, note]
    text = pdf_text(Path(stored(desk, note).file_path))
    for expected in (
        "REFUND NOTE",
        note,
        "Refunded to",
        "Asha Verma",
        "Total refunded",
        "₹15,000.00",
        "Dropped a course",
        f"Refund of receipt {paid}",
        "re_test",
        "₹1,15,000.00",
    ):
        assert expected in text, expected


@pytest.mark.parametrize(
    ("layout", "width_mm", "height_mm"),
    [("a5", 148, 210), ("a4", 210, 297), ("thermal80", 80, None)],
)
def test_layouts(desk, paid, layout, width_mm, height_mm):
    desk.settings.set("receipts.layout", layout)
    render_pending(desk)
    reader = PdfReader(stored(desk, paid).file_path)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(width_mm * MM, abs=1)
    if height_mm:
        assert float(box.height) == pytest.approx(height_mm * MM, abs=1)
    else:  # the roll is cut where the content ends
        assert 120 * MM < float(box.height) < 260 * MM
    text = pdf_text(Path(stored(desk, paid).file_path))
    assert "₹61,000.00" in text and "Asha Verma" in text


def test_thermal_duplicate_and_refund_stay_one_strip(desk, invoice, paid):
    desk.settings.set("receipts.layout", "thermal80")
    with desk.ledger.begin() as s:
        note = refund(s, payment_intent_of(s, paid), 500_000, reason="Fee waiver " * 12)
    for path in (reprint(desk, paid), reprint(desk, note)):
        assert len(PdfReader(path).pages) == 1
        assert "DUPLICATE" in pdf_text(path)


def test_fonts_are_the_shipped_dejavu(desk, paid):
    render_pending(desk)
    page = PdfReader(stored(desk, paid).file_path).pages[0]
    fonts = {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVuSans" in f for f in fonts), fonts  # subsets, embedded


def test_names_with_markup_characters_print_as_text(desk, make_invoice):
    inv = make_invoice("INV-2026-0002", name="Anand & <Co> Rao", email="a@example.edu")
    with desk.ledger.begin() as s:
        number = pay(s, inv, 100_000)
    render_pending(desk)
    assert "Anand & <Co> Rao" in pdf_text(Path(stored(desk, number).file_path))


def test_missing_logo_does_not_stop_receipts(desk, paid):
    desk.settings.set("institution.logo", str(desk.home / "nope.png"))
    assert render_pending(desk) == [paid]


def test_other_currency_and_locale(desk, make_invoice):
    desk.settings.set("desk.locale", "en_US")
    inv = make_invoice("INV-USD-1", [("Tuition", 150_050, 1)], currency="USD")
    with desk.ledger.begin() as s:
        number = pay(s, inv, 150_050, currency="USD")
    render_pending(desk)
    assert "$1,500.50" in pdf_text(Path(stored(desk, number).file_path))
