"""Menu actions that talk to Stripe (the sandbox): fee slips and reconcile."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_fee_slips_with_progress(qtbot, demo, demo_window, monkeypatch, tmp_path):
    from PySide6.QtGui import QDesktopServices

    from ui.desk_actions import FilePicker

    win = demo_window
    out = tmp_path / "slips"
    monkeypatch.setattr(FilePicker, "folder", classmethod(lambda cls, parent, title: out))
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    win.actions_.slips_action.trigger()
    qtbot.waitUntil(lambda: "Fee slips" in win.status.currentMessage(), timeout=60_000)
    assert "written" in win.status.currentMessage()
    assert list(out.glob("*.pdf"))


def test_reconcile_reports_in_plain_words(qtbot, demo, demo_window):
    win = demo_window
    win.actions_.reconcile_action.trigger()
    qtbot.waitUntil(lambda: "Reconcile" in win.status.currentMessage(), timeout=60_000)
    assert "checked" in win.status.currentMessage()
