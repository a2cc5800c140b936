"""The relay on PostgreSQL: LISTEN/NOTIFY across processes, cursor order, a lost database.

Uses the `pg_url` fixture (tests/conftest.py): skipped, with the reason, without
FEE_KIOSK_TEST_PG or when it is unreachable.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.engine import make_url

from kiosk.relay import start_relay
from kiosk.relay.embedded import issue_tokens
from kiosk.relay.testing import make_event, post, post_event, sign
from tests.relay.conftest import SECRET, wait_until
from tests.relay.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres
NO_FALLBACK = {"FEE_KIOSK_RELAY_POLL_FALLBACK": "30"}  # only a NOTIFY can wake a poll


def held_polls(url: str) -> int:
    return httpx.get(url + "/healthz").json()["long_polls"]


def poll_in_thread(url: str, token: str, after: int = 0) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def run() -> None:
        r = httpx.get(
            url + "/v1/events",
            params={"after": after, "wait": 20},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        result.update(page=r.json(), at=time.monotonic())

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_round_trip_duplicates_and_wake_up(pg_url, monkeypatch):
    monkeypatch.setenv("PGTZ", "Asia/Kolkata")  # a session zone that is not UTC
    with start_relay(pg_url, [SECRET], tokens=["desk1"]) as relay:
        token = relay.tokens["desk1"]
        thread, result = poll_in_thread(relay.url, token)
        wait_until(lambda: held_polls(relay.url) == 1, 10, "a held long-poll")
        body = make_event()
        assert post_event(relay.url, body, SECRET).json() == {"received": True, "duplicate": False}
        acked = time.monotonic()
        assert post_event(relay.url, body, SECRET).json()["duplicate"] is True
        thread.join(10)
        assert [e["id"] for e in result["page"]["events"]] == [json.loads(body)["id"]]
        assert result["at"] - acked < 0.25
        health = httpx.get(relay.url + "/healthz").json()
        assert health["dialect"] == "postgresql"
        for moment in (health["last_event_at"], result["page"]["events"][0]["received_at"]):
            assert abs(datetime.now(UTC) - datetime.fromisoformat(moment)) < timedelta(seconds=30)


def test_bad_input_is_400_on_postgresql_too(pg_url):
    with start_relay(pg_url, [SECRET], tokens=["desk1"]) as relay:
        auth = {"Authorization": f"Bearer {relay.tokens['desk1']}"}
        for params in ({"types": "a,\x00"}, {"after": 2**63}, {"limit": 0}):
            r = httpx.get(relay.url + "/v1/events", params=params, headers=auth)
            assert r.status_code == 400, (params, r.text)
        body = b'{"id": "evt_nul", "object": "event", "type": "a\\u0000b"}'
        assert post(relay.url, body, sign(body, [SECRET])).status_code == 400


def test_webhook_on_one_relay_wakes_a_long_poll_on_another(pg_url, relay_process):
    token = issue_tokens(pg_url, ["desk1"])["desk1"]
    a = relay_process(pg_url, **NO_FALLBACK)
    b = relay_process(pg_url, **NO_FALLBACK)
    thread, result = poll_in_thread(b.url, token)
    wait_until(lambda: held_polls(b.url) == 1, 10, "a long-poll held on relay B")
    body = make_event()
    assert post_event(a.url, body, SECRET).status_code == 200
    acked = time.monotonic()
    thread.join(10)
    assert [e["id"] for e in result["page"]["events"]] == [json.loads(body)["id"]]
    assert result["at"] - acked < 0.5


def test_two_workers_wake_every_held_poll(pg_url, relay_process):
    token = issue_tokens(pg_url, ["desk1"])["desk1"]
    proc = relay_process(pg_url, "--workers", "2", **NO_FALLBACK)
    polls = [poll_in_thread(proc.url, token) for _ in range(8)]
    wait_until(lambda: held_polls(proc.url) >= 1, 10, "held long-polls")
    body = make_event()
    assert post_event(proc.url, body, SECRET).status_code == 200
    acked = time.monotonic()
    for thread, result in polls:
        thread.join(10)
        assert [e["id"] for e in result["page"]["events"]] == [json.loads(body)["id"]]
        assert result["at"] - acked < 0.5
    started = {line["pid"] for line in proc.log_lines() if "startup complete" in line["msg"]}
    assert len(started) == 2  # both workers up before the polls, both logging JSON lines


def test_concurrent_writers_on_two_relays_never_make_a_reader_skip(pg_url, relay_process):
    token = issue_tokens(pg_url, ["desk1"])["desk1"]
    relays = [relay_process(pg_url), relay_process(pg_url)]
    bodies = [make_event() for _ in range(200)]
    seen: list[dict] = []
    done = threading.Event()

    def reader() -> None:
        after = 0
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as c:
            while not done.is_set() or after < max_cursor:
                page = c.get(relays[0].url + "/v1/events", params={"after": after, "wait": 0.2})
                seen.extend(page.json()["events"])
                after = page.json()["cursor"]

    max_cursor = 2**62
    thread = threading.Thread(target=reader)
    thread.start()
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda i: post_event(relays[i % 2].url, bodies[i], SECRET), range(len(bodies)))
        )
    assert {a.status_code for a in answers} == {200}
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as c:
        everything = c.get(relays[1].url + "/v1/events", params={"limit": 1000}).json()
    max_cursor = everything["cursor"]
    done.set()
    thread.join(30)
    assert [e["id"] for e in seen] == [e["id"] for e in everything["events"]]
    assert {e["id"] for e in seen} == {json.loads(b)["id"] for b in bodies}


def test_lost_database_is_503_then_recovers_with_listen(pg_url):
    url = make_url(pg_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    token = issue_tokens(pg_url, ["desk1"])["desk1"]
    with (
        start_relay(via_proxy, [SECRET], poll_fallback=30) as cut,
        start_relay(pg_url, [SECRET]) as other,
    ):
        wait_until(lambda: health(cut)["listen"] == "up", 10, "LISTEN on the relay via proxy")
        assert post_event(cut.url, make_event(), SECRET).status_code == 200
        proxy.close()
        assert httpx.get(cut.url + "/healthz").status_code == 503
        assert post_event(cut.url, make_event(), SECRET).status_code == 503
        feed = httpx.get(cut.url + "/v1/events", headers={"Authorization": f"Bearer {token}"})
        assert feed.status_code == 503
        wait_until(lambda: health(cut)["listen"] == "down", 10, "the LISTEN loss to be seen")
        proxy = TcpProxy(proxy.target, proxy.port)
        wait_until(lambda: health(cut)["listen"] == "up", 20, "LISTEN to reconnect")
        assert health(cut)["database"] == "reachable"
        after = httpx.get(
            cut.url + "/v1/events",
            params={"limit": 1000},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["cursor"]
        thread, result = poll_in_thread(cut.url, token, after)
        wait_until(lambda: held_polls(cut.url) == 1, 10, "a long-poll held on the cut relay")
        body = make_event()
        assert post_event(other.url, body, SECRET).status_code == 200  # the other relay
        acked = time.monotonic()
        thread.join(10)
        assert [e["id"] for e in result["page"]["events"]] == [json.loads(body)["id"]]
        assert result["at"] - acked < 0.5
        proxy.close()


def health(relay) -> dict:
    return httpx.get(relay.url + "/healthz").json()


def test_revoking_a_token_ends_held_long_polls_on_other_relays_at_once(
    pg_url, relay_process, run_cli
):
    from tests.relay.test_events import held_poll

    tokens = issue_tokens(pg_url, ["desk1", "desk2"])
    a = relay_process(pg_url, **NO_FALLBACK)
    b = relay_process(pg_url, **NO_FALLBACK)
    polls = [held_poll(relay.url, tokens["desk1"]) for relay in (a, b, b)]
    other, other_result = held_poll(b.url, tokens["desk2"])
    wait_until(lambda: held_polls(a.url) == 1 and held_polls(b.url) == 3, 10, "held polls")
    assert run_cli("token", "revoke", "desk1", "--db", pg_url).returncode == 0
    revoked = time.monotonic()
    for thread, result in polls:
        thread.join(10)
        assert result["status"] == 401
        assert result["at"] - revoked < 1.0  # a NOTIFY, not the (30 s) fallback
    assert other.is_alive()
    assert post_event(a.url, make_event(), SECRET).status_code == 200
    other.join(10)
    assert other_result["status"] == 200
