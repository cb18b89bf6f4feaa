"""Tables of the police side.

An investigation is police information: it is read by the owning police unit, by people
assigned to it (a national-team investigator who joined for a while), and otherwise only
through a share on a statutory basis (see `policy.visibility`). Its summary is encrypted;
persons are tagged by category as the Law Enforcement Directive (art. 6) asks, and their
identifiers are kept as keyed blind indexes so that two units working on the same phone,
company or address can be told (deconfliction) without anyone decrypting anything.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opennrm.db import Base, UTCDateTime, new_id, utcnow

STAGES = ("reported", "pre_trial", "prosecutor", "charged", "judgment", "appeal", "closed")
"""Stages of the criminal process, in order (Finland: rikosilmoitus, esitutkinta,
syyteharkinta, syyte, tuomio, muutoksenhaku)."""
PERSON_CATEGORIES = ("suspect", "victim", "witness", "other")
URGENCIES = ("urgent", "normal", "low")
CONSULTATION_STATES = ("requested", "accepted", "answered", "joined", "declined", "closed")
FUNCTIONS = ("designated", "substitute", "national_team", "nbi_liaison")
CHANNELS = ("europol", "interpol", "eurojust", "sirene", "jit", "liaison_officer", "bilateral")
REQUEST_STATES = ("sent", "answered", "closed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Investigation(Base):
    __tablename__ = "investigations"
    __table_args__ = (
        CheckConstraint(_in("stage", STAGES), name="stage_known"),
        Index("ix_investigations_org_stage", "organisation_id", "stage"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offences: Mapped[list[str]] = mapped_column(JSON)
    referral_id: Mapped[str | None] = mapped_column(ForeignKey("referrals.id"))
    signal_id: Mapped[str | None] = mapped_column(ForeignKey("signals.id"))
    summary_enc: Mapped[bytes] = mapped_column(LargeBinary)
    stage: Mapped[str] = mapped_column(String(24), default="reported")
    stage_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(40))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cross_border: Mapped[bool] = mapped_column(Boolean, default=False)

    persons: Mapped[list[InvestigationPerson]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="InvestigationPerson.position"
    )


class InvestigationPerson(Base):
    __tablename__ = "investigation_persons"
    __table_args__ = (CheckConstraint(_in("category", PERSON_CATEGORIES), name="category_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    investigation_id: Mapped[str] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(16))
    names: Mapped[list[str]] = mapped_column(JSON)
    birth_date: Mapped[str | None] = mapped_column(String(10))
    nationality: Mapped[str | None] = mapped_column(String(2))
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)


class InvestigationIdentifier(Base):
    """A keyed blind index of a phone, e-mail, identity number, business id or address
    in an investigation: what deconfliction compares across police units."""

    __tablename__ = "investigation_identifiers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    investigation_id: Mapped[str] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    blind_index: Mapped[str] = mapped_column(String(64), index=True)


class InvestigationStage(Base):
    """A step of the criminal process, with its date and, at the end, its outcome."""

    __tablename__ = "investigation_stages"
    __table_args__ = (CheckConstraint(_in("stage", STAGES), name="stage_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    investigation_id: Mapped[str] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(24))
    on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Consultation(Base):
    """A regional investigator asks the national team for support on an investigation."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint(_in("urgency", URGENCIES), name="urgency_known"),
        CheckConstraint(_in("status", CONSULTATION_STATES), name="status_known"),
        Index("ix_consultations_team_status", "team_organisation_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    investigation_id: Mapped[str] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    requesting_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    team_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    requested_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    question_enc: Mapped[bytes] = mapped_column(LargeBinary)
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responder_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    answer_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    decline_reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    joined_until: Mapped[date | None] = mapped_column(Date)
    assignment_id: Mapped[str | None] = mapped_column(ForeignKey("assignments.id"))
    clock: Mapped[str | None] = mapped_column(String(60))
    deadline: Mapped[date | None] = mapped_column(Date)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DesignatedInvestigator(Base):
    """The registry: who is a department's designated trafficking investigator (or the
    substitute), a national-team member or an NBI liaison, from when to when."""

    __tablename__ = "designated_investigators"
    __table_args__ = (CheckConstraint(_in("function", FUNCTIONS), name="function_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    function: Mapped[str] = mapped_column(String(16))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvestigationCapacity(Base):
    """The capacity an organisation gives to trafficking investigations, in person-years."""

    __tablename__ = "investigation_capacity"

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    person_years: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    set_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CrossBorderRequest(Base):
    """A request for international cooperation through the NBI. Codes and dates only:
    no free text leaves the case through this log."""

    __tablename__ = "cross_border_requests"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint(_in("status", REQUEST_STATES), name="status_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    investigation_id: Mapped[str] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    countries: Mapped[list[str]] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(20))
    requested_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    answered_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReadPurpose(Base):
    """The purpose a signed-in person gave for opening a police record, remembered for
    the rest of the web session (Law Enforcement Directive art. 25: the trail records
    why police data was consulted)."""

    __tablename__ = "read_purposes"
    __table_args__ = (Index("ix_read_purposes_lookup", "session_key", "record_type", "record_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_key: Mapped[str] = mapped_column(ForeignKey("web_sessions.id_hash", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36))
    purpose: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
