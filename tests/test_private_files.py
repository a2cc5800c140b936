"""Owner-only files: the home folder and receipts 0700; the ledger (with SQLite's -wal and
-shm), the relay database and the logs 0600, whatever the process umask was."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.cli.main import main
from kiosk.context import Context
from kiosk.ledger.database import Ledger


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The loosest umask there is: any 0600/0700 seen below was set on purpose."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_a_new_home_is_owner_only(tmp_path: Path, open_umask, monkeypatch):
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", "tea-kettle-morning")
    assert main(["--home", str(home), "users", "add", "ravi", "--role", "cashier"]) == 0
    ctx = Context(home)
    with ctx.ledger.begin() as s:  # an open writer: -wal and -shm exist now
        s.execute(text("UPDATE users SET display_name = 'Ravi'"))
        assert (home / "kiosk.db-wal").exists() and (home / "kiosk.db-shm").exists()
        files = ["kiosk.db", "kiosk.db-wal", "kiosk.db-shm", "logs/kiosk.log"]
        assert {f: mode(home / f) for f in files} == dict.fromkeys(files, 0o600)
    assert mode(home) == mode(home / "logs") == mode(ctx.receipts_dir) == 0o700
    ctx.ledger.close()


def test_loose_modes_of_an_existing_home_are_tightened(tmp_path: Path, open_umask):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    Ledger.open(f"sqlite:///{home / 'kiosk.db'}").close()
    (home / "kiosk.db").chmod(0o644)
    (home / "receipts").mkdir(mode=0o755)
    ctx = Context.from_args(type("Args", (), {"home": str(home)})())
    ctx.ledger.close()
    assert mode(home / "kiosk.db") == 0o600
    assert mode(home) == mode(ctx.receipts_dir) == 0o700


def test_the_relay_database_is_owner_only(tmp_path: Path, open_umask):
    from kiosk.relay.storage.engine import create_schema, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'relay' / 'relay.db'}")
    create_schema(engine)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        for name in ("relay.db", "relay.db-wal", "relay.db-shm"):
            assert mode(tmp_path / "relay" / name) == 0o600, name
    engine.dispose()
