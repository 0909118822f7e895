"""Grade passback (AGS): send the score outbox to each launch's own line item, reliably and exactly once.

Rows are written by `lti_tool.delivery.attempts.submit_attempt` in the submission's transaction (and by essay
grading and regrades); each carries the learner's recorded score at its link, their attempts combined by the grading
policy (`lti_tool.delivery.recorded_scores`), since the gradebook keeps the latest score posted. `drain` sends
every due row once: `cps-assess grades send`, and each tick of a grade sender (lti_tool/grades/sender.py, run by
`serve` in every worker or by `cps-assess grades worker`). It claims a due
row with an atomic `UPDATE ... WHERE status = 'pending'` (safe with several workers and processes, on SQLite and
PostgreSQL), posts it with pylti1p3's `AssignmentsGradesService` over the shared access-token cache, and records
the outcome: sent; retried later with exponential backoff (timeouts, connection errors, 5xx, 429 with its
Retry-After) for `GRADES_RETRY_HOURS` (default 48); or failed for good with the platform's reason. A claim is a
lease: a worker that dies mid-send leaves the row claimable again once the lease ends, so restarts lose nothing.
A score older than one already sent or queued for the same line item and user is never sent (superseded).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
from flask import Flask
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from lti_tool.delivery.models import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    OUTBOX_SUPERSEDED,
    ScoreOutbox,
)
from lti_tool.lti.models import Platform
from lti_tool.lti.service_tokens import AGS_SCORE_SCOPE, connector_for
from lti_tool.web.db import session_scope, utcnow
from lti_tool.web.shared_store import store

log = logging.getLogger(__name__)

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
CLAIM_LEASE = timedelta(minutes=2)
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
DEFAULT_RETRY_HOURS = 48
BATCH = 50
REASON_CHARS = 500
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
# How platforms refuse a score whose timestamp is not newer than the one they hold (Canvas 400, Moodle 409).
NOT_NEWER_STATUS = frozenset({400, 409, 422})
ALREADY_THERE = "the platform already had this score: an earlier try reached it"


@dataclass(frozen=True)
class Outcome:
    """What one send attempt came to: `sent`, `retry` (with an optional Retry-After) or `failed`."""

    kind: str
    reason: str = ""
    retry_after: timedelta | None = None


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    superseded: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"sent {self.sent}, will retry {self.retried}, failed {self.failed}, "
                f"superseded {self.superseded}")


def iso_timestamp(moment: datetime) -> str:
    """ISO 8601 with microseconds and offset: Canvas and Moodle order scores by it, so sub-second matters."""
    return moment.isoformat(timespec="microseconds")


def score_grade(row: ScoreOutbox) -> Grade:
    """The AGS score for one outbox row, with Canvas's submission extension."""
    stamp = iso_timestamp(row.scored_at)
    return (
        Grade()
        .set_score_given(row.score_given)
        .set_score_maximum(row.score_maximum)
        .set_activity_progress(row.activity_progress)
        .set_grading_progress(row.grading_progress)
        .set_timestamp(stamp)
        .set_user_id(row.platform_user_id)
        .set_extra_claims({CANVAS_SUBMISSION: {"new_submission": row.new_submission, "submitted_at": stamp}})
    )


def backoff(tries: int, retry_after: timedelta | None = None, rng: random.Random | None = None,
            first: float = FIRST_DELAY_SECONDS) -> timedelta:
    """Delay before the next try: `first` (30 s) doubling up to an hour, +-20 % jitter; a longer Retry-After wins."""
    base = min(first * 2 ** max(tries - 1, 0), MAX_DELAY_SECONDS)
    jitter = (rng or random).uniform(0.8, 1.2)
    delay = timedelta(seconds=base * jitter)
    return max(delay, retry_after) if retry_after else delay


def classify(exc: Exception) -> Outcome:
    """Sort a failed send into retry-later or failed-for-good, keeping the platform's words as the reason.

    Timeouts, connection errors, 5xx, 429 and errors of our own (a database hiccup) are retried; other HTTP
    answers from the platform are final; a removed registration cannot be sent to.
    """
    if isinstance(exc, requests.Timeout):
        return Outcome("retry", "the platform did not answer in time")
    if isinstance(exc, requests.ConnectionError):
        return Outcome("retry", "the platform could not be reached")
    if isinstance(exc, LtiServiceException):
        response = exc.response
        where = "token endpoint" if "access token" in str(exc) else "score endpoint"
        reason = f"{where} answered HTTP {response.status_code}: {_body(response)}"
        if response.status_code in RETRYABLE_STATUS:
            return Outcome("retry", reason, _retry_after(response))
        if response.status_code == 401 and where == "score endpoint":
            return Outcome("retry", reason)
        return Outcome("failed", reason)
    if isinstance(exc, LookupError):
        return Outcome("failed", str(exc))
    return Outcome("retry", f"{type(exc).__name__}: {exc}"[:REASON_CHARS])


def already_delivered(exc: Exception, row: ScoreOutbox) -> bool:
    """Whether a refusal means the platform already holds this very score.

    The payload is a pure function of the row (same score, same timestamp on every try). When an earlier try
    may have reached the platform (a timeout, or a sender killed before it recorded the answer) and the platform
    now refuses the identical resend because its timestamp is not newer (Canvas: "Provided timestamp ... before
    last updated timestamp", Moodle: "Refusing score with an earlier timestamp"), the grade arrived: recording
    it as failed would be wrong and retrying it would be refused forever.
    """
    if row.tries < 2 or not isinstance(exc, LtiServiceException):
        return False
    response = exc.response
    return response.status_code in NOT_NEWER_STATUS and "timestamp" in (response.text or "").lower()


def claim(db: Session, row_id: int, now: datetime, lease: timedelta = CLAIM_LEASE) -> bool:
    """Take one due row for this worker; exactly one worker wins (the UPDATE is atomic on every database)."""
    due = or_(
        (ScoreOutbox.status == OUTBOX_PENDING) & (ScoreOutbox.next_try_at <= now),
        (ScoreOutbox.status == OUTBOX_SENDING) & (ScoreOutbox.claimed_until < now),
    )
    result = db.execute(
        update(ScoreOutbox).where(ScoreOutbox.id == row_id, due)
        .values(status=OUTBOX_SENDING, claimed_until=now + lease, tries=ScoreOutbox.tries + 1)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    return result.rowcount == 1


def due_ids(db: Session, now: datetime, limit: int = BATCH) -> list[int]:
    """Due rows, oldest score first, so that a newer score for the same user always goes after an older one."""
    query = (
        select(ScoreOutbox.id)
        .where(or_(
            (ScoreOutbox.status == OUTBOX_PENDING) & (ScoreOutbox.next_try_at <= now),
            (ScoreOutbox.status == OUTBOX_SENDING) & (ScoreOutbox.claimed_until < now),
        ))
        .order_by(ScoreOutbox.scored_at, ScoreOutbox.id)
        .limit(limit)
    )
    return list(db.scalars(query))


def is_stale(db: Session, row: ScoreOutbox) -> bool:
    """True when a newer score for the same line item and user is already sent or on its way."""
    newer = select(ScoreOutbox.id).where(
        ScoreOutbox.platform_id == row.platform_id,
        ScoreOutbox.lineitem_url == row.lineitem_url,
        ScoreOutbox.platform_user_id == row.platform_user_id,
        ScoreOutbox.scored_at > row.scored_at,
        ScoreOutbox.status.in_((OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT)),
    ).limit(1)
    return db.scalar(newer) is not None


def post_score(app: Flask, db: Session, row: ScoreOutbox) -> None:
    """POST the score to the row's line item; raises what pylti1p3 or requests raise on failure.

    A 401 from the score endpoint means the cached access token is no longer good: it is dropped so that the
    retry fetches a fresh one.
    """
    platform = db.get(Platform, row.platform_id)
    if platform is None:
        raise LookupError("the platform registration was removed")
    scopes = sorted(row.attempt.ags_scopes or [AGS_SCORE_SCOPE])
    connector = connector_for(platform, db, app)
    ags = {"scope": scopes, "lineitem": row.lineitem_url}
    try:
        AssignmentsGradesService(connector, ags).put_grade(score_grade(row))
    except LtiServiceException as exc:
        if exc.response.status_code == 401 and "access token" not in str(exc):
            store(app).delete(connector._scope_key(scopes))
        raise


def send_row(app: Flask, db: Session, row: ScoreOutbox, now: datetime) -> str:
    """Send one claimed row and record the outcome; returns the row's new status."""
    retry_window = timedelta(hours=app.config.get("GRADES_RETRY_HOURS", DEFAULT_RETRY_HOURS))
    if is_stale(db, row):
        _finish(db, row, OUTBOX_SUPERSEDED, "a newer score for this learner was sent or queued")
        return OUTBOX_SUPERSEDED
    try:
        post_score(app, db, row)
    except Exception as exc:  # every failure is recorded on the row; nothing escapes the sender
        if already_delivered(exc, row):
            row.sent_at = now
            _finish(db, row, OUTBOX_SENT, ALREADY_THERE)
            log.info("score %s: an earlier try had reached the platform", row.id)
            return OUTBOX_SENT
        outcome = classify(exc)
    else:
        row.sent_at = now
        _finish(db, row, OUTBOX_SENT, None)
        return OUTBOX_SENT
    delay = backoff(row.tries, outcome.retry_after, first=app.config.get("GRADES_FIRST_RETRY_SECONDS",
                                                                        FIRST_DELAY_SECONDS))
    if outcome.kind == "retry" and now + delay < row.created_at + retry_window:
        row.status = OUTBOX_PENDING
        row.next_try_at = now + delay
        row.claimed_until = None
        row.last_error = outcome.reason
        db.commit()
        log.info("score %s: try %s failed, retrying later", row.id, row.tries)
        return OUTBOX_PENDING
    row.platform_reason = outcome.reason
    _finish(db, row, OUTBOX_FAILED, outcome.reason)
    log.warning("score %s failed for good after %s tries", row.id, row.tries)
    return OUTBOX_FAILED


def drain(app: Flask, now: datetime | None = None, limit: int = BATCH) -> DrainReport:
    """Send every due row once (the CLI's `grades send` and each tick of a grade sender)."""
    report = DrainReport()
    now = now or utcnow()
    lease = timedelta(seconds=app.config.get("GRADES_CLAIM_LEASE_SECONDS") or CLAIM_LEASE.total_seconds())
    with session_scope(app) as db:
        for row_id in _all_due(db, now, limit):
            if not claim(db, row_id, now, lease):
                continue
            row = db.get(ScoreOutbox, row_id, populate_existing=True)
            status = send_row(app, db, row, now)
            if status == OUTBOX_SENT:
                report.sent += 1
            elif status == OUTBOX_PENDING:
                report.retried += 1
            elif status == OUTBOX_SUPERSEDED:
                report.superseded += 1
            else:
                report.failed += 1
                report.errors.append(f"score {row.id}: {row.platform_reason}")
    return report


def _all_due(db: Session, now: datetime, limit: int):
    """Due ids batch after batch; a row leaves the due set once tried (sent, failed or rescheduled later)."""
    seen: set[int] = set()
    while True:
        batch = [i for i in due_ids(db, now, limit) if i not in seen]
        if not batch:
            return
        seen.update(batch)
        yield from batch


def _finish(db: Session, row: ScoreOutbox, status: str, error: str | None) -> None:
    row.status = status
    row.claimed_until = None
    row.last_error = error
    db.commit()


def _body(response: requests.Response) -> str:
    text = (response.text or "").strip().replace("\n", " ")
    return text[:REASON_CHARS] or response.reason or "no reason given"


def _retry_after(response: requests.Response) -> timedelta | None:
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    if raw.strip().isdigit():
        return timedelta(seconds=int(raw.strip()))
    try:
        return parsedate_to_datetime(raw) - utcnow()
    except (TypeError, ValueError):
        return None
