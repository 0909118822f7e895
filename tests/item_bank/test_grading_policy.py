"""Which attempt counts: each grading policy over a learner's attempts, essays still waiting for a grade, and the
form setting that chooses the policy (read from forms.yaml, refused with its line when it is not a policy)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from item_bank.cli import main
from item_bank.grading_policy import AttemptScore, RecordedScore, final_score, recorded_score
from item_bank.load import load_bank
from item_bank.model import GradingPolicy
from item_bank.snapshot import form_from_record, form_record
from tests.item_bank.bank_edits import line_of, replace_once

SEVEN_THEN_FIVE = [(7.0, 10.0), (5.0, 10.0)]


@pytest.mark.parametrize(("policy", "expected"), [
    (GradingPolicy.HIGHEST, (7.0, 10.0)),
    (GradingPolicy.LATEST, (5.0, 10.0)),
    (GradingPolicy.FIRST, (7.0, 10.0)),
    (GradingPolicy.AVERAGE, (6.0, 10.0)),
])
def test_each_policy_over_two_attempts(policy, expected):
    assert final_score(policy, SEVEN_THEN_FIVE) == expected


def test_no_attempt_has_no_score():
    assert all(final_score(policy, []) is None for policy in GradingPolicy)
    assert recorded_score(GradingPolicy.HIGHEST, []) is None


def test_highest_compares_percentages_so_a_dropped_item_does_not_hide_a_better_attempt():
    # 7 of 8 (87.5 %) after an item was dropped beats 8 of 10 (80 %).
    assert final_score(GradingPolicy.HIGHEST, [(8.0, 10.0), (7.0, 8.0)]) == (7.0, 8.0)
    assert final_score(GradingPolicy.HIGHEST, [(0.0, 0.0), (2.0, 10.0)]) == (2.0, 10.0)


def test_average_is_exact_over_three_attempts():
    assert final_score(GradingPolicy.AVERAGE, [(7.0, 10.0), (6.0, 10.0), (6.5, 10.0)]) == (6.5, 10.0)
    score, maximum = final_score(GradingPolicy.AVERAGE, [(1.0, 3.0), (1.0, 3.0), (2.0, 3.0)])
    assert (round(score, 6), maximum) == (1.333333, 3.0)


def test_an_attempt_waiting_for_an_essay_grade_counts_once_graded():
    graded, waiting = AttemptScore(20.0, 24.0), AttemptScore(3.0, 24.0, pending=True)
    # The waiting attempt is left out; the score is pending only where the policy would read it.
    assert recorded_score(GradingPolicy.HIGHEST, [graded, waiting]) == RecordedScore(20.0, 24.0, pending=True)
    assert recorded_score(GradingPolicy.AVERAGE, [graded, waiting]) == RecordedScore(20.0, 24.0, pending=True)
    assert recorded_score(GradingPolicy.LATEST, [graded, waiting]) == RecordedScore(20.0, 24.0, pending=True)
    assert recorded_score(GradingPolicy.FIRST, [graded, waiting]) == RecordedScore(20.0, 24.0, pending=False)
    # Graded, it counts like any other.
    assert recorded_score(GradingPolicy.LATEST, [graded, AttemptScore(15.0, 24.0)]) == RecordedScore(15.0, 24.0)


def test_with_no_attempt_graded_yet_the_points_so_far_are_recorded_as_pending():
    assert recorded_score(GradingPolicy.HIGHEST, [AttemptScore(6.0, 24.0, pending=True)]) == RecordedScore(
        6.0, 24.0, pending=True)


def test_the_policy_is_kept_in_the_pinned_form_record_and_old_records_mean_highest(starter_bank):
    form = starter_bank.form("starter-quiz")
    record = form_record(form)
    assert record["settings"]["grading_policy"] == "highest"
    record["settings"]["grading_policy"] = "latest"
    assert form_from_record(record).settings.grading_policy is GradingPolicy.LATEST
    del record["settings"]["grading_policy"]  # an attempt pinned before policies existed
    assert form_from_record(record).settings.grading_policy is GradingPolicy.HIGHEST


def test_a_form_sets_its_policy_and_highest_is_the_default(bank_copy: Path):
    assert load_bank(bank_copy).form("starter-quiz").settings.grading_policy is GradingPolicy.HIGHEST
    replace_once(bank_copy / "forms.yaml", "      passing_score: 70\n",
                 "      passing_score: 70\n      grading_policy: average\n")
    assert load_bank(bank_copy).form("starter-quiz").settings.grading_policy is GradingPolicy.AVERAGE


def test_an_unknown_policy_is_reported_at_its_line(bank_copy: Path):
    forms = bank_copy / "forms.yaml"
    replace_once(forms, "      passing_score: 70\n", "      passing_score: 70\n      grading_policy: best\n")
    result = CliRunner().invoke(main, ["validate", str(bank_copy)])
    assert result.exit_code == 1
    line = line_of(forms, "grading_policy: best")
    assert re.search(rf"{re.escape(str(forms))}:{line}: settings\.grading_policy: use highest, latest, first or "
                     r"average", result.output), result.output
    assert "Traceback" not in result.output
