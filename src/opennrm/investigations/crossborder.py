"""The cross-border request log: requests for international cooperation through the NBI
(countries involved, channel, dates, status) on an investigation.

Codes and dates only. The log has no free-text field and the input schemas refuse unknown
fields, so no personal data leaves the case through it; what was asked of whom stays in
the case file and in the channel's own system. Logging a request flags the investigation
as cross-border.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.db import utcnow
from opennrm.errors import Conflict, Invalid, NotFound
from opennrm.investigations import people_schemas as schemas
from opennrm.investigations.models import CrossBorderRequest
from opennrm.investigations.queries import (
    RECORD_TYPE,
    access_investigation,
    require_purpose,
)
from opennrm.policy import Action, Actor
from opennrm.policy.access import not_found
from opennrm.referrals.config import ReferralConfig

REQUEST = "cross_border_request"


def request_out(request: CrossBorderRequest) -> schemas.CrossBorderOut:
    return schemas.CrossBorderOut(
        id=request.id,
        investigation_id=request.investigation_id,
        countries=request.countries,
        channel=request.channel,
        requested_on=request.requested_on,
        status=request.status,
        answered_on=request.answered_on,
        created_at=request.created_at,
    )


def create_request(
    session: Session,
    investigation_id: str,
    data: schemas.CrossBorderIn,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
) -> CrossBorderRequest:
    """Log a request sent abroad; the owning unit or the case team only."""
    now = now or utcnow()
    investigation, _owner, _ = access_investigation(
        session, investigation_id, Action.INVESTIGATION_UPDATE, actor=actor, now=now
    )
    if investigation.stage == "closed":
        raise Conflict("The investigation is closed; no request can be logged on it.")
    if data.requested_on > config.local_day(now):
        raise Invalid("A request cannot be dated in the future.")
    countries = list(dict.fromkeys(data.countries))
    request = CrossBorderRequest(
        investigation_id=investigation.id,
        countries=countries,
        channel=data.channel,
        requested_on=data.requested_on,
        status="sent",
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(request)
    investigation.cross_border = True
    investigation.updated_at = now
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "crossborder.create",
            record_type=RECORD_TYPE,
            record_id=investigation.id,
            fields=["cross_border"],
            detail={"request_id": request.id, "countries": countries, "channel": data.channel},
        ),
    )
    return request


def set_status(
    session: Session,
    request_id: str,
    data: schemas.CrossBorderStatusIn,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
) -> CrossBorderRequest:
    """Record the answer to a request (`answered`, with its date) or close it."""
    now = now or utcnow()
    if len(request_id) > 36:
        raise NotFound()
    request = session.scalar(select(CrossBorderRequest).where(CrossBorderRequest.id == request_id))
    if request is None:
        raise not_found(actor, Action.INVESTIGATION_UPDATE, REQUEST, request_id)
    investigation, _owner, _ = access_investigation(
        session, request.investigation_id, Action.INVESTIGATION_UPDATE, actor=actor, now=now
    )
    if request.status == "closed":
        raise Conflict("The request is closed.")
    if data.status == "answered":
        if request.status != "sent":
            raise Conflict("The request has been answered already.")
        if data.answered_on is None:
            raise Invalid("Give the day the answer came (answered_on).")
        if data.answered_on < request.requested_on:
            raise Invalid("An answer cannot come before the request was sent.")
        if data.answered_on > config.local_day(now):
            raise Invalid("An answer cannot be dated in the future.")
        request.answered_on = data.answered_on
    elif data.answered_on is not None:
        raise Invalid("answered_on goes with the status 'answered' only.")
    request.status = data.status
    investigation.updated_at = now
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "crossborder.update",
            record_type=RECORD_TYPE,
            record_id=investigation.id,
            fields=["cross_border"],
            detail={"request_id": request.id, "status": data.status},
        ),
    )
    return request


def list_requests(
    session: Session,
    investigation_id: str,
    *,
    actor: Actor,
    purpose: str | None,
    now: datetime | None = None,
) -> list[schemas.CrossBorderOut]:
    """The requests logged on one investigation, oldest first. Part of the police record,
    so read for a stated purpose, which the trail records as for the case itself."""
    now = now or utcnow()
    investigation, _owner, decision = access_investigation(
        session,
        investigation_id,
        Action.INVESTIGATION_READ,
        actor=actor,
        now=now,
        purpose=purpose,
    )
    stated = require_purpose(purpose)
    requests = session.scalars(
        select(CrossBorderRequest)
        .where(CrossBorderRequest.investigation_id == investigation.id)
        .order_by(CrossBorderRequest.requested_on, CrossBorderRequest.created_at)
    ).all()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "investigation.read",
            record_type=RECORD_TYPE,
            record_id=investigation.id,
            fields=["cross_border_requests"],
            purpose=stated,
            detail={"via": decision.via or ""},
        ),
    )
    return [request_out(r) for r in requests]
