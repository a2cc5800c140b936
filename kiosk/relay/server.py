"""`relay serve`: uvicorn (httptools, uvloop) with one worker, or several from the env."""

from __future__ import annotations

import argparse
import logging
import os

import uvicorn

from kiosk.errors import CommandError
from kiosk.relay import logs
from kiosk.relay.settings import (
    ENV_DB,
    ENV_RETENTION_DAYS,
    SECRET_ENV,
    RelaySettings,
    settings_from_env,
)

ENV_JSON_LOGS = "FEE_KIOSK_RELAY_JSON_LOGS"
log = logging.getLogger("kiosk.relay")


def serve(args: argparse.Namespace, db_url: str) -> int:
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    env = {ENV_DB: db_url, ENV_RETENTION_DAYS: str(args.retention_days)}
    try:
        settings = settings_from_env(env)
    except ValueError as exc:  # SettingsError: one line that says what to fix
        raise CommandError(str(exc)) from None
    logs.configure(access_log=args.access_log)
    common = {
        "host": args.host,
        "port": args.port,
        "log_config": None,
        "access_log": args.access_log,
        "timeout_graceful_shutdown": 5,
        "proxy_headers": True,
    }
    _announce(settings, args)
    if args.workers == 1:
        from kiosk.relay.app import create_app

        uvicorn.run(create_app(settings), **common)
        return 0
    # Workers are fresh processes: they rebuild the settings from these variables.
    os.environ.update(
        {
            ENV_DB: db_url,
            ENV_RETENTION_DAYS: str(args.retention_days),
            SECRET_ENV: ",".join(settings.webhook_secrets),
            ENV_JSON_LOGS: "access" if args.access_log else "on",
        }
    )
    uvicorn.run("kiosk.relay.app:create_app_from_env", factory=True, workers=args.workers, **common)
    return 0


def _announce(settings: RelaySettings, args: argparse.Namespace) -> None:
    from sqlalchemy.engine import make_url

    db = make_url(settings.db_url).render_as_string(hide_password=True)
    log.info(
        "relay starting",
        extra={
            "db": db,
            "host": args.host,
            "port": args.port,
            "workers": args.workers,
            "secrets": len(settings.webhook_secrets),
            "retention_days": settings.retention_days,
        },
    )
    if args.workers > 1 and db.startswith("sqlite"):
        log.warning(
            "several workers on SQLite: long-polls on other workers wake within "
            "1 s, not at once; use PostgreSQL for LISTEN/NOTIFY"
        )
