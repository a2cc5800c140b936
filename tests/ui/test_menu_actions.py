"""Menu actions with progress dialogs: import invoices from CSV, export today's receipts."""

from __future__ import annotations

CSV = (
    "student_number,student_name,email,phone,programme,invoice_number,currency,"
    "issue_date,due_date,component,amount,priority\n"
    "S9000001,Meera Iyer,meera@example.com,,B.Sc,INV-IMP-0001,INR,2026-07-01,2026-08-01,"
    'Tuition,"50,000",1\n'
    "S9000001,Meera Iyer,meera@example.com,,B.Sc,INV-IMP-0001,INR,2026-07-01,2026-08-01,"
    "Hostel,11000,2\n"
)


def test_import_csv_then_find_it(qtbot, window, cashier, monkeypatch, tmp_path):
    from ui.desk_actions import FilePicker

    window.sign_in_as(cashier)
    path = tmp_path / "invoices.csv"
    path.write_text(CSV)
    monkeypatch.setattr(FilePicker, "open_csv", classmethod(lambda cls, parent: path))
    window.actions_.import_action.trigger()
    qtbot.waitUntil(lambda: "Import finished" in window.status.currentMessage(), timeout=10_000)
    assert "1 invoices created" in window.status.currentMessage()
    window.invoices.search.setText("meera")
    model = window.invoices.model
    qtbot.waitUntil(lambda: model.total_count == 1 and model.rowCount() == 1, timeout=5000)
    assert model.rows[0].number == "INV-IMP-0001" and model.rows[0].total == 6_100_000


def test_import_errors_are_plain_words(qtbot, window, cashier, monkeypatch, tmp_path):
    from ui import errors
    from ui.desk_actions import FilePicker

    window.sign_in_as(cashier)
    path = tmp_path / "bad.csv"
    path.write_text("student_number,amount\nS1,abc\n")
    monkeypatch.setattr(FilePicker, "open_csv", classmethod(lambda cls, parent: path))
    before = len(errors.shown)
    window.actions_.import_action.trigger()
    qtbot.waitUntil(lambda: len(errors.shown) > before, timeout=10_000)
    assert "Traceback" not in errors.shown[-1]


def test_export_todays_receipts(qtbot, window, cashier, monkeypatch, tmp_path):
    from ui.desk_actions import FilePicker

    window.sign_in_as(cashier)
    out = tmp_path / "receipts.csv"
    monkeypatch.setattr(FilePicker, "save", classmethod(lambda cls, *a: out))
    window.actions_.export_action.trigger()
    qtbot.waitUntil(lambda: "Receipts exported" in window.status.currentMessage(), timeout=10_000)
    assert out.read_text().startswith("number,")
