"""Pydantic shapes of the screening, referral, decision, service and note API.

Unknown fields are refused (`extra="forbid"`): a misspelt "consent" must be an error, not
a referral sent without consent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from opennrm.signals import normalise
from opennrm.signals.schemas import IndicatorCode, _wrap
from opennrm.support.machine import DECISIONS
from opennrm.support.services import SERVICE_CODES

MAX_TEXT = 4000


def _text(value: str) -> str:
    return normalise.clean_text(value, "text", MAX_TEXT)


def _reason(value: str) -> str:
    return normalise.clean_text(value, "reason", MAX_TEXT)


def _provider(value: str) -> str:
    return normalise.clean_text(value, "provider", 200)


# The validators refuse empty and whitespace-only text with their own message ("must not
# be empty"); the document says the same in JSON Schema terms (`NOT_BLANK`), added to the
# schema only so that pydantic's generic messages do not replace the domain's.
NOT_BLANK: dict[str, Any] = {"minLength": 1, "pattern": r"\S"}
Text = Annotated[
    str,
    Field(max_length=MAX_TEXT * 2, json_schema_extra=NOT_BLANK),
    AfterValidator(_wrap(_text)),
]
Reason = Annotated[
    str,
    Field(max_length=MAX_TEXT * 2, json_schema_extra=NOT_BLANK),
    AfterValidator(_wrap(_reason)),
]
Provider = Annotated[
    str, Field(max_length=400, json_schema_extra=NOT_BLANK), AfterValidator(_wrap(_provider))
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScreeningIn(_In):
    profile: str = Field(min_length=1, max_length=40)
    indicators: list[IndicatorCode] = Field(default_factory=list, max_length=200)


class DimensionOut(BaseModel):
    dimension: str
    positive: bool
    explanation: str
    indicators: list[str]


class ScreeningOut(BaseModel):
    id: str
    signal_id: str
    catalogue_version: str
    profile: str
    indicators: list[str]
    grounds_to_refer: bool
    explanation: str
    dimensions: list[DimensionOut]
    created_at: datetime
    created_by: str


class ReferralIn(_In):
    target: Literal["assistance_system", "police"]
    consent: StrictBool


class DecisionIn(_In):
    decision: str = Field(min_length=1, max_length=40)
    reason: Reason
    period_ends_on: date | None = None

    def known(self) -> bool:
        return self.decision in DECISIONS


class ServiceIn(_In):
    service_type: Literal[SERVICE_CODES]  # type: ignore[valid-type]
    provider: Provider | None = None
    starts_on: date
    ends_on: date | None = None


class ServiceEndIn(_In):
    ends_on: date


class NoteIn(_In):
    kind: Literal["fact", "assessment"]
    text: Text


class DecisionOut(BaseModel):
    id: str
    decision: str
    from_status: str
    to_status: str
    reason: str | None = None
    decided_at: datetime
    decided_by: str | None = None
    period_ends_on: date | None = None


class ServiceOut(BaseModel):
    id: str
    service_type: str
    htcds_type: str
    provider: str | None
    starts_on: date
    ends_on: date | None
    created_at: datetime


class NoteOut(BaseModel):
    id: str
    kind: str
    text: str
    created_at: datetime
    created_by: str
    author: str


class ClockOut(BaseModel):
    clock: str
    deadline: date
    calendar_days_left: int
    working_days_left: int
    overdue: bool
    days_overdue: int


class ReferralOut(BaseModel):
    """A referral as the caller may see it.

    The receiver sees everything. The referrer sees the status and the decisions (not
    their reasons) only when the person consented; otherwise `status` is null."""

    id: str
    signal_id: str | None
    target: str
    target_organisation_id: str
    target_organisation: str
    from_organisation_id: str
    from_organisation: str
    created_at: datetime
    consent: bool
    anonymous: bool
    child: bool
    basis: str | None
    status: str | None
    status_changed_at: datetime | None
    deadline: date | None
    clock: ClockOut | None
    view: Literal["receiver", "referrer", "shared"]
    allowed_decisions: list[str]
    anonymous_summary: dict[str, object] | None = None
    recovery_period_ends_on: date | None = None
    screening_id: str | None = None
    decisions: list[DecisionOut] = Field(default_factory=list)
    services: list[ServiceOut] = Field(default_factory=list)
    notes: list[NoteOut] = Field(default_factory=list)


class ReferralPage(BaseModel):
    items: list[ReferralOut]
    total: int
    limit: int
    offset: int


class AgeingRow(BaseModel):
    organisation_id: str
    organisation: str
    open: int
    overdue: int
    overdue_1_7: int
    overdue_8_30: int
    overdue_over_30: int
    oldest_overdue_days: int


class AgeingOut(BaseModel):
    as_of: date
    rows: list[AgeingRow]


class TimelineItem(BaseModel):
    at: datetime
    kind: str
    title: str
    detail: str | None = None
    note_kind: Literal["fact", "assessment"] | None = None
    actor: str | None = None
    organisation: str | None = None
    record_type: str
    record_id: str
