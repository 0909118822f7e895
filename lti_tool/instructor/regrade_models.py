"""The audit of regrades: who regraded which item revision, how, why, and each attempt's old and new total."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.web.db import Base, UtcDateTime, utcnow


class Regrade(Base):
    """One committed regrade of one item revision, by an instructor (one link) or an admin (any links)."""

    __tablename__ = "lti_regrades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    item_id: Mapped[str] = mapped_column(String(80), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    policy: Mapped[str] = mapped_column(String(16))
    new_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="SET NULL"), nullable=True)

    changes: Mapped[list[RegradeChange]] = relationship(back_populates="regrade", cascade="all, delete-orphan",
                                                        order_by="RegradeChange.id")


class RegradeChange(Base):
    """One attempt a regrade touched: its total before and after."""

    __tablename__ = "lti_regrade_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    regrade_id: Mapped[int] = mapped_column(ForeignKey("lti_regrades.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lti_attempts.id", ondelete="CASCADE"), index=True)
    old_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    old_maximum: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_score: Mapped[float] = mapped_column(Float)
    new_maximum: Mapped[float] = mapped_column(Float)

    regrade: Mapped[Regrade] = relationship(back_populates="changes")
