"""Investigations: police cases opened from a referred crime or directly, their stages,
notes and deconfliction. Opening one needs a purpose (`X-Purpose`), which the audit
trail records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from opennrm.api.deps import PURPOSE_REQUIRED, Ctx, CurrentActor, RequiredPurpose
from opennrm.investigations import actions, queries, schemas
from opennrm.notes import actions as note_actions
from opennrm.referrals import queries as referral_queries
from opennrm.referrals.schemas import NoteIn, NoteOut
from opennrm.signals.matches import MatchOut, MatchPolicy
from opennrm.uow import unit_of_work

router = APIRouter(prefix="/api/v1/investigations", tags=["investigations"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such investigation, or not visible to the caller."}
}
CHANGES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "The caller may read the investigation but not change it."},
    409: {"description": "The case cannot move that way now; nothing changed."},
    422: {"description": "Invalid input; nothing changed."},
}


@router.post(
    "",
    response_model=schemas.InvestigationOut,
    status_code=201,
    responses={
        403: {"description": "Only the police's investigators and supervisors."},
        404: {"description": "No such referral, or not visible to the caller."},
        409: {"description": "An investigation exists for this referral."},
        422: {"description": "Invalid input (e.g. an unknown offence code); nothing stored."},
    },
)
def open_investigation(
    ctx: Ctx, actor: CurrentActor, body: schemas.InvestigationIn
) -> schemas.InvestigationOut:
    """Open an investigation in the caller's police unit. With `referral_id`, from a crime
    referred to that unit (the referral is accepted). Offences are the deployment's codes
    (demo: `RL-25-3`, `RL-25-3a`, `RL-20-9`, `RL-47-3a`, …). Units that work on a shared
    phone, e-mail, identity number, business id or address are told of each other."""
    with unit_of_work(ctx.db) as session:
        investigation = actions.open_investigation(
            session,
            body,
            actor=actor,
            cipher=ctx.cipher,
            config=ctx.referral_config,
            linkage_model=ctx.linkage_model,
        )
        return queries.read_investigation(
            session,
            investigation.id,
            actor=actor,
            cipher=ctx.cipher,
            purpose="open the investigation",
        )


@router.get("", response_model=schemas.InvestigationPage)
def list_investigations(
    ctx: Ctx,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.InvestigationPage:
    """The investigations the caller may see: references, offences and stages only."""
    with unit_of_work(ctx.db) as session:
        return queries.list_investigations(session, actor=actor, limit=limit, offset=offset)


@router.get(
    "/{investigation_id}",
    response_model=schemas.InvestigationOut,
    responses={
        **NOT_FOUND,
        422: {"description": "No purpose given: send `X-Purpose` (at least 5 characters)."},
    },
    openapi_extra=PURPOSE_REQUIRED,
)
def read_investigation(
    ctx: Ctx, actor: CurrentActor, investigation_id: str, purpose: RequiredPurpose
) -> schemas.InvestigationOut:
    """One investigation, for the purpose given in `X-Purpose` (recorded in the trail)."""
    with unit_of_work(ctx.db) as session:
        return queries.read_investigation(
            session, investigation_id, actor=actor, cipher=ctx.cipher, purpose=purpose
        )


@router.post(
    "/{investigation_id}/stages",
    response_model=schemas.StageOut,
    status_code=201,
    responses=CHANGES,
)
def record_stage(
    ctx: Ctx, actor: CurrentActor, investigation_id: str, body: schemas.StageIn
) -> schemas.StageOut:
    """Record the next stage of the criminal process (reported, pre-trial investigation,
    with the prosecutor, charged, judgment, appeal, closed), its date and outcome."""
    with unit_of_work(ctx.db) as session:
        stage = actions.record_stage(session, investigation_id, body, actor=actor)
        return schemas.StageOut(
            stage=stage.stage, on=stage.on, outcome=stage.outcome, recorded_at=stage.recorded_at
        )


@router.post(
    "/{investigation_id}/notes", response_model=NoteOut, status_code=201, responses=CHANGES
)
def add_note(ctx: Ctx, actor: CurrentActor, investigation_id: str, body: NoteIn) -> NoteOut:
    """A note marked `fact` or `assessment`, by the unit or the case team."""
    with unit_of_work(ctx.db) as session:
        note = note_actions.add_note(
            session, "investigation", investigation_id, body, actor=actor, cipher=ctx.cipher
        )
        notes = referral_queries.notes_for(session, "investigation", note.record_id, ctx.cipher)
        return next(n for n in notes if n.id == note.id)


@router.get(
    "/{investigation_id}/deconfliction",
    response_model=list[schemas.DeconflictionHit],
    responses=NOT_FOUND,
)
def deconfliction(
    ctx: Ctx, actor: CurrentActor, investigation_id: str
) -> list[schemas.DeconflictionHit]:
    """Other police units working on a case that shares an identifier with this one:
    the unit and its contact only (hit/no-hit), never the other case."""
    with unit_of_work(ctx.db) as session:
        return queries.read_deconfliction(session, investigation_id, actor=actor)


@router.get(
    "/{investigation_id}/matches",
    response_model=list[MatchOut],
    responses={**NOT_FOUND, 422: {"description": "No purpose given (X-Purpose)."}},
    openapi_extra=PURPOSE_REQUIRED,
)
def investigation_matches(
    ctx: Ctx, actor: CurrentActor, investigation_id: str, purpose: RequiredPurpose
) -> list[MatchOut]:
    """Persons of this investigation that the linkage engine links to persons in other
    records: the other record in full where the caller may read it, otherwise only that
    a match exists, its strength and the holder's contact (whose author and supervisors
    are told). Needs a purpose (`X-Purpose`), recorded in the audit trail."""
    with unit_of_work(ctx.db) as session:
        return queries.investigation_matches(
            session,
            investigation_id,
            actor=actor,
            purpose=purpose,
            cipher=ctx.cipher,
            policy=MatchPolicy(police_hits_to_partners=ctx.settings.police_hits_to_partners),
            model=ctx.linkage_model,
        )


@router.post(
    "/{investigation_id}/assignments",
    response_model=schemas.TeamMemberOut,
    status_code=201,
    responses=CHANGES,
)
def assign(
    ctx: Ctx, actor: CurrentActor, investigation_id: str, body: schemas.AssignIn
) -> schemas.TeamMemberOut:
    """Put an investigator of the owning unit on the case team (the unit's supervisor)."""
    with unit_of_work(ctx.db) as session:
        assignment = actions.assign(session, investigation_id, body, actor=actor)
        return _member(session, investigation_id, assignment.id)


@router.post(
    "/{investigation_id}/assignments/{assignment_id}/end",
    response_model=schemas.TeamMemberOut,
    responses=CHANGES,
)
def end_assignment(
    ctx: Ctx, actor: CurrentActor, investigation_id: str, assignment_id: str
) -> schemas.TeamMemberOut:
    """Take someone off the case team now."""
    with unit_of_work(ctx.db) as session:
        assignment = actions.end_assignment(session, investigation_id, assignment_id, actor=actor)
        return _member(session, investigation_id, assignment.id)


def _member(session: Any, investigation_id: str, assignment_id: str) -> schemas.TeamMemberOut:
    team = queries.case_team(session, investigation_id, None)
    return next(m for m in team if m.assignment_id == assignment_id)
