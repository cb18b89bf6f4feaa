"""Exports in the field's formats and the HTCDS import.

HTCDS case records hold personal data: they cover only the signals the caller may read,
need a purpose (`X-Purpose`), and each exported record is named in the audit trail. The
CTDC-style dataset is k-anonymised and the Eurostat and UNODC tables pass disclosure
control; both cover the whole platform and need a statistics role. FollowTheMoney
entities come from `GET /api/v1/network/export`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from opennrm.api.deps import PURPOSE_REQUIRED, Ctx, CurrentActor, RequiredPurpose
from opennrm.db import utcnow
from opennrm.errors import NotFound
from opennrm.reports import spreadsheets
from opennrm.statistics import ctdc, exports, htcds
from opennrm.uow import unit_of_work

router = APIRouter(tags=["exports"])

RECORDS_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller's role does not export records."},
    422: {"description": "No purpose given (X-Purpose, at least 5 characters)."},
}
ANONYMISED_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only coordinators, analysts and supervisors."},
    422: {"description": "Invalid parameters."},
}
NDJSON = "application/x-ndjson"


def _attachment(body: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/api/v1/exports/htcds",
    response_class=Response,
    responses={200: {"content": {NDJSON: {}}}, **RECORDS_REFUSED},
    openapi_extra=PURPOSE_REQUIRED,
)
def export_htcds(ctx: Ctx, actor: CurrentActor, purpose: RequiredPurpose) -> Response:
    """IOM's Human Trafficking Case Data Standard v2.0: one JSON object per line, one per
    victim named in a signal the caller may read, valid against
    `GET /api/v1/exports/htcds/schema`. OpenNRM values the standard cannot hold are kept
    under `x_opennrm`, so that an import gives them back."""
    now = utcnow()
    with unit_of_work(ctx.db) as session:
        cases = exports.htcds_cases(
            session, actor, config=ctx.referral_config, now=now, purpose=purpose
        )
    day = ctx.referral_config.local_day(now).isoformat()
    return _attachment("".join(htcds.to_json_lines(cases)), NDJSON, f"opennrm-htcds-{day}.jsonl")


@router.get("/api/v1/exports/htcds/schema", response_model=dict[str, Any])
def htcds_schema(actor: CurrentActor) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one HTCDS v2.0 case record as OpenNRM writes
    and reads it. IOM publishes no JSON Schema; this one follows its field standard."""
    return dict(htcds.schema())


class ImportOut(BaseModel):
    created: list[str] = Field(description="ids of the signals created, in record order")


@router.post(
    "/api/v1/imports/htcds",
    response_model=ImportOut,
    status_code=201,
    responses={
        403: {"description": "The caller's role may not record signals."},
        422: {"description": "A record breaks the schema; every problem is listed, nothing kept."},
    },
)
def import_htcds(
    ctx: Ctx,
    actor: CurrentActor,
    records: Annotated[
        list[dict[str, Any]],
        Body(max_length=exports.MAX_IMPORT_RECORDS, description="HTCDS case records"),
    ],
) -> ImportOut:
    """Create one signal per HTCDS case record, owned by the caller's organisation. All
    or nothing: one bad record refuses the file."""
    with unit_of_work(ctx.db) as session:
        created = exports.import_htcds(
            session,
            actor,
            records,
            cipher=ctx.cipher,
            today=ctx.referral_config.local_day(utcnow()),
            linkage_model=ctx.linkage_model,
        )
    return ImportOut(created=created)


@router.get(
    "/api/v1/exports/ctdc",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}, **ANONYMISED_REFUSED},
)
def export_ctdc(
    ctx: Ctx,
    actor: CurrentActor,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    """The CTDC-style anonymised dataset: one row per presumed or identified victim in
    CTDC's columns (missing = -99), generalised and suppressed until every combination of
    the quasi-identifiers occurs at least k times (`OPENNRM_ANONYMISED_K`, 11 by default).
    The JSON form carries the k-anonymity report beside the rows."""
    with unit_of_work(ctx.db) as session:
        release = exports.ctdc_release(
            session,
            actor,
            config=ctx.referral_config,
            now=utcnow(),
            k=ctx.settings.anonymised_k,
        )
    if format == "json":
        report = release.report
        body = {
            "k": report.k,
            "quasi_identifiers": list(report.quasi_identifiers),
            "records_in": report.records_in,
            "released": report.released,
            "suppressed": report.suppressed,
            "excluded": report.excluded,
            "smallest_group": report.smallest_group,
            "rows": release.rows,
        }
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")
    rows = [[row.get(c) for c in ctdc.COLUMNS] for row in release.rows]
    return _attachment(
        spreadsheets.to_csv(list(ctdc.COLUMNS), rows), "text/csv", "opennrm-ctdc.csv"
    )


class OfficialTableOut(BaseModel):
    name: str
    dims: list[str]
    rows: list[dict[str, str | int | bool | None]]


class OfficialOut(BaseModel):
    year: int
    threshold: int
    tables: list[OfficialTableOut]


YearParam = Annotated[int, Query(ge=2000, le=2100, description="the reporting year")]


@router.get("/api/v1/exports/official", response_model=OfficialOut, responses=ANONYMISED_REFUSED)
def export_official(ctx: Ctx, actor: CurrentActor, year: YearParam) -> OfficialOut:
    """Eurostat's trafficking tables and UNODC GLOTIP-shaped tables of one year, each
    through disclosure control (a suppressed cell has `count: null`)."""
    threshold = ctx.settings.statistics_threshold
    with unit_of_work(ctx.db) as session:
        tables = exports.official_release(
            session, actor, config=ctx.referral_config, year=year, threshold=threshold
        )
    return OfficialOut(
        year=year,
        threshold=threshold,
        tables=[OfficialTableOut(name=t.name, dims=list(t.dims), rows=t.rows) for t in tables],
    )


@router.get(
    "/api/v1/exports/official/{name}.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}},
        404: {"description": "No such table."},
        **ANONYMISED_REFUSED,
    },
)
def export_official_csv(
    ctx: Ctx,
    actor: CurrentActor,
    name: Annotated[str, Path(max_length=60)],
    year: YearParam,
) -> Response:
    """One official table as CSV: its dimensions, `count` (empty when suppressed) and
    `suppressed`."""
    if name not in exports.official_names(ctx.referral_config.deployment.country):
        raise NotFound()
    with unit_of_work(ctx.db) as session:
        (table,) = exports.official_release(
            session,
            actor,
            config=ctx.referral_config,
            year=year,
            threshold=ctx.settings.statistics_threshold,
            names=[name],
        )
    headers, rows = exports.csv_rows(table)
    return _attachment(spreadsheets.to_csv(headers, rows), "text/csv", f"{name}-{year}.csv")
