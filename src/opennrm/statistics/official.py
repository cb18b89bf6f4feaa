"""The tables a national rapporteur sends to Eurostat and UNODC, from the fact rows.

Why every category combination is a row, zeros included, in a fixed order: the tables go
through disclosure control (`disclosure`) before they leave the platform, and secondary
suppression needs to see the zero and small cells next to each other; a reader also
needs to tell "none" from "not reported".

Each victim is counted once. The Eurostat tables take the primary form of exploitation
(the first named, as `facts` counts); the UNODC table counts a victim with forms in more
than one of its categories as "mixed", as the Global Report does. Registered victims are
the presumed and the identified ones (Eurostat counts both); a person the assistance
system decided is not a victim is not counted.

Suspects: the fact rows give how far the criminal process got and the year the
investigation was opened, not the year of each stage. A convicted person was also
prosecuted and suspected, so a suspect counts at every stage reached, in the year the
investigation was opened.

Codes: Eurostat's own codes where they could be confirmed (sex F/M/UNK, age Y_LT18/
Y_GE18/UNK, citizen NAT/EU27_2020_FOR/NEU27_2020_FOR/UNK, leg_stat PER_SUSP/PER_PRSC/
PER_CNV); ours, in lower case, where they could not (victim status, form of
exploitation). docs/exports.md lists which is which.

Pure: rows in, tables out; `table_csv` writes to a string.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from opennrm.signals.codes import is_country_code
from opennrm.statistics.facts import UNKNOWN, SuspectRow, VictimRow

Cell = str | int

# The member states since the United Kingdom left on 1 February 2020 (Eurostat's
# aggregate EU27_2020); a line of text, as `signals.codes` keeps its country list.
_EU27 = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU27: Final = frozenset(_EU27.split())
"""The 27 EU member states since 1 February 2020 (Eurostat aggregate EU27_2020), as ISO
3166-1 alpha-2 codes (Eurostat writes Greece EL; the input here is ISO, GR)."""

REGISTERED: Final = ("identified", "presumed")
"""Victim statuses Eurostat counts as registered victims, in table order."""

EUROSTAT_SEX: Final = ("F", "M", "UNK")
EUROSTAT_AGE: Final = ("Y_LT18", "Y_GE18", "UNK")
EUROSTAT_CITIZEN: Final = ("NAT", "EU27_2020_FOR", "NEU27_2020_FOR", "UNK")
EUROSTAT_EXPLOITATION: Final = ("sexual", "labour", "other", "unknown")
EUROSTAT_LEG_STAT: Final = ("PER_SUSP", "PER_PRSC", "PER_CNV")

UNODC_SEX_AGE: Final = ("women", "men", "girls", "boys", "unknown")
UNODC_FORMS: Final = (
    "sexual_exploitation",
    "forced_labour",
    "forced_criminality",
    "begging",
    "forced_marriage",
    "organ_removal",
    "mixed",
    "other",
    "unknown",
)
UNODC_STAGES: Final = ("suspected", "prosecuted", "convicted")
UNODC_SEX: Final = ("female", "male", "unknown")

_STAGES_REACHED: Final = {
    "suspected": ("suspected",),
    "prosecuted": ("suspected", "prosecuted"),
    "convicted": ("suspected", "prosecuted", "convicted"),
}
_LEG_STAT: Final = dict(zip(UNODC_STAGES, EUROSTAT_LEG_STAT, strict=True))

_EUROSTAT_FORMS: Final = {
    "sexual": "sexual",
    "labour": "labour",
    "child_labour": "labour",
    "servitude": "labour",
}
"""Our codes → Eurostat's form; begging, forced criminality, organ removal and the rest
are "other forms" in the EU data collection."""

_UNODC_FORMS: Final = {
    "sexual": "sexual_exploitation",
    "labour": "forced_labour",
    "child_labour": "forced_labour",
    "servitude": "forced_labour",
    "forced_criminality": "forced_criminality",
    "begging": "begging",
    "forced_marriage": "forced_marriage",
    "organ_removal": "organ_removal",
}
"""Our codes → the Global Report's forms; the rest (forced military service, illegal
adoption, surrogacy, benefit fraud, other) are "other"."""


@dataclass(frozen=True)
class OfficialTable:
    """One table: a row per combination of `dims` values, with its `count`."""

    name: str
    dims: tuple[str, ...]
    rows: list[dict[str, Cell]]


def official_tables(
    victims: Iterable[VictimRow],
    suspects: Iterable[SuspectRow],
    *,
    country: str,
    years: Iterable[int] | None = None,
) -> list[OfficialTable]:
    """The Eurostat and then the UNODC tables."""
    victim_list, suspect_list = list(victims), list(suspects)
    span = _years(victim_list, suspect_list, years)
    return [
        *eurostat_tables(victim_list, suspect_list, country=country, years=span),
        *unodc_tables(victim_list, suspect_list, years=span),
    ]


def eurostat_tables(
    victims: Iterable[VictimRow],
    suspects: Iterable[SuspectRow],
    *,
    country: str,
    years: Iterable[int] | None = None,
) -> list[OfficialTable]:
    """Registered victims by sex and age, citizenship and form of exploitation; suspected,
    prosecuted and convicted traffickers by sex and citizenship; all by year."""
    if not is_country_code(country):
        raise ValueError(f"reporting country {country!r} is not an ISO 3166-1 alpha-2 code")
    registered = [v for v in victims if v.status in REGISTERED]
    suspect_list = list(suspects)
    span = _years(registered, suspect_list, years)
    stages = [(s, _LEG_STAT[stage]) for s in suspect_list for stage in _STAGES_REACHED[_stage(s)]]

    def victim_table(
        name: str, dim: str, values: Sequence[str], of: Callable[[VictimRow], str]
    ) -> OfficialTable:
        return _table(
            name,
            (("time", span), ("status", REGISTERED), ("sex", EUROSTAT_SEX), (dim, values)),
            ((v.registered_on.year, v.status, eurostat_sex(v.sex), of(v)) for v in registered),
        )

    return [
        victim_table("eurostat_victims_sex_age", "age", EUROSTAT_AGE, eurostat_age),
        victim_table(
            "eurostat_victims_citizen",
            "citizen",
            EUROSTAT_CITIZEN,
            lambda v: citizen_group(v.nationality, country),
        ),
        victim_table(
            "eurostat_victims_exploitation",
            "exploitation",
            EUROSTAT_EXPLOITATION,
            lambda v: eurostat_exploitation(v.exploitation_type),
        ),
        _table(
            "eurostat_traffickers_sex",
            (("time", span), ("leg_stat", EUROSTAT_LEG_STAT), ("sex", EUROSTAT_SEX)),
            ((s.opened_on.year, leg, eurostat_sex(s.sex)) for s, leg in stages),
        ),
        _table(
            "eurostat_traffickers_citizen",
            (
                ("time", span),
                ("leg_stat", EUROSTAT_LEG_STAT),
                ("sex", EUROSTAT_SEX),
                ("citizen", EUROSTAT_CITIZEN),
            ),
            (
                (s.opened_on.year, leg, eurostat_sex(s.sex), citizen_group(s.nationality, country))
                for s, leg in stages
            ),
        ),
    ]


def unodc_tables(
    victims: Iterable[VictimRow],
    suspects: Iterable[SuspectRow],
    *,
    years: Iterable[int] | None = None,
) -> list[OfficialTable]:
    """Detected victims by sex-age group and form of exploitation; persons suspected,
    prosecuted and convicted by sex; by year (the Global Report on Trafficking in
    Persons' breakdowns)."""
    detected = [v for v in victims if v.status in REGISTERED]
    suspect_list = list(suspects)
    span = _years(detected, suspect_list, years)
    return [
        _table(
            "unodc_victims",
            (("year", span), ("sex_age", UNODC_SEX_AGE), ("form", UNODC_FORMS)),
            ((v.registered_on.year, unodc_sex_age(v), unodc_form(v)) for v in detected),
        ),
        _table(
            "unodc_persons",
            (("year", span), ("stage", UNODC_STAGES), ("sex", UNODC_SEX)),
            (
                (s.opened_on.year, stage, unodc_sex(s.sex))
                for s in suspect_list
                for stage in _STAGES_REACHED[_stage(s)]
            ),
        ),
    ]


def table_csv(table: OfficialTable) -> str:
    """The table as CSV text: a header of its dims and `count`, one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*table.dims, "count"])
    for row in table.rows:
        writer.writerow([row[d] for d in (*table.dims, "count")])
    return out.getvalue()


# --- categories -----------------------------------------------------------------------------


def eurostat_sex(sex: str) -> str:
    """F, M or UNK; Eurostat's sex has no third value, so another gender is UNK."""
    return {"female": "F", "male": "M"}.get(sex, "UNK")


def is_child(victim: VictimRow) -> bool | None:
    """Under 18 at registration; None when the age is not known."""
    if victim.child is not None:
        return victim.child
    if victim.age_group == UNKNOWN:
        return None
    return victim.age_group == "under_18"


def eurostat_age(victim: VictimRow) -> str:
    child = is_child(victim)
    return "UNK" if child is None else ("Y_LT18" if child else "Y_GE18")


def citizen_group(nationality: str, country: str) -> str:
    """NAT, EU27_2020_FOR, NEU27_2020_FOR or UNK, seen from the reporting country."""
    if not is_country_code(nationality):
        return "UNK"
    if nationality == country:
        return "NAT"
    return "EU27_2020_FOR" if nationality in EU27 else "NEU27_2020_FOR"


def eurostat_exploitation(code: str) -> str:
    if not code or code == UNKNOWN:
        return "unknown"
    return _EUROSTAT_FORMS.get(code, "other")


def unodc_sex_age(victim: VictimRow) -> str:
    child = is_child(victim)
    if victim.sex not in ("female", "male") or child is None:
        return "unknown"
    if victim.sex == "female":
        return "girls" if child else "women"
    return "boys" if child else "men"


def unodc_form(victim: VictimRow) -> str:
    codes = [c for c in victim.exploitation_types if c and c != UNKNOWN]
    if not codes and victim.exploitation_type not in ("", UNKNOWN):
        codes = [victim.exploitation_type]
    forms = {_UNODC_FORMS.get(c, "other") for c in codes}
    if not forms:
        return "unknown"
    return forms.pop() if len(forms) == 1 else "mixed"


def unodc_sex(sex: str) -> str:
    return sex if sex in ("female", "male") else "unknown"


def _stage(suspect: SuspectRow) -> str:
    """The stage reached; anything unrecognised counts as suspected only."""
    return suspect.stage if suspect.stage in _STAGES_REACHED else "suspected"


# --- tables ---------------------------------------------------------------------------------


def _years(
    victims: Sequence[VictimRow], suspects: Sequence[SuspectRow], years: Iterable[int] | None
) -> tuple[int, ...]:
    if years is not None:
        return tuple(sorted(set(years)))
    seen = {v.registered_on.year for v in victims} | {s.opened_on.year for s in suspects}
    return tuple(sorted(seen))


def _table(
    name: str,
    dims: Sequence[tuple[str, Sequence[Cell]]],
    keys: Iterable[tuple[Cell, ...]],
) -> OfficialTable:
    """Count `keys` into every combination of the dims' values, in their order.

    A key outside the table (a year not asked for) is not counted.
    """
    counts = Counter(keys)
    names = tuple(d for d, _ in dims)
    rows: list[dict[str, Cell]] = []
    for combination in itertools.product(*(values for _, values in dims)):
        row: dict[str, Cell] = dict(zip(names, combination, strict=True))
        row["count"] = counts.get(combination, 0)
        rows.append(row)
    return OfficialTable(name, names, rows)
