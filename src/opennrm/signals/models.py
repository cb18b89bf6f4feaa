"""Tables of the intake: a signal and the persons, organisations and addresses in it.

The summary and identity numbers are special-category data and are stored encrypted
(`*_enc`). Phones, e-mails, identity numbers and business ids also get a row in
`signal_identifiers` holding only a keyed blind index, so that exact matches across
organisations can be found without decrypting anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opennrm.db import Base, UTCDateTime, new_id, utcnow


class Signal(Base):
    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_org_created", "organisation_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    exploitation_types: Mapped[list[str]] = mapped_column(JSON)
    summary_enc: Mapped[bytes] = mapped_column(LargeBinary)
    occurred_on: Mapped[str | None] = mapped_column(String(10))
    municipality: Mapped[str | None] = mapped_column(String(100))
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_to_assistance_system: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_to_police: Mapped[bool] = mapped_column(Boolean, default=False)
    # Idempotency: a client may retry a create with the same key and get the same record.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))

    persons: Mapped[list[SignalPerson]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="SignalPerson.position"
    )
    organisations: Mapped[list[SignalOrganisation]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="SignalOrganisation.position"
    )
    addresses: Mapped[list[SignalAddress]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="SignalAddress.position"
    )


Index(
    "uq_signals_idempotency",
    Signal.created_by,
    Signal.idempotency_key,
    unique=True,
)


class SignalPerson(Base):
    __tablename__ = "signal_persons"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    signal_id: Mapped[str] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    names: Mapped[list[str]] = mapped_column(JSON)
    birth_date: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(16))
    nationality: Mapped[str | None] = mapped_column(String(2))
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    identifiers_enc: Mapped[bytes | None] = mapped_column(LargeBinary)


class SignalOrganisation(Base):
    __tablename__ = "signal_organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    signal_id: Mapped[str] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    business_id: Mapped[str | None] = mapped_column(String(9))


class SignalAddress(Base):
    __tablename__ = "signal_addresses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    signal_id: Mapped[str] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))


class SignalIdentifier(Base):
    """A blind index of one identifier (phone, e-mail, identity number, business id)."""

    __tablename__ = "signal_identifiers"
    __table_args__ = (Index("ix_signal_identifiers_lookup", "kind", "blind_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    signal_id: Mapped[str] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    blind_index: Mapped[str] = mapped_column(String(64))
