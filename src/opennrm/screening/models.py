"""A screening of a signal with the operational indicators, as it was done.

The codes and the catalogue version are kept, so the explanation can always be given
again exactly as the screener saw it; the outcome is stored too, for queues and
statistics, and is what the rule gave at the time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from opennrm.db import Base, UTCDateTime, new_id, utcnow


class Screening(Base):
    __tablename__ = "screenings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    signal_id: Mapped[str] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    catalogue_version: Mapped[str] = mapped_column(String(40))
    profile: Mapped[str] = mapped_column(String(40))
    indicators: Mapped[list[str]] = mapped_column(JSON)
    grounds_to_refer: Mapped[bool] = mapped_column(Boolean)
    positive_dimensions: Mapped[list[str]] = mapped_column(JSON)
