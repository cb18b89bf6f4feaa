"""Action plan pages: the plan, objectives and measures (kept by the coordinator), a
measure with its progress reports and the report form (for the coordinator and the
responsible organisations' supervisors), and the progress report as a page and a PDF.

Views stay thin: reads go through `actionplan.queries` and `actionplan.indicators`,
writes through `actionplan.actions`, which ask the policy and write the audit trail —
the same functions the JSON API calls. Forms are checked here first so that a mistake
gets a message in the reader's language next to its field; nothing is stored unless the
whole form is right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from opennrm.actionplan import actions, indicators, queries, report, schemas
from opennrm.actionplan.actions import responsible_ids
from opennrm.actionplan.rules import AIM_NAMES, AIMS, LANGUAGES, STATUSES, in_language
from opennrm.db import utcnow
from opennrm.errors import Conflict, Forbidden, Invalid
from opennrm.policy import Action, Actor, can
from opennrm.policy.rules import can_update_measure
from opennrm.uow import unit_of_work
from opennrm.web.access import require_record_id
from opennrm.web.forms import DateParts, FieldError
from opennrm.web.i18n import N_, gettext_for
from opennrm.web.render import render
from opennrm.web.session import CheckedForm, Ctx, SignedIn, Visitor
from opennrm.web.session import field as form_field

router = APIRouter(include_in_schema=False)

SECTION = "actionplan"
DONE = ("objective", "measure", "progress", "changed")

STATUS_COLOURS = {
    "planned": "grey",
    "in_progress": "blue",
    "done": "green",
    "delayed": "red",
    "cancelled": "purple",
}
LANGUAGE_LABELS = {"fi": N_("in Finnish"), "sv": N_("in Swedish"), "en": N_("in English")}


# --- forms: what was typed, and the messages for what is wrong ----------------------------------


def texts(form: FormData, name: str, limit: int) -> dict[str, str]:
    return {lang: form_field(form, f"{name}-{lang}", limit * 2).strip() for lang in LANGUAGES}


def field_id(loc: Iterable[Any]) -> str:
    """A pydantic error location as the id of the input it is about: title.fi → title-fi."""
    return "-".join(str(p) for p in loc if not isinstance(p, int)) or "body"


def errors_of(
    exc: ValidationError,
    messages: dict[str, str],
    gettext: Callable[[str], str],
    *,
    too_long: str = N_("The text is too long"),
) -> list[FieldError]:
    """One message per field, in the order of the form: the field's own message, or
    "too long" for a length error."""
    out: dict[str, FieldError] = {}
    for error in exc.errors():
        fid = field_id(error.get("loc", ()))
        if fid in out:
            continue
        if error.get("type") == "string_too_long":
            out[fid] = FieldError(fid, gettext(too_long))
        else:
            out[fid] = FieldError(fid, gettext(messages.get(fid, messages["body"])))
    order = list(messages)
    return sorted(out.values(), key=lambda e: order.index(e.field) if e.field in order else 99)


def _validate(
    model: type[BaseModel], payload: dict[str, Any]
) -> tuple[Any, ValidationError | None]:
    try:
        return model.model_validate(payload), None
    except ValidationError as exc:
        return None, exc


def _text_messages(name: str, required: bool) -> dict[str, str]:
    if not required:
        return {}
    return {
        f"{name}-fi": N_("Enter the title in Finnish"),
        f"{name}-sv": N_("Enter the title in Swedish"),
        f"{name}-en": N_("Enter the title in English"),
    }


def _require_manager(visitor: Visitor) -> None:
    if not can(visitor.actor, Action.ACTIONPLAN_MANAGE):
        raise Forbidden("Only the coordinator keeps the action plan.")


def _today(ctx: Ctx) -> date:
    return ctx.referral_config.local_day(utcnow())


def _common(visitor: Visitor) -> dict[str, Any]:
    return {
        "section": SECTION,
        # The report's words, so that the pages and the PDF name each status alike.
        "status_names": {s: report.word(f"status.{s}", visitor.locale) for s in STATUSES},
        "status_colours": STATUS_COLOURS,
        "aim_names": {aim: AIM_NAMES[aim][visitor.locale] for aim in AIMS},
        "aim_items": [(aim, AIM_NAMES[aim][visitor.locale], None) for aim in AIMS],
        "status_items": [(s, report.word(f"status.{s}", visitor.locale), None) for s in STATUSES],
        "language_labels": LANGUAGE_LABELS,
        "in_language": lambda texts_: in_language(texts_, visitor.locale),
        "may_manage": bool(can(visitor.actor, Action.ACTIONPLAN_MANAGE)),
    }


# --- the plan --------------------------------------------------------------------------------


@router.get("/actionplan")
def plan_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    with unit_of_work(ctx.db) as session:
        plan = queries.read_plan(session, actor=visitor.actor, today=_today(ctx))
    done = request.query_params.get("done")
    return render(
        request,
        "actionplan/index.html",
        visitor=visitor,
        plan=plan,
        done=done if done in DONE else None,
        **_common(visitor),
    )


# --- objectives ------------------------------------------------------------------------------


@dataclass
class ObjectiveForm:
    code: str = ""
    aim: str = ""
    title: dict[str, str] = field(default_factory=lambda: dict.fromkeys(LANGUAGES, ""))
    description: dict[str, str] = field(default_factory=lambda: dict.fromkeys(LANGUAGES, ""))

    @classmethod
    def parse(cls, form: FormData) -> ObjectiveForm:
        return cls(
            code=form_field(form, "code", 40).strip(),
            aim=form_field(form, "aim", 40),
            title=texts(form, "title", schemas.MAX_TITLE),
            description=texts(form, "description", schemas.MAX_DESCRIPTION),
        )

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "aim": self.aim, "title": self.title,
                "description": self.description}  # fmt: skip


OBJECTIVE_MESSAGES = {
    "code": N_("Enter the objective's number, such as 1 or 2.3"),
    "aim": N_("Select the aim the objective serves"),
    **_text_messages("title", True),
    "body": N_("Check the objective"),
}


def _objective_page(
    request: Request,
    visitor: Visitor,
    form: ObjectiveForm,
    *,
    objective_id: str | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "actionplan/objective_form.html",
        visitor=visitor,
        status=status,
        form=form,
        objective_id=objective_id,
        errors=errors or [],
        aims=AIMS,
        **_common(visitor),
    )


def _save_objective(
    request: Request, ctx: Ctx, visitor: Visitor, form: ObjectiveForm, objective_id: str | None
) -> Response:
    _ = gettext_for(visitor.locale)
    data, problem = _validate(schemas.ObjectiveIn, form.payload())
    if problem is not None:
        errors = errors_of(problem, OBJECTIVE_MESSAGES, _)
        return _objective_page(
            request, visitor, form, objective_id=objective_id, errors=errors, status=422
        )
    try:
        with unit_of_work(ctx.db) as session:
            if objective_id:
                patch = schemas.ObjectivePatch.model_validate(data.model_dump())
                actions.update_objective(session, objective_id, patch, actor=visitor.actor)
            else:
                actions.create_objective(session, data, actor=visitor.actor)
    except Conflict:
        errors = [FieldError("code", _("Another objective has this number"))]
        return _objective_page(
            request, visitor, form, objective_id=objective_id, errors=errors, status=409
        )
    return RedirectResponse("/actionplan?done=objective", status_code=303)


@router.get("/actionplan/objectives/new")
def new_objective_page(request: Request, visitor: SignedIn) -> Response:
    _require_manager(visitor)
    return _objective_page(request, visitor, ObjectiveForm())


@router.post("/actionplan/objectives/new")
def create_objective(request: Request, ctx: Ctx, visitor: SignedIn, form: CheckedForm) -> Response:
    _require_manager(visitor)
    return _save_objective(request, ctx, visitor, ObjectiveForm.parse(form), None)


@router.get("/actionplan/objectives/{objective_id}/edit")
def edit_objective_page(
    request: Request, ctx: Ctx, visitor: SignedIn, objective_id: str
) -> Response:
    require_record_id(objective_id)
    _require_manager(visitor)
    with unit_of_work(ctx.db) as session:
        found = queries.read_objective(
            session, objective_id, actor=visitor.actor, today=_today(ctx)
        )
    form = ObjectiveForm(
        code=found.code,
        aim=found.aim,
        title=dict(found.title),
        description={lang: found.description.get(lang, "") for lang in LANGUAGES},
    )
    return _objective_page(request, visitor, form, objective_id=objective_id)


@router.post("/actionplan/objectives/{objective_id}/edit")
def update_objective(
    request: Request, ctx: Ctx, visitor: SignedIn, objective_id: str, form: CheckedForm
) -> Response:
    require_record_id(objective_id)
    _require_manager(visitor)
    with unit_of_work(ctx.db) as session:
        queries.read_objective(session, objective_id, actor=visitor.actor, today=_today(ctx))
    return _save_objective(request, ctx, visitor, ObjectiveForm.parse(form), objective_id)


# --- measures ----------------------------------------------------------------------------------


@dataclass
class MeasureForm:
    objective_id: str = ""
    code: str = ""
    title: dict[str, str] = field(default_factory=lambda: dict.fromkeys(LANGUAGES, ""))
    organisation_ids: list[str] = field(default_factory=list)
    deadline: DateParts = field(default_factory=DateParts)
    status: str = "planned"

    @classmethod
    def parse(cls, form: FormData) -> MeasureForm:
        return cls(
            objective_id=form_field(form, "objective_id", 40),
            code=form_field(form, "code", 40).strip(),
            title=texts(form, "title", schemas.MAX_TITLE),
            organisation_ids=[v for v in form.getlist("organisation_ids") if isinstance(v, str)][
                : schemas.MAX_ORGANISATIONS + 1
            ],
            deadline=DateParts.parse(form, "deadline"),
            status=form_field(form, "status", 20),
        )

    def payload(self) -> dict[str, Any]:
        deadline = self.deadline.value()
        return {
            "objective_id": self.objective_id,
            "code": self.code,
            "title": self.title,
            "organisation_ids": self.organisation_ids,
            "deadline": deadline.isoformat() if deadline else "",
            "status": self.status,
        }


MEASURE_MESSAGES = {
    "objective_id": N_("Select the objective the measure belongs to"),
    "code": N_("Enter the measure's number, such as 1.3"),
    **_text_messages("title", True),
    "organisation_ids": N_("Select at least one responsible organisation"),
    "deadline-day": N_("Enter the deadline as a real date, for example 30 6 2027"),
    "status": N_("Select the status"),
    "body": N_("Check the measure"),
}


def _measure_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    form: MeasureForm,
    *,
    measure_id: str | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    with unit_of_work(ctx.db) as session:
        plan = queries.read_plan(session, actor=visitor.actor, today=_today(ctx))
        organisations = queries.organisations_for_choice(session)
    return render(
        request,
        "actionplan/measure_form.html",
        visitor=visitor,
        status=status,
        form=form,
        measure_id=measure_id,
        objectives=plan.objectives,
        organisations=organisations,
        statuses=STATUSES,
        errors=errors or [],
        **_common(visitor),
    )


def _save_measure(
    request: Request, ctx: Ctx, visitor: Visitor, form: MeasureForm, measure_id: str | None
) -> Response:
    _ = gettext_for(visitor.locale)
    payload = form.payload()
    data, problem = _validate(schemas.MeasureIn, payload)
    errors = errors_of(problem, MEASURE_MESSAGES, _) if problem else []
    errors = [FieldError("deadline-day", e.message) if e.field == "deadline" else e for e in errors]
    if errors:
        return _measure_page(
            request, ctx, visitor, form, measure_id=measure_id, errors=errors, status=422
        )
    try:
        with unit_of_work(ctx.db) as session:
            if measure_id:
                patch = schemas.MeasurePatch.model_validate(data.model_dump())
                actions.update_measure(session, measure_id, patch, actor=visitor.actor)
                target = measure_id
            else:
                target = actions.create_measure(session, data, actor=visitor.actor).id
    except Conflict:
        errors = [FieldError("code", _("Another measure has this number"))]
        return _measure_page(
            request, ctx, visitor, form, measure_id=measure_id, errors=errors, status=409
        )
    except Invalid as exc:
        errors = [
            FieldError(p.field, _(MEASURE_MESSAGES.get(p.field, MEASURE_MESSAGES["body"])))
            for p in exc.problems
        ] or [FieldError("code", exc.message)]
        return _measure_page(
            request, ctx, visitor, form, measure_id=measure_id, errors=errors, status=422
        )
    done = "changed" if measure_id else "measure"
    return RedirectResponse(f"/actionplan/measures/{target}?done={done}", status_code=303)


@router.get("/actionplan/measures/new")
def new_measure_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    _require_manager(visitor)
    objective = request.query_params.get("objective", "")[:36]
    return _measure_page(request, ctx, visitor, MeasureForm(objective_id=objective))


@router.post("/actionplan/measures/new")
def create_measure(request: Request, ctx: Ctx, visitor: SignedIn, form: CheckedForm) -> Response:
    _require_manager(visitor)
    return _save_measure(request, ctx, visitor, MeasureForm.parse(form), None)


@router.get("/actionplan/measures/{measure_id}/edit")
def edit_measure_page(request: Request, ctx: Ctx, visitor: SignedIn, measure_id: str) -> Response:
    require_record_id(measure_id)
    _require_manager(visitor)
    with unit_of_work(ctx.db) as session:
        m = queries.read_measure(session, measure_id, actor=visitor.actor, today=_today(ctx))
    form = MeasureForm(
        objective_id=m.objective_id,
        code=m.code,
        title=dict(m.title),
        organisation_ids=[o.id for o in m.organisations],
        deadline=DateParts.of(m.deadline),
        status=m.status,
    )
    return _measure_page(request, ctx, visitor, form, measure_id=measure_id)


@router.post("/actionplan/measures/{measure_id}/edit")
def update_measure(
    request: Request, ctx: Ctx, visitor: SignedIn, measure_id: str, form: CheckedForm
) -> Response:
    require_record_id(measure_id)
    _require_manager(visitor)
    with unit_of_work(ctx.db) as session:
        queries.read_measure(session, measure_id, actor=visitor.actor, today=_today(ctx))
    return _save_measure(request, ctx, visitor, MeasureForm.parse(form), measure_id)


# --- one measure and its progress ------------------------------------------------------------


@dataclass
class ProgressForm:
    reported_on: DateParts = field(default_factory=DateParts)
    status: str = ""
    text: str = ""
    evidence_url: str = ""
    evidence_text: str = ""

    @classmethod
    def parse(cls, form: FormData) -> ProgressForm:
        return cls(
            reported_on=DateParts.parse(form, "reported_on"),
            status=form_field(form, "status", 20),
            text=form_field(form, "text", schemas.MAX_REPORT * 2).strip(),
            evidence_url=form_field(form, "evidence_url", schemas.MAX_EVIDENCE_URL * 2).strip(),
            evidence_text=form_field(form, "evidence_text", schemas.MAX_EVIDENCE_TEXT * 2).strip(),
        )


PROGRESS_MESSAGES = {
    "reported_on-day": N_("Enter the day as a real date, for example 27 3 2026"),
    "status": N_("Select the measure's status now"),
    "text": N_("Describe what was done"),
    "evidence_url": N_("Enter a web address beginning with https://"),
    "evidence_text": N_("Describe the evidence"),
    "body": N_("Give the evidence: a link, a short text, or both"),
}


def _may_report(session: Any, actor: Actor, measure_id: str) -> bool:
    return bool(can_update_measure(actor, responsible_org_ids=responsible_ids(session, measure_id)))


def _measure_detail(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    measure_id: str,
    *,
    form: ProgressForm | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    require_record_id(measure_id)
    today = _today(ctx)
    with unit_of_work(ctx.db) as session:
        measure = queries.read_measure(session, measure_id, actor=visitor.actor, today=today)
        may_report = _may_report(session, visitor.actor, measure_id)
    done = request.query_params.get("done")
    return render(
        request,
        "actionplan/measure.html",
        visitor=visitor,
        status=status,
        measure=measure,
        may_report=may_report,
        form=form or ProgressForm(reported_on=DateParts.of(today), status=measure.status),
        statuses=STATUSES,
        today=today,
        errors=errors or [],
        done=done if done in DONE else None,
        **_common(visitor),
    )


@router.get("/actionplan/measures/{measure_id}")
def measure_page(request: Request, ctx: Ctx, visitor: SignedIn, measure_id: str) -> Response:
    return _measure_detail(request, ctx, visitor, measure_id)


@router.post("/actionplan/measures/{measure_id}/progress")
def report_progress(
    request: Request, ctx: Ctx, visitor: SignedIn, measure_id: str, form: CheckedForm
) -> Response:
    require_record_id(measure_id)
    _ = gettext_for(visitor.locale)
    values = ProgressForm.parse(form)
    day = values.reported_on.value()
    payload = {
        "reported_on": day.isoformat() if day else "",
        "status": values.status,
        "text": values.text,
        "evidence_url": values.evidence_url or None,
        "evidence_text": values.evidence_text or None,
    }
    data, problem = _validate(schemas.ProgressIn, payload)
    errors = errors_of(problem, PROGRESS_MESSAGES, _) if problem else []
    errors = [
        FieldError("reported_on-day", e.message)
        if e.field == "reported_on"
        else FieldError("evidence_url", e.message)
        if e.field == "body"
        else e
        for e in errors
    ]
    if not errors and day is not None and day > _today(ctx):
        errors = [FieldError("reported_on-day", _("The day cannot be in the future"))]
    if errors:
        return _measure_detail(
            request, ctx, visitor, measure_id, form=values, errors=errors, status=422
        )
    with unit_of_work(ctx.db) as session:
        actions.report_progress(
            session, measure_id, data, actor=visitor.actor, config=ctx.referral_config
        )
    return RedirectResponse(f"/actionplan/measures/{measure_id}?done=progress", status_code=303)


# --- the report --------------------------------------------------------------------------------


def _report(ctx: Ctx, visitor: Visitor) -> report.Report:
    with unit_of_work(ctx.db) as session:
        plan = queries.read_plan(session, actor=visitor.actor, today=_today(ctx))
        figures = indicators.compute_all(
            session,
            actor=visitor.actor,
            config=ctx.referral_config,
            threshold=ctx.settings.statistics_threshold,
        )
    return report.build(plan, figures, visitor.locale)


@router.get("/actionplan/report")
def report_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    built = _report(ctx, visitor)
    return render(
        request,
        "actionplan/report.html",
        visitor=visitor,
        report=built,
        withheld_note=report.word("withheld_note", visitor.locale),
        **_common(visitor),
    )


@router.get("/actionplan/report.pdf")
def report_pdf(ctx: Ctx, visitor: SignedIn) -> Response:
    built = _report(ctx, visitor)
    name = f"action-plan-{_today(ctx).isoformat()}.pdf"
    return Response(
        content=report.to_pdf(built),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
