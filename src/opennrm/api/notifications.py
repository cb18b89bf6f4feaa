"""The caller's own in-app notifications: list them and mark them read.

A notification holds a kind, a record reference and a short message, never case
content, and only its own user ever gets it; neither listing nor marking is audited
(see `opennrm.notifications.queries` and `.actions`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from opennrm.api.deps import Ctx, CurrentActor
from opennrm.notifications import actions, queries
from opennrm.notifications.models import Notification
from opennrm.uow import unit_of_work

router = APIRouter(prefix="/api/v1", tags=["notifications"])

API_LIMIT = 200


class NotificationOut(BaseModel):
    id: str
    kind: str
    record_type: str | None
    record_id: str | None
    message: str
    created_at: datetime
    read_at: datetime | None


class MarkReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[str, Field(max_length=36)]] | None = Field(
        default=None,
        max_length=actions.MAX_IDS,
        description="Notifications to mark read; leave out to mark every unread one.",
    )


class MarkReadOut(BaseModel):
    marked: int = Field(description="How many of them were unread until now.")


def notification_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        kind=n.kind,
        record_type=n.record_type,
        record_id=n.record_id,
        message=n.message,
        created_at=n.created_at,
        read_at=n.read_at,
    )


@router.get("/notifications", response_model=list[NotificationOut])
def notifications(
    ctx: Ctx,
    actor: CurrentActor,
    unread: Annotated[bool, Query(description="Only the unread ones.")] = False,
) -> list[NotificationOut]:
    """My in-app notifications, newest first (at most 200)."""
    with unit_of_work(ctx.db) as session:
        rows = queries.list_notifications(session, actor=actor, limit=API_LIMIT, unread_only=unread)
        return [notification_out(n) for n in rows]


@router.post(
    "/notifications/read",
    response_model=MarkReadOut,
    responses={404: {"description": "An id is unknown or not the caller's; nothing changed."}},
)
def mark_read(ctx: Ctx, actor: CurrentActor, body: MarkReadIn) -> MarkReadOut:
    """Mark my notifications read: `{"ids": [...]}` for those, `{}` for all unread."""
    with unit_of_work(ctx.db) as session:
        marked = actions.mark_read(session, actor=actor, notification_ids=body.ids)
    return MarkReadOut(marked=marked)
