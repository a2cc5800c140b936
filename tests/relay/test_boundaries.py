"""The relay is a separate deployable: no desk ledger, no Qt; its CLI module stays light."""

from __future__ import annotations

import subprocess
import sys

from tests.relay.conftest import ROOT


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_relay_app_imports_neither_ledger_nor_qt():
    modules = loaded_after("import kiosk.relay.app, kiosk.relay.embedded, kiosk.relay.cli")
    desk = {m for m in modules if m.split(".")[0] in {"PySide6", "ui"}}
    assert not desk | {m for m in modules if m.startswith("kiosk.ledger")}


def test_relay_cli_module_is_light_at_desk_start_up():
    modules = loaded_after("import kiosk.relay.cli")
    assert not modules & {"fastapi", "sqlalchemy", "uvicorn", "stripe", "httpx"}
