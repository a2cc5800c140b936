"""A relay inside this process, on loopback: for tests and the desk's demo mode."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from fastapi import FastAPI

from kiosk.relay.app import create_app
from kiosk.relay.settings import RelaySettings
from kiosk.relay.storage.engine import create_schema, make_engine
from kiosk.relay.tokens import create_token
from kiosk.serving import ServerThread


@dataclass
class RunningRelay:
    url: str
    app: FastAPI
    server: ServerThread
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def settings(self) -> RelaySettings:
        return cast(RelaySettings, self.app.state.settings)  # Starlette's state is untyped

    def stop(self) -> None:
        """Answer the held long-polls first, so none is cut off by the shutdown timeout."""
        relay, loop = getattr(self.app.state, "relay", None), getattr(self.app.state, "loop", None)
        if relay is not None and loop is not None and loop.is_running():
            loop.call_soon_threadsafe(relay.notifier.close)
        self.server.stop()

    def __enter__(self) -> RunningRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def issue_tokens(db_url: str, names: Iterable[str]) -> dict[str, str]:
    """Fresh tokens for `names` (replacing any active ones) in the relay database."""
    engine = make_engine(db_url)
    try:
        create_schema(engine)
        return {name: create_token(engine, name, replace=True) for name in names}
    finally:
        engine.dispose()


def start_relay(
    db_url: str,
    secrets: Iterable[str],
    tokens: Iterable[str] = (),
    host: str = "127.0.0.1",
    port: int = 0,
    **settings: Any,
) -> RunningRelay:
    """Serve a relay on host:port (0 = ephemeral) and issue a token per name in `tokens`.

    Extra keyword arguments are RelaySettings fields (retention_days, metrics_interval, ...).
    """
    app = create_app(RelaySettings(db_url=db_url, webhook_secrets=tuple(secrets), **settings))
    issued = issue_tokens(db_url, tokens)
    server = ServerThread(app, host, port, timeout_graceful_shutdown=1).start()
    return RunningRelay(server.url, app, server, issued)
