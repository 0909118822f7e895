"""Mastery per objective: right answers raise it, wrong ones lower it, hard and easy items weigh as documented, old
answers fade, the levels need enough answers, and a recompute from the stored responses equals the updates made one
by one."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from item_bank.mastery import (
    HALF_LIFE,
    Evidence,
    MasteryLevel,
    confident_mastery,
    estimate,
    evidence_from_item,
    prior,
    update,
)

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def answer(fraction: float, difficulty: str = "moderate", objectives: tuple[str, ...] = ("D3.1",),
           at: datetime = NOW, item_id: str = "cps-d3-001") -> Evidence:
    return Evidence(item_id, objectives, difficulty, fraction, at)


def after(*answers: Evidence, objective: str = "D3.1"):
    return estimate(answers, [objective])[objective]


def test_a_right_answer_raises_the_mean_and_a_wrong_one_lowers_it() -> None:
    start = prior("D3.1")
    assert start.mean == 0.5 and start.evidence == 0 and start.updated_at is None
    assert update(start, answer(1.0)).mean > 0.5
    assert update(start, answer(0.0)).mean < 0.5
    middle = after(answer(1.0, at=NOW), answer(0.0, at=NOW, item_id="cps-d3-002"))
    assert update(middle, answer(1.0)).mean > middle.mean > update(middle, answer(0.0)).mean
    assert update(start, answer(0.5)).mean == pytest.approx(0.5)  # half the points: half a right, half a wrong answer


def test_a_right_answer_on_a_harder_item_raises_more_and_a_wrong_one_on_an_easier_item_lowers_more() -> None:
    start = prior("D3.1")
    right = {d: update(start, answer(1.0, d)).mean for d in ("easy", "moderate", "hard")}
    wrong = {d: update(start, answer(0.0, d)).mean for d in ("easy", "moderate", "hard")}
    assert right["hard"] > right["moderate"] > right["easy"] > 0.5
    assert wrong["easy"] < wrong["moderate"] < wrong["hard"] < 0.5


def test_answers_narrow_the_uncertainty() -> None:
    answers = [answer(n % 2, at=NOW + timedelta(minutes=n), item_id=f"i{n}") for n in range(8)]
    spreads = [after(*answers[:n]).uncertainty for n in range(len(answers) + 1)]
    assert spreads == sorted(spreads, reverse=True) and spreads[0] > 0.28 and spreads[-1] < 0.17


def test_old_evidence_fades_towards_the_prior_with_a_half_life() -> None:
    wrong_long_ago = [answer(0.0, at=NOW - timedelta(days=120, minutes=n), item_id=f"old{n}") for n in range(6)]
    wrong_recently = [answer(0.0, at=NOW - timedelta(minutes=10 + n), item_id=f"new{n}") for n in range(6)]
    right_now = answer(1.0, at=NOW, item_id="now")
    assert after(*wrong_long_ago, right_now).mean > after(*wrong_recently, right_now).mean
    state = after(*(answer(1.0, at=NOW, item_id=f"r{n}") for n in range(4)))  # alpha 5, beta 1
    later = update(state, answer(0.0, at=NOW + HALF_LIFE, item_id="later"))
    assert later.alpha == pytest.approx(1 + 4 / 2)  # the four right answers count half after one half-life
    assert later.beta == pytest.approx(2.0) and later.evidence == 5 and later.updated_at == NOW + HALF_LIFE


def test_a_recompute_from_the_stored_responses_equals_the_updates_made_one_by_one() -> None:
    rng = random.Random(15)
    objectives = ["D3.1", "D3.2", "D5.4", "D9.1"]
    responses = []
    for n in range(300):
        tagged = tuple(rng.sample(objectives, rng.choice((1, 1, 2))))
        when = NOW + timedelta(hours=rng.randrange(0, 200))  # many answers share a time: ties, broken by item id
        responses.append(Evidence(f"item-{n:03d}", tagged, rng.choice(("easy", "moderate", "hard")),
                                  rng.choice((0.0, 0.5, 1.0, 1 / 3)), when))
    incremental = {o: prior(o) for o in objectives}
    for response in sorted(responses, key=lambda e: (e.answered_at, e.item_id)):  # as submissions arrive
        for objective in response.objectives:
            incremental[objective] = update(incremental[objective], response)
    rng.shuffle(responses)
    assert estimate(responses, objectives) == incremental  # exactly equal, not approximately


def test_estimate_gives_every_objective_asked_and_only_those() -> None:
    result = estimate([answer(1.0, objectives=("D3.1", "D4.2"))], ["D3.1", "D7.7"])
    assert set(result) == {"D3.1", "D7.7"}
    assert result["D7.7"] == prior("D7.7") and result["D3.1"].evidence == 1


def test_an_item_counts_less_for_its_other_objectives_than_for_its_first() -> None:
    both = answer(1.0, objectives=("D3.1", "D4.2"))
    first, second = estimate([both], ["D3.1", "D4.2"]).values()
    assert first.mean > second.mean > 0.5
    assert update(prior("D8.1"), both) == prior("D8.1")  # an objective the item does not test is left as it is


def test_levels_need_a_high_mean_and_enough_answers() -> None:
    assert prior("D3.1").level is MasteryLevel.NOT_STARTED
    two_hard_right = after(answer(1.0, "hard", item_id="a"), answer(1.0, "hard", item_id="b"))
    assert two_hard_right.mean >= 0.8 and two_hard_right.level is MasteryLevel.NEARLY_THERE  # never on two answers
    five_right = after(*(answer(1.0, item_id=f"r{n}") for n in range(5)))
    assert five_right.level is MasteryLevel.MASTERED
    assert after(answer(1.0)).level is MasteryLevel.DEVELOPING
    assert after(answer(0.0), answer(0.0, item_id="b")).level is MasteryLevel.GETTING_STARTED
    mixed = after(*(answer(float(n % 2), item_id=f"m{n}") for n in range(6)))
    assert mixed.level is MasteryLevel.DEVELOPING


def test_levels_are_ordered_and_say_what_they_mean_in_words() -> None:
    levels = list(MasteryLevel)
    assert [level.rank for level in levels] == [0, 1, 2, 3, 4]
    assert levels[0] is MasteryLevel.NOT_STARTED and levels[-1] is MasteryLevel.MASTERED
    assert len({level.label for level in levels}) == 5
    for level in levels:
        assert level.label.startswith(level.short_label + ":") and len(level.label.split()) >= 6


def test_evidence_from_a_bank_item_carries_its_objectives_and_difficulty(starter_bank) -> None:
    item = starter_bank.item("cps-s-d3-001")
    evidence = evidence_from_item(item, 1, NOW)
    assert evidence == Evidence("cps-s-d3-001", item.objectives, "easy", 1.0, NOW)


@pytest.mark.parametrize(("fraction", "at", "message"), [
    (1.5, NOW, "fraction 1.5 is outside 0..1; give score / max_score"),
    (-0.1, NOW, "fraction -0.1 is outside 0..1"),
    (1.0, datetime(2025, 3, 3, 10, 0), "has no time zone; give a timezone-aware UTC datetime"),
])
def test_a_bad_response_is_refused_with_what_to_give(starter_bank, fraction, at, message) -> None:
    with pytest.raises(ValueError, match="response to cps-s-d3-001: .*" + message.replace("(", r"\(")):
        evidence_from_item(starter_bank.item("cps-s-d3-001"), fraction, at)


def test_an_unknown_difficulty_is_refused() -> None:
    with pytest.raises(ValueError, match="difficulty 'tricky' is not one of easy, moderate, hard"):
        update(prior("D3.1"), answer(1.0, "tricky"))


def test_the_practice_grade_starts_at_zero_rises_with_right_answers_and_never_with_a_wrong_one() -> None:
    assert confident_mastery({}, ["D3.1", "D3.2"]) == 0.0
    assert confident_mastery({}, []) == 0.0
    right = [answer(1.0, item_id=f"r{n}") for n in range(8)]
    grades = [confident_mastery(estimate(right[:n], ["D3.1"]), ["D3.1", "D3.2"]) for n in range(9)]
    assert grades[0] == 0.0 and all(a < b for a, b in zip(grades[1:], grades[2:], strict=False))
    some = estimate(right[:3], ["D3.1"])
    missed = update(some["D3.1"], answer(0.0, item_id="w1"))
    assert confident_mastery({"D3.1": missed}, ["D3.1"]) < confident_mastery(some, ["D3.1"])
    assert confident_mastery(estimate([answer(0.0, item_id="w0")], ["D3.1"]), ["D3.1"]) == 0.0


