"""Cycles holding Qt objects are collected on the GUI thread, never on a worker."""

from __future__ import annotations

import gc
import threading
import weakref


def test_collection_runs_on_the_gui_thread_only(qtbot, desk_ctx):
    from PySide6.QtCore import QObject

    from ui.app import create_app

    create_app(desk_ctx)
    assert not gc.isenabled()  # a worker's allocations never start a collection

    freed_in: list[str] = []

    class Holder:
        pass

    def make_cycle() -> weakref.ref:
        holder = Holder()
        holder.obj = QObject()
        holder.obj.destroyed.connect(lambda *_: freed_in.append(threading.current_thread().name))
        holder.me = holder  # a cycle: only the collector can free it
        return weakref.ref(holder)

    ref = make_cycle()
    worker = threading.Thread(target=lambda: [object() for _ in range(200_000)], name="worker")
    worker.start()
    worker.join()
    assert ref() is not None  # the worker's allocations did not collect it
    qtbot.waitUntil(lambda: ref() is None, timeout=5_000)  # the GUI thread's timer did
    assert freed_in in ([], [threading.main_thread().name])


def test_after_an_import_the_middle_collection_freezes_instead_of_walking(qtbot, desk_ctx):
    import sys
    import types

    from PySide6.QtWidgets import QApplication

    from ui.gc_on_gui_thread import GuiThreadCollector

    collector = GuiThreadCollector(QApplication.instance())
    try:
        frozen = gc.get_freeze_count()
        collector._middle()  # nothing imported since it started: a plain middle collection
        assert collector.freezes == 0 and gc.get_freeze_count() <= frozen
        sys.modules["_kiosk_test_fresh_import"] = types.ModuleType("_kiosk_test_fresh_import")
        kept = [[] for _ in range(1_000)]  # what the import built, in young gens
        collector._middle()
        assert collector.freezes == 1 and gc.get_freeze_count() > frozen + len(kept) // 2
        collector._middle()  # and only once per import
        assert collector.freezes == 1
    finally:
        sys.modules.pop("_kiosk_test_fresh_import", None)
        collector.deleteLater()
