"""The assessment rule, for every profile: thresholds, combinations, refusals, wording."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opennrm.screening import (
    Catalogue,
    DimensionKind,
    Indicator,
    Strength,
    UnknownIndicators,
    UnknownProfile,
    assess,
    dimension_positive,
    load_catalogue,
)

ILO = load_catalogue("ilo-ec-2009.1")
OWN = load_catalogue("opennrm-other-forms.1")
PROFILES = [(c, p.code) for c in (ILO, OWN) for p in c.profiles]
PROFILE_IDS = [p for _, p in PROFILES]
ADULT_PROFILES = [(c, p) for c, p in PROFILES if not c.profile(p).child]
CHILD_PROFILES = [(c, p) for c, p in PROFILES if c.profile(p).child]

# (strong, medium, weak) at exactly a published threshold, and just below one.
AT_THRESHOLD = [(2, 0, 0), (1, 1, 0), (1, 0, 1), (0, 3, 0), (0, 2, 1)]
JUST_BELOW = [(1, 0, 0), (0, 2, 0), (0, 1, 2), (0, 1, 1), (0, 0, 3), (0, 0, 1), (0, 0, 0)]

FORBIDDEN = {
    "en": ("victim", "identif"),
    "fi": ("uhri", "tunnist"),
    "sv": ("offer ", "offret", "identifi"),
}


def _pick(
    catalogue: Catalogue, profile: str, dimension: str, strong: int, medium: int, weak: int
) -> list[str] | None:
    """Codes of one dimension with exactly these counts, or None if the list is too short."""
    chosen: list[str] = []
    for strength, wanted in (
        (Strength.STRONG, strong),
        (Strength.MEDIUM, medium),
        (Strength.WEAK, weak),
    ):
        pool = [
            i.code
            for i in catalogue.indicators_of(profile)
            if i.dimension == dimension and i.strength is strength
        ]
        if len(pool) < wanted:
            return None
        chosen += pool[:wanted]
    return chosen


def _dimensions(catalogue: Catalogue, kind: DimensionKind) -> list[str]:
    return [d.code for d in catalogue.dimensions if d.kind is kind]


def _positive_in(catalogue: Catalogue, profile: str, dimension: str) -> list[str]:
    """Some combination that makes ``dimension`` positive (every list allows one)."""
    for counts in AT_THRESHOLD:
        codes = _pick(catalogue, profile, dimension, *counts)
        if codes is not None:
            return codes
    raise AssertionError(f"{profile}: {dimension} can never be positive")


# ------------------------------------------------------------------ one dimension


@pytest.mark.parametrize("counts", AT_THRESHOLD)
def test_dimension_positive_at_each_published_threshold(counts: tuple[int, int, int]) -> None:
    assert dimension_positive(*counts)


@pytest.mark.parametrize("counts", JUST_BELOW)
def test_dimension_not_positive_just_below(counts: tuple[int, int, int]) -> None:
    assert not dimension_positive(*counts)


def _by_the_book(strong: int, medium: int, weak: int) -> bool:
    """The published combinations, read literally: does the tally contain one of them?"""
    return any(
        strong >= s and medium >= m and weak >= w
        for s, m, w in [(2, 0, 0), (1, 1, 0), (1, 0, 1), (0, 3, 0), (0, 2, 1)]
    )


@given(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6))
def test_dimension_rule_matches_the_published_combinations(s: int, m: int, w: int) -> None:
    assert dimension_positive(s, m, w) == _by_the_book(s, m, w)


@given(
    st.integers(0, 5),
    st.integers(0, 5),
    st.integers(0, 5),
    st.sampled_from(["strong", "medium", "weak"]),
)
def test_adding_an_indicator_never_makes_a_dimension_negative(
    s: int, m: int, w: int, extra: str
) -> None:
    before = dimension_positive(s, m, w)
    after = dimension_positive(
        s + (extra == "strong"), m + (extra == "medium"), w + (extra == "weak")
    )
    assert after or not before


@pytest.mark.parametrize(("catalogue", "profile"), PROFILES, ids=PROFILE_IDS)
@pytest.mark.parametrize("counts", AT_THRESHOLD + JUST_BELOW)
def test_thresholds_through_assess_for_every_profile(
    catalogue: Catalogue, profile: str, counts: tuple[int, int, int]
) -> None:
    tried = 0
    for dimension in [d.code for d in catalogue.dimensions]:
        codes = _pick(catalogue, profile, dimension, *counts)
        if codes is None:
            continue
        tried += 1
        result = assess(catalogue, profile, codes).dimension(dimension)
        assert result.positive is (counts in AT_THRESHOLD), (dimension, codes)
        assert (result.counts.strong, result.counts.medium, result.counts.weak) == counts
        assert result.indicators == tuple(codes)
    if not tried:
        # The list is too short for this tally in every dimension (e.g. no dimension of a
        # child list has a weak indicator); the tally is exercised on the other profiles,
        # which test_every_tally_is_exercised_on_the_adult_labour_list guarantees.
        pytest.skip(f"no dimension of {profile} can hold the tally {counts}")


@pytest.mark.parametrize("counts", AT_THRESHOLD + JUST_BELOW)
def test_every_tally_is_exercised_on_the_adult_labour_list(counts: tuple[int, int, int]) -> None:
    dimensions = [d.code for d in ILO.dimensions]
    assert any(_pick(ILO, "adult_labour", d, *counts) is not None for d in dimensions)


# ------------------------------------------------------------------ combining dimensions


@pytest.mark.parametrize(
    ("catalogue", "profile"), ADULT_PROFILES, ids=[p for _, p in ADULT_PROFILES]
)
def test_adult_combination(catalogue: Catalogue, profile: str) -> None:
    exploitation = _positive_in(catalogue, profile, "exploitative_conditions")
    coercion = _positive_in(catalogue, profile, "coercion_at_destination")
    vulnerability = _positive_in(catalogue, profile, "abuse_of_vulnerability_at_destination")

    for recruitment_dimension in _dimensions(catalogue, DimensionKind.RECRUITMENT):
        recruitment = _positive_in(catalogue, profile, recruitment_dimension)
        for destination in (coercion, vulnerability):
            full = assess(catalogue, profile, recruitment + exploitation + destination)
            assert full.grounds_to_refer, (recruitment_dimension, destination)
            assert full.unmet == ()

        without_means = assess(catalogue, profile, recruitment + exploitation)
        assert not without_means.grounds_to_refer
        assert without_means.unmet == (DimensionKind.MEANS,)

        without_exploitation = assess(catalogue, profile, recruitment + coercion)
        assert not without_exploitation.grounds_to_refer
        assert without_exploitation.unmet == (DimensionKind.EXPLOITATION,)

    without_recruitment = assess(catalogue, profile, exploitation + coercion + vulnerability)
    assert not without_recruitment.grounds_to_refer
    assert without_recruitment.unmet == (DimensionKind.RECRUITMENT,)
    assert without_recruitment.child_rule is False


@pytest.mark.parametrize(
    ("catalogue", "profile"), ADULT_PROFILES, ids=[p for _, p in ADULT_PROFILES]
)
def test_adult_dimension_just_below_threshold_gives_no_grounds(
    catalogue: Catalogue, profile: str
) -> None:
    # Everything positive except exploitative conditions, which holds a tally just below
    # a threshold (one strong alone, or two medium).
    recruitment = _positive_in(catalogue, profile, "deceptive_recruitment")
    coercion = _positive_in(catalogue, profile, "coercion_at_destination")
    below = _pick(catalogue, profile, "exploitative_conditions", 1, 0, 0) or _pick(
        catalogue, profile, "exploitative_conditions", 0, 2, 0
    )
    assert below
    result = assess(catalogue, profile, recruitment + coercion + below)
    assert not result.grounds_to_refer
    assert result.unmet == (DimensionKind.EXPLOITATION,)


@pytest.mark.parametrize(
    ("catalogue", "profile"), CHILD_PROFILES, ids=[p for _, p in CHILD_PROFILES]
)
def test_child_needs_no_means(catalogue: Catalogue, profile: str) -> None:
    exploitation = _positive_in(catalogue, profile, "exploitative_conditions")
    result = assess(catalogue, profile, exploitation)
    assert result.child_rule is True
    assert result.grounds_to_refer
    assert result.positive_dimensions == ("exploitative_conditions",)
    assert result.required == (DimensionKind.EXPLOITATION,)

    # ... but exploitative conditions are still required, whatever else is positive.
    others = [
        code
        for dimension in [d.code for d in catalogue.dimensions]
        if dimension != "exploitative_conditions"
        for code in _positive_in(catalogue, profile, dimension)
    ]
    no_exploitation = assess(catalogue, profile, others)
    assert not no_exploitation.grounds_to_refer
    assert no_exploitation.unmet == (DimensionKind.EXPLOITATION,)


@pytest.mark.parametrize(("catalogue", "profile"), PROFILES, ids=PROFILE_IDS)
def test_nothing_ticked_is_no_grounds_with_all_six_dimensions_in_order(
    catalogue: Catalogue, profile: str
) -> None:
    result = assess(catalogue, profile, [])
    assert not result.grounds_to_refer
    assert [d.dimension for d in result.dimensions] == [d.code for d in catalogue.dimensions]
    assert all(not d.positive and d.counts.total == 0 for d in result.dimensions)
    assert result.catalogue_version == catalogue.version
    assert result.profile == profile


# ------------------------------------------------------------------ refusals and duplicates


@pytest.mark.parametrize(("catalogue", "profile"), PROFILES, ids=PROFILE_IDS)
def test_unknown_and_other_profile_codes_are_refused_by_name(
    catalogue: Catalogue, profile: str
) -> None:
    own = catalogue.indicators_of(profile)[0].code
    other = next(i.code for i in ILO.indicators + OWN.indicators if i.profile != profile)
    with pytest.raises(UnknownIndicators) as refused:
        assess(catalogue, profile, [own, other, "NO-SUCH-1"])
    assert refused.value.codes == tuple(sorted([other, "NO-SUCH-1"]))
    assert other in str(refused.value)
    assert "NO-SUCH-1" in str(refused.value)
    assert refused.value.profile == profile


def test_a_code_of_the_same_name_in_another_catalogue_is_not_accepted() -> None:
    with pytest.raises(UnknownIndicators, match="FC-DR-1"):
        assess(ILO, "adult_labour", ["FC-DR-1"])
    with pytest.raises(UnknownProfile):
        assess(ILO, "forced_begging", [])


def test_a_lone_string_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        assess(ILO, "adult_labour", "AL-DR-1")


@pytest.mark.parametrize(("catalogue", "profile"), PROFILES, ids=PROFILE_IDS)
def test_duplicates_are_ignored(catalogue: Catalogue, profile: str) -> None:
    strong = next(i.code for i in catalogue.indicators_of(profile) if i.strength is Strength.STRONG)
    once = assess(catalogue, profile, [strong])
    twice = assess(catalogue, profile, [strong, strong, strong])
    assert twice == once
    # One strong ticked three times is still one strong: not positive.
    assert not any(d.positive for d in twice.dimensions)
    assert twice.indicators == (strong,)


# ------------------------------------------------------------------ explanations


def test_dimension_explanations_read_as_specified() -> None:
    result = assess(ILO, "adult_labour", ["AL-DR-1", "AL-DR-3", "AL-VR-13"])
    assert result.dimension("deceptive_recruitment").explanation("en") == (
        "Positive: 1 strong and 1 medium indicator (AL-DR-1, AL-DR-3)."
    )
    assert result.dimension("deceptive_recruitment").explanation("fi") == (
        "Täyttyy: 1 vahva ja 1 keskivahva indikaattori (AL-DR-1, AL-DR-3)."
    )
    assert result.dimension("deceptive_recruitment").explanation("sv-FI") == (
        "Uppfylld: 1 stark och 1 medelstark indikator (AL-DR-1, AL-DR-3)."
    )
    vulnerability = result.dimension("recruitment_by_abuse_of_vulnerability")
    assert vulnerability.explanation("en") == "Not positive: only 1 weak indicator (AL-VR-13)."
    assert vulnerability.explanation("fi") == "Ei täyty: vain 1 heikko indikaattori (AL-VR-13)."
    assert vulnerability.explanation("sv") == "Inte uppfylld: endast 1 svag indikator (AL-VR-13)."
    assert result.dimension("coercive_recruitment").explanation("de") == (
        "Not positive: no indicators."
    )


def test_plural_forms() -> None:
    result = assess(ILO, "adult_labour", ["AL-CD-1", "AL-CD-2", "AL-VR-1", "AL-VR-2"])
    coercion = result.dimension("coercion_at_destination")
    assert coercion.explanation("en") == "Positive: 2 strong indicators (AL-CD-1, AL-CD-2)."
    assert coercion.explanation("fi") == "Täyttyy: 2 vahvaa indikaattoria (AL-CD-1, AL-CD-2)."
    assert coercion.explanation("sv") == "Uppfylld: 2 starka indikatorer (AL-CD-1, AL-CD-2)."
    assert result.dimension("recruitment_by_abuse_of_vulnerability").explanation("en") == (
        "Not positive: only 2 medium indicators (AL-VR-1, AL-VR-2)."
    )


def test_overall_explanation_names_what_is_positive() -> None:
    result = assess(
        ILO, "adult_labour", ["AL-DR-1", "AL-DR-3", "AL-EC-1", "AL-EC-2", "AL-CD-1", "AL-CD-2"]
    )
    assert result.explanation("en") == (
        "Grounds to refer: the dimensions deceptive recruitment, exploitative conditions "
        "and coercion at destination are positive."
    )
    assert "harhaanjohtava värväys" in result.explanation("fi")
    assert "vilseledande rekrytering" in result.explanation("sv")


def test_overall_explanation_names_what_is_missing() -> None:
    result = assess(ILO, "adult_labour", ["AL-DR-1", "AL-DR-3", "AL-EC-1", "AL-EC-2"])
    assert result.explanation("en") == (
        "No grounds to refer on these indicators: missing positive coercion or abuse of "
        "vulnerability at destination."
    )


def test_child_explanation_says_the_means_are_not_required() -> None:
    result = assess(ILO, "child_labour", ["CL-EC-1", "CL-EC-2"])
    assert result.explanation("en") == (
        "Grounds to refer: the dimension exploitative conditions is positive. "
        "The means are not required for a child."
    )
    assert "keinoja ei edellytetä" in result.explanation("fi")
    assert "För ett barn" in result.explanation("sv")


@pytest.mark.parametrize(("catalogue", "profile"), PROFILES, ids=PROFILE_IDS)
def test_explanations_exist_in_three_languages_name_the_codes_and_never_overclaim(
    catalogue: Catalogue, profile: str
) -> None:
    codes = [
        code
        for dimension in [d.code for d in catalogue.dimensions]
        for code in _positive_in(catalogue, profile, dimension)
    ]
    for chosen in (codes, codes[:1], []):
        result = assess(catalogue, profile, chosen)
        overall = result.explanations()
        assert set(overall) == {"fi", "sv", "en"}
        assert len(set(overall.values())) == 3  # really translated
        for dimension in result.dimensions:
            texts = dimension.explanations()
            assert len(set(texts.values())) == 3
            for text in texts.values():
                assert text.strip()
                for code in dimension.indicators:
                    assert code in text
        for locale, text in overall.items():
            assert text.strip()
            assert text.startswith(("Grounds", "No grounds", "Ohjaamiselle", "Näillä", "Grund"))
            all_text = " ".join([text, *(d.explanation(locale) for d in result.dimensions)])
            for word in FORBIDDEN[locale]:
                assert word not in all_text.lower(), (locale, word, all_text)


def test_as_dict_is_json_ready_and_carries_the_explanations() -> None:
    import json

    result = assess(ILO, "adult_labour", ["AL-EC-1", "AL-EC-2"])
    data = result.as_dict()
    json.dumps(data)
    assert data["profile"] == "adult_labour"
    assert data["catalogue_version"] == "ilo-ec-2009.1"
    assert data["grounds_to_refer"] is False
    assert data["positive_dimensions"] == ["exploitative_conditions"]
    assert data["unmet"] == ["recruitment", "means"]
    dimensions = data["dimensions"]
    assert isinstance(dimensions, list) and len(dimensions) == 6


# ------------------------------------------------------------------ properties over real lists


def _codes(catalogue: Catalogue, profile: str) -> list[str]:
    return [i.code for i in catalogue.indicators_of(profile)]


@st.composite
def _profile_and_sets(draw: st.DrawFn) -> tuple[Catalogue, str, set[str], set[str]]:
    catalogue, profile = draw(st.sampled_from(PROFILES))
    codes = _codes(catalogue, profile)
    smaller = draw(st.sets(st.sampled_from(codes), max_size=len(codes)))
    extra = draw(st.sets(st.sampled_from(codes), max_size=len(codes)))
    return catalogue, profile, smaller, smaller | extra


@settings(max_examples=300, deadline=None)
@given(_profile_and_sets())
def test_ticking_more_never_takes_anything_away(
    case: tuple[Catalogue, str, set[str], set[str]],
) -> None:
    catalogue, profile, smaller, larger = case
    before = assess(catalogue, profile, smaller)
    after = assess(catalogue, profile, larger)
    for a, b in zip(before.dimensions, after.dimensions, strict=True):
        assert b.positive or not a.positive, (a.dimension, smaller, larger)
    assert after.grounds_to_refer or not before.grounds_to_refer


@settings(max_examples=200, deadline=None)
@given(_profile_and_sets())
def test_counts_add_up_and_order_does_not_matter(
    case: tuple[Catalogue, str, set[str], set[str]],
) -> None:
    catalogue, profile, _, codes = case
    result = assess(catalogue, profile, sorted(codes))
    assert sum(d.counts.total for d in result.dimensions) == len(codes)
    assert assess(catalogue, profile, sorted(codes, reverse=True)) == result
    strengths: dict[str, Indicator] = {i.code: i for i in catalogue.indicators_of(profile)}
    for d in result.dimensions:
        assert d.positive == dimension_positive(d.counts.strong, d.counts.medium, d.counts.weak)
        assert all(strengths[c].dimension == d.dimension for c in d.indicators)


def test_every_profile_can_reach_grounds() -> None:
    # A list whose rule can never be met would be a broken list, not a strict one.
    for catalogue, profile in PROFILES:
        codes = [
            code
            for dimension in [d.code for d in catalogue.dimensions]
            for code in _positive_in(catalogue, profile, dimension)
        ]
        assert assess(catalogue, profile, codes).grounds_to_refer, profile


def test_threshold_table_is_exhaustive_for_small_tallies() -> None:
    # The same rule written out for every tally up to three of each, for a reader.
    positives = {
        counts for counts in itertools.product(range(4), repeat=3) if dimension_positive(*counts)
    }
    minimal = {
        c
        for c in positives
        if not any(o != c and all(x <= y for x, y in zip(o, c, strict=True)) for o in positives)
    }
    assert minimal == set(AT_THRESHOLD)
