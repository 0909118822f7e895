"""Graded practice links follow the learner's mastery: whenever a learner's mastery in a course is recomputed, each of
their graded practice links in that course is sent its new grade.

A practice link's grade is the learner's confident mastery over the link's objectives (`link_score`,
docs/mastery.md), and that mastery moves with every scored response in the course: a quiz submission, an essay
grade, a regrade, an answer at another practice link. So `follow_mastery` runs after every recompute, in the same
transaction and under the same lock on the learner (`mastery_store.record_attempts`, `practice.answer`): a crash
never leaves mastery changed without the grades it implies queued, and two updates of one learner queue their
grades one after the other, each comparing with what the other queued.

Which links: the learner's practice links in the course whose newest session keeps a line item
(`Attempt.practice_lineitem_url`). `practice.current_question` sets it from the learner's launch at the link each
time they land there: the launch's line item when the link is graded and the launch lets the tool post scores,
else nothing (ungraded, no line item). So a score is sent without a live launch, to the line item and for the
platform user id the learner's own launches gave, and a link an instructor made ungraded stops following at the
learner's next visit.

`link_score` and `PRACTICE_PREFIX` live here rather than in `practice` (which imports them, so `practice.link_score`
and `practice.PRACTICE_PREFIX` still name them) because `mastery_store` calls this module and `practice` imports
`mastery_store`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from item_bank.mastery import Mastery, confident_mastery
from item_bank.model import Bank
from item_bank.practice import PracticeTarget, find_target
from lti_tool.delivery.models import OUTBOX_FAILED, Attempt, ScoreOutbox
from lti_tool.lti.models import ResourceLink, User
from lti_tool.web.db import utcnow

log = logging.getLogger(__name__)

PRACTICE_PREFIX = "practice:"
SCORE_MAXIMUM = 100.0


def link_score(mastery: Mapping[str, Mastery], target: PracticeTarget) -> float:
    """The grade a graded practice link sends: the confident mastery over its objectives (docs/mastery.md), out of
    100, to 2 decimals."""
    return round(confident_mastery(mastery, target.objectives) * SCORE_MAXIMUM, 2)


def follow_mastery(db: Session, bank: Bank, context_id: int, user_id: int, mastery: Mapping[str, Mastery], *,
                   skip_link: int | None = None) -> list[ScoreOutbox]:
    """After the learner's mastery in the course was recomputed (`mastery`, the blueprint's objectives): queue the
    new grade of each of their graded practice links in the course whose grade changed; `skip_link` is the link
    whose own answer queued its score already. In the caller's transaction, under its lock on the learner; the
    caller commits. Returns the rows queued.

    Only a changed grade is sent. Most updates leave a given link's grade where it was (a quiz on D1 does not move a
    D3 practice grade), and sending it again is not harmless: each score is another submission change in Canvas,
    and both Canvas and Moodle replace a grade a teacher typed in the gradebook with the next score the tool posts,
    so an unchanged grade sent after every quiz would undo the teacher's correction for nothing. The comparison is
    with the last score queued for the learner at that link's line item that the platform did not refuse for good
    (what the gradebook holds, or will once the outbox drains); none counts as 0, the grade before any evidence,
    so a learner who opened a link and has shown nothing on its objectives gets no 0 from an unrelated quiz."""
    queued: list[ScoreOutbox] = []
    for session in _graded_sessions(db, context_id, user_id):
        if session.resource_link_id == skip_link:
            continue
        target = _target(bank, session)
        if target is None:
            continue
        score = link_score(mastery, target)
        if score == _last_sent(db, session):
            continue
        learner = db.get(User, user_id)
        queued.append(queue_grade(db, session, session.practice_lineitem_url, learner.sub, score, utcnow()))
    return queued


def queue_grade(db: Session, session: Attempt, lineitem_url: str, platform_user_id: str, score: float,
                now: datetime) -> ScoreOutbox:
    """One outbox row with a practice link's grade, on the learner's session there. Canvas gets a new submission for
    the learner's first score at the link, an updated one after."""
    earlier = db.scalar(select(func.count()).select_from(ScoreOutbox)
                        .join(Attempt, Attempt.id == ScoreOutbox.attempt_id)
                        .where(Attempt.resource_link_id == session.resource_link_id,
                               Attempt.user_id == session.user_id))
    row = ScoreOutbox(attempt_id=session.id, platform_id=session.platform_id, lineitem_url=lineitem_url,
                      platform_user_id=platform_user_id, score_given=score, score_maximum=SCORE_MAXIMUM,
                      activity_progress="Submitted", grading_progress="FullyGraded", new_submission=not earlier,
                      scored_at=now, next_try_at=now)
    db.add(row)
    return row


def _graded_sessions(db: Session, context_id: int, user_id: int) -> list[Attempt]:
    """The learner's newest practice session at each practice link of the course, where it keeps a line item."""
    newest = (select(Attempt.resource_link_id, func.max(Attempt.number).label("number"))
              .join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
              .where(ResourceLink.context_id == context_id, Attempt.user_id == user_id,
                     Attempt.form_id.startswith(PRACTICE_PREFIX))
              .group_by(Attempt.resource_link_id).subquery())
    query = (select(Attempt).join(newest, and_(Attempt.resource_link_id == newest.c.resource_link_id,
                                               Attempt.number == newest.c.number))
             .where(Attempt.user_id == user_id, Attempt.practice_lineitem_url.is_not(None))
             .order_by(Attempt.resource_link_id))
    return list(db.scalars(query))


def _target(bank: Bank, session: Attempt) -> PracticeTarget | None:
    """What the session's link practises, from its form id; None (logged) when today's bank lacks the target."""
    try:
        return find_target(bank, session.form_id.removeprefix(PRACTICE_PREFIX))
    except KeyError:
        log.warning("practice link %s: target %r is not in the bank; its grade is not updated",
                    session.resource_link_id, session.form_id)
        return None


def _last_sent(db: Session, session: Attempt) -> float:
    """The learner's last score at the session's link and line item not refused for good; 0 when there is none."""
    query = (select(ScoreOutbox.score_given).join(Attempt, Attempt.id == ScoreOutbox.attempt_id)
             .where(Attempt.resource_link_id == session.resource_link_id, Attempt.user_id == session.user_id,
                    ScoreOutbox.lineitem_url == session.practice_lineitem_url, ScoreOutbox.status != OUTBOX_FAILED)
             .order_by(ScoreOutbox.scored_at.desc(), ScoreOutbox.id.desc()).limit(1))
    last = db.scalar(query)
    return 0.0 if last is None else last
