"""Investigation pages: the list, opening one (directly or from a crime referred to the
unit), the purpose asked before police data is shown, and the case with its persons by
category, stages, notes, deconfliction and the question to the national team; then the
national team's consultation inbox with its response form, and the workload board.

Views stay thin: every read goes through `investigations.queries` and every write through
`investigations.actions`, `notes.actions` or `consultation_actions`, which ask the policy
and write the audit trail; the JSON API calls the very same functions. An investigation
the visitor may not see raises `NotFound` in `access_investigation()` — before any
purpose is asked — and gets the same "not found" page as an id that never existed.

Police data is opened for a purpose (Law Enforcement Directive art. 25). The first time a
visitor opens an investigation in a web session the page asks why; the answer is kept for
the session (`investigations.purposes`) and passed to every read afterwards, so that each
read in the trail carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from opennrm.auth.models import Organisation
from opennrm.db import utcnow
from opennrm.errors import Conflict, Forbidden, Invalid, NotFound
from opennrm.investigations import (
    actions,
    consultation_actions,
    consultation_queries,
    consultation_schemas,
    purposes,
    queries,
    schemas,
    workload,
)
from opennrm.investigations.consultation_queries import REGIONAL_TYPE
from opennrm.investigations.consultations import MAX_JOIN_DAYS, clock_name
from opennrm.investigations.models import STAGES, Investigation
from opennrm.policy import Action, Actor, can
from opennrm.policy.visibility import load_facts
from opennrm.referrals import queries as referral_queries
from opennrm.referrals.schemas import MAX_TEXT
from opennrm.signals import normalise
from opennrm.uow import unit_of_work
from opennrm.web import i18n, labels
from opennrm.web.access import RECORD_ID, require_record_id
from opennrm.web.forms import DateParts, FieldError, Gettext, nonblank_lines, partial_date_to_iso
from opennrm.web.i18n import gettext_for
from opennrm.web.note_form import save_note
from opennrm.web.render import render
from opennrm.web.routes.referrals import deadline_of
from opennrm.web.session import SESSION_COOKIE, CheckedForm, Ctx, SignedIn, Visitor
from opennrm.web.session import field as form_field

router = APIRouter(include_in_schema=False)

SECTION = "investigations"
RECORD_TYPE = queries.RECORD_TYPE
LIST_LIMIT = 200
"""Rows on the list page; the page says when there are more."""
MAX_BLOCKS = 10
"""Person and organisation blocks the form offers (the API takes more)."""
MAX_PURPOSE = 500
DONE = ("opened", "staged", "noted", "consulted")


# --- who may do what on one case -------------------------------------------------------------


@dataclass(frozen=True)
class CasePermissions:
    change: bool = False  # record stages, write notes
    consult: bool = False  # ask the national team


def _permissions(
    session: Session,
    actor: Actor,
    investigation: Investigation,
    owner: Organisation,
    now: datetime,
) -> CasePermissions:
    """Asked of the policy with the facts the actions use, so that the page offers only
    the forms that will be accepted (the actions check again when they run)."""
    facts = load_facts(
        session,
        actor,
        record_type=RECORD_TYPE,
        record_id=investigation.id,
        owner_org_id=owner.id,
        owner_org_type=owner.type,
        created_by=investigation.created_by,
        now=now,
    )
    return CasePermissions(
        change=bool(can(actor, Action.INVESTIGATION_UPDATE, facts))
        and investigation.stage != "closed",
        # Only a police department's investigation is asked about (the team does not
        # ask itself).
        consult=bool(can(actor, Action.CONSULTATION_REQUEST, facts))
        and owner.type == REGIONAL_TYPE
        and investigation.stage != "closed",
    )


def _session_key(request: Request) -> str:
    # `SignedIn` has just loaded the session behind this cookie.
    return purposes.session_key(request.cookies.get(SESSION_COOKIE, ""))


def _require_opener(visitor: Visitor) -> None:
    if not labels.opens_investigations(visitor.actor):
        raise Forbidden("Only investigators and supervisors of the police open investigations.")


def _offences(ctx: Ctx, locale: str) -> list[tuple[str, str, str]]:
    """(code, name, law reference) of every offence of the deployment, in its order."""
    return [(o.code, o.name.get(locale), o.law) for o in ctx.referral_config.deployment.offences]


def _birth_date(value: str | None, locale: str) -> str:
    """A stored birth date as people write it; an odd value (the API does not check
    its form) is shown as stored rather than failing the page."""
    if not value:
        return ""
    try:
        return i18n.format_partial_date(value, locale)
    except ValueError:
        return value


# --- the list --------------------------------------------------------------------------------


@router.get("/investigations")
def list_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    """The investigations the visitor may see (filtered by the policy: empty for anyone
    outside the police without a statutory share)."""
    with unit_of_work(ctx.db) as session:
        page = queries.list_investigations(session, actor=visitor.actor, limit=LIST_LIMIT)
    return render(
        request,
        "investigations/list.html",
        visitor=visitor,
        section=SECTION,
        page=page,
        offence_names={code: name for code, name, _law in _offences(ctx, visitor.locale)},
        may_open=labels.opens_investigations(visitor.actor),
        # Consultations have two sides: the team's investigators and the asking unit's
        # readers (`consultations.side()`); outside the police there is neither.
        may_consult=visitor.actor.organisation_type in labels.POLICE_TYPES
        and visitor.reads_content,
        may_workload=bool(can(visitor.actor, Action.WORKLOAD_READ)),
    )


# --- opening an investigation ----------------------------------------------------------------


@dataclass
class PersonBlock:
    category: str = ""
    names: str = ""
    birth_date: str = ""
    nationality: str = ""
    phones: str = ""

    def is_blank(self) -> bool:
        return not any(v.strip() for v in vars(self).values())


@dataclass
class OrganisationBlock:
    name: str = ""
    business_id: str = ""

    def is_blank(self) -> bool:
        return not (self.name.strip() or self.business_id.strip())


@dataclass
class NewForm:
    """What the form holds, exactly as typed."""

    offences: list[str] = field(default_factory=list)
    summary: str = ""
    referral_id: str = ""
    from_referral: bool = False
    persons: list[PersonBlock] = field(default_factory=lambda: [PersonBlock()])
    organisations: list[OrganisationBlock] = field(default_factory=lambda: [OrganisationBlock()])
    addresses: str = ""
    cross_border: bool = False

    @classmethod
    def parse(cls, form: FormData) -> NewForm:
        def count(name: str) -> int:
            raw = form_field(form, name, 3)
            return max(1, min(int(raw), MAX_BLOCKS)) if raw.isdigit() else 1

        persons = [
            PersonBlock(
                **{
                    k: form_field(form, f"persons-{i}-{k}", 5000)
                    for k in PersonBlock.__dataclass_fields__
                }
            )
            for i in range(count("person_count"))
        ]
        organisations = [
            OrganisationBlock(
                name=form_field(form, f"organisations-{i}-name", 400),
                business_id=form_field(form, f"organisations-{i}-business_id", 40),
            )
            for i in range(count("organisation_count"))
        ]
        return cls(
            offences=[v for v in form.getlist("offences") if isinstance(v, str)][:20],
            summary=form_field(form, "summary", MAX_TEXT * 2),
            referral_id=form_field(form, "referral_id", 80).strip(),
            from_referral=form_field(form, "from_referral", 5) == "yes",
            persons=persons,
            organisations=organisations,
            addresses=form_field(form, "addresses", 20_000),
            cross_border=form_field(form, "cross_border", 5) == "yes",
        )

    def apply(self, action: str) -> str | None:
        """Add or remove a block; returns the id of the field to focus next."""
        kind, _, index = action.partition(":")
        if kind == "add_person" and len(self.persons) < MAX_BLOCKS:
            self.persons.append(PersonBlock())
            return f"persons-{len(self.persons) - 1}-category"
        if kind == "add_organisation" and len(self.organisations) < MAX_BLOCKS:
            self.organisations.append(OrganisationBlock())
            return f"organisations-{len(self.organisations) - 1}-name"
        if kind == "remove_person" and index.isdigit() and int(index) < len(self.persons):
            del self.persons[int(index)]
            self.persons = self.persons or [PersonBlock()]
            return "add-person"
        if (
            kind == "remove_organisation"
            and index.isdigit()
            and int(index) < len(self.organisations)
        ):
            del self.organisations[int(index)]
            self.organisations = self.organisations or [OrganisationBlock()]
            return "add-organisation"
        return None

    def person_positions(self) -> list[int]:
        return [i for i, p in enumerate(self.persons) if not p.is_blank()]

    def organisation_positions(self) -> list[int]:
        return [i for i, o in enumerate(self.organisations) if not o.is_blank()]

    def check(self, _: Gettext) -> tuple[list[FieldError], dict[int, str | None]]:
        """What pydantic does not check on this form: the referral id's form, and birth
        dates and nationalities (the API takes them as given). Returns the errors and
        each kept person's birth date in ISO form."""
        errors: list[FieldError] = []
        if self.referral_id and not RECORD_ID.fullmatch(self.referral_id.lower()):
            errors.append(
                FieldError(
                    "referral_id",
                    _("Enter the referral's id as it is shown in the address of the referral"),
                )
            )
        births: dict[int, str | None] = {}
        for pos in self.person_positions():
            p = self.persons[pos]
            n = {"n": pos + 1}
            births[pos] = None
            if p.birth_date.strip():
                try:
                    births[pos] = normalise.parse_partial_date(
                        partial_date_to_iso(p.birth_date), field="birth_date"
                    ).iso()
                except normalise.InvalidValue as exc:
                    message = (
                        _("Date of birth of person %(n)s must be in the past") % n
                        if "future" in exc.message
                        else _(
                            "%(field)s must be a real date, for example 27.3.2026, 3.2026 or 2026"
                        )
                        % {"field": _("Date of birth of person %(n)s") % n}
                    )
                    errors.append(FieldError(f"persons-{pos}-birth_date", message))
            if p.nationality and p.nationality not in dict(i18n.countries("en")):
                errors.append(
                    FieldError(
                        f"persons-{pos}-nationality",
                        _("Select the nationality of person %(n)s from the list") % n,
                    )
                )
        return errors, births

    def payload(self, births: dict[int, str | None]) -> dict[str, Any]:
        return {
            "offences": self.offences,
            "summary": self.summary,
            "referral_id": self.referral_id.lower() or None,
            "persons": [
                {
                    "category": self.persons[i].category or None,
                    "names": [v for _, v in nonblank_lines(self.persons[i].names)],
                    "birth_date": births.get(i),
                    "nationality": self.persons[i].nationality or None,
                    "phones": [v for _, v in nonblank_lines(self.persons[i].phones)],
                }
                for i in self.person_positions()
            ],
            "organisations": [
                {
                    "name": self.organisations[i].name.strip(),
                    "business_id": self.organisations[i].business_id.strip() or None,
                }
                for i in self.organisation_positions()
            ],
            "addresses": [v for _, v in nonblank_lines(self.addresses)],
            "cross_border": self.cross_border,
        }


def _kind(error: Any) -> str:
    """Classify one pydantic error: missing, too_many (a list), too_long (a text) or
    invalid."""
    kind = str(error.get("type", ""))
    msg = str(error.get("msg", ""))
    if kind in ("missing", "too_short") or "empty" in msg:
        return "missing"
    if kind == "too_long":
        return "too_many"
    if kind == "string_too_long" or "too long" in msg or "characters long" in msg:
        return "too_long"
    return "invalid"


def _line(text: str, loc: tuple[Any, ...]) -> int:
    index = next((p for p in reversed(loc) if isinstance(p, int)), 0)
    lines = nonblank_lines(text)
    return lines[index][0] if 0 <= index < len(lines) else index + 1


def _input_errors(exc: ValidationError, form: NewForm, _: Gettext) -> list[FieldError]:
    """Pydantic's errors on `InvestigationIn` as messages linked to the form's fields."""
    person_pos = form.person_positions()
    org_pos = form.organisation_positions()
    out: list[FieldError] = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        kind = _kind(error)
        top = loc[0] if loc else ""
        if top == "offences":
            out.append(FieldError("offences", _("Select at least one offence")))
        elif top == "summary":
            message = {
                "missing": _("Enter a summary of the facts"),
                "too_long": _("The summary must be 4000 characters or fewer"),
            }.get(kind, _("The summary contains characters that cannot be saved"))
            out.append(FieldError("summary", message))
        elif top == "persons" and len(loc) >= 3 and isinstance(loc[1], int):
            pos = person_pos[loc[1]]
            n = {"n": pos + 1}
            name = str(loc[2])
            fid = f"persons-{pos}-{name}"
            if name == "category":
                out.append(FieldError(fid, _("Select the category of person %(n)s") % n))
            elif name == "names" and kind == "missing":
                out.append(FieldError(fid, _("Enter at least one name for person %(n)s") % n))
            elif kind == "too_many":
                out.append(
                    FieldError(fid, _("Enter at most 10 lines in this field for person %(n)s") % n)
                )
            elif name == "names":
                message = _(
                    "Name on line %(line)s for person %(n)s must contain letters and be 200 "
                    "characters or fewer"
                )
                out.append(
                    FieldError(fid, message % {"line": _line(form.persons[pos].names, loc), **n})
                )
            else:
                message = _(
                    "Phone number on line %(line)s for person %(n)s is not valid. Include the "
                    "country code, for example +358 40 123 4567"
                )
                out.append(
                    FieldError(fid, message % {"line": _line(form.persons[pos].phones, loc), **n})
                )
        elif top == "organisations" and len(loc) >= 3 and isinstance(loc[1], int):
            pos = org_pos[loc[1]]
            n = {"n": pos + 1}
            if loc[2] == "business_id":
                message = _(
                    "Business ID of organisation %(n)s is not valid. Use the form 1234567-8 and "
                    "check the last digit"
                )
                out.append(FieldError(f"organisations-{pos}-business_id", message % n))
            elif kind == "missing":
                out.append(
                    FieldError(
                        f"organisations-{pos}-name", _("Enter the name of organisation %(n)s") % n
                    )
                )
            else:
                out.append(
                    FieldError(
                        f"organisations-{pos}-name",
                        _("Name of organisation %(n)s must be 300 characters or fewer") % n,
                    )
                )
        elif top == "addresses":
            out.append(
                FieldError(
                    "addresses",
                    _("Address on line %(line)s must be 500 characters or fewer")
                    % {"line": _line(form.addresses, loc)},
                )
            )
        else:
            out.append(FieldError("summary", _("Check the information you entered")))
    return list(dict.fromkeys(out))


def _new_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    form: NewForm,
    *,
    errors: list[FieldError] | None = None,
    focus: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "investigations/new.html",
        visitor=visitor,
        status=status,
        errors=errors or [],
        section=SECTION,
        form=form,
        focus=focus,
        offences=_offences(ctx, visitor.locale),
        categories=list(labels.PERSON_CATEGORIES),
        countries=i18n.countries(visitor.locale),
        max_blocks=MAX_BLOCKS,
    )


@router.get("/investigations/new")
def new_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    """The form; `?referral=<id>` opens the investigation from a crime referred to the
    visitor's unit (the referral page links here)."""
    _require_opener(visitor)
    form = NewForm()
    referral = request.query_params.get("referral", "")
    if referral:
        form.referral_id = require_record_id(referral)
        form.from_referral = True
    return _new_page(request, ctx, visitor, form)


@router.post("/investigations/new")
def open_investigation(
    request: Request, ctx: Ctx, visitor: SignedIn, form: CheckedForm
) -> Response:
    """Open the investigation, or re-render the form after "Add another person" / "Remove"."""
    _require_opener(visitor)
    _ = gettext_for(visitor.locale)
    data = NewForm.parse(form)
    action = form_field(form, "action", 40) or "save"
    if action != "save":
        return _new_page(request, ctx, visitor, data, focus=data.apply(action))
    errors, births = data.check(_)
    status = 422
    body = None
    if not errors:
        try:
            body = schemas.InvestigationIn.model_validate(data.payload(births))
        except ValidationError as exc:
            errors = _input_errors(exc, data, _)
    if body is not None:
        try:
            with unit_of_work(ctx.db) as session:
                investigation = actions.open_investigation(
                    session,
                    body,
                    actor=visitor.actor,
                    cipher=ctx.cipher,
                    config=ctx.referral_config,
                    linkage_model=ctx.linkage_model,
                )
                investigation_id = investigation.id
        except NotFound:
            # A referral that does not exist and one the visitor may not see read alike.
            errors = [FieldError("referral_id", _("No crime referred to your unit has this id"))]
        except Conflict:
            status = 409
            errors = [
                FieldError(
                    "referral_id",
                    _("An investigation has already been opened from this referral"),
                )
            ]
        except Invalid as exc:
            if "referred to your own unit" in exc.message:
                errors = [
                    FieldError("referral_id", _("No crime referred to your unit has this id"))
                ]
            else:
                errors = [FieldError("offences", _("Select the offences from the list"))]
    if errors:
        return _new_page(request, ctx, visitor, data, errors=errors, status=status)
    return RedirectResponse(f"/investigations/{investigation_id}?done=opened", status_code=303)


# --- one case: the purpose first ------------------------------------------------------------


@dataclass
class CaseForms:
    """What the forms of the case page hold: empty, or what was posted with an error."""

    purpose: dict[str, str] = field(default_factory=lambda: {"choice": "", "other": ""})
    stage: dict[str, Any] = field(
        default_factory=lambda: {"stage": "", "on": vars(DateParts()), "outcome": ""}
    )
    note: dict[str, str] = field(default_factory=lambda: {"kind": "", "text": ""})
    consultation: dict[str, str] = field(default_factory=lambda: {"question": "", "urgency": ""})


def _done(request: Request) -> str:
    done = request.query_params.get("done", "")
    return done if done in DONE else ""


def _case_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    investigation_id: str,
    *,
    forms: CaseForms | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
    ask_purpose: bool = False,
) -> Response:
    """The purpose page, unless this session has given a purpose for this case; then the
    case, read for that purpose (and audited with it)."""
    require_record_id(investigation_id)
    now = utcnow()
    key = _session_key(request)
    forms = forms or CaseForms()
    with unit_of_work(ctx.db) as session:
        # 404 for whoever may not see the case, before anything is asked or shown.
        investigation, owner, _decision = queries.access_investigation(
            session, investigation_id, Action.INVESTIGATION_READ, actor=visitor.actor, now=now
        )
        purpose = (
            None
            if ask_purpose
            else purposes.remembered_purpose(session, key, RECORD_TYPE, investigation.id)
        )
        if purpose is None:
            reference, unit = investigation.reference, owner.name
        else:
            may = _permissions(session, visitor.actor, investigation, owner, now)
            case = queries.read_investigation(
                session,
                investigation.id,
                actor=visitor.actor,
                cipher=ctx.cipher,
                purpose=purpose,
                now=now,
            )
            notes = referral_queries.notes_for(session, RECORD_TYPE, case.id, ctx.cipher)
            # Part of this one read (recorded above with its purpose), not a read of its
            # own: the other units and their contacts, never their cases.
            hits = queries.deconfliction_hits(session, investigation)
    if purpose is None:
        return render(
            request,
            "investigations/purpose.html",
            visitor=visitor,
            status=status,
            errors=errors or [],
            section=SECTION,
            investigation_id=investigation_id,
            reference=reference,
            unit=unit,
            choices=labels.READ_PURPOSES,
            form=forms.purpose,
            done=_done(request),
        )
    locale = visitor.locale
    _ = gettext_for(locale)
    offence_rows = {code: (name, law) for code, name, law in _offences(ctx, locale)}
    next_stages = STAGES[STAGES.index(case.stage) + 1 :] if case.stage in STAGES else ()
    return render(
        request,
        "investigations/case.html",
        visitor=visitor,
        status=status,
        errors=errors or [],
        section=SECTION,
        case=case,
        purpose=labels.PURPOSES.get(purpose),
        purpose_text=purpose,
        offence_rows=offence_rows,
        persons_by_category=[
            (
                category,
                [
                    (p, _birth_date(p.birth_date, locale))
                    for p in case.persons
                    if p.category == category
                ],
            )
            for category in labels.PERSON_CATEGORIES
        ],
        notes=notes,
        hits=[
            (hit, ", ".join(_(labels.SHARED_IDENTIFIERS.get(k, k)) for k in hit.kinds))
            for hit in hits
        ],
        may=may,
        stage_items=[(s, _(labels.INVESTIGATION_STAGES[s]), None) for s in next_stages],
        outcomes=list(labels.INVESTIGATION_OUTCOMES.items()),
        urgencies=_urgencies(ctx, locale),
        forms=forms,
        done=_done(request),
    )


def _urgencies(ctx: Ctx, locale: str) -> list[tuple[str, str, str | None]]:
    """Radio items for the urgency of a consultation, each with its response time."""
    translations = i18n.translations(locale)
    items = []
    for code, label in labels.CONSULTATION_URGENCIES.items():
        rule = ctx.referral_config.clocks.get(clock_name(code))
        hint = None
        if rule is not None:
            hint = (
                translations.ngettext(
                    "The national team responds within %(num)s working day",
                    "The national team responds within %(num)s working days",
                    rule.days,
                )
                if rule.unit == "working"
                else translations.ngettext(
                    "The national team responds within %(num)s day",
                    "The national team responds within %(num)s days",
                    rule.days,
                )
            ) % {"num": rule.days}
        items.append((code, translations.gettext(label), hint))
    return items


@router.get("/investigations/{investigation_id}")
def case_page(request: Request, ctx: Ctx, visitor: SignedIn, investigation_id: str) -> Response:
    return _case_page(request, ctx, visitor, investigation_id)


def _purpose_choice(code: str) -> str | None:
    return next((recorded for c, recorded, _l, _h in labels.READ_PURPOSES if c == code), None)


@router.post("/investigations/{investigation_id}/purpose")
def give_purpose(
    request: Request, ctx: Ctx, visitor: SignedIn, investigation_id: str, form: CheckedForm
) -> Response:
    """Remember why the visitor opens this case, for the rest of the session; the case
    page then reads it for that purpose."""
    require_record_id(investigation_id)
    _ = gettext_for(visitor.locale)
    forms = CaseForms()
    values = forms.purpose = {
        "choice": form_field(form, "purpose", 40),
        "other": form_field(form, "other_purpose", MAX_PURPOSE * 2),
    }
    errors = []
    purpose = _purpose_choice(values["choice"])
    if values["choice"] == "other":
        purpose = " ".join(values["other"].split())
        if len(purpose) < queries.MIN_PURPOSE:
            errors.append(
                FieldError("other_purpose", _("Describe the purpose in at least 5 characters"))
            )
        elif len(purpose) > MAX_PURPOSE:
            errors.append(
                FieldError("other_purpose", _("The purpose must be 500 characters or fewer"))
            )
    elif purpose is None:
        errors.append(FieldError("purpose", _("Select why you open this investigation")))
    done = form_field(form, "done", 20)
    if not errors and purpose is not None:
        with unit_of_work(ctx.db) as session:
            # The same gate as the page: 404 for whoever may not see the case.
            investigation, _owner, _decision = queries.access_investigation(
                session,
                investigation_id,
                Action.INVESTIGATION_READ,
                actor=visitor.actor,
                now=utcnow(),
            )
            purposes.remember_purpose(
                session, _session_key(request), RECORD_TYPE, investigation.id, purpose
            )
        suffix = f"?done={done}" if done in DONE else ""
        return RedirectResponse(f"/investigations/{investigation_id}{suffix}", status_code=303)
    return _case_page(
        request,
        ctx,
        visitor,
        investigation_id,
        forms=forms,
        errors=errors,
        status=422,
        ask_purpose=True,
    )


# --- one case: stages, notes, consultations --------------------------------------------------


def _back(investigation_id: str, what: str, anchor: str) -> Response:
    return RedirectResponse(
        f"/investigations/{investigation_id}?done={what}#{anchor}", status_code=303
    )


@router.post("/investigations/{investigation_id}/stages")
def record_stage(
    request: Request, ctx: Ctx, visitor: SignedIn, investigation_id: str, form: CheckedForm
) -> Response:
    require_record_id(investigation_id)
    _ = gettext_for(visitor.locale)
    forms = CaseForms()
    values = forms.stage = {
        "stage": form_field(form, "stage", 40),
        "on": vars(DateParts.parse(form, "on")),
        "outcome": form_field(form, "outcome", 40),
    }
    errors = []
    if values["stage"] not in STAGES:
        errors.append(FieldError("stage", _("Select the stage the case has reached")))
    parts = DateParts(**values["on"])
    on: date | None = parts.value()
    if not any(v.strip() for v in values["on"].values()):
        errors.append(FieldError("on-day", _("Enter the date of the stage")))
    elif on is None:
        errors.append(
            FieldError(
                "on-day", _("The date of the stage must be a real date, for example 27 3 2026")
            )
        )
    if values["outcome"] and values["outcome"] not in labels.INVESTIGATION_OUTCOMES:
        errors.append(FieldError("outcome", _("Select an outcome from the list")))
    status = 422
    if not errors and on is not None:
        data = schemas.StageIn.model_validate(
            {"stage": values["stage"], "on": on, "outcome": values["outcome"] or None}
        )
        try:
            with unit_of_work(ctx.db) as session:
                actions.record_stage(session, investigation_id, data, actor=visitor.actor)
        except Conflict:
            status = 409
            errors = [
                FieldError(
                    "stage",
                    _(
                        "This stage cannot be recorded now: a case moves forward only, and a "
                        "closed case does not move"
                    ),
                )
            ]
        except Invalid as exc:
            message = (
                _("The date of the stage cannot be in the future")
                if "future" in exc.message
                else _("The date of the stage cannot be before the date of the current stage")
            )
            errors = [FieldError("on-day", message)]
    if errors:
        return _case_page(
            request, ctx, visitor, investigation_id, forms=forms, errors=errors, status=status
        )
    return _back(investigation_id, "staged", "stages")


@router.post("/investigations/{investigation_id}/notes")
def add_note(
    request: Request, ctx: Ctx, visitor: SignedIn, investigation_id: str, form: CheckedForm
) -> Response:
    require_record_id(investigation_id)
    forms = CaseForms()
    forms.note, errors = save_note(ctx, visitor, form, "investigation", investigation_id)
    if errors:
        return _case_page(
            request, ctx, visitor, investigation_id, forms=forms, errors=errors, status=422
        )
    return _back(investigation_id, "noted", "notes")


@router.post("/investigations/{investigation_id}/consultations")
def ask_national_team(
    request: Request, ctx: Ctx, visitor: SignedIn, investigation_id: str, form: CheckedForm
) -> Response:
    """The owning unit asks the national team for support on this case."""
    require_record_id(investigation_id)
    _ = gettext_for(visitor.locale)
    forms = CaseForms()
    values = forms.consultation = {
        "question": form_field(form, "question", MAX_TEXT * 2),
        "urgency": form_field(form, "urgency", 20),
    }
    errors = []
    question = values["question"].strip()
    if not question:
        errors.append(FieldError("question", _("Write your question to the national team")))
    elif len(question) > MAX_TEXT:
        errors.append(FieldError("question", _("The question must be 4000 characters or fewer")))
    if values["urgency"] not in labels.CONSULTATION_URGENCIES:
        errors.append(FieldError("urgency", _("Select how urgent the question is")))
    status = 422
    if not errors:
        try:
            data = consultation_schemas.ConsultationIn.model_validate(
                {"question": question, "urgency": values["urgency"]}
            )
            with unit_of_work(ctx.db) as session:
                consultation_actions.request_consultation(
                    session,
                    investigation_id,
                    data,
                    actor=visitor.actor,
                    cipher=ctx.cipher,
                    config=ctx.referral_config,
                )
        except ValidationError:
            errors = [
                FieldError("question", _("The question contains characters that cannot be saved"))
            ]
        except Conflict:
            status = 409
            errors = [FieldError("question", _("A closed investigation cannot be consulted on"))]
        except Invalid:
            errors = [
                FieldError(
                    "question",
                    _("The national team cannot be asked now. Contact an administrator."),
                )
            ]
    if errors:
        return _case_page(
            request, ctx, visitor, investigation_id, forms=forms, errors=errors, status=status
        )
    return _back(investigation_id, "consulted", "consultations")


# --- the workload board ----------------------------------------------------------------------


@router.get("/workload")
def workload_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    """Counts per police organisation against its capacity: a unit sees its own row, the
    national team, the NBI, coordinators and analysts every row (the query refuses
    everyone else with 403)."""
    with unit_of_work(ctx.db) as session:
        board = workload.workload(session, actor=visitor.actor, config=ctx.referral_config)
    return render(
        request,
        "investigations/workload.html",
        visitor=visitor,
        section=SECTION,
        board=board,
        number=partial(format_decimal, format="#,##0.##", locale=visitor.locale),
    )


# --- consultations with the national team ----------------------------------------------------


@router.get("/consultations")
def consultations_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    """The national team's inbox (asked of the visitor's team, with the response
    deadlines) and the questions the visitor's unit has asked."""
    config = ctx.referral_config
    with unit_of_work(ctx.db) as session:
        incoming, outgoing = (
            consultation_queries.list_consultations(
                session, actor=visitor.actor, config=config, direction=direction, limit=LIST_LIMIT
            )
            for direction in ("incoming", "outgoing")
        )
    return render(
        request,
        "investigations/consultations.html",
        visitor=visitor,
        section=SECTION,
        incoming=incoming,
        outgoing=outgoing,
        deadlines={c.id: deadline_of(c.clock, config, visitor.locale) for c in incoming.items},
    )


@dataclass
class ResponseForm:
    action: str = ""
    answer: str = ""
    reason: str = ""
    join_until: dict[str, str] = field(default_factory=lambda: vars(DateParts()))


def _consultation_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    consultation_id: str,
    *,
    form: ResponseForm | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    require_record_id(consultation_id)
    config = ctx.referral_config
    with unit_of_work(ctx.db) as session:
        c = consultation_queries.read_consultation(
            session, consultation_id, actor=visitor.actor, cipher=ctx.cipher, config=config
        )
    _ = gettext_for(visitor.locale)
    return render(
        request,
        "investigations/consultation.html",
        visitor=visitor,
        status=status,
        errors=errors or [],
        section=SECTION,
        c=c,
        deadline=deadline_of(c.clock, config, visitor.locale),
        form=form or ResponseForm(),
        max_join=(config.local_day(utcnow()) + timedelta(days=MAX_JOIN_DAYS)),
        done=request.query_params.get("done", "") == "responded",
    )


@router.get("/consultations/{consultation_id}")
def consultation_page(
    request: Request, ctx: Ctx, visitor: SignedIn, consultation_id: str
) -> Response:
    """One consultation, for either side; the team's response form."""
    return _consultation_page(request, ctx, visitor, consultation_id)


@router.post("/consultations/{consultation_id}/responses")
def respond(
    request: Request, ctx: Ctx, visitor: SignedIn, consultation_id: str, form: CheckedForm
) -> Response:
    """The team's response: accept, answer, join until a day, decline with a reason, or
    close."""
    require_record_id(consultation_id)
    _ = gettext_for(visitor.locale)
    values = ResponseForm(
        action=form_field(form, "response", 20),
        answer=form_field(form, "answer", MAX_TEXT * 2),
        reason=form_field(form, "decline_reason", MAX_TEXT * 2),
        join_until=vars(DateParts.parse(form, "join_until")),
    )
    errors: list[FieldError] = []
    text: str | None = None
    until: date | None = None
    if values.action not in labels.CONSULTATION_RESPONSES:
        errors.append(FieldError("response", _("Select a response")))
    elif values.action in ("answer", "decline"):
        fid = "answer" if values.action == "answer" else "decline_reason"
        text = (values.answer if values.action == "answer" else values.reason).strip()
        if not text:
            errors.append(
                FieldError(
                    fid,
                    _("Write the answer")
                    if values.action == "answer"
                    else _("Give the reason for declining"),
                )
            )
        elif len(text) > MAX_TEXT:
            errors.append(FieldError(fid, _("The text must be 4000 characters or fewer")))
    elif values.action == "join":
        until = DateParts(**values.join_until).value()
        if until is None:
            errors.append(
                FieldError(
                    "join_until-day",
                    _("Enter the last day on the case team, for example 27 3 2026"),
                )
            )
    status = 422
    if not errors:
        try:
            data = consultation_schemas.ResponseIn.model_validate(
                {"action": values.action, "text": text or None, "join_until": until}
            )
            with unit_of_work(ctx.db) as session:
                consultation_actions.respond(
                    session,
                    consultation_id,
                    data,
                    actor=visitor.actor,
                    cipher=ctx.cipher,
                    config=ctx.referral_config,
                )
        except ValidationError:
            fid = "answer" if values.action == "answer" else "decline_reason"
            errors = [FieldError(fid, _("The text contains characters that cannot be saved"))]
        except Conflict:
            status = 409
            errors = [FieldError("response", _("This response cannot be given now"))]
        except Invalid as exc:
            message = (
                _("The last day on the case team cannot be in the past")
                if "past" in exc.message
                else _("The last day on the case team may be at most 90 days ahead")
            )
            errors = [FieldError("join_until-day", message)]
    if errors:
        return _consultation_page(
            request, ctx, visitor, consultation_id, form=values, errors=errors, status=status
        )
    return RedirectResponse(f"/consultations/{consultation_id}?done=responded", status_code=303)
