"""Item analysis against values worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import pytest

from item_bank.item_analysis import (
    ScoredResponse,
    item_statistics,
    option_counts,
    pearson,
    percent_correct,
    point_biserial,
    score_distribution,
    totals,
)


def r(who: str, item: str, score: float, max_score: float = 1.0, chosen: tuple[str, ...] = ()) -> ScoredResponse:
    return ScoredResponse(who, item, score, max_score, chosen)


# Four learners, three one-point items:
#   learner  A  B  C  total
#   p1       1  1  1  3
#   p2       1  0  1  2
#   p3       0  1  0  1
#   p4       0  0  0  0
CLASS = [
    r("p1", "A", 1, chosen=("a1",)), r("p1", "B", 1, chosen=("b1",)), r("p1", "C", 1, chosen=("c1",)),
    r("p2", "A", 1, chosen=("a1",)), r("p2", "B", 0, chosen=("b2",)), r("p2", "C", 1, chosen=("c1",)),
    r("p3", "A", 0, chosen=("a2",)), r("p3", "B", 1, chosen=("b1",)), r("p3", "C", 0, chosen=("c3",)),
    r("p4", "A", 0, chosen=("a2",)), r("p4", "B", 0, chosen=()), r("p4", "C", 0, chosen=("c2",)),
]


def test_totals_add_up_each_learners_item_scores():
    assert totals(CLASS) == {"p1": 3, "p2": 2, "p3": 1, "p4": 0}


def test_percent_correct_is_the_share_with_full_credit():
    assert percent_correct([x for x in CLASS if x.item_id == "A"]) == 50.0
    partial = [r("p1", "M", 2, 2), r("p2", "M", 1, 2), r("p3", "M", 0, 2), r("p4", "M", 2, 2)]
    assert percent_correct(partial) == 50.0
    assert percent_correct([]) is None


def test_point_biserial_correlates_the_item_with_the_rest_score():
    # A: item [1,1,0,0], rest B+C [2,1,1,0]; means .5 and 1;
    #    sum of products (.5)(1)+(.5)(0)+(-.5)(0)+(-.5)(-1) = 1; sum sq item = 1; sum sq rest = 2 -> 1/sqrt(2)
    assert point_biserial(CLASS, "A") == pytest.approx(1 / math.sqrt(2))
    # B: item [1,0,1,0], rest A+C [2,2,0,0]; products .5 - .5 - .5 + .5 = 0 -> 0
    assert point_biserial(CLASS, "B") == pytest.approx(0.0)
    # C: item [1,1,0,0], rest A+B [2,1,1,0] -> the same as A
    assert point_biserial(CLASS, "C") == pytest.approx(1 / math.sqrt(2))


def test_an_item_the_weaker_learners_get_right_discriminates_negatively():
    # D: right for p3 and p4 only. Rest scores (A+B+C): 3, 2, 1, 0; item [0,0,1,1]; means .5 and 1.5;
    # products (-.5)(1.5)+(-.5)(.5)+(.5)(-.5)+(.5)(-1.5) = -2; sum sq item 1; sum sq rest 5 -> -2/sqrt(5)
    with_d = [*CLASS, r("p1", "D", 0), r("p2", "D", 0), r("p3", "D", 1), r("p4", "D", 1)]
    assert point_biserial(with_d, "D") == pytest.approx(-2 / math.sqrt(5))


def test_discrimination_is_undefined_without_variance_or_with_one_learner():
    everyone_right = [r("p1", "E", 1), r("p1", "F", 1), r("p2", "E", 1), r("p2", "F", 0)]
    assert point_biserial(everyone_right, "E") is None
    assert point_biserial([r("p1", "E", 1), r("p1", "F", 0)], "E") is None
    assert pearson([], []) is None
    with pytest.raises(ValueError, match="one length"):
        pearson([1.0], [1.0, 2.0])


def test_partial_credit_uses_the_pearson_correlation_of_the_points():
    # M (2 points): [2, 1, 0]; rest N: [1, 1, 0]; means 1 and 2/3;
    # products (1)(1/3)+(0)(1/3)+(-1)(-2/3) = 1; sum sq M = 2; sum sq N = 1/9+1/9+4/9 = 2/3 -> 1/sqrt(4/3)
    data = [r("p1", "M", 2, 2), r("p1", "N", 1), r("p2", "M", 1, 2), r("p2", "N", 1), r("p3", "M", 0, 2),
            r("p3", "N", 0)]
    assert point_biserial(data, "M") == pytest.approx(1 / math.sqrt(4 / 3))


def test_option_counts_list_every_option_and_count_each_chosen_one():
    b = [x for x in CLASS if x.item_id == "B"]
    assert option_counts(b, ("b1", "b2", "b3")) == {"b1": 2, "b2": 1, "b3": 0}
    multi = [r("p1", "M", 1, chosen=("m1", "m3")), r("p2", "M", 0, chosen=("m1",))]
    assert option_counts(multi, ("m1", "m2", "m3")) == {"m1": 2, "m2": 0, "m3": 1}


def test_item_statistics_put_it_together_in_item_order():
    stats = item_statistics(CLASS, {"A": ("a1", "a2"), "B": ("b1", "b2"), "C": ("c1", "c2", "c3")})
    assert [s.item_id for s in stats] == ["A", "B", "C"]
    b = stats[1]
    assert (b.responses, b.percent_correct, b.mean_score, b.max_score) == (4, 50.0, 50.0, 1.0)
    assert b.discrimination == pytest.approx(0.0)
    assert b.option_counts == {"b1": 2, "b2": 1} and b.omitted == 1
    assert stats[2].option_counts == {"c1": 2, "c2": 1, "c3": 1} and stats[2].omitted == 0


def test_an_essay_has_a_mean_score_but_no_options():
    essays = [r("p1", "E", 6, 9), r("p2", "E", 9, 9), r("p1", "X", 1), r("p2", "X", 0)]
    [essay, _] = item_statistics(essays)
    # mean of 6/9 and 9/9 = 5/6 -> 83.33 %; full credit 1 of 2 -> 50 %
    assert essay.mean_score == pytest.approx(250 / 3)
    assert essay.percent_correct == 50.0 and essay.option_counts == {} and essay.omitted == 0


def test_score_distribution_counts_totals_per_band_with_100_in_the_top_band():
    bins = score_distribution([0, 9.99, 10, 55, 100, 95], bins=10)
    assert [b.count for b in bins] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert (bins[0].lower, bins[0].upper, bins[0].label) == (0, 10, "0–10%")
    assert [b.count for b in score_distribution([50, 49.9], bins=2)] == [1, 1]
    with pytest.raises(ValueError, match="0..100"):
        score_distribution([101])
    with pytest.raises(ValueError, match="at least one bin"):
        score_distribution([], bins=0)
