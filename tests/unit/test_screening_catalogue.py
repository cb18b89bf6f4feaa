"""The screening catalogue files: complete, well-formed, transcribed, and refused when broken.

Every test runs over every catalogue file that ships, so a new version is checked the day
it is added.
"""

from __future__ import annotations

import copy
import json
import re
from importlib import resources

import pytest

from opennrm.screening import (
    CATALOGUES,
    ILO_EC,
    OTHER_FORMS,
    Catalogue,
    CatalogueError,
    DimensionKind,
    Strength,
    UnknownCatalogueVersion,
    UnknownProfile,
    Verification,
    available_versions,
    catalogue_for_profile,
    current_catalogues,
    current_version,
    current_version_string,
    load_catalogue,
    public_catalogue,
)
from opennrm.screening.catalogue import CODE_PATTERN, parse_catalogue

VERSIONS = available_versions()
DIMENSION_CODES = [
    "deceptive_recruitment",
    "coercive_recruitment",
    "recruitment_by_abuse_of_vulnerability",
    "exploitative_conditions",
    "coercion_at_destination",
    "abuse_of_vulnerability_at_destination",
]


def _raw(name: str) -> dict[str, object]:
    text = (resources.files("opennrm.screening") / "data" / name).read_text(encoding="utf-8")
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


def test_both_families_ship_and_versions_are_unique() -> None:
    assert len(VERSIONS) == len(set(VERSIONS))
    assert {load_catalogue(v).catalogue for v in VERSIONS} == set(CATALOGUES)
    assert current_version(ILO_EC) == "ilo-ec-2009.1"
    assert current_version(OTHER_FORMS) == "opennrm-other-forms.1"
    assert current_version_string() == "ilo-ec-2009.1+opennrm-other-forms.1"


def test_unknown_version_is_refused_by_name() -> None:
    with pytest.raises(UnknownCatalogueVersion, match=re.escape("ilo-ec-2009.99")):
        load_catalogue("ilo-ec-2009.99")


@pytest.mark.parametrize("version", VERSIONS)
def test_six_dimensions_in_order_with_their_kinds(version: str) -> None:
    catalogue = load_catalogue(version)
    assert [d.code for d in catalogue.dimensions] == DIMENSION_CODES
    assert [d.short for d in catalogue.dimensions] == ["DR", "CR", "VR", "EC", "CD", "VD"]
    assert [d.kind for d in catalogue.dimensions] == [
        DimensionKind.RECRUITMENT,
        DimensionKind.RECRUITMENT,
        DimensionKind.RECRUITMENT,
        DimensionKind.EXPLOITATION,
        DimensionKind.MEANS,
        DimensionKind.MEANS,
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_profile_has_indicators_in_every_dimension(version: str) -> None:
    # No published list leaves a dimension empty, so there is no exception to allow.
    catalogue = load_catalogue(version)
    for profile in catalogue.profiles:
        present = {i.dimension for i in catalogue.indicators_of(profile.code)}
        assert present == set(DIMENSION_CODES), profile.code


@pytest.mark.parametrize("version", VERSIONS)
def test_every_indicator_is_well_formed(version: str) -> None:
    catalogue = load_catalogue(version)
    prefixes = {p.code: p.prefix for p in catalogue.profiles}
    shorts = {d.code: d.short for d in catalogue.dimensions}
    forced = {f.code for f in catalogue.forced_labour_indicators}
    codes = [i.code for i in catalogue.indicators]
    assert len(codes) == len(set(codes))
    for indicator in catalogue.indicators:
        assert CODE_PATTERN.match(indicator.code), indicator.code
        prefix, short, number = indicator.code.split("-")
        assert prefix == prefixes[indicator.profile]
        assert short == shorts[indicator.dimension]
        assert number.isdigit() and int(number) >= 1
        assert indicator.strength in set(Strength)
        for locale in ("fi", "sv", "en"):
            assert indicator.text.get(locale).strip(), (indicator.code, locale)
        assert set(indicator.forced_labour) <= forced, indicator.code
    # Within a dimension the list reads strong, then medium, then weak, as published.
    rank = {Strength.STRONG: 0, Strength.MEDIUM: 1, Strength.WEAK: 2}
    for profile in catalogue.profiles:
        for dimension in DIMENSION_CODES:
            ranks = [
                rank[i.strength]
                for i in catalogue.indicators_of(profile.code)
                if i.dimension == dimension
            ]
            assert ranks == sorted(ranks), (profile.code, dimension)


@pytest.mark.parametrize("version", VERSIONS)
def test_labels_exist_in_three_languages_and_translations_differ(version: str) -> None:
    catalogue = load_catalogue(version)
    texts = [catalogue.title]
    texts += [d.label for d in catalogue.dimensions]
    texts += [p.label for p in catalogue.profiles]
    texts += [f.label for f in catalogue.forced_labour_indicators]
    for text in texts:
        assert text.fi.strip() and text.sv.strip() and text.en.strip()
    # A translation that is still English was forgotten, not translated.
    untranslated = [
        i.code for i in catalogue.indicators if i.text.fi == i.text.en or i.text.sv == i.text.en
    ]
    assert untranslated == []


@pytest.mark.parametrize("version", VERSIONS)
def test_the_eleven_ilo_forced_labour_indicators(version: str) -> None:
    catalogue = load_catalogue(version)
    assert [(f.code, f.label.en) for f in catalogue.forced_labour_indicators] == [
        ("FL01", "Abuse of vulnerability"),
        ("FL02", "Deception"),
        ("FL03", "Restriction of movement"),
        ("FL04", "Isolation"),
        ("FL05", "Physical and sexual violence"),
        ("FL06", "Intimidation and threats"),
        ("FL07", "Retention of identity documents"),
        ("FL08", "Withholding of wages"),
        ("FL09", "Debt bondage"),
        ("FL10", "Abusive working and living conditions"),
        ("FL11", "Excessive overtime"),
    ]


def test_current_catalogues_do_not_share_profiles_or_codes() -> None:
    current = current_catalogues()
    profiles = [p.code for c in current for p in c.profiles]
    codes = [i.code for c in current for i in c.indicators]
    assert len(profiles) == len(set(profiles))
    assert len(codes) == len(set(codes))


# ------------------------------------------------------------------ the ILO–EC lists


def _ilo() -> Catalogue:
    return load_catalogue("ilo-ec-2009.1")


def test_ilo_profiles_and_their_verification_state() -> None:
    # The flags are the honest record of what could be checked (docs/screening.md); a
    # change to them must be a deliberate edit here too.
    profiles = {p.code: p for p in _ilo().profiles}
    assert {code: (p.child, p.form, p.verification) for code, p in profiles.items()} == {
        "adult_labour": (False, "labour", Verification.CORROBORATED),
        "adult_sexual": (False, "sexual", Verification.PROVISIONAL),
        "child_labour": (True, "labour", Verification.SECONDARY),
        "child_sexual": (True, "sexual", Verification.PROVISIONAL),
    }
    assert _ilo().source.own_work is False
    assert _ilo().source.document == "WCMS_105023"


def test_adult_labour_counts_per_dimension_match_the_published_list() -> None:
    # 10, 10, 16, 9, 15 and 7 indicators per dimension (ILO–EC 2009, adult labour list).
    counts = [
        sum(1 for i in _ilo().indicators_of("adult_labour") if i.dimension == d)
        for d in DIMENSION_CODES
    ]
    assert counts == [10, 10, 16, 9, 15, 7]


@pytest.mark.parametrize(
    ("profile", "dimension", "text", "strength"),
    [
        (
            "adult_labour",
            "deceptive_recruitment",
            "Deceived about the nature of the job, location or employer",
            Strength.STRONG,
        ),
        ("adult_labour", "deceptive_recruitment", "Deceived about wages/earnings", "medium"),
        (
            "adult_labour",
            "deceptive_recruitment",
            "Deceived about access to education opportunities",
            "weak",
        ),
        ("adult_labour", "coercive_recruitment", "Violence on victims", "strong"),
        ("adult_labour", "coercive_recruitment", "Confiscation of documents", "medium"),
        ("adult_labour", "coercive_recruitment", "Debt bondage", "medium"),
        (
            "adult_labour",
            "recruitment_by_abuse_of_vulnerability",
            "Abuse of cultural/religious beliefs",
            "weak",
        ),
        ("adult_labour", "exploitative_conditions", "Excessive working days or hours", "strong"),
        ("adult_labour", "exploitative_conditions", "No access to education", "weak"),
        ("adult_labour", "coercion_at_destination", "Confiscation of documents", "strong"),
        ("adult_labour", "coercion_at_destination", "Debt bondage", "strong"),
        (
            "adult_labour",
            "coercion_at_destination",
            "Isolation, confinement or surveillance",
            "strong",
        ),
        (
            "adult_labour",
            "coercion_at_destination",
            "Threats to inform family, community or public",
            "weak",
        ),
        (
            "adult_labour",
            "abuse_of_vulnerability_at_destination",
            "Difficulty to live in an unknown area",
            "medium",
        ),
        (
            "adult_labour",
            "abuse_of_vulnerability_at_destination",
            "Personal characteristics",
            "weak",
        ),
        (
            "child_labour",
            "deceptive_recruitment",
            "Deceived about access to education opportunities",
            "strong",
        ),
        ("child_labour", "coercive_recruitment", "Threats of violence against victim", "strong"),
        ("child_labour", "coercion_at_destination", "Under strong influence", "strong"),
    ],
)
def test_known_indicators_are_transcribed_verbatim_with_their_strength(
    profile: str, dimension: str, text: str, strength: str
) -> None:
    matches = [
        i for i in _ilo().indicators_of(profile) if i.dimension == dimension and i.text.en == text
    ]
    assert len(matches) == 1, (profile, dimension, text)
    assert matches[0].strength == Strength(strength)


def test_the_same_published_item_reads_the_same_in_every_list() -> None:
    # The four lists share their items; a different English or translation for the same
    # item in another list would be a transcription slip.
    by_english: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for i in _ilo().indicators:
        by_english.setdefault((i.dimension, i.text.en), set()).add((i.text.fi, i.text.sv))
    assert {key: v for key, v in by_english.items() if len(v) > 1} == {}


def test_child_lists_have_no_weak_indicators_and_adult_lists_do() -> None:
    # As in the secondary tabulation used for the child labour list (docs/screening.md).
    strengths = {
        p.code: {i.strength for i in _ilo().indicators_of(p.code)} for p in _ilo().profiles
    }
    assert Strength.WEAK not in strengths["child_labour"]
    assert Strength.WEAK not in strengths["child_sexual"]
    assert Strength.WEAK in strengths["adult_labour"]
    assert Strength.WEAK in strengths["adult_sexual"]


# ------------------------------------------------------------------ OpenNRM's own lists


def _own() -> Catalogue:
    return load_catalogue("opennrm-other-forms.1")


def test_other_forms_are_marked_as_our_own_work() -> None:
    own = _own()
    assert own.source.own_work is True
    assert "Not an ILO publication" in own.source.note
    assert {p.verification for p in own.profiles} == {Verification.OWN_WORK}
    assert {p.code for p in own.profiles} == {
        "forced_criminality",
        "forced_begging",
        "forced_marriage",
        "benefit_fraud",
        "child_forced_criminality",
        "child_forced_begging",
        "child_forced_marriage",
        "child_benefit_fraud",
    }


def test_each_form_has_an_adult_list_and_a_child_variant_with_the_same_indicators() -> None:
    own = _own()
    for profile in own.profiles:
        if profile.child:
            continue
        assert profile.child is False
        child = own.profile(f"child_{profile.code}")
        assert child.child is True
        assert child.form == profile.form
        assert child.prefix == "C" + profile.prefix

        def shape(code: str) -> list[tuple[str, str, Strength, str, str, str]]:
            return [
                (i.code.split("-", 1)[1], i.dimension, i.strength, i.text.en, i.text.fi, i.text.sv)
                for i in own.indicators_of(code)
            ]

        assert shape(child.code) == shape(profile.code)


def test_other_forms_strengths_follow_the_ilo_indicators_they_were_adapted_from() -> None:
    # The derivation rule in docs/screening.md: an adapted indicator keeps the strength of
    # (one of) its ILO–EC adult labour sources; only the indicator that defines the form
    # of exploitation itself is rated strong by us.
    adult_labour = {i.code: i for i in _ilo().indicators_of("adult_labour")}
    for indicator in _own().indicators:
        assert indicator.adapted_from, indicator.code
        sources = [adult_labour[code] for code in indicator.adapted_from]
        if indicator.defines_form:
            assert indicator.dimension == "exploitative_conditions"
            assert indicator.strength is Strength.STRONG
        else:
            assert indicator.strength in {s.strength for s in sources}, indicator.code
    defining = {i.profile for i in _own().indicators if i.defines_form}
    assert defining == {p.code for p in _own().profiles}


# ------------------------------------------------------------------ the merged view


def test_public_catalogue_has_the_api_shape() -> None:
    data = public_catalogue()
    assert data["version"] == current_version_string()
    profiles = data["profiles"]
    indicators = data["indicators"]
    assert isinstance(profiles, list) and isinstance(indicators, list)
    assert len(profiles) == 12
    assert len(indicators) == sum(len(c.indicators) for c in current_catalogues())
    for entry in indicators:
        assert isinstance(entry, dict)
        assert {"code", "profile", "dimension", "strength", "text"} <= entry.keys()
        assert set(entry["text"]) == {"fi", "sv", "en"}
        assert entry["strength"] in {"strong", "medium", "weak"}
    for entry in profiles:
        assert isinstance(entry, dict)
        assert entry["catalogue_version"] in VERSIONS
    json.dumps(data)  # serialisable as it stands


def test_the_version_to_store_is_that_of_the_file_defining_the_profile() -> None:
    assert catalogue_for_profile("adult_labour").version == "ilo-ec-2009.1"
    assert catalogue_for_profile("child_forced_begging").version == "opennrm-other-forms.1"
    assert _ilo().profile("child_sexual").catalogue_version == "ilo-ec-2009.1"
    with pytest.raises(UnknownProfile, match="organ_removal"):
        catalogue_for_profile("organ_removal")


# ------------------------------------------------------------------ broken files are refused


def _broken(edit: str) -> dict[str, object]:
    data = copy.deepcopy(_raw("ilo-ec-2009.json"))
    indicators = data["indicators"]
    assert isinstance(indicators, list)
    first = indicators[0]
    assert isinstance(first, dict)
    if edit == "unknown dimension":
        first["dimension"] = "smuggling"
    elif edit == "unknown profile":
        first["profile"] = "adult_organ"
    elif edit == "bad strength":
        first["strength"] = "very strong"
    elif edit == "duplicate code":
        indicators.append(copy.deepcopy(first))
    elif edit == "missing language":
        del first["text"]["sv"]
    elif edit == "empty text":
        first["text"]["fi"] = "  "
    elif edit == "unknown forced labour reference":
        first["forced_labour"] = ["FL12"]
    elif edit == "misspelt key":
        first["strenght"] = first.pop("strength")
    elif edit == "code out of place":
        first["code"] = "AL-CR-1"
    elif edit == "version of another family":
        data["version"] = "opennrm-other-forms.1"
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("unknown dimension", "unknown dimension 'smuggling'"),
        ("unknown profile", "unknown profile 'adult_organ'"),
        ("bad strength", "'very strong' is not one of strong, medium, weak"),
        ("duplicate code", "AL-DR-1"),
        ("missing language", "missing sv"),
        ("empty text", "text.fi: expected a non-empty string"),
        ("unknown forced labour reference", "unknown forced-labour indicator 'FL12'"),
        ("misspelt key", "strength"),
        ("code out of place", "should be 'AL-DR-1'"),
        ("version of another family", "must be 'ilo-ec-2009'"),
    ],
)
def test_a_broken_catalogue_is_refused_with_a_clear_message(edit: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=re.escape(message)):
        parse_catalogue(_broken(edit), where="test")


def test_the_unbroken_files_parse() -> None:
    # The refusals above are not a loader that refuses everything.
    assert parse_catalogue(_raw("ilo-ec-2009.json")) == _ilo()
    assert parse_catalogue(_raw("opennrm-other-forms-1.json")) == _own()
