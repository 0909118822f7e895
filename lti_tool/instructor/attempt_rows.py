"""The attempts at one resource link as the instructor's home page lists them: learner, status, score, the learner's
recorded score (their attempts by the grading policy, the score the gradebook gets) with the policy's name, the
latest grade passback's status and reason (with the score to retry when it failed), and whether essays wait for a
grade. Also the rows of the attempts CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from item_bank.grading_policy import POLICY_NAMES
from item_bank.model import ItemType
from lti_tool.delivery.models import OUTBOX_FAILED, Attempt
from lti_tool.delivery.recorded_scores import policy_in_force, recorded_of
from lti_tool.lti.learner_names import display_name
from lti_tool.lti.models import User


@dataclass(frozen=True)
class AttemptRow:
    attempt_id: int
    learner: str
    email: str
    platform_user_id: str
    number: int
    status: str
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    score_maximum: float | None
    passback: str
    passback_detail: str
    retry_score_id: int | None
    essays: str | None
    recorded_score: float | None = None
    recorded_maximum: float | None = None
    grading_policy: str = ""


def passback_status(attempt: Attempt) -> tuple[str, str]:
    """The latest score row's status and its reason, or why there is no passback."""
    if not attempt.submitted:
        return "not submitted", ""
    if not attempt.scores:
        return "no passback", "the launch had no grade service (AGS) line item"
    latest = attempt.scores[-1]
    detail = latest.platform_reason or latest.last_error or ""
    if latest.status == "pending" and latest.tries:
        return f"retrying (try {latest.tries})", detail
    return latest.status, detail


def has_essays(attempt: Attempt) -> bool:
    """Whether the attempt was given an essay (its pinned items, not today's form)."""
    return any(row.item_type == ItemType.EXTENDED_TEXT.value for row in attempt.pinned)


def essay_state(attempt: Attempt, with_essays: bool) -> str | None:
    """"to grade" / "graded" for submitted attempts of forms with essays, else None."""
    if not with_essays or not attempt.submitted:
        return None
    return "to grade" if attempt.pending_manual else "graded"


def attempt_rows(db: Session, resource_link_id: int) -> list[AttemptRow]:
    query = (
        select(Attempt, User).join(User, User.id == Attempt.user_id)
        .where(Attempt.resource_link_id == resource_link_id)
        .options(selectinload(Attempt.scores), selectinload(Attempt.pinned))
        .order_by(User.name, User.sub, Attempt.number)
    )
    found = list(db.execute(query))
    by_user: dict[int, list[Attempt]] = {}
    for attempt, user in found:
        by_user.setdefault(user.id, []).append(attempt)
    rows = []
    for attempt, user in found:
        passback, detail = passback_status(attempt)
        latest = attempt.scores[-1] if attempt.scores else None
        retry = latest.id if latest is not None and latest.status == OUTBOX_FAILED else None
        recorded, policy = recorded_of(by_user[user.id]), policy_in_force(by_user[user.id])
        rows.append(AttemptRow(attempt.id, display_name(user.name, user.sub), user.email, user.sub, attempt.number,
                               attempt.status, attempt.started_at, attempt.submitted_at, attempt.score,
                               attempt.score_maximum, passback, detail, retry,
                               essay_state(attempt, has_essays(attempt)),
                               recorded.score if recorded else None, recorded.maximum if recorded else None,
                               POLICY_NAMES[policy] if policy else ""))
    return rows
