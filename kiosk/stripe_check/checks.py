"""The desk's assumptions, run against one Stripe API (real test mode or the sandbox).

Every call goes through the desk's gateway (kiosk.payments.gateway): its timeouts,
retries and error messages, and our own Idempotency-Key on every POST
(`kiosk:stripe-check:<run>:<step>`). The requests are the desk's own: the session,
price and link parameters come from kiosk.payments.stripe_params.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import stripe

from kiosk.money import currency_exponent
from kiosk.payments import stripe_params
from kiosk.payments.attempt_records import EXPIRY_MARGIN
from kiosk.payments.gateway import as_dict, translated
from kiosk.stripe_check import observe
from kiosk.stripe_check.cleanup import clean_up
from kiosk.stripe_check.outcome import CheckFailed, DeskParams, Outcome, Unreachable, describe
from kiosk.stripe_check.permissions import missing_permissions

T = TypeVar("T")

if TYPE_CHECKING:
    from kiosk.payments.gateway import StripeGateway

TEST_CARD = "pm_card_visa"


class Run:
    """One pass of every check against `gateway`; `execute()` returns the Outcome."""

    def __init__(
        self,
        gateway: StripeGateway,
        desk: DeskParams,
        run_id: str,
        *,
        key_kind: str = "secret",
        event_timeout: float = 20.0,
    ) -> None:
        self.gw = gateway
        self.desk = desk
        self.run_id = run_id
        self.key_kind = key_kind
        self.event_timeout = event_timeout
        self.out = Outcome()
        self.ids: dict[str, str] = {}  # what this run created, by kind
        self.done: set[str] = set()  # clean-up already done by the checks themselves
        self.started = 0

    def key(self, step: str) -> str:
        return f"kiosk:stripe-check:{self.run_id}:{step}"

    def execute(self) -> Outcome:
        step = self.out.step
        try:
            step("key accepted", self.reach)
            step("permissions", self.permissions)
            step("customer", self.customer)
            charge = self.charge()
            step("checkout session", lambda: self.session(charge))
            step("payment link", lambda: self.payment_link(charge))
            step("expire session", self.expire)
            step("payment and refund", lambda: self.payment(charge))
            step("events", lambda: observe.events(self))
            step("webhook endpoint", lambda: observe.webhook_endpoint(self))
        finally:
            step("clean-up", lambda: clean_up(self))
        return self.out

    def keep(self, label: str, obj: T) -> T:
        """`obj` (a Stripe object), kept for the report under `label`."""
        self.out.objects[label] = dict(cast("Mapping[str, Any]", obj))
        return obj

    # -- steps ------------------------------------------------------------------------------

    def reach(self) -> str:
        """One harmless read: a rejected key or no connection stops the run here."""
        try:
            page = self.gw.v1.events.list({"limit": 1})
        except (stripe.AuthenticationError, stripe.APIConnectionError) as exc:
            raise Unreachable(f"{self.gw.api_base}: {describe(exc)}") from None
        except stripe.PermissionError:
            return f"{self.gw.api_base} answers (the key may not list events: see permissions)"
        # events of this run are newer than the newest one now (Stripe's clock, not ours)
        self.started = int(page.data[0].created) if page.data else int(time.time()) - 600
        return f"{self.gw.api_base} answers, in test mode"

    def permissions(self) -> str:
        if self.key_kind != "restricted":
            return "a secret key has every permission (use a restricted key in production)"
        missing = missing_permissions(self.gw, self.key("probe"))
        if missing:
            raise CheckFailed(
                "the restricted key lacks " + ", ".join(missing) + " (README: The Stripe key)"
            )
        return "the restricted key has every permission the README lists"

    def customer(self) -> str:
        email = f"stripe-check+{self.run_id}@example.com"
        cid = self.gw.find_or_create_customer(
            email=email,
            name="Stripe Check",
            student_number="stripe-check",
            idempotency_key=self.key("customer"),
        )
        self.ids["customer"] = cid
        with translated("read the test customer"):
            obj = self.keep("customer", as_dict(self.gw.v1.customers.retrieve(cid)))
        if obj.get("livemode"):
            raise CheckFailed("the account answered in live mode")
        return f"{cid} created (looked up by email first, as the desk does)"

    def charge(self) -> stripe_params.Charge:
        return stripe_params.Charge(
            attempt_id=f"stripe-check-{self.run_id}",
            invoice_number="STRIPE-CHECK",
            student_name="Stripe Check",
            student_number="stripe-check",
            amount=500 * 10 ** currency_exponent(self.desk.currency),
            currency=self.desk.currency,
            covers="Tuition",
            desk=self.desk.desk,
            staff="stripe-check",
            expires_at=self.desk.expires_at(EXPIRY_MARGIN),
            customer=self.ids.get("customer"),
            email=f"stripe-check+{self.run_id}@example.com",
        )

    def session(self, c: stripe_params.Charge) -> str:
        params = stripe_params.checkout_session(c, self.desk.success_url, self.desk.cancel_url)
        cs = self.keep(
            "checkout.session (create)",
            self.gw.create_checkout_session(params, self.key("create-session")),
        )
        self.ids["session"] = cs["id"]
        read = self.keep("checkout.session (retrieve)", self.gw.retrieve_session(cs["id"]))
        problems = expect(
            cs,
            status="open",
            payment_status="unpaid",
            payment_intent=None,
            client_reference_id=c.attempt_id,
            amount_total=c.amount,
            metadata=c.metadata,
        )
        problems += expect(read, status="open", expires_at=c.expires_at)
        if not cs.get("url"):
            problems.append("no url to show the payer")
        fail_if(problems)
        return f"{cs['id']} open with the desk's parameters; read back with expand[]"

    def payment_link(self, c: stripe_params.Charge) -> str:
        price = self.gw.create_price(stripe_params.price(c), self.key("create-price"))
        self.ids["price"] = self.keep("price", price)["id"]
        link = self.gw.create_payment_link(
            stripe_params.payment_link(c, price["id"]), self.key("create-link")
        )
        self.ids["link"] = self.keep("payment_link (create)", link)["id"]
        self.keep("payment_link (retrieve)", self.gw.retrieve_payment_link(link["id"]))
        sessions = list(self.gw.list_sessions(payment_link=link["id"]))
        off = self.keep(
            "payment_link (deactivate)",
            self.gw.deactivate_payment_link(link["id"], self.key("deactivate")),
        )
        self.done.add("link")
        limit = (link.get("restrictions") or {}).get("completed_sessions") or {}
        problems = expect(link, active=True, metadata=c.metadata)
        problems += expect(limit, limit=1) + expect(off, active=False)
        if sessions:
            problems.append(f"{len(sessions)} sessions listed for a link nobody opened")
        fail_if(problems)
        return f"{link['id']} created (single use), its sessions listed, deactivated"

    def expire(self) -> str:
        sid = self.ids.get("session")
        if not sid:
            raise CheckFailed("no session to expire (the checkout session check failed)")
        cs = self.keep("checkout.session (expire)", self.gw.expire_session(sid, self.key("expire")))
        again = self.gw.expire_session(sid, self.key("expire-again"))
        self.done.add("session")
        fail_if(expect(cs, status="expired") + expect(again, status="expired"))
        return f"{sid} expired; expiring it again is refused and read back, as the desk expects"

    def payment(self, c: stripe_params.Charge) -> str:
        params = {
            "amount": c.amount,
            "currency": c.price_data()["currency"],
            "payment_method": TEST_CARD,
            "payment_method_types": ["card"],
            "confirm": True,
            "metadata": c.metadata,
            "description": c.description,
        }
        with translated("confirm a test payment"):
            pi = as_dict(
                self.gw.v1.payment_intents.create(
                    params,  # type: ignore[arg-type]
                    options={"idempotency_key": self.key("payment")},
                )
            )
        self.ids["payment_intent"] = self.keep("payment_intent (confirm)", pi)["id"]
        read = self.keep("payment_intent (retrieve)", self.gw.retrieve_payment_intent(pi["id"]))
        refund = self.keep(
            "refund (create)", self.gw.create_refund(refund_params(c, pi), self.key("refund"))
        )
        self.keep("refund (retrieve)", self.gw.retrieve_refund(refund["id"]))
        problems = expect(pi, status="succeeded") + expect(read, amount_received=c.amount)
        if refund.get("status") not in ("succeeded", "pending"):
            problems.append(f"refund status is {refund.get('status')!r}")
        fail_if(problems)
        return f"{pi['id']} paid with {TEST_CARD}; refund {refund['id']} {refund['status']}"


def refund_params(c: stripe_params.Charge, pi: dict[str, Any]) -> dict[str, Any]:
    """Shaped like kiosk.payments.refunds.refund_params."""
    return {
        "payment_intent": pi["id"],
        "amount": c.amount,
        "reason": "requested_by_customer",
        "metadata": {"refund": c.attempt_id, "invoice": c.invoice_number, "desk": c.desk},
    }


def expect(obj: Mapping[str, Any], **wanted: Any) -> list[str]:
    """Problems, one per field of `obj` that differs from what the desk assumes."""
    return [
        f"{obj.get('object', 'object')}.{name} is {obj.get(name)!r}, the desk expects {value!r}"
        for name, value in wanted.items()
        if obj.get(name) != value
    ]


def fail_if(problems: list[str]) -> None:
    if problems:
        raise CheckFailed("; ".join(problems))
