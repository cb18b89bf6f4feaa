"""Screening pages: choose a profile, tick the indicators by dimension, and read the
explained outcome — "grounds to refer", never "identified". The writes and reads are
`screening.actions` and `screening.queries`, as in the JSON API."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from opennrm.errors import Invalid
from opennrm.referrals import schemas
from opennrm.referrals.schemas import ScreeningIn
from opennrm.screening import (
    Indicator,
    Profile,
    UnknownProfile,
    catalogue_for_profile,
    current_catalogues,
    load_catalogue,
)
from opennrm.screening import queries as screening_queries
from opennrm.screening.actions import screen_signal
from opennrm.signals import queries as signal_queries
from opennrm.uow import unit_of_work
from opennrm.web.access import require_record_id, signal_permissions
from opennrm.web.forms import FieldError, Gettext
from opennrm.web.i18n import gettext_for
from opennrm.web.render import render
from opennrm.web.session import CheckedForm, Ctx, SignedIn, Visitor
from opennrm.web.session import field as form_field

router = APIRouter(include_in_schema=False)


# --- screening a signal ----------------------------------------------------------------------


def _profiles() -> list[Profile]:
    """Every current profile: adults first, then children, in catalogue order."""
    found = [p for c in current_catalogues() for p in c.profiles]
    return [p for p in found if not p.child] + [p for p in found if p.child]


def _profile_items(locale: str, _: Gettext) -> list[tuple[str, str, str | None]]:
    provisional = _(
        "Provisional list: check the indicators against the source before relying on them."
    )
    return [
        (p.code, p.label.get(locale), provisional if p.verification == "provisional" else None)
        for p in _profiles()
    ]


@dataclass(frozen=True)
class DimensionGroup:
    """One fieldset of the screening form: a dimension and its indicators in a profile."""

    code: str
    label: str
    indicators: list[Indicator]


def _indicator_groups(profile: str, locale: str) -> list[DimensionGroup]:
    catalogue = catalogue_for_profile(profile)
    own = catalogue.indicators_of(profile)
    return [
        DimensionGroup(
            code=d.code,
            label=d.label.get(locale),
            indicators=[i for i in own if i.dimension == d.code],
        )
        for d in catalogue.dimensions
    ]


def _screen_form(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    signal_id: str,
    *,
    profile: str = "",
    ticked: list[str] | None = None,
    errors: list[FieldError] | None = None,
) -> Response:
    with unit_of_work(ctx.db) as session:
        # Only the signal's holder screens it: the same gate as sharing and referring.
        signal_queries.list_shares(session, signal_id, actor=visitor.actor)
    _ = gettext_for(visitor.locale)
    known = {p.code for p in _profiles()}
    chosen = profile if profile in known else ""
    return render(
        request,
        "referrals/screen.html",
        visitor=visitor,
        status=422 if errors else 200,
        errors=errors or [],
        section="mine",
        signal_id=signal_id,
        profile=chosen,
        profile_label=catalogue_for_profile(chosen).profile(chosen).label.get(visitor.locale)
        if chosen
        else "",
        profiles=_profile_items(visitor.locale, _),
        groups=_indicator_groups(chosen, visitor.locale) if chosen else [],
        ticked=set(ticked or []),
    )


@router.get("/signals/{signal_id}/screen")
def screen_page(request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str) -> Response:
    """Two steps without script: choose the profile (a GET form that comes back here with
    `?profile=`), then tick the indicators observed."""
    require_record_id(signal_id)
    profile = request.query_params.get("profile", "")[:40]
    errors = []
    if "profile" in request.query_params and profile not in {p.code for p in _profiles()}:
        _ = gettext_for(visitor.locale)
        errors.append(FieldError("profile", _("Select whom and which form of exploitation")))
    return _screen_form(request, ctx, visitor, signal_id, profile=profile, errors=errors)


@router.post("/signals/{signal_id}/screen")
def screen(
    request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str, form: CheckedForm
) -> Response:
    require_record_id(signal_id)
    _ = gettext_for(visitor.locale)
    profile = form_field(form, "profile", 40)
    ticked = [v for v in form.getlist("indicators") if isinstance(v, str)][:200]
    if profile not in {p.code for p in _profiles()}:
        errors = [FieldError("profile", _("Select whom and which form of exploitation"))]
        return _screen_form(request, ctx, visitor, signal_id, errors=errors)
    try:
        data = ScreeningIn(profile=profile, indicators=[t[:40] for t in ticked])
        with unit_of_work(ctx.db) as session:
            screen_signal(session, signal_id, data, actor=visitor.actor)
    except (ValidationError, Invalid):
        # Only a tampered form sends codes the profile does not have.
        errors = [
            FieldError(
                "indicators",
                _("Some of the indicators are not in this list. Tick them again."),
            )
        ]
        return _screen_form(
            request, ctx, visitor, signal_id, profile=profile, ticked=[], errors=errors
        )
    return RedirectResponse(f"/signals/{signal_id}/screenings?done=screened", status_code=303)


@dataclass(frozen=True)
class DimensionView:
    label: str
    positive: bool
    explanation: str
    indicators: list[str]  # the ticked indicators' texts


@dataclass(frozen=True)
class ScreeningView:
    out: schemas.ScreeningOut
    profile: str
    dimensions: list[DimensionView]


def _screening_view(out: schemas.ScreeningOut, locale: str) -> ScreeningView:
    catalogue = load_catalogue(out.catalogue_version)
    labels_of = {d.code: d.label.get(locale) for d in catalogue.dimensions}

    def text(code: str) -> str:
        indicator = catalogue.indicator(code)
        return indicator.text.get(locale) if indicator else code

    try:
        profile = catalogue.profile(out.profile).label.get(locale)
    except UnknownProfile:
        profile = out.profile
    return ScreeningView(
        out=out,
        profile=profile,
        dimensions=[
            DimensionView(
                label=labels_of.get(d.dimension, d.dimension),
                positive=d.positive,
                explanation=d.explanation,
                indicators=[text(c) for c in d.indicators],
            )
            for d in out.dimensions
        ],
    )


@router.get("/signals/{signal_id}/screenings")
def screenings_page(request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str) -> Response:
    """The signal's screenings, newest first, each explained per dimension."""
    require_record_id(signal_id)
    with unit_of_work(ctx.db) as session:
        items = screening_queries.list_screenings(
            session, signal_id, actor=visitor.actor, locale=visitor.locale
        )
        may_screen = signal_permissions(session, visitor.actor, signal_id).share
    return render(
        request,
        "referrals/screenings.html",
        visitor=visitor,
        signal_id=signal_id,
        screenings=[_screening_view(s, visitor.locale) for s in items],
        may_screen=may_screen,
        done=request.query_params.get("done", ""),
    )
