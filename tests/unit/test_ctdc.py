"""The CTDC-shaped release: CTDC's columns, and k-anonymity over the quasi-identifiers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from opennrm.signals.codes import COUNTRY_CODES, EXPLOITATION_TYPES
from opennrm.statistics.ctdc import (
    COLUMNS,
    MISSING,
    QUASI_IDENTIFIERS,
    REGIONS,
    CtdcRelease,
    CtdcVictim,
    anonymise,
    quasi_identifier_counts,
)
from opennrm.statistics.facts import AGE_GROUPS, UNKNOWN, VictimRow
from tests.golden import check_golden


def victim(
    unit: int,
    *,
    on: date = date(2025, 6, 1),
    status: str = "presumed",
    sex: str = "female",
    age_group: str = "18_29",
    nationality: str = "VN",
    types: tuple[str, ...] = ("labour",),
    indicators: tuple[str, ...] = (),
) -> VictimRow:
    child = None if age_group == UNKNOWN else age_group == "under_18"
    return VictimRow(
        unit=str(unit),
        registered_on=on,
        status=status,
        sex=sex,
        age_group=age_group,
        child=child,
        nationality=nationality,
        exploitation_type=types[0] if types else UNKNOWN,
        exploitation_types=types,
        indicators=indicators,
        region="Uusimaa",
        department="Helsingin poliisilaitos",
        referrer_type="ngo",
        assisted=status == "identified",
    )


def synthetic_set() -> list[VictimRow | CtdcVictim]:
    """A fixed, varied set: Vietnamese and Thai labour, Nigerian and Romanian sexual
    exploitation, Ukrainian and Finnish victims, children, rare nationalities, a few
    people the assistance system did not identify."""
    rows: list[VictimRow | CtdcVictim] = []
    n = 0
    plan = [
        # (count, sex, age group, nationality, types, indicators)
        (48, "male", "18_29", "VN", ("labour",), ("AL-DR-1", "AL-CD-1")),
        (30, "male", "30_39", "TH", ("labour", "servitude"), ("AL-CR-4",)),
        (40, "female", "18_29", "NG", ("sexual",), ("AS-CR-4", "AS-CD-3")),
        (26, "female", "18_29", "RO", ("sexual",), ()),
        (14, "male", "18_29", "UA", ("labour",), ()),
        (12, "female", "30_39", "UA", ("labour", "benefit_fraud"), ("BF-EC-2",)),
        (9, "female", "under_18", "FI", ("sexual",), ("CS-CD-6",)),
        (6, "male", "under_18", "VN", ("forced_criminality",), ("CFC-EC-1",)),
        (5, "male", "50_plus", "RO", ("begging",), ("FB-EC-1",)),
        (3, "female", "40_49", "PH", ("labour",), ()),
        (2, "other", "unknown", "unknown", ("forced_marriage",), ()),
        (1, "female", "40_49", "BR", ("organ_removal",), ()),
        (1, "unknown", "unknown", "MN", (), ()),
    ]
    for count, sex, group, nationality, types, indicators in plan:
        for i in range(count):
            n += 1
            on = date(2024 + i % 2, 1 + i % 12, 1 + i % 28)
            row = victim(
                n,
                on=on,
                status="identified" if i % 3 == 0 else "presumed",
                sex=sex,
                age_group=group,
                nationality=nationality,
                types=types,
                indicators=indicators,
            )
            # The loader knows exact ages for some (CTDC's bands need them).
            rows.append(CtdcVictim(row, age=19 + i % 10) if group == "18_29" else row)
    rows.append(victim(n + 1, status="not_identified", nationality="UA"))
    rows.append(victim(n + 2, status="not_identified", nationality="NG", sex="male"))
    return rows


def as_csv(release: CtdcRelease) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(release.rows)
    return out.getvalue()


def assert_k_anonymous(rows: Sequence[dict[str, str | int]], k: int) -> None:
    counts = quasi_identifier_counts(rows)
    assert all(n >= k for n in counts.values()), counts


def test_columns_are_ctdcs_global_dataset_columns() -> None:
    assert len(COLUMNS) == 63 and len(set(COLUMNS)) == 63
    assert COLUMNS[:8] == (
        "yearOfRegistration",
        "Datasource",
        "gender",
        "ageBroad",
        "majorityStatus",
        "majorityStatusAtExploit",
        "majorityEntry",
        "citizenship",
    )
    assert set(QUASI_IDENTIFIERS) <= set(COLUMNS)
    assert MISSING == -99


def test_every_country_but_antarctica_has_a_world_region() -> None:
    assert set(REGIONS) == COUNTRY_CODES - {"AQ"}
    assert REGIONS["FI"] == "Europe" and REGIONS["VN"] == "Asia" and REGIONS["NG"] == "Africa"


def test_the_fixed_set_is_released_k_anonymous_with_a_report() -> None:
    rows = synthetic_set()
    release = anonymise(rows, country_of_exploitation="FI")
    report = release.report
    assert_k_anonymous(release.rows, 11)
    assert report.k == 11
    assert report.records_in == len(rows)
    assert report.excluded == 2
    assert report.released + report.suppressed + report.excluded == len(rows)
    assert report.released == len(release.rows)
    assert report.steps, "the set has rare combinations: something must be generalised"
    assert report.smallest_group is not None and report.smallest_group >= 11
    assert all(list(row) == list(COLUMNS) for row in release.rows)
    assert {row["CountryOfExploitation"] for row in release.rows} == {"FI"}


def test_golden_release() -> None:
    release = anonymise(synthetic_set(), country_of_exploitation="FI")
    report = release.report
    summary = "\n".join(
        [
            f"k={report.k} in={report.records_in} excluded={report.excluded} "
            f"suppressed={report.suppressed} released={report.released} "
            f"smallest_group={report.smallest_group}",
            *(f"level {q}: {level}" for q, level in report.levels),
            *(f"step {n}: {step}" for n, step in enumerate(report.steps, start=1)),
        ]
    )
    check_golden("ctdc_release.csv", as_csv(release))
    check_golden("ctdc_report.txt", summary + "\n")


def test_nothing_is_generalised_when_the_groups_are_large_enough() -> None:
    rows = [victim(i, age_group="18_29", nationality="VN") for i in range(11)]
    release = anonymise(rows)
    assert release.report.steps == ()
    assert release.report.suppressed == 0
    assert [r["citizenship"] for r in release.rows] == ["VN"] * 11
    assert {r["ageBroad"] for r in release.rows} == {"18--29"}  # no exact age: broader band
    assert {r["yearOfRegistration"] for r in release.rows} == {2025}


def test_rare_nationalities_are_generalised_to_their_region() -> None:
    nationalities = ["VN", "TH", "PH", "CN", "KH", "LA", "MM", "ID", "MY", "NP", "BD", "IN"]
    rows = [
        victim(i, nationality=nationalities[i % len(nationalities)], age_group="30_39")
        for i in range(24)
    ]
    release = anonymise(rows, max_suppression=0)
    assert release.report.steps[0] == "citizenship: world region (UN M49)"
    assert {r["citizenship"] for r in release.rows} == {"Asia"}
    assert release.report.suppressed == 0


def test_exact_ages_give_ctdc_bands_and_children_are_minors() -> None:
    ages = [(5, "0--8"), (15, "9--17"), (19, "18--20"), (35, "30--38"), (60, "48+")]
    rows = [
        CtdcVictim(victim(i, age_group="under_18" if age < 18 else "18_29"), age=age)
        for i, (age, _) in enumerate(ages)
    ]
    release = anonymise(rows, k=1)
    assert sorted((r["ageBroad"], r["majorityStatus"]) for r in release.rows) == sorted(
        (band, "Minor" if age < 18 else "Adult") for age, band in ages
    )


def test_derived_columns_follow_the_released_coarsened_values() -> None:
    release = anonymise(synthetic_set(), k=11)
    for row in release.rows:
        age = row["ageBroad"]
        if age == MISSING:
            assert row["majorityStatus"] == MISSING
        else:
            minor = age in ("0--8", "9--17", "0--17")
            assert row["majorityStatus"] == ("Minor" if minor else "Adult")
        forms = row["typeOfExploitConcatenated"]
        if forms == MISSING:
            assert row["isForcedLabour"] == row["isSexualExploit"] == MISSING
        else:
            assert row["isForcedLabour"] == int("Forced labour" in str(forms))
            assert row["isSexualExploit"] == int("Sexual exploitation" in str(forms))


def test_means_of_control_come_from_the_indicators() -> None:
    rows = [victim(i, indicators=("AL-CD-1", "AL-CD-2", "AL-VR-6")) for i in range(3)]
    rows.append(victim(9))
    release = anonymise(rows, k=1)
    with_controls = [r for r in release.rows if r["meansOfControlNotSpecified"] == 0]
    assert len(with_controls) == 3
    row = with_controls[0]
    assert row["meansOfControlDebtBondage"] == 1
    assert row["meansOfControlWithholdsDocuments"] == 1
    assert row["meansOfControlPhysicalAbuse"] == 0
    assert row["meansOfControlConcatenated"] == "Debt bondage;Withholds documents"
    unknown = next(r for r in release.rows if r["meansOfControlNotSpecified"] == 1)
    assert unknown["meansOfControlDebtBondage"] == MISSING
    assert unknown["meansOfControlConcatenated"] == "Not specified"


def test_fewer_records_than_k_are_all_suppressed() -> None:
    release = anonymise([victim(i) for i in range(10)])
    assert release.rows == []
    assert release.report.suppressed == 10
    assert release.report.smallest_group is None


# --- property: whatever comes in, the release is k-anonymous and nothing is lost ---------

_victims = st.builds(
    victim,
    st.integers(min_value=0, max_value=10_000),
    on=st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 12, 31)),
    status=st.sampled_from(["presumed", "identified"]),
    sex=st.sampled_from(["female", "male", "other", "unknown"]),
    age_group=st.sampled_from(AGE_GROUPS),
    nationality=st.sampled_from(["FI", "VN", "NG", "RO", "UA", "TH", "BR", "AQ", "unknown"]),
    types=st.lists(st.sampled_from(sorted(EXPLOITATION_TYPES)), max_size=3, unique=True).map(tuple),
    indicators=st.lists(
        st.sampled_from(["AL-DR-1", "AL-CD-1", "AS-CR-4", "FB-CD-7", "AL-VR-6"]), max_size=3
    ).map(tuple),
)
_inputs = st.lists(
    st.one_of(
        _victims,
        st.builds(CtdcVictim, _victims, age=st.one_of(st.none(), st.integers(0, 99))),
    ),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(
    rows=_inputs,
    k=st.integers(min_value=1, max_value=15),
    share=st.sampled_from([0.0, 0.05, 0.2]),
)
def test_any_release_is_k_anonymous_and_accounts_for_every_record(
    rows: list[VictimRow | CtdcVictim], k: int, share: float
) -> None:
    release = anonymise(rows, k=k, max_suppression=share)
    assert_k_anonymous(release.rows, k)
    assert len(release.rows) + release.report.suppressed == len(rows)
    assert release.report.suppressed <= len(rows)
