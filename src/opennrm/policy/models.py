"""Access grants beyond ownership: shares, assignments and break-the-glass.

They live with the policy because they are the inputs of its rules; domains create them
through their actions, and only the policy reads them to decide.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opennrm.db import Base, UTCDateTime, new_id, utcnow

SHARE_BASES = ("consent", "statutory", "court_order", "vital_interest")
SHARE_SCOPES = ("full", "summary")


class Share(Base):
    """A record shared with another organisation, on a lawful basis, until an expiry."""

    __tablename__ = "shares"
    __table_args__ = (
        CheckConstraint(
            "basis IN ('consent','statutory','court_order','vital_interest')", name="basis_known"
        ),
        CheckConstraint("scope IN ('full','summary')", name="scope_known"),
        Index("ix_shares_record", "record_type", "record_id"),
        Index("ix_shares_grantee", "organisation_id", "record_type"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    basis: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    expires_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    # Idempotency: a client that retries a share with the same key gets the first share.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))


Index("uq_shares_idempotency", Share.created_by, Share.idempotency_key, unique=True)


class Assignment(Base):
    """A person assigned to a record sees it whatever their organisation's role rules."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_record", "record_type", "record_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BreakGlass(Base):
    """Emergency, time-limited read access to one record, with a written justification."""

    __tablename__ = "break_glass"
    __table_args__ = (Index("ix_break_glass_user_record", "user_id", "record_type", "record_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    justification: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
