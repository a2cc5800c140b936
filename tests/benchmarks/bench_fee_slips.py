"""Fee-slip benchmark: 1,000 slips, each with a new Payment Link, against the sandbox.

Target: <= 30 s for the whole run (links created through the payments core, one PDF per
invoice written atomically). The sandbox runs as its own process (`main.py sandbox`), as
it would beside a desk. Also timed: the resumed run (every slip already written for the
same balance: nothing to do) and the combined PDF from the now-live links.
`python tests/benchmarks/bench_fee_slips.py [COUNT]` runs it alone.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SLIPS = 1_000
TARGET_S = 30.0
KEY = "sk_test_bench_fee_slips"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_sandbox(home: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--home",
            str(home / "sandbox"),
            "sandbox",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sandbox exited: {proc.stderr.read().decode()[-500:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("sandbox did not start within 30 s")


def _cpu_seconds(sandbox_pid: int) -> tuple[float, float]:
    """CPU used so far by this process and its finished children, and by the sandbox."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    fields = Path(f"/proc/{sandbox_pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (
        me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
        (int(fields[11]) + int(fields[12])) / ticks,
    )


def _drawing_ms(ctx: Any, repeat: int = 100) -> float:
    """CPU per slip for drawing and writing alone (the rest of a slip is its link)."""
    from kiosk.receipts.fee_slips import invoices_due, slip_facts
    from kiosk.receipts.pdf_parts import RenderOptions
    from kiosk.receipts.slip_files import write_slip

    due = invoices_due(ctx)[0]
    facts = slip_facts(ctx, [due])[due.invoice_id]
    opts = RenderOptions.from_settings(ctx.settings)
    path = ctx.home / "drawing-bench.pdf"
    started = time.process_time()
    for _ in range(repeat):
        write_slip(facts, opts, "a5", path)
    return (time.process_time() - started) / repeat * 1000


def _desk(home: Path, count: int) -> Any:
    from kiosk.context import Context
    from tests.receipts.ledger_data import new_invoice, pay

    ctx = Context(home / "desk")
    ctx.settings.set("institution.logo", str(ROOT / "resources/images/demo-logo.png"))
    components = [("Tuition fee", 10_000_000), ("Hostel", 5_000_000), ("Library", 1_100_000)]
    for i in range(count):
        invoice = new_invoice(
            ctx.ledger,
            f"INV-BENCH-{i:05d}",
            components,
            name=f"Student {i}",
            email=f"student{i}@example.edu",
        )
        if i % 4 == 0:  # some partly paid: their slips show paid and balance per component
            with ctx.ledger.begin() as s:
                pay(s, invoice, 6_100_000)
    return ctx


def run(count: int = SLIPS) -> list[dict[str, Any]]:
    import keyring

    from kiosk.memory_keyring import MemoryKeyring
    from kiosk.payments.gateway import StripeGateway
    from kiosk.receipts.fee_slips import write_fee_slips

    keyring.set_keyring(MemoryKeyring())  # never the machine's keyring
    os.environ["FEE_KIOSK_RECEIPT_KEY"] = "bench"
    with tempfile.TemporaryDirectory(prefix="bench-fee-slips-") as tmp:
        home = Path(tmp)
        sandbox, url = _start_sandbox(home)
        try:
            ctx = _desk(home, count)
            os.environ.update(STRIPE_SECRET_KEY=KEY, STRIPE_API_BASE=url)  # as a desk's config
            gateway = StripeGateway.from_context(ctx)
            out = home / "slips"
            cpu = _cpu_seconds(sandbox.pid)
            first = write_fee_slips(ctx, gateway, out)
            desk_cpu, sandbox_cpu = (
                b - a for a, b in zip(cpu, _cpu_seconds(sandbox.pid), strict=True)
            )
            again = write_fee_slips(ctx, gateway, out)
            combined = write_fee_slips(ctx, gateway, out, combined=True)
            drawing_ms = _drawing_ms(ctx)
            ctx.ledger.close()
        finally:
            sandbox.terminate()
            sandbox.wait(10)
    assert len(first.written) == count and not first.failed, first.to_json()
    return [
        {
            "name": f"fee slips: {count} with new Payment Links",
            "value": round(first.seconds, 2),
            "unit": "s",
            "target": f"<= {TARGET_S:g}",
        },
        {
            "name": "fee slips: per slip",
            "value": round(first.seconds / count * 1000, 1),
            "unit": "ms",
            "target": f"<= {TARGET_S / SLIPS * 1000:g}",
        },
        {
            "name": "fee slips: links created",
            "value": first.links_created,
            "unit": "",
            "target": f"== {count}",
        },
        {
            "name": "fee slips: desk CPU",
            "value": round(desk_cpu, 1),
            "unit": "s",
            "target": "~",
        },
        {
            "name": "fee slips: drawing + writing one slip (CPU)",
            "value": round(drawing_ms, 1),
            "unit": "ms",
            "target": "~",
        },
        {
            "name": "fee slips: sandbox CPU",
            "value": round(sandbox_cpu, 1),
            "unit": "s",
            "target": "~",
        },
        {
            "name": "fee slips: load average (2 cores shared)",
            "value": round(os.getloadavg()[0], 1),
            "unit": "",
            "target": "~",
        },
        {
            "name": "fee slips: resumed run (all unchanged)",
            "value": round(again.seconds, 2),
            "unit": "s",
            "target": "~",
            "ok": len(again.skipped) == count,
        },
        {
            "name": "fee slips: combined PDF (links reused)",
            "value": round(combined.seconds, 2),
            "unit": "s",
            "target": "~",
            "ok": combined.links_created == 0,
        },
    ]


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else SLIPS
    for row in run(n):
        print(f"{row['name']:45} {row['value']:>10} {row['unit']:3} target {row['target']}")
