"""Load a deployment description (regions, police departments, municipalities,
organisations) from JSON into frozen dataclasses, checking that it hangs together.

The module is named after the reference deployment it ships with
(``data/finland.json``), but the code is country-neutral: another country's deployment
is another JSON file passed to ``load_deployment(path)``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "ORGANISATION_TYPES",
    "Deployment",
    "DeploymentError",
    "Municipality",
    "Names",
    "Offence",
    "Organisation",
    "PoliceDepartment",
    "Region",
    "SyntheticHints",
    "department_for_municipality",
    "load_deployment",
]

# Organisation types of the stable contract (docs: CONTRACT.md).
ORGANISATION_TYPES = (
    "police",
    "national_team",
    "nbi",
    "border_guard",
    "immigration",
    "labour_inspection",
    "prosecution",
    "assistance_system",
    "municipality",
    "health",
    "ngo",
    "ministry",
    "rapporteur",
)

_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DEFAULT_FILE = "finland.json"


class DeploymentError(ValueError):
    """The deployment file is malformed or inconsistent; the message says where."""


@dataclass(frozen=True, slots=True)
class Names:
    """A name in the deployment's languages; ``fi`` is the primary (required) one."""

    fi: str
    sv: str | None = None
    en: str | None = None

    def get(self, locale: str) -> str:
        """The name in ``locale``, falling back to the primary name."""
        language = locale.replace("_", "-").split("-", 1)[0].lower()
        value = {"fi": self.fi, "sv": self.sv, "en": self.en}.get(language)
        return value or self.fi

    def all(self) -> tuple[str, ...]:
        """Every distinct spelling, primary first."""
        return tuple(dict.fromkeys(n for n in (self.fi, self.sv, self.en) if n))

    def __str__(self) -> str:
        return self.fi


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: Names


@dataclass(frozen=True, slots=True)
class PoliceDepartment:
    key: str
    organisation: str  # key of the Organisation that stands for this department
    name: Names
    regions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Municipality:
    name: Names
    region: str
    # None where the municipality lies outside the departments (e.g. Åland's own police)
    police_department: str | None
    # key of the competent police organisation: the department's, or another police body
    police_organisation: str
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class Offence:
    """An offence code of the deployment's criminal law, for classifying investigations."""

    code: str
    law: str
    name: Names


@dataclass(frozen=True, slots=True)
class Organisation:
    key: str
    type: str
    region: str | None
    name: Names
    police_department: str | None = None
    parent: str | None = None
    fictional: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SyntheticHints:
    """What the synthetic generator needs to make local-looking data."""

    phone_region: str
    email_domains: tuple[str, ...]
    company_forms: tuple[str, ...]
    streets: tuple[str, ...]
    municipality_weights: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()


@dataclass(frozen=True, slots=True)
class Deployment:
    key: str
    country: str
    name: Names
    default_locale: str
    locales: tuple[str, ...]
    regions: tuple[Region, ...]
    departments: tuple[PoliceDepartment, ...]
    municipalities: tuple[Municipality, ...]
    organisations: tuple[Organisation, ...]
    synthetic: SyntheticHints
    _by_name: Mapping[str, Municipality] = field(repr=False, compare=False)
    # Referral law of the deployment: whether a child is referred with identity to the
    # assistance system and the police whatever the consent.
    children_always_referred: bool = False
    # Local time of the deployment: the day a deadline ends is a local day.
    timezone: str = "UTC"
    offences: tuple[Offence, ...] = ()

    def offence(self, code: str) -> Offence | None:
        return next((o for o in self.offences if o.code == code), None)

    def region(self, code: str) -> Region:
        for region in self.regions:
            if region.code == code:
                return region
        raise KeyError(f"unknown region {code!r}")

    def department(self, key: str) -> PoliceDepartment:
        for department in self.departments:
            if department.key == key:
                return department
        raise KeyError(f"unknown police department {key!r}")

    def organisation(self, key: str) -> Organisation:
        for organisation in self.organisations:
            if organisation.key == key:
                return organisation
        raise KeyError(f"unknown organisation {key!r}")

    def municipality(self, name: str) -> Municipality | None:
        """The municipality called ``name`` in any of its languages, ignoring case."""
        return self._by_name.get(_fold(name))

    def department_for_municipality(self, name: str) -> str | None:
        """Key of the police department competent for ``name``; None when the
        municipality is unknown or served by police outside the departments."""
        municipality = self.municipality(name)
        return municipality.police_department if municipality else None

    def police_organisation_for_municipality(self, name: str) -> str | None:
        """Key of the competent police organisation (a department, or e.g. Åland's
        own police); None for an unknown municipality."""
        municipality = self.municipality(name)
        return municipality.police_organisation if municipality else None


# --- parsing ------------------------------------------------------------------------------


def _str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DeploymentError(f"{where}: {key!r} must be a non-empty string")
    return value


def _opt_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DeploymentError(f"{where}: {key!r} must be a non-empty string or null")
    return value


def _list(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise DeploymentError(f"{where}: {key!r} must be a list")
    return value


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise DeploymentError(f"{where}: must be an object")
    return value


def _names(obj: Mapping[str, Any], where: str) -> Names:
    names = _obj(obj.get("name"), f"{where}.name")
    return Names(
        fi=_str(names, "fi", f"{where}.name"),
        sv=_opt_str(names, "sv", f"{where}.name"),
        en=_opt_str(names, "en", f"{where}.name"),
    )


def _strings(obj: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    items = _list(obj, key, where)
    if not all(isinstance(i, str) and i for i in items):
        raise DeploymentError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(items)


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise DeploymentError(f"duplicate {what} {value!r}")
        seen.add(value)


def parse_deployment(data: Mapping[str, Any]) -> Deployment:
    """Build and cross-check a Deployment from its JSON object."""
    regions_list: list[Region] = []
    for i, raw in enumerate(_list(data, "regions", "deployment")):
        where = f"regions[{i}]"
        r = _obj(raw, where)
        regions_list.append(Region(code=_str(r, "code", where), name=_names(r, where)))
    regions = tuple(regions_list)
    _unique([r.code for r in regions], "region code")
    region_codes = {r.code for r in regions}

    departments: list[PoliceDepartment] = []
    for i, raw in enumerate(_list(data, "police_departments", "deployment")):
        where = f"police_departments[{i}]"
        d = _obj(raw, where)
        department = PoliceDepartment(
            key=_str(d, "key", where),
            organisation=_str(d, "organisation", where),
            name=_names(d, where),
            regions=_strings(d, "regions", where),
        )
        unknown = set(department.regions) - region_codes
        if unknown:
            raise DeploymentError(f"{where}: unknown regions {sorted(unknown)}")
        departments.append(department)
    _unique([d.key for d in departments], "police department")
    by_department = {d.key: d for d in departments}

    organisations: list[Organisation] = []
    for i, raw in enumerate(_list(data, "organisations", "deployment")):
        where = f"organisations[{i}]"
        o = _obj(raw, where)
        fictional = o.get("fictional", False)
        if not isinstance(fictional, bool):
            raise DeploymentError(f"{where}: 'fictional' must be true or false")
        organisation = Organisation(
            key=_str(o, "key", where),
            type=_str(o, "type", where),
            region=_opt_str(o, "region", where),
            name=_names(o, where),
            police_department=_opt_str(o, "police_department", where),
            parent=_opt_str(o, "parent", where),
            fictional=fictional,
            note=_opt_str(o, "note", where),
        )
        if not _KEY.fullmatch(organisation.key):
            raise DeploymentError(f"{where}: key {organisation.key!r} is not a lower-case slug")
        if organisation.type not in ORGANISATION_TYPES:
            raise DeploymentError(f"{where}: unknown organisation type {organisation.type!r}")
        if organisation.region is not None and organisation.region not in region_codes:
            raise DeploymentError(f"{where}: unknown region {organisation.region!r}")
        if (
            organisation.police_department is not None
            and organisation.police_department not in by_department
        ):
            raise DeploymentError(
                f"{where}: unknown police department {organisation.police_department!r}"
            )
        organisations.append(organisation)
    _unique([o.key for o in organisations], "organisation key")
    by_org = {o.key: o for o in organisations}
    for org in organisations:
        if org.parent is not None and org.parent not in by_org:
            raise DeploymentError(f"organisation {org.key!r}: unknown parent {org.parent!r}")
    for dep in departments:
        dep_org = by_org.get(dep.organisation)
        if dep_org is None or dep_org.type != "police" or dep_org.police_department != dep.key:
            raise DeploymentError(
                f"police department {dep.key!r}: organisation {dep.organisation!r} must exist, "
                f"be of type police and point back to the department"
            )

    municipalities: list[Municipality] = []
    for i, raw in enumerate(_list(data, "municipalities", "deployment")):
        where = f"municipalities[{i}]"
        m = _obj(raw, where)
        department_key = _opt_str(m, "police_department", where)
        police_org = _opt_str(m, "police_organisation", where)
        if department_key is not None:
            department_obj = by_department.get(department_key)
            if department_obj is None:
                raise DeploymentError(f"{where}: unknown police department {department_key!r}")
            police_org = police_org or department_obj.organisation
        if police_org is None:
            raise DeploymentError(f"{where}: needs a police_department or police_organisation")
        if police_org not in by_org or by_org[police_org].type != "police":
            raise DeploymentError(f"{where}: {police_org!r} is not a police organisation")
        municipality = Municipality(
            name=_names(m, where),
            region=_str(m, "region", where),
            police_department=department_key,
            police_organisation=police_org,
            postal_code=_opt_str(m, "postal_code", where),
        )
        if municipality.region not in region_codes:
            raise DeploymentError(f"{where}: unknown region {municipality.region!r}")
        if (
            department_key is not None
            and municipality.region not in by_department[department_key].regions
        ):
            raise DeploymentError(
                f"{where}: department {department_key!r} does not serve region "
                f"{municipality.region}"
            )
        municipalities.append(municipality)

    by_name: dict[str, Municipality] = {}
    for mun in municipalities:
        for spelling in mun.name.all():
            folded = _fold(spelling)
            if folded in by_name and by_name[folded] is not mun:
                raise DeploymentError(f"municipality name {spelling!r} is ambiguous")
            by_name[folded] = mun

    s = _obj(data.get("synthetic", {}), "synthetic")
    weights_raw = _obj(s.get("municipality_weights", {}), "synthetic.municipality_weights")
    weights: dict[str, int] = {}
    for name, weight in weights_raw.items():
        if _fold(name) not in by_name:
            raise DeploymentError(f"synthetic.municipality_weights: unknown municipality {name!r}")
        if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
            raise DeploymentError(f"synthetic.municipality_weights[{name!r}]: not a weight")
        weights[by_name[_fold(name)].name.fi] = weight
    synthetic = SyntheticHints(
        phone_region=str(s.get("phone_region") or data.get("country") or ""),
        email_domains=_strings(s, "email_domains", "synthetic")
        if "email_domains" in s
        else ("example.com",),
        company_forms=_strings(s, "company_forms", "synthetic") if "company_forms" in s else (),
        streets=_strings(s, "streets", "synthetic") if "streets" in s else (),
        municipality_weights=MappingProxyType(weights),
    )

    locales = _strings(data, "locales", "deployment") if "locales" in data else ("fi",)
    offences: list[Offence] = []
    for i, raw in enumerate(_list(data, "offences", "deployment") if "offences" in data else []):
        where = f"offences[{i}]"
        o = _obj(raw, where)
        offences.append(
            Offence(code=_str(o, "code", where), law=_str(o, "law", where), name=_names(o, where))
        )
    _unique([o.code for o in offences], "offence code")
    referral = _obj(data.get("referral", {}), "referral")
    children_always = referral.get("children_always_referred", False)
    if not isinstance(children_always, bool):
        raise DeploymentError("referral.children_always_referred must be true or false")
    return Deployment(
        key=_str(data, "key", "deployment"),
        country=_str(data, "country", "deployment"),
        name=_names(data, "deployment"),
        default_locale=str(data.get("default_locale") or locales[0]),
        locales=locales,
        regions=regions,
        departments=tuple(departments),
        municipalities=tuple(municipalities),
        organisations=tuple(organisations),
        synthetic=synthetic,
        _by_name=MappingProxyType(by_name),
        children_always_referred=children_always,
        timezone=_opt_str(data, "timezone", "deployment") or "UTC",
        offences=tuple(offences),
    )


@cache
def load_deployment(path: Path | None = None) -> Deployment:
    """Read and check a deployment file; by default the Finnish reference deployment.

    The result is immutable and cached per path.
    """
    if path is None:
        text = (resources.files("opennrm.demo") / "data" / _DEFAULT_FILE).read_text(
            encoding="utf-8"
        )
    else:
        text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DeploymentError(f"deployment file is not valid JSON: {exc}") from None
    return parse_deployment(_obj(data, "deployment"))


def department_for_municipality(name: str, deployment: Deployment | None = None) -> str | None:
    """Key of the police department competent for municipality ``name`` (Finnish or
    Swedish name, any case) in ``deployment`` (default: the reference deployment)."""
    return (deployment or load_deployment()).department_for_municipality(name)
