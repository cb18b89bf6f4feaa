"""People and capacity of the police side, and international cooperation: the registry
of designated investigators, each organisation's capacity, the workload board, and the
cross-border request log of an investigation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from opennrm.api.deps import PURPOSE_REQUIRED, Ctx, CurrentActor, RequiredPurpose
from opennrm.investigations import crossborder, registry, workload
from opennrm.investigations import people_schemas as schemas
from opennrm.uow import unit_of_work

router = APIRouter(tags=["investigations"])

MANAGED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only a supervisor of a police organisation."},
    404: {"description": "No such user or entry in the caller's own organisation."},
    409: {"description": "The period overlaps another entry, or the entry has ended."},
    422: {"description": "Invalid input; nothing changed."},
}
ON_INVESTIGATION: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller may see the investigation but not change it."},
    404: {"description": "No such investigation or request, or not visible to the caller."},
    409: {"description": "The investigation or the request is closed; nothing changed."},
    422: {"description": "Invalid input (unknown fields included); nothing changed."},
}


@router.get(
    "/api/v1/investigators",
    response_model=schemas.RegistryOut,
    responses={
        403: {"description": "Only the police and coordinators."},
        404: {"description": "No such police organisation."},
    },
)
def read_registry(
    ctx: Ctx,
    actor: CurrentActor,
    organisation_id: Annotated[
        str | None, Query(max_length=36, description="only this police organisation")
    ] = None,
) -> schemas.RegistryOut:
    """The designated investigators, substitutes, national team and NBI liaisons in force
    today, by organisation, with whether each department has its two designated
    investigators. Names and functions only; nothing of any case."""
    with unit_of_work(ctx.db) as session:
        return registry.read_registry(
            session, actor=actor, config=ctx.referral_config, organisation_id=organisation_id
        )


@router.post(
    "/api/v1/investigators",
    response_model=schemas.DesignationOut,
    status_code=201,
    responses=MANAGED,
)
def designate(ctx: Ctx, actor: CurrentActor, body: schemas.DesignationIn) -> schemas.DesignationOut:
    """Enter an investigator or supervisor of the caller's own organisation in the
    registry: `designated` or `substitute` in a department, `national_team` in the
    national team, `nbi_liaison` in the NBI."""
    with unit_of_work(ctx.db) as session:
        return registry.designate(session, body, actor=actor)


@router.post(
    "/api/v1/investigators/{entry_id}/end",
    response_model=schemas.DesignationOut,
    responses=MANAGED,
)
def end_designation(
    ctx: Ctx, actor: CurrentActor, entry_id: str, body: schemas.DesignationEndIn
) -> schemas.DesignationOut:
    """Set the last day (`until`, inclusive) an entry is in force."""
    with unit_of_work(ctx.db) as session:
        return registry.end_designation(
            session, entry_id, body, actor=actor, config=ctx.referral_config
        )


@router.put(
    "/api/v1/capacity",
    response_model=schemas.CapacityOut,
    responses={
        403: {"description": "Only a supervisor of a police organisation."},
        422: {"description": "Not a number of person-years above 0 and at most 500."},
    },
)
def set_capacity(ctx: Ctx, actor: CurrentActor, body: schemas.CapacityIn) -> schemas.CapacityOut:
    """The person-years the caller's organisation gives to trafficking investigations
    (above 0, at most 500, two decimals)."""
    with unit_of_work(ctx.db) as session:
        return registry.set_capacity(session, body, actor=actor)


@router.get(
    "/api/v1/workload",
    response_model=schemas.WorkloadOut,
    responses={403: {"description": "Only the police, coordinators and analysts."}},
)
def read_workload(ctx: Ctx, actor: CurrentActor) -> schemas.WorkloadOut:
    """Counts per police organisation — open investigations, opened this year, open
    consultations, the oldest open case's age, capacity and designated investigators. A
    unit sees its own row; the national team, the NBI, coordinators and analysts all."""
    with unit_of_work(ctx.db) as session:
        return workload.workload(session, actor=actor, config=ctx.referral_config)


@router.post(
    "/api/v1/investigations/{investigation_id}/cross-border",
    response_model=schemas.CrossBorderOut,
    status_code=201,
    responses=ON_INVESTIGATION,
)
def create_cross_border(
    ctx: Ctx, actor: CurrentActor, investigation_id: str, body: schemas.CrossBorderIn
) -> schemas.CrossBorderOut:
    """Log a request for international cooperation (ISO 3166-1 alpha-2 countries, the
    channel, the day it was sent) and flag the investigation as cross-border. There is no
    free-text field: no personal data leaves the case through this log."""
    with unit_of_work(ctx.db) as session:
        request = crossborder.create_request(
            session, investigation_id, body, actor=actor, config=ctx.referral_config
        )
        return crossborder.request_out(request)


@router.get(
    "/api/v1/investigations/{investigation_id}/cross-border",
    response_model=list[schemas.CrossBorderOut],
    responses={
        404: ON_INVESTIGATION[404],
        422: {"description": "No purpose given (X-Purpose header)."},
    },
    openapi_extra=PURPOSE_REQUIRED,
)
def list_cross_border(
    ctx: Ctx, actor: CurrentActor, purpose: RequiredPurpose, investigation_id: str
) -> list[schemas.CrossBorderOut]:
    """The requests logged on the investigation, oldest first; read for a stated purpose
    (`X-Purpose`), which the audit trail records."""
    with unit_of_work(ctx.db) as session:
        return crossborder.list_requests(session, investigation_id, actor=actor, purpose=purpose)


@router.post(
    "/api/v1/cross-border/{request_id}/status",
    response_model=schemas.CrossBorderOut,
    responses=ON_INVESTIGATION,
)
def set_cross_border_status(
    ctx: Ctx, actor: CurrentActor, request_id: str, body: schemas.CrossBorderStatusIn
) -> schemas.CrossBorderOut:
    """`answered` (with `answered_on`) or `closed`."""
    with unit_of_work(ctx.db) as session:
        request = crossborder.set_status(
            session, request_id, body, actor=actor, config=ctx.referral_config
        )
        return crossborder.request_out(request)
