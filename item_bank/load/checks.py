"""The problems found while loading one bank, and the small typed readers every entity uses to report them.

Each reader takes a mapping read from YAML (`LineMap`), the displayed file name and a key; when the value is wrong it
records a `Problem` at the key's line (`file:line: field: message`) and returns a safe default, so loading goes on
and every problem is reported at once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Container
from pathlib import Path
from typing import Any

from item_bank.load.source import LineList, LineMap, read_yaml
from item_bank.markup import markup_problems
from item_bank.problems import Problem

ID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,79}$")
# In the Markdown subset only raw HTML or an autolink (`<` before a non-space), an inline link (`](`) or a
# reference definition (`]:`) can yield a tag, attribute or URL outside the allowed set; text with none of them
# cannot fail `markup_problems`, so the loader skips rendering it (most of a bank is such plain text). Two patterns
# that start with a literal character, each searched only when the text holds it: scanned for in C, where one
# alternation would be tried at every position of every text.
_TAG = re.compile(r"<\S")
_LINK = re.compile(r"\][(:]")


def display_path(path: Path) -> str:
    """The path as problems name it: relative to the working folder when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class Checker:
    """Collects the problems of one bank (`problems`); its readers add one wherever a value is wrong."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, file: str, line: int, field: str, message: str, item_id: str | None = None) -> None:
        self.problems.append(Problem(file, line, field, message, "error", item_id))

    def read(self, path: Path, required: bool = False) -> tuple[Any, str]:
        """The parsed YAML of `path` (None when missing or unreadable) and its displayed name."""
        file = display_path(path)
        if not path.exists():
            if required:
                self.error(file, 0, "file", "missing; the bank folder needs this file")
            return None, file
        data, problems = read_yaml(path)
        for p in problems:
            self.error(file, p.line, "yaml", p.message)
        if problems:
            return None, file
        return data, file

    def expect_map(self, raw: Any, file: str, what: str, allowed: set[str] | frozenset[str]) -> bool:
        if not isinstance(raw, LineMap):
            self.error(file, getattr(raw, "line", 1), what, "must be a mapping (key: value lines)")
            return False
        if not allowed.issuperset(raw):
            for key in raw:
                if key not in allowed:
                    self.error(file, raw.key_line(key), f"{what}.{key}", "unknown field; allowed: "
                               + ", ".join(sorted(allowed)))
        return True

    def expect_list(self, raw: LineMap, key: str, file: str) -> list[Any]:
        value = raw.get(key)
        if not isinstance(value, list):
            self.error(file, raw.key_line(key), key, "missing or not a list")
            return []
        return value

    def text(self, raw: LineMap, key: str, file: str) -> str | None:
        value = raw.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(file, raw.key_line(key), key, "missing or empty")
            return None
        return value.strip()

    def ident(self, raw: LineMap, key: str, file: str) -> str | None:
        value = self.text(raw, key, file)
        if value is not None and not ID.match(value):
            self.error(file, raw.key_line(key), key, f"{value!r}: start with a letter; use letters, digits, '.', "
                       "'_' and '-'")
        return value

    def rich(self, raw: LineMap, key: str, file: str, item_id: str | None, label: str | None = None,
             empty: str = "missing or empty") -> str | None:
        """Text in the Markdown subset: missing or empty is a problem, and so is markup outside the subset."""
        value = raw.get(key)
        if type(value) is not str:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            elif not isinstance(value, str):
                return self._no_text(raw, key, file, item_id, label or key, empty)
        stripped = value.strip()
        if not stripped:
            return self._no_text(raw, key, file, item_id, label or key, empty)
        if ("<" in value and _TAG.search(value)) or ("]" in value and _LINK.search(value)):
            for message in markup_problems(value):
                self.error(file, raw.key_line(key), label or key, f"unsafe or unsupported markup: {message}; use the "
                           "Markdown subset in docs/authoring.md", item_id)
        return stripped

    def _no_text(self, raw: LineMap, key: str, file: str, item_id: str | None, label: str, empty: str) -> None:
        if key in raw or label.startswith("choices"):
            self.error(file, raw.key_line(key), label, empty, item_id)
        return None


def entry_line(values: list[Any], n: int, default: int) -> int:
    """The line of entry `n` of a YAML list, or `default` for a value that does not know its lines."""
    return values.entry_line(n) if isinstance(values, LineList) else default


def known(value: Any, collection: Container[Any]) -> bool:
    """`value in collection`, False for a value that cannot be looked up (a list or mapping where an id belongs)."""
    try:
        return value in collection
    except TypeError:
        return False


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def shared(value: Any) -> Any:
    """One copy of a short value that recurs across items (domain, objective, level, source, tag ids)."""
    return sys.intern(value) if type(value) is str else value


def opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
