"""CSV injection (OWASP): hostile text imported from a CSV file, paid, refunded and
summarised, never reaches an export as a cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlalchemy import select

from kiosk.csv_safe import TRIGGERS
from kiosk.ledger.csv_format import COLUMNS
from kiosk.ledger.day_summary import day_summary, write_csv
from kiosk.ledger.importer import import_csv
from kiosk.ledger.models import Invoice
from kiosk.receipts.export import export_day
from tests.receipts.ledger_data import add_cashier, pay, payment_intent_of, refund

HOSTILE_NAMES = ['=HYPERLINK("http://x","click")', "@SUM(1)", "+1", "-1+1", "=cmd|' /C calc'!A0"]
HOSTILE_COMPONENTS = ["=1+1", "-2+3", "@Tuition", "+Hostel", "－Library"]
RECEIPT_NUMBERS = {"amount", "amount_minor", "signed_amount_minor", "balance_after_minor"}
SUMMARY_NUMBERS = {"count", "amount_minor"}
NUMERAL = re.compile(r"-?\d+(\.\d+)?")


def _hostile_file(folder: Path) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    for i, name in enumerate(HOSTILE_NAMES):
        for j, component in enumerate(HOSTILE_COMPONENTS):
            student = [f"S{i}", name, "", "", "=programme"]
            fee = [component, "1,000.00", str(j + 1)]
            w.writerow([*student, f"INV-{i}", "INR", "2026-07-01", "2026-07-31", *fee])
    path = folder / "hostile.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _money_for_every_invoice(desk) -> None:
    with desk.ledger.begin() as s:
        cashier = add_cashier(s, "mallory", "=Mallory")
        ids = s.scalars(select(Invoice.id).order_by(Invoice.number)).all()
        numbers = [pay(s, i, 500_000, desk="@Desk", staff_user_id=cashier, brand="-v") for i in ids]
        refund(s, payment_intent_of(s, numbers[0]), 150_000, desk="@Desk")


def _assert_safe(rows: list[dict[str, str]], hostile: list[str], numeric: set[str]) -> None:
    assert rows
    for row in rows:
        for column, cell in row.items():
            if column in numeric and cell:
                assert NUMERAL.fullmatch(cell), (column, cell)
            else:
                assert not cell.lstrip(" ").startswith(TRIGGERS), (column, cell)
    cells = {cell for row in rows for cell in row.values()}
    for text in hostile:
        assert "'" + text in cells and text not in cells


def test_exports_neutralise_hostile_cells_and_keep_amounts_numeric(desk, tmp_path):
    desk.settings.set("desk.name", "=Desk")
    import_csv(desk.ledger, _hostile_file(tmp_path))
    _money_for_every_invoice(desk)

    receipts = export_day(desk, tmp_path / "receipts.csv").path
    rows = list(csv.DictReader(receipts.open(encoding="utf-8", newline="")))
    _assert_safe(rows, [*HOSTILE_NAMES, "=Mallory", "@Desk", "-v"], RECEIPT_NUMBERS)
    assert rows[-1]["kind"] == "refund" and rows[-1]["signed_amount_minor"] == "-150000"
    assert rows[0]["amount"] == "5000.00"

    summary = day_summary(desk)
    path = write_csv(summary, tmp_path / "summary.csv", "en_IN")
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    _assert_safe(rows, [*HOSTILE_COMPONENTS, "=Desk"], SUMMARY_NUMBERS)
    net = next(r for r in rows if r["label"] == "net")
    assert net["amount_minor"] == str(len(HOSTILE_NAMES) * 500_000 - 150_000)
