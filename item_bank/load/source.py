"""Read YAML while keeping the line of every key, so each problem can be reported as file:line.

libyaml's C parser (through PyYAML) does the parsing. Its events are built straight into `LineMap`, a dict that also
remembers where each key and the mapping itself stood, and `LineList`, a list that remembers the line of each entry:
no node tree and no constructor dispatch per node, which halves the time to read a big bank. Plain scalars are typed
with PyYAML's own resolver patterns and constructors (YAML 1.1: `yes` is true, `2026-01-02` a date), so the values
are the ones `yaml.safe_load` gives. A document that uses what this fast path does not build (anchors, aliases,
explicit tags, merge keys, a collection as a key, more than one document) is read again by PyYAML's composer and
constructor, which give the same values and the same errors. Duplicate keys, which YAML would otherwise resolve
silently to the last one, are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.resolver import Resolver

try:
    from yaml.cyaml import CParser as _Parser
    from yaml.cyaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - libyaml is in the wheels we lock; the pure-Python loader parses the same
    _Parser = _Base = yaml.SafeLoader


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


def read_yaml(path: Path) -> tuple[Any, list[YamlProblem]]:
    """Parse one file; a syntax error comes back as a problem at its line, never as an exception."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [YamlProblem(1, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8")]
    try:
        return _EventBuilder(data).document()
    except _Unusual:
        return _compose(data)
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc)]


def _syntax_problem(exc: yaml.YAMLError) -> YamlProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        return YamlProblem(mark.line + 1 if mark else 1, f"YAML syntax: {exc.problem or exc.context}")
    return YamlProblem(1, f"YAML: {exc}")


# -- the fast path: libyaml events -> LineMap / LineList ---------------------------------------------------------

class _Unusual(Exception):
    """The document uses something the event builder leaves to PyYAML's composer (see the module docstring)."""


_PLAIN_TAGS = {"tag:yaml.org,2002:" + name for name in ("null", "bool", "int", "float", "timestamp")}
_RESOLVERS = Resolver.yaml_implicit_resolvers
_CONSTRUCTOR = SafeConstructor()
# Plain scalars whose first character could start a typed value (`true`, `no`, `3`, `2026-01-01`, `~`) go through
# PyYAML's resolver patterns; the answers for short ones, which recur (`true`, `false`, `true_false`), are kept.
_TYPED_CACHE: dict[str, Any] = {}
_TYPED_CACHE_SIZE = 4096
_TYPED_CACHE_LENGTH = 32
_MISSING = object()
_NO_KEY = object()


def _typed(value: str, resolvers: list[tuple[str, Any]]) -> Any:
    """A plain (unquoted) scalar that may be typed (`resolvers`: the patterns for its first character) as YAML 1.1
    types it: null, bool, int, float, date or str, as PyYAML would."""
    known = _TYPED_CACHE.get(value, _MISSING)
    if known is not _MISSING:
        return known
    result: Any = value
    for tag, regexp in resolvers:
        if regexp.match(value):
            if tag not in _PLAIN_TAGS:
                raise _Unusual(tag)
            try:
                result = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, value))
            except Exception as exc:  # e.g. a timestamp that is no date: let PyYAML report it its own way
                raise _Unusual(tag) from exc
            break
    if len(value) <= _TYPED_CACHE_LENGTH and len(_TYPED_CACHE) < _TYPED_CACHE_SIZE:
        _TYPED_CACHE[value] = result
    return result


class _EventBuilder:
    """Builds one document from the parser's events with an explicit stack (no recursion, no node objects)."""

    def __init__(self, data: bytes) -> None:
        self.parser = _Parser(data)
        self.problems: list[YamlProblem] = []

    def document(self) -> tuple[Any, list[YamlProblem]]:
        get = self.parser.get_event
        try:
            get()  # stream start
            if isinstance(self.parser.peek_event(), StreamEndEvent):
                return None, []
            get()  # document start
            root = self.build(get)
            if not isinstance(get(), DocumentEndEvent) or not isinstance(get(), StreamEndEvent):
                raise _Unusual("more than one document")
        finally:
            self.parser.dispose()
        return root, self.problems

    def build(self, get: Any) -> Any:
        """The root value. Open collections wait on `stack`; in the open mapping `key` holds a key until its value
        comes (`_NO_KEY` when none), in the open sequence `lines` collects the line of each entry."""
        stack: list[tuple[Any, Any, int, list[int] | None]] = []
        top: Any = None
        key: Any = _NO_KEY
        key_line, lines = 0, None
        while True:
            event = get()
            kind = type(event)
            if kind is ScalarEvent:
                if event.anchor is not None or event.tag is not None:
                    raise _Unusual("anchor or tag")
                value = event.value
                if event.implicit[0]:
                    resolvers = _RESOLVERS.get(value[:1])
                    if resolvers:
                        value = _typed(value, resolvers)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.anchor is not None or event.tag is not None:
                    raise _Unusual("anchor or tag")
                if lines is not None:
                    lines.append(event.start_mark.line + 1)
                elif key is _NO_KEY and top is not None:
                    raise _Unusual("a mapping or sequence as a key")
                stack.append((top, key, key_line, lines))
                top = _line_map() if kind is MappingStartEvent else LineList()
                top.line = event.start_mark.line + 1
                key, key_line, lines = _NO_KEY, 0, None if kind is MappingStartEvent else []
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                value = top
                if lines is not None:
                    value.lines = tuple(lines)
                top, key, key_line, lines = stack.pop()
                if top is None:
                    return value
                if lines is not None:
                    top.append(value)
                else:
                    self.put(top, key, key_line, value)
                    key = _NO_KEY
                continue
            else:
                raise _Unusual(kind.__name__)  # an alias
            # a scalar: an entry of the open sequence, a key of the open mapping, its value, or the whole document
            if lines is not None:
                top.append(value)
                lines.append(event.start_mark.line + 1)
            elif key is _NO_KEY:
                if top is None:
                    return value
                key, key_line = value, event.start_mark.line + 1
            elif key in top:
                self.put(top, key, key_line, value)
                key = _NO_KEY
            else:
                top[key] = value
                top.key_lines[key] = key_line
                key = _NO_KEY

    def put(self, mapping: LineMap, key: Any, key_line: int, value: Any) -> None:
        """Add `key: value`, reporting a duplicate key (the last value stays, as in YAML loaders)."""
        if key in mapping:
            self.problems.append(YamlProblem(key_line, f"{key}: duplicate key (first given on line "
                                             f"{mapping.key_lines[key]}); keep one"))
        mapping[key] = value
        mapping.key_lines[key] = key_line


def _line_map() -> LineMap:
    mapping = dict.__new__(LineMap)
    mapping.key_lines = {}
    return mapping


# -- the full path: PyYAML's composer and constructor, for what the fast path leaves out ------------------------

class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    def __init__(self, stream: Any) -> None:
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


def _compose(data: bytes) -> tuple[Any, list[YamlProblem]]:
    loader = _LineLoader(data)
    try:
        document = loader.get_single_data()
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc)]
    finally:
        loader.dispose()
    return document, loader.problems
