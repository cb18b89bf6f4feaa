"""The action plan through the API: the coordinator keeps objectives and measures, a
responsible organisation's supervisor reports progress and another organisation's is
told no, bad input changes nothing, a measure past its deadline shows as delayed, and
each indicator is computed from data made through the real actions, with the values
written out here (disclosure control included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, literal, select

from opennrm.actionplan import sqltime
from opennrm.actionplan.models import Measure, MeasureOrganisation, MeasureUpdate, Objective
from opennrm.audit.models import AuditEvent
from opennrm.auth.actions import actor_for
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.investigations import consultation_actions
from opennrm.investigations.actions import open_investigation
from opennrm.investigations.consultation_schemas import ConsultationIn, ResponseIn
from opennrm.investigations.schemas import InvestigationIn
from opennrm.policy import Actor
from opennrm.referrals import actions as referral_actions
from opennrm.referrals.schemas import DecisionIn, ReferralIn
from opennrm.signals import actions as signal_actions
from opennrm.signals.schemas import SignalIn
from opennrm.uow import unit_of_work

TITLES = {
    "fi": "Uhrit tavoitetaan ja tunnistetaan",
    "sv": "Offren nås och identifieras",
    "en": "Victims are reached and identified",
}


def objective_body(code: str = "1", aim: str = "identification", **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "aim": aim,
        "title": {k: f"{v} ({code})" for k, v in TITLES.items()},
        "description": {"fi": "Tunnistamista parannetaan kaikilla sektoreilla."},
        **extra,
    }


def measure_body(objective_id: str, code: str, orgs: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "objective_id": objective_id,
        "code": code,
        "title": {
            "fi": f"Toimenpide {code}: koulutetaan etulinjan työntekijät",
            "sv": f"Åtgärd {code}: personalen i frontlinjen utbildas",
            "en": f"Measure {code}: frontline staff are trained",
        },
        "organisation_ids": orgs,
        "deadline": "2027-06-30",
        **extra,
    }


def post(client: Any, who: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=who.auth)


def make_objective(client: Any, world: Any, code: str = "1", aim: str = "identification") -> str:
    r = post(client, world.coordinator, "/api/v1/actionplan/objectives", objective_body(code, aim))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def make_measure(client: Any, world: Any, objective_id: str, code: str, orgs: list[str],
                 **extra: Any) -> dict[str, Any]:  # fmt: skip
    r = post(
        client,
        world.coordinator,
        "/api/v1/actionplan/measures",
        measure_body(objective_id, code, orgs, **extra),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def rows(ctx: AppContext, model: Any) -> int:
    with unit_of_work(ctx.db) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def events(ctx: AppContext, action: str, outcome: str = "ok") -> list[AuditEvent]:
    with unit_of_work(ctx.db) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.outcome == outcome)
                .order_by(AuditEvent.seq)
            )
        )


def local_today(ctx: AppContext) -> date:
    return ctx.referral_config.local_day(utcnow())


# --- objectives and measures ------------------------------------------------------------------


def test_the_coordinator_keeps_objectives_and_measures_in_code_order(
    client: Any, world: Any, ctx: AppContext
) -> None:
    second = make_objective(client, world, "2", "assistance")
    first = make_objective(client, world, "1", "identification")
    orgs = [world.orgs["assistance"], world.orgs["ngo"]]
    make_measure(client, world, first, "1.10", [world.orgs["helsinki"]])
    created = make_measure(client, world, first, "1.2", orgs)
    make_measure(client, world, second, "2.1", [world.orgs["vantaa"]], status="in_progress")

    assert created["code"] == "1.2" and created["status"] == "planned"
    assert {o["name"] for o in created["organisations"]} == {
        "Ihmiskaupan uhrien auttamisjärjestelmä",
        "Pro-tuki ry (testi)",
    }
    assert created["objective_code"] == "1" and created["updates"] == []

    # Everyone signed in reads the plan, in the order of the codes (1.2 before 1.10).
    plan = client.get("/api/v1/actionplan", headers=world.ngo_frontline.auth).json()
    assert [o["code"] for o in plan["objectives"]] == ["1", "2"]
    assert [m["code"] for m in plan["objectives"][0]["measures"]] == ["1.2", "1.10"]
    assert plan["objectives"][0]["title"]["sv"] == "Offren nås och identifieras (1)"
    assert plan["objectives"][0]["description"] == {
        "fi": "Tunnistamista parannetaan kaikilla sektoreilla.",
        "sv": "",
        "en": "",
    }
    assert plan["objectives"][1]["measures"][0]["status"] == "in_progress"

    created_events = events(ctx, "actionplan.measure.create")
    assert [e.detail["code"] for e in created_events] == ["1.10", "1.2", "2.1"]
    assert created_events[1].detail["organisations"] == orgs
    assert created_events[1].actor_user_id == world.coordinator.user_id
    assert len(events(ctx, "actionplan.objective.create")) == 2


def test_others_may_not_keep_the_plan(client: Any, world: Any, ctx: AppContext) -> None:
    objective = make_objective(client, world)
    for who in (world.analyst, world.assistance_supervisor, world.admin, world.ngo_worker):
        r = post(client, who, "/api/v1/actionplan/objectives", objective_body("9"))
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
        assert "coordinator" in r.json()["error"]["message"]
        r = post(
            client,
            who,
            "/api/v1/actionplan/measures",
            measure_body(objective, "1.1", [who.organisation_id]),
        )
        assert r.status_code == 403
        r = client.patch(
            f"/api/v1/actionplan/objectives/{objective}",
            json={"aim": "evidence"},
            headers=who.auth,
        )
        assert r.status_code == 403
    assert rows(ctx, Objective) == 1 and rows(ctx, Measure) == 0
    denied = events(ctx, "actionplan.objective.create", "denied")
    assert [e.actor_user_id for e in denied] == [
        world.analyst.user_id,
        world.assistance_supervisor.user_id,
        world.admin.user_id,
        world.ngo_worker.user_id,
    ]
    assert len(events(ctx, "actionplan.measure.create", "denied")) == 4
    assert len(events(ctx, "actionplan.objective.update", "denied")) == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["title"].pop("sv"), "title.sv"),
        (lambda b: b["title"].update(fi="   "), "title.fi"),
        (lambda b: b.update(code="1 ja 2"), "code"),
        (lambda b: b.update(aim="prevention"), "aim"),
        (lambda b: b.update(owner="Helena"), "owner"),
        (lambda b: b["description"].update(en="x" * 4001), "description.en"),
    ],
)
def test_a_bad_objective_is_refused_whole(
    client: Any, world: Any, ctx: AppContext, change: Any, field: str
) -> None:
    body = objective_body()
    change(body)
    r = post(client, world.coordinator, "/api/v1/actionplan/objectives", body)
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["error"]["details"]]
    assert rows(ctx, Objective) == 0
    assert events(ctx, "actionplan.objective.create") == []


def test_a_bad_measure_is_refused_whole(client: Any, world: Any, ctx: AppContext) -> None:
    objective = make_objective(client, world)
    ngo = world.orgs["ngo"]
    ghost = "00000000-0000-4000-8000-000000000000"
    cases = [
        (measure_body(objective, "1.1", []), "organisation_ids"),
        (measure_body(objective, "1.1", [ngo, ghost]), "organisation_ids"),
        (measure_body(ghost, "1.1", [ngo]), "objective_id"),
        (measure_body(objective, "1.1", [ngo], deadline="30.6.2027"), "deadline"),
        (measure_body(objective, "1.1", [ngo], status="stalled"), "status"),
    ]
    for body, field in cases:
        r = post(client, world.coordinator, "/api/v1/actionplan/measures", body)
        assert r.status_code == 422, (field, r.text)
        assert field in [d["field"] for d in r.json()["error"]["details"]], r.text
    assert rows(ctx, Measure) == 0 and rows(ctx, MeasureOrganisation) == 0

    make_measure(client, world, objective, "1.1", [ngo])
    again = post(
        client,
        world.coordinator,
        "/api/v1/actionplan/measures",
        measure_body(objective, "1.1", [ngo]),
    )
    assert again.status_code == 409
    assert "1.1" in again.json()["error"]["message"]
    assert rows(ctx, Measure) == 1


def test_the_coordinator_changes_a_measure_and_the_trail_names_the_fields(
    client: Any, world: Any, ctx: AppContext
) -> None:
    objective = make_objective(client, world)
    measure = make_measure(client, world, objective, "1.1", [world.orgs["ngo"]])
    r = client.patch(
        f"/api/v1/actionplan/measures/{measure['id']}",
        json={
            "organisation_ids": [world.orgs["vantaa"], world.orgs["assistance"]],
            "deadline": "2027-12-31",
        },
        headers=world.coordinator.auth,
    )
    assert r.status_code == 200, r.text
    assert r.json()["deadline"] == "2027-12-31"
    assert {o["id"] for o in r.json()["organisations"]} == {
        world.orgs["vantaa"],
        world.orgs["assistance"],
    }
    (event,) = events(ctx, "actionplan.measure.update")
    assert sorted(event.fields) == ["deadline", "organisation_ids"]
    assert event.detail["deadline"] == {"from": "2027-06-30", "to": "2027-12-31"}
    # A change that changes nothing is not an event.
    same = client.patch(
        f"/api/v1/actionplan/measures/{measure['id']}",
        json={"deadline": "2027-12-31"},
        headers=world.coordinator.auth,
    )
    assert same.status_code == 200
    assert len(events(ctx, "actionplan.measure.update")) == 1


# --- progress reports -----------------------------------------------------------------------


def progress(client: Any, who: Any, measure_id: str, **body: Any) -> Any:
    payload = {"status": "in_progress", "text": "Kaksi koulutuspäivää pidetty Joutsenossa."}
    payload.update(body)
    return client.post(
        f"/api/v1/actionplan/measures/{measure_id}/progress", json=payload, headers=who.auth
    )


def test_a_responsible_supervisor_reports_progress_and_others_are_told_why_not(
    client: Any, world: Any, ctx: AppContext
) -> None:
    objective = make_objective(client, world, "2", "assistance")
    measure = make_measure(
        client, world, objective, "2.3", [world.orgs["assistance"], world.orgs["vantaa"]]
    )
    mid = measure["id"]

    done = progress(
        client,
        world.assistance_supervisor,
        mid,
        reported_on=(local_today(ctx) - timedelta(days=2)).isoformat(),
        evidence_url="https://example.fi/raportti-2026.pdf",
    )
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["status_before"] == "planned" and body["status_after"] == "in_progress"
    assert body["reporter_name"] == "Anneli Heikkinen"
    assert body["organisation"]["name"] == "Ihmiskaupan uhrien auttamisjärjestelmä"
    assert body["evidence_url"] == "https://example.fi/raportti-2026.pdf"

    # A supervisor of an organisation not responsible, and a caseworker of one that is.
    for who in (world.national_team_lead, world.ngo_supervisor, world.assistance_caseworker,
                world.analyst):  # fmt: skip
        r = progress(client, who, mid, status="done", evidence_text="Valmis.")
        assert r.status_code == 403, r.text
        assert "responsible" in r.json()["error"]["message"]

    by_coordinator = progress(
        client, world.coordinator, mid, status="done", evidence_text="Koulutusmateriaali julkaistu."
    )
    assert by_coordinator.status_code == 201

    detail = client.get(f"/api/v1/actionplan/measures/{mid}", headers=world.ngo_worker.auth).json()
    assert detail["status"] == "done" and detail["shown_status"] == "done"
    assert [u["status_after"] for u in detail["updates"]] == ["done", "in_progress"]
    assert detail["latest"]["evidence_text"] == "Koulutusmateriaali julkaistu."
    assert rows(ctx, MeasureUpdate) == 2

    reported = events(ctx, "actionplan.measure.report")
    assert [(e.detail["from"], e.detail["to"]) for e in reported] == [
        ("planned", "in_progress"),
        ("in_progress", "done"),
    ]
    denied = events(ctx, "actionplan.measure.report", "denied")
    assert [e.actor_user_id for e in denied] == [
        world.national_team_lead.user_id,
        world.ngo_supervisor.user_id,
        world.assistance_caseworker.user_id,
        world.analyst.user_id,
    ]
    assert all(e.record_id == mid for e in denied)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done"}, "body"),
        ({"status": "done", "evidence_text": "   "}, "body"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url"),
        ({"evidence_url": "ftp://example.fi/raportti"}, "evidence_url"),
        ({"text": ""}, "text"),
        ({"status": "finished"}, "status"),
        ({"evidence_text": "x" * 1001}, "evidence_text"),
    ],
)
def test_a_bad_progress_report_changes_nothing(
    client: Any, world: Any, ctx: AppContext, body: dict[str, Any], field: str
) -> None:
    objective = make_objective(client, world)
    measure = make_measure(client, world, objective, "1.4", [world.orgs["assistance"]])
    r = progress(client, world.assistance_supervisor, measure["id"], **body)
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["error"]["details"]], r.text
    assert rows(ctx, MeasureUpdate) == 0
    plan = client.get("/api/v1/actionplan", headers=world.coordinator.auth).json()
    assert plan["objectives"][0]["measures"][0]["status"] == "planned"


def test_progress_cannot_be_reported_for_tomorrow(client: Any, world: Any, ctx: AppContext) -> None:
    objective = make_objective(client, world)
    measure = make_measure(client, world, objective, "1.4", [world.orgs["assistance"]])
    tomorrow = (local_today(ctx) + timedelta(days=1)).isoformat()
    r = progress(client, world.coordinator, measure["id"], reported_on=tomorrow)
    assert r.status_code == 422
    assert r.json()["error"]["details"] == [
        {"field": "reported_on", "message": "the day cannot be in the future"}
    ]
    assert rows(ctx, MeasureUpdate) == 0


def test_a_missing_measure_is_404(client: Any, world: Any) -> None:
    ghost = "00000000-0000-4000-8000-000000000000"
    r = progress(client, world.coordinator, ghost)
    assert r.status_code == 404
    read = client.get(f"/api/v1/actionplan/measures/{ghost}", headers=world.coordinator.auth)
    assert read.status_code == 404


def test_a_measure_past_its_deadline_shows_delayed_and_counts_against_the_schedule(
    client: Any, world: Any, ctx: AppContext
) -> None:
    today = local_today(ctx)
    past = (today - timedelta(days=1)).isoformat()
    future = (today + timedelta(days=30)).isoformat()
    objective = make_objective(client, world, "5", "evidence")
    ngo = [world.orgs["ngo"]]
    late = make_measure(client, world, objective, "5.1", ngo, deadline=past, status="in_progress")
    make_measure(client, world, objective, "5.2", ngo, deadline=past, status="done")
    make_measure(client, world, objective, "5.3", ngo, deadline=future)
    make_measure(client, world, objective, "5.4", ngo, deadline=past, status="cancelled")
    # The deadline is today: not yet late.
    make_measure(client, world, objective, "5.5", ngo, deadline=today.isoformat())

    assert late["status"] == "in_progress"
    assert late["shown_status"] == "delayed" and late["overdue"] is True
    plan = client.get("/api/v1/actionplan", headers=world.ngo_frontline.auth).json()
    shown = {m["code"]: m["shown_status"] for m in plan["objectives"][0]["measures"]}
    assert shown == {
        "5.1": "delayed",
        "5.2": "done",
        "5.3": "planned",
        "5.4": "cancelled",
        "5.5": "planned",
    }
    with unit_of_work(ctx.db) as session:
        stored = dict(session.execute(select(Measure.code, Measure.status)).all())
    assert stored["5.1"] == "in_progress"  # computed for display, never stored

    indicator = client.get(
        "/api/v1/actionplan/indicators/measures_on_schedule", headers=world.ngo_frontline.auth
    ).json()
    # Four followed (the cancelled one aside), one of them delayed.
    assert (indicator["numerator"], indicator["denominator"]) == (3, 4)
    assert indicator["value"] == 75.0 and indicator["met"] is False
    assert {r["key"]: r["numerator"] for r in indicator["rows"]} == {
        "planned": 2,
        "in_progress": 0,
        "done": 1,
        "delayed": 1,
        "cancelled": 1,
    }


# --- indicators from platform data -----------------------------------------------------------


def actor_of(ctx: AppContext, persona: Any) -> Actor:
    with unit_of_work(ctx.db) as session:
        user = session.get(User, persona.user_id)
        assert user is not None
        return actor_for(session, user)


def record_signals(ctx: AppContext, persona: Any, n: int, consent: bool = False) -> list[str]:
    actor = actor_of(ctx, persona)
    ids = []
    with unit_of_work(ctx.db) as session:
        for i in range(n):
            signal, _ = signal_actions.create_signal(
                session,
                SignalIn.model_validate(
                    {
                        "exploitation_types": ["labour"],
                        "summary": f"Marjanpoimija {i} kertoo velasta rekrytoijalle.",
                        "municipality": "Vantaa",
                        "consent": {"to_assistance_system": consent, "to_police": consent},
                    }
                ),
                actor=actor,
                cipher=ctx.cipher,
            )
            ids.append(signal.id)
    return ids


def indicator(client: Any, world: Any, key: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/actionplan/indicators/{key}", headers=world.ngo_frontline.auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def point(series: dict[str, Any], period: str) -> dict[str, Any]:
    return next(p for p in series["points"] if p["period"] == period)


def this_month(ctx: AppContext) -> str:
    return local_today(ctx).strftime("%Y-%m")


def test_signals_by_sector_pass_disclosure_control(
    client: Any, world: Any, ctx: AppContext
) -> None:
    record_signals(ctx, world.ngo_worker, 6)
    record_signals(ctx, world.municipality_caseworker, 5)
    record_signals(ctx, world.helsinki_investigator, 2)
    got = indicator(client, world, "signals_by_sector")
    month = this_month(ctx)
    assert got["months"][-1] == month and len(got["months"]) == 12
    series = {s["key"]: s for s in got["series"]}
    assert set(series) == {"all", "ngo", "municipality", "police"}
    assert point(series["all"], month)["count"] == 13
    assert point(series["ngo"], month) == {
        "period": month, "value": 6.0, "count": 6, "suppressed": False,
    }  # fmt: skip
    # The police's 2 are withheld, and so are the municipality's 5: with the month's total
    # published, one withheld cell alone could be worked back by subtraction.
    assert point(series["police"], month)["count"] is None
    assert point(series["police"], month)["suppressed"] is True
    assert point(series["municipality"], month)["count"] is None
    # An earlier month had nothing: a true zero is shown as zero.
    assert point(series["ngo"], got["months"][0]) == {
        "period": got["months"][0], "value": 0.0, "count": 0, "suppressed": False,
    }  # fmt: skip
    assert got["value"] == 13.0 and got["suppressed"] is False
    assert {r["key"]: r["numerator"] for r in got["rows"]} == {
        "ngo": 6,
        "municipality": None,
        "police": None,
    }
    # Everybody reads the indicators, the frontline worker included (above), and an
    # administrator too: they are counts only.
    r = client.get("/api/v1/actionplan/indicators", headers=world.admin.auth)
    assert [i["key"] for i in r.json()] == [
        "signals_by_sector",
        "training_coverage",
        "referral_decision_days",
        "designated_investigators_trained",
        "consultations_in_time",
        "shares_between_sectors",
        "measures_on_schedule",
    ]


def test_median_days_from_referral_to_first_decision(
    client: Any, world: Any, ctx: AppContext
) -> None:
    config = ctx.referral_config
    referrer = actor_of(ctx, world.ngo_worker)
    decider = actor_of(ctx, world.assistance_caseworker)
    sent = utcnow() - timedelta(days=20)
    signals = record_signals(ctx, world.ngo_worker, 7, consent=True)
    with unit_of_work(ctx.db) as session:
        referrals = [
            referral_actions.create_referral(
                session,
                signal_id,
                ReferralIn(target="assistance_system", consent=True),
                actor=referrer,
                config=config,
                now=sent,
            )
            for signal_id in signals
        ]
        # Days to the first decision: 1, 2, 3, 5 and 8 (and 6 more hours, rounded down).
        for referral, days in zip(referrals, (1, 2, 3, 5, 8), strict=False):
            referral_actions.decide(
                session,
                referral.id,
                DecisionIn(decision="admit", reason="Haastattelussa ilmeni pakkotyön merkkejä."),
                actor=decider,
                cipher=ctx.cipher,
                config=config,
                now=sent + timedelta(days=days, hours=6),
            )
        # A second decision on the first referral does not move its first one.
        referral_actions.decide(
            session,
            referrals[0].id,
            DecisionIn(decision="identify_victim", reason="Tunnistettu ihmiskaupan uhriksi."),
            actor=decider,
            cipher=ctx.cipher,
            config=config,
            now=sent + timedelta(days=15),
        )
    # Referrals 6 and 7 have no decision yet and are not in the median.
    got = indicator(client, world, "referral_decision_days")
    assert got["value"] == 3.0 and got["numerator"] == 5
    assert got["met"] is True  # the target is at most 7 days
    month = config.local_day(sent).strftime("%Y-%m")
    (series,) = got["series"]
    assert point(series, month) == {"period": month, "value": 3.0, "count": 5, "suppressed": False}
    others = [p for p in series["points"] if p["period"] != month]
    assert all(p["count"] == 0 and p["value"] is None for p in others)


def test_a_median_of_fewer_than_five_is_withheld(client: Any, world: Any, ctx: AppContext) -> None:
    config = ctx.referral_config
    referrer = actor_of(ctx, world.ngo_worker)
    decider = actor_of(ctx, world.assistance_caseworker)
    sent = utcnow() - timedelta(days=3)
    with unit_of_work(ctx.db) as session:
        for signal_id in record_signals(ctx, world.ngo_worker, 2, consent=True):
            referral = referral_actions.create_referral(
                session,
                signal_id,
                ReferralIn(target="assistance_system", consent=True),
                actor=referrer,
                config=config,
                now=sent,
            )
            referral_actions.decide(
                session,
                referral.id,
                DecisionIn(decision="admit", reason="Asiakas otettiin auttamisjärjestelmään."),
                actor=decider,
                cipher=ctx.cipher,
                config=config,
                now=sent + timedelta(days=1),
            )
    got = indicator(client, world, "referral_decision_days")
    assert got["value"] is None and got["numerator"] is None and got["suppressed"] is True
    month = config.local_day(sent).strftime("%Y-%m")
    assert point(got["series"][0], month)["suppressed"] is True


def test_shares_between_sectors_by_route(client: Any, world: Any, ctx: AppContext) -> None:
    expires = (local_today(ctx) + timedelta(days=30)).isoformat()

    def share(persona: Any, signal_id: str, grantee: str) -> None:
        r = client.post(
            f"/api/v1/signals/{signal_id}/shares",
            json={
                "organisation_id": world.orgs[grantee],
                "basis": "consent",
                "scope": "full",
                "expires_on": expires,
            },
            headers=persona.auth,
        )
        assert r.status_code == 201, r.text

    for signal_id in record_signals(ctx, world.ngo_worker, 6, consent=True):
        share(world.ngo_worker, signal_id, "assistance")
    for signal_id in record_signals(ctx, world.municipality_caseworker, 5, consent=True):
        share(world.municipality_caseworker, signal_id, "assistance")
    for signal_id in record_signals(ctx, world.ngo_worker, 2, consent=True):
        share(world.ngo_worker, signal_id, "helsinki")

    got = indicator(client, world, "shares_between_sectors")
    month = this_month(ctx)
    series = {s["key"]: s for s in got["series"]}
    # Two shares from NGOs to the police are too few to be a route of their own: they are
    # counted as "other", withheld, and the smallest other route is withheld with them.
    assert set(series) == {
        "all",
        "ngo>assistance_system",
        "municipality>assistance_system",
        "other",
    }
    assert point(series["ngo>assistance_system"], month)["count"] == 6
    assert point(series["municipality>assistance_system"], month)["suppressed"] is True
    assert point(series["other"], month)["suppressed"] is True
    assert point(series["all"], month)["count"] == 13
    assert got["value"] == 13.0


# --- consultations -------------------------------------------------------------------------


def test_consultations_answered_in_time(client: Any, world: Any, ctx: AppContext) -> None:
    config = ctx.referral_config
    investigator = actor_of(ctx, world.helsinki_investigator)
    team = actor_of(ctx, world.national_team_lead)
    now = utcnow()
    earlier = now - timedelta(days=40)
    with unit_of_work(ctx.db) as session:
        case = open_investigation(
            session,
            InvestigationIn(offences=["RL-25-3"], summary="Pakkotyö rakennustyömaalla Vantaalla."),
            actor=investigator,
            cipher=ctx.cipher,
            config=config,
        )

        def ask(at: datetime, urgency: str) -> str:
            c = consultation_actions.request_consultation(
                session,
                case.id,
                ConsultationIn(question="Onko vastaavia tapauksia muualla?", urgency=urgency),
                actor=investigator,
                cipher=ctx.cipher,
                config=config,
                now=at,
            )
            return c.id

        def respond(consultation_id: str, *steps: str) -> None:
            for step in steps:
                body: dict[str, Any] = {"action": step}
                if step == "answer":
                    body["text"] = "Kyllä, Lapissa oli vastaava tapaus 2025."
                if step == "decline":
                    body["text"] = "Ei kuulu ryhmän tehtäviin."
                consultation_actions.respond(
                    session,
                    consultation_id,
                    ResponseIn.model_validate(body),
                    actor=team,
                    cipher=ctx.cipher,
                    config=config,
                )

        # Asked today and answered today: in time (accepting alone is not the support).
        for _ in range(5):
            respond(ask(now, "normal"), "accept", "answer")
        # Asked 40 days ago with a one-day clock, answered or declined today: late.
        for steps in (("accept", "answer"),) * 4 + (("decline",),):
            respond(ask(earlier, "urgent"), *steps)
        # Asked 40 days ago, only accepted: due and not answered, so late.
        respond(ask(earlier, "urgent"), "accept")
        # Asked today, not answered yet: not due.
        ask(now, "normal")
    got = indicator(client, world, "consultations_in_time")
    assert (got["numerator"], got["denominator"]) == (5, 11)
    assert got["value"] == 45.5 and got["met"] is False
    (series,) = got["series"]
    assert point(series, config.local_day(now).strftime("%Y-%m")) == {
        "period": config.local_day(now).strftime("%Y-%m"),
        "value": 100.0,
        "count": 5,
        "suppressed": False,
    }
    old = point(series, config.local_day(earlier).strftime("%Y-%m"))
    assert (old["value"], old["count"]) == (0.0, 6)
    assert {r["key"]: r["numerator"] for r in got["rows"]} == {"in_time": 5, "late": 6, "due": 11}


@pytest.mark.parametrize(
    ("moment", "day", "expected"),
    [
        # Helsinki is UTC+2 in winter: 31 December ends at 22:00 UTC.
        (datetime(2026, 12, 31, 21, 59, tzinfo=UTC), date(2026, 12, 31), True),
        (datetime(2026, 12, 31, 22, 0, tzinfo=UTC), date(2026, 12, 31), False),
        # and UTC+3 in summer: 30 June ends at 21:00 UTC.
        (datetime(2026, 6, 30, 20, 59, tzinfo=UTC), date(2026, 6, 30), True),
        (datetime(2026, 6, 30, 21, 30, tzinfo=UTC), date(2026, 6, 30), False),
        # The day the clocks go forward (29 March 2026) ends at 21:00 UTC.
        (datetime(2026, 3, 29, 20, 59, tzinfo=UTC), date(2026, 3, 29), True),
        (datetime(2026, 3, 28, 22, 1, tzinfo=UTC), date(2026, 3, 28), False),
    ],
)
def test_the_end_of_a_local_day_in_sql(
    ctx: AppContext, moment: datetime, day: date, expected: bool
) -> None:
    from opennrm.db import UTCDateTime

    with unit_of_work(ctx.db) as session:
        dialect = session.get_bind().dialect.name
        expr = sqltime.before_end_of_day(
            dialect,
            literal(moment, UTCDateTime()),
            literal(day),
            timezone="Europe/Helsinki",
            first=date(2026, 1, 1),
            last=date(2026, 12, 31),
        )
        assert bool(session.scalar(select(expr))) is expected


# --- the pages -----------------------------------------------------------------------------------


def browser_for(client: Any, ctx: AppContext, persona: Any) -> tuple[Any, str]:
    """A page client signed in as `persona`, and its CSRF token."""
    from fastapi.testclient import TestClient

    from opennrm.auth import sessions

    with unit_of_work(ctx.db) as session:
        user = session.get(User, persona.user_id)
        assert user is not None
        cookie, ws = sessions.start_session(session, user, mfa_passed=True)
    browser = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    browser.cookies.set("__Host-opennrm_session", cookie)
    return browser, ws.csrf_token


def test_the_objective_form_names_each_mistake_and_stores_nothing(
    client: Any, world: Any, ctx: AppContext
) -> None:
    browser, csrf = browser_for(client, ctx, world.coordinator)
    r = browser.post(
        "/actionplan/objectives/new",
        data={
            "csrf_token": csrf,
            "code": "1 ja 2",
            "aim": "identification",
            "title-fi": "Uhrit tunnistetaan",
            "title-sv": "   ",
            "title-en": "Victims are identified",
            "description-fi": "<b>lihava</b>",
        },
    )
    assert r.status_code == 422
    summary = r.text.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert '<a href="#code">Anna tavoitteen numero, esimerkiksi 1 tai 2.3</a>' in summary
    assert '<a href="#title-sv">Kirjoita otsikko ruotsiksi</a>' in summary
    assert "#title-fi" not in summary
    # What was typed is kept, and shown as text.
    assert 'value="Uhrit tunnistetaan"' in r.text
    assert "&lt;b&gt;lihava&lt;/b&gt;" in r.text
    assert rows(ctx, Objective) == 0

    ok = browser.post(
        "/actionplan/objectives/new",
        data={"csrf_token": csrf, "code": "1", "aim": "identification",
              "title-fi": "Uhrit tunnistetaan", "title-sv": "Offren identifieras",
              "title-en": "Victims are identified"},
    )  # fmt: skip
    assert ok.status_code == 303 and ok.headers["location"] == "/actionplan?done=objective"
    plan = browser.get(ok.headers["location"])
    assert "Tavoite tallennettiin" in plan.text and "1. Uhrit tunnistetaan" in plan.text


def test_the_progress_form_asks_for_evidence_when_done(
    client: Any, world: Any, ctx: AppContext
) -> None:
    objective = make_objective(client, world)
    measure = make_measure(client, world, objective, "1.7", [world.orgs["assistance"]])
    browser, csrf = browser_for(client, ctx, world.assistance_supervisor)
    today = local_today(ctx)
    form = {
        "csrf_token": csrf,
        "reported_on-day": str(today.day),
        "reported_on-month": str(today.month),
        "reported_on-year": str(today.year),
        "status": "done",
        "text": "Kaikki työntekijät koulutettu.",
        "evidence_url": "",
        "evidence_text": "",
    }
    path = f"/actionplan/measures/{measure['id']}/progress"
    r = browser.post(path, data=form)
    assert r.status_code == 422
    assert '<a href="#evidence_url">Anna näyttö: linkki, lyhyt kuvaus tai molemmat</a>' in r.text
    bad_day = browser.post(path, data=form | {"reported_on-day": "31", "reported_on-month": "2",
                                              "evidence_text": "Koulutusrekisteri."})  # fmt: skip
    assert bad_day.status_code == 422
    assert 'href="#reported_on-day"' in bad_day.text
    script = browser.post(path, data=form | {"evidence_url": "javascript:alert(1)"})
    assert script.status_code == 422 and 'href="#evidence_url"' in script.text
    assert rows(ctx, MeasureUpdate) == 0

    ok = browser.post(path, data=form | {"evidence_text": "Koulutusrekisteri 11/2026."})
    assert ok.status_code == 303
    page = browser.get(ok.headers["location"])
    assert "Raporttisi tallennettiin" in page.text
    assert "Koulutusrekisteri 11/2026." in page.text and "Anneli Heikkinen" in page.text
    # Another organisation's supervisor sees no form and is refused if they post anyway.
    other, other_csrf = browser_for(client, ctx, world.ngo_supervisor)
    seen = other.get(f"/actionplan/measures/{measure['id']}").text
    assert 'action="/actionplan/measures/' not in seen
    refused = other.post(path, data=form | {"csrf_token": other_csrf, "evidence_text": "x"})
    assert refused.status_code == 403
    assert rows(ctx, MeasureUpdate) == 1


def test_the_report_page_and_pdf(client: Any, world: Any, ctx: AppContext) -> None:
    objective = make_objective(client, world)
    make_measure(client, world, objective, "1.1", [world.orgs["ngo"]])
    record_signals(ctx, world.ngo_worker, 5)
    browser, _csrf = browser_for(client, ctx, world.analyst)
    page = browser.get("/actionplan/report")
    assert page.status_code == 200
    assert page.text.count('<svg width="100%" role="img"') >= 4
    assert "Ilmoitukset kuukausittain kirjaajan sektorin mukaan" in page.text
    assert "Toimenpide 1.1: koulutetaan etulinjan työntekijät" in page.text
    pdf = browser.get("/actionplan/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"].startswith('attachment; filename="action-plan-')


# --- the pure parts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, None),
        ({4: 1}, 4.0),
        ({1: 1, 2: 1, 3: 1, 5: 1, 8: 1}, 3.0),
        ({1: 2, 9: 2}, 5.0),
        ({0: 3, 10: 1}, 0.0),
        ({2: 0, 6: 1}, 6.0),
    ],
)
def test_median_of_counted_values(counts: dict[int, int], expected: float | None) -> None:
    from opennrm.actionplan.periods import median

    assert median(counts) == expected


def test_the_window_of_months_and_their_local_bounds() -> None:
    from opennrm.actionplan.periods import month_bounds, window

    keys = window(date(2026, 2, 10), months=3)
    assert keys == ["2025-12", "2026-01", "2026-02"]
    bounds = month_bounds(keys, "Europe/Helsinki")
    # Midnight in Helsinki (UTC+2 in winter) is 22:00 UTC the day before.
    assert bounds[0] == datetime(2025, 11, 30, 22, 0, tzinfo=UTC)
    assert bounds[-1] == datetime(2026, 2, 28, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "deadline", "shown"),
    [
        ("planned", date(2026, 5, 1), "delayed"),
        ("in_progress", date(2026, 6, 1), "in_progress"),
        ("done", date(2026, 1, 1), "done"),
        ("cancelled", date(2026, 1, 1), "cancelled"),
        ("delayed", date(2026, 12, 1), "delayed"),
    ],
)
def test_a_measure_shows_delayed_only_when_late_and_unfinished(
    status: str, deadline: date, shown: str
) -> None:
    from opennrm.actionplan.rules import effective_status

    assert effective_status(status, deadline, date(2026, 6, 1)) == shown


def test_a_table_disclosure_control_refuses_is_answered_by_its_margins() -> None:
    from opennrm.actionplan.disclosed import Protected

    raw = {
        ("Helsinki", "investigator", "yes"): 6,
        ("other", "investigator", "no"): 5,
        ("other", "caseworker", "yes"): 4,
        ("NGO", "caseworker", "yes"): 1,
        ("NGO", "frontline", "no"): 5,
    }
    table = Protected(
        raw,
        [["Helsinki", "NGO", "other"], ["frontline", "caseworker", "investigator"], ["yes", "no"]],
        ("group", "role", "done"),
    )
    assert table.refused
    # The whole table is withheld; its margins, protected each on its own, are not.
    assert table.cell(("group", "role", "done"), ("Helsinki", "investigator", "yes")).count is None
    assert table.cell(("role",), ("investigator",)).count == 11
    assert table.cell(("done",), ("no",)).count == 10
    assert table.cell(("role", "done"), ("investigator", "yes")).count == 6
    assert table.total().count == 21


def test_the_plan_is_read_in_a_fixed_number_of_queries(
    client: Any, world: Any, ctx: AppContext
) -> None:
    """However many objectives, measures and reports: four queries (no lazy loads)."""
    from sqlalchemy import event

    from opennrm.actionplan import queries

    def statements() -> int:
        seen: list[str] = []

        def count(*args: Any) -> None:
            statement = str(args[2])
            # SQLite's BEGIN IMMEDIATE; PostgreSQL's row-security declaration (ADR 0016)
            if not statement.startswith("BEGIN") and "set_config('opennrm." not in statement:
                seen.append(statement)

        event.listen(ctx.db.engine, "before_cursor_execute", count)
        try:
            with unit_of_work(ctx.db) as session:
                actor = actor_of(ctx, world.coordinator)
                before = len(seen)
                queries.read_plan(session, actor=actor, today=local_today(ctx))
                return len(seen) - before
        finally:
            event.remove(ctx.db.engine, "before_cursor_execute", count)

    first = make_objective(client, world, "1")
    make_measure(client, world, first, "1.1", [world.orgs["ngo"]])
    small = statements()
    second = make_objective(client, world, "2", "assistance")
    for n in range(2, 6):
        made = make_measure(
            client, world, second, f"2.{n}", [world.orgs["ngo"], world.orgs["vantaa"]]
        )
        assert progress(client, world.coordinator, made["id"]).status_code == 201
    assert statements() == small == 4
