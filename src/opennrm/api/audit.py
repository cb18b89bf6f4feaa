"""The audit trail of one record, for the owning organisation's DPO and supervisors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from opennrm.api.deps import Ctx, CurrentActor
from opennrm.audit.models import AuditEvent
from opennrm.signals import queries as signal_queries
from opennrm.uow import unit_of_work

router = APIRouter(prefix="/api/v1", tags=["audit"])


class AuditEventOut(BaseModel):
    seq: int
    at: datetime
    actor_user_id: str | None
    actor_org_id: str | None
    action: str
    outcome: str
    record_type: str | None
    record_id: str | None
    fields: list[str]
    purpose: str | None
    detail: dict[str, Any]
    hash: str


def event_out(e: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        seq=e.seq,
        at=e.at,
        actor_user_id=e.actor_user_id,
        actor_org_id=e.actor_org_id,
        action=e.action,
        outcome=e.outcome,
        record_type=e.record_type,
        record_id=e.record_id,
        fields=e.fields,
        purpose=e.purpose,
        detail=e.detail,
        hash=e.hash,
    )


@router.get(
    "/audit",
    response_model=list[AuditEventOut],
    responses={404: {"description": "No such record, or the caller may not read its trail."}},
)
def record_trail(
    ctx: Ctx,
    actor: CurrentActor,
    record_id: Annotated[str, Query(max_length=36)],
    record_type: Annotated[Literal["signal"], Query()] = "signal",
) -> list[AuditEventOut]:
    """Every audited act on one record, oldest first (roles `dpo`, `supervisor`)."""
    with unit_of_work(ctx.db) as session:
        events = signal_queries.signal_trail(session, record_id, actor=actor)
        return [event_out(e) for e in events]
