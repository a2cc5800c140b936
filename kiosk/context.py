"""Where this desk lives: its home folder, settings and ledger, resolved once per process.

The home is `--home DIR`, else FEE_KIOSK_HOME, else platformdirs' user data dir. It holds
config.toml, kiosk.db (the default SQLite ledger), receipts/ and logs/.
"""

from __future__ import annotations

import contextlib
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.home import default_home

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.ledger.database import Ledger


class Context:
    def __init__(self, home: Path, db_url: str | None = None, debug: bool = False) -> None:
        self.home = home
        self._db_url = db_url
        self.debug = debug
        # False for commands that only use a ledger: a missing one is an error, not a new one.
        self.create_ledger = True

    @classmethod
    def from_args(cls, args: Any) -> Context:
        home = getattr(args, "home", None) or os.environ.get("FEE_KIOSK_HOME")
        ctx = cls(
            Path(home).expanduser() if home else default_home(),
            getattr(args, "db", None) or os.environ.get("FEE_KIOSK_DB"),
            bool(getattr(args, "debug", False)),
        )
        from kiosk.logs import setup_logging

        with contextlib.suppress(OSError):  # a read-only home still runs what it can
            ctx.make_home()
        setup_logging(ctx.home / "logs", debug=ctx.debug)
        return ctx

    @property
    def db_url(self) -> str:
        return self._db_url or f"sqlite:///{self.home / 'kiosk.db'}"

    @cached_property
    def receipts_dir(self) -> Path:
        """HOME/receipts, owner-only (receipts carry student data); made on first use."""
        from kiosk.private_files import private_dir

        path = self.home / "receipts"
        with contextlib.suppress(OSError):  # read-only home: the write that needs it says so
            private_dir(path)
        return path

    def make_home(self) -> None:
        from kiosk.private_files import private_dir

        private_dir(self.home)

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @cached_property
    def settings(self) -> Settings:
        from kiosk.config import Settings

        self.make_home()
        return Settings.load(self.home / "config.toml")

    @cached_property
    def ledger(self) -> Ledger:
        from kiosk.ledger.database import Ledger

        if self.create_ledger:
            self.make_home()
        return Ledger.open(self.db_url, create=self.create_ledger)

    @property
    def desk(self) -> str:
        return str(self.settings.get("desk.name"))
