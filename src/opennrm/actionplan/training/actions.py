"""Writes to the training library: materials and their versions, courses and sessions
(the coordinator), and attendance (the coordinator for anyone, a supervisor for their own
organisation's staff). One transaction each, with its audit entry.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.actionplan.errors import hidden, refusal, require
from opennrm.actionplan.models import (
    Attendance,
    Course,
    CourseMaterial,
    Material,
    MaterialVersion,
    TrainingFile,
    TrainingSession,
)
from opennrm.actionplan.schemas import Titles
from opennrm.actionplan.training import files
from opennrm.actionplan.training import schemas as s
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User
from opennrm.db import utcnow
from opennrm.errors import FieldProblem, Invalid, NotFound
from opennrm.policy import Action, Actor
from opennrm.policy.rules import ATTENDANCE_ROLES, can_record_attendance
from opennrm.referrals.config import ReferralConfig

MATERIAL = "training_material"
COURSE = "training_course"
SESSION = "training_session"
MANAGE_MESSAGE = "Only the coordinator keeps the training catalogue."


def _texts(model: Titles | s.Bodies) -> dict[str, str]:
    return {"fi": model.fi, "sv": model.sv, "en": model.en}


def _store_file(session: Session, data: s.FileIn, *, actor: Actor, now: datetime) -> TrainingFile:
    raw = data.raw()
    name = files.clean_name(data.name)
    found = files.problems(name, data.content_type, raw)
    if found:
        raise Invalid(
            "The file cannot be attached: " + "; ".join(found) + ".",
            [FieldProblem("file", p) for p in found],
        )
    stored = TrainingFile(
        name=name,
        content_type=files.normal_type(data.content_type),
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        data=raw,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(stored)
    session.flush()
    return stored


def material_or_404(session: Session, material_id: str) -> Material:
    found = session.get(Material, material_id) if len(material_id) <= 36 else None
    if found is None:
        raise NotFound("No such material.")
    return found


def create_material(
    session: Session, data: s.MaterialIn, *, actor: Actor, now: datetime | None = None
) -> Material:
    now = now or utcnow()
    require(actor, Action.TRAINING_MANAGE, "training.material.create", MANAGE_MESSAGE)
    stored = _store_file(session, data.file, actor=actor, now=now) if data.file else None
    material = Material(
        audience=list(dict.fromkeys(data.audience)),
        current_version=1,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(material)
    session.flush()
    session.add(
        MaterialVersion(
            material_id=material.id,
            version=1,
            title=_texts(data.title),
            body=_texts(data.body),
            file_id=stored.id if stored else None,
            created_by=actor.user_id,
            created_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "training.material.create",
            record_type=MATERIAL,
            record_id=material.id,
            detail={"version": 1, "file": bool(stored), "audience": material.audience},
        ),
    )
    return material


def revise_material(
    session: Session,
    material_id: str,
    data: s.RevisionIn,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Material:
    """Add a version; the earlier ones are kept unchanged and stay readable."""
    now = now or utcnow()
    require(
        actor,
        Action.TRAINING_MANAGE,
        "training.material.update",
        MANAGE_MESSAGE,
        record_type=MATERIAL,
        record_id=material_id[:36],
    )
    material = material_or_404(session, material_id)
    previous = session.scalars(
        select(MaterialVersion).where(
            MaterialVersion.material_id == material.id,
            MaterialVersion.version == material.current_version,
        )
    ).one()
    file_id = previous.file_id
    if data.remove_file:
        file_id = None
    if data.file is not None:
        file_id = _store_file(session, data.file, actor=actor, now=now).id
    if not data.body.any() and file_id is None:
        raise Invalid(
            "Give the material a text in at least one language, or a file.",
            [FieldProblem("body", "a material needs a text or a file")],
        )
    version = material.current_version + 1
    session.add(
        MaterialVersion(
            material_id=material.id,
            version=version,
            title=_texts(data.title),
            body=_texts(data.body),
            file_id=file_id,
            note=data.note or None,
            created_by=actor.user_id,
            created_at=now,
        )
    )
    material.current_version = version
    if data.audience is not None:
        material.audience = list(dict.fromkeys(data.audience))
    material.updated_at = now
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "training.material.update",
            record_type=MATERIAL,
            record_id=material.id,
            detail={
                "version": version,
                "file": file_id is not None,
                "file_changed": file_id != previous.file_id,
            },
        ),
    )
    return material


# --- courses and sessions --------------------------------------------------------------------


def _check_materials(session: Session, ids: list[str]) -> list[str]:
    unique = list(dict.fromkeys(ids))
    known = set(session.scalars(select(Material.id).where(Material.id.in_(unique))))
    unknown = [i for i in unique if i not in known]
    if unknown:
        raise Invalid(
            "Some materials do not exist.",
            [FieldProblem("material_ids", f"no material has the id {i!r}") for i in unknown],
        )
    return unique


def _set_materials(session: Session, course: Course, ids: list[str]) -> None:
    session.execute(delete(CourseMaterial).where(CourseMaterial.course_id == course.id))
    session.add_all(
        CourseMaterial(course_id=course.id, material_id=m, position=i) for i, m in enumerate(ids)
    )


def course_or_404(session: Session, course_id: str) -> Course:
    found = session.get(Course, course_id) if len(course_id) <= 36 else None
    if found is None:
        raise NotFound("No such course.")
    return found


def create_course(
    session: Session, data: s.CourseIn, *, actor: Actor, now: datetime | None = None
) -> Course:
    now = now or utcnow()
    require(actor, Action.TRAINING_MANAGE, "training.course.create", MANAGE_MESSAGE)
    material_ids = _check_materials(session, data.material_ids)
    course = Course(
        title=_texts(data.title),
        is_core=data.is_core,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(course)
    session.flush()
    _set_materials(session, course, material_ids)
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "training.course.create",
            record_type=COURSE,
            record_id=course.id,
            detail={"materials": material_ids, "core": data.is_core},
        ),
    )
    return course


def update_course(
    session: Session,
    course_id: str,
    data: s.CoursePatch,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Course:
    now = now or utcnow()
    require(
        actor,
        Action.TRAINING_MANAGE,
        "training.course.update",
        MANAGE_MESSAGE,
        record_type=COURSE,
        record_id=course_id[:36],
    )
    course = course_or_404(session, course_id)
    changed: list[str] = []
    if data.title is not None and _texts(data.title) != course.title:
        course.title = _texts(data.title)
        changed.append("title")
    if data.is_core is not None and data.is_core != course.is_core:
        course.is_core = data.is_core
        changed.append("is_core")
    if data.material_ids is not None:
        wanted = _check_materials(session, data.material_ids)
        held = list(
            session.scalars(
                select(CourseMaterial.material_id)
                .where(CourseMaterial.course_id == course.id)
                .order_by(CourseMaterial.position)
            )
        )
        if wanted != held:
            _set_materials(session, course, wanted)
            changed.append("material_ids")
    if changed:
        course.updated_at = now
        session.flush()
        audit.record(
            session,
            AuditEntry.by(
                actor,
                "training.course.update",
                record_type=COURSE,
                record_id=course.id,
                fields=changed,
                detail={"core": course.is_core},
            ),
        )
    return course


def create_session(
    session: Session,
    data: s.SessionIn,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
) -> TrainingSession:
    now = now or utcnow()
    require(actor, Action.TRAINING_MANAGE, "training.session.create", MANAGE_MESSAGE)
    problems: list[FieldProblem] = []
    course = session.get(Course, data.course_id)
    if course is None:
        problems.append(FieldProblem("course_id", "no course has this id"))
    if session.get(Organisation, data.organiser_id) is None:
        problems.append(FieldProblem("organiser_id", "no organisation has this id"))
    regions = {r.code for r in config.deployment.regions}
    if data.region is not None and data.region not in regions:
        problems.append(FieldProblem("region", f"{data.region!r} is not a region code"))
    if problems:
        raise Invalid(
            "The session cannot be added: " + "; ".join(p.message for p in problems), problems
        )
    training = TrainingSession(
        course_id=data.course_id,
        held_on=data.held_on,
        place=data.place,
        online=data.online,
        organiser_id=data.organiser_id,
        region=data.region,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(training)
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "training.session.create",
            record_type=SESSION,
            record_id=training.id,
            detail={
                "course": data.course_id,
                "held_on": data.held_on.isoformat(),
                "organiser": data.organiser_id,
                "region": data.region or "",
            },
        ),
    )
    return training


def session_or_404(session: Session, session_id: str) -> TrainingSession:
    found = session.get(TrainingSession, session_id) if len(session_id) <= 36 else None
    if found is None:
        raise NotFound("No such session.")
    return found


def record_attendance(
    session: Session,
    session_id: str,
    data: s.AttendanceIn,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
) -> Attendance:
    """Mark a person as having attended a session, and whether they completed the
    course there; recording again for the same person corrects the entry. The coordinator
    records for anyone, a supervisor for their own organisation's people; a person of
    another organisation is, for the supervisor, as if there were none (404)."""
    now = now or utcnow()
    event = "training.attendance.record"
    if not actor.has_any(ATTENDANCE_ROLES):
        raise refusal(
            actor,
            event,
            "Only the coordinator, or a supervisor for their own staff, records attendance.",
            reason="role does not record attendance",
            record_type=SESSION,
            record_id=session_id[:36],
        )
    training = session_or_404(session, session_id)
    person = session.get(User, data.user_id)
    if person is None or not can_record_attendance(actor, person_org_id=person.organisation_id):
        raise hidden(actor, event, "user", data.user_id)
    if training.held_on > config.local_day(now):
        raise Invalid(
            "Attendance is recorded once the session has been held.",
            [FieldProblem("user_id", "the session has not been held yet")],
        )
    entry = session.scalar(
        select(Attendance).where(
            Attendance.session_id == training.id, Attendance.user_id == person.id
        )
    )
    before = None if entry is None else entry.completed
    if entry is None:
        entry = Attendance(session_id=training.id, user_id=person.id)
        session.add(entry)
    entry.completed = data.completed
    entry.recorded_by = actor.user_id
    entry.recorded_at = now
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            event,
            record_type=SESSION,
            record_id=training.id,
            fields=["completed"],
            detail={
                "user": person.id,
                "completed": data.completed,
                "before": "" if before is None else before,
            },
        ),
    )
    return entry


def attendance_count(session: Session, session_id: str) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.session_id == session_id)
        )
        or 0
    )
