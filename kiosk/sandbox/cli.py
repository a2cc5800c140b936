"""`python main.py sandbox`: serve the Stripe sandbox (light imports: argparse only)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import socket

DEFAULT_PORT = 12111


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "sandbox",
        help="run the local Stripe sandbox (API + hosted checkout pages)",
        description="Serve a local emulator of the Stripe API with hosted checkout pages.",
    )
    parser.add_argument(
        "--host",
        dest="sandbox_host",
        default="127.0.0.1",
        help="interface to listen on (default 127.0.0.1; 0.0.0.0 for phones)",
    )
    parser.add_argument(
        "--port",
        dest="sandbox_port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--public-url",
        dest="sandbox_public_url",
        metavar="URL",
        help="base URL payers reach (e.g. http://192.168.1.20:12111)",
    )
    parser.add_argument(
        "--state",
        dest="sandbox_state",
        metavar="FILE",
        help="keep state in FILE so it survives restarts",
    )
    _payout_and_fee_options(parser)
    parser.set_defaults(func=handler)


def _payout_and_fee_options(parser: argparse.ArgumentParser) -> None:
    """How the sandbox pays out and charges fees, and its rate limit."""
    parser.add_argument(
        "--payout-delay-days",
        dest="sandbox_payout_delay_days",
        type=int,
        default=0,
        metavar="N",
        help="days before a payment's funds can be paid out (default 0: at once)",
    )
    parser.add_argument(
        "--payout-interval",
        dest="sandbox_payout_interval",
        type=float,
        default=86_400.0,
        metavar="SECONDS",
        help="automatic payouts every SECONDS of the sandbox's clock (default daily; 0: off)",
    )
    parser.add_argument(
        "--fees",
        dest="sandbox_fees",
        metavar="SCHEDULE",
        help="fee schedule in basis points, e.g. card=200,upi=200,card_international=300,"
        "tax=1800 (default: Stripe India's published pricing, GST 18%%)",
    )
    parser.add_argument(
        "--rate-limit",
        dest="sandbox_rate_limit",
        metavar="N",
        type=float,
        default=None,
        help="answer 429 rate_limit beyond N requests a second, as Stripe does (default: off)",
    )


def handler(args: argparse.Namespace) -> int:
    import logging

    from kiosk.errors import CommandError

    port = args.sandbox_port
    if not 0 <= port <= 65535:
        raise CommandError(f"invalid port: {port}")
    public = args.sandbox_public_url or f"http://{_display_host(args.sandbox_host)}:{port}"
    if not public.startswith(("http://", "https://")):
        raise CommandError(f"--public-url must start with http:// or https:// (got {public})")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.sandbox_host in ("0.0.0.0", "::") and not args.sandbox_public_url:
        print(
            "Hint: phones need --public-url http://<this machine's LAN address>:"
            f"{port} to reach the payment pages.",
            flush=True,
        )
    rate = args.sandbox_rate_limit
    if rate is not None and not rate > 0:
        raise CommandError(f"--rate-limit must be a positive number of requests a second: {rate}")
    if args.sandbox_payout_delay_days < 0 or args.sandbox_payout_interval < 0:
        raise CommandError("--payout-delay-days and --payout-interval can't be negative")
    settings = {**_payout_settings(args), "rate_limit": rate}
    _serve(args.sandbox_host, port, public, args.sandbox_state, settings)
    return 0


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _payout_settings(args: argparse.Namespace) -> dict[str, Any]:
    from kiosk.errors import CommandError
    from kiosk.sandbox.fees import FeeSchedule

    try:
        fees = FeeSchedule.from_text(args.sandbox_fees) if args.sandbox_fees else FeeSchedule()
    except ValueError as exc:
        raise CommandError(f"--fees: {exc}") from exc
    return {
        "payout_delay_days": args.sandbox_payout_delay_days,
        "payout_interval": args.sandbox_payout_interval,
        "fee_schedule": fees,
    }


def _serve(host: str, port: int, public: str, state: str | None, settings: dict[str, Any]) -> None:
    import uvicorn

    from kiosk.errors import CommandError
    from kiosk.sandbox.app import create_app

    sock = _bind(host, port)
    try:
        app = create_app(public_url=public, state_file=state, **settings)
    except (OSError, ValueError) as exc:
        sock.close()
        raise CommandError(f"cannot use sandbox state {state}: {exc}") from exc
    local = f"http://{_display_host(host)}:{port}"
    print(f"Stripe sandbox: API {local}/v1, pages {public}", flush=True)
    print(
        f"Point stripe at it: StripeClient('sk_test_…', base_addresses={{'api': '{local}'}})",
        flush=True,
    )
    config = uvicorn.Config(app, log_level="info", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    import socket

    from kiosk.errors import CommandError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock
