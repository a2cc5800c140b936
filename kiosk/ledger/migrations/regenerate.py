"""Regenerate 0001_initial from the models (allowed until the first release ships).

    python -m kiosk.ledger.migrations.regenerate

Later hand-written migrations (0002 onwards) build on revision "0001" and stay as they are.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from kiosk.ledger.database import MIGRATIONS, alembic_config

INITIAL = MIGRATIONS / "versions" / "0001_initial.py"


def main() -> None:
    if INITIAL.exists():
        INITIAL.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'blank.db'}")
        with engine.connect() as conn:
            cfg = alembic_config(conn)
            # Generate against an empty database, ignoring later revisions' heads.
            script = ScriptDirectory.from_config(cfg)
            later = [p for p in (MIGRATIONS / "versions").glob("0*.py")]
            hidden = [p.rename(p.with_suffix(".hidden")) for p in later]
            try:
                command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
            finally:
                for p in hidden:
                    p.rename(p.with_suffix(".py"))
            del script
    generated = next((MIGRATIONS / "versions").glob("0001_*.py"))
    generated.rename(INITIAL)
    print(f"wrote {INITIAL}")


if __name__ == "__main__":
    main()
