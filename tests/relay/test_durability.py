"""Restarts and crashes mid-stream: nothing acknowledged is lost, cursors keep growing."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import httpx

from kiosk.relay import start_relay
from kiosk.relay.embedded import issue_tokens
from kiosk.relay.testing import make_event, post_event
from tests.relay.conftest import SECRET, wait_until


def read_all(url: str, token: str, after: int = 0) -> list[dict]:
    events: list[dict] = []
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
        while True:
            page = client.get(url + "/v1/events", params={"after": after, "limit": 1000}).json()
            if not page["events"]:
                return events
            events += page["events"]
            after = page["cursor"]


def test_restart_mid_stream_loses_nothing_and_continues_the_cursor(relay_db):
    bodies = [make_event() for _ in range(60)]
    ids = [json.loads(b)["id"] for b in bodies]
    first = start_relay(relay_db, [SECRET], tokens=["desk1"])
    token = first.tokens["desk1"]
    for body in bodies[:30]:
        assert post_event(first.url, body, SECRET).status_code == 200
    seen = read_all(first.url, token)
    first.stop()
    with start_relay(relay_db, [SECRET]) as second:
        for body in bodies[25:]:  # Stripe re-sends a few the first relay had acknowledged
            assert post_event(second.url, body, SECRET).status_code == 200
        rest = read_all(second.url, token, after=seen[-1]["cursor"])
        everything = read_all(second.url, token)
    assert [e["id"] for e in seen] == ids[:30]
    assert [e["id"] for e in rest] == ids[30:]
    assert everything == seen + rest
    cursors = [e["cursor"] for e in everything]
    assert cursors == sorted(set(cursors))


def test_kill_9_mid_stream_keeps_every_acknowledged_event(relay_process, relay_db):
    token = issue_tokens(relay_db, ["desk1"])["desk1"]
    proc = relay_process(relay_db)
    acked: list[str] = []
    lock = threading.Lock()

    def sender() -> None:
        with httpx.Client(timeout=5) as client:
            while True:
                body = make_event()
                try:
                    ok = post_event(proc.url, body, SECRET, client).status_code == 200
                except httpx.HTTPError:
                    return
                if ok:
                    with lock:
                        acked.append(json.loads(body)["id"])

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acked) >= 150, 30, "150 acknowledged events")
    proc.kill()
    for t in threads:
        t.join(10)
    again = relay_process(relay_db)
    stored = {e["id"] for e in read_all(again.url, token)}
    assert set(acked) <= stored
    assert len(acked) >= 150


def test_a_locked_database_delays_acks_but_not_the_rest(relay, desk, tmp_path):
    """Another process holds SQLite's write lock: webhooks wait (then succeed), polls don't."""
    blocker = sqlite3.connect(tmp_path / "relay.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    answers: list[httpx.Response] = []
    body = make_event(event_id="evt_waited")
    sender = threading.Thread(target=lambda: answers.append(post_event(relay.url, body, SECRET)))
    sender.start()
    try:
        wait_until(lambda: health(relay)["uncommitted"] == 1, 10, "the webhook to be waiting")
        started = time.monotonic()
        assert httpx.get(relay.url + "/healthz").status_code == 200
        assert desk.get("/v1/events").json()["events"] == []
        assert time.monotonic() - started < 2
        assert answers == []  # no 200 while the event cannot be committed
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    sender.join(15)
    assert answers[0].status_code == 200
    assert [e["id"] for e in desk.get("/v1/events").json()["events"]] == ["evt_waited"]


def health(relay) -> dict:
    return httpx.get(relay.url + "/healthz").json()
