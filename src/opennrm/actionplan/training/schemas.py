"""Pydantic shapes of the training library: materials and their versions, courses,
sessions, attendance and coverage. Unknown fields are refused."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from opennrm.actionplan.schemas import OrganisationRef, Titles
from opennrm.actionplan.training.files import MAX_FILE_BYTES
from opennrm.auth.models import ROLES

Role = Literal[
    "frontline", "caseworker", "investigator", "analyst", "supervisor", "coordinator", "dpo",
    "admin",
]  # fmt: skip
MAX_BODY = 50_000
MAX_MATERIALS = 50
MAX_PLACE = 200
MAX_NOTE = 500


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Bodies(_In):
    """The material's text in Markdown, per language; any may be empty."""

    fi: str = Field(default="", max_length=MAX_BODY)
    sv: str = Field(default="", max_length=MAX_BODY)
    en: str = Field(default="", max_length=MAX_BODY)

    def any(self) -> bool:
        return bool(self.fi or self.sv or self.en)


class FileIn(_In):
    name: str = Field(min_length=1, max_length=300)
    content_type: str = Field(min_length=1, max_length=100)
    data: str = Field(description="The file's bytes, base64-encoded.", max_length=700_000)

    @field_validator("data")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the file's data is not base64") from None
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"the file is larger than {MAX_FILE_BYTES // 1000} kB")
        return value

    def raw(self) -> bytes:
        return base64.b64decode(self.data)


class MaterialIn(_In):
    """A new material: titles in all three languages, for whom it is, and its content: a
    Markdown text in at least one language, an attached file, or both."""

    title: Titles
    audience: list[Role] = Field(
        min_length=1, max_length=len(ROLES), description="The roles it is written for."
    )
    body: Bodies = Field(default_factory=Bodies)
    file: FileIn | None = None

    @model_validator(mode="after")
    def _content(self) -> MaterialIn:
        if not self.body.any() and self.file is None:
            raise ValueError("give the material a text in at least one language, or a file")
        return self


class RevisionIn(_In):
    """A new version. The previous version's file is kept unless `file` replaces it or
    `remove_file` drops it; the earlier versions stay readable as they were."""

    title: Titles
    audience: list[Role] | None = Field(default=None, min_length=1, max_length=len(ROLES))
    body: Bodies = Field(default_factory=Bodies)
    file: FileIn | None = None
    remove_file: bool = False
    note: str | None = Field(default=None, max_length=MAX_NOTE, description="What changed.")

    @model_validator(mode="after")
    def _consistent(self) -> RevisionIn:
        if self.file is not None and self.remove_file:
            raise ValueError("give a new file or remove the file, not both")
        return self


class FileOut(BaseModel):
    name: str
    content_type: str
    size: int


class VersionRef(BaseModel):
    version: int
    created_at: datetime
    created_by_name: str
    note: str | None


class MaterialOut(BaseModel):
    id: str
    version: int = Field(description="The version shown.")
    current_version: int
    title: dict[str, str]
    body: dict[str, str] = Field(description="Markdown, per language.")
    audience: list[str]
    file: FileOut | None
    created_at: datetime = Field(description="When this version was written.")
    versions: list[VersionRef] = Field(description="Every version, latest first.")


class MaterialItem(BaseModel):
    id: str
    current_version: int
    title: dict[str, str]
    audience: list[str]
    has_file: bool
    languages: list[str] = Field(description="Languages the text is written in.")
    updated_at: datetime


# --- courses and sessions -----------------------------------------------------------------


class CourseIn(_In):
    title: Titles
    material_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(
        default_factory=list, max_length=MAX_MATERIALS
    )
    is_core: bool = Field(
        default=False,
        description="The core course every designated trafficking investigator completes.",
    )


class CoursePatch(_In):
    title: Titles | None = None
    material_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] | None = Field(
        default=None, max_length=MAX_MATERIALS
    )
    is_core: bool | None = None


class CourseOut(BaseModel):
    id: str
    title: dict[str, str]
    is_core: bool
    materials: list[MaterialItem]
    sessions: int
    completed: int | None = Field(
        default=None, description="People who completed it; counted for coordinators only."
    )


class SessionIn(_In):
    course_id: str = Field(min_length=1, max_length=36)
    held_on: date
    place: str | None = Field(default=None, max_length=MAX_PLACE)
    online: bool = False
    organiser_id: str = Field(min_length=1, max_length=36)
    region: str | None = Field(default=None, max_length=16)

    @model_validator(mode="after")
    def _where(self) -> SessionIn:
        if self.place == "":
            self.place = None
        if self.place is None and not self.online:
            raise ValueError("give the place, or say that the session is online")
        return self


class AttendeeOut(BaseModel):
    """One person's attendance: shown only to the person, their organisation's supervisor
    and the coordinator."""

    user_id: str
    name: str
    organisation: OrganisationRef
    completed: bool
    recorded_at: datetime


class SessionOut(BaseModel):
    id: str
    course_id: str
    course_title: dict[str, str]
    is_core: bool
    held_on: date
    place: str | None
    online: bool
    organiser: OrganisationRef
    region: str | None
    attendees: list[AttendeeOut] = Field(
        description="Only the attendees the caller may see (themselves; a supervisor their "
        "own organisation's; the coordinator everyone)."
    )
    attendees_total: int | None = Field(
        default=None,
        description="Everyone recorded at the session; for those who keep attendance.",
    )


class AttendanceIn(_In):
    user_id: str = Field(min_length=1, max_length=36)
    completed: bool


class AttendanceRow(BaseModel):
    user_id: str
    name: str
    organisation: OrganisationRef
    session_id: str
    course_id: str
    course_title: dict[str, str]
    is_core: bool
    held_on: date
    completed: bool


class CoverageCell(BaseModel):
    group: str = Field(description="A region code or an organisation name.")
    role: str
    users: int | None
    completed: int | None
    share: float | None = Field(description="Per cent who completed at least one course.")
    suppressed: bool


class CourseCoverage(BaseModel):
    course_id: str
    title: dict[str, str]
    is_core: bool
    role: str
    completed: int | None
    suppressed: bool


class CoverageOut(BaseModel):
    by: Literal["region", "organisation"]
    threshold: int
    roles: list[str]
    groups: list[CoverageCell]
    courses: list[CourseCoverage]
