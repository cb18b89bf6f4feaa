"""Statistics pages: the national report of a year (charts beside tables, and as a PDF),
and the table explorer with CSV and XLSX downloads.

Everything shown passed disclosure control in `statistics.service`; these pages only
label it. Coordinators, analysts and supervisors see statistics; everyone else is told
so (403), since that statistics exist is no secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.errors import Forbidden, Invalid
from opennrm.policy.rules import Action, can
from opennrm.reports import pdf, spreadsheets
from opennrm.statistics import ctdc, exports, htcds, service, subjects
from opennrm.statistics.service import TableSpec
from opennrm.uow import unit_of_work
from opennrm.web import statistics_labels as words
from opennrm.web.forms import FieldError
from opennrm.web.i18n import N_, format_day, gettext_for
from opennrm.web.render import render
from opennrm.web.session import CheckedForm, SignedIn, Visitor, app_context
from opennrm.web.session import field as form_field
from opennrm.web.statistics_view import Labeller, View, table_view, times_view

router = APIRouter(include_in_schema=False)
SECTION = "statistics"


@dataclass(frozen=True)
class Part:
    key: str
    title: str
    subject: str
    by: tuple[str, ...]
    yearly: bool = True
    chart: str = "bar"


REPORT: tuple[Part, ...] = (
    Part("signals-month", N_("Signals by month"), "signals", ("month",), chart="line"),
    Part("signals-sector", N_("Signals by recording sector"), "signals", ("referrer_type",)),
    Part(
        "victims-exploitation-sex",
        N_("Presumed and identified victims by form of exploitation and sex"),
        "victims",
        ("exploitation_type", "sex"),
    ),
    Part(
        "victims-age-status",
        N_("Victims by age group and status"),
        "victims",
        ("age_group", "status"),
    ),
    Part("victims-citizenship", N_("Victims by citizenship"), "victims", ("nationality",)),
    Part("victims-region", N_("Victims by region"), "victims", ("region",)),
    Part(
        "referrals-state",
        N_("Referrals by state and receiver"),
        "referrals",
        ("decision", "target"),
    ),
    Part(
        "ageing",
        N_("Referrals waiting for a decision, by waiting time"),
        "ageing",
        ("age_bucket", "target"),
        yearly=False,
    ),
    Part("investigations-stage", N_("Investigations by stage"), "investigations", ("stage",)),
    Part(
        "investigations-department",
        N_("Investigations by police department"),
        "investigations",
        ("department",),
    ),
)


def _scope(ctx: AppContext) -> service.Scope:
    return service.Scope(
        config=ctx.referral_config, threshold=ctx.settings.statistics_threshold, now=utcnow()
    )


def _labeller(visitor: Visitor, ctx: AppContext) -> Labeller:
    return Labeller(
        locale=visitor.locale,
        gettext=gettext_for(visitor.locale),
        deployment=ctx.referral_config.deployment,
    )


def _year(value: str | None, scope: service.Scope) -> str:
    this_year = scope.config.local_day(scope.now).year
    if value and subjects.PERIOD_FORMATS["year"].fullmatch(value):
        return value
    return f"{this_year:04d}"


def build_report(ctx: AppContext, visitor: Visitor, year: str) -> tuple[list[View], service.Scope]:
    """Every table of the year's report, computed in one transaction and audited once,
    plus decision times."""
    scope = _scope(ctx)
    label = _labeller(visitor, ctx)
    gettext = label.gettext
    specs = [TableSpec(p.subject, p.by, (("year", year),) if p.yearly else ()) for p in REPORT]
    with unit_of_work(ctx.db) as session:
        answers = service.tables(session, visitor.actor, specs, scope=scope)
        times_answer, times = service.decision_times(
            session, visitor.actor, by=["target"], filters={"year": year}, scope=scope
        )
    today = scope.config.local_day(scope.now)
    views = [
        table_view(
            p.key,
            gettext(p.title),
            a,
            label,
            chart_kind=p.chart,
            until=f"{today:%Y-%m}" if p.by == ("month",) else None,
        )
        for p, a in zip(REPORT, answers, strict=True)
    ]
    views.insert(
        7,
        times_view(
            "decision-times",
            gettext("Days from referral to the first decision"),
            times_answer,
            times,
            label,
        ),
    )
    return views, scope


@router.get("/statistics")
def report_page(request: Request, visitor: SignedIn, year: str | None = None) -> Response:
    """The national statistics of a year: every table with its chart."""
    ctx = app_context(request)
    scope = _scope(ctx)
    chosen = _year(year, scope)
    views, _ = build_report(ctx, visitor, chosen)
    return render(
        request,
        "statistics/report.html",
        visitor=visitor,
        section=SECTION,
        year=chosen,
        years=_years(scope),
        views=views,
        threshold=scope.threshold,
    )


def _years(scope: service.Scope) -> list[str]:
    this_year = scope.config.local_day(scope.now).year
    return [f"{y:04d}" for y in range(this_year, this_year - 6, -1)]


@router.get("/statistics/report.pdf")
def report_pdf(request: Request, visitor: SignedIn, year: str | None = None) -> Response:
    """The same report as a PDF, for the rapporteur's files and for printing."""
    ctx = app_context(request)
    chosen = _year(year, _scope(ctx))
    views, scope = build_report(ctx, visitor, chosen)
    gettext = gettext_for(visitor.locale)
    doc = pdf.Document(
        title=gettext("Trafficking in human beings: statistics %(year)s") % {"year": chosen},
        subtitle=gettext("OpenNRM, drawn up %(date)s")
        % {"date": format_day(scope.now, visitor.locale)},
        locale=visitor.locale,
        footer=gettext(
            "Cells with fewer than %(n)s persons or cases are suppressed (–), "
            "with the cells that would reveal them."
        )
        % {"n": scope.threshold},
    )
    for view in views:
        # A chart 170 mm wide is about 100 mm high: keep the heading with it.
        doc.heading(view.title, level=2, keep_with_next=105 if view.chart else 40)
        if view.chart is not None:
            doc.chart(view.chart)
        rows = [*view.rows, *([view.footer] if view.footer else [])]
        doc.table(view.headers, rows)
    with unit_of_work(ctx.db) as session:
        service.record_download(session, visitor.actor, kind="report.pdf", detail={"year": chosen})
    return Response(
        doc.bytes(),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="opennrm-statistics-{chosen}.pdf"'},
    )


def _explore_request(query: dict[str, str]) -> tuple[str, list[str], dict[str, str]]:
    subject = query.get("subject") or "signals"
    by = [query.get(k, "") for k in ("by", "by2")]
    filters = {"year": query["year"]} if query.get("year") else {}
    return subject, [b for b in by if b], filters


@router.get("/statistics/explore")
def explore_page(request: Request, visitor: SignedIn) -> Response:
    """One table by the dimensions the reader chooses, with a chart and downloads."""
    ctx = app_context(request)
    scope = _scope(ctx)
    query = dict(request.query_params)
    subject, by, filters = _explore_request(query)
    label = _labeller(visitor, ctx)
    view: View | None = None
    errors: list[FieldError] = []
    if by:
        try:
            with unit_of_work(ctx.db) as session:
                answer = service.table(
                    session, visitor.actor, subject=subject, by=by, filters=filters, scope=scope
                )
            view = table_view("explore", _explore_title(label, subject, by), answer, label)
        except Invalid as exc:
            errors.append(FieldError("by", exc.message))
    else:
        service.require(visitor.actor, Action.STATISTICS_READ)
    return render(
        request,
        "statistics/explore.html",
        visitor=visitor,
        section=SECTION,
        status=422 if errors else 200,
        errors=errors,
        subjects=[(name, label.gettext(words.SUBJECTS[name])) for name in subjects.SUBJECTS],
        dimensions={
            name: [(d, label.dim(d)) for d in spec.dimensions if d != "year"]
            for name, spec in subjects.SUBJECTS.items()
        },
        chosen={
            "subject": subject,
            "by": query.get("by", ""),
            "by2": query.get("by2", ""),
            "year": query.get("year", ""),
        },
        years=_years(scope),
        view=view,
        threshold=scope.threshold,
        query=request.url.query,
    )


def _explore_title(label: Labeller, subject: str, by: list[str]) -> str:
    what = label.gettext(words.SUBJECTS.get(subject, subject))
    dims = ", ".join(label.dim(d) for d in by)
    return label.gettext("%(what)s by %(dims)s") % {"what": what, "dims": dims}


@router.get("/statistics/explore.{fmt}")
def explore_download(request: Request, visitor: SignedIn, fmt: str) -> Response:
    """The explored table as CSV or XLSX: labels in the reader's language and the codes
    beside them; suppressed cells empty."""
    if fmt not in ("csv", "xlsx"):
        return Response(status_code=404)
    ctx = app_context(request)
    scope = _scope(ctx)
    subject, by, filters = _explore_request(dict(request.query_params))
    label = _labeller(visitor, ctx)
    if not by:
        raise Invalid(label.gettext("Choose at least one dimension to break the table down by."))
    with unit_of_work(ctx.db) as session:
        answer = service.table(
            session,
            visitor.actor,
            subject=subject,
            by=by,
            filters=filters,
            scope=scope,
            event="statistics.download",
        )
    view = table_view("explore", _explore_title(label, subject, by), answer, label)
    note = label.gettext(
        "Empty cells are suppressed: fewer than %(n)s, or they would reveal such a cell."
    ) % {"n": scope.threshold}
    rows = [*view.rows, *([view.footer] if view.footer else [])]
    name = f"opennrm-{subject}-{'-'.join(by)}"
    if fmt == "csv":
        body = spreadsheets.to_csv(view.code_headers, view.codes)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    sheets = [
        spreadsheets.Sheet(
            title=label.gettext("Table"), headers=view.headers, rows=rows, note=note
        ),
        spreadsheets.Sheet(title="codes", headers=view.code_headers, rows=view.codes, note=note),
    ]
    return Response(
        spreadsheets.to_xlsx(sheets),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


# --- exports ------------------------------------------------------------------------------


def _may(visitor: Visitor, action: Action) -> bool:
    return bool(can(visitor.actor, action))


@router.get("/statistics/exports")
def exports_page(request: Request, visitor: SignedIn) -> Response:
    """Exports in the field's formats: HTCDS records of what the reader may read, the
    k-anonymised dataset, the official tables, and the ledger of noisy public releases."""
    return _exports_page(request, visitor)


def _exports_page(
    request: Request, visitor: Visitor, errors: list[FieldError] | None = None, status: int = 200
) -> Response:
    records = _may(visitor, Action.EXPORT_RECORDS)
    anonymised = _may(visitor, Action.EXPORT_ANONYMISED)
    if not (records or anonymised):
        raise Forbidden(gettext_for(visitor.locale)("Your role does not export data."))
    ctx = app_context(request)
    scope = _scope(ctx)
    ledger = None
    if anonymised:
        year = scope.config.local_day(scope.now).year
        with unit_of_work(ctx.db) as session:
            ledger = {
                "year": year,
                "budget": ctx.settings.privacy_budget_per_year,
                "spent": service.budget_spent(session, year),
                "entries": service.releases(session, visitor.actor, year=year),
            }
    return render(
        request,
        "statistics/exports.html",
        visitor=visitor,
        section=SECTION,
        status=status,
        errors=errors or [],
        records=records,
        anonymised=anonymised,
        tables=exports.official_names(ctx.referral_config.deployment.country),
        years=_years(scope),
        k=ctx.settings.anonymised_k,
        threshold=scope.threshold,
        ledger=ledger,
    )


@router.post("/statistics/exports/htcds")
def export_htcds(request: Request, visitor: SignedIn, form: CheckedForm) -> Response:
    """HTCDS case records of the signals the reader may read, for the purpose given."""
    purpose = form_field(form, "purpose", 500).strip()
    if len(purpose) < 5:
        _ = gettext_for(visitor.locale)
        error = FieldError("purpose", _("Say why you export the records (at least 5 characters)"))
        return _exports_page(request, visitor, [error], status=422)
    ctx = app_context(request)
    now = utcnow()
    with unit_of_work(ctx.db) as session:
        cases = exports.htcds_cases(
            session, visitor.actor, config=ctx.referral_config, now=now, purpose=purpose
        )
    day = ctx.referral_config.local_day(now).isoformat()
    return Response(
        "".join(htcds.to_json_lines(cases)),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="opennrm-htcds-{day}.jsonl"'},
    )


@router.get("/statistics/exports/ctdc.csv")
def export_ctdc(request: Request, visitor: SignedIn) -> Response:
    ctx = app_context(request)
    with unit_of_work(ctx.db) as session:
        release = exports.ctdc_release(
            session,
            visitor.actor,
            config=ctx.referral_config,
            now=utcnow(),
            k=ctx.settings.anonymised_k,
        )
    rows = [[row.get(c) for c in ctdc.COLUMNS] for row in release.rows]
    return Response(
        spreadsheets.to_csv(list(ctdc.COLUMNS), rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="opennrm-ctdc.csv"'},
    )


@router.get("/statistics/exports/official.xlsx")
def export_official(request: Request, visitor: SignedIn, year: str | None = None) -> Response:
    """Every Eurostat and UNODC table of a year, one sheet each, suppressed cells empty."""
    ctx = app_context(request)
    chosen = int(_year(year, _scope(ctx)))
    with unit_of_work(ctx.db) as session:
        tables = exports.official_release(
            session,
            visitor.actor,
            config=ctx.referral_config,
            year=chosen,
            threshold=ctx.settings.statistics_threshold,
        )
    note = gettext_for(visitor.locale)(
        "Empty cells are suppressed: fewer than %(n)s, or they would reveal such a cell."
    ) % {"n": ctx.settings.statistics_threshold}
    sheets = [
        spreadsheets.Sheet(
            title=t.name,
            headers=[*t.dims, "count"],
            rows=[[*(str(row[d]) for d in t.dims), _count(row["count"])] for row in t.rows],
            note=note,
        )
        for t in tables
    ]
    return Response(
        spreadsheets.to_xlsx(sheets),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="opennrm-official-{chosen}.xlsx"'},
    )


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
