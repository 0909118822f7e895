"""The mastery table: one row per learner, course and objective, the Beta belief of `item_bank.mastery`.

A row is derived data: `lti_tool.delivery.mastery_store` rewrites a learner's rows from their stored scored responses
(the pinned `lti_attempt_items`) whenever one of them changes, so the table can always be rebuilt from those.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.web.db import Base, UtcDateTime


class MasteryRecord(Base):
    """One learner's mastery of one objective in one course (LTI context)."""

    __tablename__ = "lti_mastery"
    __table_args__ = (UniqueConstraint("context_id", "user_id", "objective", name="uq_mastery_learner_objective"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    objective: Mapped[str] = mapped_column(String(80))
    alpha: Mapped[float] = mapped_column(Float)
    beta: Mapped[float] = mapped_column(Float)
    evidence: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
