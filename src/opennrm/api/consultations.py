"""Consultations: a police unit asks the national team for support on an investigation;
the team accepts, answers, joins the case team for a limited time, or declines."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from opennrm.api.deps import Ctx, CurrentActor
from opennrm.investigations import consultation_actions as actions
from opennrm.investigations import consultation_queries as queries
from opennrm.investigations import consultation_schemas as schemas
from opennrm.uow import unit_of_work

router = APIRouter(tags=["consultations"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such record, or not visible to the caller."}
}


@router.post(
    "/api/v1/investigations/{investigation_id}/consultations",
    response_model=schemas.ConsultationOut,
    status_code=201,
    responses={
        **NOT_FOUND,
        403: {"description": "The caller sees the investigation but does not own it."},
        409: {"description": "The investigation is closed."},
        422: {"description": "Invalid input, or the national team asking itself."},
    },
)
def request_consultation(
    ctx: Ctx, actor: CurrentActor, investigation_id: str, body: schemas.ConsultationIn
) -> schemas.ConsultationOut:
    """Ask the national team (`question`, `urgency`: urgent, normal or low). The team's
    investigators and supervisors are told; the response deadline of the urgency runs
    from today (working days)."""
    config = ctx.referral_config
    with unit_of_work(ctx.db) as session:
        consultation = actions.request_consultation(
            session, investigation_id, body, actor=actor, cipher=ctx.cipher, config=config
        )
        return queries.read_consultation(
            session, consultation.id, actor=actor, cipher=ctx.cipher, config=config
        )


@router.get("/api/v1/consultations", response_model=schemas.ConsultationPage)
def list_consultations(
    ctx: Ctx,
    actor: CurrentActor,
    direction: Annotated[
        schemas.Direction,
        Query(description="`incoming`: asked of the caller's team; `outgoing`: asked by its unit"),
    ] = "all",
    open_only: Annotated[
        bool, Query(alias="open", description="only those still owing support")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.ConsultationPage:
    """The caller's consultations, those owing support first; the team sees its clock."""
    with unit_of_work(ctx.db) as session:
        return queries.list_consultations(
            session,
            actor=actor,
            config=ctx.referral_config,
            direction=direction,
            open_only=open_only,
            limit=limit,
            offset=offset,
        )


@router.get(
    "/api/v1/consultations/measure",
    response_model=schemas.MeasureOut,
    responses={
        403: {"description": "Only police supervisors, the national team, coordinators, analysts."}
    },
)
def measure(ctx: Ctx, actor: CurrentActor) -> schemas.MeasureOut:
    """Regional investigations that have had national-team support, out of all, by year."""
    with unit_of_work(ctx.db) as session:
        return queries.measure(session, actor=actor, config=ctx.referral_config)


@router.get(
    "/api/v1/consultations/{consultation_id}",
    response_model=schemas.ConsultationOut,
    responses=NOT_FOUND,
)
def read_consultation(
    ctx: Ctx, actor: CurrentActor, consultation_id: str
) -> schemas.ConsultationOut:
    """One consultation with its question, answer and decline reason, for either side."""
    with unit_of_work(ctx.db) as session:
        return queries.read_consultation(
            session, consultation_id, actor=actor, cipher=ctx.cipher, config=ctx.referral_config
        )


@router.post(
    "/api/v1/consultations/{consultation_id}/responses",
    response_model=schemas.ConsultationOut,
    status_code=201,
    responses={
        **NOT_FOUND,
        403: {"description": "The requesting unit sees the consultation but does not respond."},
        409: {"description": "The state machine does not allow this now; nothing changed."},
        422: {"description": "Invalid input; nothing changed."},
    },
)
def respond(
    ctx: Ctx, actor: CurrentActor, consultation_id: str, body: schemas.ResponseIn
) -> schemas.ConsultationOut:
    """The team's response: `accept`, `answer` (with `text`), `join` (with `join_until`,
    at most 90 days ahead), `decline` (with `text`, the reason) or `close`. The
    consultation afterwards, with `allowed_responses` for what may follow."""
    config = ctx.referral_config
    with unit_of_work(ctx.db) as session:
        actions.respond(
            session, consultation_id, body, actor=actor, cipher=ctx.cipher, config=config
        )
        return queries.read_consultation(
            session, consultation_id, actor=actor, cipher=ctx.cipher, config=config
        )
