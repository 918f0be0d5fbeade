"""Acceptance tests of embedding: the library leaves its host process alone and its modules
form no import cycle (``docs/design.md``, "Scale and embedding" and "Layers").

Both read the source tree with ``ast``: what is checked is what the code does, not what a
test double reports.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "itsm_core"
HOST_MODULES = {"gc", "fcntl", "signal", "resource"}


def _trees() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(("itsm_core", *parts)).removesuffix(".__init__")
        out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def test_no_module_touches_the_host_process():
    found = set()
    for name, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {(name, a.name) for a in node.names if a.name in HOST_MODULES}
            elif isinstance(node, ast.ImportFrom) and node.module in HOST_MODULES:
                found.add((name, node.module))
            elif isinstance(node, ast.Attribute) and node.attr == "__attrs_init__":
                found.add((name, "__attrs_init__"))
    assert found == set()


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node a run can reach: module level and inside functions, but not the
    ``if TYPE_CHECKING:`` blocks (annotations of a recursive type, never imported)."""
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                   for stmt in block.body for n in ast.walk(stmt)}
    return [n for n in ast.walk(tree) if id(n) not in typing_only]


def test_no_import_cycle_between_modules():
    trees = _trees()
    graph: dict[str, set[str]] = {name: set() for name in trees}
    for name, tree in trees.items():
        for node in _runtime_nodes(tree):  # module level and function-local imports
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in trees and t != name}
    assert "itsm_core.calendar.business" in graph["itsm_core.calendar"]  # the walk sees edges
    seen: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in seen:
                visit(nxt, [*stack, nxt])
        seen[node] = 2

    for start in sorted(graph):
        if start not in seen:
            visit(start, [start])
    assert cycles == []
