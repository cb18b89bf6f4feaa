"""Reads of the training library. Materials, courses and sessions are common to every
partner; who attended is not: a person-level row is read only by the person, a
supervisor of their organisation and the coordinator (`policy.rules.can_see_attendance`),
filtered in SQL, and every list that shows people is on the audit trail. Coverage is
counts by group and role, through disclosure control, for the statistics roles.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.actionplan.disclosed import THRESHOLD, Protected
from opennrm.actionplan.errors import require
from opennrm.actionplan.models import (
    Attendance,
    Course,
    CourseMaterial,
    Material,
    MaterialVersion,
    TrainingFile,
    TrainingSession,
)
from opennrm.actionplan.rules import LANGUAGES
from opennrm.actionplan.schemas import OrganisationRef
from opennrm.actionplan.training import schemas as s
from opennrm.actionplan.training.actions import course_or_404, material_or_404, session_or_404
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User, UserRole
from opennrm.errors import NotFound
from opennrm.policy import Action, Actor, can
from opennrm.policy.rules import PLAN_ROLES, can_see_attendance

COVERAGE_ROLES = ("frontline", "caseworker", "investigator")


def _readable(actor: Actor) -> None:
    if not can(actor, Action.TRAINING_READ):  # pragma: no cover - allowed to all today
        raise NotFound()


def attendance_visible(actor: Actor) -> ColumnElement[bool]:
    """`can_see_attendance` as SQL over `Attendance` joined to its `User`: the actor's own
    rows, their organisation's for a supervisor, everyone's for the coordinator."""
    if actor.has_any(PLAN_ROLES):
        return true()
    own = Attendance.user_id == actor.user_id
    if "supervisor" in actor.roles:
        return or_(own, User.organisation_id == actor.organisation_id)
    return own


# --- materials -------------------------------------------------------------------------------


def list_materials(
    session: Session, *, actor: Actor, role: str | None = None
) -> list[s.MaterialItem]:
    """Every material, its current version's title; `role` keeps those written for it.
    Two queries."""
    _readable(actor)
    rows = session.execute(
        select(Material, MaterialVersion)
        .join(
            MaterialVersion,
            and_(
                MaterialVersion.material_id == Material.id,
                MaterialVersion.version == Material.current_version,
            ),
        )
        .order_by(Material.updated_at.desc(), Material.id)
    ).all()
    items = []
    for material, version in rows:
        if role is not None and role not in material.audience:
            continue
        items.append(
            s.MaterialItem(
                id=material.id,
                current_version=material.current_version,
                title=version.title,
                audience=material.audience,
                has_file=version.file_id is not None,
                languages=[lang for lang in LANGUAGES if version.body.get(lang)],
                updated_at=material.updated_at,
            )
        )
    return items


def read_material(
    session: Session, material_id: str, *, actor: Actor, version: int | None = None
) -> s.MaterialOut:
    """The current version, or an earlier one as it was written. Three queries."""
    _readable(actor)
    material = material_or_404(session, material_id)
    wanted = version if version is not None else material.current_version
    versions = session.execute(
        select(MaterialVersion, User.name)
        .join(User, User.id == MaterialVersion.created_by)
        .where(MaterialVersion.material_id == material.id)
        .order_by(MaterialVersion.version.desc())
    ).all()
    shown = next((v for v, _ in versions if v.version == wanted), None)
    if shown is None:
        raise NotFound("The material has no such version.")
    file = None
    if shown.file_id is not None:
        name, content_type, size = session.execute(
            select(TrainingFile.name, TrainingFile.content_type, TrainingFile.size).where(
                TrainingFile.id == shown.file_id
            )
        ).one()
        file = s.FileOut(name=name, content_type=content_type, size=size)
    return s.MaterialOut(
        id=material.id,
        version=shown.version,
        current_version=material.current_version,
        title=shown.title,
        body=shown.body,
        audience=material.audience,
        file=file,
        created_at=shown.created_at,
        versions=[
            s.VersionRef(version=v.version, created_at=v.created_at, created_by_name=n, note=v.note)
            for v, n in versions
        ],
    )


def material_file(
    session: Session, material_id: str, *, actor: Actor, version: int | None = None
) -> TrainingFile:
    """The file of a version of a material (the current one by default)."""
    _readable(actor)
    material = material_or_404(session, material_id)
    wanted = version if version is not None else material.current_version
    stored = session.scalar(
        select(TrainingFile)
        .join(MaterialVersion, MaterialVersion.file_id == TrainingFile.id)
        .where(MaterialVersion.material_id == material.id, MaterialVersion.version == wanted)
    )
    if stored is None:
        raise NotFound("This version of the material has no file.")
    return stored


# --- courses ---------------------------------------------------------------------------------


def _course_materials(session: Session, course_ids: list[str]) -> dict[str, list[s.MaterialItem]]:
    out: dict[str, list[s.MaterialItem]] = defaultdict(list)
    if not course_ids:
        return out
    rows = session.execute(
        select(CourseMaterial.course_id, Material, MaterialVersion)
        .join(Material, Material.id == CourseMaterial.material_id)
        .join(
            MaterialVersion,
            and_(
                MaterialVersion.material_id == Material.id,
                MaterialVersion.version == Material.current_version,
            ),
        )
        .where(CourseMaterial.course_id.in_(course_ids))
        .order_by(CourseMaterial.course_id, CourseMaterial.position)
    )
    for course_id, material, version in rows:
        out[course_id].append(
            s.MaterialItem(
                id=material.id,
                current_version=material.current_version,
                title=version.title,
                audience=material.audience,
                has_file=version.file_id is not None,
                languages=[lang for lang in LANGUAGES if version.body.get(lang)],
                updated_at=material.updated_at,
            )
        )
    return out


def list_courses(session: Session, *, actor: Actor) -> list[s.CourseOut]:
    """Every course, the core course first, with its materials and how many sessions it
    has had. Three queries."""
    _readable(actor)
    sessions = (
        select(func.count())
        .where(TrainingSession.course_id == Course.id)
        .correlate(Course)
        .scalar_subquery()
    )
    completed = (
        select(func.count(func.distinct(Attendance.user_id)))
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(TrainingSession.course_id == Course.id, Attendance.completed.is_(True))
        .correlate(Course)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Course, sessions, completed).order_by(Course.is_core.desc(), Course.created_at)
    ).all()
    materials = _course_materials(session, [c.id for c, _, _ in rows])
    coordinator = actor.has_any(PLAN_ROLES)
    return [
        s.CourseOut(
            id=c.id,
            title=c.title,
            is_core=c.is_core,
            materials=materials.get(c.id, []),
            sessions=int(n),
            completed=int(done) if coordinator else None,
        )
        for c, n, done in rows
    ]


def read_course(session: Session, course_id: str, *, actor: Actor) -> s.CourseOut:
    course_or_404(session, course_id)
    found = next((c for c in list_courses(session, actor=actor) if c.id == course_id), None)
    assert found is not None  # noqa: S101 - the course exists
    return found


# --- sessions and attendance -----------------------------------------------------------------


def _org_ref(org: Organisation) -> OrganisationRef:
    return OrganisationRef(id=org.id, name=org.name, type=org.type)


def list_sessions(
    session: Session, *, actor: Actor, course_id: str | None = None
) -> list[s.SessionOut]:
    """Sessions, latest first, without their attendees (see `read_session`)."""
    _readable(actor)
    stmt = (
        select(TrainingSession, Course, Organisation)
        .join(Course, Course.id == TrainingSession.course_id)
        .join(Organisation, Organisation.id == TrainingSession.organiser_id)
        .order_by(TrainingSession.held_on.desc(), TrainingSession.created_at.desc())
    )
    if course_id is not None:
        stmt = stmt.where(TrainingSession.course_id == course_id)
    return [
        s.SessionOut(
            id=t.id,
            course_id=c.id,
            course_title=c.title,
            is_core=c.is_core,
            held_on=t.held_on,
            place=t.place,
            online=t.online,
            organiser=_org_ref(o),
            region=t.region,
            attendees=[],
        )
        for t, c, o in session.execute(stmt)
    ]


def read_session(session: Session, session_id: str, *, actor: Actor) -> s.SessionOut:
    """One session with the attendees the actor may see; showing any is audited."""
    _readable(actor)
    training = session_or_404(session, session_id)
    course = session.get(Course, training.course_id)
    organiser = session.get(Organisation, training.organiser_id)
    assert course is not None and organiser is not None  # noqa: S101 - foreign keys
    rows = session.execute(
        select(Attendance, User.name, Organisation)
        .join(User, User.id == Attendance.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Attendance.session_id == training.id, attendance_visible(actor))
        .order_by(Organisation.name, User.name)
    ).all()
    attendees = [
        s.AttendeeOut(
            user_id=a.user_id,
            name=name,
            organisation=_org_ref(org),
            completed=a.completed,
            recorded_at=a.recorded_at,
        )
        for a, name, org in rows
    ]
    # Belt and braces: the SQL filter and the policy's predicate must agree.
    assert all(  # noqa: S101
        can_see_attendance(actor, person_user_id=a.user_id, person_org_id=a.organisation.id)
        for a in attendees
    )
    if attendees:
        audit.record(
            session,
            AuditEntry.by(
                actor,
                "training.attendance.read",
                record_type="training_session",
                record_id=training.id,
                detail={"people": len(attendees)},
            ),
        )
    total = None
    if actor.has_any(frozenset({"coordinator", "supervisor"})):
        total = int(
            session.scalar(
                select(func.count())
                .select_from(Attendance)
                .where(Attendance.session_id == training.id)
            )
            or 0
        )
    return s.SessionOut(
        id=training.id,
        course_id=course.id,
        course_title=course.title,
        is_core=course.is_core,
        held_on=training.held_on,
        place=training.place,
        online=training.online,
        organiser=_org_ref(organiser),
        region=training.region,
        attendees=attendees,
        attendees_total=total,
    )


def attendee_out(session: Session, entry: Attendance) -> s.AttendeeOut:
    """The entry just recorded, for the one who recorded it."""
    name, org = session.execute(
        select(User.name, Organisation)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.id == entry.user_id)
    ).one()
    return s.AttendeeOut(
        user_id=entry.user_id,
        name=name,
        organisation=_org_ref(org),
        completed=entry.completed,
        recorded_at=entry.recorded_at,
    )


def list_attendance(
    session: Session,
    *,
    actor: Actor,
    user_id: str | None = None,
    organisation_id: str | None = None,
    limit: int = 500,
) -> list[s.AttendanceRow]:
    """Person-level training records the actor may see, latest session first; the
    filters narrow them further. Audited with how many people were shown."""
    _readable(actor)
    stmt = (
        select(Attendance, User.name, Organisation, TrainingSession, Course)
        .join(User, User.id == Attendance.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(attendance_visible(actor))
        .order_by(TrainingSession.held_on.desc(), User.name)
        .limit(limit)
    )
    if user_id is not None:
        stmt = stmt.where(Attendance.user_id == user_id)
    if organisation_id is not None:
        stmt = stmt.where(User.organisation_id == organisation_id)
    out = [
        s.AttendanceRow(
            user_id=a.user_id,
            name=name,
            organisation=_org_ref(org),
            session_id=t.id,
            course_id=c.id,
            course_title=c.title,
            is_core=c.is_core,
            held_on=t.held_on,
            completed=a.completed,
        )
        for a, name, org, t, c in session.execute(stmt)
    ]
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "training.attendance.read",
            detail={
                "rows": len(out),
                "people": len({r.user_id for r in out}),
                "filter_user": user_id or "",
                "filter_organisation": organisation_id or "",
            },
        ),
    )
    return out


def people_for_attendance(session: Session, *, actor: Actor) -> list[tuple[str, str, str]]:
    """(user id, name, organisation name) of the active people the actor may record
    attendance for: everyone for the coordinator, their own staff for a supervisor."""
    stmt = (
        select(User.id, User.name, Organisation.name)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.is_active.is_(True))
        .order_by(Organisation.name, User.name)
    )
    if not actor.has_any(PLAN_ROLES):
        if "supervisor" not in actor.roles:
            return []
        stmt = stmt.where(User.organisation_id == actor.organisation_id)
    return [(i, n, o) for i, n, o in session.execute(stmt)]


# --- coverage ------------------------------------------------------------------------------


def coverage(
    session: Session, *, actor: Actor, by: Literal["region", "organisation"] = "region"
) -> s.CoverageOut:
    """Who has completed training, as counts: by region (or organisation) and role, and
    by course and role. For the statistics roles; every count passes disclosure control,
    and a region or organisation with fewer people than the threshold is counted with
    "other"."""
    require(
        actor,
        Action.STATISTICS_READ,
        "training.attendance.read",
        "Only coordinators, analysts and supervisors see training coverage.",
    )
    group_col = Organisation.region if by == "region" else Organisation.name
    completed_any = exists().where(Attendance.user_id == User.id, Attendance.completed.is_(True))
    inner = (
        select(
            func.coalesce(group_col, "unknown").label("grp"),
            UserRole.role.label("role"),
            case((completed_any, "yes"), else_="no").label("done"),
        )
        .join(User, User.id == UserRole.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(UserRole.role.in_(COVERAGE_ROLES), User.is_active.is_(True))
        .subquery()
    )
    raw = {
        (g, r, d): int(n)
        for g, r, d, n in session.execute(
            select(inner.c.grp, inner.c.role, inner.c.done, func.count()).group_by(
                inner.c.grp, inner.c.role, inner.c.done
            )
        )
    }
    sizes: dict[str, int] = defaultdict(int)
    for (g, _r, _d), n in raw.items():
        sizes[g] += n
    groups = sorted(g for g, n in sizes.items() if n >= THRESHOLD)
    cats = [*groups, "other"] if len(groups) < len(sizes) or not groups else groups
    folded: dict[tuple[str, ...], int] = defaultdict(int)
    for (g, r, d), n in raw.items():
        folded[g if g in groups else "other", r, d] += n
    table = Protected(folded, [cats, COVERAGE_ROLES, ("yes", "no")], ("group", "role", "done"))
    cells = []
    for g in cats:
        for r in COVERAGE_ROLES:
            users = table.cell(("group", "role"), (g, r))
            yes = table.cell(("group", "role", "done"), (g, r, "yes"))
            if users.count == 0:
                continue
            share = None
            if users.count and yes.count is not None:
                share = round(100 * yes.count / users.count, 1)
            cells.append(
                s.CoverageCell(
                    group=g,
                    role=r,
                    users=users.count,
                    completed=yes.count,
                    share=share,
                    suppressed=users.suppressed or yes.suppressed,
                )
            )
    return s.CoverageOut(
        by=by,
        threshold=THRESHOLD,
        roles=list(COVERAGE_ROLES),
        groups=cells,
        courses=_course_coverage(session),
    )


def _course_coverage(session: Session) -> list[s.CourseCoverage]:
    courses = session.scalars(
        select(Course).order_by(Course.is_core.desc(), Course.created_at)
    ).all()
    if not courses:
        return []
    inner = (
        select(
            TrainingSession.course_id.label("course"),
            UserRole.role.label("role"),
            Attendance.user_id.label("user"),
        )
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(UserRole, UserRole.user_id == Attendance.user_id)
        .where(Attendance.completed.is_(True), UserRole.role.in_(COVERAGE_ROLES))
        .distinct()
        .subquery()
    )
    raw: dict[tuple[str, ...], int] = {
        (c, r): int(n)
        for c, r, n in session.execute(
            select(inner.c.course, inner.c.role, func.count()).group_by(
                inner.c.course, inner.c.role
            )
        )
    }
    ids = [c.id for c in courses]
    table = Protected(raw, [ids, COVERAGE_ROLES], ("course", "role"))
    cells = {(c, r): table.cell(("course", "role"), (c, r)) for c in ids for r in COVERAGE_ROLES}
    return [
        s.CourseCoverage(
            course_id=c.id,
            title=c.title,
            is_core=c.is_core,
            role=r,
            completed=cells[c.id, r].count,
            suppressed=cells[c.id, r].suppressed,
        )
        for c in courses
        for r in COVERAGE_ROLES
    ]
