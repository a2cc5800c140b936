"""GET /healthz, /openapi.json, and retention inside the server."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from kiosk.relay import start_relay
from kiosk.relay.testing import make_event, post_event
from tests.relay.conftest import SECRET, received, wait_until


def test_healthz_reports_database_and_last_event(relay):
    health = httpx.get(relay.url + "/healthz").json()
    assert health["status"] == "ok" and health["database"] == "reachable"
    assert health["last_event_at"] is None
    assert post_event(relay.url, make_event(), SECRET).status_code == 200
    last = datetime.fromisoformat(httpx.get(relay.url + "/healthz").json()["last_event_at"])
    assert abs(datetime.now(UTC) - last) < timedelta(seconds=30)


def test_healthz_is_503_when_the_database_is_gone(relay, relay_db, tmp_path: Path):
    db = tmp_path / "relay.db"
    shutil.move(db, tmp_path / "moved.db")
    db.mkdir()  # a folder where the file was: SQLite cannot open it
    relay.app.state.relay.engine.dispose()  # drop pooled connections to the moved file
    r = httpx.get(relay.url + "/healthz")
    assert r.status_code == 503
    assert r.json()["database"] == "unreachable"
    webhook = post_event(relay.url, make_event(), SECRET)
    assert webhook.status_code == 503  # not 200: Stripe must retry this one


def test_openapi_schema_is_served(relay):
    schema = httpx.get(relay.url + "/openapi.json").json()
    assert {"/stripe/webhook", "/v1/events", "/healthz"} <= set(schema["paths"])


def test_old_events_are_pruned_by_the_running_relay(relay_db, event_store):
    event_store.insert_batch([received("evt_old", 36), received("evt_kept", 34)])
    with start_relay(relay_db, [SECRET], prune_interval=0.1, retention_days=35):
        wait_until(lambda: len(event_store.fetch(0, 10)) == 1, 10, "the old event to go")
    assert [e.event_id for e in event_store.fetch(0, 10)] == ["evt_kept"]


def test_pruned_cursors_are_never_reused(event_store):
    event_store.insert_batch([received("evt_a", 40), received("evt_b", 40)])
    assert event_store.prune(datetime.now(UTC)) == 2
    event_store.insert_batch([received("evt_c", 0)])
    assert event_store.fetch(0, 10)[0].cursor == 3
