"""Referrals through the API: routing by municipality, consent and anonymity, the child
rule, the decision state machine, support plans, clocks, notes and the timeline."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from opennrm.audit.models import AuditEvent
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.notifications.models import EmailOutbox, Notification
from opennrm.uow import unit_of_work

VICTIM_NAME = "Nguyễn Văn Hùng"
VICTIM_PHONE = "+358 44 987 6543"

SIGNAL: dict[str, Any] = {
    "exploitation_types": ["labour"],
    "summary": "Rakennustyömaalla Vantaalla työskentelevä mies kertoo, että passi on "
    "työnantajalla ja palkasta pidätetään 'asumiskuluja'.",
    "occurred_on": "2026-10-12",
    "municipality": "Vantaa",
    "persons": [
        {
            "role": "victim",
            "names": [VICTIM_NAME, "Nguyen Van Hung"],
            "birth_date": "1994-03-17",
            "gender": "male",
            "nationality": "VN",
            "phones": [VICTIM_PHONE],
        },
        {
            "role": "suspect",
            "names": ["Chukwuemeka Okafor"],
            "gender": "male",
            "nationality": "NG",
        },
    ],
    "organisations": [{"name": "Vantaan Runkotyö Oy"}],
    "addresses": ["Tikkurilantie 44, 01300 Vantaa"],
}


def make_signal(client: Any, persona: Any, **changes: Any) -> str:
    body = copy.deepcopy(SIGNAL)
    body.update(changes)
    r = client.post("/api/v1/signals", json=body, headers=persona.auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def refer(client: Any, persona: Any, signal_id: str, target: str, consent: bool) -> Any:
    return client.post(
        f"/api/v1/signals/{signal_id}/referrals",
        json={"target": target, "consent": consent},
        headers=persona.auth,
    )


def decide(client: Any, persona: Any, referral_id: str, decision: str, **extra: Any) -> Any:
    return client.post(
        f"/api/v1/referrals/{referral_id}/decisions",
        json={"decision": decision, "reason": f"Perustelu: {decision}.", **extra},
        headers=persona.auth,
    )


def test_police_referral_goes_to_the_department_of_the_municipality(
    client: Any, world: Any, ctx: AppContext
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    r = refer(client, world.ngo_worker, signal_id, "police", True)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["target_organisation_id"] == world.orgs["itauusimaa"]
    assert body["anonymous"] is False
    assert body["status"] == "received"
    # The designated investigators of Itä-Uusimaa were told; Helsinki's were not.
    with unit_of_work(ctx.db) as session:
        told = set(
            session.scalars(
                select(Notification.user_id).where(Notification.record_id == body["id"])
            )
        )
        mails = set(session.scalars(select(EmailOutbox.user_id)))
    assert told == {world.itauusimaa_investigator.user_id}
    assert world.itauusimaa_investigator.user_id in mails
    # With consent the department reads the signal, persons included.
    got = client.get(f"/api/v1/signals/{signal_id}", headers=world.itauusimaa_investigator.auth)
    assert got.status_code == 200
    assert VICTIM_NAME in str(got.json()["persons"])
    # Another department does not learn the referral exists.
    other = client.get(f"/api/v1/referrals/{body['id']}", headers=world.helsinki_investigator.auth)
    assert other.status_code == 404


def test_signal_without_a_known_municipality_cannot_go_to_the_police(
    client: Any, world: Any
) -> None:
    signal_id = make_signal(client, world.ngo_worker, municipality="Atlantis")
    r = refer(client, world.ngo_worker, signal_id, "police", True)
    assert r.status_code == 422
    assert "Atlantis" in r.json()["error"]["message"]
    listed = client.get("/api/v1/referrals", headers=world.ngo_worker.auth).json()
    assert listed["total"] == 0


def test_referral_without_consent_never_reveals_identity(
    client: Any, world: Any, ctx: AppContext
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    r = refer(client, world.ngo_worker, signal_id, "assistance_system", False)
    assert r.status_code == 201, r.text
    referral_id = r.json()["id"]
    assert r.json()["anonymous"] is True
    caseworker = world.assistance_caseworker
    seen = client.get(f"/api/v1/referrals/{referral_id}", headers=caseworker.auth)
    assert seen.status_code == 200
    text = seen.text
    for secret in (
        VICTIM_NAME,
        "Nguyen",
        "1994",
        "987 6543",
        "9876543",
        "Tikkurilantie",
        "Runkotyö",
        "Vantaa",
        "passi",
        signal_id,
    ):
        assert secret not in text, secret
    summary = seen.json()["anonymous_summary"]
    assert summary["exploitation_types"] == ["labour"]
    assert summary["region"] == "MK01"
    assert summary["age_group"] == "30_39"
    assert seen.json()["signal_id"] is None
    # The signal itself stays out of reach, and so do its timeline and queue entries.
    assert client.get(f"/api/v1/signals/{signal_id}", headers=caseworker.auth).status_code == 404
    queue = client.get("/api/v1/referrals?direction=incoming", headers=caseworker.auth).text
    assert VICTIM_NAME not in queue and signal_id not in queue
    # Nothing to admit: only acknowledging is possible.
    assert decide(client, caseworker, referral_id, "admit").status_code == 409
    ack = decide(client, caseworker, referral_id, "acknowledge")
    assert ack.status_code == 201, ack.text
    assert ack.json()["status"] == "acknowledged"
    # The referrer learns that it arrived, not what came of it.
    mine = client.get(f"/api/v1/referrals/{referral_id}", headers=world.ngo_worker.auth).json()
    assert mine["view"] == "referrer" and mine["status"] is None and mine["decisions"] == []


def test_a_child_is_referred_with_identity_whatever_the_consent(client: Any, world: Any) -> None:
    born = utcnow().date() - timedelta(days=16 * 365)
    persons = copy.deepcopy(SIGNAL["persons"])
    persons[0]["birth_date"] = born.isoformat()[:4]
    signal_id = make_signal(client, world.ngo_worker, persons=persons)
    r = refer(client, world.ngo_worker, signal_id, "assistance_system", False)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["child"] is True and body["anonymous"] is False and body["basis"] == "statutory"
    got = client.get(f"/api/v1/signals/{signal_id}", headers=world.assistance_caseworker.auth)
    assert got.status_code == 200 and VICTIM_NAME in got.text


def test_assistance_case_through_its_decisions(client: Any, world: Any, ctx: AppContext) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    r = refer(client, world.ngo_worker, signal_id, "assistance_system", True)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    cw = world.assistance_caseworker
    queue = client.get("/api/v1/referrals?direction=incoming&open=true", headers=cw.auth).json()
    item = next(i for i in queue["items"] if i["id"] == rid)
    assert item["clock"]["clock"] == "assistance.admission"
    assert item["clock"]["overdue"] is False
    assert item["allowed_decisions"] == ["admit", "decline"]
    # Refused transitions change nothing and say what is allowed.
    bad = decide(client, cw, rid, "identify_victim")
    assert bad.status_code == 409
    assert "admit" in bad.json()["error"]["message"]
    # The referrer cannot decide.
    assert decide(client, world.ngo_worker, rid, "admit").status_code == 403
    admitted = decide(client, cw, rid, "admit")
    assert admitted.status_code == 201, admitted.text
    a = admitted.json()
    assert a["status"] == "admitted"
    assert a["recovery_period_ends_on"] is not None
    assert a["clock"]["clock"] == "assistance.identification"
    svc = client.post(
        f"/api/v1/referrals/{rid}/services",
        json={"service_type": "accommodation", "provider": "Turvakoti", "starts_on": "2026-11-02"},
        headers=cw.auth,
    )
    assert svc.status_code == 201, svc.text
    assert svc.json()["htcds_type"] == "SocialCare"
    bad_svc = client.post(
        f"/api/v1/referrals/{rid}/services",
        json={"service_type": "spa", "starts_on": "2026-11-02"},
        headers=cw.auth,
    )
    assert bad_svc.status_code == 422
    assert decide(client, cw, rid, "identify_victim").json()["status"] == "identified"
    note = client.post(
        f"/api/v1/referrals/{rid}/notes",
        json={"kind": "assessment", "text": "Asiakas on vakaa; tulkki tarvitaan."},
        headers=cw.auth,
    )
    assert note.status_code == 201, note.text
    exited = decide(client, cw, rid, "exit").json()
    assert exited["status"] == "exited"
    assert exited["services"][0]["ends_on"] is not None
    assert [d["decision"] for d in exited["decisions"]] == ["admit", "identify_victim", "exit"]
    # The referrer, with consent, follows the status but not the reasons or the plan.
    mine = client.get(f"/api/v1/referrals/{rid}", headers=world.ngo_worker.auth).json()
    assert mine["status"] == "exited"
    assert [d["reason"] for d in mine["decisions"]] == [None, None, None]
    assert mine["services"] == [] and mine["notes"] == []
    # The timeline tells the story in order to the holder of the signal.
    tl = client.get(f"/api/v1/signals/{signal_id}/timeline", headers=world.ngo_worker.auth)
    assert tl.status_code == 200
    kinds = [i["kind"] for i in tl.json()]
    assert kinds[0] == "signal" and "referral" in kinds and kinds.count("decision") == 3
    first = tl.json()[0]
    assert (first["actor"], first["organisation"]) == ("Chiamaka Eze", "Pro-tuki ry (testi)")
    # The referrer sees the decisions, but neither who took them nor why.
    decisions = [i for i in tl.json() if i["kind"] == "decision"]
    assert all(d["actor"] is None and d["detail"] is None for d in decisions)
    assert {d["organisation"] for d in decisions} == {"Ihmiskaupan uhrien auttamisjärjestelmä"}
    # The receiver sees its own notes and reasons, with names.
    theirs = client.get(f"/api/v1/signals/{signal_id}/timeline", headers=cw.auth).json()
    note = next(i for i in theirs if i["kind"] == "note")
    assert note["note_kind"] == "assessment" and note["actor"] == "Nguyen Thi Lan"
    with unit_of_work(ctx.db) as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.record_id == rid, AuditEvent.outcome == "ok"
                )
            )
        )
    assert actions.count("referral.decide") == 3
    assert "support.service_add" in actions and "note.create" in actions
    with unit_of_work(ctx.db) as session:
        refused = session.scalar(
            select(AuditEvent.outcome).where(
                AuditEvent.record_id == rid,
                AuditEvent.actor_user_id == world.ngo_worker.user_id,
                AuditEvent.action == "referral.decide",
            )
        )
    assert refused == "denied"


def test_second_open_referral_to_the_same_receiver_is_refused(client: Any, world: Any) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    assert refer(client, world.ngo_worker, signal_id, "police", True).status_code == 201
    again = refer(client, world.ngo_worker, signal_id, "police", True)
    assert again.status_code == 409


@pytest.mark.parametrize(
    "persona", ["admin", "analyst", "helsinki_investigator", "municipality_caseworker"]
)
def test_outsiders_cannot_refer_a_signal(client: Any, world: Any, persona: str) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    r = refer(client, getattr(world, persona), signal_id, "police", True)
    assert r.status_code == 404


GROUNDS = ["AL-DR-1", "AL-DR-8", "AL-EC-1", "AL-EC-4", "AL-CD-1", "AL-CD-14"]


def screen(client: Any, persona: Any, signal_id: str, profile: str, codes: list[str]) -> Any:
    return client.post(
        f"/api/v1/signals/{signal_id}/screenings?lang=fi",
        json={"profile": profile, "indicators": codes},
        headers=persona.auth,
    )


def test_screening_explains_and_is_kept_with_its_catalogue_version(
    client: Any, world: Any, ctx: AppContext
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    r = screen(client, world.ngo_worker, signal_id, "adult_labour", GROUNDS)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["grounds_to_refer"] is True
    assert body["catalogue_version"].startswith("ilo-ec-2009")
    by_dim = {d["dimension"]: d for d in body["dimensions"]}
    assert by_dim["deceptive_recruitment"]["positive"] is True
    assert "AL-DR-1" in by_dim["deceptive_recruitment"]["explanation"]
    assert by_dim["abuse_of_vulnerability_at_destination"]["positive"] is False
    assert "tunnistettu" not in body["explanation"].lower()  # grounds to refer, not identified
    # Without the means at destination an adult gives no grounds; the screening is redone.
    redo = screen(client, world.ngo_worker, signal_id, "adult_labour", GROUNDS[:4])
    assert redo.json()["grounds_to_refer"] is False
    listed = client.get(
        f"/api/v1/signals/{signal_id}/screenings", headers=world.ngo_worker.auth
    ).json()
    assert [s["grounds_to_refer"] for s in listed] == [False, True]  # newest first
    # The latest screening travels with an anonymous notification: codes, no text.
    ref = refer(client, world.ngo_worker, signal_id, "assistance_system", False).json()
    seen = client.get(
        f"/api/v1/referrals/{ref['id']}", headers=world.assistance_caseworker.auth
    ).json()
    assert seen["anonymous_summary"]["grounds_to_refer"] is False
    assert seen["anonymous_summary"]["positive_dimensions"] == [
        "deceptive_recruitment",
        "exploitative_conditions",
    ]


@pytest.mark.parametrize(
    ("profile", "codes", "fragment"),
    [
        ("adult_labour", ["AL-DR-1", "XX-1"], "XX-1"),
        ("adult_labour", ["AS-DR-1"], "AS-DR-1"),  # another profile's indicator
        ("adult_gardening", [], "adult_gardening"),
        ("adult_labour", ["AL-DR-1'; DROP TABLE screenings;--"], "indicator"),
    ],
)
def test_bad_screening_is_refused_and_stores_nothing(
    client: Any, world: Any, ctx: AppContext, profile: str, codes: list[str], fragment: str
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    r = screen(client, world.ngo_worker, signal_id, profile, codes)
    assert r.status_code == 422
    assert fragment in r.text
    listed = client.get(f"/api/v1/signals/{signal_id}/screenings", headers=world.ngo_worker.auth)
    assert listed.json() == []


def test_a_child_screening_makes_the_referral_a_childs(client: Any, world: Any) -> None:
    persons = copy.deepcopy(SIGNAL["persons"])
    persons[0].pop("birth_date")
    signal_id = make_signal(client, world.ngo_worker, persons=persons)
    assert screen(client, world.ngo_worker, signal_id, "child_labour", []).status_code == 201
    ref = refer(client, world.ngo_worker, signal_id, "police", False).json()
    assert ref["child"] is True and ref["anonymous"] is False and ref["basis"] == "statutory"


def test_catalogue_lists_four_ilo_profiles_in_three_languages(client: Any, world: Any) -> None:
    r = client.get("/api/v1/screening/catalogue", headers=world.analyst.auth)
    assert r.status_code == 200
    body = r.json()
    profiles = {p["code"] for p in body["profiles"]}
    assert {"adult_labour", "adult_sexual", "child_labour", "child_sexual"} <= profiles
    first = body["indicators"][0]
    assert set(first) >= {"code", "profile", "dimension", "strength", "text"}
    assert all(first["text"][lang] for lang in ("fi", "sv", "en"))


def test_the_designated_investigators_are_told_when_the_registry_names_them(
    client: Any, world: Any, ctx: AppContext
) -> None:
    from datetime import date

    from opennrm.auth import actions as auth_actions
    from opennrm.investigations.models import DesignatedInvestigator

    with unit_of_work(ctx.db) as session:
        other = auth_actions.create_user(
            session,
            email="toinen.tutkija@example.org",
            name="Eveliina Koskinen",
            organisation_id=world.orgs["itauusimaa"],
            roles=["investigator"],
            password="Tutkija-salasana-2026",
        )
        other_id = other.id
        # The registry names Tuomas Lehtonen; Eveliina Koskinen's term has ended.
        for user_id, until in (
            (world.itauusimaa_investigator.user_id, None),
            (other_id, date(2026, 1, 31)),
        ):
            session.add(
                DesignatedInvestigator(
                    organisation_id=world.orgs["itauusimaa"],
                    user_id=user_id,
                    function="designated",
                    since=date(2025, 1, 1),
                    until=until,
                    created_by=world.itauusimaa_investigator.user_id,
                )
            )
    signal_id = make_signal(client, world.ngo_worker)
    referral = refer(client, world.ngo_worker, signal_id, "police", True).json()
    with unit_of_work(ctx.db) as session:
        told = set(
            session.scalars(
                select(Notification.user_id).where(Notification.record_id == referral["id"])
            )
        )
    assert told == {world.itauusimaa_investigator.user_id}
