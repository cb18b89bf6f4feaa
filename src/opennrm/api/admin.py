"""User administration within the administrator's own organisation. No case content."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from opennrm.api.deps import Ctx, CurrentActor
from opennrm.auth import actions
from opennrm.auth.models import User
from opennrm.errors import Forbidden
from opennrm.policy import Action, can
from opennrm.uow import unit_of_work

router = APIRouter(prefix="/api/v1", tags=["administration"])


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    organisation_id: str
    roles: list[str]
    is_active: bool
    mfa_enabled: bool


class UserIn(BaseModel):
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(min_length=1, max_length=8)
    password: str = Field(min_length=12, max_length=1024)


class UserPatch(BaseModel):
    roles: list[str] | None = Field(default=None, min_length=1, max_length=8)
    is_active: bool | None = None


ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller is not an administrator."}
}


def user_out(u: User) -> UserOut:
    return UserOut(
        id=u.id,
        email=u.email,
        name=u.name,
        organisation_id=u.organisation_id,
        roles=u.roles,
        is_active=u.is_active,
        mfa_enabled=u.mfa_secret_enc is not None,
    )


@router.get("/admin/users", response_model=list[UserOut], responses=ADMIN_ONLY)
def list_users(ctx: Ctx, actor: CurrentActor) -> list[UserOut]:
    if not can(actor, Action.USER_MANAGE):
        raise Forbidden("Only administrators manage users.")
    with unit_of_work(ctx.db) as session:
        rows = session.scalars(
            select(User).where(User.organisation_id == actor.organisation_id).order_by(User.email)
        )
        return [user_out(u) for u in rows]


@router.post("/admin/users", response_model=UserOut, status_code=201, responses=ADMIN_ONLY)
def create_user(ctx: Ctx, actor: CurrentActor, body: UserIn) -> UserOut:
    if not can(actor, Action.USER_MANAGE):
        raise Forbidden("Only administrators manage users.")
    with unit_of_work(ctx.db) as session:
        user = actions.create_user(
            session,
            email=body.email,
            name=body.name,
            organisation_id=actor.organisation_id,
            roles=body.roles,
            password=body.password,
            actor=actor,
        )
        return user_out(user)


@router.patch(
    "/admin/users/{user_id}",
    response_model=UserOut,
    responses={**ADMIN_ONLY, 404: {"description": "No such user in the caller's organisation."}},
)
def update_user(ctx: Ctx, actor: CurrentActor, user_id: str, body: UserPatch) -> UserOut:
    """Change roles or disable an account; effective on the user's very next request."""
    with unit_of_work(ctx.db) as session:
        user = actions.update_user(
            session, actor=actor, user_id=user_id, roles=body.roles, is_active=body.is_active
        )
        return user_out(user)
