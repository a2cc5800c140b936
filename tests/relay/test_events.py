"""GET /v1/events: pages by cursor, type filter, long-poll, parameter errors, tokens."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kiosk.relay.testing import make_event, post_event
from tests.relay.conftest import SECRET, wait_until


def send(relay, n: int, type: str = "checkout.session.completed") -> list[bytes]:
    bodies = [make_event(type) for _ in range(n)]
    for body in bodies:
        assert post_event(relay.url, body, SECRET).status_code == 200
    return bodies


def test_pages_by_cursor_and_returns_the_stripe_event(relay, desk):
    bodies = send(relay, 5)
    first = desk.get("/v1/events", params={"limit": 2}).json()
    cursors = [e["cursor"] for e in first["events"]]
    assert len(cursors) == 2 and cursors[0] < cursors[1] == first["cursor"]
    rest = desk.get("/v1/events", params={"after": first["cursor"]}).json()
    events = first["events"] + rest["events"]
    assert [e["payload"] for e in events] == [json.loads(b) for b in bodies]
    assert [e["id"] for e in events] == [json.loads(b)["id"] for b in bodies]
    assert {e["type"] for e in events} == {"checkout.session.completed"}
    received = datetime.fromisoformat(events[0]["received_at"])
    assert received.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - received) < timedelta(seconds=30)
    empty = desk.get("/v1/events", params={"after": rest["cursor"]}).json()
    assert empty == {"events": [], "cursor": rest["cursor"]}


def test_types_filter(relay, desk):
    send(relay, 2, "charge.refunded")
    send(relay, 1, "checkout.session.expired")
    send(relay, 1, "refund.created")
    page = desk.get("/v1/events", params={"types": "refund.created, checkout.session.expired"})
    assert [e["type"] for e in page.json()["events"]] == [
        "checkout.session.expired",
        "refund.created",
    ]


def test_empty_feed_answers_with_after_as_cursor(desk):
    assert desk.get("/v1/events", params={"after": 41}).json() == {"events": [], "cursor": 41}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": "ten"},
        {"wait": 61},
        {"wait": -1},
        {"wait": "nan"},
        {"wait": "inf"},
        {"after": -1},
        {"after": 2**63},
        {"after": "x"},
        {"types": ",".join(f"t{i}" for i in range(51))},
        {"types": "charge.refunded,\x00"},
    ],
)
def test_bad_parameters_are_400_json(desk, params):
    r = desk.get("/v1/events", params=params)
    assert r.status_code == 400, r.text
    assert r.json()["detail"]
    assert next(iter(params)) in r.json()["detail"]


def test_long_poll_answers_at_once_when_events_wait(relay, desk):
    send(relay, 1)
    started = time.monotonic()
    page = desk.get("/v1/events", params={"wait": 30}).json()
    assert len(page["events"]) == 1
    assert time.monotonic() - started < 1.0


def test_long_poll_is_woken_by_a_webhook(relay, desk):
    result: dict[str, object] = {}

    def poll() -> None:
        result["page"] = desk.get("/v1/events", params={"wait": 20}).json()
        result["at"] = time.monotonic()

    poller = threading.Thread(target=poll)
    poller.start()
    wait_for_held_polls(relay, 1)
    body = make_event()
    assert post_event(relay.url, body, SECRET).status_code == 200
    acked = time.monotonic()
    poller.join(10)
    assert result["page"]["events"][0]["id"] == json.loads(body)["id"]
    assert result["at"] - acked < 0.25


def test_long_poll_ends_empty_when_the_wait_ends(desk):
    started = time.monotonic()
    page = desk.get("/v1/events", params={"wait": 0.6, "after": 5}).json()
    elapsed = time.monotonic() - started
    assert page == {"events": [], "cursor": 5}
    assert 0.55 <= elapsed < 3


def test_filtered_long_poll_ignores_other_types(relay, desk):
    result: dict = {}
    poller = threading.Thread(
        target=lambda: result.update(
            desk.get("/v1/events", params={"wait": 1, "types": "refund.failed"}).json()
        )
    )
    started = time.monotonic()
    poller.start()
    wait_for_held_polls(relay, 1)
    send(relay, 1, "charge.refunded")
    poller.join(10)
    assert result["events"] == []
    assert time.monotonic() - started >= 0.95


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic ZGVzazE6eA=="},
        {"Authorization": "Bearer fkr_not_a_real_token"},
        {"Authorization": "Bearer ÿ".encode("latin-1")},
    ],
)
def test_missing_or_unknown_token_is_401(relay, headers):
    r = httpx.get(relay.url + "/v1/events", headers=headers)
    assert r.status_code == 401
    assert r.json()["detail"]


def wait_for_held_polls(relay, n: int) -> None:
    """Until the relay reports `n` long-polls held (so the webhook comes after them)."""
    wait_until(
        lambda: httpx.get(relay.url + "/healthz").json()["long_polls"] >= n,
        10,
        f"{n} held long-polls",
    )


def test_pages_of_big_events_stop_at_a_few_mebibytes(relay, desk):
    big = [make_event(event_id=f"evt_big{i}", pad="x" * 900_000) for i in range(6)]
    for body in big:
        assert post_event(relay.url, body, SECRET).status_code == 200
    first = desk.get("/v1/events", params={"limit": 1000}).json()
    assert 1 <= len(first["events"]) <= 4
    rest = desk.get("/v1/events", params={"after": first["cursor"], "limit": 1000}).json()
    ids = [e["id"] for e in first["events"] + rest["events"]]
    assert ids == [f"evt_big{i}" for i in range(6)]


def test_one_webhook_wakes_thirty_held_polls(relay, desk):
    results: list[tuple[float, dict]] = []

    def poll() -> None:
        page = desk.get("/v1/events", params={"wait": 20}).json()
        results.append((time.monotonic(), page))

    pollers = [threading.Thread(target=poll) for _ in range(30)]
    for t in pollers:
        t.start()
    wait_for_held_polls(relay, 30)
    body = make_event()
    assert post_event(relay.url, body, SECRET).status_code == 200
    acked = time.monotonic()
    for t in pollers:
        t.join(10)
    assert len(results) == 30
    assert all(page["events"][0]["id"] == json.loads(body)["id"] for _, page in results)
    assert max(at for at, _ in results) - acked < 1.0


def test_stopping_an_embedded_relay_answers_held_polls_at_once(tmp_path):
    """A desk's held long-poll gets its (empty) answer when the relay stops, instead of
    being cancelled by the server's shutdown timeout."""
    import threading
    import time

    import httpx

    from kiosk.relay.embedded import start_relay

    relay = start_relay(f"sqlite:///{tmp_path / 'r.db'}", ["whsec_stop_test"], ["d"])
    answer: dict = {}

    def poll() -> None:
        resp = httpx.get(
            f"{relay.url}/v1/events",
            params={"wait": 30},
            headers={"Authorization": f"Bearer {relay.tokens['d']}"},
            timeout=40,
        )
        answer["status"], answer["body"] = resp.status_code, resp.json()

    thread = threading.Thread(target=poll)
    thread.start()
    wait_for_held_polls(relay, 1)
    started = time.monotonic()
    relay.stop()
    thread.join(10)
    assert answer == {"status": 200, "body": {"events": [], "cursor": 0}}
    assert time.monotonic() - started < 0.9  # well inside the 1 s shutdown timeout


def test_padded_token_works_and_inner_whitespace_is_refused(relay):
    token = relay.tokens["desk1"]
    feed = relay.url + "/v1/events"
    for padded in (f"Bearer   {token}", f"Bearer \t {token}"):  # trailing: the server strips
        assert httpx.get(feed, headers={"Authorization": padded}).status_code == 200, padded
    for broken in (f"Bearer {token[:10]} {token[10:]}", f"Bearer {token[:10]}\t{token[10:]}"):
        r = httpx.get(feed, headers={"Authorization": broken})
        assert r.status_code == 401 and "malformed" in r.json()["detail"]


def held_poll(url: str, token: str, wait: float = 30) -> tuple[threading.Thread, dict]:
    """A long-poll in a thread; `result` gets its status and when it answered."""
    result: dict = {}

    def run() -> None:
        r = httpx.get(
            url + "/v1/events",
            params={"wait": wait},
            headers={"Authorization": f"Bearer {token}"},
            timeout=wait + 10,
        )
        result.update(status=r.status_code, at=time.monotonic())

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_revoking_a_token_ends_its_held_long_poll_on_sqlite(relay_db, run_cli):
    from kiosk.relay import start_relay

    with start_relay(relay_db, [SECRET], tokens=["desk1", "desk2"]) as relay:
        doomed, doomed_result = held_poll(relay.url, relay.tokens["desk1"])
        other, other_result = held_poll(relay.url, relay.tokens["desk2"])
        wait_for_held_polls(relay, 2)
        assert run_cli("token", "revoke", "desk1", "--db", relay_db).returncode == 0
        revoked = time.monotonic()
        doomed.join(10)
        assert doomed_result["status"] == 401
        assert doomed_result["at"] - revoked < 2.5  # poll_fallback is 1 s on SQLite
        assert other.is_alive()  # another desk's poll is still held
        send(relay, 1)
        other.join(10)
        assert other_result["status"] == 200
