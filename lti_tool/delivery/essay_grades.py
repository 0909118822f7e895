"""The instructor's essay grades: one rubric score per essay of a submitted attempt.

Kept apart from the learner's `Response` so that the learner's text is never overwritten by grading, and a
re-grade replaces the grade (one row per attempt and item) while the attempt's score follows it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.attempt_models import utcnow
from lti_tool.db import Base, UtcDateTime


class EssayGrade(Base):
    """Rubric points per dimension (0..levels) for one essay item of one attempt, and who gave them."""

    __tablename__ = "lti_essay_grades"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id", name="uq_essay_grade_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lti_attempts.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(80))
    rubric_id: Mapped[str] = mapped_column(String(80))
    points: Mapped[dict[str, int]] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("lti_users.id", ondelete="SET NULL"), nullable=True)
    graded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
