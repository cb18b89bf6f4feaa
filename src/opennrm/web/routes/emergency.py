"""Emergency access ("break the glass") to a signal one could not otherwise read.

For a person in immediate danger: a written justification, a time limit, a flag on the
trail and a notice to the data protection officers, all done by `actions.break_glass`.
The form is shown for any well-formed id, so it tells nobody whether a record exists;
only the submission is decided, with the usual "not found" when it is refused.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from opennrm.errors import Forbidden, NotFound
from opennrm.policy.rules import BREAK_GLASS_ROLES
from opennrm.signals import actions
from opennrm.signals.schemas import BreakGlassIn
from opennrm.uow import unit_of_work
from opennrm.web.access import require_record_id
from opennrm.web.forms import FieldError
from opennrm.web.i18n import gettext_for
from opennrm.web.render import render
from opennrm.web.session import CheckedForm, Ctx, SignedIn, Visitor, field

router = APIRouter(include_in_schema=False)


def _break_glass_form(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    signal_id: str,
    *,
    justification: str = "",
    hours: str = "4",
    errors: list[FieldError] | None = None,
) -> Response:
    return render(
        request,
        "signals/break_glass.html",
        visitor=visitor,
        status=422 if errors else 200,
        errors=errors or [],
        signal_id=signal_id,
        justification=justification,
        hours=hours,
        max_hours=min(24, ctx.settings.break_glass_max_hours),
    )


@router.get("/signals/{signal_id}/break-glass")
def break_glass_page(request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str) -> Response:
    """Shown for any well-formed id to those whose role may break the glass: whether the
    record exists is decided on submit, so the form itself tells nobody anything. Other
    roles get the same 404 as for a record that does not exist."""
    require_record_id(signal_id)
    if not visitor.actor.has_any(BREAK_GLASS_ROLES):
        raise NotFound()
    return _break_glass_form(request, ctx, visitor, signal_id)


@router.post("/signals/{signal_id}/break-glass")
def break_glass(
    request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str, form: CheckedForm
) -> Response:
    require_record_id(signal_id)
    _ = gettext_for(visitor.locale)
    justification = field(form, "justification", 8000)
    hours = field(form, "hours", 10).strip()
    max_hours = min(24, ctx.settings.break_glass_max_hours)
    errors = []
    if len(justification.strip()) < 20:
        errors.append(
            FieldError(
                "justification",
                _("Explain in at least 20 characters why you need emergency access"),
            )
        )
    elif len(justification) > 4000:
        errors.append(
            FieldError("justification", _("The explanation must be 4000 characters or fewer"))
        )
    if not (hours.isdigit() and 1 <= int(hours) <= max_hours):
        errors.append(
            FieldError(
                "hours", _("Enter a whole number of hours from 1 to %(max)s") % {"max": max_hours}
            )
        )
    if errors:
        return _break_glass_form(
            request,
            ctx,
            visitor,
            signal_id,
            justification=justification,
            hours=hours,
            errors=errors,
        )
    data = BreakGlassIn(justification=justification.strip(), hours=int(hours))
    try:
        with unit_of_work(ctx.db) as session:
            actions.break_glass(
                session,
                signal_id,
                data,
                actor=visitor.actor,
                max_hours=ctx.settings.break_glass_max_hours,
            )
    except Forbidden:
        # Refused because the visitor can already read it (or may never know it exists,
        # which raised NotFound instead): nothing to open, so just go there.
        pass
    return RedirectResponse(f"/signals/{signal_id}", status_code=303)
