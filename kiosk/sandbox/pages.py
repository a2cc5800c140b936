"""Hosted pages: `/checkout/{session}` (pay with a test card) and `/link/{payment_link}`
(opens a new session and redirects to it). Clearly marked as a test sandbox."""

from __future__ import annotations

import html
import re
from importlib import resources
from string import Template
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kiosk.sandbox import checkout_payment, forms, links_logic, sessions_logic, upi, upi_page
from kiosk.sandbox.engine import Sandbox
from kiosk.sandbox.errors import StripeError
from kiosk.sandbox.money_format import format_amount, pick_locale
from kiosk.sandbox.params import EMAIL
from kiosk.sandbox.store import Obj

MAX_FORM = 16 * 1024
_TEMPLATES = resources.files(__package__).joinpath("templates")


def _template(name: str) -> Template:
    return Template(_TEMPLATES.joinpath(name).read_text("utf-8"))


BASE, CHECKOUT, MESSAGE = (_template(n) for n in ("base.html", "checkout.html", "message.html"))


def add_routes(app: FastAPI, sb: Sandbox) -> None:
    pages = Pages(sb)
    app.add_route("/checkout/{session_id}", pages.checkout, methods=["GET", "POST"])
    app.add_route("/link/{link_id}", pages.link, methods=["GET"])
    app.add_route("/receipts/{charge_id}", pages.receipt, methods=["GET"])
    app.add_route("/", pages.index, methods=["GET"])


class Pages:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    async def index(self, request: Request) -> Response:
        return self._message(
            "Stripe sandbox",
            "Fee Kiosk Stripe sandbox",
            "The Stripe API is served under /v1 on this address.",
            "en",
        )

    async def checkout(self, request: Request) -> Response:
        form = await _form(request) if request.method == "POST" else None
        sid = request.path_params["session_id"]
        lang = pick_locale(None, request.headers.get("accept-language"))
        with self.sb.request():
            session = self.sb.store.get("checkout.session", sid)
            if session is None or session["ui_mode"] != "hosted_page":
                return self._message(
                    "Not found",
                    "Checkout page not found",
                    "This checkout link is not valid.",
                    lang,
                    404,
                )
            sessions_logic.refresh(self.sb, session)
            if form is not None:
                return self._submit(session, form, request)
            return self._session_page(session, request)

    async def link(self, request: Request) -> Response:
        lang = pick_locale(None, request.headers.get("accept-language"))
        with self.sb.request():
            link = self.sb.store.get("payment_link", request.path_params["link_id"])
            if link is None:
                return self._message(
                    "Not found",
                    "Payment link not found",
                    "This payment link is not valid.",
                    lang,
                    404,
                )
            if not links_logic.usable(link):
                return self._message(
                    "Link inactive",
                    "This link is not active",
                    links_logic.inactive_message(link),
                    lang,
                    200,
                    "inactive",
                )
            try:
                session = links_logic.open_session(self.sb, link)
            except StripeError as exc:
                return self._message(
                    "Link error", "This link cannot be used", exc.message, lang, 400, "error"
                )
        return RedirectResponse(f"/checkout/{session['id']}", status_code=303)

    async def receipt(self, request: Request) -> Response:
        """The page a charge's `receipt_url` points at."""
        lang = pick_locale(None, request.headers.get("accept-language"))
        with self.sb.request():
            charge = self.sb.store.get("charge", request.path_params["charge_id"])
            if charge is None or charge["status"] != "succeeded":
                return self._message(
                    "Not found",
                    "Receipt not found",
                    "There is no receipt at this address.",
                    lang,
                    404,
                )
            return self._message(
                "Receipt",
                "Receipt (test sandbox)",
                _receipt_text(charge, lang),
                lang,
                200,
                "receipt",
            )

    # rendering ------------------------------------------------------------------
    def _session_page(
        self, session: Obj, request: Request, error: str = "", form: dict[str, Any] | None = None
    ) -> Response:
        lang = pick_locale(
            session["locale"], request.headers.get("accept-language"), session["currency"]
        )
        if session["status"] == "expired":
            return self._message(
                "Session expired",
                "This checkout session has expired",
                "The payment page is no longer available. Ask the desk for a new one.",
                lang,
                200,
                "expired",
            )
        if session["status"] == "complete":
            return self._done(session, lang)
        wait = upi_page.waiting(self.sb, session)
        if wait is not None:
            heading = "Approve the payment in your UPI app"
            return self._message(heading, heading, "", lang, 200, "upi_pending", wait)
        return self._form_page(session, lang, error, form or {}, 402 if error else 200)

    def _form_page(
        self, session: Obj, lang: str, error: str, form: dict[str, Any], status: int
    ) -> Response:
        items = self.sb.store.peek(session["id"]).get("line_items", [])
        total = format_amount(session["amount_total"], session["currency"], lang)
        cancel = session["cancel_url"]
        content = CHECKOUT.substitute(
            session_id=_e(session["id"]),
            merchant=_e(self.sb.settings.merchant_name),
            total=_e(total),
            items="".join(self._item_html(i, lang) for i in items),
            error=f'<div class="error" role="alert">{_e(error)}</div>' if error else "",
            action=_e(f"/checkout/{session['id']}"),
            email=_e(form.get("email") or self._prefilled_email(session)),
            card_number=_e(form.get("card_number", "")),
            exp=_e(form.get("exp", "")),
            cvc=_e(form.get("cvc", "")),
            button=_e(f"Pay {total}"),
            cancel=f'<a class="back" href="{_e(cancel)}">← Back</a>' if cancel else "",
            upi=upi_page.form_html(session, f"/checkout/{session['id']}", form),
            card_hidden="" if "card" in session["payment_method_types"] else " hidden",
        )
        return _html(f"Pay {total}", content, lang, status)

    def _item_html(self, item: dict[str, Any], lang: str) -> str:
        """Stripe shows the product's description under its name: ours says whom the
        payment is for (the student and the invoice)."""
        product = self.sb.store.objects.get((item.get("price") or {}).get("product") or "")
        about = (product or {}).get("description") or ""
        return _item_html(item, lang, about)

    def _prefilled_email(self, session: Obj) -> str:
        """As Checkout does: customer_email, else the Customer's own email."""
        if session["customer_email"]:
            return str(session["customer_email"])
        customer = self.sb.store.objects.get(session.get("customer") or "")
        return str((customer or {}).get("email") or "")

    def _done(self, session: Obj, lang: str) -> Response:
        total = format_amount(session["amount_total"], session["currency"], lang)
        message = f"Payment of {total} received. Thank you."
        link = self.sb.store.objects.get(session["payment_link"] or "")
        if link and link["after_completion"]["type"] == "hosted_confirmation":
            message = link["after_completion"]["hosted_confirmation"]["custom_message"] or message
        return self._message("Paid", "Payment complete", message, lang, 200, "complete")

    def _message(
        self,
        title: str,
        heading: str,
        message: str,
        lang: str,
        status: int = 200,
        state: str = "info",
        extra: str = "",
    ) -> Response:
        content = MESSAGE.substitute(
            state=_e(state),
            merchant=_e(self.sb.settings.merchant_name),
            heading=_e(heading),
            message=_e(message),
            extra=extra,
        )
        return _html(title, content, lang, status)

    # paying ---------------------------------------------------------------------
    def _submit(self, session: Obj, form: dict[str, Any], request: Request) -> Response:
        if session["status"] != "open":
            return self._session_page(session, request)
        error = _email_problem(form) if form.get("method") == "upi" else _form_problem(form)
        if error:
            return self._session_page(session, request, error, form)
        try:
            if form.get("method") == "upi":
                upi.pay(self.sb, session, form.get("vpa"), form.get("email") or None, None)
            else:
                checkout_payment.pay(self.sb, session, form["card_number"], form.get("email"), None)
        except StripeError as exc:
            return self._session_page(session, request, exc.message, form)
        target = success_target(session)
        if target and session["status"] == "complete":
            return RedirectResponse(target, status_code=303)
        return self._session_page(session, request)


def _receipt_text(charge: Obj, lang: str) -> str:
    import datetime

    card = (charge["payment_method_details"] or {}).get("card") or {}
    when = datetime.datetime.fromtimestamp(charge["created"], datetime.UTC)
    paid = format_amount(charge["amount"], charge["currency"], lang)
    text = f"{paid} paid {when:%Y-%m-%d %H:%M} UTC with {card.get('brand', 'card')} "
    text += f"ending {card.get('last4', '????')}."
    if charge["amount_refunded"]:
        text += f" Refunded: {format_amount(charge['amount_refunded'], charge['currency'], lang)}."
    return text


def success_target(session: Obj) -> str | None:
    url = session["success_url"]
    return url.replace(sessions_logic.TEMPLATE, session["id"]) if url else None


def _form_problem(form: dict[str, Any]) -> str:
    if not isinstance(form.get("card_number"), str) or not form["card_number"].strip():
        return "Your card number is incomplete."
    expiry = _expiry_problem(str(form.get("exp") or ""))
    if expiry:
        return expiry
    if not re.fullmatch(r"[0-9]{3,4}", str(form.get("cvc") or "").strip()):
        return "Your card's security code is incomplete."
    return _email_problem(form)


def _email_problem(form: dict[str, Any]) -> str:
    email = form.get("email") or ""
    if not isinstance(email, str) or (email and not EMAIL.fullmatch(email)):
        return "Your email address is invalid."
    return ""


def _expiry_problem(text: str) -> str:
    """Checks of MM / YY (or MM / YYYY) as Stripe's card form makes them."""
    import datetime

    m = re.fullmatch(r"\s*([0-9]{1,2})\s*/?\s*([0-9]{2}|[0-9]{4})\s*", text)
    if not m:
        return "Your card's expiration date is incomplete."
    month, year = int(m.group(1)), int(m.group(2))
    year += 2000 if year < 100 else 0
    if not 1 <= month <= 12:
        return "Your card's expiration date is invalid."
    today = datetime.date.today()
    if (year, month) < (today.year, today.month):
        return "Your card's expiration year is in the past."
    return ""


async def _form(request: Request) -> dict[str, Any]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return {}
    try:
        return {k: v for k, v in forms.decode(body).items() if isinstance(v, str)}
    except StripeError:
        return {}


def _item_html(item: dict[str, Any], lang: str, about: str = "") -> str:
    name = _e(item["description"] or "Item")
    amount = _e(format_amount(item["amount_total"], item["currency"], lang))
    qty = f' <span class="qty">× {item["quantity"]}</span>' if item["quantity"] != 1 else ""
    detail = f'<br><small class="about">{_e(about)}</small>' if about else ""
    return f"<li><span>{name}{qty}{detail}</span><span>{amount}</span></li>"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _html(title: str, content: str, lang: str, status: int) -> Response:
    page = BASE.substitute(title=_e(title), content=content, lang=_e(lang.replace("_", "-")))
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
