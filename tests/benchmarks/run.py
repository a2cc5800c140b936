"""Run the benchmarks and print one table: `python tests/benchmarks/run.py [names...]`.

Every `tests/benchmarks/bench_*.py` module has `run() -> list[dict]`, rows of
{name, value, unit, target} and optionally `ok`. Without `ok`, a target such as ">= 2000",
"<= 16" or "0" is checked against the value; "~3000" or "" is shown but not judged.
Names pick modules (`search` or `bench_search`). A module that fails is shown as a failed
row and the others still run. Exit status 1 if any row failed or any module failed.
"""

from __future__ import annotations

import importlib.util
import operator
import re
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
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


def run_module(path: Path) -> list[dict[str, Any]]:
    """The module's rows, each with `module` and `ok`; one failed row if it raised."""
    started = time.perf_counter()
    try:
        rows = list(_load(path).run())
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        last = traceback.extract_tb(exc.__traceback__)[-1:] or [None]
        where = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last[0] else ""
        return [
            {
                "module": path.stem,
                "name": "(module failed)",
                "value": "error",
                "unit": "",
                "target": f"{type(exc).__name__}: {exc}{where}",
                "ok": False,
            }
        ]
    elapsed = time.perf_counter() - started
    out = []
    for row in rows:
        row = {"module": path.stem, **row}
        row["ok"] = judge(row)
        out.append(row)
    print(f"[{path.stem}: {len(out)} rows in {elapsed:.1f} s]", file=sys.stderr, flush=True)
    return out


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


def main(argv: Sequence[str] | None = None, folder: Path = HERE) -> int:
    names = list(sys.argv[1:] if argv is None else argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    paths = discover(folder, names)
    if not paths:
        print(f"no benchmark modules match {names}", file=sys.stderr)
        return 2
    rows = [row for path in paths for row in run_module(path)]
    print(table(rows))
    failed = [r for r in rows if r.get("ok") is False]
    print(f"\n{len(rows)} figures, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
