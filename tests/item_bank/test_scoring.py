"""The one scoring definition, for every item type and rule."""

from __future__ import annotations

from fractions import Fraction

import pytest

from item_bank.model import ItemType, ScoringRule
from item_bank.scoring import ResponseError, choice_weights, score_essay, score_response, total


@pytest.fixture
def single(starter_bank):
    return starter_bank.item("cps-s-d1-001")  # key b


@pytest.fixture
def multi(starter_bank):
    return starter_bank.item("cps-s-d1-002")  # keys a, b of a..e; item rule partial


@pytest.fixture
def multi_form_rule(starter_bank):
    return starter_bank.item("cps-s-d4-003")  # keys a, b; no item rule: the form decides


@pytest.fixture
def true_false(starter_bank):
    return starter_bank.item("cps-s-d1-003")  # key "true"


@pytest.fixture
def essay(starter_bank):
    return starter_bank.item("cps-s-d3-003")


def test_single_choice_key_wrong_and_empty(single) -> None:
    assert score_response(single, "b").score == 1
    assert score_response(single, ["b"]).correct
    assert score_response(single, "a").score == 0
    assert score_response(single, None).score == 0
    assert score_response(single, []).score == 0
    assert score_response(single, "").score == 0


def test_single_choice_refuses_two_answers_and_unknown_ids(single) -> None:
    with pytest.raises(ResponseError, match="takes one answer"):
        score_response(single, ["a", "b"])
    with pytest.raises(ResponseError, match="unknown choice id"):
        score_response(single, "z")


def test_true_false(true_false) -> None:
    assert score_response(true_false, "true").score == 1
    assert score_response(true_false, "false").score == 0
    assert score_response(true_false, None).score == 0
    with pytest.raises(ResponseError):
        score_response(true_false, "maybe")


def test_multiple_response_partial_is_right_minus_wrong_over_keys_floored(multi) -> None:
    assert multi.type is ItemType.MULTIPLE_RESPONSE and multi.scoring_rule is ScoringRule.PARTIAL
    assert score_response(multi, ["a", "b"]).score == 1
    assert score_response(multi, ["a"]).score == Fraction(1, 2)
    assert score_response(multi, ["a", "b", "c"]).score == Fraction(1, 2)
    assert score_response(multi, ["a", "c"]).score == 0
    assert score_response(multi, ["c", "d"]).score == 0  # floored, never negative
    assert score_response(multi, ["a", "b", "c", "d", "e"]).score == 0  # every option chosen
    assert score_response(multi, []).score == 0


def test_multiple_response_all_or_nothing_from_the_form(multi_form_rule) -> None:
    rule = ScoringRule.ALL_OR_NOTHING
    assert score_response(multi_form_rule, ["a", "b"], rule).score == 1
    assert score_response(multi_form_rule, ["a"], rule).score == 0
    assert score_response(multi_form_rule, ["a", "b", "c"], rule).score == 0
    assert score_response(multi_form_rule, ["a", "b", "c", "d", "e"], rule).score == 0
    assert score_response(multi_form_rule, None, rule).score == 0
    assert score_response(multi_form_rule, ["a"], ScoringRule.PARTIAL).score == Fraction(1, 2)


def test_the_item_rule_wins_over_the_form_rule(multi) -> None:
    assert score_response(multi, ["a"], ScoringRule.ALL_OR_NOTHING).score == Fraction(1, 2)


def test_multiple_response_refuses_unknown_option(multi) -> None:
    with pytest.raises(ResponseError, match="unknown choice id"):
        score_response(multi, ["a", "q"])


def test_essay_is_pending_manual_grading(essay) -> None:
    result = score_response(essay, None)
    assert result.pending and result.score == 0 and result.max_score == 18
    graded = score_essay(essay, {"issue": 3, "values": 3, "duties": 2, "voice": 3, "consultation": 1,
                                 "follow_through": 2}, levels=3)
    assert graded.score == 14 and not graded.pending
    with pytest.raises(ResponseError):
        score_essay(essay, {"issue": 4}, levels=3)


def test_partial_weights_reproduce_the_score(multi) -> None:
    weights = choice_weights(multi)
    for chosen in (["a"], ["a", "b"], ["a", "c"], ["c", "d", "e"], ["a", "b", "c", "d", "e"]):
        expected = max(Fraction(0), sum(weights[c] for c in chosen))
        assert score_response(multi, chosen).score == expected


def test_totals_carry_pending(single, essay) -> None:
    got, possible, pending = total([score_response(single, "b"), score_response(essay, None)])
    assert (got, possible, pending) == (1, 19, True)
