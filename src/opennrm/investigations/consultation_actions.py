"""Writes of consultations: ask the national team, respond, and escalate what is overdue.

Each runs in the caller's transaction and writes its audit entry and its notifications
there, so that a consultation is never asked without the team being told, nor answered
without the requester being told.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation
from opennrm.auth.queries import member_ids
from opennrm.clocks import deadline
from opennrm.crypto import FieldCipher
from opennrm.db import new_id, utcnow
from opennrm.errors import Conflict, Invalid
from opennrm.investigations import consultation_schemas as schemas
from opennrm.investigations import consultations as rules
from opennrm.investigations.consultation_queries import (
    RECORD_TYPE,
    access_consultation,
    answer_context,
    decline_reason_context,
    question_context,
)
from opennrm.investigations.models import Consultation
from opennrm.investigations.queries import RECORD_TYPE as INVESTIGATION
from opennrm.investigations.queries import access_investigation
from opennrm.notifications.actions import notify
from opennrm.policy import Action, Actor
from opennrm.policy.models import Assignment
from opennrm.referrals.config import ReferralConfig
from opennrm.uow import unit_of_work

if TYPE_CHECKING:
    from opennrm.context import AppContext

TEAM_TYPE = "national_team"
TEAM_KEY = "national-team"
"""The national team is the organisation of type `national_team`, this key first."""
TEAM_ROLES = ("investigator", "supervisor")


def national_team(session: Session) -> Organisation:
    """The organisation consultations are addressed to."""
    team = session.scalar(
        select(Organisation)
        .where(Organisation.type == TEAM_TYPE)
        .order_by(Organisation.key != TEAM_KEY, Organisation.created_at, Organisation.id)
        .limit(1)
    )
    if team is None:
        raise Invalid("No national team is set up in OpenNRM; an administrator must add it.")
    return team


def end_of_day(day: date, timezone: str) -> datetime:
    """The first instant after `day` in the deployment's time zone, in UTC."""
    return datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=ZoneInfo(timezone)
    ).astimezone(UTC)


def request_consultation(
    session: Session,
    investigation_id: str,
    data: schemas.ConsultationIn,
    *,
    actor: Actor,
    cipher: FieldCipher,
    config: ReferralConfig,
    now: datetime | None = None,
) -> Consultation:
    """The owning unit asks the national team for support on its investigation. The
    response clock of the urgency starts on the local day of the request."""
    now = now or utcnow()
    investigation, _owner, _ = access_investigation(
        session, investigation_id, Action.CONSULTATION_REQUEST, actor=actor, now=now
    )
    team = national_team(session)
    if team.id == investigation.organisation_id:
        raise Invalid("The national team cannot ask itself for a consultation.")
    if investigation.stage == "closed":
        raise Conflict("The investigation is closed; no consultation can be asked on it.")
    clock = rules.clock_name(data.urgency)
    rule = config.clocks.get(clock)
    due = deadline(config.local_day(now), rule, config.calendar) if rule else None
    consultation_id = new_id()
    consultation = Consultation(
        id=consultation_id,
        investigation_id=investigation.id,
        requesting_organisation_id=investigation.organisation_id,
        team_organisation_id=team.id,
        requested_by=actor.user_id,
        requested_at=now,
        question_enc=cipher.encrypt(data.question, question_context(consultation_id)),
        urgency=data.urgency,
        status=rules.INITIAL,
        status_changed_at=now,
        clock=clock if rule else None,
        deadline=due,
    )
    session.add(consultation)
    session.flush()
    told = notify(
        session,
        user_ids=member_ids(session, team.id, TEAM_ROLES),
        kind="consultation_requested",
        record_type=RECORD_TYPE,
        record_id=consultation.id,
        message="A police unit asks the national team for a consultation.",
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "consultation.request",
            record_type=RECORD_TYPE,
            record_id=consultation.id,
            fields=["question"],
            detail={
                "investigation": investigation.id,
                "team": team.id,
                "urgency": data.urgency,
                "deadline": due.isoformat() if due else "",
                "notified": told,
            },
        ),
    )
    return consultation


def respond(
    session: Session,
    consultation_id: str,
    data: schemas.ResponseIn,
    *,
    actor: Actor,
    cipher: FieldCipher,
    config: ReferralConfig,
    now: datetime | None = None,
) -> Consultation:
    """The team's response: a transition of the state machine, with its text or date.

    A response the machine does not allow is a `Conflict` naming the allowed ones; bad
    accompanying values are `Invalid`; in both cases nothing changes. Joining assigns the
    responder to the investigation until the end of `join_until` (local time); closing a
    joined consultation ends that assignment at once."""
    now = now or utcnow()
    today = config.local_day(now)
    consultation, _ = access_consultation(
        session, consultation_id, Action.CONSULTATION_RESPOND, actor=actor
    )
    try:
        new_status = rules.transition(consultation.status, data.action)
    except rules.Refused as exc:
        raise Conflict(str(exc)) from None
    problems = rules.response_problems(
        data.action, text=data.text, join_until=data.join_until, today=today
    )
    if problems:
        message = "; ".join(problems)
        raise Invalid(message[0].upper() + message[1:] + ".")
    detail: dict[str, str | int] = {"response": data.action, "from": consultation.status}
    if data.action == "answer" and data.text:
        consultation.answer_enc = cipher.encrypt(data.text, answer_context(consultation.id))
    if data.action == "decline" and data.text:
        consultation.decline_reason_enc = cipher.encrypt(
            data.text, decline_reason_context(consultation.id)
        )
    if data.action == "join" and data.join_until is not None:
        assignment = Assignment(
            record_type=INVESTIGATION,
            record_id=consultation.investigation_id,
            user_id=actor.user_id,
            created_by=actor.user_id,
            created_at=now,
            ended_at=end_of_day(data.join_until, config.deployment.timezone),
        )
        session.add(assignment)
        session.flush()
        consultation.assignment_id = assignment.id
        consultation.joined_until = data.join_until
        detail |= {"join_until": data.join_until.isoformat(), "assignment": assignment.id}
    if data.action == "close" and consultation.assignment_id is not None:
        assignment_row = session.get(Assignment, consultation.assignment_id)
        if assignment_row is not None and (
            assignment_row.ended_at is None or assignment_row.ended_at > now
        ):
            assignment_row.ended_at = now
            detail["assignment_ended"] = assignment_row.id
    consultation.status = new_status
    consultation.status_changed_at = now
    consultation.responder_id = actor.user_id
    detail["to"] = new_status
    notify(
        session,
        user_ids=[consultation.requested_by],
        kind="consultation_response",
        record_type=RECORD_TYPE,
        record_id=consultation.id,
        message="The national team has responded to your consultation.",
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "consultation.respond",
            record_type=RECORD_TYPE,
            record_id=consultation.id,
            fields=[
                "status",
                *(["answer"] if data.action == "answer" else []),
                *(["decline_reason"] if data.action == "decline" else []),
            ],
            detail=detail,
        ),
    )
    return consultation


def escalate_overdue(
    session: Session, *, config: ReferralConfig, now: datetime | None = None
) -> int:
    """Tell the team's supervisors of every consultation still owing support past its
    deadline, once per consultation (its deadline never moves). Returns how many."""
    now = now or utcnow()
    today = config.local_day(now)
    escalated = 0
    for consultation in session.scalars(
        select(Consultation)
        .where(
            Consultation.status.in_(rules.AWAITING),
            Consultation.deadline < today,
            Consultation.escalated_at.is_(None),
        )
        .order_by(Consultation.deadline, Consultation.id)
    ):
        told = notify(
            session,
            user_ids=member_ids(session, consultation.team_organisation_id, ("supervisor",)),
            kind="consultation_overdue",
            record_type=RECORD_TYPE,
            record_id=consultation.id,
            message="A consultation asked of the national team is past its deadline.",
        )
        audit.record(
            session,
            AuditEntry(
                action="consultation.escalate",
                record_type=RECORD_TYPE,
                record_id=consultation.id,
                detail={
                    "deadline": consultation.deadline.isoformat() if consultation.deadline else "",
                    "clock": consultation.clock or "",
                    "notified": told,
                },
            ),
        )
        consultation.escalated_at = now
        escalated += 1
    return escalated


def escalate_job(ctx: AppContext) -> int:
    """The periodic job: one pass of escalations in its own transaction."""
    with unit_of_work(ctx.db) as session:
        return escalate_overdue(session, config=ctx.referral_config)
