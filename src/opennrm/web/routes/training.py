"""Training pages: the library of teaching materials (with every version), courses and
sessions, attendance, each person's training record and the coverage counts.

Materials, courses and sessions are for everyone signed in and kept by the coordinator.
Attendance is recorded by the coordinator, or by a supervisor for their own staff, and a
person-level record is shown only to the person, their supervisor and the coordinator
(`actionplan.training.queries`, which filters in SQL and audits what it shows). Markdown
is rendered by `actionplan.training.markdown`, which escapes raw HTML and refuses script
links; files are always downloaded as attachments.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from opennrm.actionplan.rules import LANGUAGES, in_language
from opennrm.actionplan.training import actions, files, queries
from opennrm.actionplan.training import schemas as s
from opennrm.actionplan.training.markdown import to_html
from opennrm.auth.models import ROLES
from opennrm.db import utcnow
from opennrm.errors import Forbidden, Invalid, NotFound
from opennrm.policy import Action, can
from opennrm.policy.rules import ATTENDANCE_ROLES
from opennrm.uow import unit_of_work
from opennrm.web.access import require_record_id
from opennrm.web.forms import DateParts, FieldError
from opennrm.web.i18n import N_, gettext_for
from opennrm.web.render import render
from opennrm.web.routes.actionplan import LANGUAGE_LABELS, errors_of, texts
from opennrm.web.session import CheckedForm, Ctx, SignedIn, Visitor
from opennrm.web.session import field as form_field

router = APIRouter(include_in_schema=False)

SECTION = "training"
DONE = ("material", "version", "course", "session", "attendance")

FILE_PROBLEMS = {
    "the file is empty": N_("The file is empty"),
    "the file is larger": N_("The file must be 500 kB or smaller"),
    "files of this type": N_("Attach a PDF, PNG, JPEG, plain text, DOCX, PPTX or ODT file"),
    "the file name must end": N_("The file's name does not match its type"),
    "the file's content": N_("The file's content is not of the type its name says"),
    "a text file must": N_("A text file must be UTF-8 text"),
}
TITLE_MESSAGES = {
    "title-fi": N_("Enter the title in Finnish"),
    "title-sv": N_("Enter the title in Swedish"),
    "title-en": N_("Enter the title in English"),
}


def _require_manager(visitor: Visitor) -> None:
    if not can(visitor.actor, Action.TRAINING_MANAGE):
        raise Forbidden("Only the coordinator keeps the training catalogue.")


def _today(ctx: Ctx) -> date:
    return ctx.referral_config.local_day(utcnow())


def _common(ctx: Ctx, visitor: Visitor) -> dict[str, Any]:
    deployment = ctx.referral_config.deployment
    return {
        "section": SECTION,
        "in_language": lambda values: in_language(values, visitor.locale),
        "language_labels": LANGUAGE_LABELS,
        "may_manage": bool(can(visitor.actor, Action.TRAINING_MANAGE)),
        "may_record": visitor.actor.has_any(ATTENDANCE_ROLES),
        "may_see_coverage": bool(can(visitor.actor, Action.STATISTICS_READ)),
        "region_names": {r.code: r.name.get(visitor.locale) for r in deployment.regions},
        "roles": ROLES,
    }


def _done(request: Request) -> str | None:
    done = request.query_params.get("done")
    return done if done in DONE else None


# --- the library -----------------------------------------------------------------------------


@router.get("/training")
def library_page(request: Request, ctx: Ctx, visitor: SignedIn, role: str = "") -> Response:
    shown_role = role if role in ROLES else None
    with unit_of_work(ctx.db) as session:
        materials = queries.list_materials(session, actor=visitor.actor, role=shown_role)
    return render(
        request,
        "training/library.html",
        visitor=visitor,
        materials=materials,
        shown_role=shown_role or "",
        done=_done(request),
        **_common(ctx, visitor),
    )


def _version_of(request: Request) -> int | None:
    raw = request.query_params.get("version", "")
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise NotFound()
    return int(raw)


@dataclass
class MaterialForm:
    title: dict[str, str] = field(default_factory=lambda: dict.fromkeys(LANGUAGES, ""))
    audience: list[str] = field(default_factory=list)
    body: dict[str, str] = field(default_factory=lambda: dict.fromkeys(LANGUAGES, ""))
    note: str = ""
    remove_file: bool = False
    upload: s.FileIn | None = None

    @classmethod
    def parse(cls, form: FormData) -> MaterialForm:
        upload = form.get("file")
        file_in = None
        if isinstance(upload, UploadFile) and upload.filename:
            data = upload.file.read(files.MAX_FILE_BYTES + 1)
            file_in = s.FileIn.model_construct(
                name=upload.filename[:300],
                content_type=(upload.content_type or "application/octet-stream")[:100],
                data=base64.b64encode(data).decode(),
            )
        return cls(
            title=texts(form, "title", 300),
            audience=[v for v in form.getlist("audience") if isinstance(v, str)][: len(ROLES)],
            body=texts(form, "body", s.MAX_BODY),
            note=form_field(form, "note", s.MAX_NOTE * 2).strip(),
            remove_file=form_field(form, "remove_file", 5) == "yes",
            upload=file_in,
        )

    def payload(self, *, revision: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "audience": self.audience, "body": self.body}
        if self.upload is not None:
            out["file"] = self.upload.model_dump()
        if revision:
            out["remove_file"] = self.remove_file
            out["note"] = self.note or None
        return out


MATERIAL_MESSAGES = {
    **TITLE_MESSAGES,
    "audience": N_("Select at least one role the material is written for"),
    "body-fi": N_("Write the text in at least one language, or attach a file"),
    "file": N_("Attach a PDF, PNG, JPEG, plain text, DOCX, PPTX or ODT file"),
    "note": N_("Describe the change in 500 characters or fewer"),
    "body": N_("Write the text in at least one language, or attach a file"),
}


def _file_errors(problems: list[str], gettext: Any) -> list[FieldError]:
    out = []
    for problem in problems:
        message = next((m for p, m in FILE_PROBLEMS.items() if problem.startswith(p)), None)
        out.append(FieldError("file", gettext(message or MATERIAL_MESSAGES["file"])))
    return out[:1] if out else []


def _material_form_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    form: MaterialForm,
    *,
    material: s.MaterialOut | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "training/material_form.html",
        visitor=visitor,
        status=status,
        form=form,
        material=material,
        errors=errors or [],
        max_kb=files.MAX_FILE_BYTES // 1000,
        **_common(ctx, visitor),
    )


def _save_material(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    form: MaterialForm,
    material: s.MaterialOut | None,
) -> Response:
    _ = gettext_for(visitor.locale)
    model = s.RevisionIn if material else s.MaterialIn
    errors: list[FieldError] = []
    if form.upload is not None:
        raw = base64.b64decode(form.upload.data)
        errors += _file_errors(
            files.problems(files.clean_name(form.upload.name), form.upload.content_type, raw), _
        )
    try:
        data = model.model_validate(form.payload(revision=material is not None))
    except ValidationError as exc:
        data = None
        errors += [
            FieldError("body-fi", e.message) if e.field == "body" else e
            for e in errors_of(exc, MATERIAL_MESSAGES, _)
            if not (e.field.startswith("file") and errors)
        ]
    if errors:
        return _material_form_page(
            request, ctx, visitor, form, material=material, errors=errors, status=422
        )
    try:
        with unit_of_work(ctx.db) as session:
            if isinstance(data, s.RevisionIn) and material is not None:
                actions.revise_material(session, material.id, data, actor=visitor.actor)
                target, done = material.id, "version"
            elif isinstance(data, s.MaterialIn):
                target = actions.create_material(session, data, actor=visitor.actor).id
                done = "material"
            else:  # pragma: no cover - validated above
                raise Invalid("The material could not be read.")
    except Invalid as exc:
        errors = [
            FieldError(
                "body-fi" if p.field == "body" else p.field,
                _(MATERIAL_MESSAGES.get(p.field, MATERIAL_MESSAGES["body"])),
            )
            for p in exc.problems
        ] or [FieldError("body-fi", _(MATERIAL_MESSAGES["body"]))]
        return _material_form_page(
            request, ctx, visitor, form, material=material, errors=errors, status=422
        )
    return RedirectResponse(f"/training/materials/{target}?done={done}", status_code=303)


@router.get("/training/materials/new")
def new_material_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    _require_manager(visitor)
    return _material_form_page(request, ctx, visitor, MaterialForm())


@router.post("/training/materials/new")
def create_material(request: Request, ctx: Ctx, visitor: SignedIn, form: CheckedForm) -> Response:
    _require_manager(visitor)
    return _save_material(request, ctx, visitor, MaterialForm.parse(form), None)


@router.get("/training/materials/{material_id}/edit")
def edit_material_page(request: Request, ctx: Ctx, visitor: SignedIn, material_id: str) -> Response:
    require_record_id(material_id)
    _require_manager(visitor)
    with unit_of_work(ctx.db) as session:
        material = queries.read_material(session, material_id, actor=visitor.actor)
    form = MaterialForm(
        title=dict(material.title),
        audience=list(material.audience),
        body={lang: material.body.get(lang, "") for lang in LANGUAGES},
    )
    return _material_form_page(request, ctx, visitor, form, material=material)


@router.post("/training/materials/{material_id}/edit")
def revise_material(
    request: Request, ctx: Ctx, visitor: SignedIn, material_id: str, form: CheckedForm
) -> Response:
    require_record_id(material_id)
    _require_manager(visitor)
    with unit_of_work(ctx.db) as session:
        material = queries.read_material(session, material_id, actor=visitor.actor)
    return _save_material(request, ctx, visitor, MaterialForm.parse(form), material)


@router.get("/training/materials/{material_id}")
def material_page(request: Request, ctx: Ctx, visitor: SignedIn, material_id: str) -> Response:
    require_record_id(material_id)
    version = _version_of(request)
    with unit_of_work(ctx.db) as session:
        material = queries.read_material(session, material_id, actor=visitor.actor, version=version)
    # The reader's language, else the first language the text is written in.
    language = next(
        (lang for lang in (visitor.locale, *LANGUAGES) if material.body.get(lang)), None
    )
    body = Markup(to_html(material.body[language])) if language else None  # noqa: S704 - sanitised by to_html
    return render(
        request,
        "training/material.html",
        visitor=visitor,
        material=material,
        body=body,
        body_language=language,
        done=_done(request),
        **_common(ctx, visitor),
    )


@router.get("/training/materials/{material_id}/file")
def material_file(request: Request, ctx: Ctx, visitor: SignedIn, material_id: str) -> Response:
    require_record_id(material_id)
    version = _version_of(request)
    with unit_of_work(ctx.db) as session:
        stored = queries.material_file(session, material_id, actor=visitor.actor, version=version)
        return Response(
            content=stored.data,
            media_type=stored.content_type,
            headers={"Content-Disposition": files.content_disposition(stored.name)},
        )


# --- courses -----------------------------------------------------------------------------------


@router.get("/training/courses")
def courses_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    with unit_of_work(ctx.db) as session:
        courses = queries.list_courses(session, actor=visitor.actor)
        sessions = queries.list_sessions(session, actor=visitor.actor)
    return render(
        request,
        "training/courses.html",
        visitor=visitor,
        courses=courses,
        sessions=sessions,
        today=_today(ctx),
        done=_done(request),
        **_common(ctx, visitor),
    )


@dataclass
class CourseForm:
    title: dict[str, str] = field(default_factory=lambda: dict.fromkeys(LANGUAGES, ""))
    material_ids: list[str] = field(default_factory=list)
    is_core: bool = False

    @classmethod
    def parse(cls, form: FormData) -> CourseForm:
        return cls(
            title=texts(form, "title", 300),
            material_ids=[v for v in form.getlist("material_ids") if isinstance(v, str)][
                : s.MAX_MATERIALS + 1
            ],
            is_core=form_field(form, "is_core", 5) == "yes",
        )


COURSE_MESSAGES = {
    **TITLE_MESSAGES,
    "material_ids": N_("Select the course's materials again"),
    "body": N_("Check the course"),
}


def _course_form_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    form: CourseForm,
    *,
    course_id: str | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    with unit_of_work(ctx.db) as session:
        materials = queries.list_materials(session, actor=visitor.actor)
    return render(
        request,
        "training/course_form.html",
        visitor=visitor,
        status=status,
        form=form,
        course_id=course_id,
        materials=materials,
        errors=errors or [],
        **_common(ctx, visitor),
    )


def _save_course(
    request: Request, ctx: Ctx, visitor: Visitor, form: CourseForm, course_id: str | None
) -> Response:
    _ = gettext_for(visitor.locale)
    payload = {"title": form.title, "material_ids": form.material_ids, "is_core": form.is_core}
    try:
        data = s.CourseIn.model_validate(payload)
    except ValidationError as exc:
        errors = errors_of(exc, COURSE_MESSAGES, _)
        return _course_form_page(
            request, ctx, visitor, form, course_id=course_id, errors=errors, status=422
        )
    try:
        with unit_of_work(ctx.db) as session:
            if course_id:
                patch = s.CoursePatch.model_validate(data.model_dump())
                actions.update_course(session, course_id, patch, actor=visitor.actor)
                target = course_id
            else:
                target = actions.create_course(session, data, actor=visitor.actor).id
    except Invalid:
        errors = [FieldError("material_ids", _(COURSE_MESSAGES["material_ids"]))]
        return _course_form_page(
            request, ctx, visitor, form, course_id=course_id, errors=errors, status=422
        )
    return RedirectResponse(f"/training/courses/{target}?done=course", status_code=303)


@router.get("/training/courses/new")
def new_course_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    _require_manager(visitor)
    return _course_form_page(request, ctx, visitor, CourseForm())


@router.post("/training/courses/new")
def create_course(request: Request, ctx: Ctx, visitor: SignedIn, form: CheckedForm) -> Response:
    _require_manager(visitor)
    return _save_course(request, ctx, visitor, CourseForm.parse(form), None)


@router.get("/training/courses/{course_id}")
def course_page(request: Request, ctx: Ctx, visitor: SignedIn, course_id: str) -> Response:
    require_record_id(course_id)
    with unit_of_work(ctx.db) as session:
        course = queries.read_course(session, course_id, actor=visitor.actor)
        sessions = queries.list_sessions(session, actor=visitor.actor, course_id=course_id)
    return render(
        request,
        "training/course.html",
        visitor=visitor,
        course=course,
        sessions=sessions,
        done=_done(request),
        **_common(ctx, visitor),
    )


@router.get("/training/courses/{course_id}/edit")
def edit_course_page(request: Request, ctx: Ctx, visitor: SignedIn, course_id: str) -> Response:
    require_record_id(course_id)
    _require_manager(visitor)
    with unit_of_work(ctx.db) as session:
        course = queries.read_course(session, course_id, actor=visitor.actor)
    form = CourseForm(
        title=dict(course.title),
        material_ids=[m.id for m in course.materials],
        is_core=course.is_core,
    )
    return _course_form_page(request, ctx, visitor, form, course_id=course_id)


@router.post("/training/courses/{course_id}/edit")
def update_course(
    request: Request, ctx: Ctx, visitor: SignedIn, course_id: str, form: CheckedForm
) -> Response:
    require_record_id(course_id)
    _require_manager(visitor)
    with unit_of_work(ctx.db) as session:
        queries.read_course(session, course_id, actor=visitor.actor)
    return _save_course(request, ctx, visitor, CourseForm.parse(form), course_id)


# --- sessions and attendance -----------------------------------------------------------------


@dataclass
class SessionForm:
    course_id: str = ""
    held_on: DateParts = field(default_factory=DateParts)
    place: str = ""
    online: bool = False
    organiser_id: str = ""
    region: str = ""

    @classmethod
    def parse(cls, form: FormData) -> SessionForm:
        return cls(
            course_id=form_field(form, "course_id", 40),
            held_on=DateParts.parse(form, "held_on"),
            place=form_field(form, "place", s.MAX_PLACE * 2).strip(),
            online=form_field(form, "online", 5) == "yes",
            organiser_id=form_field(form, "organiser_id", 40),
            region=form_field(form, "region", 20),
        )


SESSION_MESSAGES = {
    "course_id": N_("Select the course"),
    "held_on-day": N_("Enter the day as a real date, for example 14 10 2026"),
    "place": N_("Enter the place, or say that the session is online"),
    "organiser_id": N_("Select the organising organisation"),
    "region": N_("Select a region from the list"),
    "body": N_("Enter the place, or say that the session is online"),
}


def _session_form_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    form: SessionForm,
    *,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    from opennrm.actionplan import queries as plan_queries

    with unit_of_work(ctx.db) as session:
        courses = queries.list_courses(session, actor=visitor.actor)
        organisations = plan_queries.organisations_for_choice(session)
    return render(
        request,
        "training/session_form.html",
        visitor=visitor,
        status=status,
        form=form,
        course_options=[(c.id, in_language(c.title, visitor.locale)) for c in courses],
        organisation_options=[(o.id, o.name) for o in organisations],
        region_options=[
            (r.code, r.name.get(visitor.locale)) for r in ctx.referral_config.deployment.regions
        ],
        errors=errors or [],
        **_common(ctx, visitor),
    )


@router.get("/training/sessions/new")
def new_session_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    _require_manager(visitor)
    course = request.query_params.get("course", "")[:36]
    return _session_form_page(
        request,
        ctx,
        visitor,
        SessionForm(course_id=course, organiser_id=visitor.actor.organisation_id),
    )


@router.post("/training/sessions/new")
def create_session(request: Request, ctx: Ctx, visitor: SignedIn, form: CheckedForm) -> Response:
    _require_manager(visitor)
    _ = gettext_for(visitor.locale)
    values = SessionForm.parse(form)
    day = values.held_on.value()
    payload = {
        "course_id": values.course_id,
        "held_on": day.isoformat() if day else "",
        "place": values.place or None,
        "online": values.online,
        "organiser_id": values.organiser_id,
        "region": values.region or None,
    }
    try:
        data = s.SessionIn.model_validate(payload)
    except ValidationError as exc:
        errors = [
            FieldError("held_on-day", e.message)
            if e.field == "held_on"
            else FieldError("place", e.message)
            if e.field == "body"
            else e
            for e in errors_of(exc, SESSION_MESSAGES, _)
        ]
        return _session_form_page(request, ctx, visitor, values, errors=errors, status=422)
    try:
        with unit_of_work(ctx.db) as session:
            made = actions.create_session(
                session, data, actor=visitor.actor, config=ctx.referral_config
            )
    except Invalid as exc:
        errors = [FieldError(p.field, _(SESSION_MESSAGES[p.field])) for p in exc.problems]
        return _session_form_page(request, ctx, visitor, values, errors=errors, status=422)
    return RedirectResponse(f"/training/sessions/{made.id}?done=session", status_code=303)


def _session_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    session_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    require_record_id(session_id)
    with unit_of_work(ctx.db) as session:
        shown = queries.read_session(session, session_id, actor=visitor.actor)
        people = queries.people_for_attendance(session, actor=visitor.actor)
    return render(
        request,
        "training/session.html",
        visitor=visitor,
        status=status,
        training=shown,
        people=people,
        held=shown.held_on <= _today(ctx),
        values=values or {"user_id": "", "completed": "yes"},
        errors=errors or [],
        done=_done(request),
        **_common(ctx, visitor),
    )


@router.get("/training/sessions/{session_id}")
def session_page(request: Request, ctx: Ctx, visitor: SignedIn, session_id: str) -> Response:
    return _session_page(request, ctx, visitor, session_id)


@router.post("/training/sessions/{session_id}/attendance")
def record_attendance(
    request: Request, ctx: Ctx, visitor: SignedIn, session_id: str, form: CheckedForm
) -> Response:
    require_record_id(session_id)
    _ = gettext_for(visitor.locale)
    values = {
        "user_id": form_field(form, "user_id", 36),
        "completed": form_field(form, "completed", 5),
    }
    errors = []
    if not values["user_id"]:
        errors.append(FieldError("user_id", _("Select the person")))
    if values["completed"] not in ("yes", "no"):
        errors.append(FieldError("completed", _("Select whether the person completed the course")))
    if errors:
        return _session_page(
            request, ctx, visitor, session_id, values=values, errors=errors, status=422
        )
    data = s.AttendanceIn(user_id=values["user_id"], completed=values["completed"] == "yes")
    try:
        with unit_of_work(ctx.db) as session:
            actions.record_attendance(
                session, session_id, data, actor=visitor.actor, config=ctx.referral_config
            )
    except Invalid:
        errors = [FieldError("user_id", _("Attendance is recorded once the session has been held"))]
        return _session_page(
            request, ctx, visitor, session_id, values=values, errors=errors, status=422
        )
    return RedirectResponse(f"/training/sessions/{session_id}?done=attendance", status_code=303)


@router.get("/training/attendance")
def attendance_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    with unit_of_work(ctx.db) as session:
        rows = queries.list_attendance(session, actor=visitor.actor)
    return render(
        request,
        "training/attendance.html",
        visitor=visitor,
        rows=rows,
        **_common(ctx, visitor),
    )


@router.get("/training/coverage")
def coverage_page(request: Request, ctx: Ctx, visitor: SignedIn, by: str = "region") -> Response:
    grouping: Literal["region", "organisation"] = (
        "organisation" if by == "organisation" else "region"
    )
    with unit_of_work(ctx.db) as session:
        coverage = queries.coverage(session, actor=visitor.actor, by=grouping)
    return render(
        request,
        "training/coverage.html",
        visitor=visitor,
        coverage=coverage,
        **_common(ctx, visitor),
    )
