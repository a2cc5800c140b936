"""Payouts: card and part payments, a refund, a payout that fails and is paid again, all
through the sandbox; every receipt matched exactly once, fees and net to the paisa."""

from __future__ import annotations

import csv
import io
import json

import pytest
import stripe
from sqlalchemy import func, select

from kiosk.cli.main import main
from kiosk.ledger.models import Payment, PayoutLine, Receipt
from kiosk.ledger.settlement import settled_payouts
from kiosk.payments.attempts import start_payment
from kiosk.payments.poller import poll_once
from kiosk.payments.refunds import poll_refunds, request_refund
from kiosk.payouts.report import reports, unpaid_receipts
from kiosk.payouts.sync import sync_payouts
from tests.payments.conftest import KEY, pay

INDIAN_CARD = "4000003560000008"


@pytest.fixture
def sandbox(own_sandbox):
    return own_sandbox


@pytest.fixture
def client(sandbox):
    return stripe.StripeClient(KEY, base_addresses={"api": sandbox.url}, max_network_retries=0)


@pytest.fixture
def cli_env(monkeypatch, sandbox):
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)


def helper(client, path: str):
    return client.deserialize(client.raw_request("post", path), api_mode="V1")


def take(ctx, gateway, client, number: str, amount: int, card: str = INDIAN_CARD) -> str:
    """Pay by `card`, or by UPI when `card` is a UPI id; recorded by the desk's poll."""
    view = start_payment(ctx, gateway, number, amount)
    if "@" in card:
        path = f"/v1/test_helpers/checkout/sessions/{view.stripe_id}/pay"
        client.raw_request("post", path, payment_method_type="upi", vpa=card)
    else:
        pay(client, view.stripe_id, card)
    poll_once(ctx, gateway)
    with ctx.ledger.read() as s:
        return s.scalars(select(Payment.stripe_payment_intent).order_by(Payment.id.desc())).first()


def cli_json(home, capsys, *args: str) -> dict:
    assert main(["--home", str(home), *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_payments_refund_and_a_failed_then_retried_payout_reconcile(
    ctx, home, gateway, client, make_invoice, staff, cli_env, capsys
):
    make_invoice("INV-PO-1", [("Tuition", 10_000_000, 1)])
    make_invoice("INV-PO-2", [("Hostel", 6_100_000, 1)])
    make_invoice("INV-PO-8", [("Exam", 2_000_000, 1)])
    take(ctx, gateway, client, "INV-PO-1", 4_000_000)  # a part payment
    take(ctx, gateway, client, "INV-PO-1", 6_000_000)
    pi3 = take(ctx, gateway, client, "INV-PO-2", 6_100_000, card="4242424242424242")
    pi4 = take(ctx, gateway, client, "INV-PO-8", 2_000_000, card="payment.success@stripeupi")
    request_refund(ctx, gateway, pi3, 100_000, "overpaid hostel", staff[0])
    bounced = request_refund(ctx, gateway, pi4, 500_000, "exam fee waived", staff[0])
    helper(client, f"/v1/test_helpers/refunds/{bounced.stripe_refund_id}/fail")
    poll_refunds(ctx, gateway)  # the desk learns the refund failed: the money stayed
    first = helper(client, "/v1/test_helpers/payouts/run_now")
    helper(client, f"/v1/test_helpers/payouts/{first.id}/fail")
    second = helper(client, "/v1/test_helpers/payouts/run_now")

    result = sync_payouts(ctx, gateway)
    assert result.fetched == 2
    assert sync_payouts(ctx, gateway).skipped == 2  # final and complete: not fetched again

    with ctx.ledger.read() as s:
        found = {r.id: r for r in reports(s)}
        lines = s.scalar(select(func.count()).select_from(PayoutLine))
        receipts = set(s.scalars(select(Receipt.number).where(Receipt.payment_id.is_not(None))))
        assert settled_payouts(s, [pi3]) == {pi3: second.id}  # through the failed one
        assert unpaid_receipts(s, days=0, now=10**10) == []
    failed, paid = found[first.id], found[second.id]
    assert failed.status == "failed" and paid.status == "paid"
    # 2% + 18% GST on the Indian-card and UPI payments, 3% + GST on the US test card
    fees = (80_000 + 14_400) + (120_000 + 21_600) + (183_000 + 32_940) + (40_000 + 7_200)
    gst = 14_400 + 21_600 + 32_940 + 7_200
    assert (failed.gross, failed.fees, failed.gst) == (18_100_000, fees, gst)
    assert failed.refunds == -600_000 and failed.other == 500_000  # the failed refund came back
    assert failed.net == first.amount == 18_100_000 - fees - 100_000
    assert failed.gross - failed.fees + failed.refunds + failed.other == failed.net
    assert paid.other == first.amount and paid.net == second.amount == first.amount
    assert failed.matched and paid.matched and lines == 10
    matched = [ln.receipt for ln in failed.lines if ln.receipt]
    assert sorted(matched) == sorted(receipts) and len(set(matched)) == 4  # each exactly once
    notes = [(ln.type, ln.refund_note) for ln in failed.lines if ln.refund_note]
    assert sorted(t for t, _ in notes) == ["refund", "refund", "refund_failure"]

    invoice = cli_json(home, capsys, "invoices", "show", "INV-PO-2")
    assert [p["payout"] for p in invoice["payments"]] == [second.id]
    receipt = invoice["payments"][0]["receipt"]
    assert cli_json(home, capsys, "receipts", "show", receipt)["payout"] == second.id

    listed = cli_json(home, capsys, "payouts", "list")
    assert [p["id"] for p in listed["payouts"]] == [second.id, first.id]
    assert set(listed["payouts"][1]) >= {
        "id", "status", "arrival_date", "currency", "gross", "fees", "refunds", "net",
        "matched", "exceptions",
    }  # fmt: skip
    shown = cli_json(home, capsys, "payouts", "show", first.id)
    assert shown["exceptions"] == [] and len(shown["lines"]) == 8
    assert set(shown["lines"][0]) == {
        "balance_transaction", "type", "source", "amount", "fee", "net", "receipt",
        "refund_note", "matched",
    }  # fmt: skip

    day = failed.arrival_date
    args = ["--home", str(home), "payouts", "export", "--from", day, "--to", day]
    assert main([*args, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 10 and sum(int(r["net"]) for r in rows if r["type"] != "payout") == (
        first.amount + second.amount
    )


def test_exceptions_name_what_does_not_match(ctx, home, gateway, client, make_invoice):
    make_invoice("INV-PO-3", [("Exam", 500_000, 1)])
    pi = take(ctx, gateway, client, "INV-PO-3", 500_000)
    # a charge the desk never took (made straight on Stripe)
    stray = client.v1.payment_intents.create(
        {"amount": 20_000, "currency": "inr", "payment_method": "pm_card_in", "confirm": True,
         "payment_method_types": ["card"]}
    )  # fmt: skip
    with ctx.ledger.begin() as s:  # and a receipt whose amount Stripe disagrees with
        s.scalars(select(Payment).where(Payment.stripe_payment_intent == pi)).one().amount = 499_999
    helper(client, "/v1/test_helpers/payouts/run_now")
    sync_payouts(ctx, gateway)
    with ctx.ledger.read() as s:
        (report,) = reports(s)
    kinds = {p.kind: p.message for p in report.exceptions}
    assert kinds["unmatched_charge"] == f"no receipt for {stray.latest_charge}"
    assert "amount differs" in kinds["amount_differs"] and not report.matched


def test_a_receipt_in_no_payout_is_reported_after_n_days(ctx, gateway, client, make_invoice):
    make_invoice("INV-PO-4", [("Exam", 500_000, 1)])
    take(ctx, gateway, client, "INV-PO-4", 500_000)
    sync_payouts(ctx, gateway)
    with ctx.ledger.read() as s:
        (problem,) = unpaid_receipts(s, days=3, now=10**10)
        assert unpaid_receipts(s, days=3) == []  # not yet three days old
    assert problem.kind == "unpaid" and "not in any payout after 3 days" in problem.message


def test_show_an_unknown_payout_says_so(ledger, home, capsys):
    assert main(["--home", str(home), "payouts", "show", "po_nope"]) == 1
    assert "no payout 'po_nope'" in capsys.readouterr().err


def test_journal_is_balanced_per_day_and_maps_components(
    ctx, home, gateway, client, make_invoice, staff, monkeypatch, capsys
):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("FEE_KIOSK_ACCOUNTS_COMPONENTS", "Tuition=4100, hostel=4200")
    make_invoice("INV-PO-5", [("Tuition", 5_000_000, 1), ("Hostel", 1_100_000, 2)])
    pi = take(ctx, gateway, client, "INV-PO-5", 5_500_000)  # Tuition in full, ₹5,000 Hostel
    request_refund(ctx, gateway, pi, 200_000, "hostel room not taken", staff[0])
    payout = helper(client, "/v1/test_helpers/payouts/run_now")
    sync_payouts(ctx, gateway)
    today = datetime.now(ZoneInfo("Asia/Kolkata")).date()  # the desk's zone decides the day
    span = [(today - timedelta(days=1)).isoformat(), today.isoformat()]
    args = ["--home", str(home), "journal", "export", "--from", span[0], "--to", span[1]]
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    for day in {r["date"] for r in rows}:
        debit = sum(int(r["debit"]) for r in rows if r["date"] == day)
        assert debit == sum(int(r["credit"]) for r in rows if r["date"] == day) > 0
    by = {(r["account"], r["memo"]): (int(r["debit"]), int(r["credit"])) for r in rows}
    assert by[("4100", "Tuition collected")] == (0, 5_000_000)
    assert by[("4200", "Hostel collected")] == (0, 500_000)
    assert by[("4200", "Hostel refunded")] == (200_000, 0)  # refunds reverse last-in first
    assert by[("1100", f"Stripe payout {payout.id}")] == (payout.amount, 0)
    fee, gst = 110_000, 19_800  # 2% of ₹55,000 on an Indian card, GST 18% of that
    assert by[("6100", "Stripe fees")] == (fee, 0) and by[("1400", "GST on Stripe fees")] == (
        gst,
        0,
    )
    clearing = sum(d - c for (acct, _), (d, c) in by.items() if acct == "1150")
    assert clearing == 0  # everything Stripe held has been paid out
    monkeypatch.setenv("FEE_KIOSK_ACCOUNTS_COMPONENTS", "Tuition")
    assert main(args) == 1
    assert "is not NAME=ACCOUNT" in capsys.readouterr().err


def test_the_days_summary_shows_stripe_fees_and_the_expected_net(
    ctx, gateway, client, make_invoice
):
    from kiosk.ledger.day_summary import day_summary

    make_invoice("INV-PO-6", [("Exam", 200_000, 1)])
    make_invoice("INV-PO-7", [("Exam", 200_000, 1)])
    take(ctx, gateway, client, "INV-PO-6", 100_000)
    take(ctx, gateway, client, "INV-PO-7", 100_000)
    (before,) = day_summary(ctx).currencies
    assert (before.stripe_payments, before.fees_unknown, before.stripe_fees) == (2, 2, 0)
    assert ("Fees not known yet (run payouts sync)", 2, 0) in before.fee_rows()
    result = sync_payouts(ctx, gateway)  # no payout yet: the fees are known all the same
    assert result.fetched == 0 and result.recent >= 2
    summary = day_summary(ctx)
    (day,) = summary.currencies
    fee = 2 * (2_000 + 360)  # 2% of ₹1,000 and 18% GST on it, twice
    assert (day.fees_unknown, day.stripe_fees) == (0, fee)
    assert day.expected_net == day.net - fee == 200_000 - fee
    labels = [(label, amount) for section, label, _c, _n, amount in summary.rows("en_IN")]
    assert ("Expected net after fees", "₹1,952.80") in labels
    assert sync_payouts(ctx, gateway).recent == 0  # seen before: nothing new
