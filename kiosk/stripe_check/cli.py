"""`stripe-check`: prove the desk's assumptions against a Stripe account in test mode.

    python main.py stripe-check [--key sk_test_…] [--api-base URL] [--json]

Exit status: 0 when every check passed and the answers have the sandbox's shapes, 1
otherwise, 2 when refused (a live key, no key, a bad URL) before any call.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from kiosk.errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "stripe-check",
        help="run the desk's assumptions against a Stripe test account; compare with the sandbox",
    )
    p.add_argument(
        "--key",
        help="a test key, sk_test_… or rk_test_… (default: the desk's; prefer STRIPE_SECRET_KEY)",
    )
    p.add_argument("--api-base", help="Stripe API base URL (default: the desk's, api.stripe.com)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_stripe_check)


def cmd_stripe_check(args: Any) -> int:
    from kiosk.payments.errors import PaymentError
    from kiosk.payments.gateway import StripeGateway
    from kiosk.secrets import get_secret
    from kiosk.stripe_check.keys import KeyRefused, classify
    from kiosk.stripe_check.outcome import DeskParams
    from kiosk.stripe_check.report import run_check

    ctx = args.ctx
    key = args.key or get_secret("stripe_secret_key")
    try:
        info = classify(key)
    except KeyRefused as exc:
        raise UsageError(f"stripe-check: {exc}") from None
    api_base = args.api_base or ctx.settings.get("stripe.api_base") or None
    if api_base and not str(api_base).startswith(("https://", "http://")):
        raise UsageError(f"stripe-check: --api-base must be an http(s) URL, not {api_base!r}")
    try:
        gateway = StripeGateway(str(key), api_base)
    except PaymentError as exc:
        raise UsageError(f"stripe-check: {exc.message}") from None
    report = run_check(gateway, info, DeskParams.from_context(ctx))
    print(
        json.dumps(report.to_json(), indent=2, ensure_ascii=False) if args.json else report.text()
    )
    return 0 if report.ok else 1
