"""Referral pages: refer a signal, the queue, one case with its decisions, support plan
and notes, and the ageing report. Screening and the timeline have their own modules
(`screening.py`, `timeline.py`) and share this module's helpers.

Views stay thin: every read goes through `referrals.queries` (or the timeline's and the
screening's queries) and every write through `referrals.actions`, `notes.actions` or
`screening.actions`, which ask the policy and write the audit trail; the JSON API calls
the very same functions. A referral the visitor may not see raises `NotFound` there and
gets the same "not found" page as an id that never existed; a referrer who posts a
decision gets the 403 page, as the API answers 403.

The domain explains a refused act in English sentences; the pages map the ones a person
can act on to words in the reader's language and to the field they are about, the way
the share form does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from opennrm.db import utcnow
from opennrm.errors import Conflict, Invalid
from opennrm.policy import Action, can
from opennrm.referrals import actions, queries, rules, schemas
from opennrm.referrals.config import ReferralConfig
from opennrm.screening import (
    current_catalogues,
)
from opennrm.signals import queries as signal_queries
from opennrm.support import machine
from opennrm.support.services import BY_CODE, SERVICE_TYPES
from opennrm.uow import unit_of_work
from opennrm.web import i18n, labels
from opennrm.web.access import require_record_id
from opennrm.web.forms import DateParts, FieldError, Gettext
from opennrm.web.i18n import N_, gettext_for
from opennrm.web.note_form import save_note
from opennrm.web.render import render
from opennrm.web.session import CheckedForm, Ctx, SignedIn, Visitor
from opennrm.web.session import field as form_field

router = APIRouter(include_in_schema=False)

QUEUE_LIMIT = 200
"""Rows per table on the queue page; the page says when there are more."""
SIGNAL_REFERRALS_LIMIT = 200
MAX_REASON = schemas.MAX_TEXT
SECTION = "referrals"


# --- what the pages show of a clock ----------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A running clock as a caseworker reads it: its name, the last day and what is left."""

    name: str
    due: date
    overdue: bool
    days_overdue: int
    days_left: int
    working_days: bool  # `days_left` counts working days (else calendar days)

    @property
    def due_today(self) -> bool:
        return not self.overdue and self.days_left == 0


def deadline_of(
    clock: schemas.ClockOut | None, config: ReferralConfig, locale: str
) -> Deadline | None:
    if clock is None:
        return None
    rule = config.clocks.get(clock.clock)
    working = rule is None or rule.unit == "working"
    return Deadline(
        name=rule.label(locale) if rule else clock.clock,
        due=clock.deadline,
        overdue=clock.overdue,
        days_overdue=clock.days_overdue,
        days_left=clock.working_days_left if working else clock.calendar_days_left,
        working_days=working,
    )


def _deadlines(
    items: list[schemas.ReferralOut], config: ReferralConfig, locale: str
) -> dict[str, Deadline | None]:
    return {r.id: deadline_of(r.clock, config, locale) for r in items}


# --- form values -----------------------------------------------------------------------------


def _date_parts(form: FormData, prefix: str) -> dict[str, str]:
    return vars(DateParts.parse(form, prefix))


def _blank(parts: dict[str, str]) -> bool:
    return not any(v.strip() for v in parts.values())


def _date_of(parts: dict[str, str]) -> date | None:
    return DateParts(**parts).value()


@dataclass
class CaseForms:
    """What the forms of the case page hold: empty, or what was posted with an error."""

    decision: dict[str, Any] = field(
        default_factory=lambda: {"decision": "", "reason": "", "period": vars(DateParts())}
    )
    service: dict[str, Any] = field(
        default_factory=lambda: {
            "service_type": "",
            "provider": "",
            "starts": vars(DateParts()),
            "ends": vars(DateParts()),
        }
    )
    note: dict[str, str] = field(default_factory=lambda: {"kind": "", "text": ""})
    # service id -> the end date typed for it
    ends: dict[str, dict[str, str]] = field(default_factory=dict)


# --- refusals in the reader's language -------------------------------------------------------

Problem = tuple[str, str, str]
"""(phrase in the domain's message, id of the field it is about, message to show)"""

_REFER_PROBLEMS: tuple[Problem, ...] = (
    (
        "has no municipality",
        "target",
        N_(
            "The signal has no municipality, and the competent police department is found "
            "from it. Add the municipality to the signal first."
        ),
    ),
    (
        "is not in the deployment",
        "target",
        N_(
            "No police department is known for the municipality of this signal. Check how "
            "the municipality is written on the signal."
        ),
    ),
    (
        "has no organisation in OpenNRM",
        "target",
        N_(
            "The competent police department does not use OpenNRM yet. Ask an administrator "
            "to add it, or contact the police directly."
        ),
    ),
    (
        "No victim assistance system",
        "target",
        N_("The assistance system does not use OpenNRM yet. Contact it directly."),
    ),
    (
        "organisation that holds it",
        "target",
        N_("A signal cannot be referred to your own organisation."),
    ),
    (
        "open referral to the same receiver",
        "target",
        N_(
            "This signal already has an open referral to the same receiver. Follow that "
            "referral instead."
        ),
    ),
    (
        "cannot be made",
        "consent",
        N_(
            "This referral cannot be made on the consent given. Police information goes to "
            "the assistance system only on a statutory duty, a court order or a vital "
            "interest."
        ),
    ),
)

_DECISION_PROBLEMS: tuple[Problem, ...] = (
    (
        "cannot end in the past",
        "period_ends_on-day",
        N_("The recovery and reflection period cannot end in the past"),
    ),
    (
        "Give the new end",
        "period_ends_on-day",
        N_("Enter the new end of the recovery and reflection period"),
    ),
    (
        "must end after the current end",
        "period_ends_on-day",
        N_("An extension must end after the current end of the period"),
    ),
)

_SERVICE_PROBLEMS: tuple[Problem, ...] = (
    ("cannot end before it starts", "ends_on-day", N_("A service cannot end before it starts")),
    (
        "only on an assistance system case",
        "service_type",
        N_("Services are planned only on an assistance system case"),
    ),
    (
        "while the person is a client",
        "service_type",
        N_("Services can be planned only while the person is a client of the assistance system"),
    ),
)


def _problems(
    message: str, known: tuple[Problem, ...], fallback: FieldError, _: Gettext
) -> list[FieldError]:
    found = [FieldError(fid, _(text)) for phrase, fid, text in known if phrase in message]
    return found or [fallback]


def _refused_decision(referral: schemas.ReferralOut, _: Gettext) -> list[FieldError]:
    """The state machine refused: say what may be decided now, in the reader's words."""
    allowed = [_(labels.DECISIONS.get(d, d)) for d in referral.allowed_decisions]
    if not allowed:
        return [FieldError("decision", _("No further decision can be taken on this referral"))]
    return [
        FieldError(
            "decision",
            _("This decision cannot be taken now. Decisions you can take now: %(decisions)s")
            % {"decisions": ", ".join(allowed)},
        )
    ]


# --- refer a signal --------------------------------------------------------------------------


def _refer_values(form: FormData | None = None) -> dict[str, str]:
    if form is None:
        return {"target": "", "consent": ""}
    return {"target": form_field(form, "target", 40), "consent": form_field(form, "consent", 5)}


def _signal_referrals(
    ctx: Ctx, visitor: Visitor, signal_id: str
) -> tuple[list[schemas.ReferralOut], bool]:
    """The signal's referrals, for those who may refer it (the holder); 404/403 otherwise.
    The flag says whether the list is complete."""
    with unit_of_work(ctx.db) as session:
        # The same gate as sharing: only the signal's holder refers it or follows its
        # referrals here (others get the same 404, or 403 if they may read the signal).
        signal_queries.list_shares(session, signal_id, actor=visitor.actor)
        page = queries.list_referrals(
            session,
            actor=visitor.actor,
            config=ctx.referral_config,
            direction="outgoing",
            signal_id=signal_id,
            limit=SIGNAL_REFERRALS_LIMIT,
        )
    return page.items, page.total <= len(page.items)


def _refer_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    signal_id: str,
    *,
    refer: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    items, complete = _signal_referrals(ctx, visitor, signal_id)
    fragment = request.headers.get("HX-Request") == "true" and not errors
    return render(
        request,
        "referrals/_signal_referrals.html" if fragment else "referrals/signal.html",
        visitor=visitor,
        status=status,
        errors=errors or [],
        section="mine",
        signal_id=signal_id,
        items=items,
        complete=complete,
        refer=refer or _refer_values(),
    )


@router.get("/signals/{signal_id}/referrals")
def signal_referrals_page(
    request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str
) -> Response:
    """The signal's referrals and the form to refer it. The signal page loads the list
    into itself with htmx; without JavaScript its link leads here."""
    require_record_id(signal_id)
    return _refer_page(request, ctx, visitor, signal_id)


@router.post("/signals/{signal_id}/referrals")
def refer(
    request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str, form: CheckedForm
) -> Response:
    require_record_id(signal_id)
    _ = gettext_for(visitor.locale)
    values = _refer_values(form)
    errors = []
    if values["target"] not in rules.TARGETS:
        errors.append(FieldError("target", _("Select where to refer")))
    if values["consent"] not in ("yes", "no"):
        errors.append(FieldError("consent", _("Select whether the person consented")))
    status = 422
    if not errors:
        data = schemas.ReferralIn(
            target=values["target"],
            consent=values["consent"] == "yes",
        )
        try:
            with unit_of_work(ctx.db) as session:
                referral = actions.create_referral(
                    session, signal_id, data, actor=visitor.actor, config=ctx.referral_config
                )
                referral_id = referral.id
        except Conflict as exc:
            status = 409
            errors = _problems(exc.message, _REFER_PROBLEMS, FieldError("target", exc.message), _)
        except Invalid as exc:
            errors = _problems(exc.message, _REFER_PROBLEMS, FieldError("target", exc.message), _)
    if errors:
        return _refer_page(
            request, ctx, visitor, signal_id, refer=values, errors=errors, status=status
        )
    return RedirectResponse(f"/referrals/{referral_id}?done=referred", status_code=303)


# --- the queue -------------------------------------------------------------------------------


@router.get("/referrals")
def queue_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    show = "all" if request.query_params.get("show") == "all" else "open"
    config = ctx.referral_config
    with unit_of_work(ctx.db) as session:
        incoming, sent = (
            queries.list_referrals(
                session,
                actor=visitor.actor,
                config=config,
                direction=direction,
                open_only=show == "open",
                limit=QUEUE_LIMIT,
            )
            for direction in ("incoming", "outgoing")
        )
    return render(
        request,
        "referrals/queue.html",
        visitor=visitor,
        section=SECTION,
        show=show,
        incoming=incoming,
        sent=sent,
        deadlines=_deadlines(incoming.items, config, visitor.locale),
        ageing=bool(can(visitor.actor, Action.AGEING_READ)),
    )


# --- the ageing report -----------------------------------------------------------------------


@router.get("/referrals/ageing")
def ageing_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    """Counts per organisation for supervisors, coordinators and analysts (the query
    refuses everyone else with 403)."""
    with unit_of_work(ctx.db) as session:
        report = queries.ageing(session, actor=visitor.actor, config=ctx.referral_config)
    return render(request, "referrals/ageing.html", visitor=visitor, section=SECTION, report=report)


# --- one case --------------------------------------------------------------------------------


def _anonymous_summary(
    summary: dict[str, object] | None, config: ReferralConfig, locale: str, _: Gettext
) -> list[tuple[str, str]]:
    """An anonymous notification's summary as (label, value) rows in the reader's language."""
    if not summary:
        return []

    def region(code: object) -> str:
        try:
            return config.deployment.region(str(code)).name.get(locale)
        except KeyError:
            return str(code)

    # Every current catalogue shares the six dimensions; shown in the definition's order.
    order = current_catalogues()[0].dimensions
    dimensions = {d.code: d.label.get(locale) for d in order}
    rank = {d.code: n for n, d in enumerate(order)}
    types = [str(t) for t in cast(list[object], summary.get("exploitation_types") or [])]
    positive = sorted(
        (str(d) for d in cast(list[object], summary.get("positive_dimensions") or [])),
        key=lambda code: rank.get(code, len(rank)),
    )
    grounds = summary.get("grounds_to_refer")
    gender = str(summary.get("gender") or "unknown")
    if grounds is None:
        screening = _("Not screened")
    else:
        screening = _("Grounds to refer") if grounds else _("No grounds to refer")
    rows = [
        (
            _("Forms of exploitation"),
            ", ".join(i18n.code_label("exploitation_type", t, locale) for t in types)
            or _("Not given"),
        ),
        (_("Region"), region(summary["region"]) if summary.get("region") else _("Not given")),
        (
            _("Month of the events"),
            i18n.format_partial_date(str(summary["month"]), locale)
            if summary.get("month")
            else _("Not given"),
        ),
        (_("Age group"), _(labels.AGE_GROUPS.get(str(summary.get("age_group")), "Not known"))),
        (_("Gender"), i18n.code_label("gender", gender, locale)),
        (_("Child"), _("Yes") if summary.get("child") else _("No")),
        (_("Screening"), screening),
    ]
    if positive:
        rows.append((_("Positive dimensions"), ", ".join(dimensions.get(d, d) for d in positive)))
    return rows


def _service_types(locale: str) -> list[tuple[str, str]]:
    pairs = [(t.code, t.label(locale)) for t in SERVICE_TYPES]
    names = i18n.sort_names([label for _code, label in pairs], locale)
    return sorted(pairs, key=lambda pair: names.index(pair[1]))


def _case_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    referral_id: str,
    *,
    forms: CaseForms | None = None,
    errors: list[FieldError] | None = None,
    refused: bool = False,
    status: int = 200,
) -> Response:
    """The case page; `refused`: the state machine refused the posted decision, and the
    page says which decisions it allows now (as read afresh here)."""
    config = ctx.referral_config
    locale = visitor.locale
    with unit_of_work(ctx.db) as session:
        r = queries.read_referral(
            session, referral_id, actor=visitor.actor, cipher=ctx.cipher, config=config
        )
    _ = gettext_for(locale)
    if refused:
        errors = _refused_decision(r, _)
    today = config.local_day(utcnow())
    receiver = r.view == "receiver"
    return render(
        request,
        "referrals/case.html",
        visitor=visitor,
        status=status,
        errors=errors or [],
        section=SECTION,
        r=r,
        receiver=receiver,
        deadline=deadline_of(r.clock, config, locale),
        anonymous_rows=_anonymous_summary(r.anonymous_summary, config, locale, _)
        if receiver and r.anonymous
        else [],
        plannable=receiver
        and r.target == "assistance_system"
        and r.status in machine.IN_ASSISTANCE,
        running={s.id for s in r.services if s.ends_on is None or s.ends_on > today},
        service_types=_service_types(locale),
        service_label={t.code: t.label(locale) for t in SERVICE_TYPES},
        decision_items=[
            (
                d,
                _(labels.DECISIONS.get(d, d)),
                _(labels.DECISION_HINTS[d]) if d in labels.DECISION_HINTS else None,
            )
            for d in r.allowed_decisions
        ],
        period_decisions=[d for d in r.allowed_decisions if d in labels.PERIOD_DECISIONS],
        forms=forms or CaseForms(),
        done=request.query_params.get("done", ""),
    )


@router.get("/referrals/{referral_id}")
def case_page(request: Request, ctx: Ctx, visitor: SignedIn, referral_id: str) -> Response:
    require_record_id(referral_id)
    return _case_page(request, ctx, visitor, referral_id)


def _done(referral_id: str, what: str, anchor: str) -> Response:
    return RedirectResponse(f"/referrals/{referral_id}?done={what}#{anchor}", status_code=303)


@router.post("/referrals/{referral_id}/decisions")
def decide(
    request: Request, ctx: Ctx, visitor: SignedIn, referral_id: str, form: CheckedForm
) -> Response:
    require_record_id(referral_id)
    _ = gettext_for(visitor.locale)
    forms = CaseForms()
    values = forms.decision = {
        "decision": form_field(form, "decision", 40),
        "reason": form_field(form, "reason", MAX_REASON * 2),
        "period": _date_parts(form, "period_ends_on"),
    }
    errors = []
    if not values["decision"]:
        errors.append(FieldError("decision", _("Select a decision")))
    reason = values["reason"].strip()
    if not reason:
        errors.append(FieldError("reason", _("Give the reasons for the decision")))
    elif len(reason) > MAX_REASON:
        errors.append(FieldError("reason", _("The reasons must be 4000 characters or fewer")))
    period = None
    # The date belongs to an admission or an extension only; with another decision it is
    # not sent (the form shows it for those two).
    if values["decision"] in labels.PERIOD_DECISIONS and not _blank(values["period"]):
        period = _date_of(values["period"])
        if period is None:
            errors.append(
                FieldError(
                    "period_ends_on-day",
                    _("The end of the period must be a real date, for example 27 3 2027"),
                )
            )
    if not errors:
        try:
            data = schemas.DecisionIn(
                decision=values["decision"], reason=reason, period_ends_on=period
            )
            with unit_of_work(ctx.db) as session:
                actions.decide(
                    session,
                    referral_id,
                    data,
                    actor=visitor.actor,
                    cipher=ctx.cipher,
                    config=ctx.referral_config,
                )
        except ValidationError:
            errors = [
                FieldError("reason", _("The reasons contain characters that cannot be saved"))
            ]
        except Conflict:
            return _case_page(
                request, ctx, visitor, referral_id, forms=forms, refused=True, status=409
            )
        except Invalid as exc:
            errors = _problems(
                exc.message, _DECISION_PROBLEMS, FieldError("decision", exc.message), _
            )
    if errors:
        return _case_page(
            request, ctx, visitor, referral_id, forms=forms, errors=errors, status=422
        )
    return _done(referral_id, "decided", "status")


@router.post("/referrals/{referral_id}/services")
def add_service(
    request: Request, ctx: Ctx, visitor: SignedIn, referral_id: str, form: CheckedForm
) -> Response:
    require_record_id(referral_id)
    _ = gettext_for(visitor.locale)
    forms = CaseForms()
    values = forms.service = {
        "service_type": form_field(form, "service_type", 40),
        "provider": form_field(form, "provider", 400),
        "starts": _date_parts(form, "starts_on"),
        "ends": _date_parts(form, "ends_on"),
    }
    errors = []
    if values["service_type"] not in BY_CODE:
        errors.append(FieldError("service_type", _("Select the type of service")))
    starts = _date_of(values["starts"])
    if starts is None:
        errors.append(FieldError("starts_on-day", _("Enter the start date, for example 2 11 2026")))
    ends = None
    if not _blank(values["ends"]):
        ends = _date_of(values["ends"])
        if ends is None:
            errors.append(
                FieldError(
                    "ends_on-day", _("The end date must be a real date, for example 27 3 2027")
                )
            )
    status = 422
    if not errors:
        try:
            data = schemas.ServiceIn(
                service_type=values["service_type"],
                provider=values["provider"].strip() or None,
                starts_on=starts,
                ends_on=ends,
            )
            with unit_of_work(ctx.db) as session:
                actions.add_service(session, referral_id, data, actor=visitor.actor)
        except ValidationError:
            errors = [
                FieldError("provider", _("The provider's name must be 200 characters or fewer"))
            ]
        except (Conflict, Invalid) as exc:
            status = 409 if isinstance(exc, Conflict) else 422
            errors = _problems(
                exc.message, _SERVICE_PROBLEMS, FieldError("service_type", exc.message), _
            )
    if errors:
        return _case_page(
            request, ctx, visitor, referral_id, forms=forms, errors=errors, status=status
        )
    return _done(referral_id, "service_added", "support-plan")


@router.post("/referrals/{referral_id}/services/{service_id}/end")
def end_service(
    request: Request,
    ctx: Ctx,
    visitor: SignedIn,
    referral_id: str,
    service_id: str,
    form: CheckedForm,
) -> Response:
    require_record_id(referral_id)
    require_record_id(service_id)
    _ = gettext_for(visitor.locale)
    forms = CaseForms()
    parts = forms.ends[service_id] = _date_parts(form, "ends_on")
    field_id = f"end-{service_id}-day"
    ends = _date_of(parts)
    errors = []
    if ends is None:
        errors.append(
            FieldError(field_id, _("The end date must be a real date, for example 27 3 2027"))
        )
    else:
        try:
            with unit_of_work(ctx.db) as session:
                actions.end_service(
                    session,
                    referral_id,
                    service_id,
                    schemas.ServiceEndIn(ends_on=ends),
                    actor=visitor.actor,
                )
        except Invalid:
            errors = [FieldError(field_id, _("A service cannot end before it starts"))]
    if errors:
        return _case_page(
            request, ctx, visitor, referral_id, forms=forms, errors=errors, status=422
        )
    return _done(referral_id, "service_ended", "support-plan")


@router.post("/referrals/{referral_id}/notes")
def add_note(
    request: Request, ctx: Ctx, visitor: SignedIn, referral_id: str, form: CheckedForm
) -> Response:
    require_record_id(referral_id)
    forms = CaseForms()
    forms.note, errors = save_note(ctx, visitor, form, "referral", referral_id)
    if errors:
        return _case_page(
            request, ctx, visitor, referral_id, forms=forms, errors=errors, status=422
        )
    return _done(referral_id, "noted", "notes")
