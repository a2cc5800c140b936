"""Relay fixtures: a real relay under uvicorn on an ephemeral loopback port.

- `relay_db`: a SQLite URL in tmp_path; `event_store`: an EventStore on it.
- `relay`: a RunningRelay (kiosk.relay.start_relay) with secret SECRET and a token for
  "desk1" (`relay.tokens["desk1"]`).
- `desk`: an httpx.Client for /v1/events with desk1's bearer token.
- `run_cli(*args)`: `python main.py relay ...` in a subprocess.
- `relay_process(db_url, *serve_args, **env)`: a RelayProcess, `python -m kiosk.relay serve`
  in a subprocess on port 0 (url read from its log), ready once every worker is up; for
  kill -9, SIGTERM, `--workers 2` and the metrics line. Stopped at teardown.
- `wait_until(predicate, timeout, what)`: poll a condition against a deadline.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from kiosk.relay import start_relay
from kiosk.relay.embedded import RunningRelay
from kiosk.relay.storage.engine import create_schema, make_engine
from kiosk.relay.storage.events import EventStore, Incoming
from tests.waiting import wait_for as wait_until

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_test_relay_primary_0123456789"
OLD_SECRET = "whsec_test_relay_previous_987654321"


@pytest.fixture
def relay_db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'relay.db'}"


@pytest.fixture
def event_store(relay_db: str) -> Iterator[EventStore]:
    """Direct access to the relay database, e.g. to plant events received days ago."""
    engine = make_engine(relay_db)
    create_schema(engine)
    yield EventStore(engine)
    engine.dispose()


def received(event_id: str, days_ago: float) -> Incoming:
    return Incoming(event_id, "x", datetime.now(UTC) - timedelta(days=days_ago), b"{}")


@pytest.fixture
def relay(relay_db: str) -> Iterator[RunningRelay]:
    with start_relay(relay_db, [SECRET], tokens=["desk1"]) as running:
        yield running


@pytest.fixture
def desk(relay: RunningRelay) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {relay.tokens['desk1']}"}
    with httpx.Client(base_url=relay.url, headers=headers, timeout=70) as client:
        yield client


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "FEE_KIOSK_"))}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env.update(extra)
    return env


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "main.py", "--home", str(tmp_path / "home"), "relay", *args]
        return subprocess.run(
            cmd, cwd=ROOT, env=cli_env(**env), capture_output=True, text=True, timeout=60
        )

    return run


class RelayProcess:
    """`python -m kiosk.relay serve` in a subprocess; its stderr (JSON lines) goes to `log_path`."""

    def __init__(self, db_url: str, log_path: Path, *extra: str, **env: str) -> None:
        self.url = ""  # known once uvicorn logs the port it bound (port 0: no races)
        self.log_path = log_path
        self.workers = int(extra[extra.index("--workers") + 1]) if "--workers" in extra else 1
        cmd = [sys.executable, "-m", "kiosk.relay", "serve", "--db", db_url, "--port", "0", *extra]
        env.setdefault("STRIPE_WEBHOOK_SECRET", SECRET)
        with open(log_path, "w") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=cli_env(**env), stdout=subprocess.DEVNULL, stderr=log
            )

    def log_lines(self) -> list[dict]:
        """Every line of stderr, parsed: a line that is not JSON fails the test."""
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]

    def wait_ready(self, timeout: float = 20.0) -> RelayProcess:
        def up() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"relay exited: {self.log_path.read_text()}")
            if not self.url:
                self.url = self._bound_url()
                return False
            if self._started() < self.workers:
                return False
            try:
                return httpx.get(self.url + "/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout, "the relay process to answer /healthz")
        return self

    def _started(self) -> int:
        text = self.log_path.read_text()
        return text.count('"msg": "Application startup complete."')

    def _bound_url(self) -> str:
        for line in self.log_path.read_text().splitlines():
            match = re.search(r"Uvicorn running on (http://[\d.]+:\d+)", line)
            if match:
                return match.group(1)
        return ""

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (single-worker relays only)."""
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def relay_process(tmp_path: Path) -> Iterator[Callable[..., RelayProcess]]:
    started: list[RelayProcess] = []

    def start(db_url: str, *extra: str, **env: str) -> RelayProcess:
        proc = RelayProcess(db_url, tmp_path / f"relay-{len(started)}.log", *extra, **env)
        started.append(proc)
        return proc.wait_ready()

    yield start
    for proc in started:
        proc.stop()
