"""`python main.py demo` stops on Ctrl+C and SIGTERM: servers closed, temporary home deleted,
and the exit code says which signal ended it (130, 143)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def start_demo(*extra: str) -> tuple[subprocess.Popen[str], Path]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        [sys.executable, "main.py", "demo", "--loopback", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    home = None
    for line in proc.stdout:
        if line.strip().startswith("home:"):
            home = Path(line.split(":", 1)[1].strip())
            break
    assert home is not None and home.is_dir(), proc.stderr.read() if proc.stderr else ""
    return proc, home


def signed_in(home: Path) -> bool:
    """The desk's event loop is running: the demo cashier's sign-in is in the audit log."""
    try:
        with sqlite3.connect(f"file:{home / 'kiosk.db'}?mode=ro", uri=True) as db:
            row = db.execute("SELECT count(*) FROM audit_log WHERE action = 'sign_in'").fetchone()
    except sqlite3.Error:
        return False
    return bool(row and row[0])


def stop(proc: subprocess.Popen[str], signum: int) -> int:
    proc.send_signal(signum)
    try:
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_no_gui_demo_stops_on_signal_and_deletes_its_home(signum, code):
    proc, home = start_demo("--no-gui")
    assert stop(proc, signum) == code
    assert not home.exists()


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_desk_demo_stops_on_signal_and_deletes_its_home(signum, code):
    proc, home = start_demo()
    try:
        wait_for(lambda: signed_in(home), timeout=60, what="the demo desk to sign in")
    except AssertionError:
        proc.kill()
        raise
    assert stop(proc, signum) == code
    assert not home.exists()
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()
