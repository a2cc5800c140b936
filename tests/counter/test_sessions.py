"""Counter sessions: open, status, close with and without a variance, the approval rules,
blind close, cash refunds out of the drawer, and a closed session that can't change."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from kiosk.ledger.counter_models import CounterSession
from kiosk.ledger.models import AuditEntry


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def day(cli, invoice, capsys):
    """Float ₹5,000; cash ₹15,000 (₹20,000 handed over); a cheque of ₹25,000."""
    assert cli("counter", "open", "--float", "5,000", "--as", "ravi") == 0
    assert (
        cli("pay", invoice, "--amount", "15,000", "--channel", "cash", "--tendered", "20,000") == 0
    )
    cheque = ["--instrument-number", "004512", "--bank", "SBI", "--instrument-date", "2026-12-01"]
    from tests.counter.conftest import days_ago

    cheque[-1] = days_ago(1)
    assert cli("pay", invoice, "--amount", "25,000", "--channel", "cheque", *cheque, "--json") == 0
    capsys.readouterr()
    return invoice


EXACT = "500x40"  # ₹20,000 = ₹5,000 float + ₹15,000 cash


def test_status_json_has_the_issue_keys(day, cli, capsys):
    assert cli("counter", "status", "--json") == 0
    d = _json(capsys)
    for key in (
        "session", "desk", "status", "opened_by", "opened_at", "float", "cash_in",
        "cash_refunds", "expected_cash", "counted", "variance", "approved_by", "closed_at",
        "by_channel",
    ):  # fmt: skip
        assert key in d, key
    assert d["status"] == "open" and d["opened_by"] == "ravi" and d["float"] == 500_000
    assert d["cash_in"] == 1_500_000 and d["expected_cash"] == 2_000_000
    assert d["by_channel"] == {
        "cash": {"count": 1, "amount": 1_500_000},
        "cheque": {"count": 1, "amount": 2_500_000},
    }
    assert d["pending_clearance"] == {"count": 1, "amount": 2_500_000}
    assert d["counted"] is None and d["closed_at"] is None


def test_one_open_session_per_desk(day, cli, capsys):
    assert cli("counter", "open", "--float", "100", "--as", "asha") == 1
    assert "already has counter session CS-" in capsys.readouterr().err


def test_exact_close_needs_no_approval(day, cli, ctx, capsys):
    assert cli("counter", "close", "--count", EXACT, "--as", "ravi", "--json") == 0
    d = _json(capsys)
    assert d["status"] == "closed" and d["counted"] == 2_000_000 and d["variance"] == 0
    assert d["approved_by"] is None and d["closed_at"]
    assert d["count"] == {"500": 40, "coins": 0}
    assert cli("counter", "status", "--json") == 1  # nothing open now
    assert _json(capsys) == {"desk": "Desk 1", "status": "closed", "session": None}
    assert cli("counter", "list", "--json") == 0
    [listed] = _json(capsys)
    assert listed["session"] == d["session"] and listed["status"] == "closed"


def test_a_variance_needs_another_supervisor_and_a_reason(day, cli, ctx, capsys):
    short = "500x39,200x2,coins=50"  # ₹19,950: ₹50 short
    assert cli("counter", "close", "--count", short, "--as", "ravi") == 1
    err = capsys.readouterr().err
    assert "the count of ₹19,950.00 is ₹50.00 short of the expected ₹20,000.00" in err
    assert "supervisor must approve" in err
    assert cli("counter", "close", "--count", short, "--as", "ravi", "--approve-as", "asha",
               "--reason", "x") == 1  # fmt: skip
    assert "cashier" in capsys.readouterr().err
    assert cli("counter", "close", "--count", short, "--as", "ravi", "--approve-as", "meera") == 1
    assert "say why" in capsys.readouterr().err
    with ctx.ledger.read() as s:
        assert s.scalar(select(CounterSession.status)) == "open"  # every refusal changed nothing
    assert cli("counter", "close", "--count", short, "--as", "ravi", "--approve-as", "meera",
               "--reason", "change given twice", "--json") == 0  # fmt: skip
    d = _json(capsys)
    assert d["variance"] == -5_000 and d["approved_by"] == "meera"
    assert d["variance_reason"] == "change given twice"
    with ctx.ledger.read() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "counter.closed"))
        assert json.loads(entry.details)["variance"] == -5_000


def test_a_supervisor_cannot_approve_their_own_close(cli, invoice, capsys):
    assert cli("counter", "open", "--float", "1,000", "--as", "meera") == 0
    assert cli("counter", "close", "--count", "500x1", "--as", "meera", "--approve-as", "meera",
               "--reason", "r") == 1  # fmt: skip
    assert "other than the one closing" in capsys.readouterr().err


def test_only_the_opener_or_a_supervisor_closes(day, cli, capsys):
    assert cli("counter", "close", "--count", EXACT, "--as", "asha") == 1
    assert "did not open" in capsys.readouterr().err
    assert cli("counter", "close", "--count", EXACT, "--as", "meera") == 0


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("2000x3", "not a note of INR"),
        ("500*", "NOTExPIECES"),
        ("", "empty"),
        ("coins=-5", "negative"),
    ],
)
def test_bad_counts_say_what_is_wrong(day, cli, ctx, capsys, count, message):
    assert cli("counter", "close", "--count", count, "--as", "ravi") == 2
    assert message in capsys.readouterr().err
    with ctx.ledger.read() as s:
        assert s.scalar(select(CounterSession.status)) == "open"


def test_denominations_are_configurable(day, cli, ctx, capsys):
    ctx.settings.set("counter.denominations", "2000,500")
    ctx.settings.save()
    assert cli("counter", "close", "--count", "2000x10", "--as", "ravi", "--json") == 0
    assert _json(capsys)["count"] == {"2000": 10, "coins": 0}


def test_blind_close_hides_the_expected_cash_until_closed(day, cli, ctx, capsys):
    ctx.settings.set("counter.blind_close", True)
    ctx.settings.save()
    assert cli("counter", "status", "--json") == 0
    d = _json(capsys)
    assert d["expected_cash"] is None and d["cash_in"] is None
    assert cli("counter", "close", "--count", "500x1", "--as", "ravi") == 1
    err = capsys.readouterr().err
    assert "differs from the expected cash" in err and "₹" not in err  # still blind
    assert d["by_channel"]["cash"]["amount"] is None
    assert cli("counter", "close", "--count", EXACT, "--as", "ravi", "--json") == 0
    assert _json(capsys)["expected_cash"] == 2_000_000


def test_a_closed_session_is_immutable(day, cli, ctx):
    assert cli("counter", "close", "--count", EXACT, "--as", "ravi") == 0
    with pytest.raises(DBAPIError, match="closed counter session"), ctx.ledger.begin() as s:
        s.execute(update(CounterSession).values(counted=1))
    with pytest.raises(DBAPIError, match="never deleted"), ctx.ledger.begin() as s:
        s.execute(text("DELETE FROM counter_sessions"))


def test_a_cash_refund_pays_out_of_the_drawer(day, cli, ctx, capsys):
    assert cli("invoices", "show", day, "--json") == 0
    cash = next(p for p in _json(capsys)["payments"] if p["channel"] == "cash")
    assert cli("refund", cash["receipt"], "--amount", "1,000", "--reason", "hostel waiver",
               "--as", "meera") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "succeeded" in out and "refund note R-" in out
    assert cli("counter", "status", "--json") == 0
    d = _json(capsys)
    assert d["cash_refunds"] == 100_000 and d["expected_cash"] == 1_900_000
    assert d["refunds"] == {"drawer": {"count": 1, "amount": 100_000}}
    # the drawer can't pay out more than it should hold
    assert (
        cli("refund", cash["receipt"], "--amount", "14,000", "--reason", "x", "--as", "meera") == 0
    )
    capsys.readouterr()
    assert cli("counter", "status", "--json") == 0
    assert _json(capsys)["expected_cash"] == 500_000


def test_a_cheque_awaiting_clearance_is_bounced_not_refunded(day, cli, capsys):
    assert cli("invoices", "show", day, "--json") == 0
    cheque = next(p for p in _json(capsys)["payments"] if p["channel"] == "cheque")
    assert cli("refund", cheque["receipt"], "--reason", "x", "--as", "meera") == 1
    assert "bounce it instead" in capsys.readouterr().err


def test_a_cash_refund_needs_the_counter_open(day, cli, capsys):
    assert cli("counter", "close", "--count", EXACT, "--as", "ravi") == 0
    capsys.readouterr()
    assert cli("invoices", "show", day, "--json") == 0
    cash = next(p for p in _json(capsys)["payments"] if p["channel"] == "cash")
    assert cli("refund", cash["receipt"], "--amount", "100", "--reason", "x", "--as", "meera") == 1
    assert "needs an open counter" in capsys.readouterr().err


def test_a_bounce_after_the_close_leaves_the_closed_report_alone(day, cli, capsys):
    assert cli("counter", "close", "--count", EXACT, "--as", "ravi", "--json") == 0
    closed = _json(capsys)
    assert cli("invoices", "show", day, "--json") == 0
    cheque = next(p for p in _json(capsys)["payments"] if p["channel"] == "cheque")
    assert (
        cli("payments", "bounce", cheque["attempt_id"], "--reason", "stopped", "--as", "meera") == 0
    )
    capsys.readouterr()
    assert cli("counter", "list", "--json") == 0
    [again] = _json(capsys)
    assert again == closed
