"""Fee-slip files: one PDF per invoice, written atomically, and the folder's manifest.

The manifest (``.fee-slips.json``) records, per invoice, the balance a slip was written
for, its file, SHA-256 and link: a resumed run skips a slip whose invoice still has that
balance and whose file is intact.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from kiosk.atomic import write_bytes, write_text
from kiosk.receipts.fee_slip_pdf import SlipFacts, render_slip
from kiosk.receipts.pdf_parts import RenderOptions

log = logging.getLogger(__name__)

MANIFEST = ".fee-slips.json"
SAVE_EVERY = 50  # an interrupted run redraws at most this many slips (their links are reused)


def slip_filename(invoice_number: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in invoice_number)
    return f"{safe}.pdf"


def write_slip(facts: SlipFacts, opts: RenderOptions, layout: str, path: Path) -> str:
    """Draw one slip and write it atomically; its SHA-256. Runs in the worker process too."""
    pdf = render_slip(facts, opts, layout)
    write_bytes(path, pdf)
    return hashlib.sha256(pdf).hexdigest()


class Manifest:
    """invoice number → {balance, file, sha256, attempt} of the slip written for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        if path.is_file():
            try:
                self.entries = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                log.warning("%s unreadable: every slip is written again", path)
        self._unsaved = 0

    def done(self, number: str, balance: int) -> bool:
        entry = self.entries.get(number)
        if not entry or entry.get("balance") != balance:
            return False
        path = self.path.parent / str(entry["file"])
        return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]

    def record(self, number: str, balance: int, filename: str, sha256: str, attempt: str) -> None:
        self.entries[number] = {
            "balance": balance,
            "file": filename,
            "sha256": sha256,
            "attempt": attempt,
        }
        self._unsaved += 1
        if self._unsaved >= SAVE_EVERY:
            self.save()

    def save(self) -> None:
        write_text(self.path, json.dumps(self.entries, indent=1, sort_keys=True))
        self._unsaved = 0
