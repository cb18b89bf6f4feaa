"""Pydantic shapes of the investigation API. Unknown fields are refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from opennrm.referrals.schemas import Text
from opennrm.signals.schemas import (
    Address,
    BirthDate,
    Email,
    Identifier,
    Name,
    Nationality,
    OrganisationIn,
    Phone,
)

Category = Literal["suspect", "victim", "witness", "other"]
Stage = Literal["reported", "pre_trial", "prosecutor", "charged", "judgment", "appeal", "closed"]
Outcome = Literal[
    "charges_brought",
    "not_prosecuted",
    "convicted",
    "acquitted",
    "dismissed",
    "transferred",
    "other",
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonIn(_In):
    """A person in an investigation; dates and nationality are checked as on a signal."""

    category: Category
    names: list[Name] = Field(min_length=1, max_length=10)
    birth_date: BirthDate = None
    nationality: Nationality = None
    phones: list[Phone] = Field(default_factory=list, max_length=10)
    emails: list[Email] = Field(default_factory=list, max_length=10)
    identifiers: list[Identifier] = Field(default_factory=list, max_length=10)


class InvestigationIn(_In):
    offences: list[str] = Field(min_length=1, max_length=10)
    summary: Text
    referral_id: str | None = Field(default=None, max_length=36)
    persons: list[PersonIn] = Field(default_factory=list, max_length=50)
    organisations: list[OrganisationIn] = Field(default_factory=list, max_length=50)
    addresses: list[Address] = Field(default_factory=list, max_length=50)
    cross_border: StrictBool = False


class StageIn(_In):
    stage: Stage
    on: date
    outcome: Outcome | None = None


class AssignIn(_In):
    user_id: str = Field(min_length=1, max_length=36)


class TeamMemberOut(BaseModel):
    """Someone on the case team: an assigned investigator, or a national-team member who
    joined through a consultation (until `until`)."""

    assignment_id: str
    user_id: str
    name: str
    organisation: str
    since: datetime
    until: datetime | None


class SupportCaseOut(BaseModel):
    """The victim's support case in the assistance system, linked through the signal the
    case came from — shown only when the assistance system has shared it with the unit."""

    referral_id: str
    status: str
    status_changed_at: datetime
    recovery_period_ends_on: date | None


class PersonOut(BaseModel):
    category: str
    names: list[str]
    birth_date: str | None
    nationality: str | None
    phones: list[str]


class StageOut(BaseModel):
    stage: str
    on: date
    outcome: str | None
    recorded_at: datetime


class InvestigationOut(BaseModel):
    id: str
    reference: str
    organisation_id: str
    organisation: str
    created_at: datetime
    offences: list[str]
    referral_id: str | None
    signal_id: str | None
    stage: str
    stage_on: date
    outcome: str | None
    cross_border: bool
    summary: str
    persons: list[PersonOut]
    stages: list[StageOut]
    team: list[TeamMemberOut] = Field(default_factory=list)
    support_cases: list[SupportCaseOut] = Field(default_factory=list)
    via: str


class InvestigationListItem(BaseModel):
    """A row of the list: no persons, no summary (opening one asks for a purpose)."""

    id: str
    reference: str
    organisation_id: str
    organisation: str
    created_at: datetime
    offences: list[str]
    stage: str
    stage_on: date
    cross_border: bool


class InvestigationPage(BaseModel):
    items: list[InvestigationListItem]
    total: int
    limit: int
    offset: int


class DeconflictionHit(BaseModel):
    """Another police unit works on a case that shares an identifier with this one: the
    unit and whom to contact, never the other case's content or id."""

    organisation_id: str
    organisation: str
    contact_email: str | None
    kinds: list[str]
