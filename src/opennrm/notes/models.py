"""A note on a signal or on a referral. The text is encrypted; `kind` keeps fact and
assessment apart, as investigators and caseworkers must (what was seen or said, versus
what somebody concluded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from opennrm.db import Base, UTCDateTime, new_id, utcnow


class CaseNote(Base):
    __tablename__ = "case_notes"
    __table_args__ = (
        CheckConstraint("kind IN ('fact', 'assessment')", name="kind_known"),
        CheckConstraint(
            "record_type IN ('signal', 'referral', 'investigation')", name="record_type_known"
        ),
        Index("ix_case_notes_record", "record_type", "record_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(36))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
