"""The loader's YAML reader (libyaml events built straight into line-aware maps and lists) reads what PyYAML reads,
with the line of every key and entry; the garbage-collector pause belongs to bulk commands only."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import yaml

from item_bank.load import bulk_loading, check_bank
from item_bank.load.source import LineList, LineMap, read_yaml

DOCUMENTS = [
    "a: 1\nb: [x, 'y', \"z\"]\nc: {d: null, e: ~}\n",
    "- yes\n- No\n- on\n- 0x1F\n- 017\n- 1_000\n- 1:30\n- .inf\n- -.5e3\n- 2026-01-02\n- 2026-01-02T10:00:00Z\n",
    "text: |\n  block\n  text\nfolded: >\n  folded\n  text\nquoted: 'it''s: yes'\nescaped: \"\\u00e9\\x41\"\n",
    "items:\n  - id: a\n    choices:\n      - {id: b, correct: true}\n      - {id: c, correct: false}\n",
    "2: a\n1.5: b\ntrue: c\nnull: d\n",
    "",
    "---\n",
    "just a scalar\n",
    "base: &b {x: 1}\nother: *b\n",  # anchors and aliases: read by PyYAML's own composer
    "a: !!str 1\nb: !!int '2'\n",  # explicit tags: likewise
]


def _lines(value: object) -> object:
    """The value with every mapping's key lines and every list's entry lines, for comparing two readings."""
    if isinstance(value, LineMap):
        return {k: (value.key_line(k), _lines(v)) for k, v in value.items()} | {"@": value.line}
    if isinstance(value, LineList):
        return [value.line, list(value.lines), [_lines(v) for v in value]]
    return value


@pytest.mark.parametrize("text", DOCUMENTS)
def test_values_are_what_pyyaml_reads(tmp_path: Path, text: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    data, problems = read_yaml(path)
    assert problems == []
    assert data == yaml.load(text, Loader=yaml.CSafeLoader)


def test_every_key_and_entry_knows_its_line(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("top:\n  - first\n  -\n    key: value\n    other: [x,\n      y]\n  - last\n", encoding="utf-8")
    data, _ = read_yaml(path)
    assert _lines(data) == {
        "@": 1,
        "top": (1, [2, [2, 4, 7], ["first", {"@": 4, "key": (4, "value"), "other": (5, [5, [5, 6], ["x", "y"]])},
                                   "last"]]),
    }


def test_a_duplicate_key_is_reported_at_its_line_and_the_last_value_stays(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    data, problems = read_yaml(path)
    assert data == {"a": 3, "b": 2}
    assert [(p.line, p.message) for p in problems] == [(3, "a: duplicate key (first given on line 1); keep one")]


def test_a_syntax_error_is_one_problem_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\nb: [unclosed\n", encoding="utf-8")
    data, problems = read_yaml(path)
    assert data is None
    assert [p.line for p in problems] == [3] and problems[0].message.startswith("YAML syntax: ")


def test_a_list_or_mapping_where_an_id_belongs_is_a_problem_not_a_crash(bank_copy: Path) -> None:
    items = bank_copy / "items" / "starter.yaml"
    text = items.read_text(encoding="utf-8")
    items.write_text(text.replace("    domain: D3\n", "    domain: [D3, D4]\n", 1)
                     .replace("scenario: sc-starter-respite", "scenario: {x: 1}", 1), encoding="utf-8")
    bank, problems = check_bank(bank_copy)
    messages = "\n".join(map(str, problems))
    assert bank is None
    assert "domain: unknown domain ['D3', 'D4']" in messages
    assert "scenario: unknown scenario {'x': 1}" in messages


def test_only_a_bulk_load_pauses_the_collector(starter_bank_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert gc.isenabled()
    with bulk_loading():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert check_bank(starter_bank_path, bulk=True)[0] is not None
    assert gc.isenabled()

    def refuse() -> None:
        raise AssertionError("the default load must leave the collector alone (the server loads banks in threads)")

    monkeypatch.setattr(gc, "disable", refuse)
    assert check_bank(starter_bank_path)[0] is not None
