"""The command line under bad conditions: no ledger where one was expected, a read-only
home, SQL errors, and hostile text from the ledger on a terminal."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kiosk.cli.main import main
from kiosk.cli.terminal import SafeTerminal, safe
from kiosk.ledger.database import Ledger
from tests.ledger.test_cli import ROOT

PASSWORD = "tea-kettle-morning"
ADD = ("users", "add", "meera", "--role", "cashier")


@pytest.mark.parametrize(
    "args",
    [
        ("invoices", "list"),
        ("users", "list"),
        ("audit", "verify"),
        ("attempts",),
        ("receipts", "list"),
    ],
)
def test_commands_that_use_a_ledger_never_create_one(home: Path, capsys, args):
    assert main(["--home", str(home), *args]) == 1
    err = capsys.readouterr().err
    db = home / "kiosk.db"
    assert err == (
        f"fee-kiosk: no ledger at {db} (the file does not exist); create one with `users add`, "
        "`import-csv` or `demo-data`, or point --home / --db at the right one\n"
    )
    assert not db.exists()


def test_an_empty_ledger_file_is_not_silently_migrated(home: Path, capsys):
    (home / "kiosk.db").touch()
    assert main(["--home", str(home), "invoices", "list"]) == 1
    assert "(the file is empty)" in capsys.readouterr().err
    assert (home / "kiosk.db").stat().st_size == 0


def test_commands_that_make_a_ledger_still_do(home: Path, capsys, monkeypatch):
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", PASSWORD)
    assert main(["--home", str(home), "users", "add", "ravi", "--role", "cashier"]) == 0
    assert main(["--home", str(home), "users", "list"]) == 0
    assert "ravi" in capsys.readouterr().out


def _without_root_powers() -> list[str]:
    """Root ignores file modes; drop the capabilities that let it (setpriv, util-linux)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder can't be simulated")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]


def _read_only(path: Path) -> None:
    for p in [*path.rglob("*"), path]:
        p.chmod(0o555 if p.is_dir() else 0o444)


def test_a_read_only_home_gives_one_line_and_exit_74(home: Path, monkeypatch):
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", PASSWORD)
    assert main(["--home", str(home), "users", "add", "ravi", "--role", "cashier"]) == 0
    _read_only(home)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("FEE_KIOSK", "STRIPE"))}
    environ.update(FEE_KIOSK_NEW_PASSWORD=PASSWORD)
    try:
        done = subprocess.run(
            [*_without_root_powers(), sys.executable, "main.py", "--home", str(home), *ADD],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        for p in [home, *home.rglob("*")]:
            p.chmod(0o700 if p.is_dir() else 0o600)
    assert done.returncode == 74, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fee-kiosk: "), done.stderr
    assert "Traceback" not in done.stderr and "scrypt$" not in done.stderr
    assert "INSERT" not in done.stderr and "parameters" not in done.stderr


def test_sql_errors_never_carry_the_row_values(any_ledger: Ledger):
    with pytest.raises(IntegrityError) as caught, any_ledger.engine.begin() as conn:
        for _ in range(2):
            conn.execute(
                text(
                    "INSERT INTO users (username, display_name, password_hash, role, active, "
                    "created_at) VALUES ('dup', :secret, :secret, 'cashier', true, :at)"
                ),
                {"secret": "SECRET-ROW-VALUE", "at": "2026-01-01 00:00:00"},
            )
    assert "SECRET-ROW-VALUE" not in str(caught.value)


def test_hostile_names_are_escaped_in_tables(home: Path, ctx, make_invoice, capsys):
    make_invoice("INV-EVIL-1", [("Tuition\x9b31m", 5000, 1)], name="Evil\x1b[2J\x07")
    ctx.ledger.close()
    assert main(["--home", str(home), "invoices", "list"]) == 0
    assert main(["--home", str(home), "invoices", "show", "INV-EVIL-1"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "Evil\\x1b[2J\\x07" in out and "Tuition\\x9b31m" in out


def test_everything_printed_to_a_terminal_is_escaped():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Tty()
    SafeTerminal(screen).write("Evil\x1b]0;pwned\x07 \u202eedoc\nnext line\r\n")
    assert screen.getvalue() == "Evil\\x1b]0;pwned\\x07 \\u202eedoc\nnext line\\x0d\n"
    assert safe("a\nb\tc") == "a\\x0ab\\x09c"


def test_a_full_disk_is_one_line_and_exit_74(tmp_path: Path):
    """SQLite's own "disk is full" (a page limit stands in for the disk), and the OS's."""
    from kiosk.cli.errors import EX_CANTWRITE, describe_failure

    ledger = Ledger.open(f"sqlite:///{tmp_path / 'full.db'}")
    with pytest.raises(Exception) as caught, ledger.engine.begin() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        conn.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
        conn.execute(
            text(
                "INSERT INTO audit_log (at, username, desk, action, target, details, chain_hash)"
                " VALUES ('2026-01-01 00:00:00', '', '', 'x', '', :n, '')"
            ),
            {"n": "x" * 200_000},
        )
    ledger.close()
    message, code = describe_failure(caught.value)
    assert code == EX_CANTWRITE and "disk is full" in message and "xxxx" not in message
    full = OSError(28, "No space left on device", str(tmp_path / "home" / "config.toml"))
    assert describe_failure(full) == (
        f"can't use {tmp_path / 'home' / 'config.toml'}: No space left on device",
        EX_CANTWRITE,
    )
