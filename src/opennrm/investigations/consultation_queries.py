"""Reads of consultations. One consultation is reached only through
`access_consultation()`; the list is filtered in SQL by `consultation_visible()`, the twin
of `consultations.side()`. Every read is audited (`consultation.read`).

A consultation has two sides: the national team it is addressed to, and the police unit
that asked. Both read the question, the answer and a decline's reason; only the team sees
the response clock and what it may do next. Nobody else learns that it exists — not
another police unit, not an NGO — whatever they may see of the investigation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User
from opennrm.clocks import time_left
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.errors import Forbidden, NotFound
from opennrm.investigations import consultation_schemas as schemas
from opennrm.investigations import consultations as rules
from opennrm.investigations.models import Consultation, Investigation
from opennrm.policy import Action, Actor, rowsecurity
from opennrm.policy.rules import ADMIN_ROLES, CONTENT_ROLES, INVESTIGATING_ROLES
from opennrm.referrals.config import ReferralConfig
from opennrm.referrals.schemas import ClockOut

RECORD_TYPE = "consultation"
READ = "consultation.read"
REGIONAL_TYPE = "police"
"""Organisations whose investigations are regional: the police departments."""


def question_context(consultation_id: str) -> str:
    return f"consultations:{consultation_id}:question"


def answer_context(consultation_id: str) -> str:
    return f"consultations:{consultation_id}:answer"


def decline_reason_context(consultation_id: str) -> str:
    return f"consultations:{consultation_id}:decline_reason"


def consultation_visible(actor: Actor) -> ColumnElement[bool]:
    """The consultations an actor may see: `consultations.side()` in SQL."""
    if actor.has_any(ADMIN_ROLES):
        return false()
    clauses: list[ColumnElement[bool]] = []
    if actor.has_any(INVESTIGATING_ROLES):
        clauses.append(Consultation.team_organisation_id == actor.organisation_id)
    if actor.has_any(CONTENT_ROLES):
        clauses.append(Consultation.requesting_organisation_id == actor.organisation_id)
    return or_(false(), *clauses)


def _denied(actor: Actor, action: str, consultation_id: str, reason: str) -> AuditEntry:
    return AuditEntry.by(
        actor,
        action,
        outcome="denied",
        record_type=RECORD_TYPE,
        record_id=consultation_id,
        detail={"reason": reason},
    )


def access_consultation(
    session: Session, consultation_id: str, action: Action | None, *, actor: Actor
) -> tuple[Consultation, rules.Side]:
    """The one way to reach a consultation: load it and refuse — audited — unless the
    caller is on one of its sides. `action=None` reads; `CONSULTATION_RESPOND` is the
    team's only, and a refusal is a 403 for the requesting side, a 404 for anyone else."""
    name = READ if action is None else str(action)
    if len(consultation_id) > 36:
        raise NotFound()
    consultation = session.scalar(select(Consultation).where(Consultation.id == consultation_id))
    if consultation is None:
        raise NotFound(audit=_denied(actor, name, consultation_id, "not found"))
    seen_as = rules.side(
        actor,
        requesting_org_id=consultation.requesting_organisation_id,
        team_org_id=consultation.team_organisation_id,
    )
    if seen_as is None:
        raise NotFound(audit=_denied(actor, name, consultation.id, "not visible"))
    if action is Action.CONSULTATION_RESPOND and seen_as != "team":
        reason = "only the national team responds to a consultation"
        raise Forbidden(
            reason[0].upper() + reason[1:] + ".",
            audit=_denied(actor, name, consultation.id, reason),
        )
    return consultation, seen_as


def _clock(
    consultation: Consultation, view: rules.Side, config: ReferralConfig, today: date
) -> ClockOut | None:
    if view != "team" or consultation.status not in rules.AWAITING:
        return None
    if consultation.deadline is None or consultation.clock is None:
        return None
    left = time_left(consultation.deadline, today, config.calendar)
    return ClockOut(
        clock=consultation.clock,
        deadline=consultation.deadline,
        calendar_days_left=left.calendar_days,
        working_days_left=left.working_days,
        overdue=left.overdue,
        days_overdue=left.days_overdue,
    )


def _item(
    c: Consultation,
    view: rules.Side,
    reference: str,
    requesting: str,
    team: str,
    config: ReferralConfig,
    today: date,
) -> schemas.ConsultationItem:
    return schemas.ConsultationItem(
        id=c.id,
        view=view,
        investigation_id=c.investigation_id,
        investigation_reference=reference,
        requesting_organisation_id=c.requesting_organisation_id,
        requesting_organisation=requesting,
        team_organisation_id=c.team_organisation_id,
        team_organisation=team,
        requested_at=c.requested_at,
        urgency=c.urgency,
        status=c.status,
        status_changed_at=c.status_changed_at,
        deadline=c.deadline,
        joined_until=c.joined_until,
        clock=_clock(c, view, config, today),
        allowed_responses=list(rules.allowed_responses(c.status)) if view == "team" else [],
    )


def _view(actor: Actor, c: Consultation) -> rules.Side:
    seen_as = rules.side(
        actor, requesting_org_id=c.requesting_organisation_id, team_org_id=c.team_organisation_id
    )
    # The list is filtered by `consultation_visible`, the SQL twin of `side()`.
    assert seen_as is not None  # noqa: S101
    return seen_as


def read_consultation(
    session: Session,
    consultation_id: str,
    *,
    actor: Actor,
    cipher: FieldCipher,
    config: ReferralConfig,
    now: datetime | None = None,
) -> schemas.ConsultationOut:
    """One consultation with its texts, for either side; audited."""
    now = now or utcnow()
    consultation, view = access_consultation(session, consultation_id, None, actor=actor)
    requesting, team = aliased(Organisation), aliased(Organisation)
    asker, responder = aliased(User), aliased(User)
    row = session.execute(
        select(Investigation.reference, requesting.name, team.name, asker.name, responder.name)
        .select_from(Consultation)
        .join(Investigation, Investigation.id == Consultation.investigation_id)
        .join(requesting, requesting.id == Consultation.requesting_organisation_id)
        .join(team, team.id == Consultation.team_organisation_id)
        .join(asker, asker.id == Consultation.requested_by)
        .outerjoin(responder, responder.id == Consultation.responder_id)
        .where(Consultation.id == consultation.id)
    ).one()
    reference, requesting_name, team_name, asker_name, responder_name = row
    c = consultation
    item = _item(c, view, reference, requesting_name, team_name, config, config.local_day(now))
    out = schemas.ConsultationOut(
        **item.model_dump(),
        question=cipher.decrypt(c.question_enc, question_context(c.id)),
        answer=cipher.decrypt(c.answer_enc, answer_context(c.id)) if c.answer_enc else None,
        decline_reason=cipher.decrypt(c.decline_reason_enc, decline_reason_context(c.id))
        if c.decline_reason_enc
        else None,
        requested_by=asker_name,
        responder=responder_name,
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            READ,
            record_type=RECORD_TYPE,
            record_id=c.id,
            fields=["question", "answer", "decline_reason"],
            detail={"via": view, "investigation": c.investigation_id},
        ),
    )
    return out


def list_consultations(
    session: Session,
    *,
    actor: Actor,
    config: ReferralConfig,
    direction: schemas.Direction = "all",
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> schemas.ConsultationPage:
    """The caller's consultations: incoming (addressed to its team) and outgoing (asked by
    its unit). Those still owing support first, nearest deadline first; no texts."""
    now = now or utcnow()
    today = config.local_day(now)
    where: list[ColumnElement[bool]] = [consultation_visible(actor)]
    if direction == "incoming":
        where.append(Consultation.team_organisation_id == actor.organisation_id)
    elif direction == "outgoing":
        where.append(Consultation.requesting_organisation_id == actor.organisation_id)
    if open_only:
        where.append(Consultation.status.in_(rules.AWAITING))
    total = session.scalar(select(func.count()).select_from(Consultation).where(*where)) or 0
    requesting, team = aliased(Organisation), aliased(Organisation)
    rows = session.execute(
        select(Consultation, Investigation.reference, requesting.name, team.name)
        .join(Investigation, Investigation.id == Consultation.investigation_id)
        .join(requesting, requesting.id == Consultation.requesting_organisation_id)
        .join(team, team.id == Consultation.team_organisation_id)
        .where(*where)
        .order_by(
            case((Consultation.status.in_(rules.AWAITING), 0), else_=1),
            Consultation.deadline.is_(None),
            Consultation.deadline,
            Consultation.requested_at.desc(),
            Consultation.id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    items = [
        _item(c, _view(actor, c), reference, req_name, team_name, config, today)
        for c, reference, req_name, team_name in rows
    ]
    audit.record(
        session,
        AuditEntry.by(
            actor,
            READ,
            record_type=RECORD_TYPE,
            detail={"view": "list", "direction": direction, "returned": len(items), "total": total},
        ),
    )
    return schemas.ConsultationPage(items=items, total=total, limit=limit, offset=offset)


def _year_start(year: int, timezone: str) -> datetime:
    return datetime(year, 1, 1, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def measure(
    session: Session, *, actor: Actor, config: ReferralConfig, now: datetime | None = None
) -> schemas.MeasureOut:
    """How many regional investigations have had national-team support (a consultation
    the team accepted), out of how many, by the local year they were opened. Counted in
    SQL; no investigation, unit or person is named."""
    now = now or utcnow()
    if not rules.may_read_measure(actor):
        reason = "only police supervisors, the national team, coordinators and analysts"
        raise Forbidden(
            reason[0].upper() + reason[1:] + " see the measure.",
            audit=AuditEntry.by(
                actor, READ, outcome="denied", detail={"view": "measure", "reason": reason}
            ),
        )
    with rowsecurity.system_scope(session, "statistics"):  # counts over every unit
        timezone = config.deployment.timezone
        regional = (
            select()
            .select_from(Investigation)
            .join(Organisation, Organisation.id == Investigation.organisation_id)
            .where(Organisation.type == REGIONAL_TYPE)
        )
        first, last = session.execute(
            regional.add_columns(
                func.min(Investigation.created_at), func.max(Investigation.created_at)
            )
        ).one()
        rows: list[schemas.MeasureRow] = []
        if first is not None and last is not None:
            tz = ZoneInfo(timezone)
            years = range(first.astimezone(tz).year, last.astimezone(tz).year + 1)
            year = case(
                *((Investigation.created_at < _year_start(y + 1, timezone), y) for y in years),
                else_=years[-1],
            )
            supported = exists().where(
                Consultation.investigation_id == Investigation.id,
                Consultation.status.in_(rules.SUPPORTED),
            )
            per_investigation = regional.add_columns(
                year.label("year"), case((supported, 1), else_=0).label("supported")
            ).subquery()
            # Grouped in an outer query: the year's CASE has bound parameters, which
            # PostgreSQL would not recognise as the same expression in a GROUP BY.
            counts = session.execute(
                select(
                    per_investigation.c.year,
                    func.count(),
                    func.coalesce(func.sum(per_investigation.c.supported), 0),
                )
                .group_by(per_investigation.c.year)
                .order_by(per_investigation.c.year)
            ).all()
            rows = [
                schemas.MeasureRow(year=int(y), investigations=int(n), supported=int(s))
                for y, n, s in counts
            ]
    audit.record(
        session,
        AuditEntry.by(actor, READ, detail={"view": "measure", "years": len(rows)}),
    )
    return schemas.MeasureOut(
        as_of=config.local_day(now),
        rows=rows,
        total_investigations=sum(r.investigations for r in rows),
        total_supported=sum(r.supported for r in rows),
    )
