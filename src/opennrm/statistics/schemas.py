"""Statistics as the API shows them: rows of dimension values with a count or null."""

from __future__ import annotations

from pydantic import BaseModel, Field

from opennrm.statistics import subjects, timing
from opennrm.statistics.disclosure import Cell

CellValue = str | int | float | bool | None


class Total(BaseModel):
    count: int | None
    suppressed: bool


class Margin(BaseModel):
    by: list[str]
    rows: list[dict[str, CellValue]]


class StatisticsOut(BaseModel):
    subject: str
    by: list[str]
    filters: dict[str, str]
    threshold: int = Field(description="cells with fewer units are suppressed")
    method: str = Field(
        default="suppression",
        description="'suppression': small cells and their complements are null",
    )
    rows: list[dict[str, CellValue]] = Field(
        description=(
            "one row per combination of the `by` dimensions' categories (zeros included): "
            "the dimension values, `count` (null when suppressed) and `suppressed`"
        )
    )
    margins: list[Margin] = Field(
        description="the same table summed over each smaller set of dimensions"
    )
    total: Total
    categories: dict[str, list[str]]


class DecisionTimesOut(BaseModel):
    by: list[str]
    filters: dict[str, str]
    threshold: int
    rows: list[dict[str, CellValue]] = Field(
        description=(
            "per group: `decided` (referrals with a first decision; null when suppressed), "
            "`median_days`, `p90_days` (null when suppressed or none decided), `suppressed`"
        )
    )


class SubjectOut(BaseModel):
    name: str
    dimensions: list[str]


class CatalogueOut(BaseModel):
    threshold: int
    subjects: list[SubjectOut]


def cell_row(dims: tuple[str, ...], cell: Cell) -> dict[str, CellValue]:
    row: dict[str, CellValue] = dict(zip(dims, cell.key, strict=True))
    row["count"] = cell.count if not cell.suppressed else None
    row["suppressed"] = cell.suppressed
    return row


def statistics_out(answer: subjects.Answer) -> StatisticsOut:
    margins = [
        Margin(by=list(dims), rows=[cell_row(dims, c) for c in cells])
        for dims, cells in answer.tables.items()
        if dims != answer.by and dims
    ]
    total = answer.total
    return StatisticsOut(
        subject=answer.subject,
        by=list(answer.by),
        filters=dict(answer.filters),
        threshold=answer.threshold,
        rows=[cell_row(answer.by, c) for c in answer.rows],
        margins=margins,
        total=Total(count=None if total.suppressed else total.count, suppressed=total.suppressed),
        categories={k: list(v) for k, v in answer.categories.items()},
    )


def decision_times_out(
    answer: subjects.Answer, times: list[timing.DecisionTimes]
) -> DecisionTimesOut:
    rows: list[dict[str, CellValue]] = []
    for t in times:
        row: dict[str, CellValue] = dict(zip(answer.by, t.key, strict=True))
        row.update(
            decided=None if t.suppressed else t.decided,
            median_days=t.median_days,
            p90_days=t.p90_days,
            suppressed=t.suppressed,
        )
        rows.append(row)
    return DecisionTimesOut(
        by=list(answer.by), filters=dict(answer.filters), threshold=answer.threshold, rows=rows
    )


def catalogue_out(threshold: int) -> CatalogueOut:
    return CatalogueOut(
        threshold=threshold,
        subjects=[
            SubjectOut(name=s.name, dimensions=list(s.dimensions))
            for s in subjects.SUBJECTS.values()
        ],
    )
