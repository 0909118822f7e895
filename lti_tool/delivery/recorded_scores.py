"""A learner's recorded score at one resource link: their submitted attempts combined by the grading policy in force
(`item_bank.grading_policy`), and the outbox row that sends it to the gradebook.

The policy in force is the one the learner's latest submitted attempt pinned when it started (the form's setting, or
the link's `grading_policy` custom parameter over it). Moodle and Canvas keep the latest score a tool posts, so
every change (a submission, an essay grade, a regrade) queues this recorded score, never one attempt's own total.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.grading_policy import AttemptScore, RecordedScore, recorded_score
from item_bank.model import GradingPolicy
from lti_tool.delivery.attempt_pins import pinned_form
from lti_tool.delivery.models import OUTBOX_FAILED, SUBMITTED, Attempt, ScoreOutbox

FULLY_GRADED = "FullyGraded"
PENDING_MANUAL = "PendingManual"


def policy_of(attempt: Attempt) -> GradingPolicy:
    """The policy the attempt pinned (an attempt pinned before policies existed: highest, as then)."""
    form = pinned_form(attempt)
    return form.settings.grading_policy if form is not None else GradingPolicy.HIGHEST


def counted(attempts: Sequence[Attempt]) -> list[Attempt]:
    """The submitted attempts with a total, in attempt order: the ones a policy reads."""
    return sorted((a for a in attempts if a.status == SUBMITTED and a.score is not None), key=lambda a: a.number)


def policy_in_force(attempts: Sequence[Attempt]) -> GradingPolicy | None:
    """The policy of the latest submitted attempt; None before any submission."""
    done = counted(attempts)
    return policy_of(done[-1]) if done else None


def recorded_of(attempts: Sequence[Attempt]) -> RecordedScore | None:
    """One learner's recorded score from their attempts at one link (any order, any status); None before any
    submission."""
    done = counted(attempts)
    if not done:
        return None
    return recorded_score(policy_of(done[-1]), [AttemptScore(a.score, a.score_maximum or 0.0, a.pending_manual)
                                                for a in done])


def learner_attempts(db: Session, resource_link_id: int, user_id: int) -> list[Attempt]:
    query = (select(Attempt).where(Attempt.resource_link_id == resource_link_id, Attempt.user_id == user_id)
             .order_by(Attempt.number))
    return list(db.scalars(query))


def queue_submission(db: Session, attempt: Attempt, platform_user_id: str, now: datetime) -> ScoreOutbox | None:
    """At a submission: queue the recorded score (with the attempt just scored) as a new submission, always."""
    return _queue(db, attempt, platform_user_id, now, submission=True)


def queue_if_changed(db: Session, attempt: Attempt, platform_user_id: str, now: datetime) -> ScoreOutbox | None:
    """After an essay grade or a regrade of `attempt`: queue the recorded score when the attempt's own total is
    final and the recorded score (or its grading progress) differs from the last one queued for the learner at this
    link and not refused. The caller holds the attempt row's lock and commits."""
    if attempt.pending_manual:
        return None
    return _queue(db, attempt, platform_user_id, now, submission=False)


def _queue(db: Session, attempt: Attempt, platform_user_id: str, now: datetime, *,
           submission: bool) -> ScoreOutbox | None:
    if not attempt.lineitem_url:
        return None
    recorded = recorded_of(learner_attempts(db, attempt.resource_link_id, attempt.user_id))
    if recorded is None:
        return None
    progress = PENDING_MANUAL if recorded.pending else FULLY_GRADED
    if not submission and _last_queued(db, attempt) == (recorded.score, recorded.maximum, progress):
        return None
    row = ScoreOutbox(
        attempt_id=attempt.id, platform_id=attempt.platform_id, lineitem_url=attempt.lineitem_url,
        platform_user_id=platform_user_id, score_given=recorded.score, score_maximum=recorded.maximum,
        activity_progress="Completed", grading_progress=progress, new_submission=submission, scored_at=now,
        next_try_at=now,
    )
    db.add(row)
    return row


def _last_queued(db: Session, attempt: Attempt) -> tuple[float, float, str] | None:
    """The learner's last score at this link that was not refused for good: what the platform holds or will."""
    query = (select(ScoreOutbox.score_given, ScoreOutbox.score_maximum, ScoreOutbox.grading_progress)
             .join(Attempt, Attempt.id == ScoreOutbox.attempt_id)
             .where(Attempt.resource_link_id == attempt.resource_link_id, Attempt.user_id == attempt.user_id,
                    ScoreOutbox.status != OUTBOX_FAILED)
             .order_by(ScoreOutbox.scored_at.desc(), ScoreOutbox.id.desc()).limit(1))
    last = db.execute(query).first()
    return None if last is None else (last[0], last[1], last[2])
