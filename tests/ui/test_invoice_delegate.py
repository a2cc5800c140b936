"""The invoice list paints its cells from the row texts (ui.invoice_delegate) exactly as
Qt's own delegate would: same text, place, elision, colours, icon and selection."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QStyledItemDelegate

from tests.ui.conftest import started_window


def _settle(qtbot, win) -> None:
    """The desk's services started (the test-mode banner shown) and the table's size
    still: the two pictures are taken of the same table."""
    qtbot.waitUntil(lambda: win._services_started, timeout=5_000)

    def still() -> bool:
        now = win.invoices.table.viewport().size()
        qtbot.wait(100)
        return win.invoices.table.viewport().size() == now

    qtbot.waitUntil(still, timeout=5_000)


def _shot(qtbot, table, delegate):
    table.setItemDelegate(delegate)
    qtbot.wait(20)
    return table.viewport().grab().toImage()


@pytest.mark.parametrize("name", ["light", "dark"])
def test_cells_look_as_with_qts_delegate(qtbot, window, cashier, name):
    from ui import theme

    window.sign_in_as(cashier)
    inv = window.invoices
    qtbot.waitUntil(lambda: inv.model.rowCount() > 3, timeout=5_000)
    theme.apply(QApplication.instance(), name)
    inv.select_row(2)
    number = inv.model.rows[2].number
    window.resize(1100, 700)  # the student column elides some names
    qtbot.waitUntil(lambda: window.detail.detail is not None, timeout=5_000)
    qtbot.waitUntil(lambda: window.detail.detail.row.number == number, timeout=5_000)
    _settle(qtbot, window)
    ours = _shot(qtbot, inv.table, inv.delegate)
    qts = _shot(qtbot, inv.table, QStyledItemDelegate(inv.table))
    inv.table.setItemDelegate(inv.delegate)
    theme.apply(QApplication.instance(), "light")
    assert ours.size() == qts.size()
    assert ours == qts


def test_kiosk_mode_cells_look_as_with_qts_delegate(qtbot, desk_ctx, cashier):
    """Kiosk mode's large type and padding (a descender reaches into the padding)."""
    desk_ctx.settings.set("ui.kiosk_mode", True)
    win = started_window(qtbot, desk_ctx)
    win.sign_in_as(cashier)
    inv = win.invoices
    qtbot.waitUntil(lambda: inv.model.rowCount() > 3 and win.detail.detail is not None)
    _settle(qtbot, win)
    ours = _shot(qtbot, inv.table, inv.delegate)
    qts = _shot(qtbot, inv.table, QStyledItemDelegate(inv.table))
    win.close()
    assert ours == qts
