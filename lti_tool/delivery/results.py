"""What the learner's result and a submission review show: each item's feedback view and the graded essays, all from
the attempt's pinned items and stored scores (never today's bank), when feedback is due, and which score counts
(the recorded score by the grading policy). Used by the delivery views and the Submission Review page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, joinedload, selectinload

from item_bank.assemble import PresentedItem
from item_bank.model import Bank, GradingPolicy, ItemType
from item_bank.scoring import ItemScore
from lti_tool.delivery import attempts as attempt_logic
from lti_tool.delivery import recorded_scores
from lti_tool.delivery.essay_grades import EssayGrade
from lti_tool.delivery.item_views import feedback_view
from lti_tool.delivery.models import Attempt
from lti_tool.lti.models import LaunchSession

WITH_ANSWERS = (joinedload(Attempt.responses), selectinload(Attempt.pinned))
# "Your recorded score is ...": which attempt counts, in the learner's words.
COUNTS_FOR_LEARNER = {
    GradingPolicy.HIGHEST: "your highest attempt",
    GradingPolicy.LATEST: "your latest attempt",
    GradingPolicy.FIRST: "your first attempt",
    GradingPolicy.AVERAGE: "the average of your attempts",
}


@dataclass(frozen=True)
class RecordedScoreView:
    """The score the gradebook gets for the learner's attempts, and which attempt counts."""

    counts: str
    score: float
    maximum: float
    pending: bool


@dataclass(frozen=True)
class GradedEssayView:
    """An essay the instructor graded, as its learner sees it: the item's points and the rubric points given."""

    number: int
    score: float
    max_score: float
    rubric_title: str | None
    levels: int | None
    dimensions: tuple[tuple[str, int], ...]


def feedback_views(attempt: Attempt, presented: list[PresentedItem], scores: list[ItemScore]) -> list:
    """Every item with the learner's answer, the keys, the rationales and the stored score, in their order."""
    answers = attempt_logic.answers_of(attempt)
    views = []
    for number, (p, score) in enumerate(zip(presented, scores, strict=True), start=1):
        saved = answers.get(p.item.id)
        views.append(feedback_view(p, number, score, list(saved.choice_ids or []) if saved else [],
                                   saved.text if saved else None))
    return views


def graded_essays(bank: Bank, presented: list[PresentedItem], scores: list[ItemScore],
                  grades: dict[str, EssayGrade]) -> list[GradedEssayView]:
    """The attempt's graded essays in the learner's question order, with the rubric points per dimension."""
    views = []
    for number, (p, score) in enumerate(zip(presented, scores, strict=True), start=1):
        grade = grades.get(p.item.id)
        if p.item.type is not ItemType.EXTENDED_TEXT or grade is None:
            continue
        rubric = bank.blueprint.rubrics.get(grade.rubric_id)
        if rubric is None:
            dimensions = tuple((dim, points) for dim, points in grade.points.items())
        else:
            dimensions = tuple((d.title, grade.points[d.id]) for d in rubric.dimensions if d.id in grade.points)
        views.append(GradedEssayView(number, score.points, float(score.max_score),
                                     rubric.title if rubric else None, rubric.levels if rubric else None,
                                     dimensions))
    return views


def recorded_score_view(db: Session, attempt: Attempt) -> RecordedScoreView | None:
    """The learner's recorded score at the attempt's link; None for an assessment of one attempt taken once (its
    score is the recorded one, nothing to explain)."""
    attempts = recorded_scores.counted(recorded_scores.learner_attempts(db, attempt.resource_link_id,
                                                                        attempt.user_id))
    recorded = recorded_scores.recorded_of(attempts)
    if recorded is None or (len(attempts) == 1 and attempt.attempts_allowed == 1):
        return None
    policy = recorded_scores.policy_in_force(attempts)
    return RecordedScoreView(COUNTS_FOR_LEARNER[policy], recorded.score, recorded.maximum, recorded.pending)


def due_at(launch: LaunchSession) -> datetime | None:
    raw = (launch.custom or {}).get("due_at")
    if not raw:
        return None
    try:
        due = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None
    return due if due.tzinfo else due.replace(tzinfo=UTC)
