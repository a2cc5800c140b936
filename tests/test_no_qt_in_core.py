"""The core never imports Qt: the CLI, the relay and most tests run without a display."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT_IMPORT = re.compile(r"^\s*(from|import)\s+(PySide6|PyQt[56]|shiboken6)\b", re.MULTILINE)


def test_no_module_under_kiosk_imports_qt():
    offenders = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "kiosk").rglob("*.py"))
        if QT_IMPORT.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_pattern_would_catch_an_import():
    assert QT_IMPORT.search("import os\nfrom PySide6.QtCore import QObject\n")
    assert QT_IMPORT.search("    import PySide6\n")
    assert not QT_IMPORT.search('"""mentions PySide6 in prose"""\n')


def test_importing_the_core_leaves_qt_unloaded():
    code = (
        "import sys, kiosk.cli.main, kiosk.ledger.models, kiosk.money; "
        "kiosk.cli.main.build_parser(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'PySide6', 'shiboken6', 'PyQt5', 'PyQt6'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
