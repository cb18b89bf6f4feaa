"""The visitor's own account: who they are, two-step verification and API tokens.

A new token is shown once, in the answer to the form that created it; only its hash is
stored, so it can never be shown again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from opennrm.auth.models import User
from opennrm.auth.sessions import create_token, list_tokens, revoke_token
from opennrm.db import utcnow
from opennrm.errors import NotFound
from opennrm.uow import unit_of_work
from opennrm.web.forms import FieldError
from opennrm.web.i18n import gettext_for
from opennrm.web.render import render
from opennrm.web.session import CheckedForm, Ctx, SignedIn, Visitor, field

router = APIRouter(include_in_schema=False)


def _account(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    new_token: str | None = None,
    token_form: dict[str, Any] | None = None,
) -> Response:
    with unit_of_work(ctx.db) as session:
        tokens = list_tokens(session, actor=visitor.actor)
    return render(
        request,
        "account/index.html",
        visitor=visitor,
        status=status,
        errors=errors or [],
        tokens=list(reversed(tokens)),
        new_token=new_token,
        now=utcnow(),
        done=request.query_params.get("done", ""),
        token_form=token_form or {"name": "", "days": str(ctx.settings.token_default_days)},
    )


@router.get("/account")
def account_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    return _account(request, ctx, visitor)


@router.post("/account/tokens")
def new_token(request: Request, ctx: Ctx, visitor: SignedIn, form: CheckedForm) -> Response:
    _ = gettext_for(visitor.locale)
    name = field(form, "name", 200).strip()
    days = field(form, "days", 10).strip()
    errors = []
    if not name:
        errors.append(FieldError("token-name", _("Enter a name for the token")))
    elif len(name) > 100:
        errors.append(FieldError("token-name", _("The name must be 100 characters or fewer")))
    if not (days.isdigit() and 1 <= int(days) <= 366):
        errors.append(FieldError("token-days", _("Enter a whole number of days from 1 to 366")))
    if errors:
        return _account(
            request,
            ctx,
            visitor,
            status=422,
            errors=errors,
            token_form={"name": name, "days": days},
        )
    with unit_of_work(ctx.db) as session:
        user = session.get(User, visitor.actor.user_id)
        if user is None:
            raise NotFound()
        raw, _token = create_token(
            session, user=user, name=name, days=int(days), actor=visitor.actor
        )
    return _account(request, ctx, visitor, new_token=raw)


@router.post("/account/tokens/{token_id}/revoke")
def revoke(ctx: Ctx, visitor: SignedIn, token_id: str, _form: CheckedForm) -> Response:
    with unit_of_work(ctx.db) as session:
        revoke_token(session, actor=visitor.actor, token_id=token_id[:36])
    return RedirectResponse("/account?done=token_revoked", status_code=303)
