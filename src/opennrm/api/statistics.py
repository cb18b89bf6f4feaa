"""Statistics with disclosure control: tables by any of a subject's dimensions, decision
times, downloads, the national report and noisy public releases.

Every cell shown passes disclosure control (docs/disclosure-control.md): counts under
the threshold are null with `suppressed: true`, and so are the complements that stop
them being worked out from totals. Filters (`filter=year:2026`) slice the protected
table; they never count a different set of records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from opennrm.api.deps import Ctx, CurrentActor
from opennrm.db import utcnow
from opennrm.errors import Invalid
from opennrm.policy.rules import Action
from opennrm.statistics import noise, schemas, service, subjects
from opennrm.uow import unit_of_work

router = APIRouter(tags=["statistics"])

REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only coordinators, analysts and supervisors see statistics."},
    422: {"description": "Unknown subject, dimension or filter value; the message says which."},
}

ByParam = Annotated[
    str,
    Query(
        max_length=200,
        description="dimensions to break down by, comma-separated (at most 4 with filters)",
        examples=["exploitation_type,sex"],
    ),
]
FilterParam = Annotated[
    list[str] | None,
    Query(
        alias="filter",
        max_length=4,
        description="`dimension:value`, repeatable; slices the protected table",
        examples=[["year:2026"]],
    ),
]
ThresholdParam = Annotated[
    int | None,
    Query(ge=2, le=100, description="a higher suppression threshold than the platform's"),
]


def parse_filters(values: list[str] | None) -> dict[str, str]:
    """`["year:2026", "sex:female"]` → `{"year": "2026", "sex": "female"}`."""
    out: dict[str, str] = {}
    for value in values or []:
        name, sep, wanted = value.partition(":")
        if not sep or not name or not wanted or len(value) > 100:
            raise Invalid(f"a filter is dimension:value, e.g. year:2026; got {value[:100]!r}")
        if name in out:
            raise Invalid(f"{name!r} is filtered twice")
        out[name] = wanted
    return out


def split_by(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def scope_of(ctx: Ctx) -> service.Scope:
    return service.Scope(
        config=ctx.referral_config, threshold=ctx.settings.statistics_threshold, now=utcnow()
    )


@router.get("/api/v1/statistics", response_model=schemas.CatalogueOut, responses=REFUSED)
def catalogue(ctx: Ctx, actor: CurrentActor) -> schemas.CatalogueOut:
    """The subjects that can be counted and the dimensions of each."""
    service.require(actor, Action.STATISTICS_READ)
    return schemas.catalogue_out(ctx.settings.statistics_threshold)


@router.get(
    "/api/v1/statistics/decision-times",
    response_model=schemas.DecisionTimesOut,
    responses=REFUSED,
)
def decision_times(
    ctx: Ctx,
    actor: CurrentActor,
    by: ByParam = "target",
    filters: FilterParam = None,
    threshold: ThresholdParam = None,
) -> schemas.DecisionTimesOut:
    """Days from a referral to its first decision: median and 90th percentile per group
    (by `target`, `referrer_type`, `department`, `month`, `year`). A group
    with fewer decided referrals than the threshold shows no times."""
    with unit_of_work(ctx.db) as session:
        answer, times = service.decision_times(
            session,
            actor,
            by=split_by(by),
            filters=parse_filters(filters),
            scope=scope_of(ctx),
            threshold=threshold,
        )
        return schemas.decision_times_out(answer, times)


# The subjects as a JSON Schema enum. Added to the schema only: the service refuses any
# other subject with a message that lists the known ones, which pydantic's would not.
SUBJECT_ENUM: dict[str, Any] = {"enum": list(subjects.SUBJECTS)}


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(max_length=40, json_schema_extra=SUBJECT_ENUM)
    by: list[str] = Field(max_length=4)
    filters: dict[str, str] = Field(default_factory=dict, max_length=4)
    epsilon: float = Field(
        gt=0,
        le=noise.MAX_EPSILON,
        description="privacy loss of this release; smaller is noisier and more private",
    )


class ReleaseOut(BaseModel):
    id: str
    created_at: datetime
    subject: str
    dimensions: list[str]
    method: str
    threshold: int
    epsilon: float | None
    mechanism: str | None
    budget_year: int
    cells: int
    digest: str


class PublishedOut(BaseModel):
    release: ReleaseOut
    budget: float = Field(description="the year's privacy budget (total epsilon)")
    spent: float = Field(description="epsilon spent this year, this release included")
    table: schemas.StatisticsOut


class LedgerOut(BaseModel):
    year: int
    budget: float
    spent: float
    releases: list[ReleaseOut]


def _release_out(entry: Any) -> ReleaseOut:
    return ReleaseOut.model_validate(entry, from_attributes=True)


@router.post(
    "/api/v1/statistics/releases",
    response_model=PublishedOut,
    status_code=201,
    responses={
        403: {"description": "Only a coordinator publishes."},
        409: {"description": "The release would overspend this year's privacy budget."},
        422: {"description": "Unknown subject, dimension or value, or a bad epsilon."},
    },
)
def publish_release(ctx: Ctx, actor: CurrentActor, body: ReleaseIn) -> PublishedOut:
    """Publish a table with calibrated noise (discrete Laplace, OpenDP): each inner cell
    gets noise of scale 1/epsilon, margins are sums of the noisy cells, noisy cells under
    the threshold are still suppressed. The epsilon spent is recorded in the ledger and
    counted against the year's budget (`OPENNRM_PRIVACY_BUDGET_PER_YEAR`)."""
    with unit_of_work(ctx.db) as session:
        published = service.publish(
            session,
            actor,
            subject=body.subject,
            by=body.by,
            filters=body.filters,
            epsilon=body.epsilon,
            scope=scope_of(ctx),
            yearly_budget=ctx.settings.privacy_budget_per_year,
        )
        out = PublishedOut(
            release=_release_out(published.release),
            budget=published.budget,
            spent=published.spent,
            table=schemas.statistics_out(published.answer),
        )
        out.table.method = "noise"
        return out


@router.get("/api/v1/statistics/releases", response_model=LedgerOut, responses=REFUSED)
def release_ledger(
    ctx: Ctx,
    actor: CurrentActor,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> LedgerOut:
    """The ledger of public releases of a year, with the privacy budget spent and left."""
    scope = scope_of(ctx)
    chosen = year or scope.config.local_day(scope.now).year
    with unit_of_work(ctx.db) as session:
        entries = service.releases(session, actor, year=chosen)
        return LedgerOut(
            year=chosen,
            budget=ctx.settings.privacy_budget_per_year,
            spent=service.budget_spent(session, chosen),
            releases=[_release_out(e) for e in entries],
        )


@router.get(
    "/api/v1/statistics/{subject}",
    response_model=schemas.StatisticsOut,
    responses=REFUSED,
)
def statistics(
    ctx: Ctx,
    actor: CurrentActor,
    subject: Annotated[str, Path(max_length=40, json_schema_extra=SUBJECT_ENUM)],
    by: ByParam = "",
    filters: FilterParam = None,
    threshold: ThresholdParam = None,
) -> schemas.StatisticsOut:
    """Counts of `signals`, `victims`, `referrals`, `decisions`, `ageing` (open
    referrals by waiting time) or `investigations`, by up to four dimensions, with every
    margin. See `GET /api/v1/statistics` for each subject's dimensions."""
    with unit_of_work(ctx.db) as session:
        answer = service.table(
            session,
            actor,
            subject=subject,
            by=split_by(by),
            filters=parse_filters(filters),
            scope=scope_of(ctx),
            threshold=threshold,
        )
        return schemas.statistics_out(answer)
