"""Writes of the referral mechanism: refer, decide, plan services. Each runs in the
caller's transaction and writes its audit entry there; notifications (in-app, and an
e-mail through the outbox) are written in the same transaction, so a referral is never
acknowledged without its receivers being told.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User
from opennrm.auth.queries import member_ids
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.errors import Conflict, Invalid, NotFound
from opennrm.investigations.models import DesignatedInvestigator
from opennrm.notifications.actions import notify
from opennrm.policy import Action, Actor
from opennrm.policy.grants import grant_share
from opennrm.policy.models import Share
from opennrm.policy.rules import MAX_SHARE_DAYS, referrer_sees_status
from opennrm.referrals import rules, schemas
from opennrm.referrals.config import ReferralConfig
from opennrm.referrals.models import Referral, ReferralDecision
from opennrm.referrals.queries import RECORD_TYPE, access_referral, reason_context
from opennrm.screening.models import Screening
from opennrm.signals.models import Signal, SignalPerson
from opennrm.signals.queries import RECORD_TYPE as SIGNAL
from opennrm.signals.queries import access_signal
from opennrm.signals.schemas import ShareIn
from opennrm.support import machine
from opennrm.support.models import SupportService
from opennrm.uow import unit_of_work

if TYPE_CHECKING:
    from opennrm.context import AppContext

RECEIVING_ROLES = {
    "assistance_system": ("caseworker", "supervisor"),
    "police": ("investigator",),
}
"""Who is told of a new referral when no registry says otherwise (see `_receivers`)."""


def _receivers(session: Session, organisation_id: str, target: str, today: date) -> list[str]:
    """Who is told of a new referral. A police department's designated trafficking
    investigators and their substitutes in force (the registry); a department that has
    registered none yet, all its investigators, so that no referral goes unseen."""
    if target == "police":
        designated = list(
            session.scalars(
                select(DesignatedInvestigator.user_id)
                .join(User, User.id == DesignatedInvestigator.user_id)
                .where(
                    DesignatedInvestigator.organisation_id == organisation_id,
                    DesignatedInvestigator.function.in_(("designated", "substitute")),
                    DesignatedInvestigator.since <= today,
                    or_(
                        DesignatedInvestigator.until.is_(None),
                        DesignatedInvestigator.until >= today,
                    ),
                    User.is_active.is_(True),
                )
                .distinct()
            )
        )
        if designated:
            return designated
    return member_ids(session, organisation_id, RECEIVING_ROLES[target])


def target_organisation(
    session: Session, target: rules.Target, signal: Signal, config: ReferralConfig
) -> Organisation:
    """The receiver: the competent police department for the signal's municipality (from
    the deployment's configuration), or the victim assistance system."""
    if target == "police":
        if not signal.municipality:
            raise Invalid(
                "The signal has no municipality; the competent police department is found "
                "from it. Add the municipality to the signal first."
            )
        key = config.deployment.police_organisation_for_municipality(signal.municipality)
        if key is None:
            raise Invalid(
                f"The municipality {signal.municipality!r} is not in the deployment's "
                "configuration, so no police department can be found for it."
            )
        org = session.scalar(select(Organisation).where(Organisation.key == key))
        if org is None:
            raise Invalid(
                f"The police department for {signal.municipality} ({key}) has no organisation "
                "in OpenNRM yet; an administrator must add it with that key."
            )
        return org
    keys = [o.key for o in config.deployment.organisations if o.type == "assistance_system"]
    org = session.scalar(
        select(Organisation)
        .where(Organisation.type == "assistance_system")
        .order_by(Organisation.key.not_in(keys), Organisation.created_at)
        .limit(1)
    )
    if org is None:
        raise Invalid("No victim assistance system is set up in OpenNRM.")
    return org


def _victim(signal: Signal) -> SignalPerson | None:
    return next((p for p in signal.persons if p.role == "victim"), None)


def _latest_screening(session: Session, signal_id: str) -> Screening | None:
    return session.scalar(
        select(Screening)
        .where(Screening.signal_id == signal_id)
        .order_by(Screening.created_at.desc(), Screening.id.desc())
        .limit(1)
    )


def create_referral(
    session: Session,
    signal_id: str,
    data: schemas.ReferralIn,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
) -> Referral:
    """Refer the potential victim to the assistance system, or the crime to the police.

    With consent (recorded now on the signal as well) or for a child, the receiver gets a
    share of the signal; without consent for an adult, an anonymous notification only.
    """
    now = now or utcnow()
    today = config.local_day(now)
    signal, owner, _decision = access_signal(
        session, signal_id, Action.REFERRAL_CREATE, actor=actor, now=now, with_parts=True
    )
    screening = _latest_screening(session, signal.id)
    victim = _victim(signal)
    child = rules.may_be_child(victim.birth_date if victim else None, today) or bool(
        screening and screening.profile.startswith("child_")
    )
    target_org = target_organisation(session, data.target, signal, config)
    if target_org.id == owner.id:
        raise Invalid("A signal cannot be referred to the organisation that holds it.")
    already = session.scalar(
        select(Referral.id).where(
            Referral.signal_id == signal.id,
            Referral.target == data.target,
            Referral.status.not_in(
                machine.CLOSED_STATES["assistance"]
                | machine.CLOSED_STATES["police"]
                | machine.CLOSED_STATES["notification"]
            ),
        )
    )
    if already is not None:
        raise Conflict("This signal has an open referral to the same receiver already.")
    plan = rules.plan_referral(
        target=data.target,
        consent=data.consent,
        child=child,
        children_always_referred=config.deployment.children_always_referred,
    )
    if data.consent and data.target == "police":
        signal.consent_to_police = True
    if data.consent and data.target == "assistance_system":
        signal.consent_to_assistance_system = True

    share_id = None
    summary = None
    if plan.anonymous:
        municipality = config.deployment.municipality(signal.municipality or "")
        summary = rules.anonymous_summary(
            exploitation_types=signal.exploitation_types,
            region=municipality.region if municipality else None,
            occurred_on=signal.occurred_on,
            age_group=rules.age_group(victim.birth_date if victim else None, today),
            gender=victim.gender if victim else None,
            grounds_to_refer=screening.grounds_to_refer if screening else None,
            positive_dimensions=screening.positive_dimensions if screening else (),
            child=child,
        )
    else:
        basis = plan.basis or "consent"  # plan_referral gives every identified plan a basis
        expires = today + timedelta(days=MAX_SHARE_DAYS)
        share = grant_share(
            session,
            record_type=SIGNAL,
            record_id=signal.id,
            owner=owner,
            grantee=target_org,
            basis=basis,
            scope="full",
            expires_on=expires,
            note=f"Referral ({data.target}): {plan.why}.",
            consent_to_police=signal.consent_to_police,
            consent_to_assistance_system=signal.consent_to_assistance_system,
            actor=actor,
            now=now,
            today=today,
            refusal="This referral cannot be made",
        )
        share_id = share.id

    status = machine.INITIAL[plan.machine]
    clock, deadline = config.clock_for(plan.machine, status, today)
    referral = Referral(
        signal_id=signal.id,
        screening_id=screening.id if screening else None,
        target=data.target,
        machine=plan.machine,
        from_organisation_id=owner.id,
        target_organisation_id=target_org.id,
        created_by=actor.user_id,
        created_at=now,
        consent=data.consent,
        anonymous=plan.anonymous,
        child=child,
        basis=plan.basis,
        share_id=share_id,
        anonymous_summary=summary,
        status=status,
        status_changed_at=now,
        clock=clock,
        deadline=deadline,
    )
    session.add(referral)
    session.flush()
    told = notify(
        session,
        user_ids=_receivers(session, target_org.id, data.target, today),
        kind="referral_received",
        record_type=RECORD_TYPE,
        record_id=referral.id,
        message=(
            "An anonymous notification has arrived."
            if plan.anonymous
            else "A new referral has arrived for your organisation."
        ),
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "referral.create",
            record_type=RECORD_TYPE,
            record_id=referral.id,
            fields=[] if plan.anonymous else ["signal"],
            detail={
                "signal": signal.id,
                "target": data.target,
                "target_org": target_org.id,
                "anonymous": plan.anonymous,
                "basis": plan.basis or "",
                "child": child,
                "consent": data.consent,
                "share_id": share_id or "",
                "notified": told,
            },
        ),
    )
    return referral


def decide(
    session: Session,
    referral_id: str,
    data: schemas.DecisionIn,
    *,
    actor: Actor,
    cipher: FieldCipher,
    config: ReferralConfig,
    now: datetime | None = None,
) -> ReferralDecision:
    """Take one decision on a referral: a transition of its state machine, with reasons.

    A decision the machine does not allow is a `Conflict` naming the allowed ones, and
    nothing changes."""
    now = now or utcnow()
    today = config.local_day(now)
    referral, _ = access_referral(session, referral_id, Action.REFERRAL_DECIDE, actor=actor)
    kind: machine.Machine = referral.machine  # type: ignore[assignment]
    try:
        new_status = machine.transition(kind, referral.status, data.decision)
    except machine.Refused as exc:
        raise Conflict(str(exc)) from None
    period_end = _period_end(referral, data, config, today)
    decision = ReferralDecision(
        referral_id=referral.id,
        decision=data.decision,
        from_status=referral.status,
        to_status=new_status,
        reason_enc=b"",
        decided_by=actor.user_id,
        decided_at=now,
        period_ends_on=period_end,
    )
    session.add(decision)
    session.flush()
    decision.reason_enc = cipher.encrypt(data.reason, reason_context(decision.id))
    if period_end is not None:
        referral.recovery_period_ends_on = period_end
    ended = _end_services(session, referral.id, today) if new_status == "exited" else 0
    if new_status != referral.status:
        referral.status = new_status
        referral.status_changed_at = now
        referral.clock, referral.deadline = config.clock_for(kind, new_status, today)
        referral.escalated_at = None
        referral.reminded_at = None
    if referrer_sees_status(consent=referral.consent) and referral.created_by != actor.user_id:
        notify(
            session,
            user_ids=[referral.created_by],
            kind="referral_status",
            record_type=RECORD_TYPE,
            record_id=referral.id,
            message="The status of a referral you made has changed.",
        )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "referral.decide",
            record_type=RECORD_TYPE,
            record_id=referral.id,
            fields=["status", "reason"],
            detail={
                "decision": data.decision,
                "from": decision.from_status,
                "to": new_status,
                "decision_id": decision.id,
                **({"period_ends_on": period_end.isoformat()} if period_end else {}),
                **({"services_ended": ended} if ended else {}),
            },
        ),
    )
    return decision


def _period_end(
    referral: Referral, data: schemas.DecisionIn, config: ReferralConfig, today: date
) -> date | None:
    """The end of the recovery and reflection period set by an admission or extension."""
    if data.decision == "admit":
        if data.period_ends_on is not None and data.period_ends_on < today:
            raise Invalid("The recovery and reflection period cannot end in the past.")
        return data.period_ends_on or config.recovery_period_end(today)
    if data.decision == "extend_period":
        current = referral.recovery_period_ends_on
        if data.period_ends_on is None:
            raise Invalid(
                "Give the new end of the recovery and reflection period (period_ends_on)."
            )
        if current is not None and data.period_ends_on <= current:
            raise Invalid(
                "An extension must end after the current end of the period "
                f"({current.isoformat()})."
            )
        return data.period_ends_on
    if data.period_ends_on is not None:
        raise Invalid("period_ends_on is given only with an admission or an extension.")
    return None


def _end_services(session: Session, referral_id: str, today: date) -> int:
    """Exit from assistance ends the services still running."""
    ended = 0
    for service in session.scalars(
        select(SupportService).where(SupportService.referral_id == referral_id)
    ):
        if service.ends_on is None or service.ends_on > today:
            service.ends_on = max(today, service.starts_on)
            ended += 1
    return ended


def _plannable(referral: Referral) -> None:
    if referral.machine != "assistance":
        raise Conflict("Services are planned only on an assistance system case.")
    if referral.status not in machine.IN_ASSISTANCE:
        raise Conflict(
            f"Services can be planned while the person is a client of the assistance system; "
            f"this case is {referral.status!r}."
        )


def add_service(
    session: Session,
    referral_id: str,
    data: schemas.ServiceIn,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> SupportService:
    now = now or utcnow()
    referral, _ = access_referral(session, referral_id, Action.SUPPORT_PLAN, actor=actor)
    _plannable(referral)
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise Invalid("A service cannot end before it starts.")
    service = SupportService(
        referral_id=referral.id,
        service_type=data.service_type,
        provider=data.provider,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(service)
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "support.service_add",
            record_type=RECORD_TYPE,
            record_id=referral.id,
            fields=["services"],
            detail={"service_id": service.id, "type": data.service_type},
        ),
    )
    return service


def end_service(
    session: Session,
    referral_id: str,
    service_id: str,
    data: schemas.ServiceEndIn,
    *,
    actor: Actor,
) -> SupportService:
    referral, _ = access_referral(session, referral_id, Action.SUPPORT_PLAN, actor=actor)
    service = session.scalar(
        select(SupportService).where(
            SupportService.id == service_id, SupportService.referral_id == referral.id
        )
    )
    if service is None:
        raise NotFound("No such service on this referral.")
    if data.ends_on < service.starts_on:
        raise Invalid("A service cannot end before it starts.")
    service.ends_on = data.ends_on
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "support.service_end",
            record_type=RECORD_TYPE,
            record_id=referral.id,
            fields=["services"],
            detail={"service_id": service.id, "ends_on": data.ends_on.isoformat()},
        ),
    )
    return service


REMIND_WORKING_DAYS = 1
"""Receivers are reminded when this many working days or fewer are left."""


def _tell(
    session: Session,
    referral: Referral,
    *,
    roles: tuple[str, ...],
    kind: str,
    message: str,
    action: str,
) -> None:
    """Notify the receiving organisation's members in `roles` of one referral's clock,
    and record it on the trail as the system's act."""
    told = notify(
        session,
        user_ids=member_ids(session, referral.target_organisation_id, roles),
        kind=kind,
        record_type=RECORD_TYPE,
        record_id=referral.id,
        message=message,
    )
    audit.record(
        session,
        AuditEntry(
            action=action,
            record_type=RECORD_TYPE,
            record_id=referral.id,
            detail={
                "deadline": referral.deadline.isoformat() if referral.deadline else "",
                "clock": referral.clock or "",
                "notified": told,
            },
        ),
    )


def _waiting(session: Session, *conditions: ColumnElement[bool]) -> list[Referral]:
    """Open referrals with a running clock that meet `conditions`."""
    rows = session.scalars(select(Referral).where(Referral.deadline.is_not(None), *conditions))
    return [r for r in rows if machine.is_open(r.machine, r.status)]  # type: ignore[arg-type]


def remind_due_soon(
    session: Session, *, config: ReferralConfig, now: datetime | None = None
) -> int:
    """Remind the receiving organisation of every open referral whose deadline is near
    (at most `REMIND_WORKING_DAYS` working days left), once per deadline."""
    now = now or utcnow()
    today = config.local_day(now)
    reminded = 0
    for referral in _waiting(
        session,
        Referral.deadline >= today,
        # A cheap upper bound in calendar days; the working days are counted below.
        Referral.deadline <= today + timedelta(days=REMIND_WORKING_DAYS + 7),
        Referral.reminded_at.is_(None),
    ):
        assert referral.deadline is not None  # noqa: S101 - selected for a deadline
        if config.calendar.working_days_between(today, referral.deadline) > REMIND_WORKING_DAYS:
            continue
        _tell(
            session,
            referral,
            roles=RECEIVING_ROLES.get(referral.target, ("caseworker",)),
            kind="referral_due",
            message="A referral in your organisation's queue is due soon.",
            action="referral.remind",
        )
        referral.reminded_at = now
        reminded += 1
    return reminded


def escalate_overdue(
    session: Session, *, config: ReferralConfig, now: datetime | None = None
) -> int:
    """Tell the receiving organisation's supervisors of every open referral past its
    deadline, once per deadline (a new decision starts a new clock and a new chance)."""
    now = now or utcnow()
    today = config.local_day(now)
    escalated = 0
    for referral in _waiting(session, Referral.deadline < today, Referral.escalated_at.is_(None)):
        _tell(
            session,
            referral,
            roles=("supervisor",),
            kind="referral_overdue",
            message="A referral in your organisation's queue is past its deadline.",
            action="referral.escalate",
        )
        referral.escalated_at = now
        escalated += 1
    return escalated


def clocks_job(ctx: AppContext) -> int:
    """The periodic job: one pass of reminders and escalations in its own transaction."""
    with unit_of_work(ctx.db) as session:
        return remind_due_soon(session, config=ctx.referral_config) + escalate_overdue(
            session, config=ctx.referral_config
        )


def share_referral(
    session: Session,
    referral_id: str,
    data: ShareIn,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Share:
    """Let another organisation follow a case — typically the police department that
    investigates the crime following the victim's support case — on a lawful basis.

    The receiver shares; the grantee sees the status and the decisions, never the reasons,
    the support plan or the notes. The basis is checked as for a signal: consent needs the
    person's consent to the police recorded on the signal.
    """
    now = now or utcnow()
    referral, _ = access_referral(session, referral_id, Action.REFERRAL_SHARE, actor=actor)
    owner = session.get(Organisation, referral.target_organisation_id)
    grantee = session.get(Organisation, data.organisation_id)
    if owner is None or grantee is None:
        raise Invalid("There is no organisation with that id.")
    signal = session.get(Signal, referral.signal_id)
    share = grant_share(
        session,
        record_type=RECORD_TYPE,
        record_id=referral.id,
        owner=owner,
        grantee=grantee,
        basis=data.basis,
        scope="summary",
        expires_on=data.expires_on,
        note=data.note,
        consent_to_police=bool(signal and signal.consent_to_police and referral.consent),
        consent_to_assistance_system=bool(referral.consent),
        actor=actor,
        now=now,
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "referral.share",
            record_type=RECORD_TYPE,
            record_id=referral.id,
            fields=["status", "decisions"],
            detail={
                "share_id": share.id,
                "grantee": grantee.id,
                "basis": data.basis,
                "expires_on": data.expires_on.isoformat(),
            },
        ),
    )
    return share
