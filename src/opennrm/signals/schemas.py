"""Pydantic shapes of the signal API (CONTRACT.md), shared by the JSON API and the pages.

Validation is the normalisers' (`normalise.py`); these models only say where each value
goes, set size limits, and refuse fields nobody defined, so that a typo in a field name
is an error rather than silently lost data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, field_validator

from opennrm.signals import codes, normalise

MAX_SUMMARY = 20_000
MAX_ITEMS = 50


def _wrap(fn):  # type: ignore[no-untyped-def]
    """Turn `InvalidValue` into the ValueError pydantic reports, keeping the message."""

    def inner(value):  # type: ignore[no-untyped-def]
        try:
            return fn(value)
        except normalise.InvalidValue as exc:
            raise ValueError(exc.message) from None

    return inner


def _name(value: str) -> str:
    return normalise.clean_name(value, "name")


def _exploitation(value: str) -> str:
    if value not in codes.EXPLOITATION_TYPES:
        known = ", ".join(codes.EXPLOITATION_TYPES)
        raise normalise.InvalidValue("exploitation_types", f"unknown code {value!r}; use {known}")
    return value


def _identifier(value: str) -> str:
    return normalise.clean_text(value, "identifier", 100)


def _address(value: str) -> str:
    return normalise.clean_text(value, "address", 500)


def _indicator(value: str) -> str:
    value = normalise.clean_text(value, "indicator", 20)
    if not all(c.isalnum() or c == "-" for c in value):
        raise normalise.InvalidValue("indicator", f"{value!r} is not an indicator code")
    return value


Name = Annotated[str, Field(max_length=400), AfterValidator(_wrap(_name))]
Phone = Annotated[str, Field(max_length=64), AfterValidator(_wrap(normalise.normalise_phone))]
Email = Annotated[str, Field(max_length=320), AfterValidator(_wrap(normalise.normalise_email))]
Identifier = Annotated[str, Field(max_length=200), AfterValidator(_wrap(_identifier))]
Address = Annotated[str, Field(max_length=1000), AfterValidator(_wrap(_address))]
ExploitationCode = Annotated[str, Field(max_length=40), AfterValidator(_wrap(_exploitation))]
IndicatorCode = Annotated[str, Field(max_length=40), AfterValidator(_wrap(_indicator))]
PersonRole = Literal["victim", "suspect", "other"]
GenderCode = Literal["female", "male", "other", "unknown"]


def birth_date_value(v: str | None) -> str | None:
    """A full or partial birth date as ISO ("1990", "1990-04", "1990-04-02"); blank is None."""
    if v is None or not v.strip():
        return None
    try:
        return normalise.parse_partial_date(v, field="birth_date").iso()
    except normalise.InvalidValue as exc:
        raise ValueError(exc.message) from None


def nationality_value(v: str | None) -> str | None:
    """An ISO 3166 alpha-2 nationality; blank is None."""
    if v is None or not v.strip():
        return None
    try:
        return normalise.normalise_country(v)
    except normalise.InvalidValue as exc:
        raise ValueError(exc.message) from None


BirthDate = Annotated[str | None, Field(max_length=10), AfterValidator(birth_date_value)]
Nationality = Annotated[str | None, Field(max_length=2), AfterValidator(nationality_value)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=MAX_SUMMARY * 2)


class PersonIn(_In):
    role: PersonRole
    names: list[Name] = Field(min_length=1, max_length=10)
    birth_date: BirthDate = None
    gender: GenderCode | None = None
    nationality: Nationality = None
    phones: list[Phone] = Field(default_factory=list, max_length=10)
    emails: list[Email] = Field(default_factory=list, max_length=10)
    identifiers: list[Identifier] = Field(default_factory=list, max_length=10)


class OrganisationIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=300)]
    business_id: str | None = Field(default=None, max_length=20)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        try:
            return normalise.clean_text(v, "name", 300)
        except normalise.InvalidValue as exc:
            raise ValueError(exc.message) from None

    @field_validator("business_id")
    @classmethod
    def _business_id(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            return normalise.check_business_id(v)
        except normalise.InvalidValue as exc:
            raise ValueError(exc.message) from None


class ConsentIn(_In):
    # Strict: consent is the lawful basis of a share, so only JSON true/false count;
    # "yes", "1" or "on" is a client's mapping error to report, not to guess at.
    to_assistance_system: StrictBool = False
    to_police: StrictBool = False


class SignalIn(_In):
    exploitation_types: list[ExploitationCode] = Field(min_length=1, max_length=13)
    summary: str = Field(max_length=MAX_SUMMARY * 2)
    occurred_on: str | None = Field(default=None, max_length=10)
    municipality: str | None = Field(default=None, max_length=100)
    persons: list[PersonIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    organisations: list[OrganisationIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    addresses: list[Address] = Field(default_factory=list, max_length=MAX_ITEMS)
    indicators: list[IndicatorCode] = Field(default_factory=list, max_length=200)
    consent: ConsentIn = Field(default_factory=ConsentIn)

    @field_validator("summary")
    @classmethod
    def _summary(cls, v: str) -> str:
        try:
            return normalise.clean_text(v, "summary", MAX_SUMMARY)
        except normalise.InvalidValue as exc:
            raise ValueError(exc.message) from None

    @field_validator("occurred_on")
    @classmethod
    def _occurred_on(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            return normalise.parse_partial_date(v, field="occurred_on", min_year=1950).iso()
        except normalise.InvalidValue as exc:
            raise ValueError(exc.message) from None

    @field_validator("municipality")
    @classmethod
    def _municipality(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            return normalise.clean_name(v, "municipality", 100)
        except normalise.InvalidValue as exc:
            raise ValueError(exc.message) from None

    @field_validator("exploitation_types", "indicators")
    @classmethod
    def _dedupe(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


class ShareIn(_In):
    organisation_id: str = Field(min_length=1, max_length=36)
    basis: Literal["consent", "statutory", "court_order", "vital_interest"]
    expires_on: date
    scope: Literal["full", "summary"] = "full"
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("note")
    @classmethod
    def _note(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            return normalise.clean_text(v, "note", 2000)
        except normalise.InvalidValue as exc:
            raise ValueError(exc.message) from None


class RevokeIn(_In):
    reason: str | None = Field(default=None, max_length=2000)


class BreakGlassIn(_In):
    justification: str = Field(min_length=20, max_length=4000)
    hours: int = Field(default=4, ge=1, le=24)

    @field_validator("justification")
    @classmethod
    def _justification(cls, v: str) -> str:
        # Counted after stripping: twenty spaces are no written justification.
        text = v.strip()
        if len(text) < 20:
            raise ValueError("write at least 20 characters saying why this is an emergency")
        return text


# --- out -----------------------------------------------------------------------------


class PersonOut(BaseModel):
    id: str
    role: str
    names: list[str]
    birth_date: str | None
    gender: str | None
    nationality: str | None
    phones: list[str]
    emails: list[str]
    identifiers: list[str]


class OrganisationOut(BaseModel):
    id: str
    name: str
    business_id: str | None


class AccessOut(BaseModel):
    via: str
    scope: str


class SignalOut(BaseModel):
    id: str
    organisation_id: str
    organisation_name: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    exploitation_types: list[str]
    summary: str
    occurred_on: str | None
    municipality: str | None
    indicators: list[str]
    consent: ConsentIn
    persons: list[PersonOut]
    organisations: list[OrganisationOut]
    addresses: list[str]
    redacted: bool = Field(
        description="True when a summary-scope share hides persons, organisations and addresses."
    )
    access: AccessOut


class SignalListItem(BaseModel):
    id: str
    organisation_id: str
    organisation_name: str
    created_at: datetime
    exploitation_types: list[str]
    occurred_on: str | None
    municipality: str | None
    person_count: int
    access: AccessOut


class SignalPage(BaseModel):
    items: list[SignalListItem]
    total: int
    limit: int
    offset: int


class ShareOut(BaseModel):
    id: str
    record_id: str
    organisation_id: str
    organisation_name: str
    basis: str
    scope: str
    expires_on: date
    note: str | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
    active: bool


class BreakGlassOut(BaseModel):
    id: str
    record_id: str
    expires_at: datetime
    justification: str
