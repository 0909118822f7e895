"""The instructor's retry of a score the platform refused for good: the outbox row goes back in the queue.

Only a failed row of an attempt at the instructor's own resource link can be re-queued; the UPDATE is conditional
on `failed`, so a double click queues it once. The retry window starts again from now, and the sender's own rules
still hold: if a newer score for the learner was sent or queued meanwhile, the old one is superseded, not sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lti_tool.delivery.models import OUTBOX_FAILED, OUTBOX_PENDING, Attempt, ScoreOutbox
from lti_tool.web.db import utcnow

REQUEUED_NOTE = "re-queued by an instructor"


def score_row_at_link(db: Session, row_id: int, resource_link_id: int) -> ScoreOutbox | None:
    """The outbox row, only when its attempt belongs to this resource link (else None: not found)."""
    query = (select(ScoreOutbox).join(Attempt, Attempt.id == ScoreOutbox.attempt_id)
             .where(ScoreOutbox.id == row_id, Attempt.resource_link_id == resource_link_id))
    return db.scalar(query)


def requeue_failed(db: Session, row: ScoreOutbox, now: datetime | None = None) -> bool:
    """Put a failed row back in the queue, due now; False when it is not (or no longer) failed."""
    now = now or utcnow()
    changed = db.execute(
        update(ScoreOutbox).where(ScoreOutbox.id == row.id, ScoreOutbox.status == OUTBOX_FAILED)
        .values(status=OUTBOX_PENDING, tries=0, next_try_at=now, claimed_until=None, created_at=now,
                last_error=REQUEUED_NOTE, platform_reason=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    return changed == 1
