"""Starting the desk from the cached first-page SQL (ui.early + kiosk.ledger.first_page):
the list shows search_invoices' first page and count before SQLAlchemy is imported, then
the normal path takes over (detail, more pages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from kiosk.context import Context
from ui import early

ctx = Context(Path({home!r}))
early.start(ctx)
from ui.app import build_window, create_app, prewarm

app = create_app(ctx)
prewarm(ctx)
win = build_window(ctx)
out = {{"fast": early.fast_start()}}
model = win.invoices.model

def on_ready():
    out["sqlalchemy_at_ready"] = "sqlalchemy" in sys.modules
    out["numbers"] = [r.number for r in model.rows]
    out["statuses"] = [r.status for r in model.rows]
    from kiosk.ledger.users import StaffUser

    win.sign_in_as(StaffUser(1, "cashier@example.com", "Demo Cashier", "cashier"))

def on_detail(d):
    out["detail"] = d.row.number
    model.fetchMore()

def on_page(n):
    if "detail" in out and n > len(out["numbers"]):
        out["more"] = n
        out["count_label"] = win.invoices.count.text()
        app.exit(0)

win.list_ready.connect(on_ready)
win.detail.loaded.connect(on_detail)
model.page_loaded.connect(on_page)
from PySide6.QtCore import QTimer
QTimer.singleShot(20_000, lambda: app.exit(1))
code = app.exec()
print("OUT", json.dumps(out), flush=True)
import os
os._exit(code)
"""


def _start(home: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), home=str(home))],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("OUT "))
    return json.loads(line[4:])


def test_desk_starts_from_the_cached_first_page(ctx) -> None:
    from kiosk.ledger.demo_data import generate_bulk, load_demo_data
    from kiosk.ledger.first_page import CACHE_NAME
    from kiosk.ledger.search import count_invoices, search_invoices

    generate_bulk(ctx.ledger, 450)
    load_demo_data(ctx.ledger, students=20)
    with ctx.ledger.read() as s:
        from kiosk.clock import today

        desk_today = today(str(ctx.settings.get("desk.timezone")))  # the desk's, not UTC's
        expected = search_invoices(s, "", limit=200, order_by="number", today=desk_today)
        total = count_invoices(s, "")
    ctx.ledger.close()

    first = _start(ctx.home)  # no cache yet: the normal path, which writes the cache
    assert first["fast"] is False
    assert first["sqlalchemy_at_ready"] is True
    assert (ctx.home / CACHE_NAME).is_file()

    second = _start(ctx.home)
    assert second["fast"] is True
    assert second["sqlalchemy_at_ready"] is False
    for run in (first, second):
        assert run["numbers"] == [r.number for r in expected]
        assert run["statuses"] == [r.status for r in expected]
        assert run["detail"] == expected[0].number  # the normal path took over
        assert run["more"] == 400
        assert run["count_label"] == f"{total:,} invoices"


def test_the_cached_page_is_the_models_page_size() -> None:
    from ui import early, invoice_model

    assert early.PAGE == invoice_model.PAGE
