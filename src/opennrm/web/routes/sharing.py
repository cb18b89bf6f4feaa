"""Sharing a signal with another organisation, and revoking a share.

Only the owning organisation may share; the page asks `list_shares` first, so that a
visitor who may not share gets the same answer whatever they post. The policy's reasons
for refusing a share (no consent, police information, too long) come back as messages
on the fields they are about.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from opennrm.db import utcnow
from opennrm.errors import Invalid, NotFound
from opennrm.signals import actions, codes, queries
from opennrm.signals.schemas import ShareIn, ShareOut
from opennrm.uow import unit_of_work
from opennrm.web.access import require_record_id, share_targets
from opennrm.web.forms import DateParts, FieldError, Gettext
from opennrm.web.i18n import N_, gettext_for
from opennrm.web.render import render
from opennrm.web.session import CheckedForm, Ctx, SignedIn, Visitor, field

router = APIRouter(include_in_schema=False)

SHARE_DEFAULT_DAYS = 90


def share_values(form: FormData | None = None) -> dict[str, Any]:
    """What the share form shows: the defaults, or what was posted."""
    if form is None:
        expires = DateParts.of(utcnow().date() + timedelta(days=SHARE_DEFAULT_DAYS))
        return {
            "organisation_id": "",
            "basis": "",
            "scope": "full",
            "note": "",
            "expires": vars(expires),
        }
    return {
        "organisation_id": field(form, "organisation_id", 36),
        "basis": field(form, "basis", 20),
        "scope": field(form, "scope", 20),
        "note": field(form, "note", 2000),
        "expires": vars(DateParts.parse(form, "expires_on")),
    }


def share_context(**extra: Any) -> dict[str, Any]:
    """The code lists the share form offers, with the page's own values."""
    return {"bases": list(codes.SHARE_BASES), "scopes": list(codes.SHARE_SCOPES), **extra}


# The policy explains a refused share in English sentences; these map them to the field
# they are about and to words in the reader's language.
_SHARE_PROBLEMS = (
    (
        "own organisation",
        "organisation_id",
        N_("A signal cannot be shared with its own organisation"),
    ),
    (
        "no organisation with that id",
        "organisation_id",
        N_("Select the organisation to share with"),
    ),
    ("future date", "expires_on-day", N_("The share must end on a date in the future")),
    (
        "at most",
        "expires_on-day",
        N_(
            "A share can last at most a year. Choose an earlier date and renew the share later "
            "if it is still needed"
        ),
    ),
    (
        "consented to sharing with the police",
        "basis",
        N_(
            "The person has not consented to sharing with the police. Choose another basis "
            "only if one applies"
        ),
    ),
    (
        "consented to referral to the assistance system",
        "basis",
        N_(
            "The person has not consented to referral to the assistance system. Choose another "
            "basis only if one applies"
        ),
    ),
    (
        "police information",
        "basis",
        N_(
            "Police information can go outside the authorities only on a statutory duty, a "
            "court order or a vital interest"
        ),
    ),
)


def share_problem_errors(message: str, _: Gettext) -> list[FieldError]:
    found = [FieldError(fid, _(text)) for phrase, fid, text in _SHARE_PROBLEMS if phrase in message]
    return found or [FieldError("organisation_id", _("This share cannot be made"))]


def _share_input_errors(values: dict[str, Any], _: Gettext) -> list[FieldError]:
    errors = []
    if not values["organisation_id"]:
        errors.append(FieldError("organisation_id", _("Select the organisation to share with")))
    if values["basis"] not in codes.SHARE_BASES:
        errors.append(FieldError("basis", _("Select the basis for sharing")))
    if values["scope"] not in codes.SHARE_SCOPES:
        errors.append(FieldError("scope", _("Select what to share")))
    if DateParts(**values["expires"]).value() is None:
        errors.append(
            FieldError(
                "expires_on-day", _("The end date must be a real date, for example 27 3 2027")
            )
        )
    return errors


@router.post("/signals/{signal_id}/shares")
def share(
    request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str, form: CheckedForm
) -> Response:
    require_record_id(signal_id)
    _ = gettext_for(visitor.locale)
    actor = visitor.actor
    with unit_of_work(ctx.db) as session:
        queries.list_shares(session, signal_id, actor=actor)  # 404 unless one may share
        targets = share_targets(session, actor)
    values = share_values(form)
    errors = _share_input_errors(values, _)
    if not errors:
        try:
            data = ShareIn(
                organisation_id=values["organisation_id"],
                basis=values["basis"],
                scope=values["scope"],
                note=values["note"].strip() or None,
                expires_on=DateParts(**values["expires"]).value(),
            )
            with unit_of_work(ctx.db) as session:
                actions.share_signal(session, signal_id, data, actor=actor)
        except ValidationError:
            errors = [FieldError("note", _("The note must be 2000 characters or fewer"))]
        except Invalid as exc:
            errors = share_problem_errors(exc.message, _)
    if errors:
        return render(
            request,
            "signals/share.html",
            visitor=visitor,
            status=422,
            errors=errors,
            **share_context(signal_id=signal_id, targets=targets, share=values),
        )
    return RedirectResponse(f"/signals/{signal_id}?done=shared#shares", status_code=303)


def _share_of(ctx: Ctx, visitor: Visitor, signal_id: str, share_id: str) -> ShareOut:
    with unit_of_work(ctx.db) as session:
        shares = queries.list_shares(session, signal_id, actor=visitor.actor)
    found = next((s for s in shares if s.id == share_id), None)
    if found is None:
        raise NotFound()
    return found


@router.get("/signals/{signal_id}/shares/{share_id}/revoke")
def revoke_page(
    request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str, share_id: str
) -> Response:
    require_record_id(signal_id)
    found = _share_of(ctx, visitor, signal_id, share_id)
    return render(
        request, "signals/revoke.html", visitor=visitor, signal_id=signal_id, share=found, reason=""
    )


@router.post("/signals/{signal_id}/shares/{share_id}/revoke")
def revoke(
    request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str, share_id: str, form: CheckedForm
) -> Response:
    require_record_id(signal_id)
    reason = field(form, "reason", 4000).strip()
    if len(reason) > 2000:
        _ = gettext_for(visitor.locale)
        found = _share_of(ctx, visitor, signal_id, share_id)
        return render(
            request,
            "signals/revoke.html",
            visitor=visitor,
            status=422,
            signal_id=signal_id,
            share=found,
            reason=reason,
            errors=[FieldError("reason", _("The reason must be 2000 characters or fewer"))],
        )
    with unit_of_work(ctx.db) as session:
        actions.revoke_share(
            session, signal_id, share_id, actor=visitor.actor, reason=reason or None
        )
    return RedirectResponse(f"/signals/{signal_id}?done=revoked#shares", status_code=303)
