"""`python main.py relay ...` in subprocesses: tokens, prune, serve's refusal, metrics line."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
import time

import httpx

from kiosk.relay import start_relay
from kiosk.relay.embedded import issue_tokens
from kiosk.relay.testing import make_event, post, sign
from tests.relay.conftest import SECRET, received, wait_until


def test_token_create_list_revoke_against_a_live_relay(run_cli, relay_db):
    created = run_cli("token", "create", "desk7", "--db", relay_db)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("fkr_") and len(token) > 40
    assert token not in run_cli("token", "list", "--db", relay_db).stdout
    with start_relay(relay_db, [SECRET]) as relay:
        feed = relay.url + "/v1/events"
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.get(feed, headers=auth).status_code == 200
        listing = run_cli("token", "list", "--db", relay_db).stdout
        assert "desk7" in listing and "active" in listing
        assert run_cli("token", "revoke", "desk7", "--db", relay_db).returncode == 0
        assert httpx.get(feed, headers=auth).status_code == 401
        assert "revoked" in run_cli("token", "list", "--db", relay_db).stdout


def test_token_is_stored_only_as_a_hash(run_cli, relay_db, tmp_path):
    token = run_cli("token", "create", "desk1", "--db", relay_db).stdout.splitlines()[-1]
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("relay.db*"))  # with the WAL
    assert hashlib.sha256(token.encode()).hexdigest().encode() in raw
    assert token.encode() not in raw
    assert token[4:].encode() not in raw


def test_token_errors_are_one_line(run_cli, relay_db):
    assert run_cli("token", "create", "desk1", "--db", relay_db).returncode == 0
    again = run_cli("token", "create", "desk1", "--db", relay_db)
    assert again.returncode == 1 and "already has a token" in again.stderr
    missing = run_cli("token", "revoke", "nobody", "--db", relay_db)
    assert missing.returncode == 1 and "no desk token named 'nobody'" in missing.stderr
    assert "Traceback" not in again.stderr + missing.stderr


def test_default_db_is_relay_db_in_the_home(run_cli, tmp_path):
    assert run_cli("token", "create", "desk1").returncode == 0
    assert (tmp_path / "home" / "relay.db").exists()


def test_prune_deletes_only_old_events(run_cli, relay_db, event_store):
    event_store.insert_batch([received("evt_old", 40), received("evt_new", 30)])
    result = run_cli("prune", "--days", "35", "--db", relay_db)
    assert result.returncode == 0 and "pruned 1 " in result.stdout
    assert [e.event_id for e in event_store.fetch(0, 10)] == ["evt_new"]
    assert "pruned 1 " in run_cli("prune", "--days", "29", "--db", relay_db).stdout


def test_serve_refuses_without_a_secret(run_cli, relay_db):
    result = run_cli("serve", "--db", relay_db, "--port", "0")
    assert result.returncode == 1
    assert "STRIPE_WEBHOOK_SECRET" in result.stderr and "keyring" in result.stderr


def test_serve_logs_json_lines_and_a_metrics_line(relay_process, relay_db):
    proc = relay_process(relay_db, FEE_KIOSK_RELAY_METRICS_INTERVAL="0.3")
    body = make_event()
    assert post(proc.url, body, sign(body, [SECRET])).status_code == 200
    assert post(proc.url, body, sign(body, [SECRET])).json()["duplicate"] is True
    assert post(proc.url, body, "t=1,v1=00").status_code == 400
    assert post(proc.url, b"{}", sign(b"{}", [SECRET])).status_code == 400

    def totals() -> dict | None:
        lines = [line for line in proc.log_lines() if line["msg"] == "metrics"]
        received = sum(line["metrics"]["received"] for line in lines)
        return lines if received >= 2 else None

    lines = wait_until(totals, 10, "a metrics line counting the webhooks")
    rejected: dict[str, int] = {}
    for line in lines:
        for reason, n in line["metrics"]["rejected"].items():
            rejected[reason] = rejected.get(reason, 0) + n
    assert sum(line["metrics"]["duplicates"] for line in lines) == 1
    assert rejected == {"bad_signature": 1, "not_event": 1}
    assert all({"ts", "level", "logger", "msg"} <= set(line) for line in proc.log_lines())
    assert not [line for line in proc.log_lines() if line["logger"] == "uvicorn.access"]
    assert SECRET not in proc.log_path.read_text()


def test_serve_refuses_an_unreachable_database_in_one_line(run_cli):
    result = run_cli(
        "serve", "--db", "postgresql://nobody@127.0.0.1:1/x", STRIPE_WEBHOOK_SECRET=SECRET
    )
    assert result.returncode == 1
    assert "cannot open the relay database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_stops_promptly_with_long_polls_held(relay_process, relay_db):
    token = issue_tokens(relay_db, ["desk1"])["desk1"]
    proc = relay_process(relay_db)
    poller = threading.Thread(target=lambda: _poll_quietly(proc.url, token))
    poller.start()
    wait_until(
        lambda: httpx.get(proc.url + "/healthz").json()["long_polls"] == 1, 10, "a held long-poll"
    )
    started = time.monotonic()
    proc.proc.send_signal(signal.SIGTERM)
    proc.proc.wait(20)
    assert time.monotonic() - started < 10  # graceful, but a 60 s poll does not hold it up
    assert proc.proc.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises it when done
    messages = [line["msg"] for line in proc.log_lines()]
    done = messages.index("Application shutdown complete.")  # writer drained, engine closed
    assert messages[done - 1] == "metrics"  # the last, partial interval
    poller.join(10)


def _poll_quietly(url: str, token: str) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(
            url + "/v1/events",
            params={"wait": 60},
            headers={"Authorization": f"Bearer {token}"},
            timeout=70,
        )


def test_access_log_never_shows_a_desk_token(relay_process, relay_db):
    token = issue_tokens(relay_db, ["desk1"])["desk1"]
    proc = relay_process(relay_db, "--access-log")
    feed = proc.url + "/v1/events"
    assert httpx.get(feed, params={"token": token}).status_code == 401  # wrong place: logged
    assert httpx.get(feed + f"?auth=Bearer%20{token}").status_code == 401
    assert httpx.get(feed, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    def access_lines() -> list[dict] | None:
        lines = [line for line in proc.log_lines() if line["logger"] == "uvicorn.access"]
        return lines if len(lines) >= 3 else None

    access = wait_until(access_lines, 10, "three access log lines")
    assert sum("fkr_[redacted]" in line["msg"] for line in access) == 2
    text = proc.log_path.read_text()
    assert token not in text and token[4:] not in text and token[-12:] not in text
