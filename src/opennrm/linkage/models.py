"""Tables of the linkage index and of candidate links.

``linkage_persons`` holds one row per person in a signal or investigation: the person's
linkage features, encrypted (they include identity numbers), and the owning record and
organisation. ``linkage_keys`` holds its blocking keys as keyed blind indexes, so that
candidates are found by an indexed lookup without decrypting anything and without
storing a readable name or number. ``linkage_candidates`` holds the pairs the engine
found worth a person's attention; a reviewer confirms or rejects them — nothing is ever
merged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from opennrm.db import Base, UTCDateTime, new_id, utcnow

RECORD_TYPES = ("signal", "investigation")
STATUSES = ("open", "confirmed", "rejected")
DECISIONS = ("match", "possible")


class LinkagePerson(Base):
    __tablename__ = "linkage_persons"
    __table_args__ = (
        CheckConstraint("record_type IN ('signal', 'investigation')", name="record_type_known"),
        Index("ix_linkage_persons_record", "record_type", "record_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(36))
    # The SignalPerson or InvestigationPerson this row indexes.
    source_person_id: Mapped[str] = mapped_column(String(36), unique=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    features_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkageKey(Base):
    """One blocking key of one person, as a truncated keyed blind index."""

    __tablename__ = "linkage_keys"
    __table_args__ = (Index("ix_linkage_keys_key", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(
        ForeignKey("linkage_persons.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(32))


class CandidateLink(Base):
    """A pair of persons the engine thinks may be one person. ``levels`` names how each
    field agreed (labels only, never values); the readable explanation is rebuilt for a
    reader who may see both records."""

    __tablename__ = "linkage_candidates"
    __table_args__ = (
        UniqueConstraint("left_person_id", "right_person_id"),
        CheckConstraint("status IN ('open', 'confirmed', 'rejected')", name="status_known"),
        CheckConstraint("decision IN ('match', 'possible')", name="decision_known"),
        Index("ix_linkage_candidates_left_record", "left_record_type", "left_record_id"),
        Index("ix_linkage_candidates_right_record", "right_record_type", "right_record_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    left_person_id: Mapped[str] = mapped_column(
        ForeignKey("linkage_persons.id", ondelete="CASCADE"), index=True
    )
    right_person_id: Mapped[str] = mapped_column(
        ForeignKey("linkage_persons.id", ondelete="CASCADE"), index=True
    )
    left_record_type: Mapped[str] = mapped_column(String(16))
    left_record_id: Mapped[str] = mapped_column(String(36))
    left_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    right_record_type: Mapped[str] = mapped_column(String(16))
    right_record_id: Mapped[str] = mapped_column(String(36))
    right_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(16))
    levels: Mapped[dict[str, str]] = mapped_column(JSON)
    name_similarity: Mapped[float] = mapped_column(Float, default=0.0)
    model_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    reviewed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
