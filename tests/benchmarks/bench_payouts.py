"""Payout reconciliation benchmark: 10,000 Stripe payments in 30 payouts.

Target (issue 12): `payouts sync` plus the reconciliation report (every line matched to its
receipt, exceptions, receipts in no payout) in under 10 s. The sandbox runs in this process
and is filled through its own engine (charges with Stripe India's fees, refunds, 30
payouts); the ledger gets the matching payments and receipts by bulk insert. The timed part
goes through HTTP and the stripe package as the desk does. Baseline, same run: listing every
balance transaction the same way, with nothing stored or matched.

    python tests/benchmarks/bench_payouts.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PAYMENTS = 10_000
PAYOUTS = 30
AMOUNT = 50_000  # ₹500 each
KEY = "sk_test_bench_payouts"


def _fill_sandbox(sb: Any) -> list[tuple[str, str]]:
    """10,000 paid charges in 30 payouts; returns (payment_intent, charge) pairs."""
    from kiosk.sandbox import balance, ids, payouts_logic, shapes

    pairs = []
    with sb.lock:
        for n in range(PAYMENTS):
            ch = shapes.new(
                "charge",
                id=ids.new_id("ch", 24),
                created=sb.now(),
                amount=AMOUNT,
                amount_captured=AMOUNT,
                currency="inr",
                payment_intent=f"pi_bench{n:08d}",
                status="succeeded",
                paid=True,
                captured=True,
                payment_method_details={"type": "upi", "upi": {"vpa": "pay•••@okaxis"}},
            )
            ch["balance_transaction"] = balance.for_charge(sb, ch)
            sb.store.add(ch)
            pairs.append((ch["payment_intent"], ch["id"]))
            if (n + 1) % (PAYMENTS // PAYOUTS + 1) == 0 or n == PAYMENTS - 1:
                payouts_logic.run_now(sb, "inr", None)
    return pairs


def _fill_ledger(ledger: Any, pairs: list[tuple[str, str]]) -> None:
    from sqlalchemy import select

    from kiosk.ledger.demo_data import generate_bulk
    from kiosk.ledger.models import Invoice, Payment, Receipt

    generate_bulk(ledger, PAYMENTS)
    now = datetime.now(UTC)
    with ledger.begin() as s:
        invoices = s.scalars(select(Invoice.id).order_by(Invoice.id).limit(PAYMENTS)).all()
        s.execute(
            Payment.__table__.insert(),
            [
                {
                    "invoice_id": inv,
                    "stripe_payment_intent": pi,
                    "stripe_charge_id": ch,
                    "amount": AMOUNT,
                    "currency": "INR",
                    "channel": "checkout",
                    "card_brand": "",
                    "card_last4": "",
                    "source": "relay",
                    "desk": "Bench",
                    "flag": "",
                    "received_at": now,
                }
                for inv, (pi, ch) in zip(invoices, pairs, strict=True)
            ],
        )
        ids = s.execute(
            select(Payment.id).where(Payment.stripe_payment_intent.like("pi_bench%"))
        ).scalars()
        s.execute(
            Receipt.__table__.insert(),
            [
                {
                    "number": f"R-B-{k:06d}",
                    "prefix": "R-B",
                    "year": 2026,
                    "seq": k,
                    "kind": "payment",
                    "payment_id": pid,
                    "print_count": 0,
                    "desk": "Bench",
                    "issued_at": now,
                }
                for k, pid in enumerate(ids, start=1)
            ],
        )


def run() -> list[dict[str, Any]]:
    import stripe

    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway
    from kiosk.payouts.report import reports, unpaid_receipts
    from kiosk.payouts.sync import sync_payouts
    from kiosk.sandbox import start_sandbox

    stripe.enable_telemetry = False
    handle = start_sandbox(payout_interval=0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ctx = Context(Path(tmp))
            pairs = _fill_sandbox(handle.app.state.sandbox)
            _fill_ledger(ctx.ledger, pairs)
            gateway = StripeGateway(KEY, handle.url, timeout=30, max_retries=0)
            t0 = time.perf_counter()
            listed = sum(1 for _ in gateway._list_plain("/v1/balance_transactions", {}, "list"))
            baseline = time.perf_counter() - t0
            t0 = time.perf_counter()
            synced = sync_payouts(ctx, gateway)
            with ctx.ledger.read() as s:
                found = reports(s)
                unpaid = unpaid_receipts(s, days=0, now=time.time() + 60)
            elapsed = time.perf_counter() - t0
            matched = sum(1 for r in found for line in r.lines if line.receipt)
            ctx.ledger.close()
    finally:
        handle.stop()
    return [
        {
            "name": f"Payout reconcile: sync + report, {PAYMENTS:,} payments in {PAYOUTS} payouts",
            "value": round(elapsed, 2),
            "unit": "s",
            "target": "<= 10",
        },
        {
            "name": f"  baseline: list all {listed:,} balance transactions, nothing stored",
            "value": round(baseline, 2),
            "unit": "s",
            "target": "",
        },
        {
            "name": "  payouts fetched / receipts matched / exceptions",
            "value": f"{synced.fetched} / {matched:,} / {sum(len(r.exceptions) for r in found) + len(unpaid)}",
            "unit": "",
            "target": "",
            "ok": synced.fetched == len(found) and matched == PAYMENTS and not unpaid,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target'] or '-'})")
