"""Training and teaching materials over JSON: the library of versioned materials, the
courses and sessions (kept by the coordinator), attendance (recorded by the coordinator,
or a supervisor for their own staff) and coverage (counts, for the statistics roles).
Person-level attendance is shown only to the person, their supervisor and the
coordinator."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from opennrm.actionplan.training import actions, files, queries
from opennrm.actionplan.training import schemas as s
from opennrm.api.deps import Ctx, CurrentActor
from opennrm.uow import unit_of_work

router = APIRouter(tags=["training"])

MANAGED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only the coordinator keeps the training catalogue."},
    422: {"description": "Invalid input (unknown fields included); nothing changed."},
}
MATERIAL_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such material, or no such version of it."}
}
COURSE_404: dict[int | str, dict[str, Any]] = {404: {"description": "No such course."}}
SESSION_404: dict[int | str, dict[str, Any]] = {404: {"description": "No such session."}}
Version = Annotated[
    int | None, Query(ge=1, le=100_000, description="a version; the current if omitted")
]


@router.get("/api/v1/training/materials", response_model=list[s.MaterialItem])
def list_materials(
    ctx: Ctx,
    actor: CurrentActor,
    role: Annotated[s.Role | None, Query(description="only those written for this role")] = None,
) -> list[s.MaterialItem]:
    """Every teaching material, latest changed first, with its current title."""
    with unit_of_work(ctx.db) as session:
        return queries.list_materials(session, actor=actor, role=role)


@router.post(
    "/api/v1/training/materials", response_model=s.MaterialOut, status_code=201, responses=MANAGED
)
def create_material(ctx: Ctx, actor: CurrentActor, body: s.MaterialIn) -> s.MaterialOut:
    """Add a material: titles in Finnish, Swedish and English, the roles it is for, and a
    Markdown text in at least one language, an attached file (base64; PDF, PNG, JPEG,
    plain text, DOCX, PPTX or ODT, at most 500 kB, its type checked against its content),
    or both. Raw HTML in the text is shown as text."""
    with unit_of_work(ctx.db) as session:
        material = actions.create_material(session, body, actor=actor)
        return queries.read_material(session, material.id, actor=actor)


@router.get(
    "/api/v1/training/materials/{material_id}", response_model=s.MaterialOut, responses=MATERIAL_404
)
def read_material(
    ctx: Ctx, actor: CurrentActor, material_id: str, version: Version = None
) -> s.MaterialOut:
    """A material as it is now, or any earlier version as it was written."""
    with unit_of_work(ctx.db) as session:
        return queries.read_material(session, material_id, actor=actor, version=version)


@router.post(
    "/api/v1/training/materials/{material_id}/versions",
    response_model=s.MaterialOut,
    status_code=201,
    responses={**MANAGED, **MATERIAL_404},
)
def revise_material(
    ctx: Ctx, actor: CurrentActor, material_id: str, body: s.RevisionIn
) -> s.MaterialOut:
    """Edit a material: a new version is added and becomes current; earlier versions stay
    readable unchanged. The file is kept unless replaced or removed."""
    with unit_of_work(ctx.db) as session:
        actions.revise_material(session, material_id, body, actor=actor)
        return queries.read_material(session, material_id, actor=actor)


@router.get(
    "/api/v1/training/materials/{material_id}/file",
    response_class=Response,
    responses={
        200: {
            "description": "The file, as an attachment.",
            "content": {"application/octet-stream": {}},
        },
        404: {"description": "No such material or version, or the version has no file."},
    },
)
def download_file(
    ctx: Ctx, actor: CurrentActor, material_id: str, version: Version = None
) -> Response:
    """The file attached to a version of a material, always as an attachment."""
    with unit_of_work(ctx.db) as session:
        stored = queries.material_file(session, material_id, actor=actor, version=version)
        return Response(
            content=stored.data,
            media_type=stored.content_type,
            headers={"Content-Disposition": files.content_disposition(stored.name)},
        )


@router.get("/api/v1/training/courses", response_model=list[s.CourseOut])
def list_courses(ctx: Ctx, actor: CurrentActor) -> list[s.CourseOut]:
    """Every course, the core course first, with its materials and number of sessions."""
    with unit_of_work(ctx.db) as session:
        return queries.list_courses(session, actor=actor)


@router.post(
    "/api/v1/training/courses", response_model=s.CourseOut, status_code=201, responses=MANAGED
)
def create_course(ctx: Ctx, actor: CurrentActor, body: s.CourseIn) -> s.CourseOut:
    """Add a course with its materials, in order; `is_core` marks the core course for
    designated investigators, which the action plan's indicator counts."""
    with unit_of_work(ctx.db) as session:
        course = actions.create_course(session, body, actor=actor)
        return queries.read_course(session, course.id, actor=actor)


@router.get(
    "/api/v1/training/courses/{course_id}", response_model=s.CourseOut, responses=COURSE_404
)
def read_course(ctx: Ctx, actor: CurrentActor, course_id: str) -> s.CourseOut:
    with unit_of_work(ctx.db) as session:
        return queries.read_course(session, course_id, actor=actor)


@router.patch(
    "/api/v1/training/courses/{course_id}",
    response_model=s.CourseOut,
    responses={**MANAGED, **COURSE_404},
)
def update_course(
    ctx: Ctx, actor: CurrentActor, course_id: str, body: s.CoursePatch
) -> s.CourseOut:
    """Change what is given; `material_ids` replaces the materials and their order."""
    with unit_of_work(ctx.db) as session:
        actions.update_course(session, course_id, body, actor=actor)
        return queries.read_course(session, course_id, actor=actor)


@router.get("/api/v1/training/sessions", response_model=list[s.SessionOut])
def list_sessions(
    ctx: Ctx,
    actor: CurrentActor,
    course_id: Annotated[str | None, Query(max_length=36)] = None,
) -> list[s.SessionOut]:
    """Sessions, latest first; attendees are listed on one session."""
    with unit_of_work(ctx.db) as session:
        return queries.list_sessions(session, actor=actor, course_id=course_id)


@router.post(
    "/api/v1/training/sessions", response_model=s.SessionOut, status_code=201, responses=MANAGED
)
def create_session(ctx: Ctx, actor: CurrentActor, body: s.SessionIn) -> s.SessionOut:
    """Add a session of a course: the day, the place or online, the organising
    organisation and the region (a region code of the deployment)."""
    with unit_of_work(ctx.db) as session:
        training = actions.create_session(session, body, actor=actor, config=ctx.referral_config)
        return queries.read_session(session, training.id, actor=actor)


@router.get(
    "/api/v1/training/sessions/{session_id}", response_model=s.SessionOut, responses=SESSION_404
)
def read_session(ctx: Ctx, actor: CurrentActor, session_id: str) -> s.SessionOut:
    """A session with the attendees the caller may see: themselves, a supervisor their
    own organisation's, the coordinator everyone. Showing attendees is audited."""
    with unit_of_work(ctx.db) as session:
        return queries.read_session(session, session_id, actor=actor)


@router.post(
    "/api/v1/training/sessions/{session_id}/attendance",
    response_model=s.AttendeeOut,
    responses={
        403: {"description": "Only the coordinator or a supervisor records attendance."},
        404: {
            "description": "No such session; or no such person among those the caller may "
            "record for (a supervisor: their own organisation's staff)."
        },
        422: {"description": "Invalid input, or the session has not been held yet."},
    },
)
def record_attendance(
    ctx: Ctx, actor: CurrentActor, session_id: str, body: s.AttendanceIn
) -> s.AttendeeOut:
    """Record that a person attended, and whether they completed the course. Recording
    again for the same person corrects the entry."""
    with unit_of_work(ctx.db) as session:
        entry = actions.record_attendance(
            session, session_id, body, actor=actor, config=ctx.referral_config
        )
        return queries.attendee_out(session, entry)


@router.get("/api/v1/training/attendance", response_model=list[s.AttendanceRow])
def list_attendance(
    ctx: Ctx,
    actor: CurrentActor,
    user_id: Annotated[str | None, Query(max_length=36)] = None,
    organisation_id: Annotated[str | None, Query(max_length=36)] = None,
) -> list[s.AttendanceRow]:
    """The training records the caller may see, person by person: their own; a
    supervisor's organisation's; everyone's for the coordinator. Audited."""
    with unit_of_work(ctx.db) as session:
        return queries.list_attendance(
            session, actor=actor, user_id=user_id, organisation_id=organisation_id
        )


@router.get(
    "/api/v1/training/coverage",
    response_model=s.CoverageOut,
    responses={403: {"description": "Only coordinators, analysts and supervisors."}},
)
def read_coverage(
    ctx: Ctx,
    actor: CurrentActor,
    by: Annotated[Literal["region", "organisation"], Query()] = "region",
) -> s.CoverageOut:
    """Who has completed training, as counts by region (or organisation) and role, and by
    course and role. Counts pass disclosure control: small ones are `null`."""
    with unit_of_work(ctx.db) as session:
        return queries.coverage(session, actor=actor, by=by)
