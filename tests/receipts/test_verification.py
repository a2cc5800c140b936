"""Verification codes: the QR payload, `receipts verify`, forged and altered receipts, the key."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import update

from kiosk.cli.main import main
from kiosk.ledger.models import Payment
from kiosk.receipts.service import render_pending
from kiosk.receipts.verification import KEY_FILE, parse, qr_payload, receipt_key, verify
from kiosk.secrets import get_secret
from tests.receipts.test_render import stored


def cli(ctx, *args: str) -> int:
    return main(["--home", str(ctx.home), *args])


@pytest.mark.parametrize("layout", ["a5", "thermal80"])
def test_qr_drawn_in_the_pdf_encodes_number_and_code(desk, paid, layout):
    """Read the QR's modules back from the PDF's drawing and compare them with the QR
    of the expected payload (no decoder needed: same payload, same matrix)."""
    import segno

    desk.settings.set("receipts.layout", layout)
    render_pending(desk)
    row = stored(desk, paid)
    drawn = qr_matrix_from_pdf(Path(row.file_path))
    expected = segno.make(qr_payload(paid, row.verification_code), error="m", micro=False)
    assert drawn == [[bool(v) for v in line] for line in expected.matrix]


def qr_matrix_from_pdf(path: Path, border: int = 2) -> list[list[bool]]:
    """The QR's dark modules as drawn in the PDF (runs of `x y w 1 re` in module units)."""
    from pypdf import PdfReader

    content = PdfReader(path).pages[0].get_contents().get_data().decode("latin-1")
    found = re.search(r"1 g 0 0 (\d+) \1 re f 0 g ((?:\d+ \d+ \d+ 1 re ?)+) f", content)
    assert found, "no QR code drawn"
    n = int(found.group(1)) - 2 * border
    matrix = [[False] * n for _ in range(n)]
    for x, y, w in re.findall(r"(\d+) (\d+) (\d+) 1 re", found.group(2)):
        row = n + border - 1 - int(y)
        for col in range(int(x) - border, int(x) - border + int(w)):
            matrix[row][col] = True
    return matrix


def test_verify_accepts_the_scanned_payload_the_code_alone_and_typos(desk, paid, capsys):
    render_pending(desk)
    code = stored(desk, paid).verification_code
    assert verify(desk, qr_payload(paid, code)).valid
    assert verify(desk, code).valid
    typed = code.lower().replace("-", " ").replace("o", "0").replace("i", "1")
    assert verify(desk, typed).valid
    assert cli(desk, "receipts", "verify", paid, code) == 0
    assert "VALID" in capsys.readouterr().out
    assert cli(desk, "receipts", "verify", "--json", code) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is True and data["number"] == paid
    assert data["formatted"] == "₹61,000.00" and data["student"]["name"] == "Asha Verma"


def test_forged_code_does_not_verify(desk, paid, capsys):
    render_pending(desk)
    assert not verify(desk, "AAAA-BBBB-CCCC-DDDD-EEEE").valid
    assert not verify(desk, f"{paid} AAAA-BBBB-CCCC-DDDD-EEEE").valid
    assert not verify(desk, "not a code").valid
    assert cli(desk, "receipts", "verify", "AAAA-BBBB-CCCC-DDDD-EEEE") == 1
    assert "NOT VALID" in capsys.readouterr().out


def test_altered_ledger_facts_do_not_verify(desk, paid):
    render_pending(desk)
    code = stored(desk, paid).verification_code
    with desk.ledger.begin() as s:
        s.execute(update(Payment).values(amount=610_000))  # someone edits ₹61,000 → ₹6,100
    result = verify(desk, code)
    assert not result.valid and "does not match" in result.reason


def test_another_installation_key_does_not_verify(desk, paid, monkeypatch):
    render_pending(desk)
    code = stored(desk, paid).verification_code
    monkeypatch.setenv("FEE_KIOSK_RECEIPT_KEY", "another-desk-key")
    assert not verify(desk, code).valid


def test_key_is_generated_once_into_the_keyring(ctx):
    key = receipt_key(ctx)
    assert len(key) == 64 and get_secret("receipt_key") == key.decode()
    assert receipt_key(ctx) == key
    assert not (ctx.home / KEY_FILE).exists()


def test_without_keyring_the_key_goes_to_a_0600_file(ctx):
    keyring.set_keyring(fail.Keyring())
    key = receipt_key(ctx)
    path = ctx.home / KEY_FILE
    assert path.read_text().strip() == key.decode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert receipt_key(ctx) == key  # read back, not regenerated


def test_environment_key_wins(ctx, monkeypatch):
    monkeypatch.setenv("FEE_KIOSK_RECEIPT_KEY", "from-the-environment")
    assert receipt_key(ctx) == b"from-the-environment"


def test_parse_rejects_wrong_lengths():
    assert parse("ABCD-EFGH-IJKL-MNOP") == (None, None)
    assert parse("R-2026-000001")[1] is None


def test_first_receipts_rendered_at_once_share_one_key(ctx):
    """Eight threads look for the key at the same moment and find none. The keyring holds
    every read at a barrier until all eight have read (or, when reads are serialised as
    they must be, gives up waiting after a moment): without the lock each thread would
    then make its own key."""
    import contextlib
    import threading

    from kiosk.memory_keyring import MemoryKeyring

    threads_n = 8

    class RacingKeyring(MemoryKeyring):
        def __init__(self) -> None:
            super().__init__()
            self.rounds = [threading.Barrier(threads_n), threading.Barrier(threads_n)]
            self.reads = 0
            self.count = threading.Lock()

        def get_password(self, service: str, username: str) -> str | None:
            value = super().get_password(service, username)  # read first, then wait
            with self.count:
                self.reads += 1
                barrier = self.rounds[(self.reads - 1) // threads_n] if self.reads <= 16 else None
            if barrier is not None:
                # Broken after a moment when the others are queued behind the lock, as they
                # should be.
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=0.5)
            return value

    keyring.set_keyring(RacingKeyring())
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(receipt_key(ctx))) for _ in range(threads_n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == threads_n
    assert len(set(keys)) == 1 and get_secret("receipt_key") == keys[0].decode()


def test_verify_never_creates_a_receipt_key(desk, paid, capsys):
    from kiosk.secrets import delete_secret

    render_pending(desk)
    code = stored(desk, paid).verification_code
    delete_secret("receipt_key")  # a desk that never issued a receipt itself
    (desk.home / KEY_FILE).unlink(missing_ok=True)
    assert cli(desk, "receipts", "verify", code) == 1
    assert "NOT VALID: this installation has no receipt key" in capsys.readouterr().out
    assert get_secret("receipt_key") is None and not (desk.home / KEY_FILE).exists()
