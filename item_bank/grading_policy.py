"""A grading policy across attempts: which of a learner's attempts make the one score the gradebook keeps.

Moodle's and Canvas's gradebooks keep the latest score a tool posts (AGS orders scores by timestamp), so the tool
posts the policy's combination itself, after every submission, essay grade and regrade. Pure: attempt scores in
attempt order in, one score out.

An attempt whose essay still waits for a grade counts once it is graded. Until then the policy reads the graded
attempts, and the result is marked pending while a waiting attempt could still change it (every waiting attempt
for `highest` and `average`; the first or the latest attempt for `first` and `latest`). Only when no attempt is
graded yet does the policy read the waiting attempts' points so far, as the score "still to be graded".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from item_bank.model import GradingPolicy

POLICY_NAMES = {
    GradingPolicy.HIGHEST: "highest attempt",
    GradingPolicy.LATEST: "latest attempt",
    GradingPolicy.FIRST: "first attempt",
    GradingPolicy.AVERAGE: "average of all attempts",
}


@dataclass(frozen=True)
class AttemptScore:
    """One submitted attempt's total; `pending` while an essay of it waits for a grade."""

    score: float
    maximum: float
    pending: bool = False


@dataclass(frozen=True)
class RecordedScore:
    """The score the policy makes of a learner's attempts; `pending` while a waiting essay may still change it."""

    score: float
    maximum: float
    pending: bool = False


def final_score(policy: GradingPolicy, attempts: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """(score, maximum) by the policy over (score, maximum) pairs in attempt order; None without an attempt.

    `highest` compares percentages (an attempt with a dropped item has a smaller maximum) and keeps the first of
    equals; `average` averages the points and the maxima, which is the average percentage when maxima are equal."""
    if not attempts:
        return None
    if policy is GradingPolicy.FIRST:
        return attempts[0]
    if policy is GradingPolicy.LATEST:
        return attempts[-1]
    if policy is GradingPolicy.HIGHEST:
        return max(attempts, key=_share)
    count = len(attempts)
    return (float(sum(Fraction(s) for s, _ in attempts) / count),
            float(sum(Fraction(m) for _, m in attempts) / count))


def recorded_score(policy: GradingPolicy, attempts: Sequence[AttemptScore]) -> RecordedScore | None:
    """The score to record for these attempts (in attempt order), graded ones first; see the module's note."""
    graded = [(a.score, a.maximum) for a in attempts if not a.pending]
    if not graded:
        waiting = final_score(policy, [(a.score, a.maximum) for a in attempts])
        return None if waiting is None else RecordedScore(*waiting, pending=True)
    score, maximum = final_score(policy, graded)
    return RecordedScore(score, maximum, _may_change(policy, attempts))


def _may_change(policy: GradingPolicy, attempts: Sequence[AttemptScore]) -> bool:
    if policy is GradingPolicy.FIRST:
        return attempts[0].pending
    if policy is GradingPolicy.LATEST:
        return attempts[-1].pending
    return any(a.pending for a in attempts)


def _share(attempt: tuple[float, float]) -> Fraction:
    score, maximum = attempt
    return Fraction(score) / Fraction(maximum) if maximum else Fraction(0)
