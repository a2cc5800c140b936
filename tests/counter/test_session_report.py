"""The counter session report (A4 and 80 mm): rendered from the ledger, read back with
pdftotext, written atomically and private, and the same for a closed session later."""

from __future__ import annotations

import json
import stat

import pytest

from tests.counter.conftest import days_ago
from tests.receipts.conftest import pdf_text


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def closed(cli, invoice, capsys):
    """A day: float ₹5,000; cash ₹15,000 (₹20,000 handed over); a DD of ₹12,000; a transfer
    of ₹8,000; a cheque of ₹5,000 that bounced; a cash refund of ₹1,000 from the drawer;
    closed ₹150 short, approved by meera. Returns the session's JSON."""
    assert cli("counter", "open", "--float", "5,000", "--as", "ravi") == 0
    capsys.readouterr()
    assert cli("pay", invoice, "--amount", "15,000", "--channel", "cash",
               "--tendered", "20,000", "--json") == 0  # fmt: skip
    cash = _json(capsys)
    dd = ["--instrument-number", "778812", "--bank", "Canara Bank", "--instrument-date",
          days_ago(2)]  # fmt: skip
    assert cli("pay", invoice, "--amount", "12,000", "--channel", "dd", *dd, "--json") == 0
    dd_receipt = _json(capsys)["receipt"]
    assert cli("pay", invoice, "--amount", "8,000", "--channel", "bank-transfer",
               "--reference", "SBIN526337000123", "--paid-on", days_ago(1)) == 0  # fmt: skip
    cheque = ["--instrument-number", "004512", "--bank", "State Bank of India",
              "--instrument-date", days_ago(1)]  # fmt: skip
    capsys.readouterr()
    assert cli("pay", invoice, "--amount", "5,000", "--channel", "cheque", *cheque, "--json") == 0
    bounced = _json(capsys)["receipt"]
    assert cli("payments", "bounce", bounced, "--reason", "insufficient funds",
               "--as", "meera") == 0  # fmt: skip
    assert cli("refund", cash["receipt"], "--amount", "1,000", "--reason", "hostel waiver",
               "--as", "meera") == 0  # fmt: skip
    capsys.readouterr()
    # expected: 5,000 + 15,000 - 1,000 = 19,000; counted 18,850
    count = "500x37,200x1,100x1,coins=50"
    assert cli("counter", "close", "--count", count, "--as", "ravi", "--approve-as", "meera",
               "--reason", "short change given twice", "--json") == 0  # fmt: skip
    return {**_json(capsys), "dd_receipt": dd_receipt}


def test_the_a4_report_lists_the_day_and_its_totals(closed, cli, tmp_path, capsys):
    out = tmp_path / "reports" / "day.pdf"
    assert cli("counter", "report", closed["session"], "--to-file", str(out)) == 0
    assert f"{closed['session']}: report written to" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = pdf_text(out)
    assert "COUNTER SESSION" in text and closed["session"] in text
    for expected in (
        "Cash 1 ₹15,000.00",
        "Demand draft 1 ₹12,000.00",
        "Bank transfer 1 ₹8,000.00",
        "Cheque 1 ₹5,000.00",
        "Total taken 4 ₹40,000.00",
        "DD 778812 · Canara Bank",
        "UTR SBIN526337000123",
        "Cheque 004512 · State Bank of India",
        "BOUNCED",
        "Cash drawer hostel waiver ₹1,000.00",  # the refund, paid from the drawer
        "hostel waiver",
        "Opening float ₹5,000.00",
        "Expected in the drawer ₹19,000.00",
        "Counted ₹18,850.00",
        "Variance ₹150.00 short",
        "Variance approved by meera",
        "short change given twice",
        "₹500.00 37 ₹18,500.00",
        "Coins ₹50.00",
        "Tuition",
    ):
        assert expected in text, expected
    assert "SESSION STILL OPEN" not in text


def test_the_roll_report_has_the_same_totals(closed, cli, tmp_path):
    out = tmp_path / "roll.pdf"
    assert cli("counter", "report", closed["session"], "--to-file", str(out),
               "--layout", "thermal80") == 0  # fmt: skip
    text = _roll_text(out)
    for expected in ("COUNTER SESSION", "Total taken (4) ₹40,000.00",
                     "Expected in the drawer ₹19,000.00", "Variance ₹150.00 short",
                     "Counted ₹18,850.00"):  # fmt: skip
        assert expected in text, expected
    from pypdf import PdfReader

    page = PdfReader(out).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 80  # the roll is 80 mm wide


def _roll_text(path) -> str:
    """pdftotext in layout mode: the roll's labels and amounts stay on one line."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed: apt-get install poppler-utils (CI installs it)")
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                         check=True, capture_output=True, text=True).stdout  # fmt: skip
    return " ".join(out.split())


def test_a_closed_sessions_report_does_not_change_later(closed, cli, ctx, tmp_path):
    from kiosk.receipts.session_report import render_session_report

    before = render_session_report(ctx, closed["session"])
    # the next day: a new session, and the DD clears
    assert cli("counter", "open", "--float", "0", "--as", "asha") == 0
    assert cli("payments", "clear", closed["dd_receipt"], "--as", "asha") == 0
    assert render_session_report(ctx, closed["session"]) == before


def test_an_open_session_says_so_and_a_blind_close_hides_the_expected_cash(
    cli, invoice, ctx, capsys
):
    from kiosk.receipts.session_report import render_session_report

    assert cli("counter", "open", "--float", "2,000", "--as", "ravi", "--json") == 0
    number = json.loads(capsys.readouterr().out)["session"]
    assert cli("pay", invoice, "--amount", "3,000", "--channel", "cash") == 0
    pdf = render_session_report(ctx, number)
    assert b"%PDF" in pdf[:8]
    ctx.settings.set("counter.blind_close", True)
    blind = render_session_report(ctx, number)
    assert blind != pdf


def test_text_of_open_and_blind_reports(cli, invoice, ctx, capsys, tmp_path):
    from kiosk.receipts.session_report import write_session_report

    assert cli("counter", "open", "--float", "2,000", "--as", "ravi", "--json") == 0
    number = json.loads(capsys.readouterr().out)["session"]
    assert cli("pay", invoice, "--amount", "3,000", "--channel", "cash") == 0
    text = pdf_text(write_session_report(ctx, number, tmp_path / "open.pdf"))
    assert "SESSION STILL OPEN" in text and "Expected in the drawer ₹5,000.00" in text
    ctx.settings.set("counter.blind_close", True)
    text = pdf_text(write_session_report(ctx, number, tmp_path / "blind.pdf"))
    assert "Expected in the drawer" not in text and "Blind close" in text


def test_a_bad_layout_or_session_is_refused_and_writes_nothing(closed, cli, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert cli("counter", "report", "CS-1999-000001", "--to-file", str(out)) == 1
    assert "no counter session 'CS-1999-000001'" in capsys.readouterr().err
    assert not out.exists()
