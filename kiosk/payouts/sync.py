"""`payouts sync`: copy Stripe's payouts and the balance transactions each paid out.

Everything is read from Stripe first, with no ledger transaction open; each payout is then
written in one short transaction (upserts by Stripe id), so a run is idempotent and an
interrupted one resumes: a payout is skipped only once it is final and its lines are all
stored. Charges that the ledger does not know by id are looked up for their PaymentIntent,
so a payment learned without its charge id still matches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kiosk.ledger.key_value import get_value, put_value
from kiosk.ledger.models import Payment, PayoutLine, StripePayout
from kiosk.payments.recording import stripe_id_of

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

FINAL = frozenset({"paid", "failed", "canceled"})
CURSOR_KEY = "payouts.balance_cursor"
FIRST_LOOKBACK = 30 * 86_400  # the first run looks this far back for unpaid-out fees


@dataclass
class SyncResult:
    fetched: int = 0
    skipped: int = 0
    lines: int = 0
    recent: int = 0  # balance transactions not yet in a payout, newly seen
    payouts: list[str] = field(default_factory=list)


def sync_payouts(ctx: Context, gateway: StripeGateway) -> SyncResult:
    result = SyncResult()
    with ctx.ledger.read() as s:
        done = {
            p.id: p.status
            for p in s.scalars(select(StripePayout).where(StripePayout.lines_complete))
        }
    for payout in gateway.list_payouts():
        if done.get(payout["id"]) == payout["status"] and payout["status"] in FINAL:
            result.skipped += 1
            continue
        lines = list(gateway.list_payout_transactions(payout["id"]))
        intents = _charge_intents(ctx, gateway, lines)
        with ctx.ledger.begin() as s:
            _store(s, payout, lines, intents)
        result.fetched += 1
        result.lines += len(lines)
        result.payouts.append(payout["id"])
    result.recent = _sync_recent(ctx, gateway)
    return result


def _sync_recent(ctx: Context, gateway: StripeGateway) -> int:
    """Balance transactions since the last run, paid out or not yet, so a charge's fee is
    known the day it is made (the day's summary). Returns how many were new."""
    with ctx.ledger.read() as s:
        cursor = int(get_value(s, CURSOR_KEY) or 0)
    since = cursor or int(time.time()) - FIRST_LOOKBACK
    txns = [t for t in gateway.list_balance_transactions(since) if t["type"] != "payout"]
    ids = [t["id"] for t in txns]
    with ctx.ledger.read() as s:
        stored = set(
            s.scalars(
                select(PayoutLine.balance_transaction).where(
                    PayoutLine.balance_transaction.in_(ids)
                )
            )
        )
    new = [t for t in txns if t["id"] not in stored]
    intents = _charge_intents(ctx, gateway, new)
    with ctx.ledger.begin() as s:
        if new:
            s.execute(insert(PayoutLine), [_line(None, t, intents) for t in new])
        newest = max((t["created"] for t in txns), default=since)
        put_value(s, CURSOR_KEY, str(max(newest, cursor)))  # `gte`: the overlap is deduped
    return len(new)


def _charge_intents(
    ctx: Context, gateway: StripeGateway, lines: list[dict[str, Any]]
) -> dict[str, str | None]:
    """PaymentIntent of each charge line: from the ledger, else from Stripe (no txn open)."""
    charges = [t["source"] for t in lines if t["type"] in ("charge", "payment")]
    with ctx.ledger.read() as s:
        known = dict(
            s.execute(
                select(Payment.stripe_charge_id, Payment.stripe_payment_intent).where(
                    Payment.stripe_charge_id.in_(charges)
                )
            ).all()
        )
    return {
        ch: known[ch]
        if ch in known
        else stripe_id_of(gateway.retrieve_charge(ch).get("payment_intent"))
        for ch in charges
    }


def _store(
    s: Session, payout: dict[str, Any], lines: list[dict[str, Any]], intents: dict[str, Any]
) -> None:
    s.merge(
        StripePayout(
            id=payout["id"],
            status=payout["status"],
            amount=payout["amount"],
            currency=payout["currency"],
            arrival_date=payout["arrival_date"],
            created=payout["created"],
            failure_code=payout.get("failure_code") or "",
            lines_complete=payout["status"] in FINAL,
        )
    )
    s.flush()
    # A balance transaction belongs to one payout: replacing the payout's lines (and any of
    # them stored before it was paid out) is the upsert.
    ids = [t["id"] for t in lines]
    s.execute(
        delete(PayoutLine).where(
            (PayoutLine.payout_id == payout["id"]) | PayoutLine.balance_transaction.in_(ids)
        )
    )
    rows = [_line(payout["id"], t, intents) for t in lines]
    if rows:
        s.execute(insert(PayoutLine), rows)


def _line(payout_id: str | None, t: dict[str, Any], intents: dict[str, Any]) -> dict[str, Any]:
    tax = sum(d["amount"] for d in t.get("fee_details") or () if d.get("type") == "tax")
    source = str(t.get("source") or "")
    return {
        "balance_transaction": t["id"],
        "payout_id": payout_id,
        "type": t["type"],
        "source": source,
        "payment_intent": intents.get(source),
        "amount": t["amount"],
        "fee": t["fee"],
        "fee_tax": tax,
        "net": t["net"],
        "currency": t["currency"],
        "created": t["created"],
    }
