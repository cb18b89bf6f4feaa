"""Protected tables as people read them: labelled rows and columns, a chart beside the
table, the same content for the page, the PDF report and the spreadsheet downloads.

A suppressed cell shows as "–" with a footnote; it is drawn as a gap marked
"suppressed" in the chart, never as a zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from babel.numbers import format_decimal

from opennrm.demo.finland import Deployment
from opennrm.reports import charts
from opennrm.reports.charts import Chart
from opennrm.statistics import subjects, timing
from opennrm.statistics.disclosure import Cell
from opennrm.web import statistics_labels as words

SUPPRESSED = "–"


@dataclass(frozen=True)
class Labeller:
    locale: str
    gettext: Callable[[str], str]
    deployment: Deployment

    def dim(self, name: str) -> str:
        return self.gettext(words.DIMENSIONS.get(name, name))

    def value(self, dim: str, value: str) -> str:
        return words.value_label(
            dim, value, locale=self.locale, gettext=self.gettext, deployment=self.deployment
        )

    def count(self, cell: Cell | None) -> str:
        if cell is None or cell.suppressed or cell.count is None:
            return SUPPRESSED
        return format_decimal(cell.count, format="#,##0", locale=_babel(self.locale))

    def number(self, value: float | None) -> str:
        if value is None:
            return SUPPRESSED
        return format_decimal(value, format="#,##0.#", locale=_babel(self.locale))


def _babel(locale: str) -> str:
    return {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}[locale]


@dataclass
class View:
    """One table ready to show: caption, headers, body rows, footer row and a chart."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    footer: list[str] | None
    chart: Chart | None
    suppressed: int = 0
    """How many cells are suppressed, for the footnote."""
    note: str = ""
    codes: list[list[str | int | float | None]] = field(default_factory=list)
    """The same table with codes and raw counts (None suppressed), for downloads."""
    code_headers: list[str] = field(default_factory=list)


def _nonzero_rows(answer: subjects.Answer, row_dim: str) -> list[str]:
    """Row categories to show: those with something in them (zeros add only length).
    Suppressed rows stay: hiding them would tell they are small."""
    margin = {c.key[0]: c for c in answer.tables[(row_dim,)]}
    return [
        v for v in answer.categories[row_dim] if margin[v].suppressed or (margin[v].count or 0) > 0
    ]


def table_view(
    key: str,
    title: str,
    answer: subjects.Answer,
    label: Labeller,
    *,
    chart_kind: str = "bar",
    until: str | None = None,
) -> View:
    """A 1- or 2-dimensional protected table as a view (with totals and a chart).
    `until` cuts a series of periods at the current one: months still to come are not
    zeros to draw."""
    if len(answer.by) == 1:
        return _one(key, title, answer, label, chart_kind, until)
    if len(answer.by) == 2:
        return _two(key, title, answer, label, chart_kind)
    return _flat(key, title, answer, label)


def _one(
    key: str, title: str, answer: subjects.Answer, label: Labeller, kind: str, until: str | None
) -> View:
    (dim,) = answer.by
    cells = {c.key[0]: c for c in answer.rows}
    shown = _nonzero_rows(answer, dim) if kind != "line" else list(answer.categories[dim])
    if until is not None:
        shown = [v for v in shown if v <= until]
    rows = [[label.value(dim, v), label.count(cells[v])] for v in shown]
    values = [None if cells[v].suppressed else cells[v].count for v in shown]
    names = [label.value(dim, v) for v in shown]
    series = {label.gettext("Count"): [None if v is None else float(v) for v in values]}
    chart = _chart(kind, title, names, series, label) if shown else None
    return View(
        key=key,
        title=title,
        headers=[label.dim(dim), label.gettext("Count")],
        rows=rows,
        footer=[label.gettext("Total"), label.count(answer.total)],
        chart=chart,
        suppressed=sum(1 for c in _all_cells(answer) if c.suppressed),
        codes=[[v, cells[v].count if not cells[v].suppressed else None] for v in shown],
        code_headers=[dim, "count"],
    )


def _two(key: str, title: str, answer: subjects.Answer, label: Labeller, kind: str) -> View:
    row_dim, col_dim = answer.by
    inner = {c.key: c for c in answer.rows}
    row_totals = {c.key[0]: c for c in answer.tables[(row_dim,)]}
    col_totals = {c.key[0]: c for c in answer.tables[(col_dim,)]}
    rows_shown = _nonzero_rows(answer, row_dim)
    cols_shown = [
        v
        for v in answer.categories[col_dim]
        if col_totals[v].suppressed or (col_totals[v].count or 0) > 0
    ]
    headers = [label.dim(row_dim), *(label.value(col_dim, c) for c in cols_shown)]
    headers.append(label.gettext("Total"))
    rows = [
        [
            label.value(row_dim, r),
            *(label.count(inner[(r, c)]) for c in cols_shown),
            label.count(row_totals[r]),
        ]
        for r in rows_shown
    ]
    footer = [
        label.gettext("Total"),
        *(label.count(col_totals[c]) for c in cols_shown),
        label.count(answer.total),
    ]
    series = {
        label.value(col_dim, c): [
            None if inner[(r, c)].suppressed else float(inner[(r, c)].count or 0)
            for r in rows_shown
        ]
        for c in cols_shown
    }
    names = [label.value(row_dim, r) for r in rows_shown]
    chart = _chart(kind, title, names, series, label) if rows_shown and cols_shown else None
    codes: list[list[str | int | float | None]] = [
        [r, c, None if inner[(r, c)].suppressed else inner[(r, c)].count]
        for r in answer.categories[row_dim]
        for c in answer.categories[col_dim]
    ]
    return View(
        key=key,
        title=title,
        headers=headers,
        rows=rows,
        footer=footer,
        chart=chart,
        suppressed=sum(1 for c in _all_cells(answer) if c.suppressed),
        codes=codes,
        code_headers=[row_dim, col_dim, "count"],
    )


def _flat(key: str, title: str, answer: subjects.Answer, label: Labeller) -> View:
    """Three or four dimensions: one row per combination, no chart."""
    rows = [
        [*(label.value(d, v) for d, v in zip(answer.by, c.key, strict=True)), label.count(c)]
        for c in answer.rows
        if c.suppressed or (c.count or 0) > 0
    ]
    return View(
        key=key,
        title=title,
        headers=[*(label.dim(d) for d in answer.by), label.gettext("Count")],
        rows=rows,
        footer=[label.gettext("Total"), *([""] * (len(answer.by) - 1)), label.count(answer.total)],
        chart=None,
        suppressed=sum(1 for c in _all_cells(answer) if c.suppressed),
        codes=[[*c.key, None if c.suppressed else c.count] for c in answer.rows],
        code_headers=[*answer.by, "count"],
    )


def _all_cells(answer: subjects.Answer) -> list[Cell]:
    return [c for cells in answer.tables.values() for c in cells]


def _chart(
    kind: str,
    title: str,
    names: Sequence[str],
    series: dict[str, list[float | None]],
    label: Labeller,
) -> Chart:
    suppressed = label.gettext("suppressed (too few to show)")
    if kind == "line":
        return charts.line_chart(
            title=title,
            x=names,
            series=series,
            value_label=label.gettext("Count"),
            suppressed_label=suppressed,
            show_title=False,
        )
    return charts.bar_chart(
        title=title,
        categories=names,
        series=series,
        value_label=label.gettext("Count"),
        horizontal=len(names) > 6 or max((len(n) for n in names), default=0) > 14,
        suppressed_label=suppressed,
        show_title=False,
    )


def times_view(
    key: str,
    title: str,
    answer: subjects.Answer,
    times: list[timing.DecisionTimes],
    label: Labeller,
) -> View:
    """Decision times per group: decided, median and 90th percentile (days)."""
    (dim,) = answer.by
    shown = [t for t in times if t.suppressed or (t.decided or 0) > 0]
    rows = [
        [
            label.value(dim, t.key[0]),
            SUPPRESSED if t.suppressed else label.number(t.decided),
            label.number(t.median_days),
            label.number(t.p90_days),
        ]
        for t in shown
    ]
    names = [label.value(dim, t.key[0]) for t in shown]
    chart = (
        charts.bar_chart(
            title=title,
            categories=names,
            series={
                label.gettext("Median"): [t.median_days for t in shown],
                label.gettext("90th percentile"): [t.p90_days for t in shown],
            },
            value_label=label.gettext("Days"),
            suppressed_label=label.gettext("suppressed (too few to show)"),
            show_title=False,
        )
        if shown
        else None
    )
    return View(
        key=key,
        title=title,
        headers=[
            label.dim(dim),
            label.gettext("Decided"),
            label.gettext("Median, days"),
            label.gettext("90th percentile, days"),
        ],
        rows=rows,
        footer=None,
        chart=chart,
        suppressed=sum(1 for t in times if t.suppressed),
        codes=[[t.key[0], t.decided, t.median_days, t.p90_days] for t in times],
        code_headers=[dim, "decided", "median_days", "p90_days"],
    )
