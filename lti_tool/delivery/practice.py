"""Adaptive practice at one resource link: which question the learner gets next, and scoring their answer once.

A practice link carries the custom parameters `practice` (a target of `item_bank.practice`: "all" or a domain id),
`practice_graded` ("true"/"false") and `practice_window` (questions before an item may come back, default 20).
Practice sessions are attempts (form id `practice:<target>`, no line item of their own) that get one pinned
`lti_attempt_items` row per question, appended when the question is chosen and before it is shown, so a reload
shows the same question and every scored response, quiz or practice, lives in one table. An item comes back in a
new session (an attempt holds an item once), so a session ends when the chosen item is already in it.

The next question is `item_bank.practice.choose_next` over today's pool, the learner's mastery in the course and
the items they answered at this link, oldest first. An answer is scored by `item_bank.scoring` on the pinned
version, claimed by a conditional UPDATE so a double submit scores once, and in the same transaction the
learner's mastery is recomputed (`mastery_store`) and, on a graded link with a line item, one outbox row queued:
the learner's confident mastery over the link's objectives, out of 100; the learner's other graded practice links in
the course get their new grade too when it changed (`practice_grades`). Each landing on a link stores on its session
where the link's grade goes (`Attempt.practice_lineitem_url`), so that those links can be sent a grade without a
launch of their own.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from item_bank.assemble import delivery_order
from item_bank.mastery import Mastery
from item_bank.model import Bank, DeliverySettings, FeedbackPolicy, Form, Item
from item_bank.practice import DEFAULT_WINDOW, PracticeTarget, choose_next, find_target, practice_pool
from item_bank.scoring import ResponseError, score_response
from item_bank.snapshot import bank_hashes
from lti_tool.delivery import attempt_pins as pins
from lti_tool.delivery import attempts as attempt_logic
from lti_tool.delivery.mastery_store import learner_mastery, lock_learner, recompute
from lti_tool.delivery.models import IN_PROGRESS, SUBMITTED, Attempt, AttemptItem, ItemVersion, Response, ScoreOutbox
from lti_tool.delivery.practice_grades import PRACTICE_PREFIX, follow_mastery, link_score, queue_grade
from lti_tool.lti.models import LaunchSession
from lti_tool.web.db import utcnow

MAX_WINDOW = 500
_TRIES = 3


class PracticeRefused(Exception):
    """The practice cannot go on as asked; the message says why, in the learner's words."""


@dataclass(frozen=True)
class PracticeLink:
    """What one practice link practises, whether it sends a grade, and how long an item stays away."""

    target: PracticeTarget
    graded: bool
    window: int

    @property
    def form(self) -> Form:
        """The practice as the form its sessions pin: choices shuffled, feedback after each answer."""
        return Form(id=PRACTICE_PREFIX + self.target.id, title=self.target.title,
                    settings=DeliverySettings(attempts_allowed=attempt_logic.UNLIMITED, shuffle_choices=True,
                                              feedback=FeedbackPolicy.AFTER_SUBMIT))


@dataclass(frozen=True)
class Answered:
    """The outcome of an answer: whether this request scored it (False: it was already answered), the outbox row it
    queued for this link, if any, and the rows it queued for the learner's other graded practice links."""

    scored: bool
    queued: ScoreOutbox | None = None
    followed: tuple[ScoreOutbox, ...] = ()


def is_practice(custom: Mapping[str, str] | None) -> bool:
    """Whether a launch's custom parameters make its link a practice link."""
    return bool(str((custom or {}).get("practice") or "").strip())


def practice_link(bank: Bank, custom: Mapping[str, str] | None) -> PracticeLink:
    """The link's practice settings from its custom parameters; PracticeRefused for a target the bank lacks."""
    custom = custom or {}
    target_id = str(custom.get("practice") or "").strip()
    try:
        target = find_target(bank, target_id)
    except KeyError:
        raise PracticeRefused(f"This link asks for practice on “{target_id[:40]}”, which the tool's question bank "
                              "does not have.") from None
    graded = str(custom.get("practice_graded") or "").strip().lower() == "true"
    return PracticeLink(target, graded, _window(custom.get("practice_window")))


def current_question(db: Session, bank: Bank, launch: LaunchSession, link: PracticeLink) -> AttemptItem | None:
    """The learner's open question at this link (pinned, not answered yet), else the next one chosen and pinned
    now; None when the target has no item to practise."""
    for _ in range(_TRIES):
        session = _open_session(db, bank, launch, link)
        if not _lock_open(db, session.id):
            continue  # another request closed it a moment ago
        _keep_lineitem(session, launch, link)
        rows = _rows(db, session.id)
        if rows and rows[-1].score is None:
            db.commit()
            return rows[-1]
        history = answered_at_link(db, launch.resource_link_id, launch.user_id)
        mastery = learner_mastery(db, launch.context_id, launch.user_id, link.target.objectives)
        position = len(rows) + 1
        item = _choose(bank, link, mastery, history, random.Random(f"cps-practice:{session.seed}:{position}"))
        if item is None:
            db.commit()
            return None
        if item.id in {row.item_id for row in rows}:
            _close(db, session.id)
            continue
        row = _pin(db, bank, link, session, item, position)
        pins.remember(bank, [item])
        return row
    raise PracticeRefused("Several answers arrived at once, so no question was chosen.")


def answer(db: Session, bank: Bank, launch: LaunchSession, link: PracticeLink, row: AttemptItem,
           chosen: list[str], now: datetime | None = None) -> Answered:
    """Score the learner's answer to one pinned question once, update their mastery, and on a graded link queue
    the new mastery score, and the new grade of the learner's other graded practice links in the course whose grade
    changed; all in one transaction. A second answer to the same question changes nothing."""
    now = now or utcnow()
    item, _ = pins.version_of(db.connection(), row.content_hash)
    if not chosen:
        raise PracticeRefused("Choose an answer before checking it.")
    try:
        score = score_response(item, chosen, link.form.settings.multiple_response_scoring)
    except ResponseError as exc:
        raise PracticeRefused("That answer does not fit this question; choose from the options shown.") from exc
    _lock(db, row.attempt_id)  # open or not: a regrade may have closed the session under an open question
    claimed = db.execute(
        update(AttemptItem).where(AttemptItem.id == row.id, AttemptItem.score.is_(None))
        .values(response=sorted(chosen), score=float(score.score), max_score=float(score.max_score), pending=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.rollback()
        return Answered(False)
    db.add(Response(attempt_id=row.attempt_id, item_id=item.id, choice_ids=sorted(chosen), text=None, saved_at=now))
    _retotal(db, row.attempt_id)
    lock_learner(db, launch.user_id)
    mastery = recompute(db, launch.context_id, launch.user_id, bank.blueprint.objectives)
    # Stamped under the learner's lock: newer than any grade of this link another update queued before (a quiz's
    # `practice_grades.follow_mastery`), so the sender never drops this one as stale.
    queued = _queue_score(db, launch, link, row.attempt_id, mastery, max(now, utcnow()))
    followed = follow_mastery(db, bank, launch.context_id, launch.user_id, mastery,
                              skip_link=launch.resource_link_id)
    db.commit()
    db.refresh(row)
    return Answered(True, queued, tuple(followed))


def regradable_rows() -> ColumnElement[bool]:
    """The pinned rows that hold a scored answer a regrade may change: the rows of a submitted attempt and the
    answered questions of a practice session, open or not (a question shown but never answered has nothing to
    regrade, and a regrade must not score it)."""
    return and_(or_(Attempt.status == SUBMITTED, Attempt.form_id.startswith(PRACTICE_PREFIX)),
                AttemptItem.score.is_not(None))


def answered_at_link(db: Session, resource_link_id: int, user_id: int) -> list[str]:
    """The item ids the learner answered in practice at this link, oldest first (across their sessions)."""
    query = (select(AttemptItem.item_id).join(Attempt, Attempt.id == AttemptItem.attempt_id)
             .where(Attempt.resource_link_id == resource_link_id, Attempt.user_id == user_id,
                    Attempt.form_id.startswith(PRACTICE_PREFIX), AttemptItem.score.is_not(None))
             .order_by(Attempt.number, AttemptItem.position))
    return list(db.scalars(query))


def question_number(db: Session, row: AttemptItem, attempt: Attempt) -> int:
    """The question's number among all the questions the learner was given at this link."""
    before = (select(func.count()).select_from(AttemptItem).join(Attempt, Attempt.id == AttemptItem.attempt_id)
              .where(Attempt.resource_link_id == attempt.resource_link_id, Attempt.user_id == attempt.user_id,
                     Attempt.form_id.startswith(PRACTICE_PREFIX), Attempt.number < attempt.number))
    return (db.scalar(before) or 0) + row.position


def own_question(db: Session, launch: LaunchSession, row_id: int) -> tuple[AttemptItem, Attempt] | None:
    """A pinned practice question, only when it belongs to the launching learner at the launching link."""
    row = db.get(AttemptItem, row_id)
    attempt = db.get(Attempt, row.attempt_id) if row is not None else None
    if (attempt is None or attempt.user_id != launch.user_id or attempt.resource_link_id != launch.resource_link_id
            or not attempt.form_id.startswith(PRACTICE_PREFIX)):
        return None
    return row, attempt


def _choose(bank: Bank, link: PracticeLink, mastery: Mapping[str, Mastery], history: list[str],
            rng: random.Random) -> Item | None:
    """`choose_next` with the link's window; when the pool is too small for it (every item or an enemy of one was
    answered within the window), with the largest shorter window that leaves an item, so practice never stalls."""
    pool = practice_pool(bank, link.target)
    window = link.window
    while True:
        item = choose_next(pool, mastery, history, bank.enemies, window, rng)
        if item is not None or window == 0:
            return item
        window = min(window, len(pool)) - 1


def _open_session(db: Session, bank: Bank, launch: LaunchSession, link: PracticeLink) -> Attempt:
    """The learner's practice session at this link, a new one when none is open (two requests at once get one)."""
    target = attempt_logic.PassbackTarget(launch.platform_id, None, (), launch.user.sub)
    settings = attempt_logic.AttemptSettings(attempt_logic.UNLIMITED, None, FeedbackPolicy.AFTER_SUBMIT)
    session = attempt_logic.start_attempt(db, bank=bank, resource_link_id=launch.resource_link_id,
                                          user_id=launch.user_id, form=link.form, settings=settings, target=target)
    if not session.form_id.startswith(PRACTICE_PREFIX):
        raise PracticeRefused("An attempt at a quiz is still open at this link, so practice cannot start here.")
    return session


def _keep_lineitem(session: Attempt, launch: LaunchSession, link: PracticeLink) -> None:
    """Store on the session (the caller holds its lock and commits) where this link's grade goes, as this launch
    says: its line item on a graded link whose launch lets the tool post scores, else None. `practice_grades` sends
    the link a new grade from it when the learner's mastery changes elsewhere in the course."""
    wanted = attempt_logic.passback_target(launch).lineitem_url if link.graded else None
    if session.practice_lineitem_url != wanted:
        session.practice_lineitem_url = wanted


def _lock_open(db: Session, attempt_id: int) -> bool:
    """Lock a session row for this transaction while it is open (a no-op UPDATE takes the lock)."""
    touched = db.execute(update(Attempt).where(Attempt.id == attempt_id, Attempt.status == IN_PROGRESS)
                         .values(status=IN_PROGRESS).execution_options(synchronize_session=False)).rowcount
    if touched != 1:
        db.rollback()
        return False
    return True


def _lock(db: Session, attempt_id: int) -> None:
    """Lock a session row for this transaction, whatever its status (a no-op UPDATE takes the lock)."""
    db.execute(update(Attempt).where(Attempt.id == attempt_id).values(status=Attempt.status)
               .execution_options(synchronize_session=False))


def _rows(db: Session, attempt_id: int) -> list[AttemptItem]:
    query = select(AttemptItem).where(AttemptItem.attempt_id == attempt_id).order_by(AttemptItem.position)
    return list(db.scalars(query.execution_options(populate_existing=True)))


def _close(db: Session, attempt_id: int) -> None:
    """End a session (the caller holds its lock): its scored questions stay, the next question opens a new one."""
    db.execute(update(Attempt).where(Attempt.id == attempt_id, Attempt.status == IN_PROGRESS)
               .values(status=SUBMITTED, submitted_at=utcnow()).execution_options(synchronize_session=False))
    db.commit()


def _pin(db: Session, bank: Bank, link: PracticeLink, session: Attempt, item: Item, position: int) -> AttemptItem:
    """Store the chosen item as the session's next question (its version once per hash, its choice order), and
    commit, so the page shows exactly this and a reload shows it again."""
    hashes = bank_hashes(bank)
    digest = hashes.hashes[item.id]
    db.execute(_version_insert(db.get_bind().dialect.name),
               {"hash": digest, "item_id": item.id, "revision": item.revision, "record": hashes.records[item.id],
                "created_at": utcnow()})
    [presented] = delivery_order(link.form, [item], f"{session.seed}:{position}")
    row = AttemptItem(attempt_id=session.id, position=position, item_id=item.id, revision=item.revision,
                      item_type=item.type.value, content_hash=digest, choice_order=list(presented.choice_order),
                      pending=False, dropped=False)
    db.add(row)
    db.commit()
    return row


@functools.lru_cache(maxsize=4)
def _version_insert(dialect: str):
    """INSERT ... ON CONFLICT (hash) DO NOTHING: a version another attempt stored already is kept as it is."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(ItemVersion.__table__).on_conflict_do_nothing(index_elements=["hash"])


def _retotal(db: Session, attempt_id: int) -> None:
    """The session's total so far (the instructor's attempt list shows it)."""
    got, possible = db.execute(select(func.coalesce(func.sum(AttemptItem.score), 0.0),
                                      func.coalesce(func.sum(AttemptItem.max_score), 0.0))
                               .where(AttemptItem.attempt_id == attempt_id, AttemptItem.score.is_not(None))).one()
    db.execute(update(Attempt).where(Attempt.id == attempt_id).values(score=float(got), score_maximum=float(possible))
               .execution_options(synchronize_session=False))


def _queue_score(db: Session, launch: LaunchSession, link: PracticeLink, attempt_id: int,
                 mastery: Mapping[str, Mastery], now: datetime) -> ScoreOutbox | None:
    """On a graded link whose launch carries a line item: one outbox row with the learner's new mastery score
    (`practice_grades.queue_grade`), after every answer, changed or not."""
    lineitem = attempt_logic.passback_target(launch).lineitem_url
    if not link.graded or not lineitem:
        return None
    return queue_grade(db, db.get(Attempt, attempt_id), lineitem, launch.user.sub, link_score(mastery, link.target),
                       now)


def _window(raw: object) -> int:
    """`practice_window` as a whole number 0..MAX_WINDOW; anything else is the default."""
    text = str(raw if raw is not None else "").strip()
    if not text.isdigit():
        return DEFAULT_WINDOW
    return min(int(text), MAX_WINDOW)
