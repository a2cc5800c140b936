"""The only module that talks to Stripe.

Every call has a timeout and network retries; every POST carries our own Idempotency-Key
derived from the ledger record it is for (`kiosk:<attempt id>:create-session`), so a
retry after a timeout or a crash can never create a second session, link or refund.
Stripe's exceptions become our own (kiosk.payments.errors) with messages a cashier can
read. Objects come back as plain dicts. The key is never logged; restricted keys (rk_…)
work as long as they carry the permissions listed in the README ("The Stripe key").
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import stripe

from kiosk.payments.errors import (
    CardDeclined,
    NotFound,
    OutcomeUnknown,
    PaymentError,
    StripeRejected,
    StripeUnavailable,
    plain_refusal,
)
from kiosk.payments.stripe_shapes import (
    Charge,
    CheckoutSession,
    Event,
    PaymentIntent,
    PaymentLink,
    Price,
    Refund,
)

if TYPE_CHECKING:
    from kiosk.context import Context

stripe.enable_telemetry = False
log = logging.getLogger(__name__)

SESSION_EXPAND = ["payment_intent", "payment_intent.latest_charge"]
RATE_LIMIT_RETRIES = 5  # 0.5 s, 1 s, 2 s, 4 s, 5 s (halved by jitter at most)


def _params(params: dict[str, Any]) -> Any:
    """Our plain dicts for the SDK's TypedDict parameters."""
    return params


def as_dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


@contextlib.contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn a stripe exception raised while doing `action` into a PaymentError."""
    try:
        yield
    except stripe.CardError as exc:
        err = exc.error
        reason = getattr(err, "decline_code", None) or exc.code or "card_declined"
        raise CardDeclined(reason) from None
    except stripe.APIConnectionError:
        raise StripeUnavailable("Stripe is unreachable; retrying") from None
    except stripe.RateLimitError:
        raise StripeUnavailable("Stripe is busy (rate limit); retrying") from None
    except stripe.AuthenticationError:
        raise StripeRejected("Stripe rejected the key; check the Stripe key in settings") from None
    except stripe.PermissionError as exc:
        raise StripeRejected(
            f"the Stripe key may not {action}; give it the permission listed in the README "
            f"({exc.user_message or 'permission denied'})"
        ) from None
    except stripe.IdempotencyError:
        raise OutcomeUnknown(
            f"Stripe refused to {action}: a retried request differed from the first one; "
            "whether the first took effect is not known yet"
        ) from None
    except stripe.InvalidRequestError as exc:
        message = exc.user_message or "invalid request"
        if exc.code == "resource_missing":
            raise NotFound(f"Stripe has no such object ({message})") from None
        plain = plain_refusal(exc.code, message)
        if plain:
            raise StripeRejected(plain) from None
        raise StripeRejected(f"Stripe refused to {action}: {message}") from None
    except stripe.APIError as exc:
        status = exc.http_status or "no status"
        raise StripeUnavailable(f"Stripe had a problem (HTTP {status}); retrying") from None
    except stripe.StripeError as exc:
        raise PaymentError(f"Stripe error while trying to {action}: {type(exc).__name__}") from None


class _BackingOffClient(stripe.RequestsClient):
    """stripe-python retries 409, 5xx and network errors but not 429: Stripe sends no
    `Stripe-Should-Retry` on a real rate limit and leaves backing off to the integration
    (https://github.com/stripe/stripe-dotnet/issues/1886). We retry it too, with the
    library's own exponential backoff and jitter, and POSTs keep their Idempotency-Key."""

    def _should_retry(
        self,
        response: Any,
        api_connection_error: Any,
        num_retries: int,
        max_network_retries: int | None,
    ) -> bool:
        if response is not None and response[1] == 429:
            return num_retries < max(max_network_retries or 0, RATE_LIMIT_RETRIES)
        return bool(  # stripe leaves this one's return type out
            super()._should_retry(response, api_connection_error, num_retries, max_network_retries)
        )


class StripeGateway:
    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        *,
        timeout: float = 20.0,
        max_retries: int = 2,
    ) -> None:
        if not api_key:
            raise StripeRejected(
                "no Stripe key is set: run `secrets set stripe_secret_key` or set STRIPE_SECRET_KEY"
            )
        bases: dict[str, str] = {"api": api_base.rstrip("/")} if api_base else {}
        self.api_base = api_base or "https://api.stripe.com"
        self._client = stripe.StripeClient(
            api_key,
            base_addresses=bases,  # type: ignore[arg-type]
            max_network_retries=max_retries,
            http_client=_BackingOffClient(timeout=timeout),
        )
        self.v1 = self._client.v1

    @classmethod
    def from_context(cls, ctx: Context, **kwargs: Any) -> StripeGateway:
        from kiosk.secrets import get_secret

        key = get_secret("stripe_secret_key") or ""
        return cls(key, ctx.settings.get("stripe.api_base") or None, **kwargs)

    def __repr__(self) -> str:  # never the key
        return f"StripeGateway({self.api_base!r})"

    # Customers ---------------------------------------------------------------------------

    def find_or_create_customer(
        self, *, email: str, name: str, student_number: str, idempotency_key: str
    ) -> str:
        """The customer with this email (list filter: Customer search is not available to
        Indian accounts and is eventually consistent), else a new one."""
        with translated("look up the student's Stripe customer"):
            if email:
                found = self.v1.customers.list({"email": email, "limit": 1})
                if found.data:
                    return found.data[0].id
            customer = self.v1.customers.create(
                _params(
                    {"email": email or None, "name": name, "metadata": {"student": student_number}}
                ),
                options={"idempotency_key": idempotency_key},
            )
        return customer.id

    # Checkout Sessions ---------------------------------------------------------------------

    def create_checkout_session(
        self, params: dict[str, Any], idempotency_key: str
    ) -> CheckoutSession:
        with translated("create the checkout session"):
            cs = self.v1.checkout.sessions.create(
                _params(params), options={"idempotency_key": idempotency_key}
            )
        return cast(CheckoutSession, as_dict(cs))

    def retrieve_session(self, session_id: str) -> CheckoutSession:
        with translated("read the checkout session"):
            cs = self.v1.checkout.sessions.retrieve(session_id, {"expand": SESSION_EXPAND})
        return cast(CheckoutSession, as_dict(cs))

    def expire_session(self, session_id: str, idempotency_key: str) -> CheckoutSession:
        """Expire an open session. A session that is no longer open is returned as it is
        (Stripe answers 400 for those: gotcha 9)."""
        try:
            with translated("cancel the checkout session"):
                cs = self.v1.checkout.sessions.expire(
                    session_id, options={"idempotency_key": idempotency_key}
                )
            return cast(CheckoutSession, as_dict(cs))
        except StripeRejected:
            current = self.retrieve_session(session_id)
            if current.get("status") == "open":
                raise
            return current

    def list_sessions(self, **filters: Any) -> Iterator[CheckoutSession]:
        # The charge too: its `created` is when the payment completed (kiosk.payments.lateness).
        expand = ["data.payment_intent", "data.payment_intent.latest_charge"]
        params: dict[str, Any] = {"limit": 100, "expand": expand, **filters}
        with translated("list checkout sessions"):
            for cs in self.v1.checkout.sessions.list(_params(params)).auto_paging_iter():
                yield cast(CheckoutSession, as_dict(cs))

    # Prices and Payment Links -------------------------------------------------------------

    def create_price(self, params: dict[str, Any], idempotency_key: str) -> Price:
        with translated("create the price for the payment link"):
            price = self.v1.prices.create(
                _params(params), options={"idempotency_key": idempotency_key}
            )
        return cast(Price, as_dict(price))

    def create_payment_link(self, params: dict[str, Any], idempotency_key: str) -> PaymentLink:
        with translated("create the payment link"):
            link = self.v1.payment_links.create(
                _params(params), options={"idempotency_key": idempotency_key}
            )
        return cast(PaymentLink, as_dict(link))

    def retrieve_payment_link(self, link_id: str) -> PaymentLink:
        with translated("read the payment link"):
            return cast(PaymentLink, as_dict(self.v1.payment_links.retrieve(link_id)))

    def deactivate_payment_link(
        self, link_id: str, idempotency_key: str, inactive_message: str | None = None
    ) -> PaymentLink:
        params: dict[str, Any] = {"active": False}
        if inactive_message:
            params["inactive_message"] = inactive_message
        with translated("deactivate the payment link"):
            link = self.v1.payment_links.update(
                link_id, _params(params), options={"idempotency_key": idempotency_key}
            )
        return cast(PaymentLink, as_dict(link))

    # PaymentIntents and refunds -----------------------------------------------------------

    def retrieve_payment_intent(self, pi_id: str) -> PaymentIntent:
        with translated("read the payment"):
            pi = self.v1.payment_intents.retrieve(pi_id, {"expand": ["latest_charge"]})
        return cast(PaymentIntent, as_dict(pi))

    def create_refund(self, params: dict[str, Any], idempotency_key: str) -> Refund:
        with translated("refund the payment"):
            refund = self.v1.refunds.create(
                _params(params), options={"idempotency_key": idempotency_key}
            )
        return cast(Refund, as_dict(refund))

    def retrieve_refund(self, refund_id: str) -> Refund:
        with translated("read the refund"):
            return cast(Refund, as_dict(self.v1.refunds.retrieve(refund_id)))

    def list_refunds(
        self,
        payment_intent: str | None = None,
        *,
        charge: str | None = None,
        created_gte: int | None = None,
    ) -> Iterator[Refund]:
        """Refunds, newest first: of one PaymentIntent or charge, or created since
        `created_gte` (a charge no longer carries its refunds since API 2022-11-15)."""
        params: dict[str, Any] = {"limit": 100}
        if payment_intent:
            params["payment_intent"] = payment_intent
        if charge:
            params["charge"] = charge
        if created_gte:
            params["created"] = {"gte": created_gte}
        with translated("list refunds"):
            for refund in self.v1.refunds.list(_params(params)).auto_paging_iter():
                yield cast(Refund, as_dict(refund))

    # Events ------------------------------------------------------------------------------

    def list_events(self, types: list[str], created_gte: int | None = None) -> Iterator[Event]:
        """Stripe's events (newest first, kept 30 days), auto-paginated."""
        params: dict[str, Any] = {"limit": 100, "types": types}
        if created_gte:
            params["created"] = {"gte": created_gte}
        with translated("list Stripe events"):
            for event in self.v1.events.list(_params(params)).auto_paging_iter():
                yield cast(Event, as_dict(event))

    # Payouts and balance transactions ------------------------------------------------------

    def list_payouts(self) -> Iterator[dict[str, Any]]:
        """Every payout, newest first."""
        return self._list_plain("/v1/payouts", {}, "list Stripe payouts")

    def list_payout_transactions(self, payout_id: str) -> Iterator[dict[str, Any]]:
        """The balance transactions `payout_id` paid out (its own included)."""
        return self._list_plain(
            "/v1/balance_transactions",
            {"payout": payout_id},
            "list the payout's balance transactions",
        )

    def _list_plain(
        self, path: str, params: dict[str, Any], action: str
    ) -> Iterator[dict[str, Any]]:
        """A long list as plain dicts, 100 a page: building a StripeObject per row costs
        several times the request itself (a payout can hold thousands of rows)."""
        query: dict[str, Any] = {"limit": 100, **params}
        while True:
            with translated(action):
                page = self._client.raw_request("get", path, **query).data
            yield from page["data"]
            if not page["has_more"] or not page["data"]:
                return
            query["starting_after"] = page["data"][-1]["id"]

    def list_balance_transactions(self, created_gte: int) -> Iterator[dict[str, Any]]:
        """Every balance transaction created at or after `created_gte`, newest first."""
        return self._list_plain(
            "/v1/balance_transactions",
            {"created": {"gte": created_gte}},
            "list Stripe balance transactions",
        )

    def retrieve_charge(self, charge_id: str) -> Charge:
        with translated("read the charge"):
            return cast(Charge, as_dict(self.v1.charges.retrieve(charge_id)))
