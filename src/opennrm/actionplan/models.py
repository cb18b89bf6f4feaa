"""Tables of the action plan and of the training library.

Nothing here is about a victim or a case: objectives, measures and their progress are the
plan's own record, and the training tables name staff only as far as training goes (who
attended which session). Texts meant for everyone are held in the three languages as a
JSON object `{"fi", "sv", "en"}`; a reader gets their own language.

A teaching material is versioned: editing adds a version, and every earlier version stays
readable as it was. An attached file is stored once (`training_files`) and referred to by
each version that keeps it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from opennrm.actionplan.rules import AIMS, STATUSES
from opennrm.db import Base, UTCDateTime, new_id, utcnow


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# --- the action plan -----------------------------------------------------------------------


class Objective(Base):
    """An objective of the plan ("1"), with the aim it serves."""

    __tablename__ = "plan_objectives"
    __table_args__ = (CheckConstraint(_in("aim", AIMS), name="aim_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    aim: Mapped[str] = mapped_column(String(24))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Measure(Base):
    """A measure ("1.3") under an objective: who is responsible, by when, how far."""

    __tablename__ = "plan_measures"
    __table_args__ = (CheckConstraint(_in("status", STATUSES), name="status_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    objective_id: Mapped[str] = mapped_column(ForeignKey("plan_objectives.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeasureOrganisation(Base):
    """An organisation responsible for a measure (one or more per measure)."""

    __tablename__ = "plan_measure_organisations"

    measure_id: Mapped[str] = mapped_column(
        ForeignKey("plan_measures.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )


class MeasureUpdate(Base):
    """A progress report on a measure: when, the status before and after, what was done,
    and the evidence (a link, a short text, or both)."""

    __tablename__ = "plan_measure_updates"
    __table_args__ = (
        CheckConstraint(_in("status_before", STATUSES), name="status_before_known"),
        CheckConstraint(_in("status_after", STATUSES), name="status_after_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    measure_id: Mapped[str] = mapped_column(
        ForeignKey("plan_measures.id", ondelete="CASCADE"), index=True
    )
    reported_on: Mapped[date] = mapped_column(Date)
    status_before: Mapped[str] = mapped_column(String(16))
    status_after: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    evidence_text: Mapped[str | None] = mapped_column(String(1000))
    reported_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- training and teaching materials --------------------------------------------------------


class TrainingFile(Base):
    """A small attached file, kept in the database so that a backup holds it too."""

    __tablename__ = "training_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Material(Base):
    """A teaching material; its content is in its versions, the latest being current."""

    __tablename__ = "training_materials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    audience: Mapped[list[str]] = mapped_column(JSON)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MaterialVersion(Base):
    """One version of a material, never changed once written."""

    __tablename__ = "training_material_versions"
    __table_args__ = (UniqueConstraint("material_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    material_id: Mapped[str] = mapped_column(
        ForeignKey("training_materials.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    body: Mapped[dict[str, str]] = mapped_column(JSON)
    file_id: Mapped[str | None] = mapped_column(ForeignKey("training_files.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Course(Base):
    """A course built on materials; the core course is the one every designated
    trafficking investigator is expected to complete."""

    __tablename__ = "training_courses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    is_core: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseMaterial(Base):
    __tablename__ = "training_course_materials"

    course_id: Mapped[str] = mapped_column(
        ForeignKey("training_courses.id", ondelete="CASCADE"), primary_key=True
    )
    material_id: Mapped[str] = mapped_column(
        ForeignKey("training_materials.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class TrainingSession(Base):
    """A course given on a day, at a place or online, by an organisation, in a region."""

    __tablename__ = "training_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    course_id: Mapped[str] = mapped_column(ForeignKey("training_courses.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    organiser_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    region: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(Base):
    """Whether a person attended a session and completed the course there."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
