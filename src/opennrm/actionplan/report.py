"""The progress report of the action plan, for the web page and for the PDF.

One description of the report — per objective its measures and its indicators, each
indicator with a chart and the table of the same numbers — is built here from the plan
and the indicators, in the reader's language, and then drawn twice: as HTML (the page
inlines the SVG charts) and as a PDF (`to_pdf`). The words are here too, in the three
languages, so that both drawings say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from opennrm.actionplan.rules import AIM_NAMES, in_language
from opennrm.actionplan.schemas import IndicatorOut, MeasureOut, PlanOut, SeriesOut
from opennrm.reports import charts
from opennrm.reports.charts import Chart
from opennrm.reports.pdf import Document

BABEL = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
WITHHELD = "×"
"""What a table shows for a count withheld by disclosure control (the charts draw a ×)."""

W: Mapping[str, Mapping[str, str]] = {
    "title": {
        "fi": "Ihmiskaupan vastaisen toimintaohjelman edistyminen",
        "sv": "Hur handlingsplanen mot människohandel framskrider",
        "en": "Progress of the action plan against trafficking in human beings",
    },
    "as_of": {"fi": "Tilanne {day}", "sv": "Läget den {day}", "en": "Situation on {day}"},
    "footer": {
        "fi": "OpenNRM · luvut lasketaan alustan tiedoista · × = piilotettu tietosuojan vuoksi",
        "sv": "OpenNRM · talen räknas ur plattformens uppgifter · × = dolt av dataskyddsskäl",
        "en": "OpenNRM · figures computed from the platform's data · × = withheld for privacy",
    },
    "withheld_note": {
        "fi": "× = luku on piilotettu, jotta ketään ei voi tunnistaa (alle viisi, tai siitä "
        "laskettavissa).",
        "sv": "× = talet är dolt så att ingen kan identifieras (under fem, eller möjligt att "
        "räkna fram).",
        "en": "× = the figure is withheld so that no one can be identified (below five, or "
        "possible to work out from the others).",
    },
    "overview": {
        "fi": "Mittarit suhteessa tavoitteisiin",
        "sv": "Indikatorerna i förhållande till målen",
        "en": "Indicators against their targets",
    },
    "measures": {"fi": "Toimenpiteet", "sv": "Åtgärder", "en": "Measures"},
    "indicators": {"fi": "Mittarit", "sv": "Indikatorer", "en": "Indicators"},
    "no_measures": {
        "fi": "Tavoitteelle ei ole vielä kirjattu toimenpiteitä.",
        "sv": "Inga åtgärder har ännu förts in för målet.",
        "en": "No measures have been entered for this objective yet.",
    },
    "other_indicators": {
        "fi": "Muut mittarit",
        "sv": "Övriga indikatorer",
        "en": "Other indicators",
    },
    "aim": {"fi": "Päämäärä", "sv": "Syfte", "en": "Aim"},
    "code": {"fi": "Nro", "sv": "Nr", "en": "No."},
    "measure": {"fi": "Toimenpide", "sv": "Åtgärd", "en": "Measure"},
    "status": {"fi": "Tila", "sv": "Status", "en": "Status"},
    "deadline": {"fi": "Määräaika", "sv": "Tidsfrist", "en": "Deadline"},
    "responsible": {"fi": "Vastuutahot", "sv": "Ansvariga", "en": "Responsible"},
    "latest": {"fi": "Viimeisin raportti", "sv": "Senaste rapport", "en": "Latest report"},
    "none_yet": {"fi": "Ei vielä raportteja", "sv": "Inga rapporter ännu", "en": "No reports yet"},
    "month": {"fi": "Kuukausi", "sv": "Månad", "en": "Month"},
    "category": {"fi": "Luokka", "sv": "Kategori", "en": "Category"},
    "value": {"fi": "Arvo", "sv": "Värde", "en": "Value"},
    "share": {"fi": "Osuus", "sv": "Andel", "en": "Share"},
    "of": {"fi": "Kaikkiaan", "sv": "Totalt", "en": "Out of"},
    "count": {"fi": "Lukumäärä", "sv": "Antal", "en": "Count"},
    "target": {"fi": "Tavoitearvo", "sv": "Målvärde", "en": "Target"},
    "current": {"fi": "Nyt", "sv": "Nu", "en": "Now"},
    "withheld": {"fi": "piilotettu", "sv": "dold", "en": "withheld"},
    "median_days": {"fi": "Mediaani, vrk", "sv": "Median, dygn", "en": "Median, days"},
    "referrals": {"fi": "Ohjauksia", "sv": "Hänvisningar", "en": "Referrals"},
    "in_time_share": {"fi": "Määräajassa, %", "sv": "Inom tidsfristen, %", "en": "In time, %"},
    "due": {"fi": "Erääntyneitä", "sv": "Förfallna", "en": "Due"},
    "met": {"fi": "Tavoitearvo saavutettu", "sv": "Målvärdet nått", "en": "Target reached"},
    "not_met": {
        "fi": "Tavoitearvoa ei saavutettu",
        "sv": "Målvärdet inte nått",
        "en": "Target not reached",
    },
    "no_value": {
        "fi": "Ei arvoa: liian vähän tietoa näytettäväksi.",
        "sv": "Inget värde: för få uppgifter för att visas.",
        "en": "No value: too little data to show.",
    },
    "window_total": {
        "fi": "yhteensä 12 kuukaudessa",
        "sv": "totalt under 12 månader",
        "en": "in all over 12 months",
    },
    "unit.count": {"fi": "kpl", "sv": "st.", "en": ""},
    "unit.days": {"fi": "vrk", "sv": "dygn", "en": "days"},
    "unit.percent": {"fi": "%", "sv": "%", "en": "%"},
    "status.planned": {"fi": "Suunniteltu", "sv": "Planerad", "en": "Planned"},
    "status.in_progress": {"fi": "Käynnissä", "sv": "Pågår", "en": "In progress"},
    "status.done": {"fi": "Valmis", "sv": "Klar", "en": "Done"},
    "status.delayed": {"fi": "Myöhässä", "sv": "Försenad", "en": "Delayed"},
    "status.cancelled": {"fi": "Peruttu", "sv": "Inställd", "en": "Cancelled"},
    "sector.police": {"fi": "Poliisi", "sv": "Polisen", "en": "Police"},
    "sector.national_team": {
        "fi": "Valtakunnallinen tutkintaryhmä",
        "sv": "Nationella utredningsgruppen",
        "en": "National investigation team",
    },
    "sector.nbi": {"fi": "Keskusrikospoliisi", "sv": "Centralkriminalpolisen", "en": "NBI"},
    "sector.border_guard": {
        "fi": "Rajavartiolaitos",
        "sv": "Gränsbevakningsväsendet",
        "en": "Border Guard",
    },
    "sector.immigration": {
        "fi": "Maahanmuuttovirasto",
        "sv": "Migrationsverket",
        "en": "Immigration Service",
    },
    "sector.labour_inspection": {
        "fi": "Työsuojelu",
        "sv": "Arbetarskyddet",
        "en": "Labour inspection",
    },
    "sector.prosecution": {"fi": "Syyttäjälaitos", "sv": "Åklagarväsendet", "en": "Prosecution"},
    "sector.assistance_system": {
        "fi": "Auttamisjärjestelmä",
        "sv": "Hjälpsystemet",
        "en": "Assistance system",
    },
    "sector.municipality": {"fi": "Kunnat", "sv": "Kommunerna", "en": "Municipalities"},
    "sector.health": {"fi": "Terveydenhuolto", "sv": "Hälso- och sjukvården", "en": "Health care"},
    "sector.ngo": {"fi": "Järjestöt", "sv": "Organisationer", "en": "NGOs"},
    "sector.ministry": {"fi": "Ministeriöt", "sv": "Ministerierna", "en": "Ministries"},
    "sector.rapporteur": {
        "fi": "Kansallinen raportoija",
        "sv": "Nationella rapportören",
        "en": "National Rapporteur",
    },
    "sector.other": {"fi": "Muut", "sv": "Övriga", "en": "Other"},
    "sector.all": {"fi": "Kaikki", "sv": "Alla", "en": "All"},
    "role.investigator": {"fi": "Tutkijat", "sv": "Utredare", "en": "Investigators"},
    "role.caseworker": {"fi": "Asiakastyöntekijät", "sv": "Handläggare", "en": "Caseworkers"},
    "role.frontline": {"fi": "Kenttätyöntekijät", "sv": "Fältarbetare", "en": "Frontline staff"},
    "row.two_designated": {
        "fi": "Kaksi nimettyä tutkijaa",
        "sv": "Två utsedda utredare",
        "en": "Two designated investigators",
    },
    "row.two_designated_trained": {
        "fi": "Kaksi nimettyä, peruskurssi suoritettu",
        "sv": "Två utsedda, grundkursen gången",
        "en": "Two designated, core course completed",
    },
    "row.in_time": {"fi": "Määräajassa", "sv": "Inom tidsfristen", "en": "In time"},
    "row.late": {"fi": "Myöhässä", "sv": "Försenade", "en": "Late"},
    "row.due": {"fi": "Erääntyneitä yhteensä", "sv": "Förfallna totalt", "en": "Due in all"},
}


def word(key: str, locale: str) -> str:
    return W[key][locale]


def day(value: date, locale: str) -> str:
    """A calendar day as people write it: 30.6.2027 (fi, sv), 30 Jun 2027 (en)."""
    pattern = "d MMM yyyy" if locale == "en" else "d.M.yyyy"
    return format_date(value, pattern, locale=BABEL[locale])


def number(value: float, locale: str, digits: int = 1) -> str:
    return format_decimal(round(value, digits), format="#,##0.#", locale=BABEL[locale])


def month_label(key: str) -> str:
    """ "2026-11" → "11/2026": the same in the three languages."""
    return f"{int(key[5:7])}/{key[:4]}"


def category_label(key: str, locale: str) -> str:
    """A category of an indicator in words: a sector, a route between two, a role, a row."""
    for prefix in ("sector.", "role.", "row.", "status."):
        if prefix + key in W:
            return word(prefix + key, locale)
    if ">" in key:
        a, b = key.split(">", 1)
        return f"{category_label(a, locale)} → {category_label(b, locale)}"
    return key


def formatted(value: float | None, unit: str, locale: str, *, suppressed: bool = False) -> str:
    if value is None:
        return WITHHELD if suppressed else "–"
    text = number(value, locale)
    if unit == "percent":
        return f"{text} %" if locale != "en" else f"{text}%"
    return text


# --- what the report holds ---------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class IndicatorBlock:
    key: str
    name: str
    description: str
    headline: str
    target: str | None
    met: bool | None
    chart: Chart | None
    tables: list[Table]
    wide: bool
    """Several series: the tables are too wide to stand beside the chart."""


@dataclass(frozen=True)
class MeasureRow:
    id: str
    code: str
    title: str
    status: str
    status_label: str
    deadline: str
    organisations: str
    latest: str
    latest_on: str


@dataclass(frozen=True)
class ObjectiveBlock:
    code: str
    title: str
    description: str
    aim: str
    measures: list[MeasureRow]
    indicators: list[IndicatorBlock]


@dataclass
class Report:
    locale: str
    title: str
    subtitle: str
    overview: Chart | None
    objectives: list[ObjectiveBlock] = field(default_factory=list)
    other: list[IndicatorBlock] = field(default_factory=list)


def _measure_row(m: MeasureOut, locale: str) -> MeasureRow:
    latest = m.latest
    return MeasureRow(
        id=m.id,
        code=m.code,
        title=in_language(m.title, locale),
        status=m.shown_status,
        status_label=word(f"status.{m.shown_status}", locale),
        deadline=day(m.deadline, locale),
        organisations=", ".join(o.name for o in m.organisations),
        latest=latest.text if latest else word("none_yet", locale),
        latest_on=day(latest.reported_on, locale) if latest else "",
    )


def _points(series: SeriesOut) -> list[float | None]:
    return [p.value for p in series.points]


def _headline(ind: IndicatorOut, locale: str) -> str:
    if ind.value is None:
        if ind.suppressed:
            return f"{WITHHELD} ({word('withheld', locale)})"
        return word("no_value", locale)
    value = formatted(ind.value, ind.unit, locale)
    if ind.unit == "count":
        return f"{value} {word('window_total', locale)}"
    if ind.unit == "days":
        return f"{value} {word('unit.days', locale)}"
    if ind.numerator is not None and ind.denominator is not None:
        return f"{value} ({ind.numerator}/{ind.denominator})"
    return value


def _target(ind: IndicatorOut, locale: str) -> str | None:
    if ind.target is None:
        return None
    sign = "≥" if ind.direction == "up" else "≤"
    return f"{sign} {formatted(ind.target, ind.unit, locale)}" + (
        f" {word('unit.days', locale)}" if ind.unit == "days" else ""
    )


def _series_table(ind: IndicatorOut, locale: str, name: str) -> Table:
    if ind.key == "referral_decision_days":
        (series,) = ind.series
        rows = [
            [
                month_label(p.period),
                formatted(p.value, "days", locale, suppressed=p.suppressed),
                WITHHELD if p.count is None and p.suppressed else str(p.count or 0),
            ]
            for p in series.points
        ]
        headers = [word("month", locale), word("median_days", locale), word("referrals", locale)]
        return Table(name, headers, rows)
    if ind.key == "consultations_in_time":
        (series,) = ind.series
        rows = [
            [
                month_label(p.period),
                formatted(p.value, "percent", locale, suppressed=p.suppressed),
                WITHHELD if p.count is None else str(p.count),
            ]
            for p in series.points
        ]
        headers = [word("month", locale), word("in_time_share", locale), word("due", locale)]
        return Table(name, headers, rows)
    shown = _main_series(ind)
    headers = [word("month", locale)] + [category_label(s.key, locale) for s in shown]
    rows = [
        [month_label(month)]
        + [
            formatted(s.points[i].value, "count", locale, suppressed=s.points[i].suppressed)
            for s in shown
        ]
        for i, month in enumerate(ind.months)
    ]
    return Table(name, headers, rows)


MAIN_SERIES = 4
"""Categories drawn and tabulated month by month besides the total; every category's
total over the window is in the indicator's second table."""


def _main_series(ind: IndicatorOut) -> list[SeriesOut]:
    """The total, then the largest categories (by their count over the window)."""
    totals = {r.key: (r.numerator if r.numerator is not None else -1) for r in ind.rows}
    categories = [s for s in ind.series if s.key != "all"]
    categories.sort(key=lambda s: -totals.get(s.key, -1))
    return [s for s in ind.series if s.key == "all"] + categories[:MAIN_SERIES]


def _rows_table(ind: IndicatorOut, locale: str, name: str) -> Table:
    if any(r.denominator is not None for r in ind.rows):
        headers = [word("category", locale), word("share", locale), word("count", locale),
                   word("of", locale)]  # fmt: skip
        rows = [
            [
                category_label(r.key, locale),
                formatted(r.value, "percent", locale, suppressed=r.suppressed),
                WITHHELD if r.numerator is None else str(r.numerator),
                WITHHELD if r.denominator is None else str(r.denominator),
            ]
            for r in ind.rows
        ]
        return Table(name, headers, rows)
    headers = [word("category", locale), word("count", locale)]
    rows = [
        [category_label(r.key, locale), WITHHELD if r.numerator is None else str(r.numerator)]
        for r in ind.rows
    ]
    return Table(name, headers, rows)


def _chart(ind: IndicatorOut, locale: str, name: str) -> Chart | None:
    withheld = word("withheld", locale)
    target = word("target", locale)
    if ind.series:
        months = list(range(len(ind.months)))
        if ind.unit != "count":
            # A median or a share of nothing is not drawn (it is not withheld either: the
            # month had no case); the table lists every month.
            (only,) = ind.series
            months = [i for i, p in enumerate(only.points) if p.suppressed or p.count]
            if not months:
                return None
        series = {
            category_label(s.key, locale): [_points(s)[i] for i in months]
            for s in _main_series(ind)
        }
        value_label = {"count": word("count", locale), "days": word("median_days", locale),
                       "percent": word("in_time_share", locale)}[ind.unit]  # fmt: skip
        return charts.line_chart(
            title=name,
            x=[month_label(ind.months[i]) for i in months],
            series=series,
            value_label=value_label,
            target=ind.target,
            target_label=target,
            suppressed_label=withheld,
        )
    if ind.unit == "percent":
        if ind.key == "measures_on_schedule":
            shown = [(name, ind.value)]
        else:
            shown = [(category_label(r.key, locale), r.value) for r in ind.rows]
        drawable = [(label, v) for label, v in shown if v is not None]
        if not drawable:
            return None
        return charts.progress_chart(
            title=name,
            labels=[label for label, _ in drawable],
            values=[float(v) for _, v in drawable],
            targets=[ind.target for _ in drawable],
            unit="%",
            target_label=target,
        )
    return None


def indicator_block(ind: IndicatorOut, locale: str) -> IndicatorBlock:
    name = in_language(ind.name, locale)
    if ind.series:
        tables = [_series_table(ind, locale, name)]
        if ind.rows:
            tables.append(_rows_table(ind, locale, f"{name}: {word('window_total', locale)}"))
    else:
        tables = [_rows_table(ind, locale, name)]
    return IndicatorBlock(
        key=ind.key,
        name=name,
        description=in_language(ind.description, locale),
        headline=_headline(ind, locale),
        target=_target(ind, locale),
        met=ind.met,
        chart=_chart(ind, locale, name),
        tables=tables,
        wide=any(len(t.headers) > 3 for t in tables),
    )


def _overview(indicators: Sequence[IndicatorOut], locale: str) -> Chart | None:
    shown = [i for i in indicators if i.unit == "percent" and i.value is not None]
    if not shown:
        return None
    return charts.progress_chart(
        title=word("overview", locale),
        labels=[in_language(i.name, locale) for i in shown],
        values=[float(i.value or 0) for i in shown],
        targets=[i.target for i in shown],
        unit="%",
        target_label=word("target", locale),
    )


def build(plan: PlanOut, indicators: Sequence[IndicatorOut], locale: str) -> Report:
    """The report in `locale`: an objective's indicators are those of its aim; an
    indicator whose aim no objective has is reported at the end, so none is lost."""
    report = Report(
        locale=locale,
        title=word("title", locale),
        subtitle=word("as_of", locale).format(day=day(plan.as_of, locale)),
        overview=_overview(indicators, locale),
    )
    blocks = {i.key: indicator_block(i, locale) for i in indicators}
    placed: set[str] = set()
    for objective in plan.objectives:
        mine = [blocks[i.key] for i in indicators if i.aim == objective.aim]
        placed |= {b.key for b in mine}
        report.objectives.append(
            ObjectiveBlock(
                code=objective.code,
                title=in_language(objective.title, locale),
                description=in_language(objective.description, locale),
                aim=AIM_NAMES[objective.aim][locale],
                measures=[_measure_row(m, locale) for m in objective.measures],
                indicators=mine,
            )
        )
    report.other = [blocks[i.key] for i in indicators if i.key not in placed]
    return report


# --- the PDF -------------------------------------------------------------------------------


def _pdf_indicator(doc: Document, block: IndicatorBlock, locale: str) -> None:
    doc.heading(block.name, 3)
    doc.paragraph(block.description)
    pairs = [(word("current", locale), block.headline)]
    if block.target:
        status = ""
        if block.met is not None:
            status = f" – {word('met' if block.met else 'not_met', locale)}"
        pairs.append((word("target", locale), block.target + status))
    doc.key_values(pairs)
    if block.chart is not None:
        doc.chart(block.chart)
    for table in block.tables:
        doc.table(table.headers, table.rows, caption=table.caption)


def to_pdf(report: Report) -> bytes:
    locale = report.locale
    doc = Document(
        title=report.title, subtitle=report.subtitle, locale=locale, footer=word("footer", locale)
    )
    doc.paragraph(word("withheld_note", locale))
    if report.overview is not None:
        doc.chart(report.overview)
    for objective in report.objectives:
        doc.heading(f"{objective.code}. {objective.title}", 1)
        if objective.description:
            doc.paragraph(objective.description)
        doc.key_values([(word("aim", locale), objective.aim)])
        doc.heading(word("measures", locale), 2)
        if objective.measures:
            # Four columns, so that none is squeezed below its words on A4; who is
            # responsible goes under the measure's title, the reports in a table of
            # their own.
            doc.table(
                [word("code", locale), word("measure", locale), word("status", locale),
                 word("deadline", locale)],
                [[m.code, f"{m.title}\n{word('responsible', locale)}: {m.organisations}",
                  m.status_label, m.deadline] for m in objective.measures],
            )  # fmt: skip
            doc.table(
                [word("code", locale), word("latest", locale)],
                [[m.code, f"{m.latest_on}: {m.latest}" if m.latest_on else m.latest]
                 for m in objective.measures],
            )  # fmt: skip
        else:
            doc.paragraph(word("no_measures", locale))
        if objective.indicators:
            doc.heading(word("indicators", locale), 2)
            for block in objective.indicators:
                _pdf_indicator(doc, block, locale)
    if report.other:
        doc.heading(word("other_indicators", locale), 1)
        for block in report.other:
            _pdf_indicator(doc, block, locale)
    return doc.bytes()
