"""The test suite's own rules: no test module imports another test module (shared helpers live in conftest.py or
in helper modules whose names do not start with `test_`), no module imports a sub-folder's conftest.py, and every
collected test carries the markers of its folder and fixtures."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO, markers_for

TESTS = REPO / "tests"


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "node_modules" not in p.parts)


def module_name(path: Path) -> str:
    """`tests/lti_tool/helpers.py` -> `tests.lti_tool.helpers` (a package's __init__ gives the package)."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in the file (or in `source` as if it were that file),
    relative imports resolved, and for `from package import name` also `package.name` (which may be a module)."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def test_modules_in_tests_are_found() -> None:
    names = {module_name(p) for p in python_files()}
    assert {"tests.conftest", "tests.lti_tool.helpers", "tests.lti_tool.test_end_to_end"} <= names


def test_no_module_imports_a_test_module() -> None:
    test_modules = {module_name(p) for p in python_files() if p.name.startswith("test_")}
    offences = [f"{path.relative_to(REPO)}:{line}: imports {name}"
                for path in python_files() for line, name in imported_modules(path) if name in test_modules]
    assert offences == [], ("a test module is imported by another module; move what they share into conftest.py "
                            "or a helper module whose name does not start with test_:\n" + "\n".join(offences))


def test_only_the_top_conftest_is_imported() -> None:
    """A sub-folder's conftest.py holds fixtures for that folder; the plain functions others need live in helper
    modules (tests/lti_tool/helpers.py, tests/services.py)."""
    sub_conftests = {module_name(p) for p in python_files() if p.name == "conftest.py" and p.parent != TESTS}
    offences = [f"{path.relative_to(REPO)}:{line}: imports {name}"
                for path in python_files() for line, name in imported_modules(path) if name in sub_conftests]
    assert offences == [], "\n".join(offences)


def test_the_check_sees_every_form_of_import() -> None:
    """The checker itself: absolute, from-package and relative imports of a test module are all caught."""
    source = ("import tests.lti_tool.test_grades\n"
              "from tests.lti_tool.test_end_to_end import follow\n"
              "from tests.lti_tool import test_delivery\n"
              "from .test_keys import x\n"
              "from . import test_regrade\n"
              "from ..exporters.test_gift import y\n")
    names = {name for _, name in imported_modules(TESTS / "lti_tool" / "sample.py", source)}
    assert {"tests.lti_tool.test_grades", "tests.lti_tool.test_end_to_end", "tests.lti_tool.test_delivery",
            "tests.lti_tool.test_keys", "tests.lti_tool.test_regrade", "tests.exporters.test_gift"} <= names


def test_every_collected_test_carries_its_folder_and_fixture_markers(request: pytest.FixtureRequest) -> None:
    """The hook in tests/conftest.py marked everything collected in this run (browser, scale, postgres, redis)."""
    missing = [f"{item.nodeid}: {sorted(markers_for(item) - {m.name for m in item.iter_markers()})}"
               for item in request.session.items if markers_for(item) - {m.name for m in item.iter_markers()}]
    assert missing == []
