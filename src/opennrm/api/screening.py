"""Screening with the operational indicators: the catalogue, and screenings of a signal."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from opennrm.api.deps import Ctx, CurrentActor, current_actor
from opennrm.referrals import schemas
from opennrm.screening import actions, queries
from opennrm.screening.catalogue import public_catalogue
from opennrm.uow import unit_of_work

router = APIRouter(tags=["screening"])

Lang = Annotated[Literal["fi", "sv", "en"], Query(description="Language of the explanations.")]


@router.get("/api/v1/screening/catalogue", dependencies=[Depends(current_actor)])
def catalogue() -> dict[str, Any]:
    """The current indicator catalogue: profiles, dimensions, and every indicator with its
    strength and text in Finnish, Swedish and English (no personal data; any signed-in
    user)."""
    return public_catalogue()


@router.post(
    "/api/v1/signals/{signal_id}/screenings",
    response_model=schemas.ScreeningOut,
    status_code=201,
    responses={
        404: {"description": "No such signal, or not visible to the caller."},
        422: {"description": "Unknown profile or indicator codes; nothing was stored."},
    },
)
def screen(
    ctx: Ctx, actor: CurrentActor, signal_id: str, body: schemas.ScreeningIn, lang: Lang = "en"
) -> schemas.ScreeningOut:
    """Screen the signal with one profile. The answer says which dimensions are positive
    and why, and whether there are **grounds to refer** (never "identified")."""
    with unit_of_work(ctx.db) as session:
        screening, assessment = actions.screen_signal(session, signal_id, body, actor=actor)
        return queries.screening_out(screening, assessment, lang)


@router.get(
    "/api/v1/signals/{signal_id}/screenings",
    response_model=list[schemas.ScreeningOut],
    responses={404: {"description": "No such signal, or not visible to the caller."}},
)
def list_screenings(
    ctx: Ctx, actor: CurrentActor, signal_id: str, lang: Lang = "en"
) -> list[schemas.ScreeningOut]:
    """The signal's screenings, newest first, each explained with its own catalogue version."""
    with unit_of_work(ctx.db) as session:
        return queries.list_screenings(session, signal_id, actor=actor, locale=lang)
