"""Where this desk lives: its home folder, settings and ledger, resolved once per process.

The home is `--home DIR`, else FEE_KIOSK_HOME, else platformdirs' user data dir. It holds
config.toml, kiosk.db (the default SQLite ledger), receipts/ and logs/.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.ledger.database import Ledger


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("fee-kiosk", appauthor=False))


class Context:
    def __init__(self, home: Path, db_url: str | None = None, debug: bool = False) -> None:
        self.home = home
        self._db_url = db_url
        self.debug = debug

    @classmethod
    def from_args(cls, args: Any) -> Context:
        home = getattr(args, "home", None) or os.environ.get("FEE_KIOSK_HOME")
        ctx = cls(
            Path(home).expanduser() if home else default_home(),
            getattr(args, "db", None) or os.environ.get("FEE_KIOSK_DB"),
            bool(getattr(args, "debug", False)),
        )
        from kiosk.logs import setup_logging

        setup_logging(ctx.home / "logs", debug=ctx.debug)
        return ctx

    @property
    def db_url(self) -> str:
        return self._db_url or f"sqlite:///{self.home / 'kiosk.db'}"

    @property
    def receipts_dir(self) -> Path:
        return self.home / "receipts"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @cached_property
    def settings(self) -> Settings:
        from kiosk.config import Settings

        self.home.mkdir(parents=True, exist_ok=True)
        return Settings.load(self.home / "config.toml")

    @cached_property
    def ledger(self) -> Ledger:
        from kiosk.ledger.database import Ledger

        self.home.mkdir(parents=True, exist_ok=True)
        return Ledger.open(self.db_url)

    @property
    def desk(self) -> str:
        return str(self.settings.get("desk.name"))
