"""Released statistics: the ledger of what was published and what privacy it spent.

A release with calibrated noise spends part of a yearly privacy budget (epsilon); the
ledger is what lets the platform refuse a release that would overspend it, and lets
the data protection officer see every public figure that left the platform.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from opennrm.db import Base, UTCDateTime, new_id, utcnow


class StatisticsRelease(Base):
    __tablename__ = "statistics_releases"
    __table_args__ = (
        CheckConstraint("method IN ('suppression', 'noise')", name="method_known"),
        CheckConstraint("epsilon IS NULL OR epsilon > 0", name="epsilon_positive"),
        Index("ix_statistics_releases_year", "budget_year"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    subject: Mapped[str] = mapped_column(String(40))
    dimensions: Mapped[list[str]] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[int] = mapped_column(Integer)
    epsilon: Mapped[float | None] = mapped_column(Float)
    mechanism: Mapped[str | None] = mapped_column(String(60))
    budget_year: Mapped[int] = mapped_column(Integer)
    cells: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the released table as published, to recognise it later."""
