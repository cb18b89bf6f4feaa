"""Signal pages: the lists, recording a signal, reading one and its audit trail.

Views stay thin: every read and write goes through `signals.queries` and
`signals.actions`, which ask the policy and write the audit trail. A record the visitor
may not see raises `NotFound` there, and the error handler answers with the same page
as for an id that never existed.
"""

from __future__ import annotations

import secrets
from functools import cache
from math import ceil

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from opennrm.demo.finland import load_deployment
from opennrm.errors import Forbidden
from opennrm.signals import actions, codes, queries
from opennrm.signals.schemas import MAX_ITEMS, MAX_SUMMARY, SignalIn
from opennrm.uow import unit_of_work
from opennrm.web import i18n
from opennrm.web.access import require_record_id, share_targets, signal_permissions, trail_names
from opennrm.web.forms import FieldError, SignalForm, signal_errors
from opennrm.web.i18n import gettext_for
from opennrm.web.render import render
from opennrm.web.routes.sharing import share_context, share_values
from opennrm.web.session import CheckedForm, Ctx, SignedIn, Visitor, field

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
READ_PURPOSE = "case work"


# --- lists -------------------------------------------------------------------------------


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return min(int(raw), 40_000) if raw.isdigit() and int(raw) >= 1 else 1


def pagination(page: int, pages: int) -> list[int | None]:
    """Page numbers to link, with None for a gap: 1 … 4 5 6 … 20."""
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    out: list[int | None] = []
    previous = 0
    for number in shown:
        if previous and number - previous > 1:
            out.append(None)
        out.append(number)
        previous = number
    return out


def _list(request: Request, ctx: Ctx, visitor: Visitor, kind: queries.ListKind) -> Response:
    page = _page_number(request)
    with unit_of_work(ctx.db) as session:
        result = queries.list_signals(
            session, actor=visitor.actor, kind=kind, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    pages = max(1, ceil(result.total / PAGE_SIZE))
    return render(
        request,
        "signals/list.html",
        visitor=visitor,
        kind=kind,
        result=result,
        page=page,
        pages=pages,
        pagination=pagination(page, pages),
    )


@router.get("/signals")
def my_signals(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    return _list(request, ctx, visitor, "mine")


@router.get("/signals/shared")
def shared_signals(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    return _list(request, ctx, visitor, "shared")


# --- recording a signal --------------------------------------------------------------------


@cache
def municipalities(locale: str) -> tuple[str, ...]:
    names = {m.name.get(locale) for m in load_deployment().municipalities}
    return tuple(i18n.sort_names(list(names), locale))


def _signal_form(
    request: Request,
    visitor: Visitor,
    form: SignalForm,
    *,
    errors: list[FieldError] | None = None,
    focus: str | None = None,
) -> Response:
    return render(
        request,
        "signals/new.html",
        visitor=visitor,
        status=422 if errors else 200,
        errors=errors or [],
        form=form,
        focus=focus,
        exploitation_types=list(codes.EXPLOITATION_TYPES),
        roles=list(codes.PERSON_ROLES),
        genders=list(codes.GENDERS),
        countries=i18n.countries(visitor.locale),
        municipalities=municipalities(visitor.locale),
        max_items=MAX_ITEMS,
        max_summary=MAX_SUMMARY,
        max_summary_text=f"{MAX_SUMMARY:,}".replace(",", "\u00a0"),
    )


def _require_recorder(visitor: Visitor) -> None:
    if not visitor.may_record:
        raise Forbidden("Your role may not record signals.")


@router.get("/signals/new")
def new_signal_page(request: Request, visitor: SignedIn) -> Response:
    _require_recorder(visitor)
    return _signal_form(request, visitor, SignalForm(form_id=secrets.token_urlsafe(16)))


@router.post("/signals/new")
def new_signal(request: Request, ctx: Ctx, visitor: SignedIn, form: CheckedForm) -> Response:
    """Save the signal, or re-render the form after "Add another person" / "Remove"."""
    _require_recorder(visitor)
    data = SignalForm.parse(form)
    data.form_id = data.form_id or secrets.token_urlsafe(16)
    action = field(form, "action", 40) or "save"
    if action != "save":
        focus = data.apply(action)
        return _signal_form(request, visitor, data, focus=focus)
    payload, person_pos, org_pos = data.payload()
    try:
        signal_in = SignalIn.model_validate(payload)
    except ValidationError as exc:
        errors = signal_errors(exc, data, person_pos, org_pos, gettext_for(visitor.locale))
        return _signal_form(request, visitor, data, errors=errors)
    with unit_of_work(ctx.db) as session:
        # The form's id makes a double submission return the signal saved first.
        signal, _created = actions.create_signal(
            session,
            signal_in,
            actor=visitor.actor,
            cipher=ctx.cipher,
            idempotency_key=f"web:{data.form_id}",
            linkage_model=ctx.linkage_model,
        )
    return RedirectResponse(f"/signals/{signal.id}?done=created", status_code=303)


# --- reading a signal --------------------------------------------------------------------


@router.get("/signals/{signal_id}")
def signal_page(request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str) -> Response:
    require_record_id(signal_id)
    actor = visitor.actor
    with unit_of_work(ctx.db) as session:
        view = queries.read_signal(
            session, signal_id, actor=actor, cipher=ctx.cipher, purpose=READ_PURPOSE
        )
        permissions = signal_permissions(session, actor, signal_id)
        shares = queries.list_shares(session, signal_id, actor=actor) if permissions.share else []
        targets = share_targets(session, actor) if permissions.share else []
        trail = (
            queries.signal_trail(session, signal_id, actor=actor)
            if permissions.read_trail
            else None
        )
        names = trail_names(session, trail) if trail else None
    done = request.query_params.get("done", "")
    return render(
        request,
        "signals/view.html",
        visitor=visitor,
        view=view,
        permissions=permissions,
        shares=shares,
        trail=trail,
        names=names,
        done=done,
        **share_context(signal_id=signal_id, targets=targets, share=share_values()),
    )


# --- the trail alone, for data protection officers ------------------------------------------


@router.get("/signals/{signal_id}/audit")
def audit_trail_page(request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str) -> Response:
    """The trail without the content, for a DPO who may audit but not read signals."""
    require_record_id(signal_id)
    with unit_of_work(ctx.db) as session:
        trail = queries.signal_trail(session, signal_id, actor=visitor.actor)
        names = trail_names(session, trail)
    return render(
        request,
        "signals/audit.html",
        visitor=visitor,
        signal_id=signal_id,
        trail=trail,
        names=names,
    )
