"""Reads of referrals. Lists start from `policy.visibility.referral_visible`; one referral
is reached only through `access_referral()`. Every read is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User
from opennrm.clocks import time_left
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.errors import Forbidden, NotFound
from opennrm.notes.models import CaseNote
from opennrm.policy import Action, Actor, Decision, ReferralFacts, can, can_referral, rowsecurity
from opennrm.policy.access import denied_entry, not_found
from opennrm.policy.rules import NATIONAL_VIEW_ROLES, referrer_sees_status
from opennrm.policy.visibility import referral_shared_with, referral_visible
from opennrm.referrals import schemas
from opennrm.referrals.config import ReferralConfig
from opennrm.referrals.models import Referral, ReferralDecision
from opennrm.support import machine
from opennrm.support.models import SupportService
from opennrm.support.services import BY_CODE

RECORD_TYPE = "referral"
View = Literal["receiver", "referrer", "shared"]
Direction = Literal["incoming", "outgoing", "all"]


def reason_context(decision_id: str) -> str:
    return f"referral_decisions:{decision_id}:reason"


def note_context(note_id: str) -> str:
    return f"case_notes:{note_id}:text"


def access_referral(
    session: Session, referral_id: str, action: Action, *, actor: Actor
) -> tuple[Referral, Decision]:
    """The one way to reach a referral: load it, ask the policy, refuse with 404 (or 403
    where the caller may know it exists) — audited — unless the act is allowed."""
    if len(referral_id) > 36:
        raise NotFound()
    referral = session.scalar(select(Referral).where(Referral.id == referral_id))
    if referral is None:
        raise not_found(actor, action, RECORD_TYPE, referral_id)
    decision = can_referral(
        actor,
        action,
        ReferralFacts(
            from_org_id=referral.from_organisation_id,
            target_org_id=referral.target_organisation_id,
            created_by=referral.created_by,
            shared=referral_shared_with(session, actor, referral.id, utcnow()),
        ),
    )
    if decision.allowed:
        return referral, decision
    entry = denied_entry(actor, action, RECORD_TYPE, referral.id, decision.reason)
    if decision.reveal:
        raise Forbidden(decision.reason[0].upper() + decision.reason[1:] + ".", audit=entry)
    raise NotFound(audit=entry)


def clock_out(referral: Referral, config: ReferralConfig, today: date) -> schemas.ClockOut | None:
    if referral.deadline is None or referral.clock is None:
        return None
    left = time_left(referral.deadline, today, config.calendar)
    return schemas.ClockOut(
        clock=referral.clock,
        deadline=referral.deadline,
        calendar_days_left=left.calendar_days,
        working_days_left=left.working_days,
        overdue=left.overdue,
        days_overdue=left.days_overdue,
    )


def _org_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )


def _to_out(
    referral: Referral,
    view: View,
    names: dict[str, str],
    config: ReferralConfig,
    today: date,
) -> schemas.ReferralOut:
    receiver = view == "receiver"
    status_visible = view != "referrer" or referrer_sees_status(consent=referral.consent)
    return schemas.ReferralOut(
        id=referral.id,
        # An anonymous notification must not lead its receiver to the signal.
        signal_id=referral.signal_id if (view == "referrer" or not referral.anonymous) else None,
        target=referral.target,
        target_organisation_id=referral.target_organisation_id,
        target_organisation=names.get(referral.target_organisation_id, ""),
        from_organisation_id=referral.from_organisation_id,
        from_organisation=names.get(referral.from_organisation_id, ""),
        created_at=referral.created_at,
        consent=referral.consent,
        anonymous=referral.anonymous,
        child=referral.child,
        basis=referral.basis,
        status=referral.status if status_visible else None,
        status_changed_at=referral.status_changed_at if status_visible else None,
        deadline=referral.deadline if status_visible else None,
        clock=clock_out(referral, config, today) if receiver else None,
        view=view,
        allowed_decisions=list(
            machine.allowed_decisions(referral.machine, referral.status)  # type: ignore[arg-type]
        )
        if receiver
        else [],
        anonymous_summary=referral.anonymous_summary if receiver else None,
        recovery_period_ends_on=referral.recovery_period_ends_on if status_visible else None,
        screening_id=referral.screening_id
        if view == "referrer" or not referral.anonymous
        else None,
    )


def list_referrals(
    session: Session,
    *,
    actor: Actor,
    config: ReferralConfig,
    direction: Direction = "all",
    open_only: bool = False,
    signal_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> schemas.ReferralPage:
    """The caller's queue (incoming) and what it sent (outgoing), oldest deadline first;
    optionally only the referrals of one signal."""
    now = now or utcnow()
    today = config.local_day(now)
    where = [
        referral_visible(
            actor,
            from_col=Referral.from_organisation_id,
            target_col=Referral.target_organisation_id,
            creator_col=Referral.created_by,
            id_col=Referral.id,
            now=now,
        )
    ]
    if signal_id is not None:
        where.append(Referral.signal_id == signal_id)
    if direction == "incoming":
        where.append(Referral.target_organisation_id == actor.organisation_id)
    elif direction == "outgoing":
        where.append(Referral.from_organisation_id == actor.organisation_id)
        where.append(Referral.target_organisation_id != actor.organisation_id)
    if open_only:
        where.append(
            or_(
                *(
                    and_(Referral.machine == m, Referral.status.not_in(closed))
                    for m, closed in machine.CLOSED_STATES.items()
                )
            )
        )
    total = session.scalar(select(func.count()).select_from(Referral).where(*where)) or 0
    rows = list(
        session.scalars(
            select(Referral)
            .where(*where)
            .order_by(Referral.deadline.is_(None), Referral.deadline, Referral.created_at.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    names = _org_names(
        session, {r.target_organisation_id for r in rows} | {r.from_organisation_id for r in rows}
    )
    items = [_to_out(r, _view(actor, r), names, config, today) for r in rows]
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "referral.list",
            record_type=RECORD_TYPE,
            detail={"direction": direction, "returned": len(items), "total": total},
        ),
    )
    return schemas.ReferralPage(items=items, total=total, limit=limit, offset=offset)


def visible_referrals(session: Session, actor: Actor, ids: set[str]) -> set[str]:
    """Which of `ids` the actor may open (for links; reads nothing of the referrals)."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Referral.id).where(
                Referral.id.in_(ids),
                referral_visible(
                    actor,
                    from_col=Referral.from_organisation_id,
                    target_col=Referral.target_organisation_id,
                    creator_col=Referral.created_by,
                    id_col=Referral.id,
                    now=utcnow(),
                ),
            )
        )
    )


def _view(actor: Actor, referral: Referral) -> View:
    """How the actor sees a referral it may see: as its receiver, its referrer, or an
    organisation the receiver shared it with (whoever is neither)."""
    decision = can_referral(
        actor,
        Action.REFERRAL_READ,
        ReferralFacts(
            from_org_id=referral.from_organisation_id,
            target_org_id=referral.target_organisation_id,
            created_by=referral.created_by,
        ),
    )
    if decision.via == "receiver":
        return "receiver"
    return "referrer" if decision.allowed else "shared"


def read_referral(
    session: Session,
    referral_id: str,
    *,
    actor: Actor,
    cipher: FieldCipher,
    config: ReferralConfig,
    now: datetime | None = None,
) -> schemas.ReferralOut:
    """One referral as far as the caller may see it; audited."""
    now = now or utcnow()
    referral, decision = access_referral(session, referral_id, Action.REFERRAL_READ, actor=actor)
    view: View = {"receiver": "receiver", "share": "shared"}.get(decision.via or "", "referrer")  # type: ignore[assignment]
    names = _org_names(session, {referral.target_organisation_id, referral.from_organisation_id})
    out = _to_out(referral, view, names, config, config.local_day(now))
    receiver = view == "receiver"
    if view != "referrer" or referrer_sees_status(consent=referral.consent):
        decider = aliased(User)
        rows = session.execute(
            select(ReferralDecision, decider.name)
            .join(decider, decider.id == ReferralDecision.decided_by)
            .where(ReferralDecision.referral_id == referral.id)
            .order_by(ReferralDecision.decided_at, ReferralDecision.id)
        ).all()
        out.decisions = [
            schemas.DecisionOut(
                id=d.id,
                decision=d.decision,
                from_status=d.from_status,
                to_status=d.to_status,
                # Reasons are assessments about the person: for the deciding side only.
                reason=cipher.decrypt(d.reason_enc, reason_context(d.id)) if receiver else None,
                decided_at=d.decided_at,
                decided_by=name if receiver else None,
                period_ends_on=d.period_ends_on,
            )
            for d, name in rows
        ]
    if receiver:
        out.services = [
            schemas.ServiceOut(
                id=s.id,
                service_type=s.service_type,
                htcds_type=BY_CODE[s.service_type].htcds,
                provider=s.provider,
                starts_on=s.starts_on,
                ends_on=s.ends_on,
                created_at=s.created_at,
            )
            for s in session.scalars(
                select(SupportService)
                .where(SupportService.referral_id == referral.id)
                .order_by(SupportService.starts_on, SupportService.created_at)
            )
        ]
        out.notes = notes_for(session, "referral", referral.id, cipher)
    fields = ["status", "decisions", "services", "notes"] if receiver else ["status"]
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "referral.read",
            record_type=RECORD_TYPE,
            record_id=referral.id,
            fields=fields,
            detail={"via": decision.via or ""},
        ),
    )
    return out


def notes_for(
    session: Session, record_type: str, record_id: str, cipher: FieldCipher
) -> list[schemas.NoteOut]:
    rows = session.execute(
        select(CaseNote, User.name)
        .join(User, User.id == CaseNote.created_by)
        .where(CaseNote.record_type == record_type, CaseNote.record_id == record_id)
        .order_by(CaseNote.created_at, CaseNote.id)
    ).all()
    return [
        schemas.NoteOut(
            id=n.id,
            kind=n.kind,
            text=cipher.decrypt(n.text_enc, note_context(n.id)),
            created_at=n.created_at,
            created_by=n.created_by,
            author=name,
        )
        for n, name in rows
    ]


def ageing(
    session: Session, *, actor: Actor, config: ReferralConfig, now: datetime | None = None
) -> schemas.AgeingOut:
    """Open referrals and those past their deadline, by receiving organisation.

    Counts only — no person, no referral id — so a coordinator or analyst may see every
    organisation's; a supervisor sees its own organisation's."""
    now = now or utcnow()
    decision = can(actor, Action.AGEING_READ)
    if not decision.allowed:
        raise Forbidden(
            "Only supervisors, coordinators and analysts see the ageing report.",
            audit=AuditEntry.by(
                actor, str(Action.AGEING_READ), outcome="denied", detail={"reason": decision.reason}
            ),
        )
    today = config.local_day(now)
    open_clause = or_(
        *(
            and_(Referral.machine == m, Referral.status.not_in(closed))
            for m, closed in machine.CLOSED_STATES.items()
        )
    )
    # Counted in SQL, grouped by organisation: the report reads no row of its own.
    week_ago = today - timedelta(days=7)
    month_ago = today - timedelta(days=30)

    def _count(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count(case((and_(*conditions), 1)))

    stmt = (
        select(
            Referral.target_organisation_id,
            func.count(),
            _count(Referral.deadline < today),
            _count(Referral.deadline < today, Referral.deadline >= week_ago),
            _count(Referral.deadline < week_ago, Referral.deadline >= month_ago),
            _count(Referral.deadline < month_ago),
            func.min(Referral.deadline),
        )
        .where(open_clause)
        .group_by(Referral.target_organisation_id)
    )
    if not actor.has_any(NATIONAL_VIEW_ROLES):
        stmt = stmt.where(Referral.target_organisation_id == actor.organisation_id)
    counts: dict[str, list[int]] = {}
    with rowsecurity.system_scope(session, "statistics"):  # counts over every receiver
        grouped = session.execute(stmt).all()
    for org_id, n_open, overdue, d7, d30, older, earliest in grouped:
        oldest = (today - earliest).days if earliest is not None and earliest < today else 0
        counts[org_id] = [n_open, overdue, d7, d30, older, oldest]
    names = _org_names(session, set(counts))
    rows = sorted(
        (
            schemas.AgeingRow(
                organisation_id=org_id,
                organisation=names.get(org_id, ""),
                open=c[0],
                overdue=c[1],
                overdue_1_7=c[2],
                overdue_8_30=c[3],
                overdue_over_30=c[4],
                oldest_overdue_days=c[5],
            )
            for org_id, c in counts.items()
        ),
        key=lambda r: (-r.overdue, r.organisation),
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            str(Action.AGEING_READ),
            detail={"organisations": len(rows), "national": actor.has_any(NATIONAL_VIEW_ROLES)},
        ),
    )
    return schemas.AgeingOut(as_of=today, rows=rows)
