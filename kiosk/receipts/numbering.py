"""Moved to kiosk.ledger.numbering (receipt numbers are a ledger table); kept for callers
that still import it from here."""

from __future__ import annotations

from kiosk.ledger.numbering import format_number, issue_receipt, next_seq, record_receipt

__all__ = ["format_number", "issue_receipt", "next_seq", "record_receipt"]
