"""Pydantic shapes of the action plan: objectives, measures, progress reports and the
indicators. Unknown fields are refused (`extra="forbid"`), and text is stripped before it
is checked, so that a title of spaces is as empty as no title.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from opennrm.actionplan.rules import Aim, Status

MAX_TITLE = 300
MAX_DESCRIPTION = 4000
MAX_CODE = 16
MAX_ORGANISATIONS = 20
MAX_REPORT = 4000
MAX_EVIDENCE_URL = 500
MAX_EVIDENCE_TEXT = 1000
CODE_PATTERN = r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$"
"""A code is one or more parts joined by dots: "1", "1.3", "2.4a"."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _web_link(value: str) -> str:
    """Evidence links are web pages: http or https with a host, nothing else (no
    `javascript:`, no `data:`, no local file)."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("give a web address beginning with https:// or http://")
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError("a web address cannot contain spaces")
    return value


WebLink = Annotated[str, Field(max_length=MAX_EVIDENCE_URL), AfterValidator(_web_link)]
Code = Annotated[str, Field(min_length=1, max_length=MAX_CODE, pattern=CODE_PATTERN)]


class Titles(_In):
    """A short text in each of the three languages; all three are required."""

    fi: str = Field(min_length=1, max_length=MAX_TITLE)
    sv: str = Field(min_length=1, max_length=MAX_TITLE)
    en: str = Field(min_length=1, max_length=MAX_TITLE)


class Descriptions(_In):
    """A longer text in each language; any may be left empty."""

    fi: str = Field(default="", max_length=MAX_DESCRIPTION)
    sv: str = Field(default="", max_length=MAX_DESCRIPTION)
    en: str = Field(default="", max_length=MAX_DESCRIPTION)


# --- objectives ------------------------------------------------------------------------------


class ObjectiveIn(_In):
    code: Code = Field(description='The objective\'s number in the plan, such as "1".')
    aim: Aim = Field(
        description="Which of the plan's five aims the objective serves; the indicators of "
        "that aim are reported under it."
    )
    title: Titles
    description: Descriptions = Field(default_factory=Descriptions)


class ObjectivePatch(_In):
    code: Code | None = None
    aim: Aim | None = None
    title: Titles | None = None
    description: Descriptions | None = None


# --- measures --------------------------------------------------------------------------------


class MeasureIn(_In):
    objective_id: str = Field(min_length=1, max_length=36)
    code: Code = Field(description='The measure\'s number in the plan, such as "1.3".')
    title: Titles
    organisation_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(
        min_length=1,
        max_length=MAX_ORGANISATIONS,
        description="The organisations responsible for the measure; their supervisors "
        "report its progress.",
    )
    deadline: date
    status: Status = "planned"


class MeasurePatch(_In):
    objective_id: str | None = Field(default=None, min_length=1, max_length=36)
    code: Code | None = None
    title: Titles | None = None
    organisation_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] | None = Field(
        default=None, min_length=1, max_length=MAX_ORGANISATIONS
    )
    deadline: date | None = None
    status: Status | None = None


class ProgressIn(_In):
    """A progress report: what was done, the measure's status now, and the evidence."""

    reported_on: date | None = Field(
        default=None, description="The day the progress is reported for; today if omitted."
    )
    status: Status = Field(description="The measure's status after this report.")
    text: str = Field(min_length=1, max_length=MAX_REPORT)
    evidence_url: WebLink | None = Field(
        default=None, description="A link to the evidence (a published report, a decision)."
    )
    evidence_text: str | None = Field(default=None, max_length=MAX_EVIDENCE_TEXT)

    @model_validator(mode="after")
    def _evidence_for_done(self) -> ProgressIn:
        if self.evidence_text == "":
            self.evidence_text = None
        if self.status == "done" and not (self.evidence_url or self.evidence_text):
            raise ValueError("a measure is reported done with evidence: a link or a short text")
        return self


# --- what is read ----------------------------------------------------------------------------


class OrganisationRef(BaseModel):
    id: str
    name: str
    type: str


class ProgressOut(BaseModel):
    id: str
    measure_id: str
    reported_on: date
    status_before: str
    status_after: str
    text: str
    evidence_url: str | None
    evidence_text: str | None
    reported_by: str
    reporter_name: str = Field(description="The person who reported, in an official function.")
    organisation: OrganisationRef
    created_at: datetime


class MeasureOut(BaseModel):
    id: str
    objective_id: str
    code: str
    title: dict[str, str]
    organisations: list[OrganisationRef]
    deadline: date
    status: str = Field(description="The status last reported or set.")
    shown_status: str = Field(
        description="The status to show: `delayed` when the deadline has passed and the "
        "measure is neither done nor cancelled, whatever was reported; otherwise `status`."
    )
    overdue: bool
    latest: ProgressOut | None = Field(description="The latest progress report, if any.")
    updated_at: datetime


class MeasureDetailOut(MeasureOut):
    objective_code: str
    objective_title: dict[str, str]
    updates: list[ProgressOut] = Field(description="Every progress report, latest first.")


class ObjectiveOut(BaseModel):
    id: str
    code: str
    aim: str
    title: dict[str, str]
    description: dict[str, str]
    measures: list[MeasureOut]
    updated_at: datetime


class PlanOut(BaseModel):
    as_of: date
    objectives: list[ObjectiveOut]


# --- indicators ------------------------------------------------------------------------------


class PointOut(BaseModel):
    period: str = Field(description='The month, "YYYY-MM" (the deployment\'s local time).')
    value: float | None = Field(description="null when suppressed or when there is nothing.")
    count: int | None = Field(
        default=None,
        description="How many units the value is computed from (null when suppressed).",
    )
    suppressed: bool


class SeriesOut(BaseModel):
    key: str = Field(
        description='What the series counts: an organisation type ("ngo"), a route between '
        'two types ("ngo>police"), or "all".'
    )
    points: list[PointOut]


class RowOut(BaseModel):
    """One line of the indicator's table: a category with its value and counts."""

    key: str
    value: float | None
    numerator: int | None
    denominator: int | None
    suppressed: bool


class IndicatorOut(BaseModel):
    key: str
    aim: str
    name: dict[str, str]
    description: dict[str, str]
    unit: str = Field(description="`count`, `days` or `percent`.")
    target: float | None
    direction: str | None = Field(description="`up`: at least the target; `down`: at most.")
    value: float | None = Field(
        description="The headline figure: over the whole window for counts and medians, "
        "today's for shares of departments, people and measures. null when suppressed."
    )
    numerator: int | None
    denominator: int | None
    suppressed: bool
    met: bool | None = Field(description="Whether the value reaches the target.")
    as_of: date
    months: list[str]
    series: list[SeriesOut]
    rows: list[RowOut]
    threshold: int = Field(description="Counts below this (and above 0) are suppressed.")
