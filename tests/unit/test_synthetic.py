"""The demo: the reference deployment file, and the synthetic generator — deterministic,
valid by our own rules, realistically varied."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from opennrm.demo.finland import (
    ORGANISATION_TYPES,
    DeploymentError,
    department_for_municipality,
    load_deployment,
    parse_deployment,
)
from opennrm.demo.synthetic import CULTURES, TRUTH_KEY, generate_signals, strip_truth
from opennrm.signals.codes import EXPLOITATION_TYPES, GENDERS, PERSON_ROLES, is_country_code
from opennrm.signals.normalise import (
    check_business_id,
    clean_name,
    clean_text,
    normalise_email,
    normalise_phone,
    parse_partial_date,
)

TODAY = date(2026, 11, 1)
CONTRACT_KEYS = {
    "exploitation_types",
    "summary",
    "occurred_on",
    "municipality",
    "persons",
    "organisations",
    "addresses",
    "indicators",
    "consent",
}
PERSON_KEYS = {"role", "names", "birth_date", "gender", "nationality", "phones", "emails",
               "identifiers"}  # fmt: skip


@pytest.fixture(scope="module")
def signals() -> list[dict[str, Any]]:
    return generate_signals(300, seed=2026, deployment=load_deployment())


def _persons(signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for s in signals for p in s["persons"]]


def test_same_seed_same_signals_other_seed_other_signals() -> None:
    deployment = load_deployment()
    first = generate_signals(50, seed=1, deployment=deployment)
    again = generate_signals(50, seed=1, deployment=deployment)
    other = generate_signals(50, seed=2, deployment=deployment)
    assert json.dumps(first, ensure_ascii=False) == json.dumps(again, ensure_ascii=False)
    assert first != other
    assert generate_signals(0, seed=1, deployment=deployment) == []


def test_a_longer_run_starts_with_the_shorter_run() -> None:
    assert generate_signals(100, seed=5)[:40] == generate_signals(40, seed=5)


def test_payloads_have_the_contract_shape(signals: list[dict[str, Any]]) -> None:
    assert len(signals) == 300
    for signal in signals:
        assert set(strip_truth(signal)) <= CONTRACT_KEYS
        assert {"exploitation_types", "summary"} <= set(signal)
        assert signal["exploitation_types"]
        assert all(code in EXPLOITATION_TYPES for code in signal["exploitation_types"])
        assert clean_text(signal["summary"], "summary", 5000) == signal["summary"]
        assert signal["indicators"] == []
        assert set(signal["consent"]) == {"to_assistance_system", "to_police"}
        assert all(isinstance(v, bool) for v in signal["consent"].values())
        assert 1 <= len(signal["persons"]) <= 4
        for person in signal["persons"]:
            assert set(person) <= PERSON_KEYS
            assert person["role"] in PERSON_ROLES
            assert person["gender"] in GENDERS
            assert person["names"]
            for name in person["names"]:
                assert clean_name(name) == name
            if "nationality" in person:
                assert is_country_code(person["nationality"])
        json.dumps(signal)  # plain JSON types only


def test_every_phone_is_valid(signals: list[dict[str, Any]]) -> None:
    phones = [phone for p in _persons(signals) for phone in p["phones"]]
    assert len(phones) > 200
    for phone in phones:
        normalised = normalise_phone(phone)
        assert normalised.startswith("+")
    regions = Counter(normalise_phone(p)[:4] for p in phones)
    assert regions["+358"] > 0
    assert len(regions) >= 5  # home-country numbers as well as Finnish ones


def test_every_email_is_valid_and_at_an_example_domain(signals: list[dict[str, Any]]) -> None:
    emails = [email for p in _persons(signals) for email in p["emails"]]
    assert emails
    for email in emails:
        assert normalise_email(email) == email
        assert email.rsplit("@", 1)[1] in {"example.com", "example.fi", "example.org"}


def test_every_business_id_passes_the_check(signals: list[dict[str, Any]]) -> None:
    ids = [o["business_id"] for s in signals for o in s["organisations"]]
    assert len(ids) > 50
    for business_id in ids:
        assert check_business_id(business_id) == business_id


def test_every_date_parses_and_lies_in_range(signals: list[dict[str, Any]]) -> None:
    births = [p["birth_date"] for p in _persons(signals) if "birth_date" in p]
    shapes = Counter(len(b) for b in births)
    assert shapes[4] and shapes[7] and shapes[10]  # year, year-month and full dates
    for birth in births:
        parse_partial_date(birth, today=TODAY)
    for signal in signals:
        if "occurred_on" in signal:
            occurred = parse_partial_date(signal["occurred_on"], today=TODAY)
            assert 2024 <= occurred.year <= 2026


def test_every_municipality_maps_to_a_police_department(signals: list[dict[str, Any]]) -> None:
    deployment = load_deployment()
    for signal in signals:
        assert deployment.department_for_municipality(signal["municipality"]) is not None
    assert len({s["municipality"] for s in signals}) > 20


def test_addresses_look_finnish(signals: list[dict[str, Any]]) -> None:
    for signal in signals:
        for address in signal["addresses"]:
            street, place = address.split(", ")
            # "Hämeentie 12 B 34": street, house number, optional staircase and flat
            assert re.fullmatch(r"[^\W\d][\w -]* \d{1,3}(?: [A-F] \d{1,3})?", street), street
            postal, municipality = place.split(" ", 1)
            assert len(postal) == 5
            assert postal.isdigit()
            assert municipality == signal["municipality"]


def _script(name: str) -> str:
    for char in name:
        if char.isalpha():
            return unicodedata.name(char).split()[0]
    return "?"


def test_names_come_from_many_cultures_and_scripts(signals: list[dict[str, Any]]) -> None:
    nationalities = Counter(p.get("nationality") for p in _persons(signals))
    cultures_seen = {c.key for c in CULTURES if nationalities[c.nationality] > 0}
    assert len(cultures_seen) >= 5
    names = [n for p in _persons(signals) for n in p["names"]]
    scripts = {_script(n) for n in names}
    assert {"LATIN", "CYRILLIC", "THAI", "CJK"} <= scripts
    assert any("al-" in n or "Al " in n for n in names)
    assert any(ch in n for n in names for ch in "ễăưđơ")  # Vietnamese diacritics


def test_about_one_signal_in_ten_repeats_an_earlier_person(
    signals: list[dict[str, Any]],
) -> None:
    seen: set[str] = set()
    repeating = 0
    for signal in signals:
        ids = signal[TRUTH_KEY]
        assert len(ids) == len(signal["persons"])
        assert len(set(ids)) == len(ids)
        if seen & set(ids):
            repeating += 1
        seen |= set(ids)
    assert 15 <= repeating <= 50


def test_repeated_persons_keep_identity_but_vary_in_writing(
    signals: list[dict[str, Any]],
) -> None:
    by_id: dict[str, list[dict[str, Any]]] = {}
    for signal in signals:
        for pid, person in zip(signal[TRUTH_KEY], signal["persons"], strict=True):
            by_id.setdefault(pid, []).append(person)
    repeated = {pid: records for pid, records in by_id.items() if len(records) > 1}
    assert repeated
    differently_written = 0
    for records in repeated.values():
        first, *later = records
        for record in later:
            assert record["role"] == first["role"]
            assert record["gender"] == first["gender"]
            assert record.get("nationality") == first.get("nationality")
            if "birth_date" in record and "birth_date" in first:
                # Less precise at most, never contradicting
                assert first["birth_date"].startswith(record["birth_date"]) or record[
                    "birth_date"
                ].startswith(first["birth_date"])
            if record["names"][0] not in first["names"]:
                differently_written += 1
            assert {normalise_phone(p) for p in record["phones"]} <= {
                normalise_phone(p) for p in first["phones"]
            }
    assert differently_written >= len(repeated) // 2


def test_strip_truth_leaves_only_the_api_body(signals: list[dict[str, Any]]) -> None:
    body = strip_truth(signals[0])
    assert TRUTH_KEY not in body
    assert TRUTH_KEY in signals[0]  # the original is untouched


# --- the reference deployment -----------------------------------------------------------

DEPARTMENTS = {
    "helsinki", "hame", "ita-suomi", "ita-uusimaa", "kaakkois-suomi", "lappi",
    "lounais-suomi", "lansi-uusimaa", "oulu", "pohjanmaa", "sisa-suomi",
}  # fmt: skip


def test_deployment_regions_and_departments() -> None:
    deployment = load_deployment()
    codes = [r.code for r in deployment.regions]
    assert codes == [f"MK{n:02d}" for n in range(1, 22) if n not in (3, 20)]
    assert deployment.region("MK21").name.get("sv") == "Åland"
    assert {d.key for d in deployment.departments} == DEPARTMENTS
    assert deployment.department("hame").regions == ("MK05", "MK07")
    assert deployment.department("pohjanmaa").regions == ("MK14", "MK15", "MK16")
    # every region outside Åland is served by some department
    served = {r for d in deployment.departments for r in d.regions}
    assert served == set(codes) - {"MK21"}


@pytest.mark.parametrize(
    ("name", "department"),
    [
        ("Helsinki", "helsinki"),
        ("Helsingfors", "helsinki"),
        ("Vantaa", "ita-uusimaa"),
        ("vanda", "ita-uusimaa"),
        ("Kerava", "ita-uusimaa"),
        ("Järvenpää", "ita-uusimaa"),
        ("Porvoo", "ita-uusimaa"),
        ("Borgå", "ita-uusimaa"),
        ("Sipoo", "ita-uusimaa"),
        ("Espoo", "lansi-uusimaa"),
        ("ESBO", "lansi-uusimaa"),
        ("Kauniainen", "lansi-uusimaa"),
        ("Kirkkonummi", "lansi-uusimaa"),
        ("Raasepori", "lansi-uusimaa"),
        ("Tampere", "sisa-suomi"),
        ("Tammerfors", "sisa-suomi"),
        ("Jyväskylä", "sisa-suomi"),
        ("Turku", "lounais-suomi"),
        ("Åbo", "lounais-suomi"),
        ("åbo", "lounais-suomi"),
        ("Pori", "lounais-suomi"),
        ("Lahti", "hame"),
        ("Hämeenlinna", "hame"),
        ("Kouvola", "kaakkois-suomi"),
        ("Lappeenranta", "kaakkois-suomi"),
        ("Kuopio", "ita-suomi"),
        ("Joensuu", "ita-suomi"),
        ("Mikkeli", "ita-suomi"),
        ("Vaasa", "pohjanmaa"),
        ("Seinäjoki", "pohjanmaa"),
        ("Kokkola", "pohjanmaa"),
        ("Oulu", "oulu"),
        ("Kajaani", "oulu"),
        ("Rovaniemi", "lappi"),
        ("Tornio", "lappi"),
        ("  helsinki ", "helsinki"),
    ],
)
def test_department_for_municipality(name: str, department: str) -> None:
    assert department_for_municipality(name) == department


def test_aland_has_its_own_police() -> None:
    deployment = load_deployment()
    assert department_for_municipality("Mariehamn") is None
    assert department_for_municipality("Maarianhamina") is None
    assert deployment.police_organisation_for_municipality("Mariehamn") == "police-aland"
    aland = deployment.organisation("police-aland")
    assert aland.type == "police"
    assert aland.police_department is None
    assert department_for_municipality("Atlantis") is None


def test_deployment_municipalities() -> None:
    deployment = load_deployment()
    assert len(deployment.municipalities) >= 60
    regions_with_municipalities = {m.region for m in deployment.municipalities}
    assert regions_with_municipalities == {r.code for r in deployment.regions}
    for municipality in deployment.municipalities:
        if municipality.police_department is not None:
            department = deployment.department(municipality.police_department)
            assert municipality.region in department.regions
        assert municipality.postal_code is not None
        assert len(municipality.postal_code) == 5


def test_deployment_organisations() -> None:
    deployment = load_deployment()
    orgs = {o.key: o for o in deployment.organisations}
    types = Counter(o.type for o in deployment.organisations)
    assert types["police"] == 12  # eleven departments and Åland's police
    for one in ("national_team", "nbi", "assistance_system", "border_guard",
                "labour_inspection", "immigration", "ministry"):  # fmt: skip
        assert types[one] == 1, one
    assert types["municipality"] == 3
    assert types["ngo"] == 3
    for org in deployment.organisations:
        assert org.type in ORGANISATION_TYPES
        assert org.region is not None
        deployment.region(org.region)
        if org.type == "ngo":
            assert org.fictional
            assert "(demo)" in org.name.fi
    assert orgs["national-team"].parent == "police-helsinki"
    assert orgs["assistance-system"].region == "MK09"  # Joutseno, Lappeenranta
    for department in deployment.departments:
        assert orgs[department.organisation].police_department == department.key


def test_names_fall_back_to_finnish() -> None:
    deployment = load_deployment()
    nbi = deployment.organisation("nbi")
    assert nbi.name.get("sv") == "Centralkriminalpolisen"
    assert nbi.name.get("en-GB") == "National Bureau of Investigation"
    assert deployment.municipality("Oulu") is not None
    oulu = deployment.municipality("Oulu")
    assert oulu is not None
    assert oulu.name.get("en") == "Oulu"


def test_deployment_is_immutable_and_cached() -> None:
    deployment = load_deployment()
    assert load_deployment() is deployment
    with pytest.raises(AttributeError):
        deployment.key = "x"  # type: ignore[misc]


def _data() -> dict[str, Any]:
    path = Path(__file__).parents[2] / "src/opennrm/demo/data/finland.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_a_deployment_from_another_file_loads(tmp_path: Path) -> None:
    data = _data()
    data["key"] = "xx"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_deployment(path).key == "xx"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["municipalities"][0].update(police_department="nowhere"), "unknown police"),
        (lambda d: d["municipalities"][0].update(region="MK03"), "unknown region"),
        (lambda d: d["municipalities"][0].update(police_department="lappi"), "does not serve"),
        (lambda d: d["organisations"][0].update(type="bakery"), "organisation type"),
        (lambda d: d["organisations"].append(dict(d["organisations"][0])), "duplicate"),
        (lambda d: d["municipalities"].append(dict(d["municipalities"][0])), "ambiguous"),
        (lambda d: d["synthetic"]["municipality_weights"].update(Atlantis=3), "Atlantis"),
        (lambda d: d["police_departments"][0].update(organisation="nbi"), "type police"),
    ],
)
def test_inconsistent_deployments_are_refused(change: Any, message: str) -> None:
    data = copy.deepcopy(_data())
    change(data)
    with pytest.raises(DeploymentError, match=message):
        parse_deployment(data)
