"""Starting the desk: the QApplication, the theme and the main window."""

from __future__ import annotations

import logging
import re
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from ui import theme

log = logging.getLogger(__name__)


def create_app(ctx, argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv if argv is not None else sys.argv[:1])
    # Workers (SQLAlchemy, Stripe) are Python-heavy: hand the interpreter back to the GUI
    # thread more often than the default 5 ms, so the counter never sees a stall.
    sys.setswitchinterval(0.001)
    app.setApplicationName("Fee Kiosk")
    app.setOrganizationName("Fee Kiosk")
    app.setApplicationDisplayName("Fee Kiosk")
    theme.apply(app, str(ctx.settings.get("ui.theme")))
    return app  # type: ignore[return-value]


def prewarm(ctx) -> None:
    """Open the ledger on the database worker at once, while the window is being built."""
    from ui.taskman import taskman

    def warm() -> None:
        open_ledger(ctx)
        from kiosk.money import format_money  # Babel's locale data, before the first paint

        format_money(
            0, str(ctx.settings.get("desk.currency")), str(ctx.settings.get("desk.locale"))
        )

    taskman().run_in_background(warm, None)


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*['\"]?([\w-]+|None)['\"]?", re.M)


def schema_is_current(db_url: str) -> bool:
    """True when a SQLite ledger already has the newest migration (checked without Alembic:
    importing and running it costs a few hundred milliseconds at every start)."""
    if not db_url.startswith("sqlite:///") or db_url.startswith("sqlite:///:memory:"):
        return False
    import sqlite3

    from kiosk.ledger.database import MIGRATIONS

    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((k, v) for k, v in _REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
            parents.add(found.get("down_revision"))
    heads = revisions - parents
    path = db_url.removeprefix("sqlite:///")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return False
    return len(heads) == 1 and {r[0] for r in rows} == heads


def open_ledger(ctx):
    """ctx.ledger, skipping the Alembic run when the schema is known to be current."""
    if "ledger" not in ctx.__dict__ and schema_is_current(ctx.db_url):
        from kiosk.ledger.database import Ledger

        ctx.__dict__["ledger"] = Ledger.open(ctx.db_url, migrate=False)
    return ctx.ledger


def build_window(ctx):
    from ui.main_window import MainWindow

    win = MainWindow(ctx)
    if ctx.settings.get("ui.kiosk_mode"):
        win.showFullScreen()
    else:
        win.show()
    win.start()
    return win


def sign_in_in_background(win, username: str, password: str) -> None:
    """Demo mode: sign in as the demo cashier without typing (scrypt runs on the worker)."""
    from ui.operations import QueryOp
    from ui.staff import sign_in

    ctx = win.ctx
    QueryOp(win, lambda _t: sign_in(ctx, username, password)).success(win.sign_in_as).run()


def run(ctx, credentials: tuple[str, str] | None = None) -> int:
    app = create_app(ctx)
    prewarm(ctx)
    win = build_window(ctx)
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
