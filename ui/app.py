"""Starting the desk: the QApplication, the theme and the main window."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from kiosk.termination import Termination
from ui import gc_on_gui_thread, theme

log = logging.getLogger(__name__)


def create_app(ctx, argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv if argv is not None else sys.argv[:1])
    # Workers (SQLAlchemy, Stripe) are Python-heavy: hand the interpreter back to the GUI
    # thread more often than the default 5 ms, so the counter never sees a stall.
    sys.setswitchinterval(0.001)
    gc_on_gui_thread.install(app)
    app.setApplicationName("Fee Kiosk")
    app.setOrganizationName("Fee Kiosk")
    app.setApplicationDisplayName("Fee Kiosk")
    theme.apply(app, str(ctx.settings.get("ui.theme")))
    return app


def prewarm(ctx) -> None:
    """Open the ledger on the database worker at once, while the window is being built
    (or wait there for `ui.early.start`, which began before Qt was imported)."""
    from ui import early
    from ui.taskman import taskman

    if early.fast_start():  # the first page comes from the cached SQL: open it after
        return

    def warm() -> None:
        early.wait()
        early.warm(ctx)

    taskman().run_in_background(warm, None)


def build_window(ctx, customer_display: bool = False):
    """`customer_display`: open the student's display even if Settings have it off."""
    from ui import early
    from ui.main_window import MainWindow

    win = MainWindow(ctx)
    win.customer_display = None
    if customer_display or str(ctx.settings.get("ui.customer_display")) != "off":
        from ui.customer_display import attach  # only then: start-up stays lean

        win.customer_display = attach(win, forced=customer_display)
    if early.fast_start():
        _open_ledger_after_first_page(ctx, win)
    if ctx.settings.get("ui.kiosk_mode"):
        win.showFullScreen()
    else:
        win.show()
    win.start()
    return win


def _open_ledger_after_first_page(ctx, win) -> None:
    """The first page came from the cached SQL (ui.early): SQLAlchemy and the ledger load
    on the database worker once the page has painted. Queued work (the detail of the
    selected invoice, more pages) waits behind it on the worker; the import hands the
    interpreter back to the GUI thread more often meanwhile."""
    import threading

    from PySide6.QtCore import QTimer

    from ui import early
    from ui.taskman import taskman

    painted = threading.Event()

    def warm() -> None:
        painted.wait(5)
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0002)
        try:
            early.warm(ctx)
        finally:
            sys.setswitchinterval(interval)

    def on_list_ready() -> None:
        taskman().run_in_background(warm, None)
        QTimer.singleShot(100, painted.set)

    win.list_ready.connect(on_list_ready, Qt.ConnectionType.SingleShotConnection)


def sign_in_in_background(win, username: str, password: str) -> None:
    """Demo mode: sign in as the demo cashier without typing (scrypt runs on the worker)."""
    from ui.operations import QueryOp
    from ui.staff import sign_in

    ctx = win.ctx
    QueryOp(win, lambda _t: sign_in(ctx, username, password)).success(win.sign_in_as).run()


def quit_on_termination(app: QApplication, stop: Termination) -> None:
    """Ctrl+C and SIGTERM close the desk like its window's Close: the event loop ends and
    the caller's clean-up runs. A timer hands control back to Python now and then, since
    Python runs signal handlers only between bytecodes, never inside Qt's event loop."""
    from PySide6.QtCore import QTimer

    timer = QTimer(app)
    timer.setInterval(250)
    timer.timeout.connect(lambda: None)
    timer.start()
    stop.on_signal(lambda: QTimer.singleShot(0, app.quit))


def run(
    ctx,
    credentials: tuple[str, str] | None = None,
    termination: Termination | None = None,
    customer_display: bool = False,
) -> int:
    """Run the desk until its window closes, or until Ctrl+C / SIGTERM when `termination`
    (installed by the caller, who also restores it) is given; `customer_display` opens the
    student's display whatever Settings say (demo's --customer-display)."""
    from ui.errors import install_excepthook

    install_excepthook()
    app = create_app(ctx)
    if termination is not None:
        quit_on_termination(app, termination)
    prewarm(ctx)
    win = build_window(ctx, customer_display)
    if credentials:
        sign_in_in_background(win, *credentials)
    from ui.taskman import BlockWatch

    watch = BlockWatch(interval_ms=25)
    watch.start()
    code = app.exec()
    watch.stop()
    from ui.taskman import taskman

    taskman().shutdown()
    return int(code)
