"""Pydantic shapes of the consultation API. Unknown fields are refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from opennrm.investigations.consultations import Response, Side, Urgency
from opennrm.referrals.schemas import ClockOut, Text


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsultationIn(_In):
    question: Text
    urgency: Urgency


class ResponseIn(_In):
    action: Response
    text: Text | None = None
    join_until: date | None = None


class ConsultationItem(BaseModel):
    """A row of the list: who asked whom, how urgently and where it stands; no texts
    (opening one reads them, and is audited)."""

    id: str
    view: Side
    investigation_id: str
    investigation_reference: str
    requesting_organisation_id: str
    requesting_organisation: str
    team_organisation_id: str
    team_organisation: str
    requested_at: datetime
    urgency: str
    status: str
    status_changed_at: datetime
    deadline: date | None
    joined_until: date | None
    clock: ClockOut | None = None
    """The team's view only, while it owes support: time left, or how far overdue."""
    allowed_responses: list[str]


class ConsultationOut(ConsultationItem):
    question: str
    answer: str | None
    decline_reason: str | None
    requested_by: str
    responder: str | None


class ConsultationPage(BaseModel):
    items: list[ConsultationItem]
    total: int
    limit: int
    offset: int


class MeasureRow(BaseModel):
    year: int
    investigations: int
    supported: int


class MeasureOut(BaseModel):
    """Regional investigations (of police departments) that have had national-team
    support, by the year they were opened (local time). Counts only."""

    as_of: date
    rows: list[MeasureRow]
    total_investigations: int
    total_supported: int


Direction = Literal["all", "incoming", "outgoing"]
