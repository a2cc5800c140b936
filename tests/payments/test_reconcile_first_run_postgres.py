"""Two desks running their first `reconcile` at the same moment on one PostgreSQL ledger."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from kiosk.context import Context
from kiosk.payments.reconcile import last_run, reconcile

pytestmark = pytest.mark.postgres


@pytest.fixture
def desks(pg_url: str, tmp_path: Path):
    out = []
    for n in (1, 2):
        (tmp_path / f"desk{n}").mkdir()
        ctx = Context(tmp_path / f"desk{n}", pg_url)
        ctx.settings.set("desk.name", f"Desk {n}")
        out.append(ctx)
    yield out
    for ctx in out:
        ctx.ledger.close()


@pytest.fixture
def sandbox(own_sandbox):
    """Reconcile reads Stripe's whole events list: a sandbox of our own keeps it empty."""
    return own_sandbox


def meet_at_the_first_write(ctx: Context, barrier: threading.Barrier) -> None:
    """Hold each desk's first write of ledger_state until both desks have reached it: the
    moment two first runs collide, made certain instead of left to timing."""

    def before(conn, cursor, statement, params, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO LEDGER_STATE"):
            barrier.wait(20)

    event.listen(ctx.ledger.engine, "before_cursor_execute", before)


def test_concurrent_first_reconciles_both_succeed(desks, gateway):
    barrier = threading.Barrier(2)
    for ctx in desks:
        meet_at_the_first_write(ctx, barrier)
    reports: list = []
    errors: list[BaseException] = []

    def run(ctx: Context) -> None:
        try:
            reports.append(reconcile(ctx, gateway))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(ctx,)) for ctx in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert [r.errors for r in reports] == [[], []]
    assert barrier.n_waiting == 0 and not barrier.broken  # both really wrote at once
    assert last_run(desks[0]) is not None and last_run(desks[1]) == last_run(desks[0])
