"""Grading essays against the blueprint's rubric, and sending the learner's recorded score.

A grade is rubric points per dimension (0..levels) turned into item points by `item_bank.scoring.score_essay`
and stored on the attempt's pinned essay row; the attempt's score is the sum of its stored item scores (choice
items as scored at submission, essays as graded). Once no essay of the attempt waits, the learner's recorded score
(their attempts at the link by the grading policy, `delivery.recorded_scores`) goes to the outbox (Canvas:
`new_submission: false`), stamped after the attempt row is locked, so it is always newer than any score queued
before it and the sender never posts an older score over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from item_bank.model import Bank, Item, ItemType, Rubric
from item_bank.scoring import ResponseError, score_essay, total
from lti_tool.delivery import attempts as attempt_logic
from lti_tool.delivery import recorded_scores
from lti_tool.delivery.essay_grades import EssayGrade, grades_of
from lti_tool.delivery.mastery_store import record_attempt
from lti_tool.delivery.models import SUBMITTED, Attempt, ScoreOutbox
from lti_tool.lti.models import User
from lti_tool.web.db import utcnow


class GradingRefused(Exception):
    """The grade cannot be stored (attempt not submitted, a dimension missing or out of range); says why."""


@dataclass(frozen=True)
class EssayToGrade:
    """One essay of an attempt as the grading page shows it."""

    number: int
    item: Item
    rubric: Rubric
    text: str
    grade: EssayGrade | None


def rubric_of(bank: Bank, item: Item) -> Rubric:
    """The item's rubric from the blueprint (the bank's only rubric when the item names none)."""
    rubrics = bank.blueprint.rubrics
    if item.rubric and item.rubric in rubrics:
        return rubrics[item.rubric]
    if len(rubrics) == 1:
        return next(iter(rubrics.values()))
    raise GradingRefused(f"Essay {item.id} names no rubric the bank's blueprint defines.")


def essays_to_grade(db: Session, bank: Bank, attempt: Attempt) -> list[EssayToGrade]:
    """The attempt's essays as it pinned them, in the order the learner saw them, with their text and grade."""
    answers = attempt_logic.answers_of(attempt)
    grades = grades_of(db, attempt.id)
    out = []
    for number, presented in enumerate(attempt_logic.presented_items(db, attempt), start=1):
        item = presented.item
        if item.type is ItemType.EXTENDED_TEXT:
            saved = answers.get(item.id)
            out.append(EssayToGrade(number, item, rubric_of(bank, item), (saved.text or "") if saved else "",
                                    grades.get(item.id)))
    return out


def rubric_points(raw: dict[str, str], rubric: Rubric) -> dict[str, int]:
    """Rubric points from form fields (dimension id -> "0".."levels"); every dimension must be given."""
    points = {}
    for dim in rubric.dimensions:
        value = (raw.get(dim.id) or "").strip()
        if not value.isdigit():
            raise GradingRefused(f"Choose 0 to {rubric.levels} points for “{dim.title}”.")
        points[dim.id] = int(value)
    return points


def grade_attempt(db: Session, bank: Bank, attempt: Attempt, points_by_item: dict[str, dict[str, int]],
                  grader_id: int | None, now: datetime | None = None) -> ScoreOutbox | None:
    """Store the grades, update the attempt's score and queue the final score; returns the queued row, if any.

    The attempt row is locked first (a no-op UPDATE), so two graders at once are applied one after the other.
    """
    locked = db.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == SUBMITTED).values(status=SUBMITTED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if locked != 1:
        db.rollback()
        raise GradingRefused("This attempt is not submitted yet; essays are graded after submission.")
    now = now or utcnow()
    db.expire(attempt)
    essays = {e.item.id: e for e in essays_to_grade(db, bank, attempt)}
    rows = {row.item_id: row for row in attempt.pinned}
    grades = grades_of(db, attempt.id)
    try:
        for item_id, points in points_by_item.items():
            essay = essays.get(item_id)
            if essay is None:
                raise GradingRefused(f"Item {item_id} is not an essay of this attempt.")
            score = score_essay(essay.item, points, essay.rubric.levels)
            grade = grades.get(item_id) or EssayGrade(attempt_id=attempt.id, item_id=item_id)
            grade.rubric_id, grade.points, grade.grader_id, grade.graded_at = essay.rubric.id, points, grader_id, now
            grade.score, grade.max_score = float(score.score), float(score.max_score)
            db.add(grade)
            row = rows[item_id]
            if not row.dropped:
                row.score, row.max_score, row.pending = float(score.score), float(score.max_score), False
            grades[item_id] = grade
    except (GradingRefused, ResponseError) as exc:
        db.rollback()
        raise GradingRefused(str(exc)) from exc
    queued = retotal(db, attempt, now)
    db.commit()
    record_attempt(db, attempt, bank)
    return queued


def set_total(attempt: Attempt) -> None:
    """The attempt's total from its stored item scores (choice items as scored, essays as graded)."""
    got, possible, pending = total(attempt_logic.stored_scores(attempt))
    attempt.score, attempt.score_maximum, attempt.pending_manual = float(got), float(possible), pending


def retotal(db: Session, attempt: Attempt, now: datetime) -> ScoreOutbox | None:
    """Set the attempt's total and queue the learner's recorded score when this attempt is final and the recorded
    score differs from the last one queued (the caller holds the attempt row's lock and commits)."""
    set_total(attempt)
    return queue_recorded(db, attempt, now)


def queue_recorded(db: Session, attempt: Attempt, now: datetime) -> ScoreOutbox | None:
    """Queue the recorded score of the attempt's learner at its link, if the gradebook needs a new one."""
    return recorded_scores.queue_if_changed(db, attempt, db.get(User, attempt.user_id).sub, now)
