"""The invoice list's texts are made once per row, on the worker that read the page, and
made again when a payment changes a row."""

from __future__ import annotations

import dataclasses

from kiosk.money import format_money


def test_cells_show_the_rows_texts_made_with_the_page(qtbot, window):
    from ui.invoice_model import row_texts

    model = window.invoices.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=5_000)
    assert len(model.texts) == len(model.rows) == model.rowCount()
    for r in (0, model.rowCount() - 1):
        inv = model.rows[r]
        shown = [model.data(model.index(r, c)) for c in range(model.columnCount())]
        assert shown == list(row_texts(inv, model.locale))
        assert shown[0] == inv.number and shown[1] == inv.student_name
        assert shown[6] == format_money(inv.balance, inv.currency, model.locale)
        assert model.text_at(r, 6) == shown[6]


def test_a_refreshed_row_shows_its_new_balance_and_status(qtbot, window):
    from ui.invoice_model import row_texts

    model = window.invoices.model
    qtbot.waitUntil(lambda: model.rowCount() > 1, timeout=5_000)
    first, second = model.rows[0], model.rows[1]
    paid = dataclasses.replace(first, paid=first.total, status="paid")
    model.refresh_rows([paid])  # texts made here
    assert model.data(model.index(0, 6)) == format_money(0, first.currency, model.locale)
    assert model.data(model.index(0, 7)) == "Paid"
    part = dataclasses.replace(second, paid=max(second.total - 1, 0), status="partially_paid")
    model.refresh_rows([part], [row_texts(part, model.locale)])  # texts made on a worker
    assert model.data(model.index(1, 7)) == "Part paid"
    assert model.rows[1] is part and model.rows[0] is paid
