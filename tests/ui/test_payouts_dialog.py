"""The Payouts screen: sync from the sandbox, the list, one payout's matched lines."""

from __future__ import annotations

import pytest
import stripe

from kiosk.sandbox import start_sandbox

KEY = "sk_test_ui_payouts"


@pytest.fixture
def paid_out(desk_ctx, monkeypatch, make_invoice):
    """Two payments through an own sandbox, paid out in one payout."""
    from kiosk.payments.attempts import start_payment
    from kiosk.payments.gateway import StripeGateway
    from kiosk.payments.poller import poll_once
    from tests.payments.conftest import pay

    handle = start_sandbox(payout_interval=0)
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", handle.url)
    client = stripe.StripeClient(KEY, base_addresses={"api": handle.url}, max_network_retries=0)
    gateway = StripeGateway(KEY, handle.url, timeout=5, max_retries=0)
    make_invoice("INV-UI-PO-1", [("Tuition", 5_000_000, 1)], student_number="S9100001")
    for amount in (2_000_000, 3_000_000):
        view = start_payment(desk_ctx, gateway, "INV-UI-PO-1", amount)
        pay(client, view.stripe_id, "4000003560000008")
        poll_once(desk_ctx, gateway)
    resp = client.raw_request("post", "/v1/test_helpers/payouts/run_now")
    yield client.deserialize(resp, api_mode="V1")
    handle.stop()


def test_sync_then_see_the_payout_and_its_matched_lines(qtbot, desk_ctx, paid_out):
    from ui.payouts_dialog import PayoutsDialog

    dialog = PayoutsDialog(None, desk_ctx)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "press Sync with Stripe" in dialog.totals.text(), timeout=10_000)
    assert dialog.payouts.rowCount() == 0
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        qtbot.mouseClick(dialog.sync_button, qtbot_button())
    assert dialog.payouts.rowCount() == 1
    assert dialog.payouts.item(0, 1).text() == "Paid"
    assert dialog.payouts.item(0, 3).text() == "Matched"
    assert dialog.payouts.item(0, 2).text() == "₹48,820.00"  # ₹50,000 less 2% and 18% GST on it
    assert paid_out.id in dialog.totals.text() and "GST ₹180.00" in dialog.totals.text()
    ours = [dialog.lines.item(r, 5).text() for r in range(dialog.lines.rowCount())]
    assert sum(1 for o in ours if o.startswith("R-")) == 2
    assert [dialog.problems.item(i).text() for i in range(dialog.problems.count())] == ["None"]


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_the_menu_opens_payouts_for_a_supervisor_only(qtbot, window, cashier, monkeypatch):
    from ui.supervisor_dialog import SupervisorDialog

    window.sign_in_as(cashier)
    monkeypatch.setattr(SupervisorDialog, "ask", classmethod(lambda cls, *a: None))
    window.actions_.payouts_action.trigger()
    assert getattr(window, "payouts_dialog", None) is None
    monkeypatch.setattr(SupervisorDialog, "ask", classmethod(lambda cls, *a: cashier))
    window.actions_.payouts_action.trigger()
    qtbot.waitUntil(lambda: window.payouts_dialog.isVisible(), timeout=5000)
    window.payouts_dialog.close()
