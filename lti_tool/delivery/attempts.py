"""A learner's attempt from start to submission: start or resume, save an answer, submit and score.

Every change is a database write, so the browser holds nothing that matters. Scoring is `item_bank.scoring` and the
order is `item_bank.assemble.delivery_order` seeded per attempt; this module only applies them and records results.
Submitting marks the attempt and writes the learner's recorded score (their attempts by the grading policy,
`recorded_scores`) to the outbox in one transaction, guarded so that two submits (a double click, two tabs, two
workers) produce one submission and one score.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from item_bank.assemble import PresentedItem
from item_bank.model import Bank, FeedbackPolicy, Form, GradingPolicy, Item, ItemType
from item_bank.scoring import ItemScore, ResponseError, score_response, total
from lti_tool.delivery import attempt_pins as pins
from lti_tool.delivery.models import IN_PROGRESS, SUBMITTED, Attempt, Response
from lti_tool.delivery.recorded_scores import queue_submission
from lti_tool.lti.models import LaunchSession
from lti_tool.lti.service_tokens import AGS_SCORE_SCOPE
from lti_tool.web.db import utcnow

UNLIMITED = 0
ATTEMPTS_OF = (select(Attempt)  # built once: the launch reads it for every learner
               .where(Attempt.resource_link_id == bindparam("link"), Attempt.user_id == bindparam("user"))
               .order_by(Attempt.number))
MAX_ESSAY_CHARS = 20_000


class AttemptRefused(Exception):
    """The learner may not do this (no attempts left, time is up...); the message says why, in their words."""


@dataclass(frozen=True)
class AttemptSettings:
    """The delivery settings one resource link uses: the form's, overridden by the deep link's custom params."""

    attempts_allowed: int
    time_limit_minutes: int | None
    feedback: FeedbackPolicy
    grading_policy: GradingPolicy = GradingPolicy.HIGHEST


@dataclass(frozen=True)
class PassbackTarget:
    """Where a score for this launch goes: the launch's own line item, for the platform's user id."""

    platform_id: int
    lineitem_url: str | None
    scopes: tuple[str, ...]
    platform_user_id: str


def launch_form_id(launch: LaunchSession) -> str | None:
    """The form a launch's resource link delivers: from the deep link's custom param, else the stored link."""
    custom = launch.custom or {}
    if custom.get("form_id") or launch.form_id:
        return custom.get("form_id") or launch.form_id
    return launch.resource_link.form_id if launch.resource_link is not None else None


def passback_target(launch: LaunchSession) -> PassbackTarget:
    """The launch's own line item when the AGS claim lets us post scores; otherwise no passback."""
    scopes = tuple(launch.ags_scopes or ())
    lineitem = launch.ags_lineitem if AGS_SCORE_SCOPE in scopes else None
    return PassbackTarget(launch.platform_id, lineitem, scopes, launch.user.sub)


def effective_settings(form: Form, custom: dict[str, str]) -> AttemptSettings:
    """The form's settings with the instructor's choices from the deep link (custom params) on top."""
    s = form.settings
    attempts = _int_or(custom.get("attempts_allowed"), s.attempts_allowed)
    limit_raw = custom.get("time_limit_minutes")
    if limit_raw is None:
        limit = s.time_limit_minutes
    else:
        parsed = _int_or(limit_raw, 0)
        limit = parsed if parsed > 0 else None
    try:
        feedback = FeedbackPolicy(custom.get("feedback", s.feedback.value))
    except ValueError:
        feedback = s.feedback
    try:
        policy = GradingPolicy(custom.get("grading_policy", s.grading_policy.value))
    except ValueError:
        policy = s.grading_policy
    return AttemptSettings(max(attempts, UNLIMITED), limit, feedback, policy)


def presented_items(db: Session, attempt: Attempt) -> list[PresentedItem]:
    """The items, versions and choice orders this attempt was given when it started, whatever the bank is now."""
    return pins.presented_items(db.connection(), attempt)


def attempt_form(attempt: Attempt) -> Form | None:
    """The form's settings as the attempt pinned them."""
    return pins.pinned_form(attempt)


def attempts_of(db: Session, resource_link_id: int, user_id: int) -> list[Attempt]:
    return list(db.scalars(ATTEMPTS_OF, {"link": resource_link_id, "user": user_id}))


def attempts_left(settings: AttemptSettings, used: int) -> int | None:
    """None means unlimited."""
    if settings.attempts_allowed == UNLIMITED:
        return None
    return max(settings.attempts_allowed - used, 0)


def current_attempt(db: Session, resource_link_id: int, user_id: int) -> Attempt | None:
    """The learner's attempt in progress, or their latest submitted one, or None when they never started."""
    attempts = attempts_of(db, resource_link_id, user_id)
    return attempts[-1] if attempts else None


def start_attempt(db: Session, *, bank: Bank, resource_link_id: int, user_id: int, form: Form,
                  settings: AttemptSettings,
                  target: PassbackTarget, now: datetime | None = None,
                  existing: list[Attempt] | None = None) -> Attempt:
    """Start the next attempt, or return the one in progress; refuse when no attempt is left. `existing` is the
    learner's attempts at this link when the caller has just read them (else they are read here).

    Two concurrent starts race on the unique (resource link, user, number) key: the loser's insert does nothing
    (no error, so the caller's uncommitted writes in the same transaction, e.g. the launch record, are kept and
    committed) and it rereads the winner's row. The winner pins what it presents (`attempt_pins`) in the same
    transaction.
    """
    now = now or utcnow()
    if existing is None:
        existing = attempts_of(db, resource_link_id, user_id)
    if existing and existing[-1].status == IN_PROGRESS:
        return existing[-1]
    left = attempts_left(settings, len(existing))
    if left == 0:
        raise AttemptRefused("You have used all the attempts this assessment allows.")
    seed = secrets.token_hex(16)
    pin = pins.pin_for(bank, form, seed)
    values = dict(
        resource_link_id=resource_link_id, user_id=user_id, platform_id=target.platform_id,
        number=len(existing) + 1, form_id=form.id, seed=seed, status=IN_PROGRESS,
        form_version=pin.form_version, bank_digest=pin.bank_digest,
        form_record=_with_policy(pin.form_record, settings),
        attempts_allowed=settings.attempts_allowed, time_limit_minutes=settings.time_limit_minutes,
        feedback=settings.feedback.value, started_at=now,
        deadline_at=now + timedelta(minutes=settings.time_limit_minutes) if settings.time_limit_minutes else None,
        lineitem_url=target.lineitem_url, ags_scopes=list(target.scopes),
    )
    row = db.connection().execute(_attempt_insert_sql(db.get_bind().dialect.name), values).one_or_none()
    if row is not None:
        pins.store_pin(db.connection(), row.id, bank, pin)
    db.commit()
    pins.remember(bank, (p.item for p in pin.presented))
    if row is None:
        return attempts_of(db, resource_link_id, user_id)[-1]
    return _persistent(db, Attempt(**row._asdict(), responses=[]))


def _with_policy(record: dict, settings: AttemptSettings) -> dict:
    """The form's record with the grading policy this link uses, so the attempt keeps the policy in force."""
    return {**record, "settings": {**record["settings"], "grading_policy": settings.grading_policy.value}}


@functools.lru_cache(maxsize=4)
def _attempt_insert_sql(dialect: str):
    """INSERT ... ON CONFLICT (link, user, number) DO NOTHING RETURNING the row, built once per dialect."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    table = Attempt.__table__
    return (dialect_insert(table)
            .on_conflict_do_nothing(index_elements=["resource_link_id", "user_id", "number"])
            .returning(*table.c))


def _persistent(db: Session, attempt: Attempt) -> Attempt:
    """An attempt row just inserted by a Core statement, as a session object without reading it back (the ORM's
    unit of work costs more CPU than the INSERT ... RETURNING)."""
    make_transient_to_detached(attempt)
    db.add(attempt)
    return attempt


def is_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    return attempt.deadline_at is not None and (now or utcnow()) >= attempt.deadline_at


def answers_of(attempt: Attempt) -> dict[str, Response]:
    return {r.item_id: r for r in attempt.responses}


def save_answer(db: Session, attempt: Attempt, item: Item, chosen: list[str], text: str | None,
                now: datetime | None = None) -> None:
    """Store the learner's answer to one item; refused after submission or once the time limit has passed."""
    now = now or utcnow()
    if attempt.status != IN_PROGRESS:
        raise AttemptRefused("This attempt has been submitted; answers can no longer change.")
    if is_overdue(attempt, now):
        raise AttemptRefused("The time limit has passed; this answer was not saved.")
    if item.type is ItemType.EXTENDED_TEXT:
        chosen, text = [], (text or "")[:MAX_ESSAY_CHARS]
    else:
        text = None
        try:
            score_response(item, chosen)
        except ResponseError as exc:
            raise AttemptRefused("That answer does not fit this question; choose from the options shown.") from exc
    if not _lock_in_progress(db, attempt):
        raise AttemptRefused("This attempt has been submitted; answers can no longer change.")
    response = answers_of(attempt).get(item.id)
    if response is None:
        db.add(Response(attempt=attempt, item_id=item.id, choice_ids=sorted(chosen), text=text, saved_at=now))
    else:
        response.choice_ids, response.text, response.saved_at = sorted(chosen), text, now
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        save_answer(db, attempt, item, chosen, text, now)


def stored_scores(attempt: Attempt) -> list[ItemScore]:
    """Each presented item's score as stored at submission (and changed since only by grading or a regrade);
    a dropped item counts 0 of 0."""
    return [ItemScore(row.item_id, _fraction(row.score), _fraction(row.max_score), row.pending)
            for row in attempt.pinned]


def submit_attempt(db: Session, attempt: Attempt, platform_user_id: str, now: datetime | None = None) -> bool:
    """Submit and score once: store each item's response, points and maximum, and the total with an outbox row
    carrying the learner's recorded score, in one transaction. False if already submitted.

    The conditional UPDATE is the claim: of two concurrent submits exactly one changes the row. It also locks the
    row, so the answers are read after any save still in flight (saves take the same lock, see `save_answer`).
    Scoring is `item_bank.scoring` on the pinned item versions with the pinned form's multiple-response rule.
    """
    now = now or utcnow()
    claimed = db.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == IN_PROGRESS)
        .values(status=SUBMITTED, submitted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.rollback()
        db.refresh(attempt)
        return False
    db.expire(attempt)
    form = attempt_form(attempt)
    rule = form.settings.multiple_response_scoring if form else None
    answers = answers_of(attempt)
    for presented, row in zip(presented_items(db, attempt), attempt.pinned, strict=True):
        saved = answers.get(presented.item.id)
        score = score_response(presented.item, saved.choice_ids if saved is not None else None, rule)
        row.response = list(saved.choice_ids or []) if saved is not None else None
        row.score, row.max_score, row.pending = float(score.score), float(score.max_score), score.pending
    got, possible, pending = total(stored_scores(attempt))
    attempt.score, attempt.score_maximum, attempt.pending_manual = float(got), float(possible), pending
    queue_submission(db, attempt, platform_user_id, now)
    db.commit()
    return True


def feedback_visible(attempt: Attempt, due_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether the learner may see keys and rationales for a submitted attempt, by the form's policy."""
    if not attempt.submitted:
        return False
    policy = FeedbackPolicy(attempt.feedback)
    if policy is FeedbackPolicy.AFTER_SUBMIT:
        return True
    if policy is FeedbackPolicy.AFTER_DUE:
        return due_at is not None and (now or utcnow()) >= due_at
    return False


def submitted_count(db: Session, resource_link_id: int, user_id: int) -> int:
    query = select(func.count()).select_from(Attempt).where(
        Attempt.resource_link_id == resource_link_id, Attempt.user_id == user_id, Attempt.status == SUBMITTED)
    return db.scalar(query) or 0


def _lock_in_progress(db: Session, attempt: Attempt) -> bool:
    """Lock the attempt row for this transaction while it is still in progress (a no-op UPDATE takes the lock)."""
    touched = db.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == IN_PROGRESS)
        .values(status=IN_PROGRESS).execution_options(synchronize_session=False)
    ).rowcount
    if touched != 1:
        db.rollback()
        return False
    return True


def _fraction(value: float | None) -> Fraction:
    return Fraction(value or 0).limit_denominator(1000)


def _int_or(raw: str | None, default: int) -> int:
    try:
        return int(str(raw).strip()) if raw is not None else default
    except ValueError:
        return default
