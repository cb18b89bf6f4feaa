"""Signals: the intake of what partners saw, its shares and emergency access."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query, Response

from opennrm.api.deps import Ctx, CurrentActor, Purpose
from opennrm.auth.models import Organisation
from opennrm.db import utcnow
from opennrm.signals import actions, matches, queries, schemas
from opennrm.uow import unit_of_work

router = APIRouter(prefix="/api/v1/signals", tags=["signals"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such signal, or not visible to the caller."}
}


@router.post(
    "",
    response_model=schemas.SignalOut,
    status_code=201,
    responses={
        200: {"description": "A retry with the same Idempotency-Key: the signal stored first."},
        422: {"description": "Invalid input; nothing was stored."},
    },
)
def create_signal(
    ctx: Ctx,
    actor: CurrentActor,
    body: schemas.SignalIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> schemas.SignalOut:
    """Record a signal. A client that retries with the same `Idempotency-Key` gets the
    signal stored the first time (status 200) instead of a duplicate."""
    with unit_of_work(ctx.db) as session:
        signal, created = actions.create_signal(
            session,
            body,
            actor=actor,
            cipher=ctx.cipher,
            idempotency_key=idempotency_key,
            linkage_model=ctx.linkage_model,
        )
        if not created:
            response.status_code = 200
        return queries.read_signal(
            session, signal.id, actor=actor, cipher=ctx.cipher, purpose="record the signal"
        ).out


@router.get("", response_model=schemas.SignalPage)
def list_signals(
    ctx: Ctx,
    actor: CurrentActor,
    kind: Annotated[
        Literal["all", "mine", "shared"],
        Query(description="`mine`: of my organisation; `shared`: shared with it; `all`: both"),
    ] = "all",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.SignalPage:
    """The signals the caller may see, newest first, paginated."""
    with unit_of_work(ctx.db) as session:
        return queries.list_signals(session, actor=actor, kind=kind, limit=limit, offset=offset)


@router.get("/{signal_id}", response_model=schemas.SignalOut, responses=NOT_FOUND)
def read_signal(
    ctx: Ctx, actor: CurrentActor, signal_id: str, purpose: Purpose
) -> schemas.SignalOut:
    with unit_of_work(ctx.db) as session:
        return queries.read_signal(
            session, signal_id, actor=actor, cipher=ctx.cipher, purpose=purpose
        ).out


@router.patch("/{signal_id}", response_model=schemas.SignalOut, responses=NOT_FOUND)
def update_signal(
    ctx: Ctx,
    actor: CurrentActor,
    signal_id: str,
    changes: Annotated[
        dict[str, Any],
        Body(
            description="Any of exploitation_types, summary, occurred_on, "
            "municipality, indicators, consent."
        ),
    ],
) -> schemas.SignalOut:
    with unit_of_work(ctx.db) as session:
        actions.update_signal(session, signal_id, changes, actor=actor, cipher=ctx.cipher)
        return queries.read_signal(
            session, signal_id, actor=actor, cipher=ctx.cipher, purpose="update the signal"
        ).out


@router.get("/{signal_id}/shares", response_model=list[schemas.ShareOut], responses=NOT_FOUND)
def list_shares(ctx: Ctx, actor: CurrentActor, signal_id: str) -> list[schemas.ShareOut]:
    with unit_of_work(ctx.db) as session:
        return queries.list_shares(session, signal_id, actor=actor)


@router.post(
    "/{signal_id}/shares",
    response_model=schemas.ShareOut,
    status_code=201,
    responses={
        **NOT_FOUND,
        200: {"description": "A retry with the same Idempotency-Key: the share made first."},
        409: {"description": "The Idempotency-Key was used for a share of another signal."},
    },
)
def share_signal(
    ctx: Ctx,
    actor: CurrentActor,
    signal_id: str,
    body: schemas.ShareIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> schemas.ShareOut:
    """Share with another organisation on a lawful basis until `expires_on`. A client
    that retries with the same `Idempotency-Key` gets the share made the first time
    (status 200) instead of a second one."""
    with unit_of_work(ctx.db) as session:
        share, created = actions.share_signal(
            session, signal_id, body, actor=actor, idempotency_key=idempotency_key
        )
        if not created:
            response.status_code = 200
        org = session.get(Organisation, share.organisation_id)
        return queries.share_out(share, org.name if org else "", utcnow())


@router.delete(
    "/{signal_id}/shares/{share_id}", response_model=schemas.ShareOut, responses=NOT_FOUND
)
def revoke_share(
    ctx: Ctx,
    actor: CurrentActor,
    signal_id: str,
    share_id: str,
    reason: Annotated[str | None, Query(max_length=2000)] = None,
) -> schemas.ShareOut:
    """Revoke a share; it stops working on the grantee's very next request."""
    with unit_of_work(ctx.db) as session:
        share = actions.revoke_share(session, signal_id, share_id, actor=actor, reason=reason)
        org = session.get(Organisation, share.organisation_id)
        return queries.share_out(share, org.name if org else "", utcnow())


@router.post(
    "/{signal_id}/break-glass",
    response_model=schemas.BreakGlassOut,
    status_code=201,
    responses=NOT_FOUND,
)
def break_glass(
    ctx: Ctx, actor: CurrentActor, signal_id: str, body: schemas.BreakGlassIn
) -> schemas.BreakGlassOut:
    """Emergency access (a person in danger): justified, time-limited, flagged on the
    trail and notified to the data protection officers."""
    with unit_of_work(ctx.db) as session:
        grant = actions.break_glass(
            session, signal_id, body, actor=actor, max_hours=ctx.settings.break_glass_max_hours
        )
        return schemas.BreakGlassOut(
            id=grant.id,
            record_id=grant.record_id,
            expires_at=grant.expires_at,
            justification=grant.justification,
        )


@router.get("/{signal_id}/matches", response_model=list[matches.MatchOut], responses=NOT_FOUND)
def signal_matches(ctx: Ctx, actor: CurrentActor, signal_id: str) -> list[matches.MatchOut]:
    """Other signals holding the same phone, e-mail, identity number or business id.

    Full detail where the caller may see the other record; otherwise only
    `{"hit": true, "strength", "contact_organisation"}` — and the holder is notified.
    Matches in police-held records reach partners outside the authorities only where
    `OPENNRM_POLICE_HITS_TO_PARTNERS` allows it."""
    policy = matches.MatchPolicy(police_hits_to_partners=ctx.settings.police_hits_to_partners)
    with unit_of_work(ctx.db) as session:
        return matches.find_matches(
            session,
            signal_id,
            actor=actor,
            policy=policy,
            cipher=ctx.cipher,
            model=ctx.linkage_model,
        )
