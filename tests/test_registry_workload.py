"""People and capacity through the API: the registry of designated investigators kept by
a police supervisor, the "fewer than two designated" flag, the capacity in person-years,
and the workload board — counts per police organisation, a unit's own row against the
national view, never a reference or a person's name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from opennrm.audit.models import AuditEvent
from opennrm.auth import actions as auth_actions
from opennrm.auth import sessions
from opennrm.auth.actions import actor_for
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.investigations import workload
from opennrm.investigations.actions import open_investigation, record_stage
from opennrm.investigations.models import (
    Consultation,
    DesignatedInvestigator,
    Investigation,
    InvestigationCapacity,
)
from opennrm.investigations.schemas import InvestigationIn, PersonIn, StageIn
from opennrm.uow import unit_of_work

PASSWORD = "Rekisteri-salasana-2026"
VICTIM = "Dilnoza Karimova"
SUSPECT = "Bogdan Petrenko"


class Officer:
    def __init__(self, user_id: str, organisation_id: str, token: str) -> None:
        self.user_id = user_id
        self.organisation_id = organisation_id
        self.auth = {"Authorization": f"Bearer {token}"}


def make_user(ctx: AppContext, world: Any, org: str, key: str, roles: list[str]) -> Officer:
    """An account of `org` with a token (there is no police supervisor persona in a
    department; the matrix makes its own too)."""
    with unit_of_work(ctx.db) as session:
        user = auth_actions.create_user(
            session,
            email=f"{key}@example.org",
            name=f"Konstaapeli {key.replace('_', ' ').title()}",
            organisation_id=world.orgs[org],
            roles=roles,
            password=PASSWORD,
        )
        raw, _ = sessions.create_token(session, user=user, name="tests", days=2)
        return Officer(user.id, user.organisation_id, raw)


def today(ctx: AppContext) -> date:
    return ctx.referral_config.local_day(utcnow())


def designate(client: Any, who: Any, user_id: str, function: str = "designated", **kw: Any) -> Any:
    body = {"user_id": user_id, "function": function, "since": kw.pop("since", "2026-01-01")}
    body.update(kw)
    return client.post("/api/v1/investigators", json=body, headers=who.auth)


def org_row(body: dict[str, Any], org_id: str) -> dict[str, Any]:
    return next(o for o in body["organisations"] if o["organisation_id"] == org_id)


def registry_events(ctx: AppContext, outcome: str = "ok") -> list[AuditEvent]:
    with unit_of_work(ctx.db) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "registry.manage", AuditEvent.outcome == outcome
                )
            )
        )


# --- the registry ------------------------------------------------------------------------


def test_supervisor_keeps_the_registry_and_the_two_designated_flag(
    client: Any, world: Any, ctx: AppContext
) -> None:
    chief = make_user(ctx, world, "helsinki", "hki_chief", ["supervisor"])
    second = make_user(ctx, world, "helsinki", "hki_second", ["investigator"])
    sub = make_user(ctx, world, "helsinki", "hki_sub", ["investigator"])
    helsinki = world.orgs["helsinki"]
    coordinator = world.coordinator

    first = designate(client, chief, world.helsinki_investigator.user_id)
    assert first.status_code == 201, first.text
    assert first.json()["name"] == "Mikko Korhonen"
    listed = client.get("/api/v1/investigators", headers=coordinator.auth).json()
    row = org_row(listed, helsinki)
    assert row["designated_in_force"] == 1 and row["at_least_two_designated"] is False
    assert [e["name"] for e in row["entries"]] == ["Mikko Korhonen"]

    assert designate(client, chief, second.user_id).status_code == 201
    assert designate(client, chief, sub.user_id, "substitute").status_code == 201
    # One not yet in force: listed neither as an entry nor in the count.
    later = make_user(ctx, world, "helsinki", "hki_later", ["investigator"])
    start = (today(ctx) + timedelta(days=20)).isoformat()
    assert designate(client, chief, later.user_id, since=start).status_code == 201

    row = org_row(client.get("/api/v1/investigators", headers=chief.auth).json(), helsinki)
    assert row["designated_in_force"] == 2 and row["at_least_two_designated"] is True
    assert [e["function"] for e in row["entries"]] == ["designated", "designated", "substitute"]
    assert later.user_id not in {e["user_id"] for e in row["entries"]}

    # Ending one (yesterday was the last day) leaves the department alone again.
    entry = first.json()["id"]
    yesterday = (today(ctx) - timedelta(days=1)).isoformat()
    ended = client.post(
        f"/api/v1/investigators/{entry}/end", json={"until": yesterday}, headers=chief.auth
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["until"] == yesterday
    row = org_row(client.get("/api/v1/investigators", headers=coordinator.auth).json(), helsinki)
    assert row["designated_in_force"] == 1 and row["at_least_two_designated"] is False
    # Ending what has ended is a conflict.
    again = client.post(
        f"/api/v1/investigators/{entry}/end", json={"until": yesterday}, headers=chief.auth
    )
    assert again.status_code == 409

    # The national team and the NBI are listed, without the departments' norm.
    everyone = client.get("/api/v1/investigators", headers=world.sisasuomi_investigator.auth)
    assert everyone.status_code == 200
    team = org_row(everyone.json(), world.orgs["national_team"])
    assert team["at_least_two_designated"] is None
    assert {o["organisation_type"] for o in everyone.json()["organisations"]} <= {
        "police",
        "national_team",
        "nbi",
    }
    only = client.get(
        "/api/v1/investigators", params={"organisation_id": helsinki}, headers=chief.auth
    ).json()
    assert [o["organisation_id"] for o in only["organisations"]] == [helsinki]
    assert len(registry_events(ctx)) == 5


def test_national_team_lists_its_members(client: Any, world: Any, ctx: AppContext) -> None:
    lead = world.national_team_lead
    r = designate(client, lead, lead.user_id, "national_team")
    assert r.status_code == 201, r.text
    wrong = designate(client, lead, lead.user_id, "designated", since="2027-01-01")
    assert wrong.status_code == 422


def _nothing_stored(ctx: AppContext) -> None:
    with unit_of_work(ctx.db) as session:
        assert session.scalar(select(func.count()).select_from(DesignatedInvestigator)) == 0
    assert registry_events(ctx) == []


def test_registry_refusals(client: Any, world: Any, ctx: AppContext) -> None:
    chief = make_user(ctx, world, "helsinki", "hki_chief", ["supervisor"])
    target = world.helsinki_investigator.user_id

    # Another organisation's officer: the same answer as for an unknown user.
    other = designate(client, chief, world.sisasuomi_investigator.user_id)
    assert other.status_code == 404
    assert other.json() == {"error": {"code": "not_found", "message": "Not found."}}
    assert designate(client, chief, world.ngo_worker.user_id).status_code == 404
    assert designate(client, chief, "no-such-user").status_code == 404
    # Not a supervisor, or not the police at all.
    assert designate(client, world.helsinki_investigator, target).status_code == 403
    assert designate(client, world.ngo_supervisor, world.ngo_worker.user_id).status_code == 403
    assert designate(client, world.coordinator, target).status_code == 403
    # A member of the unit who is not an investigator (its DPO) is not designated.
    dpo = designate(client, chief, world.helsinki_dpo.user_id)
    assert dpo.status_code == 422 and "investigator" in dpo.json()["error"]["message"]
    # Functions of other kinds of police bodies, bad periods, bad input.
    assert designate(client, chief, target, "national_team").status_code == 422
    assert designate(client, chief, target, "nbi_liaison").status_code == 422
    assert (
        designate(client, chief, target, since="2026-05-01", until="2026-04-30").status_code == 422
    )
    assert designate(client, chief, target, "boss").status_code == 422
    assert designate(client, chief, target, note="hyvä tyyppi").status_code == 422
    _nothing_stored(ctx)
    denied = _denied(ctx)
    assert denied.count("registry.manage") == 6

    # The same person cannot hold two overlapping entries.
    assert designate(client, chief, target).status_code == 201
    assert designate(client, chief, target, "substitute", since="2026-06-01").status_code == 409


def test_entries_of_another_unit_cannot_be_ended(client: Any, world: Any, ctx: AppContext) -> None:
    hki = make_user(ctx, world, "helsinki", "hki_chief", ["supervisor"])
    sisa = make_user(ctx, world, "sisasuomi", "sisa_chief", ["supervisor"])
    made = designate(client, sisa, world.sisasuomi_investigator.user_id)
    assert made.status_code == 201
    entry = made.json()["id"]
    until = {"until": "2026-12-31"}
    r = client.post(f"/api/v1/investigators/{entry}/end", json=until, headers=hki.auth)
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/investigators/{entry}/end",
        json=until,
        headers=world.sisasuomi_investigator.auth,
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/investigators/{entry}/end", json={"until": "2025-12-31"}, headers=sisa.auth
    )
    assert r.status_code == 422  # before it started
    ok = client.post(f"/api/v1/investigators/{entry}/end", json=until, headers=sisa.auth)
    assert ok.status_code == 200 and ok.json()["until"] == "2026-12-31"


def test_who_reads_the_registry(client: Any, world: Any, ctx: AppContext) -> None:
    for persona, status in (
        (world.helsinki_investigator, 200),
        (world.national_team_lead, 200),
        (world.coordinator, 200),
        # It names people: an analyst sees counts on the board, not the registry.
        (world.analyst, 403),
        (world.ngo_worker, 403),
        (world.ngo_supervisor, 403),
        (world.municipality_caseworker, 403),
        (world.helsinki_dpo, 403),
        (world.admin, 403),
    ):
        r = client.get("/api/v1/investigators", headers=persona.auth)
        assert r.status_code == status, (persona.key, r.text)
    ngo = client.get(
        "/api/v1/investigators",
        params={"organisation_id": world.orgs["ngo"]},
        headers=world.coordinator.auth,
    )
    assert ngo.status_code == 404


def _denied(ctx: AppContext) -> list[str]:
    with unit_of_work(ctx.db) as session:
        return list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.outcome == "denied"))
        )


# --- capacity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"person_years": 0},
        {"person_years": -1},
        {"person_years": 500.01},
        {"person_years": 1.005},
        {"person_years": "kolme"},
        {"person_years": True},
        {"person_years": None},
        {"person_years": "NaN"},
        {},
        {"person_years": 3, "organisation_id": "someone-else"},
    ],
)
def test_capacity_bad_input_is_refused_and_nothing_stored(
    client: Any, world: Any, ctx: AppContext, body: dict[str, Any]
) -> None:
    chief = make_user(ctx, world, "helsinki", "hki_chief", ["supervisor"])
    r = client.put("/api/v1/capacity", json=body, headers=chief.auth)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid"
    with unit_of_work(ctx.db) as session:
        assert session.scalar(select(func.count()).select_from(InvestigationCapacity)) == 0
        assert not session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "capacity.set"))


def test_capacity_is_set_for_the_supervisors_own_unit(
    client: Any, world: Any, ctx: AppContext
) -> None:
    chief = make_user(ctx, world, "helsinki", "hki_chief", ["supervisor"])
    r = client.put("/api/v1/capacity", json={"person_years": 12.5}, headers=chief.auth)
    assert r.status_code == 200, r.text
    assert r.json()["organisation_id"] == world.orgs["helsinki"]
    assert r.json()["person_years"] == 12.5
    r = client.put("/api/v1/capacity", json={"person_years": "500"}, headers=chief.auth)
    assert r.status_code == 200 and r.json()["person_years"] == 500
    for persona in (world.helsinki_investigator, world.ngo_supervisor, world.coordinator):
        refused = client.put("/api/v1/capacity", json={"person_years": 1}, headers=persona.auth)
        assert refused.status_code == 403
    with unit_of_work(ctx.db) as session:
        rows = session.scalars(select(InvestigationCapacity)).all()
        assert [(c.organisation_id, float(c.person_years)) for c in rows] == [
            (world.orgs["helsinki"], 500.0)
        ]
    assert _denied(ctx).count("registry.manage") == 3


# --- the workload board ------------------------------------------------------------------


def _open(
    ctx: AppContext, persona: Any, *, at: datetime, summary: str = "Kynsistudio, velkaorjuus."
) -> str:
    with unit_of_work(ctx.db) as session:
        actor = actor_for(session, session.get(User, persona.user_id))  # type: ignore[arg-type]
        inv = open_investigation(
            session,
            InvestigationIn(
                offences=["RL-25-3"],
                summary=summary,
                persons=[
                    PersonIn(category="victim", names=[VICTIM]),
                    PersonIn(category="suspect", names=[SUSPECT]),
                ],
            ),
            actor=actor,
            cipher=ctx.cipher,
            config=ctx.referral_config,
            now=at,
        )
        return inv.id


def _close(ctx: AppContext, persona: Any, inv_id: str) -> None:
    with unit_of_work(ctx.db) as session:
        actor = actor_for(session, session.get(User, persona.user_id))  # type: ignore[arg-type]
        record_stage(session, inv_id, StageIn(stage="closed", on=today(ctx)), actor=actor)


def _consultation(ctx: AppContext, world: Any, inv_id: str, org: str, status: str) -> None:
    # Setup writes the row directly: the consultation flow has its own tests, the board
    # only counts the table.
    with unit_of_work(ctx.db) as session:
        session.add(
            Consultation(
                investigation_id=inv_id,
                requesting_organisation_id=world.orgs[org],
                team_organisation_id=world.orgs["national_team"],
                requested_by=world.sisasuomi_investigator.user_id,
                question_enc=b"",
                urgency="normal",
                status=status,
            )
        )


@pytest.fixture
def board(client: Any, world: Any, ctx: AppContext) -> dict[str, Any]:
    """Helsinki: three open (one from last year), one closed; Sisä-Suomi: one open with
    two open consultations and one closed; capacity 2 person-years in Helsinki."""
    now = utcnow()
    last_year = datetime(now.year - 1, 6, 15, 9, 0, tzinfo=UTC)
    ten_days_ago = now - timedelta(days=10)
    hki = world.helsinki_investigator
    ids = {
        "old": _open(ctx, hki, at=last_year),
        "recent": _open(ctx, hki, at=ten_days_ago),
        "new": _open(ctx, hki, at=now),
        "closed": _open(ctx, hki, at=ten_days_ago),
        "sisa": _open(ctx, world.sisasuomi_investigator, at=now),
    }
    _close(ctx, hki, ids["closed"])
    for status in ("requested", "joined", "closed", "declined"):
        _consultation(ctx, world, ids["sisa"], "sisasuomi", status)
    chief = make_user(ctx, world, "helsinki", "hki_chief", ["supervisor"])
    assert client.put("/api/v1/capacity", json={"person_years": 2}, headers=chief.auth)
    for officer in (hki, make_user(ctx, world, "helsinki", "hki_two", ["investigator"])):
        assert designate(client, chief, officer.user_id).status_code == 201
    with unit_of_work(ctx.db) as session:
        refs = list(session.scalars(select(Investigation.reference)))
    return {"ids": ids, "references": refs, "last_year": last_year, "ten_days_ago": ten_days_ago}


def _rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["organisation_id"]: r for r in body["rows"]}


def test_board_counts_per_department_and_national_view(
    client: Any, world: Any, ctx: AppContext, board: dict[str, Any]
) -> None:
    national = client.get("/api/v1/workload", headers=world.coordinator.auth)
    assert national.status_code == 200, national.text
    body = national.json()
    assert body["national"] is True
    rows = _rows(body)
    police = {
        world.orgs[k] for k in ("helsinki", "sisasuomi", "itauusimaa", "lappi", "national_team")
    }
    assert set(rows) == police

    hki = rows[world.orgs["helsinki"]]
    day = today(ctx)
    local = ctx.referral_config.local_day
    oldest = (day - local(board["last_year"])).days
    assert hki == {
        "organisation_id": world.orgs["helsinki"],
        "organisation": "Helsingin poliisilaitos",
        "organisation_type": "police",
        "open_investigations": 3,
        # Three opened ten days ago or today (one since closed), unless that was last year.
        "opened_this_year": 3 if local(board["ten_days_ago"]).year == day.year else 1,
        "open_consultations_asked": 0,
        "open_consultations_to_answer": 0,
        "oldest_open_days": oldest,
        "person_years": 2.0,
        "open_per_person_year": 1.5,
        "designated_in_force": 2,
        "fewer_than_two_designated": False,
    }
    sisa = rows[world.orgs["sisasuomi"]]
    assert (sisa["open_investigations"], sisa["opened_this_year"]) == (1, 1)
    assert sisa["open_consultations_asked"] == 2
    assert sisa["oldest_open_days"] == 0
    assert sisa["person_years"] is None and sisa["open_per_person_year"] is None
    assert sisa["fewer_than_two_designated"] is True
    team = rows[world.orgs["national_team"]]
    assert team["open_consultations_to_answer"] == 2
    assert team["open_investigations"] == 0 and team["oldest_open_days"] is None
    assert team["fewer_than_two_designated"] is None
    ita = rows[world.orgs["itauusimaa"]]
    assert ita["open_investigations"] == 0 and ita["fewer_than_two_designated"] is True

    # The same national view for analysts, the national team; a unit sees its own row.
    for persona in (world.analyst, world.national_team_lead):
        assert set(_rows(client.get("/api/v1/workload", headers=persona.auth).json())) == police
    own = client.get("/api/v1/workload", headers=world.helsinki_investigator.auth).json()
    assert own["national"] is False
    assert _rows(own) == {world.orgs["helsinki"]: hki}
    other = client.get("/api/v1/workload", headers=world.sisasuomi_investigator.auth).json()
    assert list(_rows(other)) == [world.orgs["sisasuomi"]]


def test_board_names_no_case_and_no_person(
    client: Any, world: Any, ctx: AppContext, board: dict[str, Any]
) -> None:
    for persona in (world.coordinator, world.helsinki_investigator, world.national_team_lead):
        text = client.get("/api/v1/workload", headers=persona.auth).text
        for forbidden in [*board["references"], *board["ids"].values(), VICTIM, SUSPECT]:
            assert forbidden not in text
        # Nor the names of the designated investigators: the board counts them.
        assert "Mikko Korhonen" not in text
    with unit_of_work(ctx.db) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "workload.read"))
        assert [e.detail["national"] for e in events] == [True, False, True]


def test_who_sees_the_board(client: Any, world: Any) -> None:
    for persona, status in (
        (world.helsinki_investigator, 200),
        (world.national_team_lead, 200),
        (world.coordinator, 200),
        (world.analyst, 200),
        (world.ngo_worker, 403),
        (world.ngo_supervisor, 403),
        (world.assistance_caseworker, 403),
        (world.municipality_caseworker, 403),
        (world.helsinki_dpo, 403),
        (world.admin, 403),
    ):
        r = client.get("/api/v1/workload", headers=persona.auth)
        assert r.status_code == status, (persona.key, r.text)


def test_board_query_count_does_not_grow_with_cases(
    client: Any, world: Any, ctx: AppContext
) -> None:
    """One SELECT for the board, whatever the number of investigations (plus the audit
    entry's own statements)."""

    def statements() -> int:
        seen: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            if "set_config('opennrm." not in statement:  # row security's declarations
                seen.append(statement)

        event.listen(ctx.db.engine, "before_cursor_execute", count)
        try:
            with unit_of_work(ctx.db) as session:
                actor = actor_for(session, session.get(User, world.coordinator.user_id))  # type: ignore[arg-type]
                before = len(seen)
                workload.workload(session, actor=actor, config=ctx.referral_config)
                return len(seen) - before
        finally:
            event.remove(ctx.db.engine, "before_cursor_execute", count)

    empty = statements()
    for persona in (world.helsinki_investigator, world.sisasuomi_investigator) * 3:
        _open(ctx, persona, at=utcnow())
    assert statements() == empty
    assert empty <= 4
