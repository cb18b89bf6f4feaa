"""Reads of the action plan: the whole plan with each measure's latest report, one
measure with its history. A handful of queries whatever the plan's size; nothing here
is personal beyond the names of the people who reported, in their official function.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from opennrm.actionplan import schemas
from opennrm.actionplan.actions import measure_or_404
from opennrm.actionplan.models import Measure, MeasureOrganisation, MeasureUpdate, Objective
from opennrm.actionplan.rules import code_key, effective_status, overdue
from opennrm.auth.models import Organisation, User
from opennrm.errors import NotFound
from opennrm.policy import Action, Actor, can


def _readable(actor: Actor) -> None:
    # Every signed-in person reads the plan (`Action.ACTIONPLAN_READ`); asked all the
    # same, so that a change of policy takes effect here too.
    if not can(actor, Action.ACTIONPLAN_READ):  # pragma: no cover - allowed to all today
        raise NotFound()


def _updates_stmt() -> Select[MeasureUpdate, str, Organisation]:
    reporter_org = aliased(Organisation)
    return (
        select(MeasureUpdate, User.name, reporter_org)
        .join(User, User.id == MeasureUpdate.reported_by)
        .join(reporter_org, reporter_org.id == MeasureUpdate.organisation_id)
    )


def _progress_out(update: MeasureUpdate, name: str, org: Organisation) -> schemas.ProgressOut:
    return schemas.ProgressOut(
        id=update.id,
        measure_id=update.measure_id,
        reported_on=update.reported_on,
        status_before=update.status_before,
        status_after=update.status_after,
        text=update.text,
        evidence_url=update.evidence_url,
        evidence_text=update.evidence_text,
        reported_by=update.reported_by,
        reporter_name=name,
        organisation=schemas.OrganisationRef(id=org.id, name=org.name, type=org.type),
        created_at=update.created_at,
    )


def _organisations(
    session: Session, measure_ids: list[str] | None = None
) -> dict[str, list[schemas.OrganisationRef]]:
    stmt = (
        select(MeasureOrganisation.measure_id, Organisation)
        .join(Organisation, Organisation.id == MeasureOrganisation.organisation_id)
        .order_by(Organisation.name)
    )
    if measure_ids is not None:
        stmt = stmt.where(MeasureOrganisation.measure_id.in_(measure_ids))
    out: dict[str, list[schemas.OrganisationRef]] = defaultdict(list)
    for measure_id, org in session.execute(stmt):
        out[measure_id].append(schemas.OrganisationRef(id=org.id, name=org.name, type=org.type))
    return out


def _latest(session: Session) -> dict[str, schemas.ProgressOut]:
    """The latest report of every measure, in one query (a window over the reports)."""
    rank = (
        func.row_number()
        .over(
            partition_by=MeasureUpdate.measure_id,
            order_by=(MeasureUpdate.reported_on.desc(), MeasureUpdate.created_at.desc()),
        )
        .label("rank")
    )
    ranked = select(MeasureUpdate.id, rank).subquery()
    stmt = _updates_stmt().join(ranked, ranked.c.id == MeasureUpdate.id).where(ranked.c.rank == 1)
    return {u.measure_id: _progress_out(u, name, org) for u, name, org in session.execute(stmt)}


def _measure_out(
    measure: Measure,
    organisations: list[schemas.OrganisationRef],
    latest: schemas.ProgressOut | None,
    today: date,
) -> schemas.MeasureOut:
    return schemas.MeasureOut(
        id=measure.id,
        objective_id=measure.objective_id,
        code=measure.code,
        title=measure.title,
        organisations=organisations,
        deadline=measure.deadline,
        status=measure.status,
        shown_status=effective_status(measure.status, measure.deadline, today),
        overdue=overdue(measure.status, measure.deadline, today),
        latest=latest,
        updated_at=measure.updated_at,
    )


def read_plan(session: Session, *, actor: Actor, today: date) -> schemas.PlanOut:
    """Every objective with its measures, in the order of their codes. Four queries."""
    _readable(actor)
    objectives = sorted(session.scalars(select(Objective)), key=lambda o: code_key(o.code))
    measures = sorted(session.scalars(select(Measure)), key=lambda m: code_key(m.code))
    organisations = _organisations(session)
    latest = _latest(session)
    by_objective: dict[str, list[schemas.MeasureOut]] = defaultdict(list)
    for m in measures:
        by_objective[m.objective_id].append(
            _measure_out(m, organisations.get(m.id, []), latest.get(m.id), today)
        )
    return schemas.PlanOut(
        as_of=today,
        objectives=[
            schemas.ObjectiveOut(
                id=o.id,
                code=o.code,
                aim=o.aim,
                title=o.title,
                description=o.description,
                measures=by_objective.get(o.id, []),
                updated_at=o.updated_at,
            )
            for o in objectives
        ],
    )


def read_objective(
    session: Session, objective_id: str, *, actor: Actor, today: date
) -> schemas.ObjectiveOut:
    _readable(actor)
    found = next((o for o in read_plan(session, actor=actor, today=today).objectives
                  if o.id == objective_id), None)  # fmt: skip
    if found is None:
        raise NotFound("No such objective.")
    return found


def read_measure(
    session: Session, measure_id: str, *, actor: Actor, today: date
) -> schemas.MeasureDetailOut:
    """One measure with every report, latest first. Three queries."""
    _readable(actor)
    measure = measure_or_404(session, measure_id)
    objective = session.get(Objective, measure.objective_id)
    assert objective is not None  # noqa: S101 - a foreign key holds it
    updates = [
        _progress_out(u, name, org)
        for u, name, org in session.execute(
            _updates_stmt()
            .where(MeasureUpdate.measure_id == measure.id)
            .order_by(MeasureUpdate.reported_on.desc(), MeasureUpdate.created_at.desc())
        )
    ]
    base = _measure_out(
        measure,
        _organisations(session, [measure.id]).get(measure.id, []),
        updates[0] if updates else None,
        today,
    )
    return schemas.MeasureDetailOut(
        **base.model_dump(),
        objective_code=objective.code,
        objective_title=objective.title,
        updates=updates,
    )


def organisations_for_choice(session: Session) -> list[schemas.OrganisationRef]:
    """Every organisation, for choosing who is responsible for a measure."""
    return [
        schemas.OrganisationRef(id=o.id, name=o.name, type=o.type)
        for o in session.scalars(
            select(Organisation).order_by(Organisation.type, Organisation.name)
        )
    ]
