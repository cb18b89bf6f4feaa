"""Consultations with the national team through the API: the issue's flow (a regional
unit asks, the team accepts and joins the case team for a limited time, an unrelated
unit sees nothing), the response deadlines on the working-day calendar, escalation of
what is overdue, the measure, refused transitions and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from opennrm.audit.models import AuditEvent
from opennrm.auth.actions import actor_for
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.errors import NotFound
from opennrm.investigations import consultation_actions as actions
from opennrm.investigations import queries as investigation_queries
from opennrm.investigations.actions import open_investigation
from opennrm.investigations.consultation_queries import list_consultations
from opennrm.investigations.consultation_schemas import ConsultationIn, ResponseIn
from opennrm.investigations.models import Consultation, Investigation
from opennrm.investigations.schemas import InvestigationIn
from opennrm.notifications.models import Notification
from opennrm.policy import Actor
from opennrm.policy.models import Assignment
from opennrm.policy.visibility import load_facts, visible
from opennrm.uow import unit_of_work
from opennrm.worker.registry import periodic_jobs
from tests.test_investigations import case, open_case, read

QUESTION = (
    "Epäilty välittäjä on esiintynyt myös Pirkanmaalla: onko tiimillä tietoa vastaavista "
    "rekrytointiveloista?"
)


def _actor(ctx: AppContext, persona: Any) -> Actor:
    with unit_of_work(ctx.db) as session:
        user = session.get(User, persona.user_id)
        assert user is not None
        return actor_for(session, user)


def ask(client: Any, persona: Any, inv_id: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/investigations/{inv_id}/consultations",
        json={"question": QUESTION, "urgency": "normal", **body},
        headers=persona.auth,
    )


def respond(client: Any, persona: Any, cid: str, **body: Any) -> Any:
    return client.post(f"/api/v1/consultations/{cid}/responses", json=body, headers=persona.auth)


def _notified(ctx: AppContext, record_id: str, kind: str) -> list[str]:
    with unit_of_work(ctx.db) as session:
        return sorted(
            session.scalars(
                select(Notification.user_id).where(
                    Notification.record_id == record_id, Notification.kind == kind
                )
            )
        )


def _events(ctx: AppContext, record_id: str) -> list[str]:
    with unit_of_work(ctx.db) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.record_id == record_id)
                .order_by(AuditEvent.seq)
            )
        )


def _today(ctx: AppContext) -> date:
    return ctx.referral_config.local_day(utcnow())


def _open_at(ctx: AppContext, persona: Any, when: datetime) -> str:
    """An investigation opened at `when`, without persons or addresses (so that no
    deconfliction runs between the cases of one test)."""
    body = {k: v for k, v in case().items() if k in ("offences", "summary")}
    with unit_of_work(ctx.db) as session:
        inv = open_investigation(
            session,
            InvestigationIn(**body),
            actor=_actor(ctx, persona),
            cipher=ctx.cipher,
            config=ctx.referral_config,
            now=when,
        )
        return inv.id


def _ask_at(ctx: AppContext, persona: Any, inv_id: str, urgency: str, when: datetime) -> str:
    with unit_of_work(ctx.db) as session:
        c = actions.request_consultation(
            session,
            inv_id,
            ConsultationIn(question=QUESTION, urgency=urgency),  # type: ignore[arg-type]
            actor=_actor(ctx, persona),
            cipher=ctx.cipher,
            config=ctx.referral_config,
            now=when,
        )
        return c.id


def _respond_at(ctx: AppContext, persona: Any, cid: str, when: datetime, **body: Any) -> None:
    with unit_of_work(ctx.db) as session:
        actions.respond(
            session,
            cid,
            ResponseIn(**body),
            actor=_actor(ctx, persona),
            cipher=ctx.cipher,
            config=ctx.referral_config,
            now=when,
        )


# --- the flow --------------------------------------------------------------------------


def test_regional_unit_asks_the_team_accepts_and_joins_for_a_while(
    client: Any, world: Any, ctx: AppContext
) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    team_lead = world.national_team_lead
    # Before any consultation the team does not see the regional case.
    assert read(client, team_lead, inv["id"]).status_code == 404

    r = ask(client, world.sisasuomi_investigator, inv["id"], urgency="urgent")
    assert r.status_code == 201, r.text
    asked = r.json()
    cid = asked["id"]
    assert asked["status"] == "requested" and asked["view"] == "requester"
    assert asked["question"] == QUESTION
    assert asked["team_organisation_id"] == world.orgs["national_team"]
    assert asked["investigation_reference"] == inv["reference"]
    assert asked["deadline"] is not None
    assert asked["clock"] is None and asked["allowed_responses"] == []  # the team's
    assert _notified(ctx, cid, "consultation_requested") == [team_lead.user_id]
    with unit_of_work(ctx.db) as session:
        stored = session.get(Consultation, cid)
        assert stored is not None
        assert QUESTION.encode() not in stored.question_enc  # encrypted at rest
        assert stored.clock == "consultation.urgent"

    incoming = client.get(
        "/api/v1/consultations", params={"direction": "incoming"}, headers=team_lead.auth
    ).json()
    assert [i["id"] for i in incoming["items"]] == [cid]
    item = incoming["items"][0]
    assert item["view"] == "team" and item["allowed_responses"] == ["accept", "decline"]
    assert item["clock"]["clock"] == "consultation.urgent" and item["clock"]["overdue"] is False
    outgoing = client.get(
        "/api/v1/consultations",
        params={"direction": "outgoing"},
        headers=world.sisasuomi_investigator.auth,
    ).json()
    assert [i["id"] for i in outgoing["items"]] == [cid]
    assert outgoing["items"][0]["clock"] is None

    accepted = respond(client, team_lead, cid, action="accept")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["allowed_responses"] == ["answer", "join", "close"]
    until = _today(ctx) + timedelta(days=14)
    joined = respond(client, team_lead, cid, action="join", join_until=until.isoformat())
    assert joined.status_code == 201, joined.text
    assert joined.json()["status"] == "joined"
    assert joined.json()["joined_until"] == until.isoformat()
    assert joined.json()["responder"] == "Sari Laine"
    assert (
        _notified(ctx, cid, "consultation_response") == [world.sisasuomi_investigator.user_id] * 2
    )

    # The team member is on the case team now: reads (for a purpose) and works on it.
    opened = read(client, team_lead, inv["id"])
    assert opened.status_code == 200, opened.text
    assert opened.json()["via"] == "assigned"
    note = client.post(
        f"/api/v1/investigations/{inv['id']}/notes",
        json={"kind": "assessment", "text": "Sama välittäjä kuin Helsingin tapauksessa 2025."},
        headers=team_lead.auth,
    )
    assert note.status_code == 201, note.text
    listed = client.get("/api/v1/investigations", headers=team_lead.auth).json()
    assert inv["id"] in {i["id"] for i in listed["items"]}

    # An unrelated unit sees neither the consultation nor the case.
    helsinki = world.helsinki_investigator
    assert client.get(f"/api/v1/consultations/{cid}", headers=helsinki.auth).status_code == 404
    assert read(client, helsinki, inv["id"]).status_code == 404
    assert client.get("/api/v1/consultations", headers=helsinki.auth).json()["items"] == []
    for other in (world.ngo_worker, world.municipality_caseworker, world.assistance_caseworker):
        assert client.get(f"/api/v1/consultations/{cid}", headers=other.auth).status_code == 404

    # After the last day on the case team the assignment no longer counts, in the check
    # of one record and in the list alike.
    with unit_of_work(ctx.db) as session:
        assignment = session.scalar(select(Assignment).where(Assignment.record_id == inv["id"]))
        assert assignment is not None and assignment.ended_at is not None
        ends = assignment.ended_at
    # The end of the last day in Helsinki: midnight local time, 22.00 or 21.00 UTC.
    midnight = datetime.combine(until + timedelta(days=1), time.min, ZoneInfo("Europe/Helsinki"))
    assert ends == midnight
    lead = _actor(ctx, team_lead)
    just_before, after = ends - timedelta(minutes=1), ends + timedelta(minutes=1)
    with unit_of_work(ctx.db) as session:
        ok = investigation_queries.read_investigation(
            session, inv["id"], actor=lead, cipher=ctx.cipher, purpose="tukipyyntö", now=just_before
        )
        assert ok.via == "assigned"
    with pytest.raises(NotFound), unit_of_work(ctx.db) as session:
        investigation_queries.read_investigation(
            session, inv["id"], actor=lead, cipher=ctx.cipher, purpose="tukipyyntö", now=after
        )
    with unit_of_work(ctx.db) as session:
        page = investigation_queries.list_investigations(session, actor=lead, now=after)
        assert inv["id"] not in {i.id for i in page.items}

    events = _events(ctx, cid)
    assert events.count("consultation.request") == 1
    assert events.count("consultation.respond") == 2
    assert "consultation.read" in events


def test_a_join_that_has_ended_reads_nothing(client: Any, world: Any, ctx: AppContext) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    cid = ask(client, world.sisasuomi_investigator, inv["id"]).json()["id"]
    past = utcnow() - timedelta(days=30)
    _respond_at(ctx, world.national_team_lead, cid, past, action="accept")
    last_day = ctx.referral_config.local_day(past) + timedelta(days=5)
    _respond_at(ctx, world.national_team_lead, cid, past, action="join", join_until=last_day)
    body = client.get(f"/api/v1/consultations/{cid}", headers=world.national_team_lead.auth)
    assert body.json()["status"] == "joined"
    assert read(client, world.national_team_lead, inv["id"]).status_code == 404
    listed = client.get("/api/v1/investigations", headers=world.national_team_lead.auth).json()
    assert inv["id"] not in {i["id"] for i in listed["items"]}


def test_closing_a_joined_consultation_ends_the_join(
    client: Any, world: Any, ctx: AppContext
) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    cid = ask(client, world.sisasuomi_investigator, inv["id"]).json()["id"]
    lead = world.national_team_lead
    assert respond(client, lead, cid, action="accept").status_code == 201
    answered = respond(client, lead, cid, action="answer", text="Kyllä: ks. tapaus 2025.")
    assert answered.json()["answer"] == "Kyllä: ks. tapaus 2025."
    until = (_today(ctx) + timedelta(days=30)).isoformat()
    assert respond(client, lead, cid, action="join", join_until=until).status_code == 201
    assert read(client, lead, inv["id"]).status_code == 200
    closed = respond(client, lead, cid, action="close")
    assert closed.status_code == 201 and closed.json()["status"] == "closed"
    assert closed.json()["allowed_responses"] == []
    assert read(client, lead, inv["id"]).status_code == 404
    # The requester reads the answer.
    mine = client.get(f"/api/v1/consultations/{cid}", headers=world.sisasuomi_investigator.auth)
    assert mine.json()["answer"] == "Kyllä: ks. tapaus 2025." and mine.json()["view"] == "requester"


def test_decline_with_reason_is_final(client: Any, world: Any) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    cid = ask(client, world.sisasuomi_investigator, inv["id"], urgency="low").json()["id"]
    lead = world.national_team_lead
    declined = respond(client, lead, cid, action="decline", text="Kuuluu KRP:lle.")
    assert declined.status_code == 201 and declined.json()["status"] == "declined"
    mine = client.get(f"/api/v1/consultations/{cid}", headers=world.sisasuomi_investigator.auth)
    assert mine.json()["decline_reason"] == "Kuuluu KRP:lle."
    again = respond(client, lead, cid, action="accept")
    assert again.status_code == 409
    assert "no further response" in again.json()["error"]["message"]


def test_refused_transition_names_the_allowed_ones(client: Any, world: Any) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    cid = ask(client, world.sisasuomi_investigator, inv["id"]).json()["id"]
    lead = world.national_team_lead
    early = respond(client, lead, cid, action="answer", text="Liian aikaisin.")
    assert early.status_code == 409
    assert "accept, decline" in early.json()["error"]["message"]
    assert respond(client, lead, cid, action="accept").status_code == 201
    late = respond(client, lead, cid, action="decline", text="Myöhässä.")
    assert late.status_code == 409
    assert "answer, join, close" in late.json()["error"]["message"]
    body = client.get(f"/api/v1/consultations/{cid}", headers=lead.auth).json()
    assert body["status"] == "accepted" and body["answer"] is None


def test_only_the_team_responds(client: Any, world: Any) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    cid = ask(client, world.sisasuomi_investigator, inv["id"]).json()["id"]
    mine = respond(client, world.sisasuomi_investigator, cid, action="accept")
    assert mine.status_code == 403
    for outsider in (world.helsinki_investigator, world.ngo_worker, world.analyst, world.admin):
        assert respond(client, outsider, cid, action="accept").status_code == 404


def test_only_the_owning_unit_asks(client: Any, world: Any) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    for outsider in (
        world.helsinki_investigator,
        world.national_team_lead,
        world.ngo_worker,
        world.municipality_caseworker,
    ):
        assert ask(client, outsider, inv["id"]).status_code == 404
    assert ask(client, world.sisasuomi_investigator, "no-such-id").status_code == 404


def test_the_national_team_does_not_ask_itself(client: Any, world: Any, ctx: AppContext) -> None:
    inv = open_case(client, world.national_team_lead)
    r = ask(client, world.national_team_lead, inv["id"])
    assert r.status_code == 422
    assert "itself" in r.json()["error"]["message"]
    with unit_of_work(ctx.db) as session:
        assert session.scalar(select(func.count()).select_from(Consultation)) == 0


# --- deadlines and escalation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urgency", "deadline"),
    [
        # Asked on Friday 6 November 2026: the weekend does not count.
        ("urgent", date(2026, 11, 9)),  # Monday: 1 working day
        ("normal", date(2026, 11, 13)),  # 9, 10, 11, 12, 13 November
        ("low", date(2026, 11, 27)),  # three working weeks
    ],
)
def test_deadline_counts_working_days_across_the_weekend(
    client: Any, world: Any, ctx: AppContext, urgency: str, deadline: date
) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    friday = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)
    cid = _ask_at(ctx, world.sisasuomi_investigator, inv["id"], urgency, friday)
    with unit_of_work(ctx.db) as session:
        c = session.get(Consultation, cid)
        assert c is not None
        assert c.clock == f"consultation.{urgency}" and c.deadline == deadline


def test_the_local_day_starts_the_clock(client: Any, world: Any, ctx: AppContext) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    # 23.30 UTC on Thursday 5 November is already Friday in Helsinki.
    cid = _ask_at(
        ctx,
        world.sisasuomi_investigator,
        inv["id"],
        "urgent",
        datetime(2026, 11, 5, 23, 30, tzinfo=UTC),
    )
    with unit_of_work(ctx.db) as session:
        c = session.get(Consultation, cid)
        assert c is not None and c.deadline == date(2026, 11, 9)


def test_overdue_consultation_is_escalated_once(client: Any, world: Any, ctx: AppContext) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    late = _ask_at(ctx, world.sisasuomi_investigator, inv["id"], "urgent", monday)  # Tue 3 Nov
    taken = _ask_at(ctx, world.sisasuomi_investigator, inv["id"], "urgent", monday)
    answered = _ask_at(ctx, world.sisasuomi_investigator, inv["id"], "urgent", monday)
    lead = world.national_team_lead
    _respond_at(ctx, lead, taken, monday, action="accept")  # taken on, still owing support
    _respond_at(ctx, lead, answered, monday, action="accept")
    _respond_at(ctx, lead, answered, monday, action="answer", text="Vastattu heti.")
    config = ctx.referral_config

    def run(at: datetime) -> int:
        with unit_of_work(ctx.db) as session:
            return actions.escalate_overdue(session, config=config, now=at)

    assert run(datetime(2026, 11, 3, 15, 0, tzinfo=UTC)) == 0  # the last day is in time
    assert run(datetime(2026, 11, 4, 9, 0, tzinfo=UTC)) == 2  # late and taken
    assert run(datetime(2026, 11, 5, 9, 0, tzinfo=UTC)) == 0  # once
    assert _notified(ctx, late, "consultation_overdue") == [lead.user_id]  # supervisors
    assert _notified(ctx, answered, "consultation_overdue") == []
    assert _events(ctx, late).count("consultation.escalate") == 1
    assert _events(ctx, answered).count("consultation.escalate") == 0
    with unit_of_work(ctx.db) as session:
        listed = list_consultations(
            session,
            actor=_actor(ctx, lead),
            config=config,
            open_only=True,
            now=datetime(2026, 11, 5, 9, 0, tzinfo=UTC),
        )
    assert {i.id for i in listed.items} == {late, taken}
    assert all(i.clock is not None and i.clock.overdue for i in listed.items)
    assert all(i.clock is not None and i.clock.days_overdue == 2 for i in listed.items)


def test_the_worker_escalates_consultations() -> None:
    assert "consultations.escalate" in periodic_jobs()


# --- the measure -------------------------------------------------------------------------------


def test_measure_counts_regional_investigations_with_support(
    client: Any, world: Any, ctx: AppContext
) -> None:
    now = utcnow()
    year = ctx.referral_config.local_day(now).year
    last_year = datetime(year - 1, 6, 15, 9, 0, tzinfo=UTC)
    lead = world.national_team_lead
    supported = _open_at(ctx, world.sisasuomi_investigator, now)
    declined = _open_at(ctx, world.itauusimaa_investigator, now)
    waiting = _open_at(ctx, world.sisasuomi_investigator, now)
    _open_at(ctx, world.helsinki_investigator, now)  # no consultation at all
    _open_at(ctx, lead, now)  # the national team's own: not a regional investigation
    old = _open_at(ctx, world.sisasuomi_investigator, last_year)
    for inv_id, persona in (
        (supported, world.sisasuomi_investigator),
        (declined, world.itauusimaa_investigator),
        (waiting, world.sisasuomi_investigator),
        (old, world.sisasuomi_investigator),
    ):
        _ask_at(ctx, persona, inv_id, "normal", now)
    with unit_of_work(ctx.db) as session:
        ids = dict(session.execute(select(Consultation.investigation_id, Consultation.id)).all())
    _respond_at(ctx, lead, ids[supported], now, action="accept")
    # Two consultations on one case count it once.
    second = _ask_at(ctx, world.sisasuomi_investigator, supported, "low", now)
    _respond_at(ctx, lead, second, now, action="accept")
    _respond_at(ctx, lead, ids[declined], now, action="decline", text="Ei tiimin asia.")
    _respond_at(ctx, lead, ids[old], now, action="accept")
    _respond_at(ctx, lead, ids[old], now, action="close")

    r = client.get("/api/v1/consultations/measure", headers=world.coordinator.auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows"] == [
        {"year": year - 1, "investigations": 1, "supported": 1},
        {"year": year, "investigations": 4, "supported": 1},
    ]
    assert body["total_investigations"] == 5 and body["total_supported"] == 2
    for allowed in (lead, world.analyst):
        assert client.get("/api/v1/consultations/measure", headers=allowed.auth).json() == body
    for refused in (world.sisasuomi_investigator, world.ngo_worker, world.ngo_supervisor):
        r = client.get("/api/v1/consultations/measure", headers=refused.auth)
        assert r.status_code == 403


def test_measure_with_no_investigations(client: Any, world: Any) -> None:
    body = client.get("/api/v1/consultations/measure", headers=world.analyst.auth).json()
    assert body["rows"] == [] and body["total_investigations"] == 0


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"question": QUESTION, "urgency": "asap"},
        {"question": QUESTION, "urgency": ""},
        {"question": QUESTION},
        {"urgency": "normal"},
        {"question": "", "urgency": "normal"},
        {"question": "   \n ", "urgency": "normal"},
        {"question": "x" * 4001, "urgency": "normal"},
        {"question": "x" * 9000, "urgency": "normal"},
        {"question": "Kysymys\x00", "urgency": "normal"},
        {"question": QUESTION, "urgency": "normal", "team": "nbi"},
        {"question": ["lista"], "urgency": "normal"},
    ],
)
def test_bad_request_is_refused_and_stores_nothing(
    client: Any, world: Any, ctx: AppContext, body: dict[str, Any]
) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    r = client.post(
        f"/api/v1/investigations/{inv['id']}/consultations",
        json=body,
        headers=world.sisasuomi_investigator.auth,
    )
    assert r.status_code == 422, r.text
    with unit_of_work(ctx.db) as session:
        assert session.scalar(select(func.count()).select_from(Consultation)) == 0
    assert _notified(ctx, inv["id"], "consultation_requested") == []


@pytest.mark.parametrize(
    "body",
    [
        {"action": "join"},
        {"action": "join", "join_until": None},
        {"action": "join", "join_until": "ensi kuussa"},
        {"action": "join", "join_until": "PAST"},
        {"action": "join", "join_until": "FAR"},
        {"action": "join", "join_until": "SOON", "text": "Tulen mukaan."},
        {"action": "answer"},
        {"action": "answer", "text": "  "},
        {"action": "answer", "text": "x" * 4001},
        {"action": "answer", "text": "Vastaus.", "join_until": "SOON"},
        {"action": "close", "text": "Suljettu."},
        {"action": "approve"},
        {"action": "answer", "text": "Vastaus.", "extra": 1},
    ],
)
def test_bad_response_is_refused_and_changes_nothing(
    client: Any, world: Any, ctx: AppContext, body: dict[str, Any]
) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    cid = ask(client, world.sisasuomi_investigator, inv["id"]).json()["id"]
    lead = world.national_team_lead
    assert respond(client, lead, cid, action="accept").status_code == 201
    today = _today(ctx)
    dates = {
        "PAST": today - timedelta(days=1),
        "FAR": today + timedelta(days=91),
        "SOON": today + timedelta(days=7),
    }
    if body.get("join_until") in dates:
        body = {**body, "join_until": dates[body["join_until"]].isoformat()}
    r = respond(client, lead, cid, **body)
    assert r.status_code == 422, r.text
    after = client.get(f"/api/v1/consultations/{cid}", headers=lead.auth).json()
    assert after["status"] == "accepted" and after["answer"] is None
    assert after["joined_until"] is None
    with unit_of_work(ctx.db) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 0
    assert _events(ctx, cid).count("consultation.respond") == 1


def test_oversized_or_unknown_ids_are_not_found(client: Any, world: Any) -> None:
    lead = world.national_team_lead
    for cid in ("x" * 37, "00000000-0000-4000-8000-000000000000"):
        assert client.get(f"/api/v1/consultations/{cid}", headers=lead.auth).status_code == 404
        assert respond(client, lead, cid, action="accept").status_code == 404


# --- the visibility of time-limited assignments ------------------------------------------------


@pytest.mark.parametrize(
    ("ended", "counts"),
    [(None, True), (timedelta(hours=1), True), (timedelta(hours=-1), False), (timedelta(0), False)],
)
def test_an_assignment_counts_until_it_ends(
    client: Any, world: Any, ctx: AppContext, ended: timedelta | None, counts: bool
) -> None:
    inv = open_case(client, world.sisasuomi_investigator)
    now = utcnow()
    lead = _actor(ctx, world.national_team_lead)
    with unit_of_work(ctx.db) as session:
        session.add(
            Assignment(
                record_type="investigation",
                record_id=inv["id"],
                user_id=lead.user_id,
                created_by=world.sisasuomi_investigator.user_id,
                ended_at=None if ended is None else now + ended,
            )
        )
    with unit_of_work(ctx.db) as session:
        facts = load_facts(
            session,
            lead,
            record_type="investigation",
            record_id=inv["id"],
            owner_org_id=world.orgs["sisasuomi"],
            owner_org_type="police",
            created_by=world.sisasuomi_investigator.user_id,
            now=now,
        )
        listed = session.scalars(
            select(Investigation.id).where(
                visible(
                    lead,
                    record_type="investigation",
                    id_col=Investigation.id,
                    owner_col=Investigation.organisation_id,
                    creator_col=Investigation.created_by,
                    now=now,
                )
            )
        ).all()
    assert facts.assigned is counts
    assert (inv["id"] in listed) is counts
