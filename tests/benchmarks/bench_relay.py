"""Relay benchmarks: signed-webhook ingest vs a bare FastAPI endpoint, and delivery latency.

`run()` returns rows {name, value, unit, target}; `python tests/benchmarks/bench_relay.py`
prints them. Servers run in their own processes under uvicorn (httptools, uvloop); the
load generator here is one non-blocking socket loop over keep-alive connections, so it
stays light next to the server on a 2-core machine.
"""

from __future__ import annotations

import http.client
import json
import os
import selectors
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_bench_0123456789abcdef"
CONNECTIONS = 8
INGEST_REQUESTS = 24_000
ROUNDS = 8
WARMUP_REQUESTS = 1_000
DUPLICATE_EVERY = 20  # one request in 20 re-sends an earlier event, as Stripe may

BARE_APP = """
import sys, uvicorn
from fastapi import FastAPI
app = FastAPI()

@app.post("/stripe/webhook")
async def noop():
    return {"received": True, "duplicate": False}

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def _start(cmd: list[str], port: int, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait_port(port, proc)
    return proc


def start_relay(db_path: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {
        **os.environ,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    cmd = [
        sys.executable,
        "-m",
        "kiosk.relay",
        "serve",
        "--db",
        f"sqlite:///{db_path}",
        "--port",
        str(port),
    ]
    return _start(cmd, port, env), port


def start_bare() -> tuple[subprocess.Popen, int]:
    port = _free_port()
    return _start([sys.executable, "-c", BARE_APP, str(port)], port, dict(os.environ)), port


def signed_requests(n: int) -> tuple[list[bytes], set[str]]:
    from kiosk.relay.testing import make_event, sign

    requests, ids = [], set()
    bodies: list[bytes] = []
    for i in range(n):
        if i % DUPLICATE_EVERY == DUPLICATE_EVERY - 1:
            body = bodies[i // 2]
        else:
            body = make_event(amount_total=150000, currency="inr", payment_status="paid")
        bodies.append(body)
        ids.add(json.loads(body)["id"])
        head = (
            "POST /stripe/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Stripe-Signature: {sign(body, [SECRET])}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests, ids


class _Conn:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buf = b""
        self.sent_at = 0.0

    def response_done(self) -> int | None:
        """The status code once a whole response is buffered (and consumed), else None."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buf[:end].decode("latin-1").lower()
        length = int(head.split("content-length:")[1].split("\r\n")[0])
        if len(self.buf) < end + 4 + length:
            return None
        self.buf = self.buf[end + 4 + length :]
        return int(head.split(" ", 2)[1])


def blast(port: int, requests: list[bytes], connections: int = CONNECTIONS) -> dict:
    """Closed loop: each connection sends its next request when the last one is answered."""
    sel = selectors.DefaultSelector()
    queue = iter(requests)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    for _ in range(connections):
        conn = _Conn(port)
        sel.register(conn.sock, selectors.EVENT_READ, conn)
        _send(conn, next(queue))
    in_flight, started = connections, time.perf_counter()
    while in_flight:
        for key, _ in sel.select(5):
            conn: _Conn = key.data
            chunk = conn.sock.recv(65536)
            if not chunk:
                raise RuntimeError("server closed a connection")
            conn.buf += chunk
            status = conn.response_done()
            if status is None:
                continue
            now = time.perf_counter()
            latencies.append(now - conn.sent_at)
            statuses[status] = statuses.get(status, 0) + 1
            request = next(queue, None)
            if request is None:
                sel.unregister(conn.sock)
                conn.sock.close()
                in_flight -= 1
            else:
                _send(conn, request)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "statuses": statuses,
    }


def _send(conn: _Conn, request: bytes) -> None:
    conn.sent_at = time.perf_counter()
    conn.sock.setblocking(True)
    conn.sock.sendall(request)
    conn.sock.setblocking(False)


def measure_ingest(tmp: Path, rounds: int = ROUNDS) -> dict:
    """Alternate short rounds against the bare endpoint and the relay; keep each one's best.

    Other work on a shared machine only ever slows a round down, so the best round of each
    is the fairest estimate of capacity, and alternating exposes both to the same noise.
    """
    warm, warm_ids = signed_requests(WARMUP_REQUESTS)
    requests, ids = signed_requests(INGEST_REQUESTS)
    per_round = len(requests) // rounds
    db = tmp / "ingest.db"
    bare, bare_port = start_bare()
    relay, port = start_relay(db)
    bare_runs, relay_runs = [], []
    try:
        blast(bare_port, warm)
        blast(port, warm)
        for i in range(rounds):
            chunk = requests[i * per_round : (i + 1) * per_round]
            bare_runs.append(_with_cpu(bare, blast, bare_port, chunk))
            relay_runs.append(_with_cpu(relay, blast, port, chunk))
    finally:
        for proc in (bare, relay):
            proc.terminate()
            proc.wait()
    with sqlite3.connect(db) as conn:
        stored = [row[0] for row in conn.execute("SELECT event_id FROM relay_events")]
    sent = ids | warm_ids  # every request went out: INGEST_REQUESTS is a multiple of rounds
    best = max(relay_runs, key=lambda r: r["rate"])
    return {
        "rate": best["rate"],
        "p50_ms": statistics.median(r["p50_ms"] for r in relay_runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in relay_runs),
        "baseline": max(r["rate"] for r in bare_runs),
        "cpu_us": min(r["cpu_us"] for r in relay_runs),
        "baseline_cpu_us": min(r["cpu_us"] for r in bare_runs),
        "lost": len(sent - set(stored)),
        "stored_twice": len(stored) - len(set(stored)),
        "not_200": sum(n for r in relay_runs for s, n in r["statuses"].items() if s != 200),
    }


def _with_cpu(server: subprocess.Popen, fn, port: int, requests: list[bytes]) -> dict:
    """fn's result plus the server's CPU time per request (all its threads), which other
    load on the machine barely moves, unlike requests per second."""
    before = _cpu_seconds(server.pid)
    result = fn(port, requests)
    result["cpu_us"] = (_cpu_seconds(server.pid) - before) / len(requests) * 1e6
    return result


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_delivery(tmp: Path, events: int = 200) -> dict:
    """Time from the webhook's 200 to a long-polling desk holding the event."""
    from kiosk.relay.embedded import issue_tokens
    from kiosk.relay.testing import make_event, sign

    db = tmp / "delivery.db"
    token = issue_tokens(f"sqlite:///{db}", ["bench"])["bench"]
    relay, port = start_relay(db)
    arrived: dict[str, float] = {}
    stop = threading.Event()
    poller = threading.Thread(target=_poll, args=(port, token, arrived, stop, events))
    poller.start()
    acked: dict[str, float] = {}
    try:
        sender = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(events):
            body = make_event()
            headers = {"Stripe-Signature": sign(body, [SECRET]), "Content-Type": "application/json"}
            sender.request("POST", "/stripe/webhook", body, headers)
            sender.getresponse().read()
            acked[json.loads(body)["id"]] = time.perf_counter()
            time.sleep(0.01)  # pacing: one event at a time, as a desk sees them
        poller.join(30)
    finally:
        stop.set()
        relay.terminate()
        relay.wait()
    latencies = sorted(max(arrived[i] - acked[i], 0.0) * 1000 for i in acked if i in arrived)
    return {
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95)],
        "missing": len(acked) - len(latencies),
    }


def _poll(port: int, token: str, arrived: dict, stop: threading.Event, expected: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    after = 0
    while not stop.is_set() and len(arrived) < expected:
        conn.request(
            "GET",
            f"/v1/events?after={after}&wait=30&limit=1000",
            headers={"Authorization": f"Bearer {token}"},
        )
        page = json.loads(conn.getresponse().read())
        now = time.perf_counter()
        for event in page["events"]:
            arrived[event["id"]] = now
        after = page["cursor"]


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp:
        ingest = measure_ingest(Path(tmp))
        delivery = measure_delivery(Path(tmp))
    return [
        _row(
            "relay ingest, signed events (1 worker, SQLite)",
            ingest["rate"],
            "events/s",
            ">= 2000",
            0,
        ),
        _row("relay ingest p50 (median of rounds)", ingest["p50_ms"], "ms", ""),
        _row("relay ingest p99 (median of rounds)", ingest["p99_ms"], "ms", "<= 20"),
        _row("bare FastAPI endpoint (baseline)", ingest["baseline"], "req/s", "~3000", 0),
        _row(
            "relay ingest / bare endpoint", ingest["rate"] / ingest["baseline"], "ratio", ">= 0.6"
        ),
        _row("server CPU per request: relay (best round)", ingest["cpu_us"], "us", ""),
        _row("server CPU per request: bare (best round)", ingest["baseline_cpu_us"], "us", ""),
        _row(
            "bare / relay CPU per request (robust to load)",
            ingest["baseline_cpu_us"] / ingest["cpu_us"],
            "ratio",
            ">= 0.6",
        ),
        _row("events lost (unique sent - stored)", ingest["lost"], "events", "0", 0),
        _row("events stored twice", ingest["stored_twice"], "events", "0", 0),
        _row("webhook answers that were not 200", ingest["not_200"], "requests", "0", 0),
        _row("delivery, webhook 200 -> long-poll p50", delivery["p50_ms"], "ms", ""),
        _row(
            "delivery, webhook 200 -> long-poll p95",
            delivery["p95_ms"],
            "ms",
            "<= 250 (incl. desk apply)",
        ),
    ]


def _row(name: str, value: float, unit: str, target: str, digits: int = 2) -> dict:
    return {
        "name": name,
        "value": round(value, digits) if digits else round(value),
        "unit": unit,
        "target": target,
    }


def main() -> None:
    rows = run()
    width = max(len(r["name"]) for r in rows)
    print(f"{'benchmark':<{width}}  {'value':>10}  {'unit':<9} target")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['value']:>10}  {r['unit']:<9} {r['target']}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
