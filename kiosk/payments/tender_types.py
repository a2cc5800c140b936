"""The typed description of a counter tender, checked before anything is written.

    Cash(amount=15_000_00, tendered=20_000_00)
    Instrument("cheque", 25_000_00, number="004512", bank="State Bank of India",
               dated=date(2026, 12, 1))
    BankTransfer(40_000_00, reference="SBIN126337001234", paid_on=date(2026, 12, 2))

Each knows what it must carry, how it appears in the audit log, and the payment status it
starts in: cash and bank transfers are paid at once, cheques and drafts are received
subject to realisation (`pending_clearance`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from kiosk.payments.errors import PaymentError

_UTR = re.compile(r"^[A-Z0-9]{10,22}$")
_INSTRUMENT_NUMBER = re.compile(r"^[0-9]{6,10}$")
LABELS = {
    "cash": "cash",
    "cheque": "cheque",
    "dd": "demand draft",
    "bank_transfer": "bank transfer",
}


class TenderError(PaymentError):
    """A tender that can't be accepted; the message names the field at fault."""


def check_reference(text: str) -> str:
    """A bank transfer's UTR (NEFT 16, RTGS 22, IMPS 12 characters), upper-cased."""
    ref = re.sub(r"[\s-]", "", text or "").upper()
    if not ref:
        raise TenderError("a bank transfer needs its UTR (--reference)")
    if not _UTR.match(ref):
        raise TenderError(
            f"UTR {text!r}: expected 10 to 22 letters and digits (NEFT 16, RTGS 22, IMPS 12)"
        )
    return ref


class _Labelled:
    kind: str

    @property
    def label(self) -> str:
        """How the tender is named in messages: "demand draft", "bank transfer"."""
        return LABELS[self.kind]


@dataclass(frozen=True)
class Cash(_Labelled):
    amount: int
    tendered: int | None = None  # what was handed over; None: exactly the amount

    kind = "cash"
    needs_session = True
    initial_status = "paid"

    @property
    def handed_over(self) -> int:
        return self.amount if self.tendered is None else self.tendered

    @property
    def change(self) -> int:
        return self.handed_over - self.amount

    def checked(self, today: date, stale_days: int) -> Cash:
        if self.tendered is not None and self.tendered <= 0:
            raise TenderError("the cash handed over (--tendered) must be more than zero")
        return self

    def columns(self) -> dict[str, Any]:
        return {"kind": self.kind, "tendered": self.handed_over}

    def audit_details(self) -> dict[str, Any]:
        return {"tendered": self.handed_over, "change": self.change}

    def to_json(self) -> dict[str, Any]:
        return {"tendered": self.handed_over, "change": self.change}


@dataclass(frozen=True)
class Instrument(_Labelled):
    """A cheque or a demand draft, received subject to realisation."""

    kind: str  # cheque | dd
    amount: int
    number: str = ""
    bank: str = ""
    dated: date | None = None

    needs_session = True
    initial_status = "pending_clearance"

    def checked(self, today: date, stale_days: int) -> Instrument:
        what = self.label
        if self.kind not in ("cheque", "dd"):
            raise TenderError(f"unknown instrument {self.kind!r}: cheque or dd")
        if not _INSTRUMENT_NUMBER.match(self.number.strip()):
            raise TenderError(
                f"{what} number {self.number!r}: 6 to 10 digits, as printed on it "
                "(--instrument-number)"
            )
        if not self.bank.strip():
            raise TenderError(f"a {what} needs the bank it is drawn on (--bank)")
        if self.dated is None:
            raise TenderError(f"a {what} needs its date (--instrument-date)")
        if self.dated > today:
            raise TenderError(
                f"this {what} is post-dated ({self.dated:%d %b %Y}): it can't be accepted "
                "before its date"
            )
        if self.dated < today - timedelta(days=stale_days):
            raise TenderError(
                f"this {what} is dated {self.dated:%d %b %Y}, more than {stale_days} days ago: "
                "the bank will refuse it as stale"
            )
        return self

    def columns(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number.strip(),
            "bank": " ".join(self.bank.split())[:120],
            "instrument_date": self.dated,
        }

    def audit_details(self) -> dict[str, Any]:
        return {
            "instrument": self.number.strip(),
            "bank": self.bank.strip(),
            "dated": self.dated.isoformat() if self.dated else None,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": {
                "kind": self.kind,
                "number": self.number.strip(),
                "bank": " ".join(self.bank.split()),
                "date": self.dated.isoformat() if self.dated else None,
            }
        }


@dataclass(frozen=True)
class BankTransfer(_Labelled):
    amount: int
    reference: str = ""  # the UTR
    paid_on: date | None = None

    kind = "bank_transfer"
    needs_session = False
    initial_status = "paid"

    def checked(self, today: date, stale_days: int) -> BankTransfer:
        paid_on = self.paid_on or today
        if paid_on > today:
            raise TenderError(
                f"--paid-on {paid_on:%d %b %Y} is in the future: record a transfer once "
                "it has reached the account"
            )
        return replace(self, reference=check_reference(self.reference), paid_on=paid_on)

    def columns(self) -> dict[str, Any]:
        return {"kind": self.kind, "reference": self.reference, "paid_on": self.paid_on}

    def audit_details(self) -> dict[str, Any]:
        return {"reference": self.reference, "paid_on": str(self.paid_on)}

    def to_json(self) -> dict[str, Any]:
        return {"reference": self.reference, "paid_on": str(self.paid_on)}


Tender = Cash | Instrument | BankTransfer


@dataclass(frozen=True)
class TenderView:
    """What `pay --channel cash|cheque|dd|bank-transfer --json` prints."""

    attempt_id: str
    invoice: str
    amount: int
    currency: str
    tender: Tender
    receipt: str
    session: str | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.tender.initial_status

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt_id": self.attempt_id,
            "invoice": self.invoice,
            "amount": self.amount,
            "currency": self.currency,
            "channel": self.tender.kind,
            "status": self.status,
            "receipt": self.receipt,
            "session": self.session,
            **self.tender.to_json(),
        }
