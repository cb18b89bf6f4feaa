"""Pydantic shapes of the registry of investigators, capacity, the workload board and the
cross-border request log. Unknown fields are refused (`extra="forbid"`): the cross-border
log in particular has no free-text field, and a stray `"note"` must be an error rather
than a way for personal data to leave the case.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from opennrm.signals.codes import is_country_code

Function = Literal["designated", "substitute", "national_team", "nbi_liaison"]
Channel = Literal[
    "europol", "interpol", "eurojust", "sirene", "jit", "liaison_officer", "bilateral"
]  # fmt: skip
RequestStatus = Literal["sent", "answered", "closed"]

EXTRA_COUNTRY_CODES = frozenset({"XK"})
"""Codes accepted for cross-border requests besides the officially assigned ISO 3166-1
alpha-2 codes (`signals.codes.COUNTRY_CODES`): XK, the user-assigned code the European
Commission, Europol and Eurojust use for Kosovo, a frequent partner in police cooperation
on the Western Balkans route."""

MAX_COUNTRIES = 20
MAX_PERSON_YEARS = 500


def _country(value: str) -> str:
    code = value.strip().upper()
    if is_country_code(code) or code in EXTRA_COUNTRY_CODES:
        return code
    # The value is a code, not personal data; a short prefix helps to spot the typo.
    raise ValueError(
        f"{value.strip()[:8]!r} is not an ISO 3166-1 two-letter country code such as SE or RO"
    )


CountryCode = Annotated[str, Field(max_length=8), AfterValidator(_country)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the registry ------------------------------------------------------------------------


class DesignationIn(_In):
    user_id: str = Field(min_length=1, max_length=36)
    function: Function
    since: date
    until: date | None = None


class DesignationEndIn(_In):
    until: date


class DesignationOut(BaseModel):
    """One entry of the registry: who, in which function, from when to when. The person's
    name is that of a police officer in an official function, never case content."""

    id: str
    organisation_id: str
    user_id: str
    name: str
    function: str
    since: date
    until: date | None


class RegistryOrganisation(BaseModel):
    organisation_id: str
    organisation: str
    organisation_type: str
    designated_in_force: int
    at_least_two_designated: bool | None = Field(
        description="Whether a police department has at least two designated investigators "
        "in force ('no investigator is left alone'); null for the national team and the NBI, "
        "to which the norm does not apply."
    )
    entries: list[DesignationOut]


class RegistryOut(BaseModel):
    as_of: date
    organisations: list[RegistryOrganisation]


# --- capacity ----------------------------------------------------------------------------


class CapacityIn(_In):
    person_years: Annotated[Decimal, Field(gt=0, le=MAX_PERSON_YEARS, decimal_places=2)]


class CapacityOut(BaseModel):
    organisation_id: str
    organisation: str
    person_years: float
    set_at: datetime


# --- the workload board ------------------------------------------------------------------


class WorkloadRow(BaseModel):
    """Counts for one police organisation: no reference, no person, no case id."""

    organisation_id: str
    organisation: str
    organisation_type: str
    open_investigations: int
    opened_this_year: int
    open_consultations_asked: int = Field(
        description="Consultations this unit asked for that are requested, accepted or joined."
    )
    open_consultations_to_answer: int = Field(
        description="Consultations addressed to this unit (the national team) that are "
        "requested, accepted or joined."
    )
    oldest_open_days: int | None
    person_years: float | None
    open_per_person_year: float | None
    designated_in_force: int
    fewer_than_two_designated: bool | None = Field(
        description="True for a police department with fewer than two designated "
        "investigators in force; null where the norm does not apply."
    )


class WorkloadOut(BaseModel):
    as_of: date
    national: bool
    rows: list[WorkloadRow]


# --- cross-border requests ---------------------------------------------------------------


class CrossBorderIn(_In):
    countries: list[CountryCode] = Field(
        min_length=1,
        max_length=MAX_COUNTRIES,
        description="ISO 3166-1 alpha-2 codes of the countries involved (upper or lower "
        "case; XK for Kosovo), checked against the officially assigned codes.",
    )
    channel: Channel
    requested_on: date


class CrossBorderStatusIn(_In):
    status: Literal["answered", "closed"]
    answered_on: date | None = None


class CrossBorderOut(BaseModel):
    id: str
    investigation_id: str
    countries: list[str]
    channel: str
    requested_on: date
    status: str
    answered_on: date | None
    created_at: datetime
