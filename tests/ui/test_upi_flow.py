"""Paying by UPI through the desk's payment dialog, end to end against the demo sandbox:
success, failure then retry, pending then approved, pending then expired."""

from __future__ import annotations

import pytest

from kiosk.payments.methods import UPI_PENDING
from tests.ui.conftest import fresh_invoice, select_invoice
from tests.ui.test_payment_flow import _start

pytestmark = pytest.mark.slow


def _upi(demo, session_id: str, vpa: str = "payment.success@stripeupi"):
    from kiosk.demo import pay_with_test_vpa

    return pay_with_test_vpa(
        demo.env["STRIPE_API_BASE"], demo.env["STRIPE_SECRET_KEY"], session_id, vpa
    )


def _decide(demo, session_id: str, approve: bool) -> None:
    from kiosk.demo import decide_upi

    decide_upi(demo.env["STRIPE_API_BASE"], demo.env["STRIPE_SECRET_KEY"], session_id, approve)


def _waiting_for_approval(qtbot, dlg) -> None:
    qtbot.waitUntil(lambda: dlg.wait_page.state_label.text() == UPI_PENDING, timeout=20_000)
    assert dlg.wait_page.countdown.text().startswith("Approve within")
    assert "UPI PIN" in dlg.wait_page.reason.text()
    assert dlg.wait_page.cancel.isVisible()


def test_upi_payment_ends_at_the_receipt(qtbot, demo, demo_window):
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, attempt = _start(qtbot, win)
    assert dlg.wait_page.methods.text() == "The student can pay by Card or UPI"
    assert "payment.success@stripeupi" in dlg.wait_page.test_hint.text()
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _upi(demo, attempt.stripe_id)
    assert dlg.wait_page.state_label.text() == "Paid"
    dlg.accept()


def test_upi_failure_then_retry(qtbot, demo, demo_window):
    import stripe

    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, attempt = _start(qtbot, win)
    with (
        qtbot.waitSignal(dlg.declined, timeout=20_000) as declined,
        pytest.raises(stripe.CardError),
    ):
        _upi(demo, attempt.stripe_id, "payment.failure@stripeupi")
    assert declined.args[0].startswith("UPI payment not approved")
    assert dlg.wait_page.state == "declined" and dlg.wait_page.cancel.isVisible()
    reason = dlg.wait_page.reason.text()
    assert "did not approve" in reason and "try again on the same page" in reason
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _upi(demo, attempt.stripe_id)
    dlg.accept()


def test_upi_pending_then_approved(qtbot, demo, demo_window):
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, attempt = _start(qtbot, win)
    _upi(demo, attempt.stripe_id, "payment.pending@stripeupi")
    _waiting_for_approval(qtbot, dlg)
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _decide(demo, attempt.stripe_id, approve=True)
    assert dlg.wait_page.state == "paid" and not dlg.wait_page.upi_pending
    dlg.accept()


def test_upi_pending_then_expired(qtbot, demo, demo_window):
    from kiosk.demo import expire_now

    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, attempt = _start(qtbot, win)
    _upi(demo, attempt.stripe_id, "payment.pending@stripeupi")
    _waiting_for_approval(qtbot, dlg)
    with qtbot.waitSignal(dlg.expired, timeout=20_000):
        expire_now(demo.env["STRIPE_API_BASE"], demo.env["STRIPE_SECRET_KEY"], attempt.stripe_id)
    assert dlg.wait_page.again.isVisible() and not dlg.wait_page.cancel.isVisible()
    assert "Nothing was charged" in dlg.wait_page.reason.text()
    hint = dlg.wait_page.qr_hint.text()
    assert hint.startswith("Expired") and "scan" not in hint.lower()
