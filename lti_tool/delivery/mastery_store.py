"""Each learner's mastery per objective in a course, kept in `lti_mastery` and always rebuilt from stored responses.

The evidence is every scored response of the learner in the course (any link, any attempt, quiz or practice): the
pinned `lti_attempt_items` rows with a score (not dropped, not waiting for an essay grade, worth points), each
read as the item version it pinned. A response counts at the time the learner gave it (its saved answer), or at the
attempt's submission for a question left unanswered. `item_bank.mastery.estimate` folds the evidence in time order.

Updating never adds to the stored figures: it recomputes the learner's objectives from the evidence and rewrites
their rows, under a lock on the learner, so a double submit, a regrade or a grade changed twice leaves what a
recompute from scratch gives (the test of this module checks exactly that). Rows exist only for objectives with
evidence; readers get the prior for the others. Each update also queues, in its transaction, the new grade of the
learner's graded practice links in the course whose grade it changed (`practice_grades.follow_mastery`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from item_bank.assemble import PresentedItem
from item_bank.mastery import Evidence, Mastery, estimate, evidence_from_item, prior
from item_bank.model import Bank, Item, Scenario
from item_bank.scoring import ItemScore
from lti_tool.delivery import attempt_pins as pins
from lti_tool.delivery.item_views import FeedbackView, feedback_view
from lti_tool.delivery.mastery_models import MasteryRecord
from lti_tool.delivery.models import Attempt, AttemptItem, Response, ScoreOutbox
from lti_tool.delivery.practice_grades import follow_mastery
from lti_tool.lti.models import ResourceLink, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MissedItem:
    """A question the learner last answered wrong or partly wrong, as the item version they were given: `view` has
    the stem, the options in the order shown with the learner's choice, the key and every option's rationale."""

    item_id: str
    objectives: tuple[str, ...]
    answered_at: datetime
    score: float
    max_score: float
    view: FeedbackView


@dataclass(frozen=True)
class _Scored:
    """One scored response as stored."""

    item_id: str
    content_hash: str
    score: float
    max_score: float
    response: list | None
    choice_order: list
    answered_at: datetime


def learner_mastery(db: Session, context_id: int, user_id: int, objectives: Iterable[str]) -> dict[str, Mastery]:
    """The learner's stored mastery of each objective (the prior where they have no evidence yet)."""
    wanted = list(dict.fromkeys(objectives))
    rows = db.scalars(select(MasteryRecord).where(MasteryRecord.context_id == context_id,
                                                  MasteryRecord.user_id == user_id,
                                                  MasteryRecord.objective.in_(wanted)))
    stored = {row.objective: _mastery(row) for row in rows}
    return {objective: stored.get(objective) or prior(objective) for objective in wanted}


def course_mastery(db: Session, context_id: int, objectives: Iterable[str]) -> dict[int, dict[str, Mastery]]:
    """Every learner of the course with any stored mastery (by user id), each objective present (prior if none)."""
    wanted = list(dict.fromkeys(objectives))
    rows = db.scalars(select(MasteryRecord).where(MasteryRecord.context_id == context_id,
                                                  MasteryRecord.objective.in_(wanted)))
    by_user: dict[int, dict[str, Mastery]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, {})[row.objective] = _mastery(row)
    return {user_id: {o: found.get(o) or prior(o) for o in wanted} for user_id, found in sorted(by_user.items())}


def record_attempt(db: Session, attempt: Attempt, bank: Bank) -> list[ScoreOutbox]:
    """Bring the learner's mastery up to date after this attempt's scores changed (submission, essay grade), queue
    the new grade of their graded practice links in the course whose grade changed, and commit; returns the rows
    queued. The blueprint's objectives are recomputed from every stored response, so calling it twice is harmless
    (the second call finds every grade unchanged)."""
    return record_attempts(db, [attempt.id], bank)


def record_attempts(db: Session, attempt_ids: Iterable[int], bank: Bank) -> list[ScoreOutbox]:
    """`record_attempt` for every learner of these attempts (a regrade changes many at once); one commit each, with
    the learner's mastery and their practice links' grades together."""
    ids = list(attempt_ids)
    if not ids:
        return []
    learners = db.execute(select(ResourceLink.context_id, Attempt.user_id).distinct()
                          .join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
                          .where(Attempt.id.in_(ids), ResourceLink.context_id.is_not(None))).all()
    objectives = list(bank.blueprint.objectives)
    db.commit()  # ends any transaction the caller left open, so each learner's lock is taken first
    queued: list[ScoreOutbox] = []
    for context_id, user_id in sorted(learners):
        lock_learner(db, user_id)
        mastery = recompute(db, context_id, user_id, objectives)
        queued += follow_mastery(db, bank, context_id, user_id, mastery)
        db.commit()
    return queued


def lock_learner(db: Session, user_id: int) -> None:
    """Hold the learner's row for this transaction (a no-op UPDATE): updates of one learner's mastery run one after
    the other, each reading every response committed before it."""
    db.execute(update(User).where(User.id == user_id).values(updated_at=User.updated_at)
               .execution_options(synchronize_session=False))


def recompute(db: Session, context_id: int, user_id: int, bank_objectives: Iterable[str]) -> dict[str, Mastery]:
    """The learner's mastery of these objectives from their stored responses, written to `lti_mastery` (rows for
    objectives with evidence, none for the others) in the caller's transaction; the caller commits."""
    objectives = list(dict.fromkeys(bank_objectives))
    fresh = estimate(_evidence(db, _scored(db, context_id, user_id)), objectives)
    existing = {row.objective: row for row in db.scalars(select(MasteryRecord).where(
        MasteryRecord.context_id == context_id, MasteryRecord.user_id == user_id,
        MasteryRecord.objective.in_(objectives)))}
    for objective, mastery in fresh.items():
        row = existing.get(objective)
        if mastery.evidence == 0:
            if row is not None:
                db.delete(row)
            continue
        if row is None:
            row = MasteryRecord(context_id=context_id, user_id=user_id, objective=objective)
            db.add(row)
        row.alpha, row.beta, row.evidence, row.updated_at = (mastery.alpha, mastery.beta, mastery.evidence,
                                                             mastery.updated_at)
    db.flush()
    return fresh


def missed_items(db: Session, context_id: int, user_id: int, limit: int = 20) -> list[MissedItem]:
    """The questions whose latest answer by the learner in this course was wrong or partly wrong, newest first, as
    pinned (stem, options in the order shown, the learner's choice, the key, the rationales). Essays are left out."""
    latest: dict[str, _Scored] = {}
    for row in sorted(_scored(db, context_id, user_id), key=lambda r: r.answered_at):
        latest[row.item_id] = row
    missed = sorted((r for r in latest.values() if r.score < r.max_score), key=lambda r: r.answered_at,
                    reverse=True)
    out = []
    for row in missed:
        item, scenario = pins.version_of(db.connection(), row.content_hash)
        if not item.type.has_choices:
            continue
        out.append(_missed(row, item, scenario, len(out) + 1))
        if len(out) >= limit:
            break
    return out


def _missed(row: _Scored, item: Item, scenario: Scenario | None, number: int) -> MissedItem:
    presented = PresentedItem(item, tuple(row.choice_order), scenario)
    score = ItemScore(item.id, _fraction(row.score), _fraction(row.max_score))
    view = feedback_view(presented, number, score, list(row.response or []), None)
    return MissedItem(item.id, item.objectives, row.answered_at, row.score, row.max_score, view)


def _scored(db: Session, context_id: int, user_id: int) -> list[_Scored]:
    """The learner's scored responses in the course, in no particular order."""
    query = (select(AttemptItem.item_id, AttemptItem.content_hash, AttemptItem.score, AttemptItem.max_score,
                    AttemptItem.response, AttemptItem.choice_order, Response.saved_at, Attempt.submitted_at)
             .join(Attempt, Attempt.id == AttemptItem.attempt_id)
             .join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
             .outerjoin(Response, and_(Response.attempt_id == AttemptItem.attempt_id,
                                       Response.item_id == AttemptItem.item_id))
             .where(ResourceLink.context_id == context_id, Attempt.user_id == user_id,
                    AttemptItem.score.is_not(None), AttemptItem.pending.is_(False),
                    AttemptItem.dropped.is_(False), AttemptItem.max_score > 0))
    out = []
    for item_id, digest, score, maximum, response, order, saved_at, submitted_at in db.execute(query):
        answered_at = saved_at or submitted_at
        if answered_at is not None:
            out.append(_Scored(item_id, digest, score, maximum, response, order, answered_at))
    return out


def _evidence(db: Session, rows: list[_Scored]) -> list[Evidence]:
    evidence = []
    for row in rows:
        item, _ = pins.version_of(db.connection(), row.content_hash)
        fraction = min(max(row.score / row.max_score, 0.0), 1.0)
        try:
            evidence.append(evidence_from_item(item, fraction, row.answered_at))
        except ValueError as exc:  # a pinned version the model cannot weigh (an unknown difficulty label)
            log.warning("mastery leaves out a response: %s", exc)
    return evidence


def _mastery(row: MasteryRecord) -> Mastery:
    return Mastery(row.objective, row.alpha, row.beta, row.evidence, row.updated_at)


def _fraction(value: float) -> Fraction:
    return Fraction(value).limit_denominator(1000)
