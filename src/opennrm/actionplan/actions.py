"""Writes to the action plan: objectives and measures (the coordinator) and progress
reports (the coordinator, or a supervisor of an organisation responsible for the
measure). Each is one transaction with its audit entry; bad input changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.actionplan import schemas
from opennrm.actionplan.errors import refusal, require
from opennrm.actionplan.models import Measure, MeasureOrganisation, MeasureUpdate, Objective
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation
from opennrm.db import utcnow
from opennrm.errors import Conflict, FieldProblem, Invalid, NotFound
from opennrm.policy import Action, Actor
from opennrm.policy.rules import can_update_measure
from opennrm.referrals.config import ReferralConfig

OBJECTIVE = "plan_objective"
MEASURE = "plan_measure"
MANAGE_MESSAGE = "Only the coordinator keeps the action plan."


def _objective(session: Session, objective_id: str) -> Objective:
    found = session.get(Objective, objective_id) if len(objective_id) <= 36 else None
    if found is None:
        raise NotFound("No such objective.")
    return found


def measure_or_404(session: Session, measure_id: str) -> Measure:
    found = session.get(Measure, measure_id) if len(measure_id) <= 36 else None
    if found is None:
        raise NotFound("No such measure.")
    return found


def responsible_ids(session: Session, measure_id: str) -> frozenset[str]:
    return frozenset(
        session.scalars(
            select(MeasureOrganisation.organisation_id).where(
                MeasureOrganisation.measure_id == measure_id
            )
        )
    )


def _check_code_free(session: Session, model: type[Objective] | type[Measure], code: str) -> None:
    taken = session.scalar(select(model.id).where(model.code == code))
    if taken is not None:
        what = "An objective" if model is Objective else "A measure"
        raise Conflict(f"{what} with the code {code!r} exists already.")


def _check_organisations(session: Session, ids: list[str]) -> list[str]:
    """The ids, without repeats, once every one names an organisation."""
    unique = list(dict.fromkeys(ids))
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(unique))))
    unknown = [i for i in unique if i not in known]
    if unknown:
        raise Invalid(
            "Some responsible organisations do not exist.",
            [
                FieldProblem("organisation_ids", f"no organisation has the id {i!r}")
                for i in unknown
            ],
        )
    return unique


def _texts(model: schemas.Titles | schemas.Descriptions) -> dict[str, str]:
    return {"fi": model.fi, "sv": model.sv, "en": model.en}


# --- objectives ------------------------------------------------------------------------------


def create_objective(
    session: Session, data: schemas.ObjectiveIn, *, actor: Actor, now: datetime | None = None
) -> Objective:
    now = now or utcnow()
    require(actor, Action.ACTIONPLAN_MANAGE, "actionplan.objective.create", MANAGE_MESSAGE)
    _check_code_free(session, Objective, data.code)
    objective = Objective(
        code=data.code,
        aim=data.aim,
        title=_texts(data.title),
        description=_texts(data.description),
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(objective)
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "actionplan.objective.create",
            record_type=OBJECTIVE,
            record_id=objective.id,
            detail={"code": data.code, "aim": data.aim},
        ),
    )
    return objective


def update_objective(
    session: Session,
    objective_id: str,
    data: schemas.ObjectivePatch,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Objective:
    now = now or utcnow()
    require(
        actor,
        Action.ACTIONPLAN_MANAGE,
        "actionplan.objective.update",
        MANAGE_MESSAGE,
        record_type=OBJECTIVE,
        record_id=objective_id[:36],
    )
    objective = _objective(session, objective_id)
    changed: list[str] = []
    if data.code is not None and data.code != objective.code:
        _check_code_free(session, Objective, data.code)
        objective.code = data.code
        changed.append("code")
    if data.aim is not None and data.aim != objective.aim:
        objective.aim = data.aim
        changed.append("aim")
    if data.title is not None and _texts(data.title) != objective.title:
        objective.title = _texts(data.title)
        changed.append("title")
    if data.description is not None and _texts(data.description) != objective.description:
        objective.description = _texts(data.description)
        changed.append("description")
    if changed:
        objective.updated_at = now
        audit.record(
            session,
            AuditEntry.by(
                actor,
                "actionplan.objective.update",
                record_type=OBJECTIVE,
                record_id=objective.id,
                fields=changed,
                detail={"code": objective.code},
            ),
        )
    return objective


# --- measures --------------------------------------------------------------------------------


def create_measure(
    session: Session, data: schemas.MeasureIn, *, actor: Actor, now: datetime | None = None
) -> Measure:
    now = now or utcnow()
    require(actor, Action.ACTIONPLAN_MANAGE, "actionplan.measure.create", MANAGE_MESSAGE)
    objective = session.get(Objective, data.objective_id)
    if objective is None:
        raise Invalid(
            "The objective does not exist.",
            [FieldProblem("objective_id", "no objective has this id")],
        )
    organisation_ids = _check_organisations(session, data.organisation_ids)
    _check_code_free(session, Measure, data.code)
    measure = Measure(
        objective_id=objective.id,
        code=data.code,
        title=_texts(data.title),
        deadline=data.deadline,
        status=data.status,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(measure)
    session.flush()
    session.add_all(
        MeasureOrganisation(measure_id=measure.id, organisation_id=org_id)
        for org_id in organisation_ids
    )
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "actionplan.measure.create",
            record_type=MEASURE,
            record_id=measure.id,
            detail={
                "code": data.code,
                "objective": objective.id,
                "organisations": organisation_ids,
                "deadline": data.deadline.isoformat(),
                "status": data.status,
            },
        ),
    )
    return measure


def update_measure(
    session: Session,
    measure_id: str,
    data: schemas.MeasurePatch,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Measure:
    """Change a measure's texts, objective, organisations, deadline or status. A status
    set here is a correction by the coordinator; progress is reported with
    `report_progress`, which keeps the history."""
    now = now or utcnow()
    require(
        actor,
        Action.ACTIONPLAN_MANAGE,
        "actionplan.measure.update",
        MANAGE_MESSAGE,
        record_type=MEASURE,
        record_id=measure_id[:36],
    )
    measure = measure_or_404(session, measure_id)
    changed: list[str] = []
    detail: dict[str, object] = {}
    if data.objective_id is not None and data.objective_id != measure.objective_id:
        if session.get(Objective, data.objective_id) is None:
            raise Invalid(
                "The objective does not exist.",
                [FieldProblem("objective_id", "no objective has this id")],
            )
        measure.objective_id = data.objective_id
        changed.append("objective_id")
    if data.code is not None and data.code != measure.code:
        _check_code_free(session, Measure, data.code)
        measure.code = data.code
        changed.append("code")
    if data.title is not None and _texts(data.title) != measure.title:
        measure.title = _texts(data.title)
        changed.append("title")
    if data.organisation_ids is not None:
        wanted = _check_organisations(session, data.organisation_ids)
        if set(wanted) != responsible_ids(session, measure.id):
            session.execute(
                delete(MeasureOrganisation).where(MeasureOrganisation.measure_id == measure.id)
            )
            session.add_all(
                MeasureOrganisation(measure_id=measure.id, organisation_id=org_id)
                for org_id in wanted
            )
            changed.append("organisation_ids")
            detail["organisations"] = wanted
    if data.deadline is not None and data.deadline != measure.deadline:
        detail["deadline"] = {"from": measure.deadline.isoformat(), "to": data.deadline.isoformat()}
        measure.deadline = data.deadline
        changed.append("deadline")
    if data.status is not None and data.status != measure.status:
        detail["status"] = {"from": measure.status, "to": data.status}
        measure.status = data.status
        changed.append("status")
    if changed:
        measure.updated_at = now
        session.flush()
        audit.record(
            session,
            AuditEntry.by(
                actor,
                "actionplan.measure.update",
                record_type=MEASURE,
                record_id=measure.id,
                fields=changed,
                detail={"code": measure.code, **detail},
            ),
        )
    return measure


def report_progress(
    session: Session,
    measure_id: str,
    data: schemas.ProgressIn,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
) -> MeasureUpdate:
    """Report progress on a measure and set its status. The coordinator reports on any
    measure, a supervisor on those their organisation is responsible for
    (`policy.rules.can_update_measure`); anyone else is told why not (403)."""
    now = now or utcnow()
    today = config.local_day(now)
    measure = measure_or_404(session, measure_id)
    decision = can_update_measure(actor, responsible_org_ids=responsible_ids(session, measure.id))
    if not decision.allowed:
        raise refusal(
            actor,
            "actionplan.measure.report",
            "Only the coordinator or a supervisor of an organisation responsible for this "
            "measure reports its progress.",
            reason=decision.reason,
            record_type=MEASURE,
            record_id=measure.id,
        )
    reported_on = data.reported_on or today
    if reported_on > today:
        raise Invalid(
            "Progress cannot be reported for a day that has not come yet.",
            [FieldProblem("reported_on", "the day cannot be in the future")],
        )
    update = MeasureUpdate(
        measure_id=measure.id,
        reported_on=reported_on,
        status_before=measure.status,
        status_after=data.status,
        text=data.text,
        evidence_url=data.evidence_url,
        evidence_text=data.evidence_text,
        reported_by=actor.user_id,
        organisation_id=actor.organisation_id,
        created_at=now,
    )
    session.add(update)
    measure.status = data.status
    measure.updated_at = now
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "actionplan.measure.report",
            record_type=MEASURE,
            record_id=measure.id,
            fields=["status", "progress"],
            detail={
                "update": update.id,
                "code": measure.code,
                "from": update.status_before,
                "to": update.status_after,
                "reported_on": reported_on.isoformat(),
                "evidence": bool(data.evidence_url or data.evidence_text),
            },
        ),
    )
    return update
