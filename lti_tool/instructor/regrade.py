"""Regrading on purpose: after a key change or an item's withdrawal, attempts that used one item revision get new
scores by a chosen policy, shown as a preview first, then committed with an audit record.

Policies: `new-key` scores the stored responses against the item's current revision in the bank (through
`item_bank.scoring`; the attempt then shows that revision), `full-credit` gives every attempt the item's full
points, `drop` takes the item out of the total (0 of 0). Each learner whose recorded score changed (their attempts
at the link by the grading policy, `delivery.recorded_scores`) gets one new score in the outbox, queued once all of
their attempts are regraded, so a learner with two regraded attempts is sent the policy's score, not each
attempt's own. Then each learner's mastery is recomputed, and each of their graded practice links in the course whose
grade that changed gets one new score (`delivery.mastery_store.record_attempts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from item_bank.model import Bank, Item, ItemType
from item_bank.scoring import ResponseError, score_response
from item_bank.snapshot import bank_hashes
from lti_tool.delivery import attempt_pins as pins
from lti_tool.delivery.mastery_store import record_attempts
from lti_tool.delivery.models import SUBMITTED, Attempt, AttemptItem, ItemVersion, ScoreOutbox
from lti_tool.delivery.practice import regradable_rows
from lti_tool.instructor.grading import queue_recorded, set_total
from lti_tool.instructor.regrade_models import Regrade, RegradeChange
from lti_tool.lti.learner_names import display_name
from lti_tool.lti.models import User
from lti_tool.web.db import utcnow


class Policy(StrEnum):
    NEW_KEY = "new-key"
    FULL_CREDIT = "full-credit"
    DROP = "drop"


POLICY_LABELS = {
    Policy.NEW_KEY: "Score the saved answers with the item's current key",
    Policy.FULL_CREDIT: "Give everyone full credit for the item",
    Policy.DROP: "Drop the item from the total",
}


class RegradeRefused(Exception):
    """The regrade cannot be done as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Change:
    """One attempt's item row and total before and after the regrade."""

    attempt_id: int
    learner: str
    row_id: int
    old_item: tuple[float | None, float | None]
    new_item: tuple[float, float]
    old_total: tuple[float | None, float | None]
    new_total: tuple[float, float]

    @property
    def changes_total(self) -> bool:
        return self.old_total != self.new_total


@dataclass(frozen=True)
class RegradePlan:
    item_id: str
    revision: int
    policy: Policy
    changes: list[Change]
    new_version: tuple[Item, str] | None = None

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes if c.changes_total or c.old_item != c.new_item]


def revisions_used(db: Session, resource_link_ids: list[int] | None = None) -> list[tuple[str, int, int]]:
    """(item id, revision, submitted attempts) for every item revision the submitted attempts were given."""
    query = (select(AttemptItem.item_id, AttemptItem.revision, AttemptItem.attempt_id)
             .join(Attempt, Attempt.id == AttemptItem.attempt_id).where(regradable_rows()))
    if resource_link_ids is not None:
        query = query.where(Attempt.resource_link_id.in_(resource_link_ids))
    counts: dict[tuple[str, int], int] = {}
    for item_id, revision, _ in db.execute(query):
        counts[(item_id, revision)] = counts.get((item_id, revision), 0) + 1
    return sorted((i, r, n) for (i, r), n in counts.items())


def plan_regrade(db: Session, bank: Bank, item_id: str, revision: int, policy: Policy,
                 resource_link_ids: list[int] | None = None) -> RegradePlan:
    """What the regrade would do to every submitted attempt (of these links, or all) that used this revision."""
    new_version = _new_version(bank, item_id, revision) if policy is Policy.NEW_KEY else None
    query = (select(Attempt).join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
             .where(regradable_rows(), AttemptItem.item_id == item_id, AttemptItem.revision == revision)
             .options(selectinload(Attempt.pinned)).order_by(Attempt.id))
    if resource_link_ids is not None:
        query = query.where(Attempt.resource_link_id.in_(resource_link_ids))
    attempts = list(db.scalars(query).unique())
    users = db.scalars(select(User).where(User.id.in_({a.user_id for a in attempts})))
    names = {u.id: display_name(u.name, u.sub) for u in users}
    changes = []
    for attempt in attempts:
        row = next(r for r in attempt.pinned if r.item_id == item_id)
        new_item = _new_item_score(db, attempt, row, policy, new_version)
        others = [(r.score or 0.0, r.max_score or 0.0) for r in attempt.pinned if r is not row]
        new_total = (sum(s for s, _ in others) + new_item[0], sum(m for _, m in others) + new_item[1])
        changes.append(Change(attempt.id, names.get(attempt.user_id, str(attempt.user_id)), row.id,
                              (row.score, row.max_score), new_item, (attempt.score, attempt.score_maximum),
                              new_total))
    return RegradePlan(item_id, revision, policy, changes, new_version)


def apply_regrade(db: Session, bank: Bank, plan: RegradePlan, *, actor: str, reason: str,
                  resource_link_id: int | None = None,
                  now: datetime | None = None) -> tuple[Regrade, list[ScoreOutbox]]:
    """Commit the plan: new item scores and totals, the audit record, and one outbox row per learner whose recorded
    score changed, then each learner's mastery and the new grade of their graded practice links whose grade changed.

    Each attempt row is locked first (as grading does) and the plan is recomputed under the lock, so a grade or
    regrade committed meanwhile is never overwritten with a stale figure."""
    if not reason.strip():
        raise RegradeRefused("Say why you regrade (for example: the key of revision 1 was wrong).")
    now = now or utcnow()
    regrade = Regrade(actor=actor[:255], reason=reason.strip(), item_id=plan.item_id, revision=plan.revision,
                      policy=plan.policy.value, resource_link_id=resource_link_id, created_at=now)
    if plan.new_version is not None:
        item, digest = plan.new_version
        regrade.new_hash = digest
        if db.get(ItemVersion, digest) is None:
            db.add(ItemVersion(hash=digest, item_id=item.id, revision=item.revision,
                               record=bank_hashes(bank).records[item.id], created_at=now))
    db.add(regrade)
    regraded: dict[tuple[int, int], Attempt] = {}
    for planned in plan.changes:
        db.execute(update(Attempt).where(Attempt.id == planned.attempt_id).values(status=SUBMITTED)
                   .execution_options(synchronize_session=False))
        attempt = db.get(Attempt, planned.attempt_id, populate_existing=True)
        db.refresh(attempt, ["pinned", "scores"])
        row = next(r for r in attempt.pinned if r.item_id == plan.item_id)
        if row.revision != plan.revision:
            continue
        old_total = (attempt.score, attempt.score_maximum)
        row.score, row.max_score = _new_item_score(db, attempt, row, plan.policy, plan.new_version)
        row.pending = False
        row.dropped = plan.policy is Policy.DROP
        if plan.new_version is not None:
            row.content_hash, row.revision = plan.new_version[1], plan.new_version[0].revision
        set_total(attempt)
        _keep_latest_final(regraded, attempt)
        new_total = (attempt.score or 0.0, attempt.score_maximum or 0.0)
        if old_total != new_total or planned.old_item != planned.new_item:
            regrade.changes.append(RegradeChange(attempt_id=attempt.id, old_score=old_total[0],
                                                 old_maximum=old_total[1], new_score=new_total[0],
                                                 new_maximum=new_total[1]))
    queued = [row for row in (queue_recorded(db, a, now) for a in regraded.values()) if row is not None]
    db.commit()
    queued += record_attempts(db, [change.attempt_id for change in regrade.changes], bank)
    return regrade, queued


def _keep_latest_final(regraded: dict[tuple[int, int], Attempt], attempt: Attempt) -> None:
    """Per learner and link, the latest regraded attempt that waits for no essay: the one to queue a score for."""
    key = (attempt.resource_link_id, attempt.user_id)
    if not attempt.pending_manual and (key not in regraded or regraded[key].number < attempt.number):
        regraded[key] = attempt


def _new_version(bank: Bank, item_id: str, revision: int) -> tuple[Item, str]:
    try:
        item = bank.item(item_id)
    except KeyError:
        raise RegradeRefused(f"{item_id} is no longer in the bank, so it has no new key; regrade it with "
                             "full credit or drop it.") from None
    if item.revision <= revision:
        raise RegradeRefused(f"The bank's {item_id} is still revision {item.revision}; publish the corrected item "
                             f"as revision {revision + 1} first, or regrade with full credit or drop it.")
    if item.type is ItemType.EXTENDED_TEXT:
        raise RegradeRefused(f"{item_id} is an essay; regrade essays from the grading page.")
    return item, bank_hashes(bank).hashes[item_id]


def _new_item_score(db: Session, attempt: Attempt, row: AttemptItem, policy: Policy,
                    new_version: tuple[Item, str] | None) -> tuple[float, float]:
    pinned_item, _ = pins.version_of(db.connection(), row.content_hash)
    if policy is Policy.DROP:
        return 0.0, 0.0
    if policy is Policy.FULL_CREDIT:
        return float(pinned_item.points), float(pinned_item.points)
    assert new_version is not None
    form = pins.pinned_form(attempt)
    try:
        score = score_response(new_version[0], row.response, form.settings.multiple_response_scoring if form else None)
    except ResponseError as exc:
        raise RegradeRefused(f"Revision {new_version[0].revision} of {row.item_id} no longer has an option learners "
                             f"chose ({exc}); keep the option ids when re-keying, or use full credit or drop.") from exc
    return float(score.score), float(score.max_score)
