"""The payer's confirmation page, and the desks' report of receipt numbers.

    GET  /paid?session=cs_…      public: the page Checkout's success_url lands on
    POST /v1/receipts            a desk: {"session": "cs_…", "receipt": "R-2026-000123"}

The page shows what Stripe reported paid (amount and invoice) and the receipt number once
a desk has issued it; until the webhook has arrived it says so and refreshes itself. It
shows nothing about the student: anyone holding the link sees only what the payer saw.
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from kiosk.money import format_money
from kiosk.relay.deps import DeskDep, RelayDep
from kiosk.relay.storage.paid import Paid, PaidStore

router = APIRouter(tags=["payers"])
SESSION = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")
REFRESH_SECONDS = 3


class ReceiptReport(BaseModel):
    session: str = Field(pattern=SESSION.pattern)
    receipt: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9/_-]+$")


@router.get("/paid", response_class=HTMLResponse, include_in_schema=True)
async def paid_page(
    relay: RelayDep, session: Annotated[str, Query(max_length=260)] = ""
) -> HTMLResponse:
    if not SESSION.match(session):
        return _page("Payment", "<p>This link is incomplete. Ask the fee desk.</p>", 404)
    paid = await asyncio.to_thread(PaidStore(relay.engine).get, session)
    if paid is None:
        return _page(
            "Confirming your payment",
            "<p>Your payment is being confirmed. This page updates by itself.</p>",
            200,
            refresh=True,
        )
    return _page("Payment received", _paid_html(paid), 200, refresh=paid.receipt is None)


@router.post("/v1/receipts", status_code=204, responses={401: {}, 404: {}, 400: {}})
async def report_receipt(report: ReceiptReport, relay: RelayDep, desk: DeskDep) -> None:
    """A desk tells the relay the receipt it issued for a paid session."""
    known = await asyncio.to_thread(
        PaidStore(relay.engine).set_receipt, report.session, report.receipt
    )
    if not known:
        raise HTTPException(404, "no paid session with that id (yet)")


def _paid_html(paid: Paid) -> str:
    amount = format_money(paid.amount, paid.currency or "INR", "en_IN")
    invoice = f" for invoice <strong>{_e(paid.invoice)}</strong>" if paid.invoice else ""
    receipt = (
        f"<p>Receipt number <strong>{_e(paid.receipt)}</strong>. Keep it for your records.</p>"
        if paid.receipt
        else "<p>The fee desk is issuing your receipt; its number will appear here.</p>"
    )
    return f'<p class="total">{_e(amount)}</p><p>Paid{invoice}. Thank you.</p>{receipt}'


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(title: str, body: str, status: int, *, refresh: bool = False) -> HTMLResponse:
    meta = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if refresh else ""
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex">{meta}<title>{_e(title)}</title><style>'
        "body{margin:0;font:17px/1.5 -apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
        "color:#1a1f36;background:#f6f9fc}main{max-width:440px;margin:0 auto;padding:24px 16px}"
        ".card{background:#fff;border:1px solid #e3e8ee;border-radius:10px;padding:20px}"
        "h1{font-size:22px;margin:0 0 8px}.total{font-size:32px;font-weight:700;margin:8px 0}"
        f"</style></head><body><main><div class=card><h1>{_e(title)}</h1>{body}</div></main>"
        "</body></html>"
    )
    return HTMLResponse(page, status, headers={"Cache-Control": "no-store"})
