"""A receipt for a Stripe test-mode payment says so on every layout; a live one does not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.receipts.facts import receipt_facts
from kiosk.receipts.pdf_parts import TEST_MARK, RenderOptions
from kiosk.receipts.render import render_receipt
from tests.receipts.conftest import pdf_text
from tests.receipts.ledger_data import pay

TEST_SESSION = "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ0123456789abcdefghij"
LIVE_SESSION = "cs_live_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ0123456789abcdefghij"
LAYOUTS = ("a5", "a4", "thermal80")


def _render(desk, number: str, layout: str, tmp_path: Path, opts=None) -> str:
    with desk.ledger.begin() as s:
        facts = receipt_facts(s, number)
    opts = opts or RenderOptions.from_settings(desk.settings, layout)
    out = tmp_path / f"{number}-{layout}.pdf"
    out.write_bytes(render_receipt(facts, opts))
    return " ".join(pdf_text(out).split())


@pytest.fixture
def issued(desk, invoice):
    """Two receipts with their verification codes: one test-mode payment, one live."""
    from kiosk.receipts.service import render_pending

    with desk.ledger.begin() as s:
        test = pay(s, invoice, 1_000_000, session_id=TEST_SESSION)
        live = pay(s, invoice, 1_000_000, session_id=LIVE_SESSION)
    render_pending(desk)
    return test, live


@pytest.mark.parametrize("layout", LAYOUTS)
def test_test_mode_receipt_carries_the_mark_and_a_live_one_not(desk, issued, layout, tmp_path):
    test, live = issued
    marked = _render(desk, test, layout, tmp_path)
    assert TEST_MARK in marked
    assert "₹10,000.00" in marked  # the amounts are still there to read
    assert "TEST MODE" not in _render(desk, live, layout, tmp_path)


def test_a_bare_payment_intent_goes_by_the_desks_key(desk, invoice, tmp_path):
    from dataclasses import replace

    from kiosk.receipts.service import render_pending

    with desk.ledger.begin() as s:
        number = pay(s, invoice, 1_000_000)  # no Checkout Session: the ledger cannot tell
    render_pending(desk)
    opts = RenderOptions.from_settings(desk.settings, "a5")
    assert not opts.stripe_test  # no key on this desk
    assert "TEST MODE" not in _render(desk, number, "a5", tmp_path, opts)
    marked = _render(desk, number, "a5", tmp_path, replace(opts, stripe_test=True))
    assert TEST_MARK in marked


def _grey_page(desk, number: str, tmp_path: Path):
    from PIL import Image

    with desk.ledger.begin() as s:
        facts = receipt_facts(s, number)
    pdf = tmp_path / f"{number}.pdf"
    pdf.write_bytes(render_receipt(facts, RenderOptions.from_settings(desk.settings, "a5")))
    stem = tmp_path / number
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(stem)], check=True)
    return list(Image.open(f"{stem}.png").convert("L").tobytes())


def test_the_watermark_is_light_and_leaves_the_text_dark(desk, issued, tmp_path):
    """Drawn by pdftoppm at 60 dpi: the test receipt has a large light mark, and as much
    dark text as the live one (the mark covers nothing)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed: apt-get install poppler-utils (CI installs it)")
    test, live = (_grey_page(desk, n, tmp_path) for n in issued)
    light = lambda px: sum(1 for p in px if 200 < p < 250)  # noqa: E731
    dark = lambda px: sum(1 for p in px if p < 90)  # noqa: E731
    assert light(test) - light(live) > 0.015 * len(test)
    assert dark(test) >= 0.95 * dark(live)
