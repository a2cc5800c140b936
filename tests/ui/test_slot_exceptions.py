"""An exception raised inside a Qt slot, or in a QueryOp callback on the GUI thread, fails
the test (pytest-qt captures it through sys.excepthook; nothing in ui/ may swallow it)."""

from __future__ import annotations

import textwrap


def test_an_exception_in_a_queryop_callback_reaches_pytest_qt(qtbot):
    from ui.operations import QueryOp
    from ui.taskman import taskman

    def explode(_value: int) -> None:
        raise ValueError("broken success callback")

    with qtbot.capture_exceptions() as caught:
        QueryOp(None, lambda _t: 1).success(explode).run()
        qtbot.waitUntil(lambda: taskman().pending == 0 and bool(caught), timeout=5000)
    assert [type(e[1]) for e in caught] == [ValueError]
    assert "broken success callback" in str(caught[0][1])


def test_the_desk_logs_an_unhandled_slot_exception_and_goes_on(monkeypatch, caplog):
    import sys

    from ui.errors import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install_excepthook()
    try:
        raise RuntimeError("slot failed")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert "unhandled exception in the GUI" in caplog.text
    assert "slot failed" in caplog.text


INNER = textwrap.dedent(
    """
    from PySide6.QtCore import QObject, QTimer, Signal


    class Emitter(QObject):
        fired = Signal()


    def test_a_raising_slot(qtbot):
        emitter = Emitter()
        emitter.fired.connect(lambda: 1 / 0)
        QTimer.singleShot(0, emitter.fired.emit)
        qtbot.wait(50)


    def test_a_raising_queryop_callback(qtbot):
        from ui.operations import QueryOp
        from ui.taskman import taskman

        def explode(_value):
            raise ValueError("broken")

        QueryOp(None, lambda _t: 1).success(explode).run()
        qtbot.waitUntil(lambda: taskman().pending == 0, timeout=5000)
        qtbot.wait(50)
    """
)


def test_a_test_whose_slot_raises_fails(pytester):
    pytester.makeini("[pytest]\nqt_api = pyside6\n")
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*ZeroDivisionError*", "*ValueError: broken*"])


def test_exception_capture_stays_on(pytestconfig):
    assert not pytestconfig.getini("qt_no_exception_capture")


def test_a_model_gone_before_its_page_arrives_drops_the_answer(qtbot, desk_ctx):
    """Found once callbacks stopped being swallowed: the list model's page and count
    arrived after the model was deleted and emitted from a dead object."""
    import threading

    import shiboken6

    from ui.invoice_model import InvoiceTableModel
    from ui.taskman import taskman

    gate = threading.Event()

    def slow_page(ctx, query, offset, limit):
        gate.wait(5)
        return []

    model = InvoiceTableModel(desk_ctx, fetcher=slow_page)
    model.reload()
    shiboken6.delete(model)
    gate.set()
    qtbot.waitUntil(lambda: taskman().pending == 0, timeout=5000)
