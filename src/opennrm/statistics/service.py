"""Statistics for a caller: policy, counting, protection and the audit entry, together.

Every figure that leaves goes through here, so that nobody sees a cell that has not
passed disclosure control and every computation is on the trail (counts only: a
statistics query reads personal data to count it, and the DPO should see that it did).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.errors import Conflict, Forbidden, Invalid
from opennrm.policy.rules import Action, Actor, can
from opennrm.referrals.config import ReferralConfig
from opennrm.statistics import disclosure, noise, queries, subjects, timing
from opennrm.statistics.facts import ReferralRow
from opennrm.statistics.models import StatisticsRelease


@dataclass(frozen=True)
class Scope:
    """What a computation needs from the running platform."""

    config: ReferralConfig
    threshold: int
    now: datetime


def require(actor: Actor, action: Action) -> None:
    """Refuse (403, audited) a caller whose role does not see statistics."""
    decision = can(actor, action)
    if not decision:
        raise Forbidden(
            decision.reason,
            audit=AuditEntry.by(
                actor, "statistics.query", outcome="denied", detail={"reason": decision.reason}
            ),
        )


def _request(
    subject: str, by: Sequence[str], filters: Mapping[str, str], scope: Scope, threshold: int | None
) -> subjects.Request:
    if threshold is not None and threshold < scope.threshold:
        raise Invalid(
            f"threshold may not be lower than the platform's {scope.threshold}; "
            "ask for the same or a higher one"
        )
    try:
        return subjects.parse_request(subject, by, filters, max(threshold or 0, scope.threshold))
    except subjects.StatisticsError as exc:
        raise Invalid(str(exc)) from exc


def _rows(session: Session, request: subjects.Request, scope: Scope) -> list[object]:
    """The fact rows of the request's subject, dated in the deployment's local days."""
    return queries.subject_rows(
        session,
        request.subject,
        deployment=scope.config.deployment,
        local_day=scope.config.local_day,
        today=scope.config.local_day(scope.now),
    )


def _answer(
    session: Session, request: subjects.Request, scope: Scope
) -> tuple[subjects.Answer, list[object]]:
    rows = _rows(session, request, scope)
    try:
        answer = subjects.answer(request, rows, queries.vocabulary(scope.config.deployment))
    except (subjects.StatisticsError, disclosure.DisclosureError) as exc:
        raise Invalid(str(exc)) from exc
    return answer, rows


@dataclass(frozen=True)
class TableSpec:
    """One table of a set computed together (a report): subject, `by`, filters."""

    subject: str
    by: tuple[str, ...]
    filters: tuple[tuple[str, str], ...] = ()


def table(
    session: Session,
    actor: Actor,
    *,
    subject: str,
    by: Sequence[str],
    filters: Mapping[str, str],
    scope: Scope,
    threshold: int | None = None,
    event: str = "statistics.query",
) -> subjects.Answer:
    """One protected table (with its margins), audited."""
    spec = TableSpec(subject, tuple(by), tuple(filters.items()))
    return tables(session, actor, [spec], scope=scope, threshold=threshold, event=event)[0]


def tables(
    session: Session,
    actor: Actor,
    specs: Sequence[TableSpec],
    *,
    scope: Scope,
    threshold: int | None = None,
    event: str = "statistics.query",
) -> list[subjects.Answer]:
    """Several protected tables, one audit entry for them all (a report is one act)."""
    require(actor, Action.STATISTICS_READ)
    requests = [_request(s.subject, s.by, dict(s.filters), scope, threshold) for s in specs]
    answers = [_answer(session, r, scope)[0] for r in requests]
    _audit(session, actor, event, requests, cells=sum(len(a.rows) for a in answers))
    return answers


def decision_times(
    session: Session,
    actor: Actor,
    *,
    by: Sequence[str],
    filters: Mapping[str, str],
    scope: Scope,
    threshold: int | None = None,
) -> tuple[subjects.Answer, list[timing.DecisionTimes]]:
    """Median and 90th percentile of days from referral to first decision, per cell of
    the protected table of decided referrals."""
    require(actor, Action.STATISTICS_READ)
    request = _request("decisions", by, filters, scope, threshold)
    answer, rows = _answer(session, request, scope)
    spec = subjects.SUBJECTS["decisions"]
    cats = answer.categories
    wanted = dict(request.filters)

    def key_of(row: ReferralRow) -> tuple[str, ...]:
        return tuple(_value(spec, name, row, cats[name]) for name in request.by)

    selected = [
        r
        for r in rows
        if isinstance(r, ReferralRow)
        and all(spec.dimensions[n].value(r) == v for n, v in wanted.items())
    ]
    times = timing.decision_times(selected, answer.rows, key_of)
    _audit(session, actor, "statistics.query", [request], cells=len(times))
    return answer, times


def _value(
    spec: subjects.Subject[ReferralRow], name: str, row: ReferralRow, cats: tuple[str, ...]
) -> str:
    value = spec.dimensions[name].value(row)
    if value in cats:
        return value
    return subjects.OTHER if subjects.OTHER in cats else "unknown"


def _audit(
    session: Session,
    actor: Actor,
    event: str,
    requests: Sequence[subjects.Request],
    *,
    cells: int,
) -> None:
    audit.record(
        session,
        AuditEntry.by(
            actor,
            event,
            record_type="statistics",
            detail={
                "tables": [
                    {"subject": r.subject, "by": list(r.by), "filters": dict(r.filters)}
                    for r in requests
                ],
                "threshold": requests[0].threshold if requests else None,
                "cells": cells,
            },
        ),
    )


def record_download(
    session: Session, actor: Actor, *, kind: str, detail: Mapping[str, object]
) -> None:
    """A report or table left the platform as a file: on the trail, with what it held."""
    audit.record(
        session,
        AuditEntry.by(
            actor, "statistics.download", record_type="statistics", detail={"kind": kind, **detail}
        ),
    )


# --- public releases with calibrated noise ---------------------------------------------


@dataclass(frozen=True)
class Published:
    release: StatisticsRelease
    answer: subjects.Answer
    budget: float
    spent: float


def budget_spent(session: Session, year: int) -> float:
    """Epsilon spent by the noisy releases of a calendar year."""
    total = session.scalar(
        select(func.coalesce(func.sum(StatisticsRelease.epsilon), 0.0)).where(
            StatisticsRelease.budget_year == year, StatisticsRelease.method == "noise"
        )
    )
    return float(total or 0.0)


def publish(
    session: Session,
    actor: Actor,
    *,
    subject: str,
    by: Sequence[str],
    filters: Mapping[str, str],
    epsilon: float,
    scope: Scope,
    yearly_budget: float,
) -> Published:
    """A public release: calibrated discrete Laplace noise (OpenDP) on every inner cell,
    margins summed from the noisy cells, small noisy cells still suppressed; the epsilon
    spent is written to the ledger, and a release that would overspend the year's budget
    is refused (409) before any noise is drawn."""
    decision = can(actor, Action.STATISTICS_PUBLISH)
    if not decision:
        raise Forbidden(
            decision.reason,
            audit=AuditEntry.by(
                actor, "statistics.release", outcome="denied", detail={"reason": decision.reason}
            ),
        )
    request = _request(subject, by, filters, scope, None)
    year = scope.config.local_day(scope.now).year
    spent = budget_spent(session, year)
    if spent + epsilon > yearly_budget + 1e-9:
        raise Conflict(
            f"this release would spend epsilon {epsilon:g}; {spent:g} of this year's budget "
            f"{yearly_budget:g} is spent, {max(0.0, yearly_budget - spent):g} is left"
        )
    rows = _rows(session, request, scope)
    try:
        table = subjects.tabulate(request, rows, queries.vocabulary(scope.config.deployment))
        noisy = noise.add_noise(
            table.counts,
            table.category_lists(),
            table.dims,
            epsilon,
            threshold=request.threshold,
        )
    except (subjects.StatisticsError, ValueError) as exc:
        raise Invalid(str(exc)) from exc
    answer = subjects.slice_release(request, noisy.release, table)
    digest = hashlib.sha256(
        json.dumps(
            [[list(c.key), c.count] for cells in answer.tables.values() for c in cells]
        ).encode()
    ).hexdigest()
    entry = StatisticsRelease(
        created_by=actor.user_id,
        organisation_id=actor.organisation_id,
        subject=request.subject,
        dimensions=[*(f"{k}={v}" for k, v in request.filters), *request.by],
        method="noise",
        threshold=request.threshold,
        epsilon=noisy.epsilon,
        mechanism=f"{noisy.mechanism} (scale {noisy.scale:g})",
        budget_year=year,
        cells=len(answer.rows),
        digest=digest,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "statistics.release",
            record_type="statistics_release",
            record_id=entry.id,
            detail={
                "subject": request.subject,
                "by": list(request.by),
                "filters": dict(request.filters),
                "epsilon": noisy.epsilon,
                "spent_this_year": spent + noisy.epsilon,
            },
        ),
    )
    return Published(entry, answer, yearly_budget, spent + noisy.epsilon)


def releases(session: Session, actor: Actor, *, year: int) -> list[StatisticsRelease]:
    """The ledger of a year's public releases, newest first (no counts: those left)."""
    require(actor, Action.STATISTICS_READ)
    return list(
        session.scalars(
            select(StatisticsRelease)
            .where(StatisticsRelease.budget_year == year)
            .order_by(StatisticsRelease.created_at.desc())
        )
    )
