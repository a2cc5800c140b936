"""Counter fixtures: a desk with staff, an invoice, and a CLI bound to its home."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from kiosk.cli.main import main
from kiosk.clock import local
from kiosk.ledger.types import utcnow
from tests.conftest import make_staff

TUITION, HOSTEL = 5_000_000, 1_100_000  # ₹50,000 and ₹11,000
PASSWORD = "correct horse battery"


@pytest.fixture
def staff(ledger):
    """(supervisor "meera", cashier "ravi", cashier "asha"), all with PASSWORD."""
    return make_staff(ledger, ("meera", "supervisor"), ("ravi", "cashier"), ("asha", "cashier"))


@pytest.fixture
def invoice(make_invoice) -> str:
    number = f"INV-{uuid.uuid4().hex[:8].upper()}"
    make_invoice(number, [("Tuition", TUITION, 1), ("Hostel", HOSTEL, 2)])
    return number


@pytest.fixture
def cli(monkeypatch, home, staff):
    monkeypatch.setenv("FEE_KIOSK_PASSWORD", PASSWORD)
    monkeypatch.setenv("FEE_KIOSK_SUPERVISOR_PASSWORD", PASSWORD)
    return lambda *argv: main(["--home", str(home), *argv])


def today() -> date:
    return local(utcnow(), "Asia/Kolkata").date()


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()
