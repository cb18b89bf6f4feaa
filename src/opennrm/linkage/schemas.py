"""Shapes of the linkage API: candidate links for reviewers, and decisions on them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from opennrm.linkage.queries import LinkView


class LinkSide(BaseModel):
    record_type: str
    record_id: str
    organisation_id: str
    organisation_name: str


class LinkOut(BaseModel):
    """A candidate link between two records the reader may both read."""

    id: str
    left: LinkSide
    right: LinkSide
    score: float = Field(description="Match probability in [0, 1] under the model.")
    decision: Literal["match", "possible"]
    status: Literal["open", "confirmed", "rejected"]
    levels: dict[str, str] = Field(description="How each field agreed (level labels).")
    explanation: str
    model_version: str
    created_at: datetime
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None

    @classmethod
    def of(cls, view: LinkView) -> LinkOut:
        link = view.link
        return cls(
            id=link.id,
            left=LinkSide(
                record_type=link.left_record_type,
                record_id=link.left_record_id,
                organisation_id=link.left_organisation_id,
                organisation_name=view.left_org,
            ),
            right=LinkSide(
                record_type=link.right_record_type,
                record_id=link.right_record_id,
                organisation_id=link.right_organisation_id,
                organisation_name=view.right_org,
            ),
            score=link.score,
            decision=link.decision,
            status=link.status,
            levels=link.levels,
            explanation=view.explanation,
            model_version=link.model_version,
            created_at=link.created_at,
            reviewed_at=link.reviewed_at,
            reviewed_by=link.reviewed_by,
        )


class LinkPage(BaseModel):
    items: list[LinkOut]
    total: int
    limit: int
    offset: int


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "reject"]
    reason: str = Field(min_length=5, max_length=2000)
