"""`relay serve | token create/list/revoke | prune`. Imported at desk start-up: keep it light."""

from __future__ import annotations

import argparse
import os
from typing import Any

from kiosk.errors import CommandError

DEFAULT_PORT = 8787


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("relay", help="the Stripe webhook relay server")
    add_commands(parser)


def add_commands(parser: argparse.ArgumentParser) -> None:
    cmds = parser.add_subparsers(dest="relay_command", metavar="RELAY_COMMAND", required=True)
    serve = cmds.add_parser("serve", help="serve webhooks and the desks' event feed")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--workers", type=int, default=1, help="processes (PostgreSQL for >1)")
    serve.add_argument("--retention-days", type=int, default=35)
    serve.add_argument("--access-log", action="store_true", help="log every request")
    _db_option(serve)
    serve.set_defaults(func=run_serve)
    _add_token_commands(cmds)
    prune = cmds.add_parser("prune", help="delete events older than --days")
    prune.add_argument("--days", type=int, default=35)
    _db_option(prune)
    prune.set_defaults(func=run_prune)


def _add_token_commands(cmds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = cmds.add_parser("token", help="desk tokens")
    tcmds = token.add_subparsers(dest="token_command", metavar="TOKEN_COMMAND", required=True)
    create = tcmds.add_parser("create", help="issue a token; printed once, as the last line")
    create.add_argument("name", help="desk name, e.g. desk1")
    create.set_defaults(func=run_token_create)
    listing = tcmds.add_parser("list", help="desks with tokens (never the tokens)")
    listing.set_defaults(func=run_token_list)
    revoke = tcmds.add_parser("revoke", help="revoke a desk's token at once")
    revoke.add_argument("name")
    revoke.set_defaults(func=run_token_revoke)
    for parser in (create, listing, revoke):
        _db_option(parser)


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        dest="relay_db",
        metavar="URL",
        help="relay database URL (default: FEE_KIOSK_RELAY_DB or HOME/relay.db)",
    )


def relay_db_url(args: argparse.Namespace) -> str:
    """--db, else FEE_KIOSK_RELAY_DB, else sqlite:///HOME/relay.db (HOME as kiosk.home)."""
    from kiosk.relay.settings import ENV_DB

    explicit = getattr(args, "relay_db", None) or os.environ.get(ENV_DB)
    if explicit:
        return explicit
    from kiosk.home import default_home

    home = getattr(args, "home", None) or os.environ.get("FEE_KIOSK_HOME") or default_home()
    return "sqlite:///" + os.path.join(os.path.abspath(os.path.expanduser(home)), "relay.db")


def _engine(args: argparse.Namespace) -> Any:
    from kiosk.relay.storage.engine import create_schema, make_engine

    try:
        engine = make_engine(relay_db_url(args))
        create_schema(engine)
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise CommandError(f"cannot open the relay database: {reason}") from None
    return engine


def run_token_create(args: argparse.Namespace) -> int:
    from kiosk.relay.tokens import TokenError, create_token

    try:
        token = create_token(_engine(args), args.name)
    except TokenError as exc:
        raise CommandError(str(exc)) from None
    print(f"Token for desk {args.name!r}. It is shown only this once; the relay keeps a hash.")
    print("Give it to the desk as FEE_KIOSK_RELAY_TOKEN or keyring entry relay_token.")
    print(token)
    return 0


def run_token_list(args: argparse.Namespace) -> int:
    from kiosk.relay.tokens import list_tokens

    rows = list_tokens(_engine(args))
    if not rows:
        print("no desk tokens; create one with `relay token create NAME`")
    for row in rows:
        state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        print(f"{row.name:<24} created {row.created_at:%Y-%m-%d %H:%M} UTC  {state}")
    return 0


def run_token_revoke(args: argparse.Namespace) -> int:
    from kiosk.relay.tokens import TokenError, revoke_token

    try:
        revoke_token(_engine(args), args.name)
    except TokenError as exc:
        raise CommandError(str(exc)) from None
    print(f"revoked the token of desk {args.name!r}")
    return 0


def run_prune(args: argparse.Namespace) -> int:
    from kiosk.relay.retention import prune
    from kiosk.relay.storage.events import EventStore

    if args.days < 1:
        raise CommandError("--days must be at least 1")
    removed = prune(EventStore(_engine(args)), args.days)
    print(f"pruned {removed} events older than {args.days} days")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from kiosk.relay.server import serve

    _engine(args).dispose()  # a bad URL or unreachable database fails here, in one line
    return serve(args, relay_db_url(args))
