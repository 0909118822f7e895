"""The delivery tables: a learner's attempts, the answers saved as they are given, and the score outbox.

The database is the source of truth for everything a learner did, so a closed tab, a crashed worker or a restart
loses nothing: answers are written per item, and the score to send is written in the same transaction that marks
the attempt submitted, then sent by a grade sender (lti_tool.grades) from the outbox. After such a commit,
`scores_queued.send(app)` tells a sender running in this process to send at once rather than at its next tick.
"""

from __future__ import annotations

from datetime import datetime

from blinker import Namespace
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.web.db import Base, UtcDateTime, utcnow

IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"

OUTBOX_PENDING = "pending"
OUTBOX_SENDING = "sending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
OUTBOX_SUPERSEDED = "superseded"

# Sent with the app as sender once scores were queued and committed; lti_tool.grades.sender listens.
scores_queued = Namespace().signal("cps-scores-queued")


class Attempt(Base):
    """One learner's attempt number N at one resource link; the unique key makes a double start harmless."""

    __tablename__ = "lti_attempts"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id", "number", name="uq_attempt_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    form_id: Mapped[str] = mapped_column(String(80))
    seed: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS)
    attempts_allowed: Mapped[int] = mapped_column(Integer)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    feedback: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_maximum: Mapped[float | None] = mapped_column(Float, nullable=True)
    pending_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    lineitem_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    ags_scopes: Mapped[list | None] = mapped_column(JSON, nullable=True)
    form_version: Mapped[str | None] = mapped_column(String(16), nullable=True)
    bank_digest: Mapped[str | None] = mapped_column(String(16), nullable=True)
    form_record: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # A practice session of a graded link: the line item its grade goes to, as the learner's latest launch there gave
    # it (None: ungraded, no line item, or not a practice session); lti_tool.delivery.practice_grades reads it.
    practice_lineitem_url: Mapped[str | None] = mapped_column(Text, nullable=True)

    responses: Mapped[list[Response]] = relationship(back_populates="attempt", cascade="all, delete-orphan")
    pinned: Mapped[list[AttemptItem]] = relationship(back_populates="attempt", cascade="all, delete-orphan",
                                                     order_by="AttemptItem.position")
    scores: Mapped[list[ScoreOutbox]] = relationship(back_populates="attempt", order_by="ScoreOutbox.id")

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED


class ItemVersion(Base):
    """One item exactly as some attempt was given it, stored once per content hash and never changed."""

    __tablename__ = "lti_item_versions"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(80), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    record: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AttemptItem(Base):
    """Item N of an attempt as presented (version and choice order), and, once submitted, its stored score.

    The attempt's total is the sum of these rows' scores; statistics, essay grading and regrades work on them."""

    __tablename__ = "lti_attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_attempt_item_position"),
                      UniqueConstraint("attempt_id", "item_id", name="uq_attempt_item_item"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lti_attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(80), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    item_type: Mapped[str] = mapped_column(String(24))
    content_hash: Mapped[str] = mapped_column(ForeignKey("lti_item_versions.hash"))
    choice_order: Mapped[list] = mapped_column(JSON)
    response: Mapped[list | None] = mapped_column(JSON, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)

    attempt: Mapped[Attempt] = relationship(back_populates="pinned")
    version: Mapped[ItemVersion] = relationship()


class Response(Base):
    """A learner's current answer to one item of an attempt, overwritten each time they change it."""

    __tablename__ = "lti_responses"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id", name="uq_response_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lti_attempts.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(80))
    choice_ids: Mapped[list | None] = mapped_column(JSON, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="responses")


class ScoreOutbox(Base):
    """One score to send to one line item for one platform user; the sender works through these rows."""

    __tablename__ = "lti_score_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lti_attempts.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    lineitem_url: Mapped[str] = mapped_column(Text)
    platform_user_id: Mapped[str] = mapped_column(String(255))
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(32))
    grading_progress: Mapped[str] = mapped_column(String(32))
    new_submission: Mapped[bool] = mapped_column(Boolean, default=True)
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING, index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    platform_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    attempt: Mapped[Attempt] = relationship(back_populates="scores")
