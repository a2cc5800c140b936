"""Receipt facts + options → PDF bytes, in the configured layout."""

from __future__ import annotations

from kiosk.receipts.facts import ReceiptFacts
from kiosk.receipts.pdf_parts import RenderOptions


def render_receipt(facts: ReceiptFacts, opts: RenderOptions, duplicate: bool = False) -> bytes:
    """The receipt (or refund note) as PDF bytes; reprints pass duplicate=True.

    The output is deterministic (reportlab's invariant mode): the same facts and options
    give the same bytes, so the SHA-256 kept in the ledger can be checked by re-rendering.
    """
    if not facts.verification_code:
        raise ValueError(f"receipt {facts.number} has no verification code yet")
    if opts.layout == "thermal80":
        from kiosk.receipts.layout_thermal import render_thermal

        return render_thermal(facts, opts, duplicate)
    from kiosk.receipts.layout_page import render_page

    return render_page(facts, opts, duplicate)
