"""Candidate links between records: the reviewer's queue, one link, and the decision.

Only links whose two records the caller may both read are listed or shown; a link
to a record the caller may not read appears only as a hit on the record's matches
(`GET /api/v1/signals/{id}/matches`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from opennrm.api.deps import Ctx, CurrentActor
from opennrm.db import utcnow
from opennrm.linkage import actions, queries, schemas
from opennrm.uow import unit_of_work

router = APIRouter(prefix="/api/v1/linkage", tags=["linkage"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such candidate link, or the caller may not read both records."}
}


@router.get("/candidates", response_model=schemas.LinkPage)
def list_candidates(
    ctx: Ctx,
    actor: CurrentActor,
    status: Literal["open", "confirmed", "rejected"] = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.LinkPage:
    """Candidate links between records the caller may both read, strongest first.
    Roles that review links: caseworker, investigator, analyst, supervisor; for others
    the list is empty."""
    with unit_of_work(ctx.db) as session:
        views, total = queries.review_queue(
            session,
            actor,
            cipher=ctx.cipher,
            model=ctx.linkage_model,
            now=utcnow(),
            status=status,
            limit=limit,
            offset=offset,
        )
        return schemas.LinkPage(
            items=[schemas.LinkOut.of(v) for v in views], total=total, limit=limit, offset=offset
        )


@router.get("/candidates/{candidate_id}", response_model=schemas.LinkOut, responses=NOT_FOUND)
def read_candidate(ctx: Ctx, actor: CurrentActor, candidate_id: str) -> schemas.LinkOut:
    """One candidate link with its explanation (the shared phone, document number …)."""
    with unit_of_work(ctx.db) as session:
        view = queries.read_link(
            session, actor, candidate_id, cipher=ctx.cipher, model=ctx.linkage_model, now=utcnow()
        )
        return schemas.LinkOut.of(view)


@router.post(
    "/candidates/{candidate_id}/decision",
    response_model=schemas.LinkOut,
    responses={
        **NOT_FOUND,
        403: {"description": "The caller sees one of the two records only, or may not review."},
        409: {"description": "The link was decided already; nothing changed."},
        422: {"description": "Invalid input; nothing changed."},
    },
)
def decide_candidate(
    ctx: Ctx, actor: CurrentActor, candidate_id: str, body: schemas.ReviewIn
) -> schemas.LinkOut:
    """Confirm that the two records concern one person, or reject the link, with a
    reason. Nothing is merged: a confirmed link joins the records in the network view.
    The decision is audited with both records' ids."""
    now = utcnow()
    with unit_of_work(ctx.db) as session:
        link = actions.review_link(
            session,
            candidate_id,
            body.decision,
            body.reason,
            actor=actor,
            cipher=ctx.cipher,
            now=now,
        )
        view = queries.read_link(
            session, actor, link.id, cipher=ctx.cipher, model=ctx.linkage_model, now=now
        )
        return schemas.LinkOut.of(view)
