"""Read YAML while keeping the line of every key, so each problem can be reported as file:line.

PyYAML (with libyaml's C parser when present) composes nodes that carry their start marks; mappings are built as
`LineMap`, a dict that also remembers where each key and the mapping itself stood. Duplicate keys, which YAML
would otherwise resolve silently to the last one, are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml is in the wheels we lock
    _Base = yaml.SafeLoader


class LineMap(dict):
    """A dict that knows the line of itself (`line`) and of each key (`key_line`)."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}

    def key_line(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list that knows its own line (`line`) and the line of each entry (`lines`)."""

    line: int = 0
    lines: tuple[int, ...] = ()

    def entry_line(self, n: int) -> int:
        return self.lines[n] if n < len(self.lines) else self.line


@dataclass(frozen=True)
class YamlProblem:
    line: int
    message: str


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems: list[YamlProblem] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineMap:
        mapping = LineMap()
        mapping.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                self.problems.append(YamlProblem(key_node.start_mark.line + 1, "a mapping key must be a plain value"))
                continue
            if key in mapping:
                self.problems.append(
                    YamlProblem(key_node.start_mark.line + 1, f"{key}: duplicate key (first given on line "
                                f"{mapping.key_lines[key]}); keep one")
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        seq = LineList(self.construct_object(child, deep=True) for child in node.value)
        seq.line = node.start_mark.line + 1
        seq.lines = tuple(child.start_mark.line + 1 for child in node.value)
        return seq


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def read_yaml(path: Path) -> tuple[Any, list[YamlProblem]]:
    """Parse one file; a syntax error comes back as a problem at its line, never as an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [YamlProblem(1, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8")]
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [YamlProblem(line, f"YAML syntax: {exc.problem or exc.context}")]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(1, f"YAML: {exc}")]
    finally:
        loader.dispose()
    return data, loader.problems
