"""The library's layout: shared modules under the stages, stages in one direction, no cycles."""

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "qualflow"
#: Modules every stage may use; they use only each other.
SHARED = {"errors", "io", "contracts", "sheets", "text", "study", "stage", "coders"}


def package_imports() -> dict[str, set[str]]:
    """Top-level part of qualflow (a stage package or a shared module) → parts it imports."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC).parts
        part = parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qualflow."):
                target = node.module.split(".")[1]
                if target != part:
                    graph[part].add(target)
    return graph


def test_shared_modules_import_only_shared_modules():
    graph = package_imports()
    for module in SHARED:
        assert graph.get(module, set()) <= SHARED, (module, graph.get(module))


def test_no_import_cycle_between_parts():
    graph = package_imports()
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, f"import cycle: {' -> '.join((*path, node))}"
        if node in done:
            return
        for target in graph.get(node, ()):
            visit(target, (*path, node))
        done.add(node)

    for node in list(graph):
        visit(node, ())


def test_no_private_name_is_imported_across_modules():
    offenders = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qualflow"):
                offenders += [
                    f"{path.relative_to(SRC)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and alias.name != "__version__"
                ]
    assert not offenders, offenders
