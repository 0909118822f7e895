"""Moodle XML: categories per domain, tags, feedback, grader info, and fractions Moodle accepts and scores alike."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import pytest
from lxml import etree

from exporters.moodle_xml import APPROXIMATED_TAG, MOODLE_FRACTIONS, FractionNotInMoodle, moodle_fraction
from item_bank.scoring import all_or_nothing, score_response


@pytest.fixture(scope="module")
def quiz(export_bytes) -> etree._Element:
    return etree.fromstring(export_bytes("moodle-xml"))


@pytest.fixture(scope="module")
def questions(quiz) -> dict[str, etree._Element]:
    return {q.findtext("name/text"): q for q in quiz.iter("question") if q.get("type") != "category"}


def test_one_category_per_domain_before_its_questions(quiz):
    categories = [q.findtext("category/text") for q in quiz.iter("question") if q.get("type") == "category"]
    assert [c.split("/")[-1].split()[0] for c in categories] == ["D1", "D3", "D4", "D6"]
    assert all(c.startswith("$course$/top/CPS ethics/") for c in categories)


def test_types_and_single_flag(questions):
    assert questions["cps-s-d1-001"].get("type") == "multichoice"
    assert questions["cps-s-d1-001"].findtext("single") == "true"
    assert questions["cps-s-d1-002"].findtext("single") == "false"
    assert questions["cps-s-d1-003"].get("type") == "truefalse"
    assert questions["cps-s-d3-003"].get("type") == "essay"


def test_text_is_html_in_cdata(export_bytes, questions):
    assert b"<![CDATA[<p>" in export_bytes("moodle-xml")
    text = questions["cps-s-d1-001"].find("questiontext")
    assert text.get("format") == "html"
    assert "<strong>main</strong>" in text.findtext("text")


def test_tags_name_domain_objectives_and_difficulty(questions):
    tags = [t.text for t in questions["cps-s-d3-003"].iter("text") if t.getparent().tag == "tag"]
    assert {"domain:D3", "objective:D3.2", "objective:D4.2", "difficulty:hard"} <= set(tags)


def test_every_answer_has_its_rationale_and_there_is_general_feedback(questions, starter_bank):
    for item in (i for i in starter_bank.items if i.status == "reviewed"):
        q = questions[item.id]
        assert item.feedback.split(",")[0] in q.findtext("generalfeedback/text")
        answers = q.findall("answer")
        assert len(answers) == len(item.choices)
        for answer, choice in zip(answers, item.choices, strict=True):
            assert choice.rationale.split(" (")[0] in answer.findtext("feedback/text")


def test_essay_grader_info_holds_notes_and_rubric(questions):
    info = questions["cps-s-d3-003"].findtext("graderinfo/text")
    assert "privacy question" in info
    assert "Rubric:" in info and "Identifies the issue(s)" in info


def moodle_score(question: etree._Element, chosen: set[str], ids: list[str]) -> Fraction:
    """Moodle's rule: the chosen answers' fractions summed, clamped to 0..100% (single: the one fraction)."""
    fractions = [Fraction(a.get("fraction")) / 100 for a in question.findall("answer")]
    total = sum((f for cid, f in zip(ids, fractions, strict=True) if cid in chosen), Fraction(0))
    return min(max(total, Fraction(0)), Fraction(1))


@pytest.mark.parametrize("form_id", [None, "starter-draw"])
def test_fractions_are_moodle_values_and_score_like_item_bank(export_bytes, starter_bank, form_id):
    quiz = etree.fromstring(export_bytes("moodle-xml", form_id))
    form = starter_bank.form(form_id) if form_id else None
    rule = form.settings.multiple_response_scoring if form else None
    allowed = {Fraction(v).limit_denominator(100000) for v in MOODLE_FRACTIONS}
    for q in quiz.iter("question"):
        if q.get("type") not in ("multichoice", "truefalse"):
            continue
        item = starter_bank.item(q.findtext("name/text"))
        for answer in q.findall("answer"):
            assert abs(Fraction(answer.get("fraction"))).limit_denominator(100000) in allowed
        ids = [c.id for c in item.choices]
        single = item.type.value != "multiple_response"
        for size in (0, 1) if single else range(len(ids) + 1):
            for chosen in combinations(ids, size):
                expected = score_response(item, chosen, rule).score / Fraction(item.points)
                got = moodle_score(q, set(chosen), ids)
                if all_or_nothing(item, rule) and not single and set(chosen) < item.key_ids:
                    # the documented approximation: a correct subset earns its share in Moodle, 0 in the bank
                    assert got == Fraction(len(chosen), len(item.key_ids))
                    assert APPROXIMATED_TAG in [t.text for t in q.iter("text")]
                else:
                    assert abs(got - expected) < Fraction(1, 10000), (item.id, chosen, got, expected)


def test_all_or_nothing_never_gives_credit_for_a_wrong_option(export_bytes, starter_bank):
    """Documented approximation: with every distractor at -100%, any wrong option still scores 0 in Moodle."""
    quiz = etree.fromstring(export_bytes("moodle-xml", "starter-draw"))
    for q in quiz.iter("question"):
        if q.findtext("single") != "false":
            continue
        item = starter_bank.item(q.findtext("name/text"))
        if not all_or_nothing(item, starter_bank.form("starter-draw").settings.multiple_response_scoring):
            continue
        ids = [c.id for c in item.choices]
        wrong = next(c.id for c in item.choices if not c.correct)
        assert moodle_score(q, set(item.key_ids) | {wrong}, ids) == 0
        assert moodle_score(q, set(item.key_ids), ids) == 1


def test_a_weight_moodle_lacks_is_refused():
    with pytest.raises(FractionNotInMoodle):
        moodle_fraction(Fraction(1, 7) * Fraction(3, 2))
    assert moodle_fraction(Fraction(1, 3)) == "33.33333"
    assert moodle_fraction(Fraction(-1, 6)) == "-16.66667"
