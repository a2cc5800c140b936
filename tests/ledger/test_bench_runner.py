"""The benchmark runner: one table, survives a failing module, exit status says if any failed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def _runner():
    spec = importlib.util.spec_from_file_location("bench_runner", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GOOD = """
def run():
    return [{"name": "fast thing", "value": 3.5, "unit": "ms", "target": "<= 16"},
            {"name": "rate", "value": 2500, "unit": "req/s", "target": ">= 2000"},
            {"name": "informational", "value": 7, "unit": "x", "target": ""}]
"""
SLOW = """
def run():
    return [{"name": "slow thing", "value": 40.0, "unit": "ms", "target": "<= 16"}]
"""
BROKEN = """
def run():
    raise RuntimeError("sandbox would not start")
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "bench_good.py").write_text(GOOD)
    (tmp_path / "bench_broken.py").write_text(BROKEN)
    (tmp_path / "bench_slow.py").write_text(SLOW)
    (tmp_path / "helper.py").write_text("raise SystemExit('not a benchmark')")
    return tmp_path


def test_a_failing_module_is_reported_and_the_rest_still_run(folder, capsys):
    code = _runner().main([], folder=folder)
    out = capsys.readouterr().out
    assert code == 1
    assert "fast thing" in out and "slow thing" in out
    assert "RuntimeError: sandbox would not start" in out
    lines = {
        name: line
        for line in out.splitlines()
        for name in ("fast thing", "slow thing", "informational")
        if name in line
    }
    assert lines["fast thing"].endswith("pass")
    assert lines["slow thing"].endswith("FAIL")
    assert lines["informational"].endswith("-")
    assert "7 figures" not in out and "5 figures, 2 failed" in out


def test_names_select_modules(folder, capsys):
    assert _runner().main(["good"], folder=folder) == 0
    assert "slow thing" not in capsys.readouterr().out
    assert _runner().main(["bench_slow"], folder=folder) == 1
    assert _runner().main(["nothing"], folder=folder) == 2


@pytest.mark.parametrize(
    ("row", "verdict"),
    [
        ({"value": 5, "target": "<= 16"}, True),
        ({"value": 17, "target": "<= 16"}, False),
        ({"value": 2000, "target": ">= 2000"}, True),
        ({"value": 0, "target": "0"}, True),
        ({"value": 1, "target": "0"}, False),
        ({"value": 900, "target": "~3000"}, None),
        ({"value": 5, "target": ""}, None),
        ({"value": 5, "target": "<= 4", "ok": True}, True),
        ({"value": "error", "target": "<= 4"}, None),
        ({"value": 200, "target": "<= 250 (with desk apply)"}, True),
    ],
)
def test_judge(row, verdict):
    assert _runner().judge(row) is verdict


def test_runs_as_a_script():
    done = subprocess.run(
        [sys.executable, str(RUNNER), "no-such-benchmark"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "no benchmark modules match" in done.stderr


def test_a_crashing_or_hanging_module_is_a_failed_row(tmp_path):
    runner = _runner()
    crash = tmp_path / "bench_crash.py"
    crash.write_text("import os\n\ndef run():\n    os._exit(3)\n")
    hang = tmp_path / "bench_hang.py"
    hang.write_text("import threading\n\ndef run():\n    threading.Event().wait()\n")
    crashed = runner.run_module(crash)
    assert crashed[0]["ok"] is False
    assert crashed[0]["target"] == "exited with status 3 and no result"
    hung = runner.run_module(hang, timeout=3)
    assert hung[0]["ok"] is False and hung[0]["target"] == "no result within 3 s"


def test_modules_run_in_their_own_interpreter(tmp_path):
    probe = tmp_path / "bench_probe.py"
    probe.write_text(
        "import os\n\ndef run():\n    return [{'name': 'pid', 'value': os.getpid(),"
        " 'unit': '', 'target': ''}]\n"
    )
    import os

    assert _runner().run_module(probe)[0]["value"] != os.getpid()
