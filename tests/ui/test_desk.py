"""The desk's screens through real widgets: sign-in, search, keyboard, lock, settings."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_sign_in_with_a_wrong_then_the_right_password(qtbot, window):
    page = window.signin
    assert window.is_locked and window.user is None
    page.username.setText("cashier@example.com")
    page.password.setText("wrong-password")
    page.button.click()
    qtbot.waitUntil(lambda: page.error.isVisible(), timeout=5000)
    assert "wrong username or password" in page.error.text().lower()
    assert window.is_locked
    page.password.setText("cashierpass123")
    with qtbot.waitSignal(window.signed_in, timeout=5000) as signal:
        qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert signal.args[0].username == "cashier@example.com"
    assert not window.is_locked
    assert "Demo Cashier" in window.status.user.text()
    _assert_audited(window.ctx, "sign_in_failed", "sign_in")


def test_five_wrong_passwords_lock_the_user_at_the_desk(qtbot, window):
    page = window.signin
    page.username.setText("ＣＡＳＨＩＥＲ@example.com")  # full width: the same user
    for _ in range(5):
        page.password.setText("wrong-password")
        page.error.hide()
        page.button.click()
        qtbot.waitUntil(lambda: page.error.isVisible() and page.button.isEnabled(), timeout=5000)
    assert "Too many failed sign-ins for cashier@example.com; try again after" in page.error.text()
    page.password.setText("cashierpass123")  # the right password is refused while locked
    page.error.hide()
    page.button.click()
    qtbot.waitUntil(lambda: page.error.isVisible() and page.button.isEnabled(), timeout=5000)
    assert "Too many failed sign-ins" in page.error.text() and window.is_locked
    _assert_audited(window.ctx, "sign_in_failed", "sign_in_locked")


def test_search_filters_and_keyboard(qtbot, window, cashier):
    window.sign_in_as(cashier)
    model = window.invoices.model
    qtbot.waitUntil(lambda: model.total_count is not None, timeout=5000)
    everything = model.total_count
    assert everything and everything > 20
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.invoices.search.hasFocus()
    qtbot.keyClicks(window.invoices.search, "test stud")
    qtbot.waitUntil(lambda: model.total_count == 1 and model.rowCount() == 1, timeout=5000)
    assert model.rows[0].number == "INV-DEMO-0002"
    qtbot.waitUntil(
        lambda: (
            window.detail.detail is not None and window.detail.detail.row.number == "INV-DEMO-0002"
        ),
        timeout=5000,
    )
    assert window.detail.detail.row.student_name == "Test Student"
    assert window.detail.components.topLevelItemCount() >= 1
    qtbot.keyClick(window.invoices.search, Qt.Key.Key_Return)
    assert window.invoices.table.hasFocus()
    window.invoices.search.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: model.total_count == everything, timeout=5000)
    paid = window.invoices.filters.button(4)  # "Paid"
    paid.click()
    qtbot.waitUntil(
        lambda: model.query.status == "paid" and model.total_count is not None, timeout=5000
    )
    assert all(r.status == "paid" for r in model.rows)


def test_status_column_has_text_icon_and_colour(qtbot, window, cashier):
    from ui.invoice_model import STATUS_COLUMN

    model = window.invoices.model
    idx = model.index(0, STATUS_COLUMN)
    assert model.data(idx) in {"Open", "Part paid", "Paid", "Overdue", "Void"}
    assert not model.data(idx, Qt.ItemDataRole.DecorationRole).isNull()
    assert model.data(idx, Qt.ItemDataRole.ForegroundRole) is not None


def test_sorting_and_lazy_fetching(qtbot, window, cashier):
    from ui import invoice_model

    model = window.invoices.model
    model.sort(6, Qt.SortOrder.DescendingOrder)  # balance, largest first
    qtbot.waitUntil(
        lambda: model.rowCount() > 0 and model.query.order_by == "balance", timeout=5000
    )
    balances = [r.balance for r in model.rows]
    assert balances == sorted(balances, reverse=True)
    assert model.rowCount() <= invoice_model.PAGE


def test_lock_on_idle_and_unlock(qtbot, window, cashier):
    window.sign_in_as(cashier)
    window.idle.set_timeout(50)
    with qtbot.waitSignal(window.locked, timeout=3000):
        pass
    assert window.is_locked
    assert window.signin.locked_user == cashier
    assert "Locked" in window.signin.subtitle.text()
    window.signin.password.setText("cashierpass123")
    with qtbot.waitSignal(window.signed_in, timeout=5000):
        window.signin.button.click()
    assert not window.is_locked
    _assert_audited(window.ctx, "lock", "unlock")


def test_lock_shortcut(qtbot, window, cashier):
    window.sign_in_as(cashier)
    with qtbot.waitSignal(window.locked, timeout=3000):
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked


def test_settings_need_a_supervisor_and_go_to_the_keyring(qtbot, window, cashier, monkeypatch):
    import keyring

    from kiosk.secrets import SERVICE
    from ui.settings_dialog import SettingsDialog
    from ui.supervisor_dialog import SupervisorDialog

    window.sign_in_as(cashier)
    refused: list[str] = []
    monkeypatch.setattr(
        SupervisorDialog, "ask", classmethod(lambda cls, *a, **k: refused.append(a[2]) or None)
    )
    opened: list[object] = []
    monkeypatch.setattr(SettingsDialog, "ask", classmethod(lambda cls, *a: opened.append(a)))
    window.actions_.settings()
    assert refused == ["Change settings"] and not opened

    # The real approval dialog, driven through its widgets.
    sup_dialog = SupervisorDialog(window, window.ctx, "Change settings", "", cashier.username)
    qtbot.addWidget(sup_dialog)
    sup_dialog.username.setText("cashier@example.com")
    sup_dialog.password.setText("cashierpass123")
    sup_dialog.on_buttons_accepted()
    qtbot.waitUntil(lambda: not sup_dialog.error.isHidden(), timeout=5000)
    assert "supervisor must approve" in sup_dialog.error.text()
    sup_dialog.username.setText("admin@example.com")
    sup_dialog.password.setText("adminpass123")
    with qtbot.waitSignal(sup_dialog.approved, timeout=5000) as approved:
        sup_dialog.on_buttons_accepted()
    supervisor = approved.args[0]
    assert supervisor.is_supervisor

    dlg = SettingsDialog(window, window.ctx, supervisor)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(dlg.isEnabled, timeout=5000)
    assert dlg.stripe_key.placeholderText() == "(not set)"
    dlg.stripe_key.setText("sk_test_51NewKeyForTheDesk0000abcd")
    dlg.relay_token.setText("fk_desk_token_1234567890")
    dlg.fields["relay.url"].setText("http://127.0.0.1:9")
    dlg.fields["institution.name"].setText("Example Institute of Technology")
    dlg.idle.setValue(7)
    dlg.theme_box.setCurrentText("dark")
    with qtbot.waitSignal(dlg.accepted, timeout=5000):
        dlg.on_buttons_accepted()
    store = keyring.get_keyring().store
    assert store[(SERVICE, "stripe_secret_key")] == "sk_test_51NewKeyForTheDesk0000abcd"
    assert store[(SERVICE, "relay_token")] == "fk_desk_token_1234567890"
    s = window.ctx.settings
    assert s.get("ui.idle_lock_minutes") == 7 and s.get("ui.theme") == "dark"
    assert s.get("institution.name") == "Example Institute of Technology"
    assert "sk_test_51NewKey" not in s.path.read_text()
    _assert_audited(window.ctx, "supervisor_refused", "supervisor_approved", "settings_changed")

    again = SettingsDialog(window, window.ctx, supervisor)
    qtbot.addWidget(again)
    qtbot.waitUntil(again.isEnabled, timeout=5000)
    assert again.stripe_key.placeholderText() == "sk_test_…abcd"
    assert again.stripe_key.text() == ""


def test_settings_refuse_a_bad_key_in_plain_words(qtbot, window, cashier):
    from ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(window, window.ctx, cashier)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(dlg.isEnabled, timeout=5000)
    dlg.stripe_key.setText("pk_test_publishable")
    dlg.on_buttons_accepted()
    assert "starts with sk_ or rk_" in dlg.error.text()
    dlg.stripe_key.clear()
    dlg.fields["desk.currency"].setText("XYZ")
    dlg.on_buttons_accepted()
    qtbot.waitUntil(lambda: "unknown currency" in dlg.error.text().lower(), timeout=5000)
    assert "Traceback" not in dlg.error.text()


def test_errors_are_plain_words(qtbot):
    from kiosk.money import MoneyError
    from kiosk.payments.errors import StripeUnavailable
    from ui.errors import describe

    assert (
        describe(StripeUnavailable("Stripe is unreachable; retrying"))
        == "Stripe is unreachable; retrying."
    )
    assert describe(MoneyError("enter an amount")) == "Enter an amount."
    assert describe(ZeroDivisionError("x")).startswith("Something went wrong")


def _assert_audited(ctx, *actions: str) -> None:
    from sqlalchemy import select

    from kiosk.ledger.models import AuditEntry

    with ctx.ledger.begin() as s:
        seen = set(s.scalars(select(AuditEntry.action)))
    missing = set(actions) - seen
    assert not missing, f"not in the audit log: {missing}"


def test_dark_theme_is_applied_and_kept(qtbot, window, cashier):
    from ui import theme

    window.sign_in_as(cashier)
    try:
        window.actions_.theme_action.trigger()
        assert theme.current() == "dark"
        qtbot.waitUntil(lambda: window.ctx.settings.get("ui.theme") == "dark", timeout=5000)
    finally:
        from PySide6.QtWidgets import QApplication

        theme.apply(QApplication.instance(), "light")


def test_a_reload_during_a_new_selection_keeps_the_new_invoice(qtbot, window, desk_ctx):
    """A background refresh (a payment event, a receipt rendered) must not bring back the
    invoice that was on screen before the cashier picked another."""
    from kiosk.ledger.search import search_invoices

    with desk_ctx.ledger.read() as s:
        first, second = (r.number for r in search_invoices(s, "", limit=2))
    detail = window.detail
    detail.load(first)
    qtbot.waitUntil(lambda: detail.detail is not None and detail.detail.row.number == first)
    detail.load(second)
    detail.reload()  # arrives while `second` is still loading
    qtbot.waitUntil(lambda: detail.detail.row.number == second, timeout=5_000)
    qtbot.wait(200)
    assert detail.detail.row.number == second
