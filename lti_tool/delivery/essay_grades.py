"""Essay grades: one rubric score per essay of a submitted attempt, given by the instructor (lti_tool.instructor.
grading) and shown to the learner with the result (lti_tool.delivery.results).

Kept apart from the learner's `Response` so that the learner's text is never overwritten by grading, and a
re-grade replaces the grade (one row per attempt and item) while the attempt's score follows it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lti_tool.web.db import Base, UtcDateTime, utcnow


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


def grades_of(db: Session, attempt_id: int) -> dict[str, EssayGrade]:
    """The attempt's essay grades by item id."""
    return {g.item_id: g for g in db.scalars(select(EssayGrade).where(EssayGrade.attempt_id == attempt_id))}
