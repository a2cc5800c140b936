"""Verification codes: an HMAC over a receipt's key facts with this installation's key.

The code (``K7Q2-MZXD-3HTP-WZ4A-C5RB``, 100 bits of HMAC-SHA256 in base32) is printed
on the receipt and carried by its QR code together with the number. `verify(ctx, text)`
finds the receipt and recomputes the code from the ledger, so a forged code, or a
receipt whose amount, student or reference was changed, does not verify.

The key comes from FEE_KIOSK_RECEIPT_KEY, else the OS keyring, else HOME/receipt.key
(0600). The first receipt generates one: into the keyring when there is a backend,
else into that file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.atomic import write_text
from kiosk.receipts.facts import ReceiptFacts, facts_for

if TYPE_CHECKING:
    from kiosk.context import Context

log = logging.getLogger(__name__)

KEY_FILE = "receipt.key"
_KEY_LOCK = threading.Lock()
QR_PREFIX = "FEE-KIOSK RECEIPT"
_NUMBER = re.compile(r"\b([A-Z0-9][A-Z0-9-]{0,19}-\d{4}-\d{6,})\b")
_CODE = re.compile(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{4}){4})\b")
# What people mistype for base32 letters.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


def existing_receipt_key(ctx: Context) -> bytes | None:
    """This installation's key if it has one (environment, keyring, key file); never makes one."""
    from kiosk.secrets import get_secret

    value = get_secret("receipt_key") or _read_key_file(ctx.home)
    return value.encode() if value else None


def receipt_key(ctx: Context) -> bytes:
    """This installation's key: environment, keyring, key file; generated on first use."""
    from kiosk.secrets import SecretStoreError, get_secret, set_secret

    found = existing_receipt_key(ctx)
    if found:
        return found
    with _KEY_LOCK:  # two threads rendering the first receipts must not make two keys
        value = get_secret("receipt_key") or _read_key_file(ctx.home)
        if not value:
            value = secrets.token_hex(32)
            try:
                set_secret("receipt_key", value)
            except SecretStoreError:
                _write_key_file(ctx.home, value)
                log.warning("no keyring: receipt key stored in %s (0600)", ctx.home / KEY_FILE)
    return value.encode()


def _read_key_file(home: Path) -> str | None:
    path = home / KEY_FILE
    if not path.is_file():
        return None
    return path.read_text(encoding="ascii").strip() or None


def _write_key_file(home: Path, value: str) -> None:
    path = home / KEY_FILE
    write_text(path, value + "\n")  # mkstemp creates it 0600; make sure
    os.chmod(path, 0o600)


def compute_code(key: bytes, facts: ReceiptFacts) -> str:
    message = json.dumps(facts.signed_fields(), sort_keys=True, separators=(",", ":"))
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    raw = base64.b32encode(digest).decode()[:20]
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def qr_payload(number: str, code: str) -> str:
    return f"{QR_PREFIX} {number} {code}"


def parse(text: str) -> tuple[str | None, str | None]:
    """(number, code) from a scanned QR payload, "NUMBER CODE", or a typed code alone."""
    cleaned = text.strip().upper()
    number = _NUMBER.search(cleaned)
    rest = cleaned.replace(number.group(1), " ") if number else cleaned
    rest = rest.replace(QR_PREFIX, " ")
    compact = re.sub(r"[\s-]", "", rest).translate(_LOOKALIKES)
    code = None
    if re.fullmatch(r"[A-Z2-7]{20}", compact):
        code = "-".join(compact[i : i + 4] for i in range(0, 20, 4))
    return (number.group(1) if number else None), code


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str
    facts: ReceiptFacts | None = None

    def to_json(self, locale: str = "en_IN") -> dict[str, object]:
        from kiosk.money import format_money

        out: dict[str, object] = {"valid": self.valid, "reason": self.reason}
        f = self.facts
        if f is not None:
            out.update(
                number=f.number,
                kind=f.kind,
                issued_at=f.issued_at.isoformat(),
                student={"number": f.student_number, "name": f.student_name},
                invoice=f.invoice_number,
                currency=f.currency,
                amount=f.amount,
                formatted=format_money(f.amount, f.currency, locale),
            )
        return out


def verify(ctx: Context, text: str) -> Verification:
    """Check a scanned or typed verification code against the ledger."""
    from kiosk.ledger.models import Receipt

    number, code = parse(text)
    if code is None:
        return Verification(False, "not a verification code (expected XXXX-XXXX-XXXX-XXXX-XXXX)")
    with ctx.ledger.begin() as s:
        stmt = select(Receipt).where(Receipt.verification_code == code)
        if number is not None:
            stmt = select(Receipt).where(Receipt.number == number)
        receipt = s.scalar(stmt)
        if receipt is None:
            what = f"no receipt {number}" if number else "no receipt carries this code"
            return Verification(False, f"{what}: not issued by this ledger")
        facts = facts_for(s, receipt)
    key = existing_receipt_key(ctx)
    if key is None:  # checking a receipt never creates the key that would sign new ones
        return Verification(
            False,
            f"this installation has no receipt key, so it cannot check receipt {facts.number} "
            "(set receipt_key as the desks that issue receipts have it)",
            facts,
        )
    expected = compute_code(key, facts)
    if not hmac.compare_digest(expected, code):
        return Verification(
            False,
            f"the code does not match receipt {facts.number} as the ledger records it "
            "(forged or altered receipt, or one signed with another installation's key)",
            facts,
        )
    return Verification(True, f"genuine receipt {facts.number}", facts)
