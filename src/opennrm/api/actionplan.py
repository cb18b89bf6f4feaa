"""The action plan over JSON: objectives, measures, progress reports and the indicators
computed live from the platform's data. Everyone signed in reads; the coordinator keeps
the plan; the coordinator or a responsible organisation's supervisor reports progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from opennrm.actionplan import actions, indicators, queries, schemas
from opennrm.api.deps import Ctx, CurrentActor
from opennrm.db import utcnow
from opennrm.uow import unit_of_work

router = APIRouter(tags=["action plan"])

MANAGED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only the coordinator keeps the action plan."},
    409: {"description": "Another objective or measure has this code; nothing changed."},
    422: {"description": "Invalid input (unknown fields included); nothing changed."},
}
ON_OBJECTIVE: dict[int | str, dict[str, Any]] = {
    **MANAGED,
    404: {"description": "No such objective."},
}
ON_MEASURE: dict[int | str, dict[str, Any]] = {**MANAGED, 404: {"description": "No such measure."}}


@router.get("/api/v1/actionplan", response_model=schemas.PlanOut)
def read_plan(ctx: Ctx, actor: CurrentActor) -> schemas.PlanOut:
    """Every objective with its measures (in the order of their codes), each measure with
    its responsible organisations, deadline, status and latest progress report. A measure
    past its deadline that is neither done nor cancelled is shown `delayed`."""
    with unit_of_work(ctx.db) as session:
        return queries.read_plan(
            session, actor=actor, today=ctx.referral_config.local_day(utcnow())
        )


@router.post(
    "/api/v1/actionplan/objectives",
    response_model=schemas.ObjectiveOut,
    status_code=201,
    responses=MANAGED,
)
def create_objective(
    ctx: Ctx, actor: CurrentActor, body: schemas.ObjectiveIn
) -> schemas.ObjectiveOut:
    """Add an objective: its code, the aim it serves, its title in Finnish, Swedish and
    English (all three required) and a description in each (optional)."""
    with unit_of_work(ctx.db) as session:
        objective = actions.create_objective(session, body, actor=actor)
        return queries.read_objective(
            session, objective.id, actor=actor, today=ctx.referral_config.local_day(utcnow())
        )


@router.get(
    "/api/v1/actionplan/objectives/{objective_id}",
    response_model=schemas.ObjectiveOut,
    responses={404: ON_OBJECTIVE[404]},
)
def read_objective(ctx: Ctx, actor: CurrentActor, objective_id: str) -> schemas.ObjectiveOut:
    with unit_of_work(ctx.db) as session:
        return queries.read_objective(
            session, objective_id, actor=actor, today=ctx.referral_config.local_day(utcnow())
        )


@router.patch(
    "/api/v1/actionplan/objectives/{objective_id}",
    response_model=schemas.ObjectiveOut,
    responses=ON_OBJECTIVE,
)
def update_objective(
    ctx: Ctx, actor: CurrentActor, objective_id: str, body: schemas.ObjectivePatch
) -> schemas.ObjectiveOut:
    """Change what is given; a text group (`title`, `description`) is replaced whole."""
    with unit_of_work(ctx.db) as session:
        actions.update_objective(session, objective_id, body, actor=actor)
        return queries.read_objective(
            session, objective_id, actor=actor, today=ctx.referral_config.local_day(utcnow())
        )


@router.post(
    "/api/v1/actionplan/measures",
    response_model=schemas.MeasureDetailOut,
    status_code=201,
    responses=MANAGED,
)
def create_measure(
    ctx: Ctx, actor: CurrentActor, body: schemas.MeasureIn
) -> schemas.MeasureDetailOut:
    """Add a measure under an objective, with one or more responsible organisations and a
    deadline; its status starts as given (`planned` if omitted)."""
    with unit_of_work(ctx.db) as session:
        measure = actions.create_measure(session, body, actor=actor)
        return queries.read_measure(
            session, measure.id, actor=actor, today=ctx.referral_config.local_day(utcnow())
        )


@router.get(
    "/api/v1/actionplan/measures/{measure_id}",
    response_model=schemas.MeasureDetailOut,
    responses={404: ON_MEASURE[404]},
)
def read_measure(ctx: Ctx, actor: CurrentActor, measure_id: str) -> schemas.MeasureDetailOut:
    """One measure with every progress report, latest first."""
    with unit_of_work(ctx.db) as session:
        return queries.read_measure(
            session, measure_id, actor=actor, today=ctx.referral_config.local_day(utcnow())
        )


@router.patch(
    "/api/v1/actionplan/measures/{measure_id}",
    response_model=schemas.MeasureDetailOut,
    responses=ON_MEASURE,
)
def update_measure(
    ctx: Ctx, actor: CurrentActor, measure_id: str, body: schemas.MeasurePatch
) -> schemas.MeasureDetailOut:
    """Change what is given. `organisation_ids` replaces the responsible organisations; a
    `status` set here is a correction (progress is reported with `/progress`)."""
    with unit_of_work(ctx.db) as session:
        actions.update_measure(session, measure_id, body, actor=actor)
        return queries.read_measure(
            session, measure_id, actor=actor, today=ctx.referral_config.local_day(utcnow())
        )


@router.post(
    "/api/v1/actionplan/measures/{measure_id}/progress",
    response_model=schemas.ProgressOut,
    status_code=201,
    responses={
        403: {
            "description": "Only the coordinator or a supervisor of an organisation "
            "responsible for the measure reports its progress."
        },
        404: ON_MEASURE[404],
        422: {
            "description": "Invalid input: no text, a day in the future, a link that is not "
            "http(s), or `done` without evidence. Nothing changed."
        },
    },
)
def report_progress(
    ctx: Ctx, actor: CurrentActor, measure_id: str, body: schemas.ProgressIn
) -> schemas.ProgressOut:
    """Report what was done, set the measure's status, and give the evidence: a link, a
    short text, or both (one of them is required to report a measure done)."""
    with unit_of_work(ctx.db) as session:
        update = actions.report_progress(
            session, measure_id, body, actor=actor, config=ctx.referral_config
        )
        detail = queries.read_measure(
            session, measure_id, actor=actor, today=ctx.referral_config.local_day(utcnow())
        )
        return next(u for u in detail.updates if u.id == update.id)


@router.get("/api/v1/actionplan/indicators", response_model=list[schemas.IndicatorOut])
def read_indicators(ctx: Ctx, actor: CurrentActor) -> list[schemas.IndicatorOut]:
    """Every indicator of the plan, computed now from the platform's data: its value,
    target, series over months and table. Counts by category pass disclosure control: a
    small count is suppressed (`count: null`, `suppressed: true`), as in the statistics."""
    with unit_of_work(ctx.db) as session:
        return indicators.compute_all(
            session,
            actor=actor,
            config=ctx.referral_config,
            threshold=ctx.settings.statistics_threshold,
        )


@router.get(
    "/api/v1/actionplan/indicators/{key}",
    response_model=schemas.IndicatorOut,
    responses={404: {"description": "No indicator has this key."}},
)
def read_indicator(ctx: Ctx, actor: CurrentActor, key: str) -> schemas.IndicatorOut:
    with unit_of_work(ctx.db) as session:
        return indicators.compute_one(
            session,
            key,
            actor=actor,
            config=ctx.referral_config,
            threshold=ctx.settings.statistics_threshold,
        )
