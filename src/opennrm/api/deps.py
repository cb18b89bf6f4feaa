"""Request dependencies: the context, the unit of work and the calling actor.

The actor is loaded from the database on every request — never cached — so that a
disabled account, a removed role or a revoked token stops working at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from opennrm.auth.actions import actor_for
from opennrm.auth.sessions import resolve_token
from opennrm.context import AppContext
from opennrm.errors import Unauthenticated
from opennrm.policy import Actor
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
        return actor_for(session, user, via="token")


CurrentActor = Annotated[Actor, Depends(current_actor)]


def purpose_header(
    x_purpose: Annotated[
        str | None,
        Header(
            max_length=500,
            description=("Why the data is read (recorded in the audit trail), e.g. 'case review'."),
        ),
    ] = None,
) -> str | None:
    return x_purpose.strip() if x_purpose and x_purpose.strip() else None


Purpose = Annotated[str | None, Depends(purpose_header)]
