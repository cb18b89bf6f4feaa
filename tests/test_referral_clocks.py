"""Statutory clocks on referrals: deadlines over Finnish holidays, reminders before the
deadline, escalation to supervisors after it (once per deadline), and the ageing report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from opennrm.audit.models import AuditEvent
from opennrm.context import AppContext
from opennrm.notifications.models import EmailOutbox, Notification
from opennrm.referrals import actions
from opennrm.referrals.models import Referral
from opennrm.referrals.schemas import DecisionIn, ReferralIn
from opennrm.uow import unit_of_work
from opennrm.worker.registry import periodic_jobs
from tests.test_referrals_api import make_signal


def _actor(ctx: AppContext, persona: Any) -> Any:
    from opennrm.auth.actions import actor_for
    from opennrm.auth.models import User

    with unit_of_work(ctx.db) as session:
        return actor_for(session, session.get(User, persona.user_id))


def _refer_at(ctx: AppContext, world: Any, signal_id: str, when: datetime) -> str:
    with unit_of_work(ctx.db) as session:
        referral = actions.create_referral(
            session,
            signal_id,
            ReferralIn(target="assistance_system", consent=True),
            actor=_actor(ctx, world.ngo_worker),
            config=ctx.referral_config,
            now=when,
        )
        return referral.id


def _notified(ctx: AppContext, referral_id: str, kind: str) -> list[str]:
    with unit_of_work(ctx.db) as session:
        return sorted(
            session.scalars(
                select(Notification.user_id).where(
                    Notification.record_id == referral_id, Notification.kind == kind
                )
            )
        )


def test_admission_deadline_counts_working_days_over_christmas(
    client: Any, world: Any, ctx: AppContext
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    # Referred on Monday 21 December 2026, 10.00 in Helsinki. Christmas Eve, Christmas,
    # Boxing Day and the weekend are not working days: the five working days are 22, 23,
    # 28, 29 and 30 December.
    rid = _refer_at(ctx, world, signal_id, datetime(2026, 12, 21, 8, 0, tzinfo=UTC))
    with unit_of_work(ctx.db) as session:
        referral = session.get(Referral, rid)
        assert referral is not None
        assert referral.clock == "assistance.admission"
        assert referral.deadline == date(2026, 12, 30)


def test_local_day_decides_when_the_clock_starts(client: Any, world: Any, ctx: AppContext) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    # 23.30 UTC on Thursday 17 December is already Friday 18 December in Helsinki.
    rid = _refer_at(ctx, world, signal_id, datetime(2026, 12, 17, 23, 30, tzinfo=UTC))
    with unit_of_work(ctx.db) as session:
        referral = session.get(Referral, rid)
        assert referral is not None
        # Friday + 5 working days: 21, 22, 23, 28, 29 December.
        assert referral.deadline == date(2026, 12, 29)


def test_reminder_then_escalation_once_per_deadline(
    client: Any, world: Any, ctx: AppContext
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    sent = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Monday; deadline Monday 9 November
    rid = _refer_at(ctx, world, signal_id, sent)
    config = ctx.referral_config
    supervisor = world.assistance_supervisor.user_id
    caseworker = world.assistance_caseworker.user_id

    def run(at: datetime) -> tuple[int, int]:
        with unit_of_work(ctx.db) as session:
            return (
                actions.remind_due_soon(session, config=config, now=at),
                actions.escalate_overdue(session, config=config, now=at),
            )

    assert run(datetime(2026, 11, 4, 9, 0, tzinfo=UTC)) == (0, 0)  # 3 working days left
    assert run(datetime(2026, 11, 6, 9, 0, tzinfo=UTC)) == (1, 0)  # Friday: 1 left
    assert caseworker in _notified(ctx, rid, "referral_due")
    assert run(datetime(2026, 11, 6, 15, 0, tzinfo=UTC)) == (0, 0)  # once
    assert run(datetime(2026, 11, 9, 9, 0, tzinfo=UTC)) == (0, 0)  # the last day is in time
    assert run(datetime(2026, 11, 10, 9, 0, tzinfo=UTC)) == (0, 1)  # overdue
    assert _notified(ctx, rid, "referral_overdue") == [supervisor]
    assert run(datetime(2026, 11, 11, 9, 0, tzinfo=UTC)) == (0, 0)  # once per deadline
    with unit_of_work(ctx.db) as session:
        mails = set(session.scalars(select(EmailOutbox.user_id)))
        events = list(session.scalars(select(AuditEvent.action).where(AuditEvent.record_id == rid)))
    assert supervisor in mails
    assert events.count("referral.escalate") == 1 and events.count("referral.remind") == 1
    # Admission starts a new clock, and with it a new chance of reminder and escalation.
    with unit_of_work(ctx.db) as session:
        actions.decide(
            session,
            rid,
            DecisionIn(decision="admit", reason="Haastattelu tehty."),
            actor=_actor(ctx, world.assistance_caseworker),
            cipher=ctx.cipher,
            config=config,
            now=datetime(2026, 11, 11, 10, 0, tzinfo=UTC),
        )
        referral = session.get(Referral, rid)
        assert referral is not None
        assert referral.clock == "assistance.identification"
        assert referral.escalated_at is None and referral.reminded_at is None
        assert referral.recovery_period_ends_on is not None
        assert referral.recovery_period_ends_on > date(2026, 12, 10)


def test_ageing_counts_overdue_by_organisation(client: Any, world: Any, ctx: AppContext) -> None:
    now = datetime.now(UTC)
    for days_ago in (2, 20, 45):
        signal_id = make_signal(client, world.ngo_worker)
        _refer_at(ctx, world, signal_id, now - timedelta(days=days_ago))
    body = client.get("/api/v1/referrals/ageing", headers=world.coordinator.auth).json()
    row = next(r for r in body["rows"] if r["organisation_id"] == world.orgs["assistance"])
    assert row["open"] == 3
    # 2 days ago is within the 5 working days; 20 and 45 days ago are not.
    assert row["overdue"] == 2
    assert row["overdue_8_30"] + row["overdue_over_30"] + row["overdue_1_7"] == 2
    assert row["overdue_over_30"] == 1
    own = client.get("/api/v1/referrals/ageing", headers=world.assistance_supervisor.auth).json()
    assert [r["organisation_id"] for r in own["rows"]] == [world.orgs["assistance"]]
    ngo = client.get("/api/v1/referrals/ageing", headers=world.ngo_supervisor.auth).json()
    assert ngo["rows"] == []  # its own organisation receives no referrals
    refused = client.get("/api/v1/referrals/ageing", headers=world.ngo_worker.auth)
    assert refused.status_code == 403


def test_the_worker_runs_the_clocks(ctx: AppContext) -> None:
    assert "referrals.clocks" in periodic_jobs()
