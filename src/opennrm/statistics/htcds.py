"""IOM's Human Trafficking Case Data Standard (HTCDS) v2.0: export and import of a case.

Why a mapping of our own: HTCDS is a list of fields and code values (a spreadsheet), not
a file format, and IOM publishes no JSON Schema for it. `data/htcds-2.0.schema.json` is
ours: one JSON object per victim case, every HTCDS field with its exact code values,
related records (perpetrators, events, support plans) as arrays, and an `x_opennrm`
object for what HTCDS cannot say. docs/exports.md has the field-by-field mapping and
docs/adr/0014-exchange-formats.md the reasons.

Round trip: `from_htcds(to_htcds(case)) == case` for every case. HTCDS values carry what
they can; `x_opennrm` carries a component of the case only when the HTCDS fields alone
would not give it back (an extension exploitation type exported as "Other", a partial
birth date, a second phone number), plus the case id, the registration date and the raw
screening indicator codes, always. Records from other systems import without it.

Pure: plain dataclasses in, plain dicts out; the only file read is the packaged schema
and indicator mapping.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Final

from jsonschema import Draft202012Validator, ValidationError

from opennrm.linkage.engine.normalise import phone_key
from opennrm.signals.codes import (
    EXPLOITATION_TYPES,
    GENDERS,
    HTCDS_EXPLOITATION_TYPES,
    is_country_code,
)
from opennrm.statistics.facts import VICTIM_STATUSES
from opennrm.support.services import BY_CODE as SERVICE_TYPES
from opennrm.support.services import SERVICE_TYPES as SERVICE_LIST

SCHEMA_FILE: Final = "htcds-2.0.schema.json"
INDICATOR_FILE: Final = "ilo-ec-methods-of-control.json"
EXTENSION_KEY: Final = "x_opennrm"
EXTENSION_VERSION: Final = 1

METHODS_OF_CONTROL: Final = (
    "PhysicalThreats",
    "ThreatsLawEnforcement",
    "ThreatensChildrenFamily",
    "DebtBondage",
    "FalsePromises",
    "PhysicalAbuse",
    "SexualAbuse",
    "TakesEarnings",
    "RestrictsFinancialAccess",
    "RestrictsMedicalCare",
    "WithholdsNecessities",
    "PsychologicalAbuse",
    "PsychoactiveSubstance",
    "ExcessiveWorkingHours",
    "WithholdsDocuments",
    "Other",
    "RestrictsMovement",
)
"""vic_MethodsOfControl: the sixteen v2.0 values (Toolkit/Survey/htcds_xlsform.xml) and
RestrictsMovement, an extension: Field Definitions.md and CTDC have it, v2.0 lacks it."""

ORGANISATION_TYPES: Final[Mapping[str, str]] = {
    "police": "LawEnforcement",
    "national_team": "LawEnforcement",
    "nbi": "LawEnforcement",
    "border_guard": "LawEnforcement",
    "immigration": "ImmigrationService",
    "labour_inspection": "CentralGovernmentOrganisation",
    "prosecution": "CentralGovernmentOrganisation",
    "assistance_system": "CentralGovernmentOrganisation",
    "municipality": "LocalGovernmentOrganisation",
    "health": "HealthServiceOrganisation",
    "ngo": "NGO",
    "ministry": "CentralGovernmentOrganisation",
    "rapporteur": "CentralGovernmentOrganisation",
}
"""Our organisation types (CONTRACT.md) → HTCDS org_Type."""

_IMPORTED_ORGANISATION_TYPES: Final[Mapping[str, str]] = {
    "LawEnforcement": "police",
    "ImmigrationService": "immigration",
    "CentralGovernmentOrganisation": "ministry",
    "LocalGovernmentOrganisation": "municipality",
    "HealthServiceOrganisation": "health",
    "NGO": "ngo",
}
"""HTCDS org_Type → the type an imported organisation gets. LegalService and
CorporateBusiness have no type of ours and import as None."""

VICTIM_STATUS: Final[Mapping[str, str]] = {
    "presumed": "PossibleVictimOfTrafficking",
    "identified": "ActualVictimOfTrafficking",
    "not_identified": "NotAVictimOfTrafficking",
}
CASE_STATUS: Final[Mapping[str, str]] = {"open": "Active", "closed": "Closed"}
_IMPORTED_CASE_STATUS: Final[Mapping[str, str]] = {
    "Active": "open",
    "FollowUp": "open",
    "Closed": "closed",
    "ClosedReferred": "closed",
}
_IMPORTED_GENDERS: Final[Mapping[str, str]] = {
    **{g.htcds: g.code for g in GENDERS.values()},
    "TransgenderFeminine": "other",
    "TransgenderMasculine": "other",
}

SUSPECT_ROLES: Final[Mapping[str, str | None]] = {
    "travelling_partner": "TravellingPartner",
    "transporter": "Transporter",
    "recruiter": "RecruiterOrIntermediary",
    "travel_agent": "BrokerTravelAgent",
    "transferrer": "TransferredIndividual",
    "harbourer": "HarbouredIndividual",
    "seller": "SoldIndividual",
    "buyer": "BoughtIndividual",
    "receiver": "ReceivedIndividual",
    "controller": "ControlledIndividual",
    "smuggler": "Smuggler",
    "abuser": "Abuser",
    "kidnapper": "Kidnapper",
    "exploiter": "Exploiter",
    "other": "Other",
    "unknown": None,
}
"""A suspect's role → HTCDS per_RoleInProcess (values of HTCDS Field Reference.md)."""

REFERRAL_TARGETS: Final[Mapping[str, str]] = {
    "assistance_system": "Victim assistance system",
    "police": "Police",
}
"""What cas_ReferredOrganisation says when a referral does not name the organisation."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_FULL_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


# --- what the platform holds about one victim case ------------------------------------


@dataclass(frozen=True)
class Organisation:
    """The organisation that registered the case."""

    name: str
    type: str | None
    """One of CONTRACT.md's organisation types; None for an imported type we lack."""
    country: str | None = None
    """ISO 3166-1 alpha-2."""


@dataclass(frozen=True)
class Person:
    """The victim, as recorded: names in any script, partial birth dates allowed."""

    names: tuple[str, ...] = ()
    """Full names as written (aliases, transliterations), the main one first."""
    given_name: str | None = None
    family_name: str | None = None
    birth_date: str | None = None
    """YYYY, YYYY-MM or YYYY-MM-DD."""
    gender: str = "unknown"
    """A code of `signals.codes.GENDERS`."""
    nationality: str | None = None
    """ISO 3166-1 alpha-2."""
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suspect:
    """A suspect named in the case."""

    names: tuple[str, ...] = ()
    nationality: str | None = None
    role: str = "unknown"
    """A key of `SUSPECT_ROLES`."""


@dataclass(frozen=True)
class Consent:
    """The victim's consent to referral; None where it was not asked."""

    to_assistance_system: bool | None = None
    to_police: bool | None = None


@dataclass(frozen=True)
class Service:
    """One support service: a code of `support.services`, and when it ran."""

    type: str
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Referral:
    """One outgoing referral and its current state."""

    target: str
    referred_on: date
    state: str
    organisation: str | None = None


@dataclass(frozen=True)
class CaseInput:
    """One victim case: a victim named in a signal, with what was done about them."""

    case_id: str
    """Opaque; never a record id of another system."""
    organisation: Organisation
    registered_on: date
    exploitation_types: tuple[str, ...]
    """Codes of `signals.codes.EXPLOITATION_TYPES`, the primary one first."""
    victim: Person
    victim_status: str = "presumed"
    """One of `facts.VICTIM_STATUSES`."""
    case_status: str = "open"
    """open or closed."""
    occurred_on: date | None = None
    municipality: str | None = None
    exploitation_country: str | None = None
    """Where the exploitation took place (ISO 3166-1 alpha-2)."""
    suspects: tuple[Suspect, ...] = ()
    indicators: tuple[str, ...] = ()
    """Screening indicator codes recorded (screening/data catalogues)."""
    methods_of_control: tuple[str, ...] = ()
    """HTCDS methods of control recorded as such (imports), beyond what the indicators
    already say; values of `METHODS_OF_CONTROL`."""
    consent: Consent = field(default_factory=Consent)
    services: tuple[Service, ...] = ()
    referrals: tuple[Referral, ...] = ()


class InvalidHtcdsRecord(ValueError):
    """An HTCDS record that does not follow the schema; `errors` says where and why."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(self.errors))


# --- packaged data ----------------------------------------------------------------------


def _read(name: str) -> Any:
    folder = resources.files("opennrm.statistics") / "data"
    return json.loads((folder / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def schema() -> Mapping[str, Any]:
    """The JSON Schema (draft 2020-12) of one HTCDS record."""
    loaded: Mapping[str, Any] = _read(SCHEMA_FILE)
    return loaded


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=1)
def indicator_methods() -> Mapping[str, tuple[str, ...]]:
    """Screening indicator code → the HTCDS methods of control it clearly matches."""
    raw: Mapping[str, list[str]] = _read(INDICATOR_FILE)["mapping"]
    return {code: tuple(values) for code, values in raw.items()}


def methods_of_control(indicators: Iterable[str], also: Iterable[str] = ()) -> tuple[str, ...]:
    """The HTCDS methods of control the indicators point to, with `also`, in list order."""
    table = indicator_methods()
    found = {m for code in indicators for m in table.get(code, ())} | set(also)
    return tuple(m for m in METHODS_OF_CONTROL if m in found)


# --- export ---------------------------------------------------------------------------


def to_htcds(case: CaseInput) -> dict[str, Any]:
    """The HTCDS record of a case, valid against `schema()`.

    Raises ValueError for a code the platform does not know (a programming error: the
    case was built from validated data).
    """
    _check_codes(case)
    record: dict[str, Any] = {}
    record.update(_organisation_fields(case.organisation))
    record.update(_victim_fields(case.victim, case.organisation.country))
    record["vic_TraffickingStatus"] = VICTIM_STATUS[case.victim_status]
    record["vic_TypeOfExploitation"] = _unique(
        EXPLOITATION_TYPES[t].htcds for t in case.exploitation_types
    )
    methods = methods_of_control(case.indicators, case.methods_of_control)
    if methods:
        record["vic_MethodsOfControl"] = list(methods)
    if municipality := _filled(case.municipality):
        record["vic_LocationOfExploitation"] = municipality
    record["cas_Status"] = CASE_STATUS[case.case_status]
    if case.referrals:
        first = case.referrals[0]
        record["cas_ReferredOrganisation"] = _filled(first.organisation) or REFERRAL_TARGETS.get(
            first.target, first.target
        )
        record["cas_OutgoingReferralDate"] = first.referred_on.isoformat()
    if case.consent.to_assistance_system is not None:
        record["con_Consent"] = case.consent.to_assistance_system
    if case.suspects:
        record["perpetrators"] = [_perpetrator(s) for s in case.suspects]
    event = _exploitation_event(case)
    if event:
        record["trafficking_events"] = [event]
    if case.services:
        record["support_plans"] = [_support_plan(s) for s in case.services]
    record[EXTENSION_KEY] = _extensions(case, record)
    return record


def to_json_lines(cases: Iterable[CaseInput]) -> Iterator[str]:
    """JSON Lines: one record per line, each ending in a newline (UTF-8 text as is)."""
    for case in cases:
        yield json.dumps(to_htcds(case), ensure_ascii=False) + "\n"


def _check_codes(case: CaseInput) -> None:
    checks: list[tuple[str, Iterable[str], Iterable[str]]] = [
        ("exploitation type", case.exploitation_types, EXPLOITATION_TYPES),
        ("gender", [case.victim.gender], GENDERS),
        ("victim status", [case.victim_status], VICTIM_STATUSES),
        ("case status", [case.case_status], CASE_STATUS),
        ("suspect role", [s.role for s in case.suspects], SUSPECT_ROLES),
        ("service type", [s.type for s in case.services], SERVICE_TYPES),
        ("method of control", case.methods_of_control, METHODS_OF_CONTROL),
    ]
    if case.organisation.type is not None:
        checks.append(("organisation type", [case.organisation.type], ORGANISATION_TYPES))
    for what, values, known in checks:
        allowed = set(known)
        for value in values:
            if value not in allowed:
                raise ValueError(f"case {case.case_id}: unknown {what} {value!r}")
    if not case.exploitation_types:
        raise ValueError(f"case {case.case_id}: no exploitation type")
    if not _filled(case.organisation.name):
        raise ValueError(f"case {case.case_id}: the organisation has no name")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _organisation_fields(org: Organisation) -> dict[str, Any]:
    out: dict[str, Any] = {"org_Name": org.name}
    if org.type is not None:
        out["org_Type"] = ORGANISATION_TYPES[org.type]
    if org.country and is_country_code(org.country):
        out["org_ShippingCountry"] = org.country
    return out


def _victim_fields(person: Person, region: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    given, family = _filled(person.given_name), _filled(person.family_name)
    if given:
        out["prs_FirstName"] = given
    if family:
        out["prs_SecondName"] = family
    elif not given and (name := _first_filled(person.names)):
        # Salesforce, which HTCDS builds on, requires LastName: an unsplit name goes there.
        out["prs_SecondName"] = name
    if person.birth_date and _is_full_date(person.birth_date):
        out["prs_Birthdate"] = person.birth_date
    out["prs_Gender"] = GENDERS[person.gender].htcds
    if person.nationality and is_country_code(person.nationality):
        out["prs_Citizenship"] = person.nationality
    email = next((e for e in person.emails if _EMAIL.match(e)), None)
    if email:
        out["prs_Email"] = email
    phone = next((p for p in (phone_key(raw, region or "ZZ") for raw in person.phones) if p), None)
    if phone:
        out["prs_MobilePhone"] = phone
    return out


def _perpetrator(suspect: Suspect) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if name := _first_filled(suspect.names):
        out["prs_SecondName"] = name
    if suspect.nationality and is_country_code(suspect.nationality):
        out["prs_Citizenship"] = suspect.nationality
    role = SUSPECT_ROLES[suspect.role]
    if role:
        out["per_RoleInProcess"] = [role]
    if not out:
        out["per_RoleDetails"] = "Not recorded"
    return out


def _exploitation_event(case: CaseInput) -> dict[str, Any]:
    event: dict[str, Any] = {}
    if case.occurred_on:
        event["hte_Date"] = case.occurred_on.isoformat()
    if municipality := _filled(case.municipality):
        event["hte_City"] = municipality
    if country := _filled(case.exploitation_country):
        event["hte_Country"] = country
    if event:
        event = {"hte_Type": "Exploitation", **event}
    return event


def _support_plan(service: Service) -> dict[str, Any]:
    out: dict[str, Any] = {"spl_Type": SERVICE_TYPES[service.type].htcds}
    if service.end:
        out["spl_ActualEndDate"] = service.end.isoformat()
    return out


def _filled(text: str | None) -> str | None:
    """The text, unless it is missing or blank (HTCDS has no empty values)."""
    return text if text and text.strip() else None


def _first_filled(texts: Iterable[str]) -> str | None:
    return next((t for t in texts if _filled(t)), None)


def _is_full_date(text: str) -> bool:
    if not _FULL_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# --- extensions: what HTCDS cannot carry -------------------------------------------------


def _extensions(case: CaseInput, record: Mapping[str, Any]) -> dict[str, Any]:
    """`x_opennrm` for a record: each component the HTCDS fields would not give back."""
    x: dict[str, Any] = {
        "version": EXTENSION_VERSION,
        "case_id": case.case_id,
        "registered_on": case.registered_on.isoformat(),
    }
    if case.indicators:
        x["indicators"] = list(case.indicators)
    plain = _from_fields(record, case.indicators)
    if plain.organisation != case.organisation:
        x["organisation"] = _organisation_json(case.organisation)
    if plain.exploitation_types != case.exploitation_types:
        x["exploitation_types"] = list(case.exploitation_types)
    victim = _person_differences(plain.victim, case.victim)
    if victim:
        x["victim"] = victim
    if plain.victim_status != case.victim_status:
        x["victim_status"] = case.victim_status
    if plain.case_status != case.case_status:
        x["case_status"] = case.case_status
    occurrence = (case.occurred_on, case.municipality, case.exploitation_country)
    if (plain.occurred_on, plain.municipality, plain.exploitation_country) != occurrence:
        x["occurrence"] = {
            "occurred_on": _iso(case.occurred_on),
            "municipality": case.municipality,
            "country": case.exploitation_country,
        }
    if plain.suspects != case.suspects:
        x["suspects"] = [
            {"names": list(s.names), "nationality": s.nationality, "role": s.role}
            for s in case.suspects
        ]
    if plain.methods_of_control != case.methods_of_control:
        x["methods_of_control"] = list(case.methods_of_control)
    if plain.consent != case.consent:
        x["consent"] = {
            "to_assistance_system": case.consent.to_assistance_system,
            "to_police": case.consent.to_police,
        }
    if plain.services != case.services:
        x["services"] = [
            {"type": s.type, "start": _iso(s.start), "end": _iso(s.end)} for s in case.services
        ]
    if plain.referrals != case.referrals:
        x["referrals"] = [
            {
                "target": r.target,
                "referred_on": r.referred_on.isoformat(),
                "state": r.state,
                "organisation": r.organisation,
            }
            for r in case.referrals
        ]
    return x


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _organisation_json(org: Organisation) -> dict[str, Any]:
    return {"name": org.name, "type": org.type, "country": org.country}


def _person_differences(plain: Person, person: Person) -> dict[str, Any]:
    """The attributes of `person` that the HTCDS fields do not give back, as JSON."""
    out: dict[str, Any] = {}
    for name in _PERSON_FIELDS:
        value = getattr(person, name)
        if getattr(plain, name) != value:
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


_PERSON_FIELDS: Final = tuple(f.name for f in dataclasses.fields(Person))


# --- import -------------------------------------------------------------------------------


def validate(record: Mapping[str, Any]) -> list[str]:
    """Every way `record` breaks the schema, as sentences that start with the field path
    ("perpetrators[0].per_RoleInProcess[0]: ..."); empty when the record is valid."""
    messages: dict[str, None] = {}
    errors = sorted(
        _validator().iter_errors(record),
        key=lambda e: ([str(p) for p in e.absolute_path], e.validator),
    )
    for error in errors:
        for message in _explain(error):
            messages.setdefault(message, None)
    return list(messages)


def from_htcds(
    record: Mapping[str, Any],
    *,
    case_id: str | None = None,
    registered_on: date | None = None,
) -> CaseInput:
    """The case an HTCDS record describes.

    An OpenNRM export carries its case id and registration date in `x_opennrm`; a record
    from another system needs them given. Raises InvalidHtcdsRecord for a record that
    breaks the schema and ValueError when the id or date is missing.
    """
    errors = validate(record)
    if errors:
        raise InvalidHtcdsRecord(errors)
    x: Mapping[str, Any] = record.get(EXTENSION_KEY, {})
    the_id = x.get("case_id", case_id)
    day = date.fromisoformat(x["registered_on"]) if "registered_on" in x else registered_on
    if not the_id or day is None:
        raise ValueError(
            "the record has no x_opennrm.case_id and registered_on: give case_id= and "
            "registered_on= to import a record from another system"
        )
    indicators = tuple(x.get("indicators", ()))
    plain = _from_fields(record, indicators)
    changes: dict[str, Any] = {"case_id": the_id, "registered_on": day}
    if "organisation" in x:
        o = x["organisation"]
        changes["organisation"] = Organisation(o["name"], o["type"], o["country"])
    if "exploitation_types" in x:
        changes["exploitation_types"] = tuple(x["exploitation_types"])
    if "victim" in x:
        stashed: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in x["victim"].items()
        }
        changes["victim"] = dataclasses.replace(plain.victim, **stashed)
    for key in ("victim_status", "case_status"):
        if key in x:
            changes[key] = x[key]
    if "occurrence" in x:
        o = x["occurrence"]
        changes["occurred_on"] = _day(o["occurred_on"])
        changes["municipality"] = o["municipality"]
        changes["exploitation_country"] = o["country"]
    if "suspects" in x:
        changes["suspects"] = tuple(
            Suspect(tuple(s["names"]), s["nationality"], s["role"]) for s in x["suspects"]
        )
    if "methods_of_control" in x:
        changes["methods_of_control"] = tuple(x["methods_of_control"])
    if "consent" in x:
        c = x["consent"]
        changes["consent"] = Consent(c["to_assistance_system"], c["to_police"])
    if "services" in x:
        changes["services"] = tuple(
            Service(s["type"], _day(s["start"]), _day(s["end"])) for s in x["services"]
        )
    if "referrals" in x:
        changes["referrals"] = tuple(
            Referral(
                r["target"], date.fromisoformat(r["referred_on"]), r["state"], r["organisation"]
            )
            for r in x["referrals"]
        )
    return dataclasses.replace(plain, **changes)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _from_fields(record: Mapping[str, Any], indicators: tuple[str, ...]) -> CaseInput:
    """The case the HTCDS fields alone describe (no x_opennrm but the indicators)."""
    event: Mapping[str, Any] = next(
        (e for e in record.get("trafficking_events", ()) if e.get("hte_Type") == "Exploitation"),
        {},
    )
    derived = set(methods_of_control(indicators))
    recorded = record.get("vic_MethodsOfControl", ())
    referrals: tuple[Referral, ...] = ()
    if "cas_OutgoingReferralDate" in record:
        referrals = (
            Referral(
                "unknown",
                date.fromisoformat(record["cas_OutgoingReferralDate"]),
                "unknown",
                record.get("cas_ReferredOrganisation"),
            ),
        )
    consent = record.get("con_Consent")
    return CaseInput(
        case_id="",
        organisation=Organisation(
            record.get("org_Name", ""),
            _IMPORTED_ORGANISATION_TYPES.get(record.get("org_Type", "")),
            record.get("org_ShippingCountry"),
        ),
        registered_on=date.min,
        exploitation_types=tuple(
            _unique(HTCDS_EXPLOITATION_TYPES[t] for t in record.get("vic_TypeOfExploitation", ()))
        ),
        victim=_person_from_fields(record),
        victim_status=_imported_status(record.get("vic_TraffickingStatus")),
        case_status=_IMPORTED_CASE_STATUS.get(record.get("cas_Status", ""), "open"),
        occurred_on=_day(event.get("hte_Date")),
        municipality=event.get("hte_City", record.get("vic_LocationOfExploitation")),
        exploitation_country=event.get("hte_Country"),
        suspects=tuple(_suspect_from_fields(p) for p in record.get("perpetrators", ())),
        indicators=indicators,
        methods_of_control=tuple(m for m in recorded if m not in derived),
        consent=Consent(to_assistance_system=consent) if consent is not None else Consent(),
        services=tuple(_service_from_fields(s) for s in record.get("support_plans", ())),
        referrals=referrals,
    )


def _imported_status(value: str | None) -> str:
    for ours, theirs in VICTIM_STATUS.items():
        if theirs == value:
            return ours
    return "presumed"


def _full_name(fields: Mapping[str, Any]) -> str:
    parts = (fields.get(k) for k in ("prs_FirstName", "prs_MiddleName", "prs_SecondName"))
    return " ".join(p for p in parts if p)


def _person_from_fields(record: Mapping[str, Any]) -> Person:
    given = " ".join(p for p in (record.get("prs_FirstName"), record.get("prs_MiddleName")) if p)
    full = _full_name(record)
    phones = tuple(record[k] for k in ("prs_MobilePhone", "prs_HomePhone") if k in record)
    return Person(
        names=(full,) if full else (),
        given_name=given or None,
        family_name=record.get("prs_SecondName"),
        birth_date=record.get("prs_Birthdate"),
        gender=_IMPORTED_GENDERS.get(record.get("prs_Gender", ""), "unknown"),
        nationality=record.get("prs_Citizenship"),
        phones=phones,
        emails=(record["prs_Email"],) if "prs_Email" in record else (),
    )


def _suspect_from_fields(item: Mapping[str, Any]) -> Suspect:
    full = _full_name(item)
    roles = item.get("per_RoleInProcess", ())
    role = next(
        (ours for ours, theirs in SUSPECT_ROLES.items() if roles and theirs == roles[0]), "unknown"
    )
    return Suspect((full,) if full else (), item.get("prs_Citizenship"), role)


def _service_from_fields(item: Mapping[str, Any]) -> Service:
    kind = next((s.code for s in SERVICE_LIST if s.htcds == item["spl_Type"]), SERVICE_LIST[0].code)
    return Service(kind, None, _day(item.get("spl_ActualEndDate")))


# --- error messages -----------------------------------------------------------------------


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "record"


def _suggest(value: object, options: Iterable[object]) -> str:
    if not isinstance(value, str):
        return ""
    names = [o for o in options if isinstance(o, str)]
    lowered = {n.lower(): n for n in names}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]}?)" if close else ""


_JSON_TYPES: Final[Mapping[type, str]] = {
    str: "text",
    bool: "true/false",
    int: "a whole number",
    float: "a number",
    list: "a list",
    dict: "an object",
    type(None): "null",
}


def _explain(error: ValidationError) -> list[str]:
    where = _path(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, Mapping):
        known = error.schema.get("properties", {})
        extra = sorted(k for k in error.instance if k not in known)
        prefix = "" if where == "record" else f"{where}."
        return [f"{prefix}{name}: unknown field{_suggest(name, known)}" for name in extra]
    if kind == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return [f"{where}: required field {name} is missing" for name in missing]
    if kind == "enum":
        options = list(error.validator_value)
        shown = f"; expected one of {', '.join(map(str, options))}" if len(options) <= 12 else ""
        return [
            f"{where}: {error.instance!r} is not a code of this field"
            f"{_suggest(error.instance, options)}{shown}"
        ]
    if kind == "const":
        return [f"{where}: must be {error.validator_value!r}"]
    if (kind == "format" and error.validator_value == "date") or (
        kind == "pattern" and error.validator_value == _FULL_DATE.pattern
    ):
        return [f"{where}: {error.instance!r} is not a date written YYYY-MM-DD"]
    if kind == "pattern" and "[1-9]" in str(error.validator_value):
        return [f"{where}: {error.instance!r} is not a phone number in E.164 (+358401234567)"]
    if kind == "type":
        wanted = error.validator_value
        wanted_text = " or ".join(wanted) if isinstance(wanted, list) else str(wanted)
        got = _JSON_TYPES.get(type(error.instance), type(error.instance).__name__)
        return [f"{where}: expected {wanted_text}, got {got}"]
    if kind == "uniqueItems":
        return [f"{where}: a value is listed twice"]
    if kind == "minLength" and error.validator_value == 1:
        return [f"{where}: is empty; leave the field out instead"]
    if kind == "minItems":
        return [f"{where}: must list at least {error.validator_value} value(s)"]
    return [f"{where}: {error.message}"]
