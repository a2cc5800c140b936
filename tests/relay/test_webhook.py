"""POST /stripe/webhook: signatures, size, shape, duplicates, commit-before-200."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from kiosk.relay import start_relay
from kiosk.relay.testing import make_event, post, post_event, sign
from tests.relay.conftest import OLD_SECRET, SECRET

MiB = 1024 * 1024


def stored_ids(desk: httpx.Client) -> list[str]:
    return [e["id"] for e in desk.get("/v1/events", params={"limit": 1000}).json()["events"]]


def test_good_signature_is_stored_byte_for_byte(relay, desk, relay_db):
    body = b'{"id": "evt_exact",  "object":"event",\n "type": "charge.refunded", "data": {}}'
    r = post_event(relay.url, body, SECRET)
    assert r.status_code == 200
    assert r.json() == {"received": True, "duplicate": False}
    engine = create_engine(relay_db)
    with engine.connect() as conn:  # committed before the 200: a fresh connection sees it
        row = conn.execute(text("SELECT event_id, type, payload FROM relay_events")).one()
    engine.dispose()
    assert row == ("evt_exact", "charge.refunded", body)
    event = desk.get("/v1/events").json()["events"][0]
    assert event["payload"] == json.loads(body)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing_signature"),
        ("", "missing_signature"),
        ("garbage", "malformed_signature"),
        ("t=notanumber,v1=abc", "malformed_signature"),
        ("t=1700000000", "malformed_signature"),
        ("t=1700000000,v0=abc", "malformed_signature"),
        (b"t=1700000000,v1=\xff\xff", "bad_signature"),  # not ASCII
    ],
)
def test_bad_headers_are_400(relay, desk, header, reason):
    r = post(relay.url, make_event(), header)
    assert r.status_code == 400
    assert r.json()["reason"] == reason
    assert stored_ids(desk) == []


def test_wrong_secret_and_tampered_body_are_400(relay, desk):
    body = make_event()
    assert post(relay.url, body, sign(body, ["whsec_someone_else"])).json()["reason"] == (
        "bad_signature"
    )
    tampered = post(relay.url, body.replace(b"false", b"true "), sign(body, [SECRET]))
    assert tampered.status_code == 400
    assert stored_ids(desk) == []


def test_stale_timestamp_is_400_and_fresh_edge_passes(relay, desk):
    old = make_event()
    r = post(relay.url, old, sign(old, [SECRET], timestamp=int(time.time()) - 301))
    assert (r.status_code, r.json()["reason"]) == (400, "stale_timestamp")
    recent = make_event()
    assert post(relay.url, recent, sign(recent, [SECRET], int(time.time()) - 250)).is_success
    assert stored_ids(desk) == [json.loads(recent)["id"]]


def test_future_timestamp_is_400_and_near_future_passes(relay, desk):
    ahead = make_event()
    r = post(relay.url, ahead, sign(ahead, [SECRET], timestamp=int(time.time()) + 301))
    assert (r.status_code, r.json()["reason"]) == (400, "future_timestamp")
    assert "ahead of the relay's clock" in r.json()["detail"]
    far = make_event()
    r = post(relay.url, far, sign(far, [OLD_SECRET, SECRET], timestamp=2**40))
    assert (r.status_code, r.json()["reason"]) == (400, "future_timestamp")
    skewed = make_event()  # a sender clock a little fast is fine, as a little slow is
    assert post(relay.url, skewed, sign(skewed, [SECRET], int(time.time()) + 250)).is_success
    assert stored_ids(desk) == [json.loads(skewed)["id"]]
    assert relay.app.state.relay.metrics.rejected["future_timestamp"] == 2


def test_rotated_secret_accepts_either_and_both(relay_db):
    with start_relay(relay_db, [SECRET, OLD_SECRET], tokens=["d"]) as relay:
        for secrets in ([SECRET], [OLD_SECRET], [OLD_SECRET, SECRET], ["whsec_x", SECRET]):
            body = make_event()
            assert post(relay.url, body, sign(body, secrets)).status_code == 200, secrets
        body = make_event()
        assert post(relay.url, body, sign(body, ["whsec_retired"])).status_code == 400


def test_over_one_mebibyte_is_413_by_header_and_by_stream(relay, desk):
    body = make_event(padding="x" * MiB)
    assert post(relay.url, body, sign(body, [SECRET])).status_code == 413

    def chunks():  # no Content-Length: the relay must count while streaming
        for i in range(0, len(body), 64 * 1024):
            yield body[i : i + 64 * 1024]

    r = httpx.post(
        relay.url + "/stripe/webhook",
        content=chunks(),
        headers={"Stripe-Signature": sign(body, [SECRET])},
    )
    assert r.status_code == 413
    assert stored_ids(desk) == []


def test_exactly_one_mebibyte_is_accepted(relay, desk):
    body = make_event(event_id="evt_big", padding="")
    body = body.replace(b'"padding": ""', b'"padding": "' + b"x" * (MiB - len(body)) + b'"')
    assert len(body) == MiB
    assert post(relay.url, body, sign(body, [SECRET])).status_code == 200
    assert stored_ids(desk) == ["evt_big"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json at all", "not_json"),
        (b"\xff\xfe{}", "bad_signature"),  # not UTF-8: cannot even be verified
        (b"[1, 2, 3]", "not_event"),
        (b'{"id": "ch_123", "object": "event", "type": "x"}', "not_event"),
        (b'{"id": "evt_1", "object": "charge", "type": "x"}', "not_event"),
        (b'{"id": "evt_1", "object": "event"}', "not_event"),
        (b'{"id": "evt_1", "object": "event", "type": 7}', "not_event"),
        (b'{"id": "evt_1\\u0000", "object": "event", "type": "x"}', "not_event"),
        (b"[" * 100_000 + b"]" * 100_000, "not_json"),
    ],
)
def test_signed_bodies_that_are_not_events_are_400(relay, desk, body, reason):
    header = sign(body, [SECRET]) if reason != "bad_signature" else "t=1,v1=" + "0" * 64
    r = post(relay.url, body, header)
    assert (r.status_code, r.json()["reason"]) == (400, reason)
    assert stored_ids(desk) == []


def test_duplicates_are_200_and_stored_once(relay, desk):
    body = make_event(event_id="evt_dup")
    answers = [post_event(relay.url, body, SECRET).json() for _ in range(3)]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    assert stored_ids(desk) == ["evt_dup"]


def test_concurrent_duplicates_store_one_and_report_one_new(relay, desk):
    body = make_event(event_id="evt_race")
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: post_event(relay.url, body, SECRET), range(32)))
    assert {a.status_code for a in answers} == {200}
    assert sum(not a.json()["duplicate"] for a in answers) == 1
    assert stored_ids(desk) == ["evt_race"]


def test_settings_come_from_an_overridable_dependency(relay, desk):
    from kiosk.relay.deps import get_settings

    small = relay.settings.model_copy(
        update={"max_body_bytes": 1000, "webhook_secrets": (OLD_SECRET,)}
    )
    relay.app.dependency_overrides[get_settings] = lambda: small
    try:
        assert post_event(relay.url, make_event(), SECRET).status_code == 400
        assert post_event(relay.url, make_event(pad="x" * 1000), OLD_SECRET).status_code == 413
        assert post_event(relay.url, make_event(event_id="evt_small"), OLD_SECRET).is_success
    finally:
        relay.app.dependency_overrides.clear()
    assert stored_ids(desk) == ["evt_small"]
