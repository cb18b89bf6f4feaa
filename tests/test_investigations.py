"""Investigations through the API: opening directly or from a referred crime, the
purpose on every read, stages of the criminal process, notes, police data that never
reaches partners without a statutory share, and deconfliction across departments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from opennrm.audit.models import AuditEvent
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.investigations.models import Investigation
from opennrm.notifications.models import Notification
from opennrm.policy.models import Share
from opennrm.uow import unit_of_work
from tests.test_referrals_api import make_signal, refer

SUMMARY = (
    "Marjatilalla Pirkkalassa thaimaalaiset poimijat maksavat välittäjälle 'rekrytointivelkaa'; "
    "passit ovat työnjohtajalla."
)


def case(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "offences": ["RL-25-3"],
        "summary": SUMMARY,
        "persons": [
            {
                "category": "victim",
                "names": ["Somchai Wongsakul", "สมชาย วงศ์สกุล"],
                "birth_date": "1991",
                "nationality": "TH",
                "phones": ["+66 81 234 5678"],
            },
            {
                "category": "suspect",
                "names": ["Ion Munteanu"],
                "nationality": "RO",
                "phones": ["+358 40 765 4321"],
            },
        ],
        "organisations": [{"name": "Pirkanmaan Marjatila Oy", "business_id": "2345678-0"}],
        "addresses": ["Haikantie 12, 33960 Pirkkala"],
    }
    body.update(changes)
    return body


def open_case(client: Any, persona: Any, **changes: Any) -> dict[str, Any]:
    r = client.post("/api/v1/investigations", json=case(**changes), headers=persona.auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


def read(client: Any, persona: Any, inv_id: str, purpose: str | None = "case review") -> Any:
    headers = dict(persona.auth)
    if purpose is not None:
        headers["X-Purpose"] = purpose
    return client.get(f"/api/v1/investigations/{inv_id}", headers=headers)


def test_open_read_with_purpose_and_hidden_from_others(
    client: Any, world: Any, ctx: AppContext
) -> None:
    body = open_case(client, world.sisasuomi_investigator)
    assert body["reference"].startswith("POLICE-SISA-SUOMI-")
    assert body["stage"] == "reported" and body["offences"] == ["RL-25-3"]
    assert [p["category"] for p in body["persons"]] == ["victim", "suspect"]
    no_purpose = read(client, world.sisasuomi_investigator, body["id"], None)
    assert no_purpose.status_code == 422
    assert "purpose" in no_purpose.json()["error"]["message"]
    ok = read(client, world.sisasuomi_investigator, body["id"], "kuulustelun valmistelu")
    assert ok.status_code == 200 and ok.json()["summary"] == SUMMARY
    with unit_of_work(ctx.db) as session:
        purposes = list(
            session.scalars(
                select(AuditEvent.purpose).where(
                    AuditEvent.record_id == body["id"], AuditEvent.action == "investigation.read"
                )
            )
        )
    assert "kuulustelun valmistelu" in purposes
    for outsider in ("helsinki_investigator", "ngo_worker", "assistance_caseworker", "admin"):
        r = read(client, getattr(world, outsider), body["id"])
        assert r.status_code == 404, outsider
        assert r.json() == {"error": {"code": "not_found", "message": "Not found."}}
    mine = client.get("/api/v1/investigations", headers=world.sisasuomi_investigator.auth).json()
    theirs = client.get("/api/v1/investigations", headers=world.helsinki_investigator.auth).json()
    assert body["id"] in {i["id"] for i in mine["items"]}
    assert body["id"] not in {i["id"] for i in theirs["items"]}
    assert "summary" not in mine["items"][0] and "persons" not in mine["items"][0]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("ngo_worker", 403), ("municipality_caseworker", 403), ("analyst", 403), ("admin", 403)],
)
def test_only_the_police_open_investigations(
    client: Any, world: Any, ctx: AppContext, persona: str, status: int
) -> None:
    r = client.post("/api/v1/investigations", json=case(), headers=getattr(world, persona).auth)
    assert r.status_code == status
    with unit_of_work(ctx.db) as session:
        assert session.scalar(select(Investigation.id)) is None


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"offences": ["RL-99-9"]}, "RL-99-9"),
        ({"offences": []}, "offences"),
        ({"summary": ""}, "summary"),
        ({"persons": [{"category": "accomplice", "names": ["X"]}]}, "category"),
        ({"note": "extra"}, "note"),
        ({"persons": [{"category": "victim", "names": ["Mai"], "birth_date": "1994-13"}]}, "birth"),
        (
            {"persons": [{"category": "victim", "names": ["Mai"], "nationality": "Vietnam"}]},
            "nation",
        ),
    ],
)
def test_bad_input_stores_nothing(
    client: Any, world: Any, ctx: AppContext, changes: dict[str, Any], fragment: str
) -> None:
    r = client.post(
        "/api/v1/investigations", json=case(**changes), headers=world.helsinki_investigator.auth
    )
    assert r.status_code == 422
    assert fragment in r.text
    with unit_of_work(ctx.db) as session:
        assert session.scalar(select(Investigation.id)) is None


def test_open_from_a_referred_crime_accepts_the_referral(client: Any, world: Any) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    referral = refer(client, world.ngo_worker, signal_id, "police", True).json()
    itauusimaa = world.itauusimaa_investigator
    # Another department cannot use Itä-Uusimaa's referral.
    stolen = client.post(
        "/api/v1/investigations",
        json=case(referral_id=referral["id"]),
        headers=world.helsinki_investigator.auth,
    )
    assert stolen.status_code == 404
    body = open_case(client, itauusimaa, referral_id=referral["id"])
    assert body["referral_id"] == referral["id"] and body["signal_id"] == signal_id
    after = client.get(f"/api/v1/referrals/{referral['id']}", headers=itauusimaa.auth).json()
    assert after["status"] == "accepted"
    again = client.post(
        "/api/v1/investigations", json=case(referral_id=referral["id"]), headers=itauusimaa.auth
    )
    assert again.status_code == 409


def test_stages_go_forward_only(client: Any, world: Any) -> None:
    inv = world.helsinki_investigator
    body = open_case(client, inv)
    today = utcnow().date()

    def stage(name: str, on: Any, outcome: str | None = None) -> Any:
        return client.post(
            f"/api/v1/investigations/{body['id']}/stages",
            json={"stage": name, "on": on.isoformat(), "outcome": outcome},
            headers=inv.auth,
        )

    assert stage("pre_trial", today).status_code == 201
    back = stage("reported", today)
    assert back.status_code == 409 and "pre_trial" in back.json()["error"]["message"]
    assert stage("prosecutor", today + timedelta(days=3)).status_code == 422
    assert stage("charged", today, "charges_brought").status_code == 201
    assert stage("closed", today, "convicted").status_code == 201
    assert stage("appeal", today).status_code == 409
    got = read(client, inv, body["id"]).json()
    assert got["stage"] == "closed" and got["outcome"] == "convicted"
    assert [s["stage"] for s in got["stages"]] == ["reported", "pre_trial", "charged", "closed"]
    # Another unit may not even learn the case exists.
    other = client.post(
        f"/api/v1/investigations/{body['id']}/stages",
        json={"stage": "closed", "on": today.isoformat()},
        headers=world.sisasuomi_investigator.auth,
    )
    assert other.status_code == 404


def test_notes_mark_fact_and_assessment(client: Any, world: Any) -> None:
    inv = world.helsinki_investigator
    body = open_case(client, inv)
    r = client.post(
        f"/api/v1/investigations/{body['id']}/notes",
        json={
            "kind": "assessment",
            "text": "Välittäjä todennäköisesti sama kuin 2025 tapauksessa.",
        },
        headers=inv.auth,
    )
    assert r.status_code == 201 and r.json()["kind"] == "assessment"
    refused = client.post(
        f"/api/v1/investigations/{body['id']}/notes",
        json={"kind": "fact", "text": "Yritys."},
        headers=world.ngo_worker.auth,
    )
    assert refused.status_code == 404


@pytest.mark.parametrize(
    ("basis", "visible"), [("consent", False), ("vital_interest", False), ("statutory", True)]
)
def test_police_data_reaches_a_partner_only_on_a_statutory_share(
    client: Any, world: Any, ctx: AppContext, basis: str, visible: bool
) -> None:
    body = open_case(client, world.helsinki_investigator)
    with unit_of_work(ctx.db) as session:
        session.add(
            Share(
                record_type="investigation",
                record_id=body["id"],
                organisation_id=world.orgs["assistance"],
                basis=basis,
                scope="full",
                expires_on=utcnow().date() + timedelta(days=30),
                created_by=world.helsinki_investigator.user_id,
            )
        )
    r = read(client, world.assistance_caseworker, body["id"])
    assert r.status_code == (200 if visible else 404)
    listed = client.get("/api/v1/investigations", headers=world.assistance_caseworker.auth).json()
    assert (body["id"] in {i["id"] for i in listed["items"]}) is visible


def test_deconfliction_across_departments_with_the_phone_written_differently(
    client: Any, world: Any, ctx: AppContext
) -> None:
    helsinki = open_case(client, world.helsinki_investigator)
    # Sisä-Suomi writes the suspect's number the Finnish way.
    tampere = open_case(
        client,
        world.sisasuomi_investigator,
        persons=[{"category": "suspect", "names": ["Ion Munteanu"], "phones": ["040 765 4321"]}],
        organisations=[],
        addresses=[],
    )
    hits = client.get(
        f"/api/v1/investigations/{tampere['id']}/deconfliction",
        headers=world.sisasuomi_investigator.auth,
    )
    assert hits.status_code == 200
    assert hits.json() == [
        {
            "organisation_id": world.orgs["helsinki"],
            "organisation": "Helsingin poliisilaitos",
            "contact_email": "helsinki@example.fi",
            "kinds": ["phone"],
        }
    ]
    assert helsinki["id"] not in hits.text and helsinki["reference"] not in hits.text
    with unit_of_work(ctx.db) as session:
        told = set(
            session.scalars(
                select(Notification.user_id).where(Notification.kind == "deconfliction")
            )
        )
    assert {world.helsinki_investigator.user_id, world.sisasuomi_investigator.user_id} <= told
    # A unit with nothing in common hears nothing.
    lonely = open_case(
        client,
        world.itauusimaa_investigator,
        persons=[
            {"category": "victim", "names": ["Olena Kovalenko"], "phones": ["+380 67 123 4567"]}
        ],
        organisations=[],
        addresses=["Jokin muu katu 1, 01300 Vantaa"],
    )
    none = client.get(
        f"/api/v1/investigations/{lonely['id']}/deconfliction",
        headers=world.itauusimaa_investigator.auth,
    )
    assert none.json() == []


def test_the_supervisor_puts_investigators_on_the_case_team(
    client: Any, world: Any, ctx: AppContext
) -> None:
    from opennrm.auth import actions as auth_actions
    from opennrm.auth import sessions

    with unit_of_work(ctx.db) as session:
        boss = auth_actions.create_user(
            session,
            email="esimies.sisasuomi@example.org",
            name="Kaarina Salo",
            organisation_id=world.orgs["sisasuomi"],
            roles=["supervisor"],
            password="Esimies-salasana-2026",
        )
        colleague = auth_actions.create_user(
            session,
            email="tutkija2.sisasuomi@example.org",
            name="Ville Rantanen",
            organisation_id=world.orgs["sisasuomi"],
            roles=["investigator"],
            password="Tutkija-salasana-2026",
        )
        token, _ = sessions.create_token(session, user=boss, name="t", days=1)
        colleague_token, _ = sessions.create_token(session, user=colleague, name="t", days=1)
        colleague_id = colleague.id
    boss_auth = {"Authorization": f"Bearer {token}"}
    body = open_case(client, world.sisasuomi_investigator)
    url = f"/api/v1/investigations/{body['id']}/assignments"
    # Only the supervisor assigns; an investigator of the unit is refused, others see nothing.
    assert (
        client.post(
            url, json={"user_id": colleague_id}, headers=world.sisasuomi_investigator.auth
        ).status_code
        == 403
    )
    assert (
        client.post(
            url, json={"user_id": colleague_id}, headers=world.helsinki_investigator.auth
        ).status_code
        == 404
    )
    # Someone of another unit cannot be put on the team.
    other = client.post(
        url, json={"user_id": world.helsinki_investigator.user_id}, headers=boss_auth
    )
    assert other.status_code == 422
    made = client.post(url, json={"user_id": colleague_id}, headers=boss_auth)
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Ville Rantanen" and made.json()["until"] is None
    assert client.post(url, json={"user_id": colleague_id}, headers=boss_auth).status_code == 409
    team = read(client, world.sisasuomi_investigator, body["id"]).json()["team"]
    assert [m["name"] for m in team] == ["Ville Rantanen"]
    ended = client.post(f"{url}/{made.json()['assignment_id']}/end", headers=boss_auth)
    assert ended.status_code == 200 and ended.json()["until"] is not None
    assert read(client, world.sisasuomi_investigator, body["id"]).json()["team"] == []
    # As a member of the unit the colleague still reads the case; the trail has both acts.
    colleague_read = client.get(
        f"/api/v1/investigations/{body['id']}",
        headers={"Authorization": f"Bearer {colleague_token}", "X-Purpose": "oma tutkinta"},
    )
    assert colleague_read.status_code == 200
    with unit_of_work(ctx.db) as session:
        changes = [
            e.detail["change"]
            for e in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.record_id == body["id"],
                    AuditEvent.action == "investigation.assign",
                    AuditEvent.outcome == "ok",
                )
            )
        ]
    assert changes == ["added", "ended"]


def test_the_support_case_is_visible_to_the_police_only_through_a_share(
    client: Any, world: Any
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    crime = refer(client, world.ngo_worker, signal_id, "police", True).json()
    support = refer(client, world.ngo_worker, signal_id, "assistance_system", True).json()
    police = world.itauusimaa_investigator
    body = open_case(client, police, referral_id=crime["id"])
    assert body["support_cases"] == []
    assert client.get(f"/api/v1/referrals/{support['id']}", headers=police.auth).status_code == 404
    share = {
        "organisation_id": world.orgs["itauusimaa"],
        "basis": "consent",
        "expires_on": (utcnow().date() + timedelta(days=90)).isoformat(),
    }
    # Only the assistance system shares its case; the referrer and the police cannot.
    url = f"/api/v1/referrals/{support['id']}/shares"
    assert client.post(url, json=share, headers=world.ngo_worker.auth).status_code == 403
    assert client.post(url, json=share, headers=police.auth).status_code == 404
    made = client.post(url, json=share, headers=world.assistance_caseworker.auth)
    assert made.status_code == 201, made.text
    admitted = client.post(
        f"/api/v1/referrals/{support['id']}/decisions",
        json={"decision": "admit", "reason": "Haastattelu tehty; turvakoti järjestetty."},
        headers=world.assistance_caseworker.auth,
    )
    assert admitted.status_code == 201
    linked = read(client, police, body["id"]).json()["support_cases"]
    assert [(c["referral_id"], c["status"]) for c in linked] == [(support["id"], "admitted")]
    seen = client.get(f"/api/v1/referrals/{support['id']}", headers=police.auth).json()
    assert seen["view"] == "shared" and seen["status"] == "admitted"
    assert [d["reason"] for d in seen["decisions"]] == [None]
    assert seen["services"] == [] and seen["notes"] == []
    # It stays a follower: it cannot decide.
    refused = client.post(
        f"/api/v1/referrals/{support['id']}/decisions",
        json={"decision": "exit", "reason": "Poliisi yrittää."},
        headers=police.auth,
    )
    assert refused.status_code == 403
    # Another department gets nothing.
    other = client.get(
        f"/api/v1/referrals/{support['id']}", headers=world.helsinki_investigator.auth
    )
    assert other.status_code == 404
