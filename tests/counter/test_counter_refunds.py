"""Refunds of transfers and cleared instruments are paid by the accounts office, away from
the drawer; a bounced invoice holds no money and can be voided."""

from __future__ import annotations

import json

from tests.counter.conftest import days_ago


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_a_transfer_is_refunded_by_the_office(cli, invoice, capsys):
    assert cli("counter", "open", "--float", "1,000", "--as", "ravi") == 0
    capsys.readouterr()
    transfer = ["--channel", "bank-transfer", "--reference", "UTIBR52026120300001"]
    assert cli("pay", invoice, "--amount", "10,000", *transfer, "--json") == 0
    paid = _json(capsys)
    assert cli("refund", paid["receipt"], "--amount", "2,500", "--reason", "scholarship",
               "--as", "meera") == 0  # fmt: skip
    assert "succeeded" in capsys.readouterr().out
    assert cli("invoices", "show", invoice, "--json") == 0
    shown = _json(capsys)
    assert shown["paid"] == 750_000
    assert shown["refunds"][0]["status"] == "succeeded"
    assert cli("counter", "status", "--json") == 0
    status = _json(capsys)
    assert status["refunds"] == {"office": {"count": 1, "amount": 250_000}}
    assert status["expected_cash"] == 100_000  # the drawer paid nothing


def test_a_cleared_cheque_can_be_refunded_and_a_bounced_invoice_voided(cli, invoice, capsys):
    assert cli("counter", "open", "--float", "0", "--as", "ravi") == 0
    capsys.readouterr()
    cheque = ["--channel", "cheque", "--instrument-number", "100200", "--bank", "ICICI Bank",
              "--instrument-date", days_ago(3)]  # fmt: skip
    assert cli("pay", invoice, "--amount", "5,000", *cheque, "--json") == 0
    first = _json(capsys)
    assert cli("payments", "clear", first["receipt"], "--as", "ravi") == 0
    assert cli("refund", first["receipt"], "--reason", "paid twice", "--as", "meera") == 0
    capsys.readouterr()
    cheque[3] = "100201"  # the next cheque in the book
    assert cli("pay", invoice, "--amount", "5,000", *cheque, "--json") == 0
    second = _json(capsys)
    assert cli("payments", "bounce", second["receipt"], "--reason", "signature differs",
               "--as", "meera") == 0  # fmt: skip
    capsys.readouterr()
    assert cli("void", invoice, "--reason", "student withdrew", "--as", "meera") == 0
    assert "void" in capsys.readouterr().out
