"""HTCDS v2.0: the schema, export, import, round trip and error messages."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from opennrm.auth.models import ORGANISATION_TYPES as PLATFORM_ORGANISATION_TYPES
from opennrm.screening.catalogue import current_catalogues
from opennrm.signals.codes import COUNTRY_CODES, EXPLOITATION_TYPES, GENDERS
from opennrm.statistics.facts import VICTIM_STATUSES
from opennrm.statistics.htcds import (
    CASE_STATUS,
    METHODS_OF_CONTROL,
    ORGANISATION_TYPES,
    SUSPECT_ROLES,
    VICTIM_STATUS,
    CaseInput,
    Consent,
    InvalidHtcdsRecord,
    Organisation,
    Person,
    Referral,
    Service,
    Suspect,
    from_htcds,
    indicator_methods,
    schema,
    to_htcds,
    to_json_lines,
    validate,
)
from opennrm.support.services import SERVICE_TYPES
from tests.golden import check_golden

NGO = Organisation("Pro-tukipiste ry", "ngo", "FI")
POLICE = Organisation("Itä-Uudenmaan poliisilaitos", "police", "FI")
ASSISTANCE = Organisation("Ihmiskaupan uhrien auttamisjärjestelmä", "assistance_system", "FI")
LABOUR = Organisation("Etelä-Suomen aluehallintovirasto", "labour_inspection", "FI")

CASES: tuple[CaseInput, ...] = (
    CaseInput(
        case_id="case-01",
        organisation=NGO,
        registered_on=date(2025, 1, 15),
        exploitation_types=("sexual",),
        victim=Person(
            names=("Aino Virtanen",),
            given_name="Aino",
            family_name="Virtanen",
            birth_date="1998-03-14",
            gender="female",
            nationality="FI",
            phones=("+358 40 123 4567",),
            emails=("aino.virtanen@example.fi",),
        ),
        victim_status="identified",
        case_status="closed",
        occurred_on=date(2024, 11, 2),
        municipality="Helsinki",
        exploitation_country="FI",
        indicators=("AS-DR-1", "AS-CD-11"),
        consent=Consent(to_assistance_system=True, to_police=True),
        services=(
            Service("accommodation", date(2025, 1, 20), date(2025, 4, 30)),
            Service("health", date(2025, 1, 22), None),
        ),
        referrals=(Referral("assistance_system", date(2025, 1, 16), "identified"),),
    ),
    CaseInput(
        case_id="case-02",
        organisation=LABOUR,
        registered_on=date(2025, 3, 3),
        exploitation_types=("labour",),
        victim=Person(
            names=("Nguyễn Văn An", "Nguyen Van An"),
            given_name="Văn An",
            family_name="Nguyễn",
            birth_date="1990",
            gender="male",
            nationality="VN",
            phones=("+358 44 987 6543", "040 765 4321"),
        ),
        occurred_on=date(2025, 2, 20),
        municipality="Vantaa",
        exploitation_country="FI",
        suspects=(
            Suspect(("Trần Thị Hoa", "Tran Thi Hoa"), "VN", "recruiter"),
            Suspect(("Mikko Laaksonen",), "FI", "exploiter"),
        ),
        indicators=("AL-DR-1", "AL-CD-1", "AL-CD-14", "AL-EC-1", "AL-CD-3", "AL-VR-6"),
        consent=Consent(to_assistance_system=True, to_police=False),
        referrals=(
            Referral("assistance_system", date(2025, 3, 4), "admitted"),
            Referral("police", date(2025, 3, 10), "received", "Itä-Uudenmaan poliisilaitos"),
        ),
    ),
    CaseInput(
        case_id="case-03",
        organisation=ASSISTANCE,
        registered_on=date(2025, 4, 11),
        exploitation_types=("sexual", "forced_criminality"),
        victim=Person(
            names=("Blessing Okonkwo",),
            birth_date="1999-07",
            gender="female",
            nationality="NG",
            emails=("blessing.o@example.com",),
        ),
        victim_status="identified",
        municipality="Turku",
        suspects=(Suspect(("Madam Joy Eze",), "NG", "controller"),),
        indicators=("AS-CR-4", "AS-CD-1", "AS-VR-13"),
        consent=Consent(to_assistance_system=True, to_police=False),
        services=(Service("legal", date(2025, 4, 15), date(2025, 6, 1)),),
    ),
    CaseInput(
        case_id="case-04",
        organisation=Organisation("Tampereen kaupunki", "municipality", "FI"),
        registered_on=date(2025, 5, 2),
        exploitation_types=("begging",),
        victim=Person(
            names=("Ion Popescu",),
            given_name="Ion",
            family_name="Popescu",
            birth_date="1961-11-02",
            gender="male",
            nationality="RO",
        ),
        municipality="Tampere",
        indicators=("FB-EC-1", "FB-CD-7", "FB-EC-3"),
    ),
    CaseInput(
        case_id="case-05",
        organisation=POLICE,
        registered_on=date(2025, 6, 18),
        exploitation_types=("labour", "benefit_fraud"),
        victim=Person(
            names=("Олена Коваленко", "Olena Kovalenko"),
            given_name="Olena",
            family_name="Kovalenko",
            birth_date="1985-01-20",
            gender="female",
            nationality="UA",
            phones=("+380 67 123 4567",),
        ),
        victim_status="not_identified",
        case_status="closed",
        occurred_on=date(2025, 5, 1),
        municipality="Porvoo",
        exploitation_country="FI",
        suspects=(
            Suspect(("Сергій Мельник", "Serhii Melnyk"), "UA", "recruiter"),
            Suspect(("Jari Nieminen",), "FI", "exploiter"),
            Suspect((), None, "unknown"),
        ),
        indicators=("BF-EC-2", "BF-CD-1"),
        consent=Consent(to_assistance_system=False, to_police=True),
    ),
    CaseInput(
        case_id="case-06",
        organisation=NGO,
        registered_on=date(2025, 7, 7),
        exploitation_types=("forced_marriage",),
        victim=Person(
            names=("สมหญิง ใจดี", "Somying Jaidee"),
            given_name="Somying",
            family_name="Jaidee",
            birth_date="2001",
            gender="female",
            nationality="TH",
        ),
        municipality="Oulu",
        indicators=("FM-CD-6", "FM-EC-2"),
        consent=Consent(to_assistance_system=True),
        services=(
            Service("legal", date(2025, 7, 10), None),
            Service("residence_permit", date(2025, 7, 12), date(2025, 10, 1)),
        ),
    ),
    CaseInput(
        case_id="case-07",
        organisation=POLICE,
        registered_on=date(2025, 9, 1),
        exploitation_types=("forced_criminality",),
        victim=Person(
            names=("Phạm Minh Tuấn", "Pham Minh Tuan"),
            given_name="Minh Tuấn",
            family_name="Phạm",
            birth_date="2010-06-05",
            gender="male",
            nationality="VN",
        ),
        occurred_on=date(2025, 8, 28),
        municipality="Espoo",
        suspects=(Suspect(("Lê Văn Hùng",), "VN", "exploiter"),),
        indicators=("CFC-EC-1", "CFC-CD-2"),
        referrals=(Referral("assistance_system", date(2025, 9, 1), "received"),),
    ),
    CaseInput(
        case_id="case-08",
        organisation=Organisation("Lastensuojelu Vantaa", "municipality", "FI"),
        registered_on=date(2025, 10, 14),
        exploitation_types=("sexual",),
        victim=Person(
            names=("Chiamaka Obi",),
            given_name="Chiamaka",
            family_name="Obi",
            birth_date="2009-02-11",
            gender="female",
            nationality="NG",
        ),
        victim_status="identified",
        indicators=("CS-CR-4", "CS-CD-6"),
        services=(Service("social_care", date(2025, 10, 15), None),),
    ),
    CaseInput(
        case_id="case-09",
        organisation=ASSISTANCE,
        registered_on=date(2025, 11, 3),
        exploitation_types=("surrogacy", "forced_adoption"),
        victim=Person(
            names=("Ірина Шевченко", "Iryna Shevchenko"),
            given_name="Iryna",
            family_name="Shevchenko",
            birth_date="1994-09",
            gender="female",
            nationality="UA",
        ),
        case_status="closed",
        methods_of_control=("WithholdsNecessities",),
    ),
    CaseInput(
        case_id="case-10",
        organisation=Organisation("Maahanmuuttovirasto", "immigration", "FI"),
        registered_on=date(2026, 1, 12),
        exploitation_types=("labour", "servitude"),
        victim=Person(
            names=("Somchai Srisuk",),
            given_name="Somchai",
            family_name="Srisuk",
            birth_date="1979-05-30",
            gender="male",
            nationality="TH",
            phones=("+66 81 234 5678",),
        ),
        occurred_on=date(2025, 8, 15),
        municipality="Kuusamo",
        exploitation_country="FI",
        suspects=(Suspect(("Kittisak Boonmee",), "TH", "travel_agent"),),
        indicators=("AL-DR-8", "AL-CR-4"),
    ),
    CaseInput(
        case_id="case-11",
        organisation=Organisation("Rajavartiolaitos", "border_guard", "FI"),
        registered_on=date(2026, 2, 2),
        exploitation_types=("organ_removal",),
        victim=Person(),
    ),
    CaseInput(
        case_id="case-12",
        organisation=NGO,
        registered_on=date(2026, 2, 20),
        exploitation_types=("child_labour", "forced_military", "other"),
        victim=Person(
            names=("Andrei Ionescu",),
            given_name="Andrei",
            family_name="Ionescu",
            birth_date="2011",
            gender="other",
            nationality="RO",
        ),
        exploitation_country="RO",
        consent=Consent(to_assistance_system=None, to_police=True),
    ),
)

IDS = [c.case_id for c in CASES]


def _plain_case() -> CaseInput:
    """A case every field of which HTCDS can say."""
    return CaseInput(
        case_id="plain-1",
        organisation=NGO,
        registered_on=date(2025, 2, 1),
        exploitation_types=("labour", "sexual"),
        victim=Person(
            names=("Aino Virtanen",),
            given_name="Aino",
            family_name="Virtanen",
            birth_date="1998-03-14",
            gender="female",
            nationality="FI",
            phones=("+358401234567",),
            emails=("aino@example.fi",),
        ),
        indicators=("AL-CD-2",),
        consent=Consent(to_assistance_system=True),
        services=(Service("health", None, date(2025, 3, 1)),),
    )


# --- the schema -------------------------------------------------------------------------


def test_the_schema_is_a_valid_2020_12_schema_naming_its_source() -> None:
    doc = schema()
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "UNMigration/HTCDS" in doc["$comment"]
    assert "CC BY 4.0" in doc["$comment"]
    assert doc["additionalProperties"] is False


def test_core_fields_are_the_v2_survey_toolkit_and_are_said_so() -> None:
    props = schema()["properties"]
    core = {name for name, spec in props.items() if spec.get("x-htcds-core")}
    assert len(core) == 31
    assert {"vic_TypeOfExploitation", "prs_Gender", "cas_Status", "con_Consent"} <= core
    for name in core:
        assert props[name]["description"].startswith("Core field."), name
    assert not props["org_Name"]["x-htcds-core"]


def test_every_field_has_its_htcds_prefix_and_names_its_source() -> None:
    props = schema()["properties"]
    tables = {"perpetrators", "trafficking_events", "support_plans", "case_comments"}
    fields = {k: v for k, v in props.items() if k not in tables | {"x_opennrm"}}
    for name, spec in fields.items():
        assert name.split("_", 1)[0] in {"org", "prs", "vic", "cas", "con"}, name
        assert spec["x-htcds-source"], name
    for table, prefix in [
        ("perpetrators", {"per", "prs"}),
        ("trafficking_events", {"hte"}),
        ("support_plans", {"spl"}),
        ("case_comments", {"cco"}),
    ]:
        item = props[table]["items"]
        assert item["additionalProperties"] is False
        assert {k.split("_", 1)[0] for k in item["properties"]} == prefix, table


def test_gender_status_and_country_code_lists_are_exact() -> None:
    props = schema()["properties"]
    assert props["prs_Gender"]["enum"] == [
        "Feminine",
        "Masculine",
        "TransgenderFeminine",
        "TransgenderMasculine",
        "NonConforming",
        "NonSpecifiedUnknown",
    ]
    assert props["vic_TraffickingStatus"]["enum"] == [
        "PossibleVictimOfTrafficking",
        "ActualVictimOfTrafficking",
        "NotAVictimOfTrafficking",
    ]
    assert props["cas_Status"]["enum"] == ["Active", "FollowUp", "Closed", "ClosedReferred"]
    assert set(schema()["$defs"]["country"]["enum"]) == COUNTRY_CODES
    controls = props["vic_MethodsOfControl"]["items"]["enum"]
    assert controls == list(METHODS_OF_CONTROL)
    assert len(controls) == 17 and controls[-1] == "RestrictsMovement"


def test_every_platform_code_maps_to_a_value_of_the_schema() -> None:
    props = schema()["properties"]
    per = props["perpetrators"]["items"]["properties"]
    spl = props["support_plans"]["items"]["properties"]

    def enum(spec: dict[str, Any]) -> set[str]:
        return set(spec["items"]["enum"] if spec.get("type") == "array" else spec["enum"])

    assert {t.htcds for t in EXPLOITATION_TYPES.values()} <= enum(props["vic_TypeOfExploitation"])
    assert {g.htcds for g in GENDERS.values()} <= enum(props["prs_Gender"])
    assert set(ORGANISATION_TYPES) == set(PLATFORM_ORGANISATION_TYPES)
    assert set(ORGANISATION_TYPES.values()) <= enum(props["org_Type"])
    assert set(VICTIM_STATUS) == set(VICTIM_STATUSES)
    assert set(VICTIM_STATUS.values()) == enum(props["vic_TraffickingStatus"])
    assert set(CASE_STATUS.values()) <= enum(props["cas_Status"])
    roles = {r for r in SUSPECT_ROLES.values() if r}
    assert roles == enum(per["per_RoleInProcess"])
    assert {s.htcds for s in SERVICE_TYPES} <= enum(spl["spl_Type"])
    mapped = {m for values in indicator_methods().values() for m in values}
    assert mapped <= enum(props["vic_MethodsOfControl"])


def test_the_indicator_mapping_names_only_catalogue_codes() -> None:
    catalogues = current_catalogues()
    known = {i.code for c in catalogues for i in c.indicators}
    known |= {f.code for c in catalogues for f in c.forced_labour_indicators}
    table = indicator_methods()
    assert set(table) <= known
    # Deception in recruitment is a false promise in every list; debt bondage is itself.
    assert table["AL-DR-1"] == ("FalsePromises",)
    assert table["CS-CD-2"] == ("DebtBondage",)
    assert "AL-VR-6" not in table  # "Economic reasons" is no method of control


# --- export -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_export_validates_against_the_schema(case: CaseInput) -> None:
    assert validate(to_htcds(case)) == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_round_trip_keeps_every_field(case: CaseInput) -> None:
    assert from_htcds(to_htcds(case)) == case


def test_round_trip_through_json_lines_text() -> None:
    lines = list(to_json_lines(CASES))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert tuple(from_htcds(json.loads(line)) for line in lines) == CASES


def test_the_set_covers_every_exploitation_type_children_and_suspect_counts() -> None:
    used = {t for c in CASES for t in c.exploitation_types}
    assert used == set(EXPLOITATION_TYPES)
    assert {len(c.suspects) for c in CASES} >= {0, 1, 2, 3}
    assert any(c.victim.birth_date and c.victim.birth_date >= "2008" for c in CASES)


def test_a_case_htcds_can_say_needs_no_extension_beyond_id_date_and_indicators() -> None:
    record = to_htcds(_plain_case())
    assert set(record["x_opennrm"]) == {"version", "case_id", "registered_on", "indicators"}
    assert record["vic_TypeOfExploitation"] == ["ForcedLabour", "SexualExploitation"]
    assert record["prs_MobilePhone"] == "+358401234567"
    assert record["support_plans"] == [{"spl_Type": "Health", "spl_ActualEndDate": "2025-03-01"}]
    assert from_htcds(record) == _plain_case()


def test_extension_exploitation_types_export_as_other_and_come_back() -> None:
    case = CASES[4]  # labour + benefit_fraud
    record = to_htcds(case)
    assert record["vic_TypeOfExploitation"] == ["ForcedLabour", "Other"]
    assert record["x_opennrm"]["exploitation_types"] == ["labour", "benefit_fraud"]
    assert from_htcds(record).exploitation_types == ("labour", "benefit_fraud")


def test_indicators_give_methods_of_control_and_stay_as_raw_codes() -> None:
    record = to_htcds(CASES[1])
    assert record["vic_MethodsOfControl"] == [
        "FalsePromises",
        "TakesEarnings",
        "ExcessiveWorkingHours",
        "WithholdsDocuments",
        "RestrictsMovement",
    ]
    assert record["x_opennrm"]["indicators"] == list(CASES[1].indicators)


def test_what_htcds_cannot_hold_goes_to_the_extension_only() -> None:
    record = to_htcds(CASES[1])  # partial birth date, a national phone, two names
    assert "prs_Birthdate" not in record
    assert record["prs_FirstName"] == "Văn An" and record["prs_SecondName"] == "Nguyễn"
    assert record["prs_MobilePhone"] == "+358449876543"
    victim = record["x_opennrm"]["victim"]
    assert victim["birth_date"] == "1990"
    assert victim["names"] == ["Nguyễn Văn An", "Nguyen Van An"]
    assert record["cas_ReferredOrganisation"] == "Victim assistance system"
    assert [r["state"] for r in record["x_opennrm"]["referrals"]] == ["admitted", "received"]


def test_an_unsplit_name_goes_to_the_second_name() -> None:
    record = to_htcds(CASES[2])
    assert record["prs_SecondName"] == "Blessing Okonkwo"
    assert "prs_FirstName" not in record


def test_an_unknown_platform_code_is_refused() -> None:
    case = CASES[0]
    bad = CaseInput(**{**case.__dict__, "exploitation_types": ("sextortion",)})
    with pytest.raises(ValueError, match="unknown exploitation type 'sextortion'"):
        to_htcds(bad)


def test_golden_export() -> None:
    check_golden("htcds_export.jsonl", "".join(to_json_lines(CASES)))


# --- import and errors ------------------------------------------------------------------


def test_a_record_of_another_system_imports_with_an_id_given() -> None:
    record = {
        "org_Name": "La Strada Ukraine",
        "org_Type": "NGO",
        "prs_FirstName": "Oksana",
        "prs_SecondName": "Bondarenko",
        "prs_Gender": "TransgenderFeminine",
        "prs_Citizenship": "UA",
        "vic_TypeOfExploitation": ["SexualExploitation", "ForcedBegging"],
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_MethodsOfControl": ["DebtBondage", "PsychologicalAbuse"],
        "cas_Status": "FollowUp",
    }
    with pytest.raises(ValueError, match="give case_id"):
        from_htcds(record)
    case = from_htcds(record, case_id="ua-77", registered_on=date(2025, 12, 1))
    assert case.victim == Person(
        names=("Oksana Bondarenko",),
        given_name="Oksana",
        family_name="Bondarenko",
        gender="other",
        nationality="UA",
    )
    assert case.organisation == Organisation("La Strada Ukraine", "ngo", None)
    assert case.exploitation_types == ("sexual", "begging")
    assert case.victim_status == "identified" and case.case_status == "open"
    assert case.methods_of_control == ("DebtBondage", "PsychologicalAbuse")
    assert validate(to_htcds(case)) == []


def _valid() -> dict[str, Any]:
    return copy.deepcopy(to_htcds(CASES[1]))


def test_an_unknown_code_is_named_with_its_path_and_a_suggestion() -> None:
    record = _valid()
    record["vic_TypeOfExploitation"] = ["ForcedLabour", "SexExploitation"]
    record["perpetrators"][1]["per_RoleInProcess"] = ["Exploiterr"]
    errors = validate(record)
    assert (
        "vic_TypeOfExploitation[1]: 'SexExploitation' is not a code of this field "
        "(did you mean SexualExploitation?); expected one of ForcedLabour, SexualExploitation, "
        "ChildLabour, ForcedMarriage, Servitude, ForcedMilitaryByNonStateActors, OrganRemoval, "
        "ForcedBegging, ForcedAdoption, Surrogacy, Other" in errors
    )
    assert any(
        e.startswith("perpetrators[1].per_RoleInProcess[0]: 'Exploiterr' is not a code")
        and "did you mean Exploiter?" in e
        for e in errors
    )
    with pytest.raises(InvalidHtcdsRecord) as raised:
        from_htcds(record)
    assert raised.value.errors == tuple(errors)


def test_a_misspelt_field_name_is_an_unknown_field_with_a_suggestion() -> None:
    record = _valid()
    record["vic_TypeOfExploitaton"] = record.pop("vic_TypeOfExploitation")
    assert validate(record) == [
        "vic_TypeOfExploitaton: unknown field (did you mean vic_TypeOfExploitation?)",
        "record: required field vic_TypeOfExploitation is missing",
    ]


def test_a_wrong_date_says_how_to_write_it() -> None:
    record = _valid()
    record["prs_Birthdate"] = "1990-13-40"
    record["trafficking_events"][0]["hte_Date"] = "20.2.2025"
    assert validate(record) == [
        "prs_Birthdate: '1990-13-40' is not a date written YYYY-MM-DD",
        "trafficking_events[0].hte_Date: '20.2.2025' is not a date written YYYY-MM-DD",
    ]


def test_wrong_types_and_phones_are_explained() -> None:
    record = _valid()
    record["con_Consent"] = "TRUE"
    record["prs_MobilePhone"] = "040 765 4321"
    assert validate(record) == [
        "con_Consent: expected boolean, got text",
        "prs_MobilePhone: '040 765 4321' is not a phone number in E.164 (+358401234567)",
    ]


# --- property: any case the platform can hold comes back unchanged ----------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
_day = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
_partial = st.one_of(
    st.none(),
    _day.map(date.isoformat),
    _day.map(lambda d: d.isoformat()[:7]),
    _day.map(lambda d: d.isoformat()[:4]),
)
_country = st.one_of(st.none(), st.sampled_from(["FI", "VN", "NG", "RO", "UA", "TH", "XK"]))
_people = st.builds(
    Person,
    names=st.lists(_text, max_size=3).map(tuple),
    given_name=st.one_of(st.none(), _text),
    family_name=st.one_of(st.none(), _text),
    birth_date=_partial,
    gender=st.sampled_from(sorted(GENDERS)),
    nationality=_country,
    phones=st.lists(
        st.sampled_from(["+358 40 123 4567", "040 765 4321", "+84 91 234 5678", "12"]),
        max_size=2,
    ).map(tuple),
    emails=st.lists(st.sampled_from(["an@example.vn", "not-an-email"]), max_size=2).map(tuple),
)
_cases = st.builds(
    CaseInput,
    case_id=st.text(min_size=1, max_size=8),
    organisation=st.builds(
        Organisation,
        name=_text.filter(lambda t: t.strip() != ""),
        type=st.one_of(st.none(), st.sampled_from(sorted(ORGANISATION_TYPES))),
        country=_country,
    ),
    registered_on=_day,
    exploitation_types=st.lists(
        st.sampled_from(sorted(EXPLOITATION_TYPES)), min_size=1, max_size=3
    ).map(tuple),
    victim=_people,
    victim_status=st.sampled_from(VICTIM_STATUSES),
    case_status=st.sampled_from(sorted(CASE_STATUS)),
    occurred_on=st.one_of(st.none(), _day),
    municipality=st.one_of(st.none(), _text),
    exploitation_country=_country,
    suspects=st.lists(
        st.builds(
            Suspect,
            names=st.lists(_text, max_size=2).map(tuple),
            nationality=_country,
            role=st.sampled_from(sorted(SUSPECT_ROLES)),
        ),
        max_size=3,
    ).map(tuple),
    indicators=st.lists(
        st.sampled_from(["AL-DR-1", "AL-CD-1", "FB-CD-7", "AL-VR-6", "FL05"]), max_size=4
    ).map(tuple),
    methods_of_control=st.lists(st.sampled_from(METHODS_OF_CONTROL), max_size=3).map(tuple),
    consent=st.builds(
        Consent, st.one_of(st.none(), st.booleans()), st.one_of(st.none(), st.booleans())
    ),
    services=st.lists(
        st.builds(
            Service,
            type=st.sampled_from([s.code for s in SERVICE_TYPES]),
            start=st.one_of(st.none(), _day),
            end=st.one_of(st.none(), _day),
        ),
        max_size=3,
    ).map(tuple),
    referrals=st.lists(
        st.builds(
            Referral,
            target=st.sampled_from(["assistance_system", "police"]),
            referred_on=_day,
            state=st.sampled_from(["received", "admitted", "declined"]),
            organisation=st.one_of(st.none(), _text),
        ),
        max_size=2,
    ).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(case=_cases)
def test_any_case_exports_valid_and_comes_back_unchanged(case: CaseInput) -> None:
    record = to_htcds(case)
    assert validate(record) == []
    assert from_htcds(json.loads(json.dumps(record))) == case
