"""--state FILE: state survives a restart (in-process and through `python main.py sandbox`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import stripe

from kiosk.sandbox import start_sandbox
from tests.sandbox.conftest import make_client, pay, wait_for

ROOT = Path(__file__).resolve().parents[2]
SESSION = {
    "mode": "payment",
    "line_items": [
        {
            "price_data": {
                "currency": "inr",
                "unit_amount": 70000,
                "product_data": {"name": "Hostel"},
            },
            "quantity": 1,
        }
    ],
}


def test_state_survives_restart(tmp_path):
    state = tmp_path / "sandbox.json"
    with start_sandbox(state_file=str(state)) as first:
        client = make_client(first.url)
        cus = client.v1.customers.create({"email": "keep@example.edu"})
        done = pay(client, client.v1.checkout.sessions.create(SESSION).id)
        still_open = client.v1.checkout.sessions.create(SESSION)
        ep = client.v1.webhook_endpoints.create(
            {"url": "http://127.0.0.1:9/x", "enabled_events": ["charge.refunded"]}
        )
        event_ids = [e.id for e in client.v1.events.list({"limit": 100}).data]
    assert json.loads(state.read_text())["version"] == 1
    with start_sandbox(state_file=str(state)) as second:
        client = make_client(second.url)
        assert client.v1.customers.retrieve(cus.id).email == "keep@example.edu"
        assert client.v1.checkout.sessions.retrieve(done.id).payment_status == "paid"
        assert [e.id for e in client.v1.events.list({"limit": 100}).data] == event_ids
        assert client.v1.webhook_endpoints.list().data[0].id == ep.id
        assert pay(client, still_open.id).status == "complete"
        refund = client.v1.refunds.create({"payment_intent": done.payment_intent})
        assert refund.amount == 70000


def test_pending_refund_failure_resumes_after_restart(tmp_path):
    state = tmp_path / "sandbox.json"
    with start_sandbox(state_file=str(state), refund_failure_delay=30) as first:
        client = make_client(first.url)
        done = pay(client, client.v1.checkout.sessions.create(SESSION).id, "4000000000005126")
        refund = client.v1.refunds.create({"payment_intent": done.payment_intent})
    with start_sandbox(state_file=str(state), refund_failure_delay=0.05) as second:
        client = make_client(second.url)
        wait_for(
            lambda: client.v1.refunds.retrieve(refund.id).status == "failed",
            what="resumed refund failure",
        )


@pytest.mark.parametrize("text", ["{not json", "{}", "[1, 2]", '{"version": 1, "objects": []}'])
def test_corrupt_state_file_is_reported(tmp_path, text):
    state = tmp_path / "bad.json"
    state.write_text(text)
    with pytest.raises(ValueError):
        start_sandbox(state_file=str(state))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int, state: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "main.py", "sandbox", "--port", str(port), "--state", str(state)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _ready(client: stripe.StripeClient) -> bool:
    try:
        client.v1.customers.list({"limit": 1})
        return True
    except stripe.APIConnectionError:
        return False


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=15)
    return out.decode()


@pytest.mark.slow
def test_cli_serves_and_persists(tmp_path):
    state, port = tmp_path / "cli-state.json", _free_port()
    client = make_client(f"http://127.0.0.1:{port}")
    proc = _serve(port, state)
    try:
        wait_for(lambda: _ready(client), timeout=20, what="CLI sandbox")
        cus = client.v1.customers.create({"email": "cli@example.edu"})
    finally:
        output = _stop(proc)
    assert "Stripe sandbox" in output and state.exists()
    proc = _serve(port, state)
    try:
        wait_for(lambda: _ready(client), timeout=20, what="restarted CLI sandbox")
        assert client.v1.customers.retrieve(cus.id).email == "cli@example.edu"
    finally:
        _stop(proc)


def test_cli_reports_a_busy_port(capsys):
    from kiosk.cli.main import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["sandbox", "--port", str(busy.getsockname()[1])]) == 1
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--port", "70000"], "invalid port"),
        (["--public-url", "192.168.1.20:12111"], "--public-url must start with http"),
        (["--rate-limit", "0"], "--rate-limit must be a positive number"),
    ],
)
def test_cli_rejects_bad_arguments(capsys, args, message):
    from kiosk.cli.main import main

    assert main(["sandbox", *args]) == 1
    assert message in capsys.readouterr().err


def test_cli_reports_a_corrupt_state_file(capsys, tmp_path):
    from kiosk.cli.main import main

    bad = tmp_path / "state.json"
    bad.write_text("][")
    assert main(["sandbox", "--port", str(_free_port()), "--state", str(bad)]) == 1
    assert "cannot use sandbox state" in capsys.readouterr().err


def test_cli_module_imports_stay_light():
    code = (
        "import sys, kiosk.sandbox.cli, kiosk.sandbox; "
        "heavy = {'fastapi', 'uvicorn', 'starlette', 'stripe', 'babel', 'requests'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_unwritable_state_path_fails_at_start(tmp_path, capsys):
    from kiosk.cli.main import main

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError):
        start_sandbox(state_file=str(blocker / "state.json"))
    assert (
        main(["sandbox", "--port", str(_free_port()), "--state", str(blocker / "state.json")]) == 1
    )
    assert "cannot use sandbox state" in capsys.readouterr().err


def test_new_state_file_is_written_at_start(tmp_path):
    state = tmp_path / "deep" / "state.json"
    with start_sandbox(state_file=str(state)):
        assert json.loads(state.read_text())["version"] == 1
