"""Starting and cancelling payments: Checkout Sessions, single-use Payment Links, fee slips.

    view = start_payment(ctx, gateway, "INV-2026-0001", 1_500_00, channel="checkout")
    print(view.url)                     # for the desk's browser and the QR code

The attempt is written to the ledger (status `created`) before Stripe is called, and
every create carries an Idempotency-Key derived from it, so after a crash
`resume_in_flight` re-issues the same request and learns what Stripe did. At most one
live desk attempt per invoice (a unique column enforces it): starting a new one cancels
the previous one first. A cancel is recorded at once; if Stripe cannot be told, the poller
keeps trying, and money that arrives anyway is recorded and flagged for staff.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.ledger import audit
from kiosk.ledger.allocation import ComponentDue, allocate
from kiosk.ledger.invoices import InvoiceNotFound, invoice_row
from kiosk.ledger.models import (
    Allocation,
    FeeComponent,
    Invoice,
    PaymentAttempt,
    Student,
    User,
)
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import StaffUser
from kiosk.ledger.views import InvoiceRow
from kiosk.money import MAX_AMOUNT, format_money, minimum_charge
from kiosk.payments import methods as pay_methods
from kiosk.payments import stripe_params
from kiosk.payments.apply import Applier, apply_checkout_session, finish
from kiosk.payments.errors import (
    AmountError,
    AttemptBusy,
    NotFound,
    PaymentError,
    StripeRejected,
    StripeUnavailable,
)
from kiosk.payments.lateness import mark_closed
from kiosk.payments.status import LIVE, PaymentStatus

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

CHANNELS = {"checkout": "checkout", "payment-link": "payment_link", "payment_link": "payment_link"}
EXPIRY_MARGIN = timedelta(minutes=2)  # Stripe wants ≥ 30 min *after it creates* the session
UNCONFIRMED_CANCEL = "cancelled at the desk; Stripe not told yet"
CANCELLED = "cancelled at the desk"


@dataclass(frozen=True)
class AttemptView:
    public_id: str
    invoice_number: str
    student_name: str
    amount: int
    currency: str
    channel: str
    url: str | None
    stripe_id: str | None
    expires_at: datetime | None
    status: PaymentStatus
    reason: str
    created_at: datetime
    methods: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt_id": self.public_id,
            "invoice": self.invoice_number,
            "amount": self.amount,
            "currency": self.currency,
            "channel": self.channel,
            "url": self.url,
            "stripe_id": self.stripe_id,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "status": self.status.value,
            "reason": self.reason or None,
            "student": self.student_name,
            "created_at": self.created_at.isoformat(),
            "methods": list(self.methods),
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _view(s: Session, a: PaymentAttempt) -> AttemptView:
    inv = s.get(Invoice, a.invoice_id)
    name = s.scalar(select(Student.name).where(Student.id == inv.student_id)) if inv else ""
    return AttemptView(
        a.public_id,
        inv.number if inv else "",
        name or "",
        a.amount,
        a.currency,
        a.channel,
        a.url,
        a.stripe_id,
        a.expires_at,
        PaymentStatus(a.status),
        a.last_error or "",
        a.created_at,
        pay_methods.stored(a.methods),
    )


def attempt_view(ctx: Context, public_id: str) -> AttemptView:
    with ctx.ledger.begin() as s:
        return _view(s, _attempt(s, public_id))


def list_attempts(
    ctx: Context, open_only: bool = False, invoice_number: str | None = None
) -> list[AttemptView]:
    with ctx.ledger.begin() as s:
        q = select(PaymentAttempt).order_by(
            PaymentAttempt.created_at.desc(), PaymentAttempt.id.desc()
        )
        if open_only:
            q = q.where(PaymentAttempt.status.in_([st.value for st in LIVE]))
        if invoice_number:
            q = q.join(Invoice, Invoice.id == PaymentAttempt.invoice_id).where(
                Invoice.number == invoice_number
            )
        return [_view(s, a) for a in s.scalars(q)]


def _attempt(s: Session, public_id: str) -> PaymentAttempt:
    a = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == public_id))
    if a is None:
        raise NotFound(f"no payment attempt {public_id!r}")
    return a


# -- starting ------------------------------------------------------------------------------


def validate_amount(balance: int, amount: int | None, currency: str, locale: str) -> int:
    """The amount to charge: the balance when None; else positive, at most the balance and
    at least Stripe's minimum for the currency."""

    def fmt(minor: int) -> str:
        return format_money(minor, currency, locale)

    if balance <= 0:
        raise AmountError("this invoice has nothing left to pay")
    amount = balance if amount is None else amount
    if amount <= 0:
        raise AmountError("the amount must be more than zero")
    if amount > balance:
        raise AmountError(f"{fmt(amount)} is more than the balance of {fmt(balance)}")
    if amount < minimum_charge(currency):
        raise AmountError(
            f"{fmt(amount)} is below Stripe's minimum charge of {fmt(minimum_charge(currency))}"
        )
    if amount > MAX_AMOUNT:
        raise AmountError(
            f"{fmt(amount)} is above Stripe's limit of {fmt(MAX_AMOUNT)} "
            "for one payment; take it in parts"
        )
    return amount


def start_payment(
    ctx: Context,
    gateway: StripeGateway,
    invoice_number: str,
    amount_minor: int | None = None,
    channel: str = "checkout",
    staff: StaffUser | None = None,
    methods: str | None = None,
) -> AttemptView:
    """Start a Checkout Session or single-use Payment Link for (part of) an invoice;
    `methods` ("card,upi") overrides what `payments.methods` offers."""
    kind = CHANNELS.get(channel)
    if kind is None:
        raise PaymentError(f"unknown channel {channel!r}: use checkout or payment-link")
    with ctx.ledger.begin() as s:
        inv, _ = _balance(ctx, s, invoice_number, amount_minor)
        offer = pay_methods.offered(ctx.settings.get("payments.methods"), inv.currency, methods)
        live = s.scalar(
            select(PaymentAttempt.public_id)
            .join(Invoice, Invoice.id == PaymentAttempt.live_invoice_id)
            .where(Invoice.number == invoice_number)
        )
    if live:
        cancel_attempt(ctx, gateway, live, staff, reason="replaced by a new payment")
    if kind == "checkout":  # Payment Links take no customer: don't make one for them
        ensure_customer(ctx, gateway, invoice_number)
    public_id = _record(ctx, invoice_number, amount_minor, kind, staff, live=True, methods=offer)
    return open_attempt(ctx, gateway, public_id)


def payable_invoice(s: Session, number: str) -> tuple[Invoice, InvoiceRow]:
    """The invoice and its figures, or NotFound / AmountError (void) for a payment."""
    try:
        row = invoice_row(s, number)
    except InvoiceNotFound:
        raise NotFound(f"no invoice numbered {number!r}") from None
    inv = s.get(Invoice, row.id)
    assert inv is not None
    if inv.voided_at is not None:
        raise AmountError(f"invoice {number} is void")
    return inv, row


def _balance(ctx: Context, s: Session, number: str, amount: int | None) -> tuple[Invoice, int]:
    inv, row = payable_invoice(s, number)
    return inv, validate_amount(
        row.balance, amount, row.currency, str(ctx.settings.get("desk.locale"))
    )


def ensure_customer(ctx: Context, gateway: StripeGateway, invoice_number: str) -> str:
    """The student's Stripe Customer: stored id, else found by email, else created once."""
    with ctx.ledger.begin() as s:
        st = s.scalar(
            select(Student)
            .join(Invoice, Invoice.student_id == Student.id)
            .where(Invoice.number == invoice_number)
        )
        if st is None:
            raise NotFound(f"no invoice numbered {invoice_number!r}")
        if st.stripe_customer_id:
            return st.stripe_customer_id
        email, name, number, sid = st.email, st.name, st.number, st.id
    customer = gateway.find_or_create_customer(
        email=email,
        name=name,
        student_number=number,
        idempotency_key=f"kiosk:student:{number}:customer",
    )
    with ctx.ledger.begin() as s:
        st = s.get(Student, sid)
        if st is not None and not st.stripe_customer_id:
            st.stripe_customer_id = customer
    return customer


def _record(
    ctx: Context,
    number: str,
    amount: int | None,
    kind: str,
    staff: StaffUser | None,
    live: bool,
    methods: tuple[str, ...] | None = None,
) -> str:
    """Write the attempt before Stripe hears of it."""
    minutes = int(ctx.settings.get("stripe.session_minutes"))
    now = utcnow().replace(microsecond=0)
    expires = (
        now + timedelta(minutes=minutes) + (EXPIRY_MARGIN if kind == "checkout" else timedelta(0))
    )
    if kind == "checkout":
        expires = min(expires, now + timedelta(hours=24) - EXPIRY_MARGIN)
    try:
        with ctx.ledger.begin() as s:
            inv, amount = _balance(ctx, s, number, amount)
            a = PaymentAttempt(
                public_id="pa_" + secrets.token_hex(10),
                invoice_id=inv.id,
                live_invoice_id=inv.id if live else None,
                channel=kind,
                amount=amount,
                currency=inv.currency,
                status=PaymentStatus.CREATED.value,
                expires_at=fee_slip_expiry(ctx, inv.due_date, now)
                if kind == "fee_slip"
                else expires,
                desk=ctx.desk,
                staff_user_id=staff.id if staff else None,
                methods=",".join(
                    methods
                    or pay_methods.offered(ctx.settings.get("payments.methods"), inv.currency)
                ),
                created_at=now,
                updated_at=now,
            )
            s.add(a)
            s.flush()
            audit.record(
                s,
                "payment.started",
                username=staff.username if staff else "",
                desk=ctx.desk,
                target=number,
                attempt=a.public_id,
                amount=amount,
                channel=kind,
            )
            return a.public_id
    except IntegrityError:
        raise AttemptBusy(
            f"another payment for {number} was started at the same moment; try again"
        ) from None


def paid_before(s: Session, invoice_id: int, at: datetime) -> dict[int, int]:
    """Per-component paid figures as they stood at `at` (a stable base for line items)."""
    rows = s.execute(
        select(Allocation.component_id, func.sum(Allocation.amount))
        .join(FeeComponent, FeeComponent.id == Allocation.component_id)
        .where(FeeComponent.invoice_id == invoice_id, Allocation.created_at < at)
        .group_by(Allocation.component_id)
    )
    return {cid: int(total) for cid, total in rows}


def charge_for(s: Session, a: PaymentAttempt) -> stripe_params.Charge:
    """The Stripe request for an attempt, rebuilt from what the ledger stored."""
    inv = s.get(Invoice, a.invoice_id)
    assert inv is not None
    st = s.get(Student, inv.student_id)
    assert st is not None
    paid = paid_before(s, inv.id, a.created_at)
    comps = {c.id: c for c in inv.components}
    split = allocate(
        a.amount,
        [
            ComponentDue(c.id, c.amount, paid.get(c.id, 0), c.priority, c.due_date, c.position)
            for c in comps.values()
        ],
    )
    covers = ", ".join(comps[cid].name for cid, _ in split.parts) or "fees"
    staff = (
        s.scalar(select(User.username).where(User.id == a.staff_user_id)) if a.staff_user_id else ""
    )
    expires = int(a.expires_at.timestamp()) if a.expires_at else 0
    return stripe_params.Charge(
        a.public_id,
        inv.number,
        st.name,
        st.number,
        a.amount,
        a.currency,
        covers,
        a.desk,
        staff or "",
        expires,
        st.stripe_customer_id,
        st.email,
        pay_methods.stored(a.methods),
    )


def open_attempt(ctx: Context, gateway: StripeGateway, public_id: str) -> AttemptView:
    """Create the attempt's session or link at Stripe (again, safely, after a crash)."""
    with ctx.ledger.begin() as s:
        a = _attempt(s, public_id)
        if a.status != PaymentStatus.CREATED:
            return _view(s, a)
        charge, kind = charge_for(s, a), a.channel
    try:
        if kind == "checkout":
            obj = gateway.create_checkout_session(
                stripe_params.checkout_session(
                    charge,
                    stripe_params.success_url(ctx.settings),
                    str(ctx.settings.get("stripe.cancel_url")),
                ),
                f"kiosk:{public_id}:create-session",
            )
        else:
            message = (
                stripe_params.STALE_SLIP if kind == "fee_slip" else stripe_params.INACTIVE_LINK
            )
            price = gateway.create_price(
                stripe_params.price(charge), f"kiosk:{public_id}:create-price"
            )
            obj = gateway.create_payment_link(
                stripe_params.payment_link(charge, price["id"], message),
                f"kiosk:{public_id}:create-link",
            )
    except StripeUnavailable as exc:
        _note(ctx, public_id, exc.message)
        raise
    except StripeRejected as exc:
        _finish_local(ctx, public_id, PaymentStatus.FAILED, exc.message)
        raise
    view = _opened(ctx, public_id, obj)
    if view.status == PaymentStatus.CANCELLED:  # cancelled while Stripe was answering
        tell_stripe_cancelled(ctx, gateway, public_id)
    return view


def _opened(ctx: Context, public_id: str, obj: dict[str, Any]) -> AttemptView:
    with ctx.ledger.begin() as s:
        a = _attempt(s, public_id)
        a.stripe_id = obj["id"]
        a.url = obj.get("url")
        if obj.get("object") == "checkout.session":
            a.stripe_session_id = obj["id"]
            if obj.get("expires_at"):
                a.expires_at = datetime.fromtimestamp(int(obj["expires_at"]), a.created_at.tzinfo)
        result = _applier(ctx, s).set_status_of(public_id, PaymentStatus.OPEN)
        view = _view(s, a)
    finish(ctx, None, [result])
    return view


def _applier(ctx: Context, s: Session) -> Applier:
    return Applier(s, "poll", ctx.desk, None, ctx.settings)


def _note(ctx: Context, public_id: str, message: str) -> None:
    with ctx.ledger.begin() as s:
        a = _attempt(s, public_id)
        if a.status == PaymentStatus.CREATED.value:
            a.last_error = message


def _finish_local(
    ctx: Context,
    public_id: str,
    status: PaymentStatus,
    reason: str,
    closed: datetime | None = None,
) -> AttemptView:
    with ctx.ledger.begin() as s:
        if closed is not None:
            mark_closed(s, public_id, closed)
        a = _attempt(s, public_id)
        result = _applier(ctx, s).set_status_of(public_id, status, reason)
        view = _view(s, a)
    finish(ctx, None, [result])
    return view


def resume_in_flight(ctx: Context, gateway: StripeGateway) -> list[AttemptView]:
    """After a crash: attempts recorded but never answered. The same request with the same
    Idempotency-Key returns what Stripe created the first time, or creates it now."""
    with ctx.ledger.begin() as s:
        pending = list(
            s.scalars(
                select(PaymentAttempt.public_id).where(
                    PaymentAttempt.status == PaymentStatus.CREATED.value
                )
            )
        )
    out = []
    for public_id in pending:
        try:
            out.append(open_attempt(ctx, gateway, public_id))
        except StripeRejected as exc:
            log.info("in-flight attempt %s could not be resumed: %s", public_id, exc.message)
            out.append(attempt_view(ctx, public_id))
    return out


# -- cancelling -----------------------------------------------------------------------------


def cancel_attempt(
    ctx: Context,
    gateway: StripeGateway,
    public_id: str,
    staff: StaffUser | None = None,
    reason: str = CANCELLED,
) -> AttemptView:
    """Cancel at once in the ledger, then expire the session or deactivate the link. If
    Stripe cannot be told now, the poller retries; a payment that still arrives is kept."""
    with ctx.ledger.begin() as s:
        a = _attempt(s, public_id)
        if PaymentStatus(a.status) not in LIVE:
            return _view(s, a)
        told = a.status == PaymentStatus.CREATED.value  # nobody has seen its URL
        result = _applier(ctx, s).set_status_of(
            public_id, PaymentStatus.CANCELLED, reason if told else UNCONFIRMED_CANCEL
        )
        audit.record(
            s,
            "payment.cancelled",
            username=staff.username if staff else "",
            desk=ctx.desk,
            target=a.invoice.number,
            attempt=public_id,
            reason=reason,
        )
    finish(ctx, None, [result])
    if not told:
        tell_stripe_cancelled(ctx, gateway, public_id, reason)
    return attempt_view(ctx, public_id)


def tell_stripe_cancelled(
    ctx: Context, gateway: StripeGateway, public_id: str, reason: str = CANCELLED
) -> bool:
    """Expire the session / deactivate the link of a cancelled attempt; record money that
    beat the cancel. False while Stripe is unreachable."""
    with ctx.ledger.begin() as s:
        a = _attempt(s, public_id)
        channel, stripe_id = a.channel, a.stripe_id
    if not stripe_id:
        return True
    try:
        if channel == "checkout":
            sessions = [gateway.expire_session(stripe_id, f"kiosk:{public_id}:expire")]
            if sessions[0].get("status") == "complete":  # refused: the money came first
                sessions = [gateway.retrieve_session(stripe_id)]
            else:
                _closed(ctx, public_id, utcnow())
        else:
            _closed(ctx, public_id, deactivate_link(gateway, public_id, stripe_id))
            sessions = list(gateway.list_sessions(payment_link=stripe_id))
    except StripeUnavailable:
        return False
    results = []
    with ctx.ledger.begin() as s:
        for cs in sessions:
            results.append(
                apply_checkout_session(s, cs, source="poll", desk=ctx.desk, settings=ctx.settings)
            )
        a = _attempt(s, public_id)
        if a.last_error == UNCONFIRMED_CANCEL:
            a.last_error = reason
    finish(ctx, gateway, results)
    return True


def _closed(ctx: Context, public_id: str, at: datetime) -> None:
    """Stripe confirmed the close: record it at once, before anything else can fail."""
    with ctx.ledger.begin() as s:
        mark_closed(s, public_id, at)


def deactivate_link(
    gateway: StripeGateway, public_id: str, link_id: str, message: str | None = None
) -> datetime:
    """Deactivate the link; returns when Stripe confirmed it (see kiosk.payments.lateness)."""
    gateway.deactivate_payment_link(link_id, f"kiosk:{public_id}:deactivate", message)
    return utcnow()


# -- fee slips ------------------------------------------------------------------------------


def create_fee_slip_link(
    ctx: Context, gateway: StripeGateway, invoice_number: str, staff: StaffUser | None = None
) -> AttemptView:
    """A Payment Link for the whole balance, printed on a fee slip. Not a desk attempt (any
    number may exist); deactivated as soon as the invoice balance changes."""
    public_id = _record(ctx, invoice_number, None, "fee_slip", staff, live=False)
    return open_attempt(ctx, gateway, public_id)


def deactivate_stale_fee_slips(
    ctx: Context, gateway: StripeGateway, invoice_id: int, every: bool = False
) -> list[AttemptView]:
    """Deactivate the invoice's live fee-slip links that no longer ask for its balance (the
    student sees that the slip is out of date), or `every` live one (a void invoice).
    Returns the slips deactivated."""
    with ctx.ledger.begin() as s:
        number = s.scalar(select(Invoice.number).where(Invoice.id == invoice_id))
        if number is None:
            return []
        balance = invoice_row(s, number).balance
        slips = list(
            s.execute(
                select(PaymentAttempt.public_id, PaymentAttempt.stripe_id).where(
                    PaymentAttempt.invoice_id == invoice_id,
                    PaymentAttempt.channel == "fee_slip",
                    PaymentAttempt.status.in_([st.value for st in LIVE]),
                    true() if every else PaymentAttempt.amount != balance,
                )
            ).all()
        )
    reason = "fee slip out of date: the balance changed"
    return [
        close_fee_slip(ctx, gateway, public_id, link_id, reason) for public_id, link_id in slips
    ]


def close_fee_slip(
    ctx: Context,
    gateway: StripeGateway,
    public_id: str,
    link_id: str | None,
    reason: str,
    message: str | None = None,
) -> AttemptView:
    """Deactivate a fee slip's link (raises if Stripe cannot be told), then mark it expired.
    `message` replaces the link's inactive message (the page the student sees)."""
    closed = deactivate_link(gateway, public_id, link_id, message) if link_id else None
    return _finish_local(ctx, public_id, PaymentStatus.EXPIRED, reason, closed)


def fee_slip_expiry(ctx: Context, due: date, issued: datetime) -> datetime:
    """`fee_slips.link_days` after the due date's end (desk time), or after issue if later."""
    tz = ZoneInfo(str(ctx.settings.get("desk.timezone")))
    end_of_due = datetime.combine(due + timedelta(days=1), time(), tzinfo=tz)
    days = timedelta(days=int(ctx.settings.get("fee_slips.link_days")))
    return max(end_of_due, issued) + days
