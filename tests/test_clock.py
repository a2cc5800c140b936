"""kiosk.clock: every time people read is in the desk's zone (desk.timezone), whatever the
machine's own zone: CLI output, the sync status and the reconcile report included."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from kiosk import clock

MOMENT = datetime(2026, 11, 26, 5, 30, tzinfo=UTC)  # 11:00 in Asia/Kolkata


@pytest.fixture(autouse=True)
def machine_in_utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_and_stamp_use_the_zone_given():
    assert clock.local(MOMENT, "Asia/Kolkata").strftime("%H:%M") == "11:00"
    assert clock.stamp(MOMENT, "Asia/Kolkata") == "2026-11-26 11:00 IST"
    assert clock.stamp(MOMENT, clock.zone("Europe/Berlin"), "%H:%M") == "06:30 CET"
    with pytest.raises(ValueError, match="naive"):
        clock.local(MOMENT.replace(tzinfo=None), "Asia/Kolkata")


def test_today_is_the_zones_date():
    ahead, behind = clock.today("Pacific/Kiritimati"), clock.today("Pacific/Pago_Pago")
    assert (ahead - behind).days in (1, 2)  # UTC+14 and UTC-11


def test_desk_zone_reads_the_setting(ctx):
    ctx.settings.set("desk.timezone", "America/New_York")
    assert str(clock.desk_zone(ctx.settings)) == "America/New_York"


def test_sync_status_and_reconcile_report_in_the_desk_zone():
    from kiosk.payments.reconcile import ReconcileReport
    from kiosk.sync.state import SyncState, SyncStatus

    state = SyncState(status=SyncStatus.OFFLINE, offline_since=MOMENT)
    assert state.describe("Asia/Kolkata") == "Relay offline since 11:00"
    report = ReconcileReport(MOMENT, timezone="Asia/Kolkata")
    assert str(report).startswith("reconciled since 2026-11-26 11:00 IST:")


def test_cli_invoice_show_prints_times_in_the_desk_zone(ctx, capsys):
    from kiosk.cli.main import main
    from kiosk.ledger.demo_data import load_demo_data
    from kiosk.ledger.models import Invoice, Payment

    load_demo_data(ctx.ledger, students=5)
    ctx.settings.set("desk.timezone", "Asia/Kolkata")
    with ctx.ledger.begin() as s:
        number, received = s.execute(
            Payment.__table__.select()
            .with_only_columns(Invoice.number, Payment.received_at)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .limit(1)
        ).one()
    assert main(["--home", str(ctx.home), "invoices", "show", number]) == 0
    out = capsys.readouterr().out
    assert clock.stamp(received, "Asia/Kolkata") in out
    assert received.strftime("%Y-%m-%d %H:%M") not in out  # not the machine's (UTC) time


def test_overdue_goes_by_the_desks_date_not_the_machines(ctx, make_invoice, monkeypatch, capsys):
    """The machine is at UTC-11, the desk at UTC+14: on the desk's date an invoice due on the
    machine's date is already overdue, in the CLI list and detail alike."""
    import json

    from kiosk.cli.main import main

    monkeypatch.setenv("TZ", "Pacific/Pago_Pago")
    time.tzset()
    ctx.settings.set("desk.timezone", "Pacific/Kiritimati")
    machine_day = clock.today("Pacific/Pago_Pago")
    assert clock.desk_today(ctx.settings) > machine_day
    make_invoice("INV-DUE-TODAY", due=machine_day)
    home = ["--home", str(ctx.home)]
    assert main([*home, "invoices", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["status"] == "overdue"
    assert main([*home, "invoices", "list", "--status", "overdue"]) == 0
    assert "INV-DUE-TODAY" in capsys.readouterr().out
    assert main([*home, "invoices", "show", "INV-DUE-TODAY"]) == 0
    assert "(overdue)" in capsys.readouterr().out


def test_reconcile_since_a_bare_date_means_the_desks_midnight():
    from kiosk.cli.payment_commands import _since

    since = _since("2026-11-20", clock.zone("Asia/Kolkata"))
    assert clock.stamp(since, "UTC") == "2026-11-19 18:30 UTC"
    assert _since("2026-11-20T00:00+00:00", clock.zone("Asia/Kolkata")).utcoffset().seconds == 0
