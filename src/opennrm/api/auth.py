"""Sign-in for systems, the caller's identity and personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from opennrm.api.deps import Ctx, CurrentActor
from opennrm.audit.trail import AuditEntry
from opennrm.auth import actions, sessions
from opennrm.auth.models import ApiToken, Organisation, User
from opennrm.errors import NotFound, Unauthenticated
from opennrm.uow import unit_of_work

router = APIRouter(prefix="/api/v1", tags=["identity"])

PASSWORD_GRANT_DAYS = 1
# PostgreSQL text cannot hold U+0000: a NUL in the username was a 500 there.
NO_NUL = r"^[^\x00]*$"


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type name
    expires_at: datetime


class OrganisationOut(BaseModel):
    id: str
    name: str
    type: str
    region: str | None


class MeOut(BaseModel):
    id: str
    email: str
    name: str
    organisation: OrganisationOut
    roles: list[str]
    mfa_enabled: bool


class TokenIn(BaseModel):
    name: str = Field(default="API token", max_length=100)
    days: int = Field(default=30, ge=1, le=366)


class TokenInfo(BaseModel):
    id: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewToken(TokenInfo):
    token: str = Field(description="Shown once; only its hash is stored.")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/auth/token",
    response_model=TokenOut,
    summary="Exchange a password for a token",
    responses={
        401: {"description": "The e-mail address, password or code is not right."},
        429: {"description": "Too many failed sign-ins for this account; try later."},
    },
)
def password_grant(
    request: Request,
    ctx: Ctx,
    username: Annotated[str, Form(min_length=1, max_length=254, pattern=NO_NUL)],
    password: Annotated[str, Form(min_length=1, max_length=1024, pattern=NO_NUL)],
    otp: Annotated[str | None, Form(max_length=12)] = None,
) -> TokenOut:
    """OAuth2 password form (`username`, `password`, and `otp` when the account has MFA).
    Returns a personal token valid for one day."""
    with unit_of_work(ctx.db) as session:
        user, mfa = actions.authenticate(
            session,
            email=username,
            password=password,
            otp=otp,
            client=_client(request),
            throttle=ctx.throttle,
            secret=ctx.secret_key,
            cipher=ctx.cipher,
            require_mfa=ctx.settings.mfa_required,
        )
        if ctx.settings.mfa_required and not mfa:
            # A refused sign-in is on the trail like any other (the rollback drops the
            # `auth.login` entry that `authenticate` wrote).
            raise Unauthenticated(
                "This deployment requires MFA: enrol in the web app first.",
                audit=AuditEntry(
                    action="auth.login_failed",
                    outcome="denied",
                    actor_user_id=user.id,
                    actor_org_id=user.organisation_id,
                    detail={"reason": "mfa_required"},
                ),
            )
        raw, tok = sessions.create_token(
            session, user=user, name="password grant", days=PASSWORD_GRANT_DAYS
        )
        return TokenOut(access_token=raw, expires_at=tok.expires_at)


@router.get("/me", response_model=MeOut)
def me(ctx: Ctx, actor: CurrentActor) -> MeOut:
    with unit_of_work(ctx.db) as session:
        user = session.get(User, actor.user_id)
        org = session.get(Organisation, actor.organisation_id)
        assert user is not None and org is not None  # noqa: S101
        return MeOut(
            id=user.id,
            email=user.email,
            name=user.name,
            roles=user.roles,
            mfa_enabled=user.mfa_secret_enc is not None,
            organisation=OrganisationOut(
                id=org.id, name=org.name, type=org.type, region=org.region
            ),
        )


@router.get(
    "/organisations",
    response_model=list[OrganisationOut],
    summary="Organisations of the deployment (to choose whom to share with)",
)
def organisations(ctx: Ctx, actor: CurrentActor) -> list[OrganisationOut]:
    with unit_of_work(ctx.db) as session:
        rows = session.scalars(select(Organisation).order_by(Organisation.name))
        return [OrganisationOut(id=o.id, name=o.name, type=o.type, region=o.region) for o in rows]


def _info(t: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=t.id,
        name=t.name,
        created_at=t.created_at,
        expires_at=t.expires_at,
        revoked_at=t.revoked_at,
        last_used_at=t.last_used_at,
    )


@router.get("/tokens", response_model=list[TokenInfo], summary="My personal API tokens")
def list_tokens(ctx: Ctx, actor: CurrentActor) -> list[TokenInfo]:
    with unit_of_work(ctx.db) as session:
        return [_info(t) for t in sessions.list_tokens(session, actor=actor)]


@router.post("/tokens", response_model=NewToken, status_code=201)
def create_token(ctx: Ctx, actor: CurrentActor, body: TokenIn) -> NewToken:
    with unit_of_work(ctx.db) as session:
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFound()
        raw, tok = sessions.create_token(
            session, user=user, name=body.name, days=body.days, actor=actor
        )
        return NewToken(token=raw, **_info(tok).model_dump())


@router.delete(
    "/tokens/{token_id}",
    response_model=TokenInfo,
    summary="Revoke a token",
    responses={404: {"description": "No such token of the caller's."}},
)
def revoke_token(ctx: Ctx, actor: CurrentActor, token_id: str) -> TokenInfo:
    with unit_of_work(ctx.db) as session:
        return _info(sessions.revoke_token(session, actor=actor, token_id=token_id))
