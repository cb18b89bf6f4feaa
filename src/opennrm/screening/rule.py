"""The assessment rule: from the indicators a screener ticked to "grounds to refer".

Pure: plain values in, plain values out, no I/O. The rule is the ILO–EC one
(docs/screening.md, with what could and could not be checked in the source):

1. A dimension is positive when its ticked indicators include at least two strong, or
   one strong and one medium or weak, or three medium, or two medium and one weak.
2. For an adult: a recruitment dimension (deceptive, coercive or by abuse of
   vulnerability) AND exploitative conditions AND a means dimension at destination
   (coercion or abuse of vulnerability) must all be positive.
3. For a child the means are not required: positive exploitative conditions suffice.
   Which rule applies follows from the profile (``Profile.child``), so a stored screening
   (profile, catalogue version, codes) always gives the same answer again.

The outcome is *grounds to refer*, a screening result that opens a referral. It is not a
decision about anyone's status, and no text here says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from opennrm.screening.catalogue import Catalogue, DimensionKind, Strength, Text

LOCALES: Final = ("fi", "sv", "en")

# Which kinds of dimension must be positive, by who the list is for.
ADULT_REQUIREMENTS: Final = (
    DimensionKind.RECRUITMENT,
    DimensionKind.EXPLOITATION,
    DimensionKind.MEANS,
)
CHILD_REQUIREMENTS: Final = (DimensionKind.EXPLOITATION,)


class UnknownIndicators(ValueError):
    """Indicator codes that are not in the chosen profile of the catalogue.

    Refused rather than ignored: a silently dropped code would change the outcome
    without anyone noticing. Callers turn this into a 422.
    """

    def __init__(self, profile: str, version: str, codes: dict[str, str | None]) -> None:
        # codes: offending code → the profile it belongs to, or None when unknown.
        self.profile = profile
        self.version = version
        self.codes: tuple[str, ...] = tuple(sorted(codes))
        self.other_profiles = dict(sorted(codes.items()))
        parts = [
            f"{code} (profile {other})" if other else f"{code} (unknown)"
            for code, other in self.other_profiles.items()
        ]
        super().__init__(
            f"indicators not in profile {profile!r} of catalogue {version}: {', '.join(parts)}"
        )


def dimension_positive(strong: int, medium: int, weak: int) -> bool:
    """The ILO–EC threshold for one dimension, on counts of ticked indicators.

    Written as the four published combinations, each read as "at least". Weak indicators
    alone never make a dimension positive, and neither does a single medium one with any
    number of weak ones.
    """
    return (
        strong >= 2
        or (strong >= 1 and medium + weak >= 1)
        or medium >= 3
        or (medium >= 2 and weak >= 1)
    )


@dataclass(frozen=True, slots=True)
class StrengthCounts:
    strong: int = 0
    medium: int = 0
    weak: int = 0

    @property
    def total(self) -> int:
        return self.strong + self.medium + self.weak

    def as_dict(self) -> dict[str, int]:
        return {"strong": self.strong, "medium": self.medium, "weak": self.weak}


# --------------------------------------------------------------------- wording
# Grammar per language, kept small and explicit: numerals before the adjective; the noun
# agrees with the last numeral (en/sv: singular for 1; fi: partitive after numerals > 1).

_ADJECTIVES: Final[dict[str, dict[Strength, tuple[str, str]]]] = {
    "en": {
        Strength.STRONG: ("strong", "strong"),
        Strength.MEDIUM: ("medium", "medium"),
        Strength.WEAK: ("weak", "weak"),
    },
    "fi": {
        Strength.STRONG: ("vahva", "vahvaa"),
        Strength.MEDIUM: ("keskivahva", "keskivahvaa"),
        Strength.WEAK: ("heikko", "heikkoa"),
    },
    "sv": {
        Strength.STRONG: ("stark", "starka"),
        Strength.MEDIUM: ("medelstark", "medelstarka"),
        Strength.WEAK: ("svag", "svaga"),
    },
}
_NOUN: Final = {
    "en": ("indicator", "indicators"),
    "fi": ("indikaattori", "indikaattoria"),
    "sv": ("indikator", "indikatorer"),
}
_AND: Final = {"en": "and", "fi": "ja", "sv": "och"}

_DIMENSION_TEMPLATES: Final = {
    # positive, negative with some indicators, negative with none
    "en": ("Positive: {counts} ({codes}).", "Not positive: only {counts} ({codes}).",
           "Not positive: no indicators."),
    "fi": ("Täyttyy: {counts} ({codes}).", "Ei täyty: vain {counts} ({codes}).",
           "Ei täyty: ei indikaattoreita."),
    "sv": ("Uppfylld: {counts} ({codes}).", "Inte uppfylld: endast {counts} ({codes}).",
           "Inte uppfylld: inga indikatorer."),
}  # fmt: skip

# "the dimension X is positive" / "the dimensions X and Y are positive"
_GROUNDS: Final = {
    "en": ("Grounds to refer: the dimension {names} is positive.",
           "Grounds to refer: the dimensions {names} are positive."),
    "fi": ("Ohjaamiselle on perusteet: ulottuvuus {names} täyttyy.",
           "Ohjaamiselle on perusteet: ulottuvuudet {names} täyttyvät."),
    "sv": ("Grund för hänvisning finns: dimensionen {names} är uppfylld.",
           "Grund för hänvisning finns: dimensionerna {names} är uppfyllda."),
}  # fmt: skip
_NO_GROUNDS: Final = {
    "en": "No grounds to refer on these indicators: missing {missing}.",
    "fi": "Näillä indikaattoreilla ohjaamiselle ei ole perusteita: puuttuu {missing}.",
    "sv": "Grund för hänvisning saknas utifrån dessa indikatorer: det saknas {missing}.",
}
_REQUIREMENT: Final[dict[str, dict[DimensionKind, str]]] = {
    "en": {
        DimensionKind.RECRUITMENT: "a positive recruitment dimension (deceptive, coercive "
        "or by abuse of vulnerability)",
        DimensionKind.EXPLOITATION: "positive exploitative conditions",
        DimensionKind.MEANS: "positive coercion or abuse of vulnerability at destination",
    },
    "fi": {
        DimensionKind.RECRUITMENT: "täyttyvä värväyksen ulottuvuus (harhaanjohtava tai "
        "pakottava värväys tai värväys haavoittuvaa asemaa hyväksikäyttäen)",
        DimensionKind.EXPLOITATION: "täyttyvä hyväksikäyttävien olosuhteiden ulottuvuus",
        DimensionKind.MEANS: "täyttyvä pakottaminen tai haavoittuvan aseman hyväksikäyttö "
        "määränpäässä",
    },
    "sv": {
        DimensionKind.RECRUITMENT: "en uppfylld rekryteringsdimension (vilseledande "
        "rekrytering, rekrytering genom tvång eller genom utnyttjande av sårbarhet)",
        DimensionKind.EXPLOITATION: "uppfyllda exploaterande villkor",
        DimensionKind.MEANS: "uppfyllt tvång eller utnyttjande av sårbarhet på destinationen",
    },
}
_CHILD_NOTE: Final = {
    "en": "The means are not required for a child.",
    "fi": "Lapsen kohdalla keinoja ei edellytetä.",
    "sv": "För ett barn krävs inte att medel har använts.",
}


def _language(locale: str) -> str:
    language = locale.replace("_", "-").split("-", 1)[0].lower()
    return language if language in LOCALES else "en"


def _join(items: list[str], language: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_AND[language]} {items[-1]}"


def _counts_phrase(counts: StrengthCounts, language: str) -> str:
    parts: list[tuple[int, Strength]] = [
        (n, s)
        for n, s in (
            (counts.strong, Strength.STRONG),
            (counts.medium, Strength.MEDIUM),
            (counts.weak, Strength.WEAK),
        )
        if n
    ]
    words = [f"{n} {_ADJECTIVES[language][s][0 if n == 1 else 1]}" for n, s in parts]
    noun = _NOUN[language][0 if parts[-1][0] == 1 else 1]
    return f"{_join(words, language)} {noun}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# --------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class DimensionResult:
    """One dimension of an assessment: what was ticked in it and whether it is positive."""

    dimension: str
    kind: DimensionKind
    label: Text
    positive: bool
    counts: StrengthCounts
    indicators: tuple[str, ...]

    def explanation(self, locale: str = "en") -> str:
        """E.g. "Positive: 1 strong and 1 medium indicator (AL-DR-1, AL-DR-3)." """
        language = _language(locale)
        positive, negative, empty = _DIMENSION_TEMPLATES[language]
        if not self.indicators:
            return empty
        template = positive if self.positive else negative
        return template.format(
            counts=_counts_phrase(self.counts, language), codes=", ".join(self.indicators)
        )

    def explanations(self) -> dict[str, str]:
        return {locale: self.explanation(locale) for locale in LOCALES}

    def as_dict(self) -> dict[str, object]:
        return {
            "dimension": self.dimension,
            "kind": self.kind.value,
            "positive": self.positive,
            "counts": self.counts.as_dict(),
            "indicators": list(self.indicators),
            "explanation": self.explanations(),
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    """The outcome of screening one person with one profile.

    ``required`` lists the kinds of dimension that must be positive (three for an adult,
    exploitative conditions alone for a child); ``unmet`` those of them that are not.
    """

    profile: str
    catalogue_version: str
    child_rule: bool
    grounds_to_refer: bool
    indicators: tuple[str, ...]
    dimensions: tuple[DimensionResult, ...]
    required: tuple[DimensionKind, ...]
    unmet: tuple[DimensionKind, ...]

    @property
    def positive_dimensions(self) -> tuple[str, ...]:
        return tuple(d.dimension for d in self.dimensions if d.positive)

    def dimension(self, code: str) -> DimensionResult:
        for result in self.dimensions:
            if result.dimension == code:
                return result
        raise KeyError(code)

    def explanation(self, locale: str = "en") -> str:
        """The overall reason, in ``locale`` (fi, sv or en; English when unknown)."""
        language = _language(locale)
        if self.grounds_to_refer:
            names = [_lower_first(d.label.get(language)) for d in self.dimensions if d.positive]
            one, many = _GROUNDS[language]
            text = (one if len(names) == 1 else many).format(names=_join(names, language))
        else:
            missing = [_REQUIREMENT[language][kind] for kind in self.unmet]
            text = _NO_GROUNDS[language].format(missing=_join(missing, language))
        if self.child_rule:
            text = f"{text} {_CHILD_NOTE[language]}"
        return text

    def explanations(self) -> dict[str, str]:
        return {locale: self.explanation(locale) for locale in LOCALES}

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready copy, for the API and for audit payloads (codes only, no free text)."""
        return {
            "profile": self.profile,
            "catalogue_version": self.catalogue_version,
            "child_rule": self.child_rule,
            "grounds_to_refer": self.grounds_to_refer,
            "indicators": list(self.indicators),
            "positive_dimensions": list(self.positive_dimensions),
            "required": [kind.value for kind in self.required],
            "unmet": [kind.value for kind in self.unmet],
            "explanation": self.explanations(),
            "dimensions": [d.as_dict() for d in self.dimensions],
        }


def assess(catalogue: Catalogue, profile_code: str, indicator_codes: Iterable[str]) -> Assessment:
    """Apply the rule to the ticked ``indicator_codes`` of profile ``profile_code``.

    Duplicates are ignored (ticking twice is still one observation). Codes that are not
    in the profile raise ``UnknownIndicators`` naming each of them; an unknown profile
    raises ``catalogue.UnknownProfile``.
    """
    if isinstance(indicator_codes, str):
        # A lone string would be read letter by letter; that is always a caller's bug.
        raise TypeError("indicator_codes must be a collection of codes, not a string")
    profile = catalogue.profile(profile_code)
    ticked = set(indicator_codes)

    offending: dict[str, str | None] = {}
    for code in ticked:
        indicator = catalogue.indicator(code)
        if indicator is None or indicator.profile != profile.code:
            offending[code] = indicator.profile if indicator else None
    if offending:
        raise UnknownIndicators(profile.code, catalogue.version, offending)

    own = catalogue.indicators_of(profile.code)
    results: list[DimensionResult] = []
    for dimension in catalogue.dimensions:
        chosen = [i for i in own if i.dimension == dimension.code and i.code in ticked]
        counts = StrengthCounts(
            strong=sum(1 for i in chosen if i.strength is Strength.STRONG),
            medium=sum(1 for i in chosen if i.strength is Strength.MEDIUM),
            weak=sum(1 for i in chosen if i.strength is Strength.WEAK),
        )
        results.append(
            DimensionResult(
                dimension=dimension.code,
                kind=dimension.kind,
                label=dimension.label,
                positive=dimension_positive(counts.strong, counts.medium, counts.weak),
                counts=counts,
                indicators=tuple(i.code for i in chosen),
            )
        )

    required = CHILD_REQUIREMENTS if profile.child else ADULT_REQUIREMENTS
    unmet = tuple(
        kind for kind in required if not any(r.positive for r in results if r.kind is kind)
    )
    return Assessment(
        profile=profile.code,
        catalogue_version=catalogue.version,
        child_rule=profile.child,
        grounds_to_refer=not unmet,
        indicators=tuple(i.code for i in own if i.code in ticked),
        dimensions=tuple(results),
        required=required,
        unmet=unmet,
    )
