"""Imports point down only (DESIGN.md "Layers"), and no two modules import each other.

The graph is read from the source with `ast`, so a lazy import inside a function counts as
much as one at the top of a module. The rules are tested on the real tree and, to prove they
bite, on small synthetic graphs with a deliberate upward import and a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = {"kopscheck": ROOT / "kopscheck", "kopscheck_checks": ROOT / "checks"}

# layer -> the layers it may import. The top-level `kopscheck` package (its version) and a
# layer's own modules are always allowed.
ALLOWED: Mapping[str, frozenset[str]] = {
    "cli": frozenset(
        {
            "gate",
            "engine",
            "checkapi",
            "knowledge",
            "collectors",
            "reporters",
            "model",
            "demo",
            "rbac",
            "provision",
        }
    ),
    # drives the user's kops, then gates the new cluster through the gate's pipeline
    "provision": frozenset(
        {"gate", "engine", "checkapi", "knowledge", "collectors", "reporters", "model"}
    ),
    "gate": frozenset(
        {"engine", "checkapi", "knowledge", "collectors", "reporters", "model", "demo"}
    ),
    "engine": frozenset({"checkapi", "model"}),
    "checks": frozenset({"checkapi", "knowledge", "model"}),
    "checkapi": frozenset({"knowledge", "model"}),
    "knowledge": frozenset({"model"}),
    "collectors": frozenset({"knowledge", "model"}),
    "reporters": frozenset({"model"}),
    "model": frozenset(),
    "demo": frozenset(),
    "rbac": frozenset({"model"}),  # the shipped ClusterRoles, printed by `kopscheck rbac`
}


def layer(module: str) -> str:
    """kopscheck.gate.run -> gate; kopscheck_checks.dns.rollout -> checks; kopscheck -> root."""
    parts = module.split(".")
    if parts[0] == "kopscheck_checks":
        return "checks"
    if len(parts) == 1:
        return "root"
    return (
        "cli"
        if parts[1]
        in (
            "cli",
            "cli_app",
            "cli_catalog",
            "cli_check",
            "cli_fast",
            "cli_help",
            "cli_options",
            "__main__",
        )
        else parts[1]
    )


def module_graph() -> dict[str, set[str]]:
    """Every module of kopscheck and kopscheck_checks -> the project modules it imports."""
    modules: dict[str, Path] = {}
    for package, base in PACKAGES.items():
        for path in base.rglob("*.py"):
            parts = [package, *path.relative_to(base).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {
            _resolve(target, modules)
            for target in _imports(ast.parse(path.read_text(), str(path)), package)
            if target.split(".")[0] in PACKAGES
        }
    return graph


def _imports(tree: ast.Module, package: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _resolve(target: str, modules: Mapping[str, Path]) -> str:
    """`from kopscheck.model import results` names a module; `... import Status` its module."""
    while target not in modules:
        target = target.rpartition(".")[0]
    return target


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in sorted(graph.items()):
        mine = layer(module)
        allowed = ALLOWED.get(mine, frozenset()) | {mine, "root"}
        bad += [f"{module} -> {t}" for t in sorted(targets) if layer(t) not in allowed]
    return bad


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Each cycle between modules once (a package's __init__ importing its own modules is
    not a cycle unless one of them imports the package back)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if target == module:
                continue
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


# Inside collectors, one room per source (collectors/__init__.py): the shared parsers and the
# redaction policy at the bottom, the joins of several sources (a live collection, the bundle
# writer) at the top. room -> the rooms it may import.
COLLECTOR_ROOMS: Mapping[str, frozenset[str]] = {
    "output": frozenset(),
    "formats": frozenset({"output"}),
    "offline": frozenset({"formats", "output"}),
    "kube": frozenset({"formats", "offline", "output"}),
    "aws": frozenset({"formats", "offline", "output", "kube"}),
    "probes": frozenset({"formats", "offline", "output", "kube"}),
    "joins": frozenset({"formats", "offline", "output", "kube", "aws", "probes"}),
}
JOINS = frozenset(
    {
        "kopscheck.collectors",
        "kopscheck.collectors.live",
        "kopscheck.collectors.options",
        "kopscheck.collectors.output.bundle_writer",
    }
)


def room(module: str) -> str | None:
    """kopscheck.collectors.kube.reader -> kube; None outside collectors."""
    parts = module.split(".")
    if parts[:2] != ["kopscheck", "collectors"]:
        return None
    if module in JOINS or len(parts) < 3 or parts[2] not in COLLECTOR_ROOMS:
        return "joins"
    return parts[2]


def crossed_rooms(graph: Mapping[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in sorted(graph.items()):
        mine = room(module)
        if mine is None:
            continue
        allowed = COLLECTOR_ROOMS[mine] | {mine}
        bad += [
            f"{module} -> {t}"
            for t in sorted(targets)
            if (theirs := room(t)) is not None and theirs not in allowed
        ]
    return bad


def test_collectors_rooms_import_down_only() -> None:
    graph = module_graph()
    assert {room(m) for m in graph} - {None} == set(COLLECTOR_ROOMS)
    assert crossed_rooms(graph) == []


def test_a_crossed_room_is_caught() -> None:
    graph = {
        "kopscheck.collectors.formats.kube_objects": {"kopscheck.collectors.kube.reader"},
        "kopscheck.collectors.kube.reader": {"kopscheck.collectors.formats.kube_objects"},
        "kopscheck.collectors.output.redact": {"kopscheck.collectors.output.sanitise"},
        "kopscheck.collectors.output.sanitise": {"kopscheck.collectors.offline.files"},
        "kopscheck.collectors.live": {"kopscheck.collectors.probes.run"},
    }
    assert crossed_rooms(graph) == [
        "kopscheck.collectors.formats.kube_objects -> kopscheck.collectors.kube.reader",
        "kopscheck.collectors.output.sanitise -> kopscheck.collectors.offline.files",
    ]


def test_every_module_belongs_to_a_layer() -> None:
    layers = {layer(m) for m in module_graph()}
    assert layers - {"root"} <= set(ALLOWED)


def test_no_layer_imports_one_above_it() -> None:
    assert upward_imports(module_graph()) == []


def test_no_import_cycles() -> None:
    assert cycles(module_graph()) == []


def test_an_upward_import_is_caught() -> None:
    graph = {
        "kopscheck.model.results": {"kopscheck.engine.diagnosis"},
        "kopscheck.engine.diagnosis": {"kopscheck.model.results"},
        "kopscheck.reporters.terminal": {"kopscheck.engine.diagnosis", "kopscheck.model.results"},
        "kopscheck.collectors.live": {"kopscheck.gate.sources", "kopscheck.knowledge.routes"},
        "kopscheck_checks.dns.rollout": {"kopscheck.checkapi.check", "kopscheck.engine.runner"},
    }
    assert upward_imports(graph) == [
        "kopscheck.collectors.live -> kopscheck.gate.sources",
        "kopscheck.model.results -> kopscheck.engine.diagnosis",
        "kopscheck.reporters.terminal -> kopscheck.engine.diagnosis",
        "kopscheck_checks.dns.rollout -> kopscheck.engine.runner",
    ]


def test_a_cycle_is_caught() -> None:
    graph = {
        "kopscheck.gate.report_diff": {"kopscheck.gate.baseline"},
        "kopscheck.gate.baseline": {"kopscheck.gate.wait"},
        "kopscheck.gate.wait": {"kopscheck.gate.report_diff"},
        "kopscheck.model.results": set(),
    }
    assert cycles(graph) == [
        [
            "kopscheck.gate.baseline",
            "kopscheck.gate.wait",
            "kopscheck.gate.report_diff",
            "kopscheck.gate.baseline",
        ]
    ]


def test_the_real_graph_is_read_lazy_imports_included() -> None:
    graph = module_graph()
    assert (
        "kopscheck.collectors.offline.bundle" in graph["kopscheck.gate.sources"]
    )  # inside collect()
    assert "kopscheck.model.results" in graph["kopscheck.reporters.terminal"]
    assert "kopscheck_checks.dns.rollout" in graph["kopscheck_checks"]  # relative import
