"""Eurostat and UNODC tables: golden files, margins that add up, unknowns and children."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opennrm.referrals.rules import age_group
from opennrm.statistics.facts import UNKNOWN, SuspectRow, VictimRow
from opennrm.statistics.official import (
    EU27,
    EUROSTAT_CITIZEN,
    OfficialTable,
    citizen_group,
    eurostat_tables,
    official_tables,
    table_csv,
    unodc_tables,
)
from tests.golden import check_golden

COUNTRY = "FI"


def victim(
    n: int,
    *,
    on: date,
    status: str = "identified",
    sex: str = "female",
    group: str = "18_29",
    child: bool | None = None,
    nationality: str = "VN",
    types: tuple[str, ...] = ("sexual",),
) -> VictimRow:
    if child is None and group != UNKNOWN:
        child = group == "under_18"
    return VictimRow(
        unit=str(n),
        registered_on=on,
        status=status,
        sex=sex,
        age_group=group,
        child=child,
        nationality=nationality,
        exploitation_type=types[0] if types else UNKNOWN,
        exploitation_types=types,
        indicators=(),
        region="Uusimaa",
        department="Helsingin poliisilaitos",
        referrer_type="ngo",
        assisted=status == "identified",
    )


def suspect(on: date, stage: str, sex: str, nationality: str) -> SuspectRow:
    return SuspectRow(
        opened_on=on, stage=stage, sex=sex, nationality=nationality, offence="thb_aggravated"
    )


def victims() -> list[VictimRow]:
    """About sixty victims over two years: labour and sexual exploitation of Vietnamese,
    Thai, Nigerian, Romanian, Ukrainian and Finnish people, children, unknowns."""
    plan = [
        # count, status, sex, age group, nationality, exploitation types
        (9, "identified", "male", "18_29", "VN", ("labour",)),
        (6, "presumed", "male", "30_39", "TH", ("labour", "servitude")),
        (8, "identified", "female", "18_29", "NG", ("sexual",)),
        (5, "presumed", "female", "18_29", "RO", ("sexual", "labour")),
        (4, "identified", "female", "40_49", "UA", ("labour", "benefit_fraud")),
        (3, "presumed", "female", "under_18", "FI", ("sexual",)),
        (3, "identified", "male", "under_18", "VN", ("forced_criminality",)),
        (3, "presumed", "male", "50_plus", "RO", ("begging",)),
        (2, "identified", "female", "30_39", "EE", ("forced_marriage",)),
        (2, "presumed", "other", "18_29", "TH", ("sexual",)),
        (2, "presumed", "unknown", UNKNOWN, UNKNOWN, ()),
        (1, "identified", "male", "30_39", "XK", ("organ_removal",)),
        (2, "presumed", "female", "under_18", "NG", ("child_labour",)),
        (2, "identified", "male", "18_29", "UA", ("forced_military", "labour")),
        (3, "not_identified", "female", "18_29", "NG", ("sexual",)),
        (4, "presumed", "female", "30_39", "VN", ("labour",)),
    ]
    rows = []
    n = 0
    for count, status, sex, group, nationality, types in plan:
        for _ in range(count):
            n += 1
            on = date(2024 + (n % 2), 1 + (n * 5) % 12, 1 + n % 28)
            rows.append(
                victim(
                    n,
                    on=on,
                    status=status,
                    sex=sex,
                    group=group,
                    nationality=nationality,
                    types=types,
                )
            )
    return rows


def suspects() -> list[SuspectRow]:
    plan = [
        (date(2024, 3, 1), "convicted", "male", "VN"),
        (date(2024, 3, 1), "convicted", "female", "VN"),
        (date(2024, 5, 9), "prosecuted", "male", "FI"),
        (date(2024, 5, 9), "suspected", "male", "FI"),
        (date(2024, 8, 20), "suspected", "male", "RO"),
        (date(2024, 8, 20), "suspected", "female", "RO"),
        (date(2024, 11, 2), "prosecuted", "male", "NG"),
        (date(2024, 11, 2), "suspected", "unknown", "NG"),
        (date(2024, 12, 1), "suspected", "unknown", UNKNOWN),
        (date(2025, 1, 15), "convicted", "male", "TH"),
        (date(2025, 2, 3), "prosecuted", "female", "TH"),
        (date(2025, 2, 3), "suspected", "male", "EE"),
        (date(2025, 4, 4), "suspected", "male", "UA"),
        (date(2025, 4, 4), "suspected", "male", "UA"),
        (date(2025, 6, 30), "convicted", "female", "FI"),
        (date(2025, 6, 30), "prosecuted", "male", "FI"),
        (date(2025, 9, 9), "suspected", "unknown", "VN"),
        (date(2025, 10, 1), "prosecuted", "male", "RO"),
        (date(2025, 11, 11), "suspected", "female", "XK"),
        (date(2025, 12, 12), "charge_considered", "male", "VN"),
    ]
    return [suspect(*p) for p in plan]


def by_name(tables: list[OfficialTable]) -> dict[str, OfficialTable]:
    return {t.name: t for t in tables}


def totals(table: OfficialTable, keep: tuple[str, ...]) -> dict[tuple[object, ...], int]:
    out: dict[tuple[object, ...], int] = defaultdict(int)
    for row in table.rows:
        out[tuple(row[d] for d in keep)] += int(row["count"])
    return dict(out)


def cell(table: OfficialTable, **where: object) -> int:
    matching = [r for r in table.rows if all(r[k] == v for k, v in where.items())]
    return sum(int(r["count"]) for r in matching)


TABLES = by_name(official_tables(victims(), suspects(), country=COUNTRY))


def test_the_fixed_set_is_about_sixty_victims_and_twenty_suspects() -> None:
    assert 55 <= len(victims()) <= 65
    assert len(suspects()) == 20
    assert list(TABLES) == [
        "eurostat_victims_sex_age",
        "eurostat_victims_citizen",
        "eurostat_victims_exploitation",
        "eurostat_traffickers_sex",
        "eurostat_traffickers_citizen",
        "unodc_victims",
        "unodc_persons",
    ]


@pytest.mark.parametrize("name", sorted(TABLES))
def test_golden_tables(name: str) -> None:
    check_golden(f"{name}.csv", table_csv(TABLES[name]))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_category_combination_is_a_row_in_a_stable_order(name: str) -> None:
    table = TABLES[name]
    values = [list(dict.fromkeys(r[d] for r in table.rows)) for d in table.dims]
    assert len(table.rows) == math.prod(len(v) for v in values)
    assert len({tuple(r[d] for d in table.dims) for r in table.rows}) == len(table.rows)
    assert all(list(r) == [*table.dims, "count"] for r in table.rows)
    assert any(r["count"] == 0 for r in table.rows)  # zeros are kept
    shuffled_victims, shuffled_suspects = victims(), suspects()
    random.Random(7).shuffle(shuffled_victims)
    random.Random(7).shuffle(shuffled_suspects)
    again = by_name(official_tables(shuffled_victims, shuffled_suspects, country=COUNTRY))
    assert again[name] == table


def test_victim_tables_add_up_to_the_same_margins() -> None:
    keys = ("time", "status", "sex")
    by_age = totals(TABLES["eurostat_victims_sex_age"], keys)
    assert by_age == totals(TABLES["eurostat_victims_citizen"], keys)
    assert by_age == totals(TABLES["eurostat_victims_exploitation"], keys)
    registered = [v for v in victims() if v.status != "not_identified"]
    assert sum(by_age.values()) == len(registered)
    eurostat_years = totals(TABLES["eurostat_victims_sex_age"], ("time",))
    assert eurostat_years == totals(TABLES["unodc_victims"], ("year",))


def test_trafficker_tables_add_up_and_stages_are_cumulative() -> None:
    keys = ("time", "leg_stat", "sex")
    by_sex = totals(TABLES["eurostat_traffickers_sex"], keys)
    assert by_sex == totals(TABLES["eurostat_traffickers_citizen"], keys)
    unodc = totals(TABLES["unodc_persons"], ("year", "stage"))
    eurostat = totals(TABLES["eurostat_traffickers_sex"], ("time", "leg_stat"))
    names = {"suspected": "PER_SUSP", "prosecuted": "PER_PRSC", "convicted": "PER_CNV"}
    assert {(y, names[str(s)]): n for (y, s), n in unodc.items()} == eurostat
    for year in (2024, 2025):
        suspected, prosecuted, convicted = (
            eurostat[(year, leg)] for leg in ("PER_SUSP", "PER_PRSC", "PER_CNV")
        )
        assert suspected >= prosecuted >= convicted
    assert eurostat[(2024, "PER_SUSP")] == 9
    assert eurostat[(2024, "PER_PRSC")] == 4
    assert eurostat[(2024, "PER_CNV")] == 2


def test_unknown_values_land_in_the_unknown_categories() -> None:
    row = victim(
        1, on=date(2025, 5, 5), sex="unknown", group=UNKNOWN, nationality=UNKNOWN, types=()
    )
    stateless = victim(2, on=date(2025, 5, 5), sex="other", nationality="XK")
    tables = by_name(official_tables([row, stateless], [], country=COUNTRY))
    assert cell(tables["eurostat_victims_sex_age"], sex="UNK", age="UNK") == 1
    assert cell(tables["eurostat_victims_sex_age"], sex="UNK") == 2
    assert cell(tables["eurostat_victims_citizen"], citizen="UNK") == 2
    assert cell(tables["eurostat_victims_exploitation"], exploitation="unknown") == 1
    assert cell(tables["unodc_victims"], sex_age="unknown") == 2
    assert cell(tables["unodc_victims"], form="unknown") == 1
    assert sum(int(r["count"]) for r in tables["unodc_victims"].rows) == 2


def test_children_are_classified_by_age_at_registration() -> None:
    def registered(n: int, born: str, on: date) -> VictimRow:
        # As the loader does: the age group on the day of registration.
        return victim(n, on=on, group=age_group(born, on), nationality="VN", types=("labour",))

    # Seventeen when registered (late 2025), adult by the end of the year: a child.
    late = registered(1, "2007-12-20", date(2025, 10, 1))
    # Eighteen a month before registration: an adult.
    early = registered(2, "2007-09-01", date(2025, 10, 1))
    tables = by_name(official_tables([late, early], [], country=COUNTRY))
    assert cell(tables["eurostat_victims_sex_age"], age="Y_LT18") == 1
    assert cell(tables["eurostat_victims_sex_age"], age="Y_GE18") == 1
    assert cell(tables["unodc_victims"], sex_age="girls") == 1
    assert cell(tables["unodc_victims"], sex_age="women") == 1


def test_citizenship_groups_seen_from_the_reporting_country() -> None:
    assert len(EU27) == 27 and "GB" not in EU27 and "HR" in EU27
    assert [citizen_group(c, "FI") for c in ("FI", "EE", "GR", "VN", "GB", "unknown")] == [
        "NAT",
        "EU27_2020_FOR",
        "EU27_2020_FOR",
        "NEU27_2020_FOR",
        "NEU27_2020_FOR",
        "UNK",
    ]
    assert citizen_group("FI", "SE") == "EU27_2020_FOR"
    assert tuple(dict.fromkeys(r["citizen"] for r in TABLES["eurostat_victims_citizen"].rows)) == (
        EUROSTAT_CITIZEN
    )


def test_forms_in_unodc_are_mixed_when_they_span_categories() -> None:
    table = TABLES["unodc_victims"]
    # Romanian women: sexual + labour; Ukrainian men: military (other) + labour;
    # Ukrainian women: labour + benefit fraud (other).
    assert cell(table, form="mixed") == 5 + 2 + 4
    # Thai men: labour + servitude, both forced labour, so not mixed.
    assert cell(table, form="forced_labour", sex_age="men") >= 6
    assert cell(table, form="begging") == 3
    assert cell(table, form="forced_criminality", sex_age="boys") == 3


def test_people_decided_not_to_be_victims_are_not_counted() -> None:
    decided = [victim(n, on=date(2025, 1, 1), status="not_identified") for n in range(4)]
    tables = by_name(official_tables(decided, [], country=COUNTRY))
    assert all(r["count"] == 0 for t in tables.values() for r in t.rows)


def test_asked_years_are_all_covered_and_others_left_out() -> None:
    tables = eurostat_tables(victims(), suspects(), country=COUNTRY, years=[2023, 2025])
    table = by_name(tables)["eurostat_victims_sex_age"]
    assert {r["time"] for r in table.rows} == {2023, 2025}
    assert cell(table, time=2023) == 0
    assert cell(table, time=2025) == len(
        [v for v in victims() if v.registered_on.year == 2025 and v.status != "not_identified"]
    )
    unodc = by_name(unodc_tables(victims(), suspects(), years=[2025]))
    assert {r["year"] for r in unodc["unodc_persons"].rows} == {2025}


def test_csv_and_a_wrong_reporting_country() -> None:
    text = table_csv(TABLES["eurostat_traffickers_sex"])
    assert text.splitlines()[0] == "time,leg_stat,sex,count"
    assert text.splitlines()[1] == "2024,PER_SUSP,F,2"
    with pytest.raises(ValueError, match="reporting country 'Finland'"):
        eurostat_tables([], [], country="Finland")


_victims = st.builds(
    victim,
    st.integers(0, 10_000),
    on=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
    status=st.sampled_from(["presumed", "identified", "not_identified"]),
    sex=st.sampled_from(["female", "male", "other", "unknown"]),
    group=st.sampled_from(["under_18", "18_29", "30_39", "50_plus", UNKNOWN]),
    nationality=st.sampled_from(["FI", "SE", "EE", "VN", "NG", "UA", "XK", UNKNOWN]),
    types=st.lists(st.sampled_from(["labour", "sexual", "begging", "other"]), max_size=2).map(
        tuple
    ),
)
_suspects = st.builds(
    suspect,
    st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
    st.sampled_from(["suspected", "prosecuted", "convicted", "closed"]),
    st.sampled_from(["female", "male", "unknown"]),
    st.sampled_from(["FI", "RO", "VN", UNKNOWN]),
)


@settings(max_examples=100, deadline=None)
@given(victim_rows=st.lists(_victims, max_size=60), suspect_rows=st.lists(_suspects, max_size=20))
def test_any_rows_give_tables_that_add_up(
    victim_rows: list[VictimRow], suspect_rows: list[SuspectRow]
) -> None:
    tables = by_name(official_tables(victim_rows, suspect_rows, country=COUNTRY))
    keys = ("time", "status", "sex")
    by_age = totals(tables["eurostat_victims_sex_age"], keys)
    assert by_age == totals(tables["eurostat_victims_citizen"], keys)
    assert by_age == totals(tables["eurostat_victims_exploitation"], keys)
    assert sum(by_age.values()) == sum(v.status != "not_identified" for v in victim_rows)
    assert sum(totals(tables["unodc_victims"], ("year",)).values()) == sum(by_age.values())
    assert sum(totals(tables["unodc_persons"], ("stage",)).values()) >= len(suspect_rows)
