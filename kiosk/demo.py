"""Demo mode, wired without Qt: a fresh ledger in a temporary home, the demo data, and the
embedded Stripe sandbox and webhook relay talking to each other on this machine.

    demo = start_demo()            # sets the environment this process's desk reads
    ...                            # demo.ctx is the desk's Context
    demo.stop()

The sandbox's webhook endpoint is created through the stripe package and points at the
relay's /stripe/webhook; the signing secret it returns is the relay's secret, and the
desk syncs from the relay with a fresh desk token. Secrets live in environment variables
and an in-memory keyring: the machine's real keyring is never touched.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

log = logging.getLogger(__name__)

CASHIER = ("cashier@example.com", "cashierpass123")
SUPERVISOR = ("admin@example.com", "adminpass123")
DESK_TOKEN_NAME = "demo-desk"
WEBHOOK_EVENTS = (
    "checkout.session.completed",
    "checkout.session.expired",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "refund.failed",
    "payout.created",
    "payout.paid",
    "payout.failed",
)


@dataclass
class DemoEnv:
    home: Path
    ctx: Any  # kiosk.context.Context
    sandbox: Any  # kiosk.sandbox.SandboxHandle
    relay: Any  # kiosk.relay.embedded.RunningRelay
    env: dict[str, str]
    public_url: str
    cashier: tuple[str, str] = CASHIER
    supervisor: tuple[str, str] = SUPERVISOR
    owns_home: bool = False
    _saved_env: dict[str, str | None] = field(default_factory=dict)

    def stop(self) -> None:
        for stop in (self.relay.stop, self.sandbox.stop):
            try:
                stop()
            except Exception:
                log.warning("demo server did not stop cleanly", exc_info=True)
        if "ledger" in self.ctx.__dict__:
            self.ctx.ledger.close()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if self.owns_home:
            shutil.rmtree(self.home, ignore_errors=True)


def lan_address() -> str | None:
    """This machine's address on the local network (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: routing lookup only
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def use_memory_keyring() -> None:
    """Keep the demo's secrets out of the machine's keyring."""
    import keyring

    from kiosk.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())


def start_demo(
    home: Path | None = None,
    public_url: str | None = None,
    *,
    lan: bool = True,
    students: int = 200,
    memory_keyring: bool = True,
) -> DemoEnv:
    """Start the sandbox and relay, seed a fresh ledger and point this process's desk at them.

    `public_url` is the base a phone uses for the sandbox's hosted pages; without it the
    LAN address is used when there is one (`lan=False` keeps everything on loopback).
    """
    import stripe

    from kiosk.context import Context
    from kiosk.ledger.demo_data import load_demo_data
    from kiosk.relay.embedded import start_relay
    from kiosk.sandbox import start_sandbox

    stripe.enable_telemetry = False
    if memory_keyring:
        use_memory_keyring()
    owns_home = home is None
    home = Path(home or tempfile.mkdtemp(prefix="fee-kiosk-demo-"))
    home.mkdir(parents=True, exist_ok=True)
    lan_ip = lan_address() if lan and not public_url else None
    bind = "0.0.0.0" if (public_url or lan_ip) else "127.0.0.1"
    sandbox_port = free_port(bind)
    public = (public_url or f"http://{lan_ip or '127.0.0.1'}:{sandbox_port}").rstrip("/")
    sandbox = start_sandbox(
        host=bind, port=sandbox_port, public_url=public, merchant_name="Demo University"
    )
    api_base = f"http://127.0.0.1:{sandbox_port}"
    api_key = "sk_test_demo" + secrets.token_hex(12)
    relay_port = free_port()
    relay_url = f"http://127.0.0.1:{relay_port}"
    whsec = create_webhook_endpoint(api_base, api_key, f"{relay_url}/stripe/webhook")
    try:
        relay = start_relay(  # on the LAN too: a phone lands on its /paid page
            f"sqlite:///{home / 'relay.db'}", [whsec], [DESK_TOKEN_NAME], bind, relay_port
        )
    except Exception:
        sandbox.stop()
        raise
    phone_host = f"http://{lan_ip or '127.0.0.1'}:{relay_port}"
    env = _desk_env(home, api_base, api_key, relay_url, relay.tokens[DESK_TOKEN_NAME], phone_host)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    ctx = Context(home)
    load_demo_data(ctx.ledger, students=students, desk=ctx.desk)
    demo = DemoEnv(home, ctx, sandbox, relay, env, public, owns_home=owns_home, _saved_env=saved)
    log.info("demo: sandbox %s (public %s), relay %s, home %s", api_base, public, relay_url, home)
    return demo


def _desk_env(
    home: Path, api_base: str, api_key: str, relay_url: str, token: str, phone_host: str
) -> dict[str, str]:
    """The environment the demo's desk reads: its home, the sandbox, the relay, secrets."""
    return {
        "FEE_KIOSK_HOME": str(home),
        "STRIPE_API_BASE": api_base,
        "STRIPE_SECRET_KEY": api_key,
        "FEE_KIOSK_RELAY_URL": relay_url,  # relay.url may name 0.0.0.0
        "FEE_KIOSK_RELAY_TOKEN": token,
        "FEE_KIOSK_RECEIPT_KEY": secrets.token_hex(16),
        "FEE_KIOSK_DESK_NAME": "Demo desk",
        "FEE_KIOSK_RELAY_OFFLINE_AFTER_SECONDS": "15",
        # after paying, the payer's phone lands on the relay's confirmation page
        "FEE_KIOSK_STRIPE_SUCCESS_URL": f"{phone_host}/paid?session={{CHECKOUT_SESSION_ID}}",
    }


def create_webhook_endpoint(api_base: str, api_key: str, url: str) -> str:
    """Create the sandbox's webhook endpoint for `url`; returns its whsec_ signing secret."""
    import stripe

    client = stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=2)
    endpoint = client.v1.webhook_endpoints.create(
        params={
            "url": url,
            "enabled_events": cast("Any", list(WEBHOOK_EVENTS)),  # stripe types them as literals
            "description": "Fee Kiosk demo relay",
        }
    )
    secret = endpoint.secret
    if not secret:
        raise RuntimeError("the sandbox returned no webhook signing secret")
    return secret


def pay_with_test_card(
    api_base: str, api_key: str, session_id: str, card_number: str = "4242424242424242"
) -> Any:
    """What paying on the sandbox's hosted page does (sandbox test helper)."""
    import stripe

    client = stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=0)
    resp = client.raw_request(
        "post", f"/v1/test_helpers/checkout/sessions/{session_id}/pay", card_number=card_number
    )
    return client.deserialize(resp, api_mode="V1")


def pay_with_test_vpa(
    api_base: str, api_key: str, session_id: str, vpa: str = "payment.success@stripeupi"
) -> Any:
    """What paying by UPI on the sandbox's hosted page does: payment.success@stripeupi
    pays, payment.failure@stripeupi fails, payment.pending@stripeupi waits for approval."""
    import stripe

    client = stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=0)
    resp = client.raw_request(
        "post",
        f"/v1/test_helpers/checkout/sessions/{session_id}/pay",
        payment_method_type="upi",
        vpa=vpa,
    )
    return client.deserialize(resp, api_mode="V1")


def decide_upi(api_base: str, api_key: str, session_id: str, approve: bool = True) -> Any:
    """Sandbox test helper: the student approves (or refuses) a pending UPI payment."""
    import stripe

    client = stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=0)
    action = "approve_upi" if approve else "fail_upi"
    resp = client.raw_request("post", f"/v1/test_helpers/checkout/sessions/{session_id}/{action}")
    return client.deserialize(resp, api_mode="V1")


def describe(demo: DemoEnv) -> str:
    user, password = demo.cashier
    sup, sup_pw = demo.supervisor
    return "\n".join(
        (
            "Fee Kiosk demo",
            f"  home:       {demo.home}",
            f"  sandbox:    {demo.env['STRIPE_API_BASE']} (pages for phones: {demo.public_url})",
            f"  relay:      {demo.env['FEE_KIOSK_RELAY_URL']}",
            f"  cashier:    {user} / {password}",
            f"  supervisor: {sup} / {sup_pw}",
            "  test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined",
            "  test UPI:   payment.success@stripeupi pays; payment.failure@stripeupi fails;"
            " payment.pending@stripeupi waits for approval",
        )
    )


def expire_now(api_base: str, api_key: str, session_id: str) -> Any:
    """Sandbox test helper: the Checkout Session expires now, as if its time ran out."""
    import stripe

    client = stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=0)
    resp = client.raw_request("post", f"/v1/test_helpers/checkout/sessions/{session_id}/expire_now")
    return client.deserialize(resp, api_mode="V1")
