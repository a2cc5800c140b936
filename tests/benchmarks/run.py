"""Run the benchmarks and print one table: `python tests/benchmarks/run.py [names...]`.

Every `tests/benchmarks/bench_*.py` module has `run() -> list[dict]`, rows of
{name, value, unit, target} and optionally `ok`. Without `ok`, a target such as ">= 2000",
"<= 16" or "0" is checked against the value; "~3000" or "" is shown but not judged.
Names pick modules (`search` or `bench_search`). Each module runs in its own interpreter,
so one that raises, crashes or hangs (MODULE_TIMEOUT) is shown as a failed row and the
others still run. Exit status 1 if any row failed or any module failed.
"""

from __future__ import annotations

import importlib.util
import json
import operator
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MODULE_TIMEOUT = 1800.0  # seconds one module may take
_TARGET = re.compile(r"^\s*(>=|<=|==|=|>|<)?\s*(-?\d+(?:\.\d+)?)")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "=": operator.eq,
    "": operator.eq,
}


def discover(folder: Path, names: Sequence[str] = ()) -> list[Path]:
    wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
    found = sorted(folder.glob("bench_*.py"))
    return [p for p in found if not wanted or p.stem.removeprefix("bench_") in wanted]


def judge(row: dict[str, Any]) -> bool | None:
    """Pass (True), fail (False) or no verdict (None) for one row."""
    if row.get("ok") is not None:
        return bool(row["ok"])
    target = str(row.get("target") or "")
    match = _TARGET.match(target)
    value = row.get("value")
    if not match or target.lstrip().startswith("~") or not isinstance(value, int | float):
        return None
    return _OPS[match.group(1) or ""](float(value), float(match.group(2)))


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_modules.{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _failed(path: Path, reason: str) -> list[dict[str, Any]]:
    return [
        {
            "module": path.stem,
            "name": "(module failed)",
            "value": "error",
            "unit": "",
            "target": reason,
            "ok": False,
        }
    ]


def _rows_in_process(path: Path) -> list[dict[str, Any]]:
    try:
        return list(_load(path).run())
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        last = traceback.extract_tb(exc.__traceback__)[-1:] or [None]
        where = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last[0] else ""
        return _failed(path, f"{type(exc).__name__}: {exc}{where}")


def _stderr_fd() -> int | None:
    """The module's own prints go to our stderr, keeping stdout for the table."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # captured (pytest): let them through
        return None


def _rows_in_child(path: Path, timeout: float) -> list[dict[str, Any]]:
    """Run one module in its own interpreter: a crash, a hang or leftover state stays there."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "rows.json"
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(path), str(out)],
                cwd=ROOT,
                timeout=timeout,
                stdout=_stderr_fd(),
                stderr=None,
            )
        except subprocess.TimeoutExpired:
            return _failed(path, f"no result within {timeout:.0f} s")
        if not out.exists():
            return _failed(path, f"exited with status {done.returncode} and no result")
        return json.loads(out.read_text(encoding="utf-8"))


def run_module(
    path: Path, isolated: bool = True, timeout: float = MODULE_TIMEOUT
) -> list[dict[str, Any]]:
    """The module's rows, each with `module` and `ok`; one failed row if it failed."""
    started = time.perf_counter()
    rows = _rows_in_child(path, timeout) if isolated else _rows_in_process(path)
    out = []
    for row in rows:
        row = {"module": path.stem, **row}
        row["ok"] = judge(row)
        out.append(row)
    elapsed = time.perf_counter() - started
    print(f"[{path.stem}: {len(out)} rows in {elapsed:.1f} s]", file=sys.stderr, flush=True)
    return out


def _one(path: Path, out: Path) -> int:
    """Child side of run_module: write the rows (or the failure) as JSON."""
    sys.path.insert(0, str(ROOT))
    rows = _rows_in_process(path)
    out.write_text(json.dumps(rows, default=str), encoding="utf-8")
    return 0


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(rows: list[dict[str, Any]]) -> str:
    verdict = {True: "pass", False: "FAIL", None: "-"}
    cells = [
        [
            r["module"].removeprefix("bench_"),
            str(r.get("name", "")),
            _fmt(r.get("value")),
            str(r.get("unit", "")),
            str(r.get("target", "")),
            verdict[r.get("ok")],
        ]
        for r in rows
    ]
    heads = ["module", "benchmark", "figure", "unit", "target", "result"]
    sizes = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(heads)]
    lines = []
    for line in [heads, ["-" * s for s in sizes], *cells]:
        lines.append(
            "  ".join(
                c.rjust(sizes[i]) if i == 2 else c.ljust(sizes[i]) for i, c in enumerate(line)
            ).rstrip()
        )
    return "\n".join(lines)


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages, where the system has them."""
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"


def main(argv: Sequence[str] | None = None, folder: Path = HERE, isolated: bool = True) -> int:
    names = list(sys.argv[1:] if argv is None else argv)
    if names[:1] == ["--one"]:
        return _one(Path(names[1]), Path(names[2]))
    paths = discover(folder, names)
    if not paths:
        print(f"no benchmark modules match {names}", file=sys.stderr)
        return 2
    started, load_before = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), _load_average()
    rows = [row for path in paths for row in run_module(path, isolated)]
    print(
        f"Run of {started} on {os.cpu_count()} cores; load average {load_before} before, "
        f"{_load_average()} after (other work on a shared machine slows every figure)."
    )
    print(table(rows))
    failed = [r for r in rows if r.get("ok") is False]
    print(f"\n{len(rows)} figures, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
