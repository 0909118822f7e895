"""The arrows of the code run one way (issue 13): item_bank <- exporters <- lti_tool, and inside lti_tool
web <- lti <- delivery <- instructor, grades <- the app factory and the commands; no module imports itself back
through others. Read from the source with `ast`, so every import counts: module level, inside functions, and under
TYPE_CHECKING."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("item_bank", "exporters", "lti_tool")  # each may import only the ones before it
# lti_tool's rooms, bottom first: a room may import its own modules and the rooms before it, never one after it.
# `app` is lti_tool/__init__.py (create_app); migrations are Alembic's scripts.
ROOMS = ("web", "lti", "delivery", "instructor", "grades", "migrations", "app", "cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every import of one of our modules; `from pkg import sub` counts as pkg.sub when it is
    a module."""
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against this module's package
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.append((node.lineno, child if child in known else base))
    return [(line, module) for line, module in found if module.split(".")[0] in PACKAGES]


def room_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "lti_tool":
        return parts[0]
    if len(parts) == 1:
        return "app"
    assert parts[1] in ROOMS, f"{module}: lti_tool/{parts[1]} is in no room of tests/test_layers.py's ROOMS"
    return parts[1]


def test_every_lti_tool_module_is_in_a_room():
    loose = [name for name, path in source_modules().items()
             if name.startswith("lti_tool.") and name.count(".") == 1 and path.name != "__init__.py"
             and name.split(".")[1] not in ROOMS]
    assert not loose, f"modules directly in lti_tool/ belong in one of its rooms {ROOMS}: {loose}"


def test_no_import_runs_upward():
    modules = source_modules()
    known = set(modules)
    upward = []
    for name, path in modules.items():
        package = PACKAGES.index(name.split(".")[0])
        for line, target in imports_of(name, path, known):
            where = f"{path.relative_to(REPO)}:{line}: {name} imports {target}"
            if PACKAGES.index(target.split(".")[0]) > package:
                upward.append(where)
            elif name.startswith("lti_tool") and target.startswith("lti_tool"):
                if ROOMS.index(room_of(target)) > ROOMS.index(room_of(name)):
                    upward.append(where)
    assert not upward, "imports that run upward:\n" + "\n".join(upward)


def test_no_import_cycles():
    modules = source_modules()
    known = set(modules)
    graph = {name: sorted({t for _, t in imports_of(name, path, known) if t in known and t != name})
             for name, path in modules.items()}
    cycles = [scc for scc in strongly_connected(graph) if len(scc) > 1]
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in cycles)


def strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
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
                    work.append((child, iter(graph[child])))
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
                found.append(component)
    return found


def test_the_checks_see_an_upward_import(tmp_path):
    """The parser resolves what the checks rely on: `from pkg import module`, relative imports, nested imports."""
    path = tmp_path / "views.py"
    path.write_text("from . import grading\nfrom lti_tool import create_app\n\ndef f():\n"
                    "    from lti_tool.web import db\n")
    known = {"lti_tool", "lti_tool.web", "lti_tool.web.db", "lti_tool.instructor.grading"}
    found = [target for _, target in imports_of("lti_tool.instructor.views", path, known)]
    assert found == ["lti_tool.instructor.grading", "lti_tool", "lti_tool.web.db"]
    assert ROOMS.index(room_of("lti_tool")) > ROOMS.index(room_of("lti_tool.instructor.views"))
