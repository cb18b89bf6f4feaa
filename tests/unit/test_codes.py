"""Code lists: HTCDS alignment, labels in every language, country codes."""

from __future__ import annotations

import re

import pytest

from opennrm.signals.codes import (
    COUNTRY_CODES,
    EXPLOITATION_TYPES,
    GENDERS,
    HTCDS_EXPLOITATION_TYPES,
    KINDS,
    LOCALES,
    PERSON_ROLES,
    SHARE_BASES,
    SHARE_SCOPES,
    is_country_code,
    label,
)

# vic_TypeOfExploitation in HTCDS v2.0 (UNMigration/HTCDS, Toolkit/Survey/htcds_xlsform.xml)
HTCDS_V2_TYPES = [
    "ForcedLabour",
    "SexualExploitation",
    "ChildLabour",
    "ForcedMarriage",
    "Servitude",
    "ForcedMilitaryByNonStateActors",
    "OrganRemoval",
    "ForcedBegging",
    "ForcedAdoption",
    "Surrogacy",
    "Other",
]


def test_every_htcds_exploitation_type_has_exactly_one_code() -> None:
    standard = [t.htcds for t in EXPLOITATION_TYPES.values() if not t.is_extension]
    assert standard == HTCDS_V2_TYPES
    assert list(HTCDS_EXPLOITATION_TYPES) == HTCDS_V2_TYPES


def test_exploitation_api_codes() -> None:
    assert list(EXPLOITATION_TYPES) == [
        "labour",
        "sexual",
        "child_labour",
        "forced_marriage",
        "servitude",
        "forced_military",
        "organ_removal",
        "begging",
        "forced_adoption",
        "surrogacy",
        "other",
        "forced_criminality",
        "benefit_fraud",
    ]
    assert EXPLOITATION_TYPES["labour"].htcds == "ForcedLabour"
    assert HTCDS_EXPLOITATION_TYPES["ForcedBegging"] == "begging"


def test_extensions_are_marked_and_export_as_other() -> None:
    extensions = {c for c, t in EXPLOITATION_TYPES.items() if t.is_extension}
    assert extensions == {"forced_criminality", "benefit_fraud"}
    for code in extensions:
        assert EXPLOITATION_TYPES[code].htcds == "Other"


def test_gender_maps_to_htcds_prs_gender() -> None:
    assert {c: g.htcds for c, g in GENDERS.items()} == {
        "female": "Feminine",
        "male": "Masculine",
        "other": "NonConforming",
        "unknown": "NonSpecifiedUnknown",
    }


def test_small_code_lists() -> None:
    assert list(PERSON_ROLES) == ["victim", "suspect", "other"]
    assert list(SHARE_BASES) == ["consent", "statutory", "court_order", "vital_interest"]
    assert list(SHARE_SCOPES) == ["full", "summary"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_code_has_a_distinct_label_in_every_locale(kind: str) -> None:
    table = {
        "exploitation_type": EXPLOITATION_TYPES,
        "person_role": PERSON_ROLES,
        "gender": GENDERS,
        "share_basis": SHARE_BASES,
        "share_scope": SHARE_SCOPES,
    }[kind]
    for code in table:
        assert re.fullmatch(r"[a-z][a-z_]*", code)
    for locale in LOCALES:
        labels = [label(kind, code, locale) for code in table]
        assert all(text.strip() == text and text for text in labels)
        assert len(set(labels)) == len(labels), (kind, locale)


def test_label_languages_and_fallback() -> None:
    assert label("exploitation_type", "labour", "fi") == "Pakkotyö"
    assert label("exploitation_type", "labour", "sv") == "Tvångsarbete"
    assert label("exploitation_type", "labour", "en") == "Forced labour"
    assert label("gender", "female", "sv-FI") == "Kvinna"
    assert label("gender", "female", "fi_FI") == "Nainen"
    assert label("share_basis", "court_order", "de") == "Court order"
    assert label("person_role", "suspect") == "Suspect"


def test_label_unknown_kind_or_code_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="unknown code list"):
        label("colour", "red", "en")
    with pytest.raises(KeyError, match="unknown gender code"):
        label("gender", "f", "en")


def test_code_lists_are_read_only() -> None:
    with pytest.raises(TypeError):
        EXPLOITATION_TYPES["x"] = EXPLOITATION_TYPES["other"]  # type: ignore[index]


def test_country_codes() -> None:
    assert len(COUNTRY_CODES) == 249
    for code in ["FI", "SE", "VN", "NG", "RO", "UA", "TH", "CN", "IQ", "AX", "SS", "CW"]:
        assert is_country_code(code)
    for code in ["fi", "XK", "UK", "EU", "FIN", "", "ZZ", "AN", "YU"]:
        assert not is_country_code(code)
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in COUNTRY_CODES)
