"""Referrals and the decisions taken on them.

A referral is the receiving organisation's case. An identified referral rests on a share
of the signal (`share_id`), which is what lets the receiver read the person; an anonymous
one has no share and carries only `anonymous_summary`, which holds nothing that
identifies anybody. Decision reasons are assessments about a person and are encrypted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from opennrm.db import Base, UTCDateTime, new_id, utcnow


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("target IN ('assistance_system', 'police')", name="target_known"),
        CheckConstraint(
            "machine IN ('assistance', 'police', 'notification')", name="machine_known"
        ),
        Index("ix_referrals_target_status", "target_organisation_id", "status"),
        Index("ix_referrals_from_org", "from_organisation_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    signal_id: Mapped[str] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    screening_id: Mapped[str | None] = mapped_column(ForeignKey("screenings.id"))
    target: Mapped[str] = mapped_column(String(24))
    machine: Mapped[str] = mapped_column(String(16))
    from_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    target_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consent: Mapped[bool] = mapped_column(Boolean)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    child: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str | None] = mapped_column(String(16))
    share_id: Mapped[str | None] = mapped_column(ForeignKey("shares.id"))
    anonymous_summary: Mapped[dict[str, object] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(40))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The statutory clock running in the current state, and the day it ends.
    clock: Mapped[str | None] = mapped_column(String(60))
    deadline: Mapped[date | None] = mapped_column(Date)
    # When the receivers were reminded that the deadline is near, and when the
    # supervisors were told it passed; both cleared when a decision starts a new clock.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recovery_period_ends_on: Mapped[date | None] = mapped_column(Date)


class ReferralDecision(Base):
    __tablename__ = "referral_decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str] = mapped_column(String(40))
    to_status: Mapped[str] = mapped_column(String(40))
    reason_enc: Mapped[bytes] = mapped_column(LargeBinary)
    decided_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    period_ends_on: Mapped[date | None] = mapped_column(Date)
