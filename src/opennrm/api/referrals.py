"""Referrals: to the victim assistance system and to the competent police department;
decisions on them, support plans, notes, the ageing report, and a signal's timeline."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from opennrm.api.deps import Ctx, CurrentActor
from opennrm.notes import actions as note_actions
from opennrm.referrals import actions, queries, schemas
from opennrm.signals.schemas import ShareIn
from opennrm.timeline.queries import signal_timeline
from opennrm.uow import unit_of_work

router = APIRouter(tags=["referrals"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such record, or not visible to the caller."}
}
REFUSED: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "The caller may see the referral but not decide on it."},
    409: {"description": "The state machine does not allow this now; nothing changed."},
    422: {"description": "Invalid input; nothing changed."},
}


@router.post(
    "/api/v1/signals/{signal_id}/referrals",
    response_model=schemas.ReferralOut,
    status_code=201,
    responses={
        **NOT_FOUND,
        409: {"description": "An open referral to the same receiver exists."},
        422: {"description": "No receiver can be found, or the referral is not lawful."},
    },
)
def create_referral(
    ctx: Ctx, actor: CurrentActor, signal_id: str, body: schemas.ReferralIn
) -> schemas.ReferralOut:
    """Refer the potential victim (`assistance_system`) or the crime (`police`).

    With `consent: true` the receiver gets the signal; for a child it does whatever the
    consent (where the deployment says so); otherwise an anonymous notification without
    identifying data is sent. The police receiver is the department competent for the
    signal's municipality."""
    config = ctx.referral_config
    with unit_of_work(ctx.db) as session:
        referral = actions.create_referral(session, signal_id, body, actor=actor, config=config)
        return queries.read_referral(
            session, referral.id, actor=actor, cipher=ctx.cipher, config=config
        )


@router.get("/api/v1/referrals", response_model=schemas.ReferralPage)
def list_referrals(
    ctx: Ctx,
    actor: CurrentActor,
    direction: Annotated[
        Literal["all", "incoming", "outgoing"],
        Query(description="`incoming`: the caller's queue; `outgoing`: what it sent"),
    ] = "all",
    open_only: Annotated[
        bool, Query(alias="open", description="only those owing a decision")
    ] = False,
    signal_id: Annotated[
        str | None, Query(max_length=36, description="only the referrals of this signal")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.ReferralPage:
    """Incoming and outgoing referrals, nearest deadline first, each with its clock."""
    with unit_of_work(ctx.db) as session:
        return queries.list_referrals(
            session,
            actor=actor,
            config=ctx.referral_config,
            direction=direction,
            open_only=open_only,
            signal_id=signal_id,
            limit=limit,
            offset=offset,
        )


@router.get(
    "/api/v1/referrals/ageing",
    response_model=schemas.AgeingOut,
    responses={403: {"description": "Only supervisors, coordinators and analysts."}},
)
def ageing(ctx: Ctx, actor: CurrentActor) -> schemas.AgeingOut:
    """Open referrals and how far past their deadline, by receiving organisation."""
    with unit_of_work(ctx.db) as session:
        return queries.ageing(session, actor=actor, config=ctx.referral_config)


@router.get(
    "/api/v1/referrals/{referral_id}", response_model=schemas.ReferralOut, responses=NOT_FOUND
)
def read_referral(ctx: Ctx, actor: CurrentActor, referral_id: str) -> schemas.ReferralOut:
    with unit_of_work(ctx.db) as session:
        return queries.read_referral(
            session, referral_id, actor=actor, cipher=ctx.cipher, config=ctx.referral_config
        )


@router.post(
    "/api/v1/referrals/{referral_id}/decisions",
    response_model=schemas.ReferralOut,
    status_code=201,
    responses=REFUSED,
)
def decide(
    ctx: Ctx, actor: CurrentActor, referral_id: str, body: schemas.DecisionIn
) -> schemas.ReferralOut:
    """Take a decision (`admit`, `decline`, `identify_victim`, `not_victim`,
    `extend_period`, `exit`, `reconsider`, `accept`, `acknowledge`) with its reason.
    The referral afterwards, with `allowed_decisions` for what may follow."""
    config = ctx.referral_config
    with unit_of_work(ctx.db) as session:
        actions.decide(session, referral_id, body, actor=actor, cipher=ctx.cipher, config=config)
        return queries.read_referral(
            session, referral_id, actor=actor, cipher=ctx.cipher, config=config
        )


@router.post(
    "/api/v1/referrals/{referral_id}/services",
    response_model=schemas.ServiceOut,
    status_code=201,
    responses=REFUSED,
)
def add_service(
    ctx: Ctx, actor: CurrentActor, referral_id: str, body: schemas.ServiceIn
) -> schemas.ServiceOut:
    """Add a service to the support plan (HTCDS-mapped type, provider, start and end)."""
    with unit_of_work(ctx.db) as session:
        service = actions.add_service(session, referral_id, body, actor=actor)
        return _service_out(service)


@router.post(
    "/api/v1/referrals/{referral_id}/services/{service_id}/end",
    response_model=schemas.ServiceOut,
    responses=REFUSED,
)
def end_service(
    ctx: Ctx,
    actor: CurrentActor,
    referral_id: str,
    service_id: str,
    body: schemas.ServiceEndIn,
) -> schemas.ServiceOut:
    with unit_of_work(ctx.db) as session:
        service = actions.end_service(session, referral_id, service_id, body, actor=actor)
        return _service_out(service)


def _service_out(service: Any) -> schemas.ServiceOut:
    from opennrm.support.services import BY_CODE

    return schemas.ServiceOut(
        id=service.id,
        service_type=service.service_type,
        htcds_type=BY_CODE[service.service_type].htcds,
        provider=service.provider,
        starts_on=service.starts_on,
        ends_on=service.ends_on,
        created_at=service.created_at,
    )


@router.post(
    "/api/v1/referrals/{referral_id}/notes",
    response_model=schemas.NoteOut,
    status_code=201,
    responses=REFUSED,
)
def add_referral_note(
    ctx: Ctx, actor: CurrentActor, referral_id: str, body: schemas.NoteIn
) -> schemas.NoteOut:
    """A note on the case, marked `fact` or `assessment`; the receiver's only."""
    return _note(ctx, actor, "referral", referral_id, body)


@router.post(
    "/api/v1/signals/{signal_id}/notes",
    response_model=schemas.NoteOut,
    status_code=201,
    responses=REFUSED,
)
def add_signal_note(
    ctx: Ctx, actor: CurrentActor, signal_id: str, body: schemas.NoteIn
) -> schemas.NoteOut:
    """A note on the signal, marked `fact` or `assessment`; the holder's only."""
    return _note(ctx, actor, "signal", signal_id, body)


def _note(
    ctx: Any,
    actor: Any,
    record_type: Literal["signal", "referral"],
    record_id: str,
    body: schemas.NoteIn,
) -> schemas.NoteOut:
    with unit_of_work(ctx.db) as session:
        note = note_actions.add_note(
            session, record_type, record_id, body, actor=actor, cipher=ctx.cipher
        )
        notes = queries.notes_for(session, record_type, note.record_id, ctx.cipher)
        return next(n for n in notes if n.id == note.id)


@router.get(
    "/api/v1/signals/{signal_id}/timeline",
    response_model=list[schemas.TimelineItem],
    responses=NOT_FOUND,
)
def timeline(ctx: Ctx, actor: CurrentActor, signal_id: str) -> list[schemas.TimelineItem]:
    """The signal and what came of it, in order, each part as far as the caller may see."""
    with unit_of_work(ctx.db) as session:
        return signal_timeline(session, signal_id, actor=actor, cipher=ctx.cipher)


@router.post(
    "/api/v1/referrals/{referral_id}/shares",
    status_code=201,
    responses=REFUSED,
)
def share_referral(
    ctx: Ctx, actor: CurrentActor, referral_id: str, body: ShareIn
) -> dict[str, Any]:
    """Let another organisation (e.g. the police department investigating the crime)
    follow the case's status and decisions, on a lawful basis, until `expires_on`. By the
    receiving organisation; the grantee never sees reasons, the support plan or notes."""
    with unit_of_work(ctx.db) as session:
        share = actions.share_referral(session, referral_id, body, actor=actor)
        return {
            "id": share.id,
            "organisation_id": share.organisation_id,
            "basis": share.basis,
            "expires_on": share.expires_on.isoformat(),
        }
