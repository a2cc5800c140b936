"""Counter tenders through `pay --channel …`: cash with change, cheques and drafts subject
to realisation, bank transfers with a unique UTR; bad input changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from kiosk.ledger.invoices import invoice_detail, invoice_row
from kiosk.ledger.models import AuditEntry, Payment, Receipt
from tests.counter.conftest import days_ago, today


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def _counts(ledger) -> tuple[int, int, int]:
    with ledger.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Payment)),
            s.scalar(select(func.count()).select_from(Receipt)),
            s.scalar(select(func.count()).select_from(AuditEntry)),
        )


@pytest.fixture
def opened(cli, capsys):
    assert cli("counter", "open", "--float", "5,000", "--as", "ravi") == 0
    capsys.readouterr()


def test_cash_with_change_is_paid_at_once(opened, cli, ctx, invoice, capsys):
    code = cli(
        "pay", invoice, "--amount", "15,000", "--channel", "cash", "--tendered", "20,000", "--json"
    )
    assert code == 0
    out = _json(capsys)
    assert out["channel"] == "cash" and out["status"] == "paid"
    assert out["amount"] == 1_500_000 and out["currency"] == "INR"
    assert out["tendered"] == 2_000_000 and out["change"] == 500_000
    assert out["attempt_id"].startswith("pa_") and out["receipt"].startswith("R-")
    assert out["session"].startswith("CS-")
    with ctx.ledger.read() as s:
        assert invoice_row(s, invoice).paid == 1_500_000
        receipt = s.scalar(select(Receipt).where(Receipt.number == out["receipt"]))
        assert receipt.file_path  # rendered after commit, like a Stripe payment's


def test_cash_text_output_shows_the_change(opened, cli, invoice, capsys):
    assert cli("pay", invoice, "--amount", "999.50", "--channel", "cash", "--tendered", "1000") == 0
    assert "CHANGE DUE: ₹0.50" in capsys.readouterr().out


def test_cheque_is_pending_until_cleared(opened, cli, ctx, invoice, capsys):
    args = ["--channel", "cheque", "--instrument-number", "004512", "--bank", "State Bank of India"]
    assert (
        cli("pay", invoice, "--amount", "25,000", *args, "--instrument-date", days_ago(2), "--json")
        == 0
    )
    out = _json(capsys)
    assert out["status"] == "pending_clearance"
    assert out["instrument"] == {
        "kind": "cheque",
        "number": "004512",
        "bank": "State Bank of India",
        "date": days_ago(2),
    }
    with ctx.ledger.read() as s:
        detail = invoice_detail(s, invoice)
        assert detail.row.paid == 2_500_000  # allocated at once, subject to realisation
    assert cli("invoices", "show", invoice, "--json") == 0
    [payment] = _json(capsys)["payments"]
    assert payment["channel"] == "cheque" and payment["status"] == "pending_clearance"
    assert payment["instrument"]["number"] == "004512"
    assert cli("payments", "pending", "--json") == 0
    [pending] = _json(capsys)
    assert pending["attempt_id"] == out["attempt_id"]
    assert cli("payments", "clear", out["attempt_id"], "--as", "ravi") == 0
    capsys.readouterr()
    assert cli("invoices", "show", invoice, "--json") == 0
    assert _json(capsys)["payments"][0]["status"] == "paid"
    assert cli("payments", "clear", out["receipt"], "--as", "ravi") == 1  # already cleared


def test_bounce_reverses_the_allocation_and_issues_a_note(opened, cli, ctx, invoice, capsys):
    args = ["--channel", "dd", "--instrument-number", "778812", "--bank", "Canara Bank"]
    assert (
        cli("pay", invoice, "--amount", "61,000", *args, "--instrument-date", days_ago(0), "--json")
        == 0
    )
    out = _json(capsys)
    with ctx.ledger.read() as s:
        assert invoice_row(s, invoice).status == "paid"
    # a cashier may not record a bounce
    assert cli("payments", "bounce", out["receipt"], "--reason", "x", "--as", "ravi") == 1
    assert (
        cli("payments", "bounce", out["receipt"], "--reason", "funds insufficient", "--as", "meera")
        == 0
    )
    text = capsys.readouterr().out
    assert "bounced; reversal note R-" in text
    with ctx.ledger.read() as s:
        row = invoice_row(s, invoice)
        assert row.paid == 0 and row.balance == 6_100_000 and row.credit == 0
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert "payment.bounced" in actions
    assert cli("invoices", "show", invoice, "--json") == 0
    shown = _json(capsys)
    assert shown["payments"][0]["status"] == "bounced"
    assert shown["balance"] == 6_100_000
    # bounced once is final; and the same draft can be presented again later
    assert cli("payments", "bounce", out["receipt"], "--reason", "again", "--as", "meera") == 1
    assert cli("pay", invoice, "--amount", "61,000", *args, "--instrument-date", days_ago(0)) == 0


def test_post_dated_and_stale_instruments_are_refused(opened, cli, ledger, invoice, capsys):
    before = _counts(ledger)
    tomorrow = today().toordinal() + 1
    from datetime import date

    args = ["--channel", "cheque", "--instrument-number", "004513", "--bank", "HDFC Bank"]
    assert (
        cli(
            "pay",
            invoice,
            "--amount",
            "100",
            *args,
            "--instrument-date",
            date.fromordinal(tomorrow).isoformat(),
        )
        == 1
    )
    assert "post-dated" in capsys.readouterr().err
    assert cli("pay", invoice, "--amount", "100", *args, "--instrument-date", days_ago(120)) == 1
    assert "stale" in capsys.readouterr().err
    assert (
        cli(
            "pay",
            invoice,
            "--amount",
            "100",
            "--channel",
            "cheque",
            "--bank",
            "HDFC",
            "--instrument-date",
            days_ago(1),
        )
        == 1
    )
    assert "cheque number" in capsys.readouterr().err
    assert _counts(ledger) == before


def test_bank_transfer_utr_is_unique_across_the_ledger(cli, ctx, invoice, make_invoice, capsys):
    # no counter session needed for a transfer
    args = [
        "--channel",
        "bank-transfer",
        "--reference",
        "sbin126337001234",
        "--paid-on",
        days_ago(1),
    ]
    assert cli("pay", invoice, "--amount", "10,000", *args, "--json") == 0
    first = _json(capsys)
    assert first["reference"] == "SBIN126337001234" and first["status"] == "paid"
    make_invoice("INV-OTHER-1", [("Tuition", 1_000_000, 1)])
    assert cli("pay", "INV-OTHER-1", "--amount", "1,000", *args) == 1
    err = capsys.readouterr().err
    assert "UTR SBIN126337001234 was already recorded" in err and first["receipt"] in err
    assert (
        cli(
            "pay",
            "INV-OTHER-1",
            "--amount",
            "1,000",
            "--channel",
            "bank-transfer",
            "--reference",
            "12",
        )
        == 1
    )
    assert "UTR" in capsys.readouterr().err


def test_cash_and_cheques_need_an_open_counter(cli, ledger, invoice, capsys):
    before = _counts(ledger)
    assert cli("pay", invoice, "--amount", "100", "--channel", "cash") == 1
    assert "needs an open counter" in capsys.readouterr().err
    assert _counts(ledger) == before


@pytest.mark.parametrize(
    ("amount", "extra", "message"),
    [
        ("70,000", [], "more than the balance"),
        ("0", [], "more than zero"),
        ("100", ["--tendered", "50"], "less than"),
        ("12,34", [], "12,34"),
    ],
)
def test_bad_amounts_change_nothing(opened, cli, ledger, invoice, capsys, amount, extra, message):
    before = _counts(ledger)
    code = cli("pay", invoice, "--amount", amount, "--channel", "cash", *extra)
    assert code in (1, 2)
    assert message in capsys.readouterr().err
    assert _counts(ledger) == before


def test_overpayment_is_credit_when_allowed(opened, cli, ctx, invoice, capsys):
    ctx.settings.set("counter.allow_credit", True)
    ctx.settings.save()
    assert cli("pay", invoice, "--amount", "62,000", "--channel", "cash", "--json") == 0
    with ctx.ledger.read() as s:
        row = invoice_row(s, invoice)
        assert row.paid == 6_100_000 and row.credit == 100_000
