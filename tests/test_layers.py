"""The layer contract and the no-cycles rule, read from the source with `ast`.

Every import counts: module level, inside functions, under ``if TYPE_CHECKING:``, and
``importlib.import_module("name")`` with a literal name. The cycle check leaves out the
``if TYPE_CHECKING:`` imports (annotations only: they never run, so they can't make an
import order fail); the layer check counts them. ``from pkg import name`` counts as
an import of ``pkg.name`` when that is a module, else of ``pkg`` (its ``__init__`` face).

Layers, lowest first. A module may import its own layer or a lower one:

====  ==========  ==============================================================
rank  layer       modules
====  ==========  ==============================================================
0     base        kiosk (the package), kiosk.money, clock, config, atomic,
                  csv_safe, secrets, logs, termination, private_files,
                  memory_keyring, serving, errors, home: leaf utilities
1     ledger      kiosk.ledger, kiosk.context (home folder, settings, ledger)
2     payments    kiosk.payments
3     services    kiosk.receipts, kiosk.sync, kiosk.payouts, kiosk.settings_store
4     wiring      kiosk.demo, kiosk.stripe_check (start the sandbox and relay)
5     cli         kiosk.cli
6     ui          ui
====  ==========  ==============================================================

``kiosk.sandbox`` and ``kiosk.relay`` are separate deployables beside the desk: each may
import the base layer and itself, nothing of the desk and nothing of the other; only
wiring, cli and ui import them. No module under ``kiosk/`` imports ``ui``.

There are no exceptions: no import against the layers, and no import cycle (the last,
in kiosk.payments, went when the work after commit moved above what it calls:
kiosk.payments.after_commit, outbox, closing and held_retry).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk", "ui")

BASE = (
    "kiosk",
    "kiosk.money",
    "kiosk.clock",
    "kiosk.config",
    "kiosk.atomic",
    "kiosk.csv_safe",
    "kiosk.secrets",
    "kiosk.logs",
    "kiosk.termination",
    "kiosk.private_files",
    "kiosk.memory_keyring",
    "kiosk.serving",
    "kiosk.errors",
    "kiosk.home",
)
LAYERS: dict[str, int] = {
    **dict.fromkeys(BASE, 0),
    "kiosk.ledger": 1,
    "kiosk.context": 1,
    "kiosk.payments": 2,
    "kiosk.receipts": 3,
    "kiosk.sync": 3,
    "kiosk.payouts": 3,
    "kiosk.settings_store": 3,
    "kiosk.demo": 4,
    "kiosk.stripe_check": 4,
    "kiosk.cli": 5,
    "ui": 6,
}
SERVICES = ("kiosk.sandbox", "kiosk.relay")  # beside the desk, imported from rank >= 4
SERVICE_USERS = 4


def module_files() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _typing_only(tree: ast.AST) -> set[int]:
    """ids of the nodes under an ``if TYPE_CHECKING:``."""
    found: set[int] = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        name = getattr(test, "id", getattr(test, "attr", None))
        if name == "TYPE_CHECKING":
            found.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return found


def imported_names(
    module: str, path: Path, known: set[str], runtime_only: bool = False
) -> Iterator[str]:
    """Every dotted name `module` imports, wherever the import statement is (with
    `runtime_only`, not those under ``if TYPE_CHECKING:``)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _typing_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, is_package, node)
            submodules = [f"{source}.{a.name}" for a in node.names if f"{source}.{a.name}" in known]
            yield from submodules or [source]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def import_graph(runtime_only: bool = False) -> dict[str, set[str]]:
    """module -> the project modules it imports (a name resolves to its longest module)."""
    files = module_files()
    known = set(files)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets = set()
        for name in imported_names(module, path, known, runtime_only):
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def _prefix(module: str, prefixes: tuple[str, ...] | dict[str, int]) -> str | None:
    matches = [p for p in prefixes if module == p or module.startswith(p + ".")]
    return max(matches, key=len) if matches else None


def allowed(importer: str, imported: str) -> bool:
    service_from, service_to = _prefix(importer, SERVICES), _prefix(imported, SERVICES)
    rank_to = LAYERS[_prefix(imported, LAYERS) or ""] if not service_to else None
    if service_from:
        return service_to == service_from or rank_to == 0
    rank_from = LAYERS[_prefix(importer, LAYERS) or ""]
    if service_to:
        return rank_from >= SERVICE_USERS
    assert rank_to is not None
    return rank_to <= rank_from


def violations(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(a, b) for a, targets in graph.items() for b in targets if not allowed(a, b)}


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[tuple[str, ...]] = set()
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(tuple(sorted(component)))
    return found


def test_every_project_module_has_a_layer():
    unplaced = [m for m in module_files() if not _prefix(m, LAYERS) and not _prefix(m, SERVICES)]
    assert unplaced == []


def test_imports_follow_the_layers():
    found = violations(import_graph())
    assert sorted(found) == [], "imports against the layers (see the docstring)"


def test_no_import_cycles():
    found = cycles(import_graph(runtime_only=True))
    assert sorted(found) == [], "import cycles (run-time imports, function-level included)"


def test_the_checks_see_hidden_imports_and_cycles(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == {("a", "b", "c")}
    source = (
        "import importlib\n"
        "def f():\n"
        "    from ui.printing import print_pdf\n"
        "    importlib.import_module('ui.cli')\n"
        "from . import mail\n"
        "if TYPE_CHECKING:\n"
        "    from kiosk.context import Context\n"
    )
    path = tmp_path / "service.py"
    path.write_text(source, encoding="utf-8")
    known = {"ui.printing", "ui.cli", "kiosk.receipts.mail"}
    names = set(imported_names("kiosk.receipts.service", path, known))
    assert names >= {"ui.printing", "ui.cli", "kiosk.receipts.mail", "kiosk.context"}
    runtime = set(imported_names("kiosk.receipts.service", path, known, runtime_only=True))
    assert "kiosk.context" not in runtime and "ui.cli" in runtime
    assert not allowed("kiosk.receipts.cli", "ui.printing")
    assert not allowed("kiosk.relay.cli", "kiosk.cli.errors")
    assert not allowed("kiosk.relay.app", "kiosk.sandbox.store")
    assert not allowed("kiosk.payments.apply", "kiosk.receipts.numbering")
    assert allowed("kiosk.relay.app", "kiosk.serving")
    assert allowed("kiosk.demo", "kiosk.sandbox.app")
    assert allowed("ui.app", "kiosk.ledger.models")
