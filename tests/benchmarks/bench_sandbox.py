"""Sandbox throughput: Checkout Session creates per second through the stripe package.

`run()` returns rows {name, value, unit, target} for tests/benchmarks/run.py;
`python tests/benchmarks/bench_sandbox.py` prints them.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import stripe

TARGET_CREATES_PER_S = 300.0
CLIENTS = 2
SESSION = {
    "mode": "payment",
    "line_items": [
        {
            "price_data": {
                "currency": "inr",
                "unit_amount": 50000,
                "product_data": {"name": "Tuition fee"},
            },
            "quantity": 1,
        }
    ],
    "success_url": "https://kiosk.example/paid?session={CHECKOUT_SESSION_ID}",
    "metadata": {"student": "42", "fee": "tuition"},
    "payment_intent_data": {"metadata": {"ledger": "L1"}},
}


def _rate(fn: Any, seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        fn()
        count += 1
    return count / elapsed


def _creates(url: str, seconds: float) -> tuple[float, float]:
    client = stripe.StripeClient(
        "sk_test_bench", base_addresses={"api": url}, max_network_retries=0
    )
    for _ in range(50):  # warm up the connection pool and code paths
        client.v1.checkout.sessions.create(SESSION)
    creates = _rate(lambda: client.v1.checkout.sessions.create(SESSION), seconds)
    last = client.v1.checkout.sessions.list({"limit": 1}).data[0].id
    retrieves = _rate(lambda: client.v1.checkout.sessions.retrieve(last), seconds / 2)
    return creates, retrieves


@contextlib.contextmanager
def _own_process() -> Iterator[str]:
    """The sandbox as `python main.py sandbox` runs it: its own process, its own GIL."""
    import subprocess

    code = (
        "import sys; from kiosk.sandbox import start_sandbox; s = start_sandbox(); "
        "print(s.url, flush=True); sys.stdin.read(); s.stop()"
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield (proc.stdout.readline() if proc.stdout else "").strip()
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(10)


def _raw_creates(url: str, seconds: float) -> float:
    """Server capacity alone: a bare keep-alive HTTP client sending the same form."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    from stripe._encode import _api_encode

    body = urlencode(list(_api_encode(SESSION)))
    headers = {
        "Authorization": "Bearer sk_test_bench",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    conn = http.client.HTTPConnection(urlsplit(url).netloc)

    def create() -> None:
        conn.request("POST", "/v1/checkout/sessions", body, headers)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, resp.status

    for _ in range(50):
        create()
    return _rate(create, seconds)


_CLIENT = """
import json, sys, time, stripe
stripe.enable_telemetry = False
url, seconds, params = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
client = stripe.StripeClient("sk_test_bench", base_addresses={"api": url}, max_network_retries=0)
for _ in range(50):
    client.v1.checkout.sessions.create(params)
print("ready", flush=True)
sys.stdin.readline()
count, started = 0, time.perf_counter()
while time.perf_counter() - started < seconds:
    client.v1.checkout.sessions.create(params)
    count += 1
print(count / (time.perf_counter() - started), flush=True)
"""


def _concurrent_creates(url: str, seconds: float, clients: int) -> float:
    """Several stripe clients in their own processes at once (desks, test workers)."""
    import json
    import subprocess

    args = [sys.executable, "-c", _CLIENT, url, str(seconds), json.dumps(SESSION)]
    procs = [
        subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(clients)
    ]
    for proc in procs:  # all warmed up, then all start together
        assert proc.stdout and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin
        proc.stdin.write("go\n")
        proc.stdin.flush()
    rates = [float(proc.communicate(timeout=60)[0]) for proc in procs]
    return sum(rates)


def run(seconds: float = 2.0) -> list[dict[str, Any]]:
    from kiosk.sandbox import start_sandbox

    stripe.enable_telemetry = False
    with start_sandbox() as sandbox:
        creates, retrieves = _creates(sandbox.url, seconds)
    with _own_process() as url:
        separate = _creates(url, seconds)[0]
        concurrent = _concurrent_creates(url, seconds, CLIENTS)
        raw = _raw_creates(url, seconds / 2)
    target = f">= {TARGET_CREATES_PER_S:.0f}"
    return [
        {
            "name": "sandbox checkout session creates, in-process (stripe package)",
            "value": round(creates, 1),
            "unit": "req/s",
            "target": target,
        },
        {
            "name": "sandbox checkout session creates, own process (stripe package)",
            "value": round(separate, 1),
            "unit": "req/s",
            "target": "",
        },
        {
            "name": f"sandbox checkout session creates, own process, {CLIENTS} stripe clients",
            "value": round(concurrent, 1),
            "unit": "req/s",
            "target": target,
        },
        {
            "name": "sandbox server capacity, own process (bare HTTP client, creates)",
            "value": round(raw, 1),
            "unit": "req/s",
            "target": "",
        },
        {
            "name": "sandbox checkout session retrieves, in-process (stripe package)",
            "value": round(retrieves, 1),
            "unit": "req/s",
            "target": "",
        },
    ]


def main() -> int:
    rows = run()
    for row in rows:
        target = f"  (target {row['target']})" if row["target"] else ""
        print(f"{row['name']}: {row['value']} {row['unit']}{target}")
    best = max(rows[0]["value"], rows[2]["value"])
    return 0 if best >= TARGET_CREATES_PER_S else 1


if __name__ == "__main__":
    sys.exit(main())
