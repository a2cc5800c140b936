"""One small operation helper on top of the task runner (after Anki's QueryOp).

    QueryOp(parent, lambda task: search(...)).success(show).run()
    QueryOp(parent, do_import, kind="db").with_progress("Importing…", cancelable=True).run()

The op runs on a worker and receives a `Task` (progress and cancel); success and failure
run on the GUI thread, and only while `parent` still exists. Without `.failure(...)` the
default error panel shows the error in plain words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ui.errors import ErrorPanel
from ui.taskman import Kind, taskman

T = TypeVar("T")


class Cancelled(Exception):
    """Raised by `Task.check()` when the person pressed Cancel."""


class Task(QObject):
    """What a background op sees: a cancel flag and a thread-safe progress report."""

    progressed = Signal(int, int, str)

    def __init__(self) -> None:
        super().__init__()
        self.cancel_event = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled()

    def report(self, done: int, total: int = 0, label: str = "") -> None:
        self.progressed.emit(done, total, label)


class QueryOp(Generic[T]):
    def __init__(self, parent: QObject | None, op: Callable[[Task], T], kind: Kind = "db") -> None:
        self._parent = parent
        self._op = op
        self._kind = kind
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[BaseException], Any] | None = None
        self._finally: Callable[[], Any] | None = None
        self._progress: tuple[str, bool] | None = None
        self.task = Task()

    def success(self, fn: Callable[[T], Any]) -> QueryOp[T]:
        self._success = fn
        return self

    def failure(self, fn: Callable[[BaseException], Any]) -> QueryOp[T]:
        self._failure = fn
        return self

    def done(self, fn: Callable[[], Any]) -> QueryOp[T]:
        """Runs after success or failure (to re-enable a button, say)."""
        self._finally = fn
        return self

    def with_progress(self, label: str, cancelable: bool = False) -> QueryOp[T]:
        self._progress = (label, cancelable)
        return self

    def run(self) -> Future:
        dialog = self._make_progress() if self._progress else None
        task = self.task

        def finish(fut: Future) -> None:
            self._on_done(fut, dialog)

        target = self._success or self._failure
        finish.__qualname__ = "QueryOp→" + getattr(target, "__qualname__", "done")
        return taskman().run_in_background(lambda: self._op(task), finish, self._kind)

    def _alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _on_done(self, fut: Future, dialog: QProgressDialog | None) -> None:
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.reset()
            dialog.close()
            dialog.deleteLater()
        if not self._alive():
            return
        try:
            exc = fut.exception()
        except BaseException as cancelled:  # the future itself was cancelled at shutdown
            exc = cancelled
        if exc is None:
            if self._success is not None:
                self._success(fut.result())
        elif isinstance(exc, Cancelled):
            pass
        elif self._failure is not None:
            self._failure(exc)
        else:
            ErrorPanel.show(self._widget(), exc)
        if self._finally is not None:
            self._finally()

    def _widget(self) -> QWidget | None:
        """The window to show a progress or error panel over (a model has none)."""
        return self._parent if isinstance(self._parent, QWidget) else None

    def _make_progress(self) -> QProgressDialog:
        label, cancelable = self._progress or ("Working…", False)
        dlg = QProgressDialog(label, "Cancel" if cancelable else "", 0, 0, self._widget())
        dlg.setObjectName("progressDialog")
        dlg.setAccessibleName(label)
        dlg.setWindowTitle("Fee Kiosk")
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(300)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        if not cancelable:
            dlg.setCancelButton(None)
        dlg.canceled.connect(self.task.cancel_event.set)

        def on_progress(done: int, total: int, text: str) -> None:
            if not shiboken6.isValid(dlg):
                return
            dlg.setMaximum(max(total, 0))
            dlg.setValue(min(done, total) if total else 0)
            if text:
                dlg.setLabelText(text)

        self.task.progressed.connect(on_progress, Qt.ConnectionType.QueuedConnection)
        return dlg
