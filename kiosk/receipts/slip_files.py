"""Fee-slip files: one PDF per invoice, written atomically, and the folder's manifest.

The manifest (``.fee-slips.json``) records, per invoice, the balance a slip was written
for, its file, SHA-256 and link: a resumed run skips a slip whose invoice still has that
balance and whose file is intact. With ``processes=True`` the slips are drawn and written
in one worker process, so drawing does not compete for this process's GIL with the
threads creating Payment Links (`spawn`: safe beside threads and Qt).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
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
        path = self.path.parent / entry["file"]
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


class SlipFiles:
    """Writes slips (here, or in a worker process) and records each in the manifest."""

    def __init__(
        self,
        out: Path,
        opts: RenderOptions,
        layout: str,
        manifest: Manifest,
        processes: bool = False,
    ) -> None:
        self.out, self.opts, self.layout, self.manifest = out, opts, layout, manifest
        self.pool = ProcessPoolExecutor(1, mp_context=get_context("spawn")) if processes else None
        self.pending: deque[tuple[str, int, str, Future[str], Callable[[str], None]]] = deque()
        self.errors: dict[str, str] = {}

    def __enter__(self) -> SlipFiles:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        try:
            if exc_type is None:
                self._drain(block=True)
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=exc_type is not None)

    def submit(
        self, number: str, balance: int, facts: SlipFacts, on_done: Callable[[str], None]
    ) -> None:
        path = self.out / slip_filename(number)
        if self.pool is not None:
            future = self.pool.submit(write_slip, facts, self.opts, self.layout, path)
        else:
            future = Future()
            try:
                future.set_result(write_slip(facts, self.opts, self.layout, path))
            except Exception as exc:
                future.set_exception(exc)
        self.pending.append((number, balance, facts.attempt_id, future, on_done))
        self._drain(block=False)

    def _drain(self, block: bool) -> None:
        while self.pending and (block or self.pending[0][3].done()):
            number, balance, attempt, future, on_done = self.pending.popleft()
            try:
                sha = future.result()
            except Exception as exc:
                log.warning("fee slip %s not written: %s", number, exc)
                self.errors[number] = f"not written: {exc}"
            else:
                self.manifest.record(number, balance, slip_filename(number), sha, attempt)
            on_done(number)
