"""The indicator catalogue: versioned data files, loaded, validated and looked up.

Why data files and not code: a screening stores the indicator codes and the catalogue
version it was made with, and must be explainable again years later exactly as the
screener saw it. So a published version is never edited; a correction is a new file with
a new version, and old versions stay loadable. The files live in ``screening/data/`` and
are read with ``importlib.resources`` so they ship inside the wheel.

Two catalogue families are used side by side (docs/screening.md):

- ``ilo-ec-2009``: the four ILO–European Commission lists (2009).
- ``opennrm-other-forms``: OpenNRM's own lists for forced criminality, forced begging,
  forced marriage and benefit fraud, with a child variant of each.

How versions combine: each file has its own version string (``<catalogue>.<n>``). A
profile belongs to exactly one file, so a screening stores the version of the file whose
profile it used (``Profile.catalogue_version``); the pair (profile, version) is enough to
load the same list again. The merged view for the API (``public_catalogue``) carries the
newest file of each family and names the combination as ``"<v1>+<v2>"``.

Everything is validated on load; a broken file fails loudly with ``CatalogueError``
naming the file and the entry, instead of yielding a screening that silently ignores an
indicator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Final, TypeVar

LOCALES: Final = ("fi", "sv", "en")
ILO_EC: Final = "ilo-ec-2009"
OTHER_FORMS: Final = "opennrm-other-forms"
CATALOGUES: Final = (ILO_EC, OTHER_FORMS)

CODE_PATTERN: Final = re.compile(r"^[A-Z0-9-]{1,20}$")
_FORCED_LABOUR_CODE = re.compile(r"^FL[0-9]{2}$")
_PREFIX = re.compile(r"^[A-Z]{2,3}$")
_SHORT = re.compile(r"^[A-Z]{2}$")
_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CATALOGUE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


class CatalogueError(ValueError):
    """A catalogue file does not have the shape or content the screening relies on."""


class UnknownCatalogueVersion(LookupError):
    """No catalogue file has this version string."""

    def __init__(self, version: str) -> None:
        self.version = version
        super().__init__(
            f"unknown screening catalogue version {version!r}; "
            f"available: {', '.join(available_versions())}"
        )


class UnknownProfile(LookupError):
    """No (current) catalogue defines this profile code."""

    def __init__(self, profile: str, where: str) -> None:
        self.profile = profile
        super().__init__(f"unknown screening profile {profile!r} in {where}")


class Strength(StrEnum):
    """How strongly an indicator points to its dimension, as rated in the Delphi survey."""

    STRONG = "strong"
    MEDIUM = "medium"
    WEAK = "weak"


class DimensionKind(StrEnum):
    """The part of the trafficking definition a dimension speaks to.

    ``recruitment``: how the person was recruited or moved (deception, coercion, abuse of
    vulnerability); ``exploitation``: the purpose, exploitative conditions;
    ``means``: what keeps the person there (coercion or abuse of vulnerability at
    destination). The assessment rule combines dimensions by kind.
    """

    RECRUITMENT = "recruitment"
    EXPLOITATION = "exploitation"
    MEANS = "means"


class Verification(StrEnum):
    """How far a profile's list could be checked against its published source.

    ``corroborated``: items and per-dimension counts agree with secondary sources;
    ``secondary``: taken from a secondary tabulation of the published list;
    ``provisional``: the published list was not available, so it was reconstructed
    (docs/screening.md says how) and must be checked before it is relied on;
    ``own_work``: written by the OpenNRM project, no outside source to check against.
    """

    CORROBORATED = "corroborated"
    SECONDARY = "secondary"
    PROVISIONAL = "provisional"
    OWN_WORK = "own_work"


@dataclass(frozen=True, slots=True)
class Text:
    """One text in the three interface languages."""

    fi: str
    sv: str
    en: str

    def get(self, locale: str) -> str:
        """The text in ``locale`` (``"fi"``, ``"sv-FI"`` …); English when unknown."""
        language = locale.replace("_", "-").split("-", 1)[0].lower()
        if language == "fi":
            return self.fi
        if language == "sv":
            return self.sv
        return self.en

    def as_dict(self) -> dict[str, str]:
        return {"fi": self.fi, "sv": self.sv, "en": self.en}


@dataclass(frozen=True, slots=True)
class Source:
    """Where a catalogue comes from; ``own_work`` marks text written by this project."""

    title: str
    publisher: str
    year: int
    edition: str
    document: str
    url: str | None
    own_work: bool
    note: str

    def as_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "publisher": self.publisher,
            "year": self.year,
            "edition": self.edition,
            "document": self.document,
            "url": self.url,
            "own_work": self.own_work,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Dimension:
    """One of the six elements of the trafficking definition an indicator speaks to."""

    code: str
    short: str
    kind: DimensionKind
    label: Text


@dataclass(frozen=True, slots=True)
class Profile:
    """One list of indicators: who it is for (adult or child) and which form of exploitation."""

    code: str
    prefix: str
    child: bool
    form: str
    label: Text
    verification: Verification
    catalogue_version: str


@dataclass(frozen=True, slots=True)
class ForcedLabourIndicator:
    """One of the ILO's eleven indicators of forced labour (2012)."""

    code: str
    label: Text


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator of one profile, in one dimension, with its strength.

    ``forced_labour`` cross-refers to the ILO forced-labour indicators it corresponds to;
    ``adapted_from`` (own lists only) names the ILO–EC adult-labour indicators it was
    adapted from; ``defines_form`` marks the indicator that describes the form of
    exploitation itself (own lists only).
    """

    code: str
    profile: str
    dimension: str
    strength: Strength
    text: Text
    forced_labour: tuple[str, ...]
    adapted_from: tuple[str, ...] = ()
    defines_form: bool = False


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One catalogue file, validated. Look-ups by code are O(1)."""

    catalogue: str
    version: str
    title: Text
    source: Source
    dimensions: tuple[Dimension, ...]
    profiles: tuple[Profile, ...]
    forced_labour_indicators: tuple[ForcedLabourIndicator, ...]
    indicators: tuple[Indicator, ...]
    _profiles: Mapping[str, Profile] = field(init=False, repr=False, compare=False)
    _dimensions: Mapping[str, Dimension] = field(init=False, repr=False, compare=False)
    _indicators: Mapping[str, Indicator] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen: the indexes are derived once, here, and never change.
        object.__setattr__(self, "_profiles", MappingProxyType({p.code: p for p in self.profiles}))
        object.__setattr__(
            self, "_dimensions", MappingProxyType({d.code: d for d in self.dimensions})
        )
        object.__setattr__(
            self, "_indicators", MappingProxyType({i.code: i for i in self.indicators})
        )

    def has_profile(self, code: str) -> bool:
        return code in self._profiles

    def profile(self, code: str) -> Profile:
        try:
            return self._profiles[code]
        except KeyError:
            raise UnknownProfile(code, f"catalogue {self.version}") from None

    def dimension(self, code: str) -> Dimension:
        return self._dimensions[code]

    def indicator(self, code: str) -> Indicator | None:
        """The indicator with ``code``, or ``None``: unknown input is the caller's to refuse."""
        return self._indicators.get(code)

    def indicators_of(self, profile: str) -> tuple[Indicator, ...]:
        """The indicators of one profile, in catalogue order (dimension, then strength)."""
        self.profile(profile)
        return tuple(i for i in self.indicators if i.profile == profile)

    def to_public_dict(self) -> dict[str, object]:
        """This file alone in the shape of ``GET /api/v1/screening/catalogue``."""
        return _public((self,), version=self.version)


# --------------------------------------------------------------------------- parsing


def _fail(where: str, message: str) -> CatalogueError:
    return CatalogueError(f"{where}: {message}")


def _object(
    value: object,
    where: str,
    *,
    required: AbstractSet[str],
    optional: AbstractSet[str] = frozenset(),
) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _fail(where, "expected an object")
    out: dict[str, object] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise _fail(where, "keys must be strings")
        out[key] = item
    missing = required - out.keys()
    if missing:
        raise _fail(where, f"missing {', '.join(sorted(missing))}")
    unknown = out.keys() - required - optional
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    return out


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise _fail(where, "expected a list")
    return list(value)


def _str(value: object, where: str, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "expected a non-empty string")
    if pattern is not None and not pattern.match(value):
        raise _fail(where, f"{value!r} does not match {pattern.pattern}")
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "expected true or false")
    return value


def _text(value: object, where: str) -> Text:
    data = _object(value, where, required=set(LOCALES))
    fi, sv, en = (_str(data[locale], f"{where}.{locale}") for locale in LOCALES)
    return Text(fi=fi, sv=sv, en=en)


_E = TypeVar("_E", bound=StrEnum)


def _enum(kind: type[_E], value: object, where: str) -> _E:
    text = _str(value, where)
    try:
        return kind(text)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise _fail(where, f"{text!r} is not one of {allowed}") from None


def _source(value: object, where: str) -> Source:
    data = _object(
        value,
        where,
        required={"title", "publisher", "year", "edition", "document", "url", "own_work"},
        optional={"note"},
    )
    year = data["year"]
    if not isinstance(year, int) or isinstance(year, bool):
        raise _fail(f"{where}.year", "expected a year")
    url = data["url"]
    return Source(
        title=_str(data["title"], f"{where}.title"),
        publisher=_str(data["publisher"], f"{where}.publisher"),
        year=year,
        edition=_str(data["edition"], f"{where}.edition"),
        document=_str(data["document"], f"{where}.document"),
        url=None if url is None else _str(url, f"{where}.url"),
        own_work=_bool(data["own_work"], f"{where}.own_work"),
        note=_str(data["note"], f"{where}.note") if "note" in data else "",
    )


def _unique(codes: Iterable[str], where: str, what: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise _fail(where, f"duplicate {what} {code!r}")
        seen.add(code)


def parse_catalogue(raw: object, *, where: str = "catalogue") -> Catalogue:
    """Validate decoded JSON and build a ``Catalogue``; ``CatalogueError`` names the fault.

    Used by the loader; public so tests can show that a broken file is refused.
    """
    top = _object(
        raw,
        where,
        required={
            "catalogue",
            "version",
            "title",
            "source",
            "dimensions",
            "profiles",
            "forced_labour_indicators",
            "indicators",
        },
        optional={"about", "forced_labour_source"},
    )
    name = _str(top["catalogue"], f"{where}.catalogue", _CATALOGUE_NAME)
    version = _str(top["version"], f"{where}.version")
    if not re.fullmatch(re.escape(name) + r"\.[1-9][0-9]*", version):
        raise _fail(f"{where}.version", f"{version!r} must be {name!r} + '.<n>'")
    where = f"{where} {version}"

    dimensions: list[Dimension] = []
    for n, item in enumerate(_list(top["dimensions"], f"{where}.dimensions")):
        at = f"{where}.dimensions[{n}]"
        d = _object(item, at, required={"code", "short", "kind", "label"})
        dimensions.append(
            Dimension(
                code=_str(d["code"], f"{at}.code", _SLUG),
                short=_str(d["short"], f"{at}.short", _SHORT),
                kind=_enum(DimensionKind, d["kind"], f"{at}.kind"),
                label=_text(d["label"], f"{at}.label"),
            )
        )
    _unique((d.code for d in dimensions), f"{where}.dimensions", "dimension")
    _unique((d.short for d in dimensions), f"{where}.dimensions", "dimension short code")
    # The rule combines dimensions by kind; a catalogue lacking a kind cannot be assessed.
    for kind in DimensionKind:
        if not any(d.kind is kind for d in dimensions):
            raise _fail(f"{where}.dimensions", f"no dimension of kind {kind.value!r}")

    profiles: list[Profile] = []
    for n, item in enumerate(_list(top["profiles"], f"{where}.profiles")):
        at = f"{where}.profiles[{n}]"
        p = _object(item, at, required={"code", "prefix", "child", "form", "label", "verification"})
        profiles.append(
            Profile(
                code=_str(p["code"], f"{at}.code", _SLUG),
                prefix=_str(p["prefix"], f"{at}.prefix", _PREFIX),
                child=_bool(p["child"], f"{at}.child"),
                form=_str(p["form"], f"{at}.form", _SLUG),
                label=_text(p["label"], f"{at}.label"),
                verification=_enum(Verification, p["verification"], f"{at}.verification"),
                catalogue_version=version,
            )
        )
    if not profiles:
        raise _fail(f"{where}.profiles", "no profiles")
    _unique((p.code for p in profiles), f"{where}.profiles", "profile")
    _unique((p.prefix for p in profiles), f"{where}.profiles", "profile prefix")

    forced: list[ForcedLabourIndicator] = []
    for n, item in enumerate(
        _list(top["forced_labour_indicators"], f"{where}.forced_labour_indicators")
    ):
        at = f"{where}.forced_labour_indicators[{n}]"
        f = _object(item, at, required={"code", "label"})
        forced.append(
            ForcedLabourIndicator(
                code=_str(f["code"], f"{at}.code", _FORCED_LABOUR_CODE),
                label=_text(f["label"], f"{at}.label"),
            )
        )
    _unique((f.code for f in forced), f"{where}.forced_labour_indicators", "code")

    by_profile = {p.code: p for p in profiles}
    by_dimension = {d.code: d for d in dimensions}
    forced_codes = {f.code for f in forced}
    indicators: list[Indicator] = []
    # Codes are <prefix>-<short>-<n>, numbered 1..n within a (profile, dimension) in file
    # order, so that a code says where it belongs and a gap shows a lost line.
    counters: dict[tuple[str, str], int] = {}
    for n, item in enumerate(_list(top["indicators"], f"{where}.indicators")):
        at = f"{where}.indicators[{n}]"
        i = _object(
            item,
            at,
            required={"code", "profile", "dimension", "strength", "text", "forced_labour"},
            optional={"adapted_from", "defines_form"},
        )
        code = _str(i["code"], f"{at}.code", CODE_PATTERN)
        at = f"{where} indicator {code}"
        profile_code = _str(i["profile"], f"{at}.profile")
        if profile_code not in by_profile:
            raise _fail(at, f"unknown profile {profile_code!r}")
        dimension_code = _str(i["dimension"], f"{at}.dimension")
        if dimension_code not in by_dimension:
            raise _fail(at, f"unknown dimension {dimension_code!r}")
        key = (profile_code, dimension_code)
        counters[key] = counters.get(key, 0) + 1
        expected = (
            f"{by_profile[profile_code].prefix}-{by_dimension[dimension_code].short}-"
            f"{counters[key]}"
        )
        if code != expected:
            raise _fail(at, f"code should be {expected!r} (prefix-dimension-number)")
        refs = tuple(_str(ref, f"{at}.forced_labour") for ref in _list(i["forced_labour"], at))
        for ref in refs:
            if ref not in forced_codes:
                raise _fail(at, f"unknown forced-labour indicator {ref!r}")
        _unique(refs, at, "forced-labour reference")
        adapted = tuple(
            _str(ref, f"{at}.adapted_from", CODE_PATTERN)
            for ref in _list(i.get("adapted_from", []), f"{at}.adapted_from")
        )
        indicators.append(
            Indicator(
                code=code,
                profile=profile_code,
                dimension=dimension_code,
                strength=_enum(Strength, i["strength"], f"{at}.strength"),
                text=_text(i["text"], f"{at}.text"),
                forced_labour=refs,
                adapted_from=adapted,
                defines_form=_bool(i.get("defines_form", False), f"{at}.defines_form"),
            )
        )
    _unique((i.code for i in indicators), f"{where}.indicators", "indicator code")

    # Catalogue order is dimension order: the rule and the screens rely on it.
    order = {d.code: n for n, d in enumerate(dimensions)}
    profile_order = {p.code: n for n, p in enumerate(profiles)}
    indicators.sort(key=lambda x: (profile_order[x.profile], order[x.dimension]))

    return Catalogue(
        catalogue=name,
        version=version,
        title=_text(top["title"], f"{where}.title"),
        source=_source(top["source"], f"{where}.source"),
        dimensions=tuple(dimensions),
        profiles=tuple(profiles),
        forced_labour_indicators=tuple(forced),
        indicators=tuple(indicators),
    )


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def _all() -> Mapping[str, Catalogue]:
    """Every catalogue file in ``screening/data``, by version. Read once per process."""
    folder = resources.files("opennrm.screening") / "data"
    found: dict[str, Catalogue] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        where = f"screening/data/{entry.name}"
        try:
            raw: object = json.loads(entry.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise CatalogueError(f"{where}: not valid JSON ({exc})") from exc
        catalogue = parse_catalogue(raw, where=where)
        if catalogue.version in found:
            raise CatalogueError(f"{where}: version {catalogue.version} is defined twice")
        found[catalogue.version] = catalogue
    return MappingProxyType(found)


def available_versions() -> tuple[str, ...]:
    """All loadable version strings, e.g. ``("ilo-ec-2009.1", "opennrm-other-forms.1")``."""
    return tuple(sorted(_all()))


def load_catalogue(version: str) -> Catalogue:
    """The catalogue file with exactly this version string (cached)."""
    try:
        return _all()[version]
    except KeyError:
        raise UnknownCatalogueVersion(version) from None


def _number(version: str) -> int:
    return int(version.rsplit(".", 1)[1])


def current_version(catalogue: str = ILO_EC) -> str:
    """The newest version of a catalogue family (``"ilo-ec-2009"`` or ``"opennrm-other-forms"``)."""
    versions = [c.version for c in _all().values() if c.catalogue == catalogue]
    if not versions:
        raise UnknownCatalogueVersion(catalogue)
    return max(versions, key=_number)


@lru_cache(maxsize=1)
def current_catalogues() -> tuple[Catalogue, ...]:
    """The newest file of each family, in ``CATALOGUES`` order (then any other family).

    A profile or indicator code must not be defined by two current files: which list a
    screening used would then be ambiguous.
    """
    families = list(CATALOGUES) + sorted({c.catalogue for c in _all().values()} - set(CATALOGUES))
    current = tuple(
        load_catalogue(current_version(name))
        for name in families
        if any(c.catalogue == name for c in _all().values())
    )
    _unique((p.code for c in current for p in c.profiles), "current catalogues", "profile")
    _unique((i.code for c in current for i in c.indicators), "current catalogues", "indicator code")
    first = current[0].dimensions
    for other in current[1:]:
        if other.dimensions != first:
            raise CatalogueError(
                f"{other.version}: dimensions differ from {current[0].version}; "
                "all catalogues must share the six dimensions"
            )
    return current


def catalogue_for_profile(profile: str) -> Catalogue:
    """The current catalogue that defines ``profile``; store its ``version`` with a screening."""
    for catalogue in current_catalogues():
        if catalogue.has_profile(profile):
            return catalogue
    raise UnknownProfile(profile, "the current catalogues")


def current_version_string() -> str:
    """The combination of current files, e.g. ``"ilo-ec-2009.1+opennrm-other-forms.1"``."""
    return "+".join(c.version for c in current_catalogues())


def public_catalogue() -> dict[str, object]:
    """The merged current catalogues for ``GET /api/v1/screening/catalogue``.

    ``version`` names the combination; each profile carries ``catalogue_version``, the
    string to store with a screening made with it.
    """
    return _public(current_catalogues(), version=current_version_string())


def _public(catalogues: tuple[Catalogue, ...], *, version: str) -> dict[str, object]:
    first = catalogues[0]
    return {
        "version": version,
        "versions": [c.version for c in catalogues],
        "dimensions": [
            {"code": d.code, "short": d.short, "kind": d.kind.value, "label": d.label.as_dict()}
            for d in first.dimensions
        ],
        "forced_labour_indicators": [
            {"code": f.code, "label": f.label.as_dict()} for f in first.forced_labour_indicators
        ],
        "profiles": [
            {
                "code": p.code,
                "label": p.label.as_dict(),
                "child": p.child,
                "form": p.form,
                "catalogue_version": p.catalogue_version,
                "verification": p.verification.value,
                "own_work": c.source.own_work,
            }
            for c in catalogues
            for p in c.profiles
        ],
        "indicators": [
            {
                "code": i.code,
                "profile": i.profile,
                "dimension": i.dimension,
                "strength": i.strength.value,
                "text": i.text.as_dict(),
                "forced_labour": list(i.forced_labour),
            }
            for c in catalogues
            for i in c.indicators
        ],
        "sources": {c.version: c.source.as_dict() for c in catalogues},
    }
