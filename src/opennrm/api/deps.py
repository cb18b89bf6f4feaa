"""Request dependencies: the context, the unit of work and the calling actor.

The actor is loaded from the database on every request — never cached — so that a
disabled account, a removed role or a revoked token stops working at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from opennrm.auth.actions import actor_for
from opennrm.auth.sessions import resolve_token
from opennrm.context import AppContext
from opennrm.errors import Unauthenticated
from opennrm.policy import Actor, rowsecurity
from opennrm.uow import unit_of_work

bearer = HTTPBearer(auto_error=False, description="A personal API token (`onrm_…`).")


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def current_actor(
    ctx: Ctx, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    if creds is None or creds.scheme.lower() != "bearer":
        raise Unauthenticated("Send a personal API token: Authorization: Bearer <token>.")
    with unit_of_work(ctx.db) as session:
        user = resolve_token(session, creds.credentials)
        if user is None:
            raise Unauthenticated("The token is unknown, expired or revoked.")
        actor = actor_for(session, user, via="token")
    rowsecurity.bind(actor)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


PURPOSE_DESCRIPTION = "Why the data is read (recorded in the audit trail), e.g. 'case review'."
MAX_PURPOSE = 500
MIN_PURPOSE = 5


def purpose_header(
    x_purpose: Annotated[
        str | None, Header(max_length=MAX_PURPOSE, description=PURPOSE_DESCRIPTION)
    ] = None,
) -> str | None:
    return x_purpose.strip() if x_purpose and x_purpose.strip() else None


Purpose = Annotated[str | None, Depends(purpose_header)]


def required_purpose_header(
    x_purpose: Annotated[
        str | None, Header(max_length=MAX_PURPOSE, include_in_schema=False)
    ] = None,
) -> str | None:
    """`X-Purpose` on a route that refuses to run without one. The route itself refuses
    a missing or short purpose (422, with a message naming the rule), so FastAPI must not
    refuse it first with a generic "field required"; the header is therefore hidden from
    FastAPI's document and declared by `PURPOSE_REQUIRED` instead."""
    return purpose_header(x_purpose)


RequiredPurpose = Annotated[str | None, Depends(required_purpose_header)]

PURPOSE_REQUIRED: dict[str, Any] = {
    "parameters": [
        {
            "name": "x-purpose",
            "in": "header",
            "required": True,
            "description": f"{PURPOSE_DESCRIPTION} Required: at least {MIN_PURPOSE} characters.",
            "schema": {
                "type": "string",
                "maxLength": MAX_PURPOSE,
                "minLength": MIN_PURPOSE,
                # Five characters or more once leading and trailing whitespace is stripped.
                "pattern": rf"\S.{{{MIN_PURPOSE - 2},}}\S",
            },
        }
    ]
}
"""`openapi_extra` of a route taking `RequiredPurpose`: the header, declared required."""
