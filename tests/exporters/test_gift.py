"""GIFT: every special character escaped, per-answer feedback, partial-credit weights, essays as {}."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from exporters.gift import escape, question
from item_bank.model import Choice

SPECIALS = "~=#{}:\\"


def unescaped_specials(text: str) -> list[str]:
    """GIFT specials not preceded by a backslash (after removing the escapes themselves)."""
    return re.findall(r"[~=#{}:]", re.sub(r"\\.", "", text))


def test_escape_backslashes_every_special_character():
    assert escape("a~b=c#d{e}f:g\\h") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h"
    assert unescaped_specials(escape(SPECIALS * 3)) == []


def test_newlines_never_reach_the_output():
    assert escape("one\n\ntwo\r\nthree") == "one two three"


@pytest.fixture(scope="module")
def text(export_bytes) -> str:
    return export_bytes("gift").decode("utf-8")


def blocks(text: str) -> dict[str, str]:
    found = {}
    for block in text.split("\n\n"):
        m = re.search(r"^::(.+?)::", block, re.M)
        if m:
            found[m.group(1).replace("\\", "")] = block
    return found


def test_every_item_is_one_question_with_categories_per_domain(text, starter_bank):
    assert set(blocks(text)) == {i.id for i in starter_bank.items if i.status == "reviewed"}
    assert re.findall(r"^\$CATEGORY: \$course\$/top/CPS ethics/(D\d)", text, re.M) == ["D1", "D3", "D4", "D6"]


def test_single_choice_marks_the_key_and_gives_every_rationale(text, starter_bank):
    block = blocks(text)["cps-s-d1-001"]
    item = starter_bank.item("cps-s-d1-001")
    assert len(re.findall(r"^\t=", block, re.M)) == 1 and len(re.findall(r"^\t~", block, re.M)) == 3
    for choice in item.choices:
        assert escape(choice.rationale.split(" (")[0]) in block
    assert "\t####<p>Peer values" in block


def test_multiple_response_weights_match_item_bank(text):
    block = blocks(text)["cps-s-d1-002"]
    assert re.findall(r"^\t~%(-?[\d.]+)%", block, re.M) == ["50", "50", "-50", "-50", "-50"]


def test_true_false_uses_gift_syntax_with_both_rationales(text):
    block = blocks(text)["cps-s-d1-003"]
    assert re.search(r"\{TRUE#<p>The code binds trainees.*#<p>Trainees are bound", block)


def test_essay_is_an_empty_answer_block_with_grader_notes_as_comment(text):
    block = blocks(text)["cps-s-d3-003"]
    assert re.search(r"\{\n\t####", block)
    assert "// grader notes: Full credit names the privacy question" in block


def test_hostile_text_cannot_break_the_question(starter_bank):
    item = starter_bank.item("cps-s-d1-001")
    nasty = "Pick {one}: a=b ~ c # d \\ e\n\nnot a new question"
    choices = tuple(replace(c, text=f"{c.text} {nasty}") if n == 0 else c for n, c in enumerate(item.choices))
    hostile = replace(item, stem=nasty, choices=choices + (Choice("z", "x", False, nasty),))
    out = question(hostile, starter_bank)
    body = out.split("\n", 1)[1]  # after the metadata comment
    assert "\n\n" not in out.rstrip("\n")
    head, _, rest = body.partition(" {")
    assert unescaped_specials(head) == [":", ":", ":", ":"]  # only ::title::
    answers = rest.rsplit("}", 1)[0]
    for line in answers.strip("\n").split("\n"):
        marker = re.match(r"\t(=|~%?-?[\d.]*%?|####)", line)
        assert marker, line
        rest_of_line = line[marker.end():]
        assert len(unescaped_specials(rest_of_line)) <= 1  # only the '#' before the feedback
