"""`python main.py receipts …`: list, show, print (to file / to a printer), export, render."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from kiosk.receipts.service import render_pending
from tests.receipts.conftest import pdf_text
from tests.receipts.ledger_data import payment_intent_of, refund
from tests.receipts.test_render import stored
from ui.cli import main


def run(ctx, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(ctx.home), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_and_show(desk, paid, capsys):
    code, out, _ = run(desk, capsys, "receipts", "list")
    assert code == 0 and paid in out and "(pending)" in out and "₹61,000.00" in out
    assert run(desk, capsys, "receipts", "render")[0] == 0
    code, out, _ = run(desk, capsys, "receipts", "list", "--json")
    [item] = json.loads(out)
    assert item["number"] == paid and item["total"] == {
        "amount": 6_100_000,
        "formatted": "₹61,000.00",
    }
    assert item["balance_after"]["formatted"] == "₹1,00,000.00"
    code, out, _ = run(desk, capsys, "receipts", "show", paid, "--json")
    data = json.loads(out)
    assert data["file_status"] == "ok" and data["student"]["name"] == "Asha Verma"
    assert data["lines"] == [
        {"component": "Tuition", "amount": 6_100_000, "formatted": "₹61,000.00"}
    ]
    code, out, _ = run(desk, capsys, "receipts", "show", paid)
    assert "Tuition" in out and "file ok" in out
    code, _, err = run(desk, capsys, "receipts", "show", "R-2026-999999")
    assert code == 1 and "no receipt numbered" in err


def test_print_to_file_gives_the_duplicate_pdf(desk, paid, capsys, tmp_path):
    out_pdf = tmp_path / "out" / "copy.pdf"
    code, out, _ = run(desk, capsys, "receipts", "print", paid, "--to-file", str(out_pdf))
    assert code == 0 and str(out_pdf) in out
    text = pdf_text(out_pdf)
    for fact in (paid, "Asha Verma", "₹61,000.00", "₹1,00,000.00", "DUPLICATE"):
        assert fact in text
    assert stored(desk, paid).print_count == 1
    code, out, _ = run(
        desk,
        capsys,
        "receipts",
        "print",
        paid,
        "--layout",
        "thermal80",
        "--to-file",
        str(out_pdf),
        "--json",
    )
    assert json.loads(out)["print_count"] == 2
    assert float(PdfReader(out_pdf).pages[0].mediabox.width) < 230  # the 80 mm roll


def test_print_to_a_missing_printer_says_so(desk, paid, capsys):
    code, _, err = run(desk, capsys, "receipts", "print", paid, "--printer", "No Such Printer")
    assert code == 1
    assert "No Such Printer" in err or "no printer is installed" in err
    assert "stays available" in err
    assert stored(desk, paid).print_count == 0


def test_the_core_cli_alone_prints_to_files_only(desk, paid, capsys, monkeypatch):
    from kiosk.cli.main import main as core_main
    from kiosk.receipts import cli

    monkeypatch.setattr(cli, "_printer", [])
    code = core_main(["--home", str(desk.home), "receipts", "print", paid, "--printer", "P"])
    err = capsys.readouterr().err
    assert code == 1 and "--to-file" in err and "stays available" in err
    assert stored(desk, paid).print_count == 0


def test_export_the_days_receipts_as_csv(desk, paid, capsys, tmp_path):
    with desk.ledger.begin() as s:
        note = refund(s, payment_intent_of(s, paid), 1_500_000, reason="Course dropped")
    render_pending(desk)
    out = tmp_path / "day.csv"
    code, text, _ = run(desk, capsys, "receipts", "export", "--out", str(out))
    assert code == 0 and "2 receipt(s)" in text
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["number"] for r in rows] == [paid, note]
    assert rows[0]["amount"] == "61000.00" and rows[0]["signed_amount_minor"] == "6100000"
    assert rows[1]["kind"] == "refund" and rows[1]["signed_amount_minor"] == "-1500000"
    assert rows[1]["refund_of_receipt"] == paid and rows[0]["cashier"] == "Priya Nair"
    assert rows[0]["sha256"] == stored(desk, paid).sha256
    today = datetime.now(ZoneInfo("Asia/Kolkata")).date()
    assert rows[0]["date"] == today.isoformat()
    code, text, _ = run(desk, capsys, "receipts", "export", "--date", "2001-01-01", "--json")
    data = json.loads(text)
    assert data["receipts"] == 0 and Path(data["file"]).read_text().startswith("number,kind")


def test_cli_module_imports_stay_light():
    import subprocess
    import sys

    probe = (
        "import sys, kiosk.receipts.cli; "
        "print(sorted(m for m in ('reportlab', 'PySide6', 'segno', 'smtplib') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    assert out.strip() == "[]"


def test_core_never_imports_qt():
    root = Path(__file__).resolve().parents[2] / "kiosk" / "receipts"
    qt_import = re.compile(r"^\s*(from|import)\s+PySide6", re.M)
    offenders = [p.name for p in root.rglob("*.py") if qt_import.search(p.read_text())]
    assert offenders == []


def test_export_day_into_a_folder_can_be_cancelled(desk, paid, tmp_path):
    import threading

    import pytest

    from kiosk.receipts.export import ExportCancelled, export_day

    render_pending(desk)
    report = export_day(desk, tmp_path)
    assert report.path.parent == tmp_path and report.path.name.startswith("receipts-")
    assert report.receipts == 1 and "1 receipt(s)" in report.summary()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelled):
        export_day(desk, tmp_path / "other", cancel=cancel)
    assert not (tmp_path / "other").exists()


def test_render_exits_non_zero_while_receipts_stay_pending(desk, paid, capsys):
    """Issue 14: say which receipt stays pending and why; exit 1 until it is rendered."""
    import shutil

    shutil.rmtree(desk.receipts_dir, ignore_errors=True)  # the desk made it private at start
    desk.receipts_dir.parent.mkdir(parents=True, exist_ok=True)
    desk.receipts_dir.write_text("not a folder")  # the PDF cannot be written under it
    code, out, err = run(desk, capsys, "receipts", "render")
    assert code == 1
    assert f"receipt {paid} is still pending: could not write the PDF" in err
    assert "Traceback" not in err
    code, out, _ = run(desk, capsys, "receipts", "render", "--json")
    assert code == 1 and list(json.loads(out)["pending"]) == [paid]
    desk.receipts_dir.unlink()
    code, out, err = run(desk, capsys, "receipts", "render")
    assert (code, err) == (0, "") and "rendered 1 receipt(s)" in out
    assert stored(desk, paid).file_path
