"""Two desks on one PostgreSQL ledger, each with its own counter session: tenders taken at
the same moment, gapless receipts, and a close that counts only its own desk's money."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.context import Context
from kiosk.ledger.cash_count import CashCount
from kiosk.ledger.counter import CloseRequest, close_session, open_session
from kiosk.ledger.counter_figures import session_figures
from kiosk.ledger.invoices import invoice_row
from kiosk.ledger.models import Receipt
from kiosk.ledger.users import create_user
from kiosk.payments.errors import PaymentError
from kiosk.payments.tender_types import BankTransfer, Cash
from kiosk.payments.tenders import take_tender
from tests.conftest import add_invoice, desk_contexts

pytestmark = pytest.mark.postgres
INVOICES = 20


@pytest.fixture
def desks(pg_url: str, tmp_path: Path):
    out = desk_contexts(pg_url, tmp_path)
    with out[0].ledger.begin() as s:
        users = [create_user(s, f"cashier{n}", "correct horse battery", "cashier") for n in (1, 2)]
    for i in range(INVOICES):
        add_invoice(out[0].ledger, f"INV-PG-{i}", [("Tuition", 1_000_000, 1)],
                    student_number=f"S-PG-{i}", name=f"Student {i}", email="")  # fmt: skip
    for ctx, user, float_minor in zip(out, users, (100_000, 200_000), strict=True):
        with ctx.ledger.begin() as s:
            open_session(s, desk=ctx.desk, currency="INR", float_minor=float_minor, user=user)
    yield out, users
    for ctx in out:
        ctx.ledger.close()


def test_each_desk_closes_on_its_own_money(desks):
    (one, two), (u1, u2) = desks
    errors: list[BaseException] = []

    def work(ctx: Context, offset: int) -> None:
        try:
            for i in range(offset, INVOICES, 2):  # desk 1 takes even invoices, desk 2 odd
                take_tender(ctx, f"INV-PG-{i}", Cash(100_000 * (1 + offset), 500_000))
                take_tender(ctx, f"INV-PG-{(i + 1) % INVOICES}", Cash(1_000))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c, k)) for k, c in enumerate((one, two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with one.ledger.read() as s:
        seqs = sorted(s.scalars(select(Receipt.seq)))
        assert seqs == list(range(1, 2 * INVOICES + 1))  # gapless across both desks
        assert invoice_row(s, "INV-PG-0").paid == 100_000 + 1_000
    expected = {
        one.desk: 100_000 + 10 * (100_000 + 1_000),
        two.desk: 200_000 + 10 * (200_000 + 1_000),
    }
    for ctx, user in ((one, u1), (two, u2)):
        with ctx.ledger.begin() as s:
            count = CashCount("INR", {}, expected[ctx.desk])
            row = close_session(s, ctx.desk, CloseRequest(count, user))
            assert row.variance == 0 and row.expected_cash == expected[ctx.desk]
            assert session_figures(s, row).by_channel["cash"].count == 20


def test_a_utr_taken_at_two_desks_at_once_is_recorded_once(desks):
    (one, two), _ = desks
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def work(ctx: Context, number: str) -> None:
        barrier.wait()
        try:
            take_tender(ctx, number, BankTransfer(10_000, "HDFCN52026120312345"))
            outcomes.append("ok")
        except PaymentError as exc:
            outcomes.append(exc.message)

    threads = [
        threading.Thread(target=work, args=(one, "INV-PG-1")),
        threading.Thread(target=work, args=(two, "INV-PG-2")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes)[0].startswith("UTR HDFCN52026120312345 was already recorded")
    assert sorted(outcomes)[1] == "ok"
