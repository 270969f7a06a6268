"""The projections package's import rules, read from the source (no module is imported):
the engine core imports no view and nothing of the reporting (it is given its views),
and no projections module imports itself back through others (no import circles).

Every import counts, also one inside a function or under ``TYPE_CHECKING``: a circle
closed at run time is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "projections"
CORE = "projections.engine"
NOT_FOR_THE_CORE = ("projections.views", "projections.reporting")


def modules(root: Path, package: str) -> dict[str, Path]:
    """Module name -> file, for every module of ``package`` under ``root``."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that module ``name`` imports (``from a import b`` counts
    as an import of ``a.b`` when that is a module, else of ``a``)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # (import a.b.c of a module a.b)
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(root: Path, package: str) -> dict[str, set[str]]:
    found = modules(root, package)
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One circle (as a path that ends where it began) per strongly connected group of
    modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(edges.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return [_path_through(edges, group) for group in groups]


def _path_through(edges: dict[str, set[str]], group: list[str]) -> list[str]:
    """A circle through the group's first module, for the failure message."""
    members, start = set(group), group[0]
    paths = {start: [start]}
    todo = [start]
    while todo:
        module = todo.pop(0)
        for other in sorted(edges[module] & members):
            if other == start:
                return [*paths[module], start]
            if other not in paths:
                paths[other] = [*paths[module], other]
                todo.append(other)
    return group


def core_imports(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(core module, module of a view or of the reporting it imports)."""
    return sorted((module, target) for module, targets in edges.items()
                  if module == CORE or module.startswith(CORE + ".")
                  for target in targets
                  if any(target == p or target.startswith(p + ".") for p in NOT_FOR_THE_CORE))


def test_the_engine_core_imports_no_view_and_no_reporting() -> None:
    edges = graph(ROOT, PACKAGE)
    assert any(m.startswith(CORE + ".") for m in edges), "the engine package was not found"
    assert core_imports(edges) == []


def test_no_projections_module_imports_itself_back() -> None:
    assert circles(graph(ROOT, PACKAGE)) == []


def test_the_three_parts_exist() -> None:
    found = modules(ROOT, PACKAGE)
    for part in (CORE, *NOT_FOR_THE_CORE):
        assert part in found, part


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A package with both faults: the core imports views (one inside a function), two
    views import each other (one of them relatively), and the core's package is imported
    back through the views."""
    files = {
        "projections/__init__.py": "",
        "projections/engine/__init__.py": "from projections.engine.core import Engine\n",
        "projections/engine/core.py": (
            "class Engine:\n"
            "    def views(self):\n"
            "        from projections.views import registry\n"
            "        return registry\n"),
        "projections/views/__init__.py": "",
        "projections/views/registry.py": "from projections.views.a import A\n",
        "projections/engine/runner.py": "import projections.views.c\n",
        "projections/views/a.py": "from projections.engine import Engine\nfrom . import b\n",
        "projections/views/c.py": "import projections.views.registry\n",
        "projections/views/b.py": "from projections.views.a import A\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_scan_finds_an_import_from_the_core_and_a_circle(planted: Path) -> None:
    edges = graph(planted, PACKAGE)
    assert core_imports(edges) == [("projections.engine.core", "projections.views.registry"),
                                   ("projections.engine.runner", "projections.views.c")]
    assert circles(edges) == [[
        "projections.engine", "projections.engine.core", "projections.views.registry",
        "projections.views.a", "projections.engine"]]
    del edges["projections.views.a"]
    edges["projections.views.a"] = {"projections.views.b"}
    assert circles(edges) == [
        ["projections.views.a", "projections.views.b", "projections.views.a"]]
