"""GUI benchmarks: the GUI thread never blocks > 33 ms (two frames), 99% of its heartbeats
are ≤ 17 ms apart (one frame), and the desk starts in ≤ 0.4 s.

A QTimer heartbeat every 10 ms runs on the GUI thread; the largest gap between two beats
is the longest the counter would have seen the desk freeze. It is measured during
- a payment through the sandbox (QR shown, paid with the test helper, receipt shown),
- a burst of 1,000 payment status events (as synced from the relay) for listed invoices,
- searches and a status filter over 100,000 invoices.
Start-up is timed from process start to the first page of the invoice list on screen with
100,000 invoices (median of several runs in subprocesses), against a bare PySide6 window
with a 100,000-row table measured in the same run.

    python tests/benchmarks/bench_gui.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

INVOICES = 100_000
STARTUP_RUNS = 7
BURST = 1_000


# -- helpers -----------------------------------------------------------------------------


def _pump(app, cond, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("the desk did not get there in time")
        app.processEvents()
        time.sleep(0.001)


def _idle(app, seconds: float) -> None:
    """Let the event loop run for `seconds` (never sleep on the GUI thread)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)


def _build_home(folder: Path) -> Path:
    from kiosk.context import Context
    from kiosk.ledger.demo_data import generate_bulk, load_demo_data

    home = folder / "home"
    ctx = Context(home)
    generate_bulk(ctx.ledger, INVOICES)
    load_demo_data(ctx.ledger, students=5)
    ctx.ledger.close()
    return home


def _window(ctx):
    from kiosk.ledger.users import StaffUser
    from ui.app import create_app
    from ui.main_window import MainWindow

    app = create_app(ctx)
    win = MainWindow(ctx)
    win.show()
    ready = []
    win.list_ready.connect(lambda: ready.append(1))
    win.start()
    _pump(app, lambda: ready)
    win.sign_in_as(StaffUser(1, "cashier@example.com", "Demo Cashier", "cashier"))
    return app, win


STALLS: dict[str, int] = {}  # gaps over 33 ms (two frames) per measurement, for the report
P99: dict[str, float] = {}  # 99th percentile of the heartbeat gaps per measurement, ms
MAX_GAP, P99_GAP, STARTUP = 33.0, 17.0, 0.4  # the targets (issue 15): two frames, one frame


def _watch(app, work, name: str = "") -> float:
    """Run `work()` (which pumps events itself) under a 10 ms heartbeat; largest gap, ms."""
    from ui.taskman import BlockWatch

    watch = BlockWatch(interval_ms=10)
    watch.start()
    app.processEvents()
    try:
        work()
    finally:
        watch.stop()
    STALLS[name] = sum(1 for g in watch.gaps if g > MAX_GAP)
    STALLS[name + ":beats"] = len(watch.gaps)
    P99[name] = _p99(watch.gaps)
    return round(watch.max_gap_ms, 1)


def _p99(gaps: list[float]) -> float:
    if len(gaps) < 2:
        return 0.0
    return round(statistics.quantiles(gaps, n=100, method="inclusive")[98], 1)


# -- in-process measurements -----------------------------------------------------------


def measure_search(home: Path) -> float:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from kiosk.context import Context

    ctx = Context(home)
    app, win = _window(ctx)
    model = win.invoices.model
    _pump(app, lambda: model.total_count is not None)

    _idle(app, 1.0)  # the window's own start-up work is done: measure the searches alone

    def settle() -> None:
        _idle(app, 0.25)  # past the debounce
        _pump(
            app,
            lambda: (
                not model.loading
                and model.total_count is not None
                and not win.invoices._debounce.isActive()
            ),
        )

    def work() -> None:
        for text in ("INV-BULK-0421", "kumar", "priya sha", "S00004", ""):
            win.invoices.search.clear()
            settle()
            QTest.keyClicks(win.invoices.search, text, delay=30)
            settle()
        for button in (3, 4, 0):  # Overdue, Paid, All over 100k invoices
            win.invoices.filters.button(button).click()
            settle()
        win.invoices.table.setFocus()
        for _ in range(6):  # scroll: lazy pages
            QTest.keyClick(win.invoices.table, Qt.Key.Key_PageDown)
            _idle(app, 0.05)
        _pump(app, lambda: not model.loading)

    try:
        return _watch(app, work, "search")
    finally:
        win.close()
        ctx.ledger.close()


def measure_idle(seconds: float = 8.0) -> float:
    """The same heartbeat on an idle event loop: what this machine's load alone costs."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    return _watch(app, lambda: _idle(app, seconds), "idle")


def measure_burst(home: Path) -> float:
    from kiosk.context import Context
    from kiosk.payments.status import PaymentStatus, StatusChange, publish

    ctx = Context(home)
    app, win = _window(ctx)
    model = win.invoices.model
    shown = [r.number for r in model.rows]
    refreshed: list[int] = []
    win.rows_refreshed.connect(refreshed.append)
    done = threading.Event()

    go = threading.Event()

    def burst() -> None:  # what the sync loop does on its thread, 1,000 times
        go.wait()
        for i in range(BURST):
            publish(
                StatusChange(
                    f"pa_bench{i}", shown[i % len(shown)], PaymentStatus.PAID, payment_id=None
                )
            )
        done.set()

    # started before the watch: Thread.start() waits for the thread, a harness stall
    threading.Thread(target=burst, daemon=True).start()
    _idle(app, 1.0)  # the window's own start-up work is done: measure the burst alone

    def work() -> None:
        go.set()
        _pump(app, done.is_set)
        _pump(
            app,
            lambda: refreshed and not win.events.pending and not win.services.refreshing,
        )
        _idle(app, 0.3)

    try:
        return _watch(app, work, "burst")
    finally:
        win.close()
        ctx.ledger.close()


SERVERS = """
import json, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from kiosk.demo import start_demo
demo = start_demo(Path({home!r}), lan=False, students=10)
print(json.dumps({{"env": demo.env, "cashier": list(demo.cashier)}}), flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
demo.stop()
"""


def _demo_servers(home: Path) -> tuple[subprocess.Popen, dict[str, Any]]:
    """The demo's Stripe sandbox and relay in a process of their own, as Stripe and the
    campus relay are in production: the heartbeat then measures the desk, not the GIL
    shared with two web servers."""
    import json

    child = subprocess.Popen(
        [sys.executable, "-c", SERVERS.format(root=str(ROOT), home=str(home))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    return child, json.loads(child.stdout.readline())


def measure_payment() -> float:
    import queue

    from kiosk.context import Context
    from kiosk.demo import pay_with_test_card, use_memory_keyring
    from ui.staff import sign_in

    home = Path(tempfile.mkdtemp(prefix="bench-gui-demo-"))
    child, demo = _demo_servers(home)
    os.environ.update(demo["env"])
    use_memory_keyring()
    ctx = Context(home)
    api, key = demo["env"]["STRIPE_API_BASE"], demo["env"]["STRIPE_SECRET_KEY"]
    to_pay: queue.Queue[str] = queue.Queue()
    # the student's phone, started before the watch (Thread.start waits for the thread)
    threading.Thread(target=lambda: pay_with_test_card(api, key, to_pay.get()), daemon=True).start()
    try:
        app, win = _window(ctx)
        win.sign_in_as(sign_in(ctx, *demo["cashier"]))
        _pump(app, lambda: win.poller is not None)
        win.invoices.search.setText("INV-DEMO-0002")
        _pump(
            app,
            lambda: (
                win.detail.detail is not None and win.detail.detail.row.number == "INV-DEMO-0002"
            ),
        )

        def work() -> None:
            win.take_payment()
            dlg = win.payment_dialog
            started, shown = [], []
            dlg.started.connect(started.append)
            dlg.receipt_shown.connect(shown.append)
            dlg.amount_page.start.click()
            _pump(app, lambda: started)
            to_pay.put(started[0].stripe_id)
            _pump(app, lambda: shown)
            dlg.accept()
            _idle(app, 0.5)

        gap = _watch(app, work, "payment")
        win.close()
        return gap
    finally:
        ctx.ledger.close()
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


# -- start-up, in subprocesses ---------------------------------------------------------------

DESK_CHILD = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from kiosk.context import Context
from ui import early

ctx = Context(Path({home!r}))
early.start(ctx)  # what `python main.py` does first
from ui.app import build_window, create_app, prewarm

app = create_app(ctx)
prewarm(ctx)
win = build_window(ctx)  # shows the window and asks for the first page
def ready():
    from kiosk.ledger.users import StaffUser  # already imported by the worker

    win.sign_in_as(StaffUser(1, "cashier@example.com", "Demo Cashier", "cashier"))
    app.processEvents()  # the list page is painted
    import time
    print("READY", time.process_time(), flush=True)
    app.exit(0)
win.list_ready.connect(ready)
app.exec()
import os
os._exit(0)
"""

BARE_CHILD = """
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

class Model(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else 100_000
    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else 8
    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{{index.row()}}:{{index.column()}}"
        return None

app = QApplication([])
win = QMainWindow()
view = QTableView()
view.setModel(Model())
win.setCentralWidget(view)
win.resize(1440, 860)
win.show()
def ready():
    import time
    print("READY", time.process_time(), flush=True)
    app.exit(0)
QTimer.singleShot(0, ready)
app.exec()
import os
os._exit(0)
"""


def _time_child(code: str) -> tuple[float, float]:
    """(wall seconds from process start to READY, CPU seconds the child had used by then)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("READY"):
            elapsed = time.perf_counter() - start
            cpu = float(line.split()[1])
            break
    else:
        proc.wait()
        raise RuntimeError("the child never got ready")
    proc.wait(timeout=30)
    return elapsed, cpu


def measure_startup(home: Path) -> dict[str, float]:
    desk = DESK_CHILD.format(root=str(ROOT), home=str(home))
    _time_child(desk)  # warm the disk cache and .pyc files once
    _time_child(BARE_CHILD)
    runs: dict[str, list[tuple[float, float]]] = {"desk": [], "bare": []}
    for _ in range(STARTUP_RUNS):
        runs["desk"].append(_time_child(desk))
        runs["bare"].append(_time_child(BARE_CHILD))
    med = statistics.median
    return {
        "desk": med(w for w, _ in runs["desk"]),
        "bare": med(w for w, _ in runs["bare"]),
        "desk_cpu": med(c for _, c in runs["desk"]),
        "bare_cpu": med(c for _, c in runs["bare"]),
    }


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        home = _build_home(Path(tmp))
        start = measure_startup(home)
        desk, bare = start["desk"], start["bare"]
        search = measure_search(home)
        burst = measure_burst(home)
    payment = measure_payment()
    idle = measure_idle()
    stalls = [
        {
            "name": f"gui: heartbeats over {MAX_GAP:.0f} ms apart during the {name}",
            "value": STALLS.get(name, 0),
            "unit": f"of {STALLS.get(name + ':beats', 0)}",
            "target": "",
        }
        for name in ("payment", "burst", "search", "idle")
    ]
    scenarios = {
        "payment": ("during a payment", payment),
        "burst": (f"burst of {BURST:,} synced events", burst),
        "search": (f"search/filter/scroll over {INVOICES:,} invoices", search),
    }
    gaps: list[dict[str, Any]] = []
    for key, (what, worst) in scenarios.items():
        gaps += [
            _row(f"gui: max GUI-thread gap, {what}", worst, "ms", f"<= {MAX_GAP:.0f}"),
            _row(f"gui: p99 GUI-thread gap, {what}", P99[key], "ms", f"<= {P99_GAP:.0f}"),
        ]
    return [
        *stalls,
        *gaps,
        _row("gui: idle event loop, max heartbeat gap (baseline, same run)", idle, "ms", ""),
        _row("gui: idle event loop, p99 heartbeat gap (baseline, same run)", P99["idle"], "ms", ""),
        {
            "name": f"gui: start-up to interactive list, {INVOICES:,} invoices (median of "
            f"{STARTUP_RUNS})",
            "value": round(desk, 3),
            "unit": "s",
            "target": f"<= {STARTUP}",
        },
        {
            "name": "gui: bare PySide6 window, 100,000-row table (same run)",
            "value": round(bare, 3),
            "unit": "s",
            "target": "~0.17",
        },
        {
            "name": "gui: start-up CPU time to interactive list (load-independent)",
            "value": round(start["desk_cpu"], 3),
            "unit": "s",
            "target": "",
        },
        {
            "name": "gui: start-up CPU time, bare PySide6 window (same run)",
            "value": round(start["bare_cpu"], 3),
            "unit": "s",
            "target": "",
        },
    ]


def _row(name: str, value: float, unit: str, target: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": target}


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']:<72} {row['value']:>8} {row['unit']:<3} target {row['target']}")
    for name in ("payment", "burst", "search", "idle"):
        print(
            f"  {name}: {STALLS.get(name)} of {STALLS.get(name + ':beats')} heartbeats "
            f"were over {MAX_GAP:.0f} ms apart"
        )
