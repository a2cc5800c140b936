"""Fee slips against the Stripe sandbox on loopback: one PDF per open invoice with a QR of a
live Payment Link for the balance; resumable; stale links deactivated; combined PDF; CLI."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from pypdf import PdfReader
from sqlalchemy import select

from kiosk.ledger.models import PaymentAttempt
from kiosk.payments.gateway import StripeGateway
from kiosk.receipts.fee_slips import write_fee_slips
from kiosk.receipts.pdf_parts import qr_matrix
from kiosk.receipts.slip_files import MANIFEST
from kiosk.sandbox import SandboxHandle, start_sandbox
from tests.receipts.conftest import pdf_text
from tests.receipts.ledger_data import pay
from tests.receipts.test_verification import qr_matrix_from_pdf
from tests.sandbox.conftest import EVENT_JITTER

KEY = "sk_test_fee_slips"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(event_jitter=EVENT_JITTER)
    yield handle
    handle.stop()


@pytest.fixture
def gateway(sandbox) -> StripeGateway:
    return StripeGateway(KEY, sandbox.url, timeout=5, max_retries=1)


@pytest.fixture
def client(sandbox) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": sandbox.url}, max_network_retries=0)


@pytest.fixture
def invoices(desk, make_invoice) -> dict[str, int]:
    """Three invoices with a balance (one partly paid) and one fully paid; unique numbers,
    since the sandbox lives for the whole module."""
    tag = uuid.uuid4().hex[:8].upper()
    ids = {}
    for i, name in enumerate(("Asha Verma", "Rahul Iyer", "Meera Nair", "Paid Up")):
        number = f"INV-{tag}-{i}"
        ids[number] = make_invoice(
            number,
            [("Tuition", 10_000_000, 1), ("Hostel", 5_000_000, 2)],
            name=name,
            student_number=f"S-{tag}-{i}",
            email=f"s{i}.{tag.lower()}@example.edu",
        )
    numbers = list(ids)
    with desk.ledger.begin() as s:
        pay(s, ids[numbers[1]], 4_000_000)  # partly paid: ₹1,10,000.00 left
        pay(s, ids[numbers[3]], 15_000_000)  # paid in full: no slip
    return ids


def attempts(ctx) -> list[PaymentAttempt]:
    with ctx.ledger.begin() as s:
        return list(
            s.scalars(
                select(PaymentAttempt)
                .where(PaymentAttempt.channel == "fee_slip")
                .order_by(PaymentAttempt.id)
            )
        )


def test_one_slip_per_open_invoice_with_a_live_link_for_the_balance(
    desk, gateway, client, invoices, tmp_path
):
    seen = []
    run = write_fee_slips(desk, gateway, tmp_path, progress=lambda d, t, n: seen.append((d, t)))
    numbers = list(invoices)
    assert sorted(run.written) == sorted(numbers[:3]) and not run.failed
    assert run.links_created == 3 and seen[-1] == (3, 3)
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == sorted(f"{n}.pdf" for n in numbers[:3])
    text = pdf_text(tmp_path / f"{numbers[1]}.pdf")
    for expected in (
        "FEE SLIP",
        numbers[1],
        "Rahul Iyer",
        "Tuition",
        "Hostel",
        "₹40,000.00",
        "₹1,00,000.00",
        "₹50,000.00",
        "Outstanding balance",
        "₹1,10,000.00",
        "Pay ₹1,10,000.00 online",
        "ask the bursar's desk for a new slip",
    ):
        assert expected in text, expected
    slip = next(a for a in attempts(desk) if a.invoice_id == invoices[numbers[1]])
    assert slip.amount == 11_000_000 and slip.status == "open"
    assert qr_matrix_from_pdf(tmp_path / f"{numbers[1]}.pdf") == qr_matrix(slip.url, 2)
    link = client.v1.payment_links.retrieve(slip.stripe_id)
    assert link.active and link.url == slip.url


def test_rerun_skips_unchanged_slips_and_replaces_stale_links(
    desk, gateway, client, invoices, tmp_path
):
    numbers = list(invoices)
    write_fee_slips(desk, gateway, tmp_path)
    again = write_fee_slips(desk, gateway, tmp_path)
    assert (again.links_created, again.written, len(again.skipped)) == (0, [], 3)

    old = next(a for a in attempts(desk) if a.invoice_id == invoices[numbers[0]])
    with desk.ledger.begin() as s:  # a payment at the desk changes the balance
        pay(s, invoices[numbers[0]], 2_500_000)
    third = write_fee_slips(desk, gateway, tmp_path)
    assert third.written == [numbers[0]] and third.links_created == 1
    link = client.v1.payment_links.retrieve(old.stripe_id)
    assert not link.active and "out of date" in link.inactive_message
    assert "Pay ₹1,25,000.00 online" in pdf_text(tmp_path / f"{numbers[0]}.pdf")
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest[numbers[0]]["balance"] == 12_500_000


def test_a_damaged_slip_is_written_again_with_the_same_link(desk, gateway, invoices, tmp_path):
    number = next(iter(invoices))
    write_fee_slips(desk, gateway, tmp_path)
    (tmp_path / f"{number}.pdf").write_bytes(b"truncated")
    run = write_fee_slips(desk, gateway, tmp_path)
    assert run.written == [number] and run.links_created == 0
    assert len(PdfReader(tmp_path / f"{number}.pdf").pages) == 1


def test_combined_pdf_reuses_live_links(desk, gateway, invoices, tmp_path):
    write_fee_slips(desk, gateway, tmp_path / "each")
    run = write_fee_slips(desk, gateway, tmp_path / "all", combined=True, layout="a4")
    assert run.links_created == 0 and run.combined is not None
    reader = PdfReader(run.combined)
    assert len(reader.pages) == 3
    assert float(reader.pages[0].mediabox.width) == pytest.approx(595, abs=1)  # A4
    text = pdf_text(run.combined)
    assert all(n in text for n in list(invoices)[:3]) and list(invoices)[3] not in text


def test_stripe_unreachable_fails_each_slip_and_a_rerun_resumes(desk, invoices, gateway, tmp_path):
    from tests.receipts.conftest import free_port

    down = StripeGateway(KEY, f"http://127.0.0.1:{free_port()}", timeout=1, max_retries=0)
    run = write_fee_slips(desk, down, tmp_path)
    assert len(run.failed) == 3 and run.written == [] and not list(tmp_path.glob("*.pdf"))
    retry = write_fee_slips(desk, gateway, tmp_path)
    assert len(retry.written) == 3 and not retry.failed


def test_cli_fee_slips(desk, sandbox, invoices, tmp_path, monkeypatch, capsys):
    from kiosk.cli.main import main

    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    home = ["--home", str(desk.home)]
    assert main([*home, "fee-slips", "--out", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["written"] == 3 and data["links_created"] == 3
    assert main([*home, "fee-slips", "--out", str(tmp_path), "--combined"]) == 0
    out = capsys.readouterr()
    assert "fee slips: 3/3" in out.err  # the progress (a line per 10% when not a terminal)
    assert "3 slip(s) written" in out.out and Path(tmp_path / "fee-slips-open.pdf").is_file()
    assert main([*home, "fee-slips", "--status", "overdue", "--out", str(tmp_path / "o")]) == 0
    assert "0 slip(s) written" in capsys.readouterr().out  # none is past its due date


def test_cancel_stops_between_slips_and_a_rerun_resumes(desk, gateway, invoices, tmp_path):
    import threading

    cancel = threading.Event()
    run = write_fee_slips(
        desk, gateway, tmp_path, cancel=cancel, progress=lambda done, total, number: cancel.set()
    )
    assert run.cancelled and len(run.written) == 1 and "(cancelled)" in run.summary()
    assert list(json.loads((tmp_path / MANIFEST).read_text())) == run.written
    rest = write_fee_slips(desk, gateway, tmp_path)
    assert len(rest.skipped) == 1 and len(rest.written) == 2 and not rest.cancelled
