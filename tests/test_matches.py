"""Exact matches across organisations: full links where visible, hit/no-hit otherwise."""

from __future__ import annotations

from sqlalchemy import func, select

from opennrm.audit.models import AuditEvent
from opennrm.notifications.models import Notification


def _signal(
    client,
    who,
    *,
    phones=(),
    names=("Trần Văn Minh",),
    business_id=None,  # type: ignore[no-untyped-def]
    identifiers=(),
):
    body = {
        "exploitation_types": ["labour"],
        "summary": "Berry pickers housed in a barn; recruiter takes a fee from every wage.",
        "municipality": "Kuopio",
        "persons": [
            {
                "role": "victim",
                "names": list(names),
                "phones": list(phones),
                "identifiers": list(identifiers),
            }
        ],
        "organisations": [{"name": "Marjatila Esimerkki Oy", "business_id": business_id}]
        if business_id
        else [],
        "consent": {"to_police": True},
    }
    r = client.post("/api/v1/signals", headers=who.auth, json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_a_match_in_an_invisible_record_is_only_a_hit(client, world, ctx):  # type: ignore[no-untyped-def]
    # The municipality saw one phone written one way; the NGO, the same phone another way.
    held = _signal(
        client, world.municipality_caseworker, phones=["+84 91 234 5678"], names=["Tran Van Minh"]
    )
    mine = _signal(client, world.ngo_worker, phones=["0084912345678"])
    r = client.get(f"/api/v1/signals/{mine}/matches", headers=world.ngo_worker.auth)
    assert r.status_code == 200
    [hit] = r.json()
    assert hit["hit"] is True
    # The same phone, and a person the engine links (Trần Văn Minh / Tran Van Minh).
    assert hit["matched_on"] == ["person", "phone"]
    assert hit["explanation"] is None and hit["candidate_id"] is None
    assert hit["signal_id"] is None  # not even the id of the other record
    assert hit["contact_organisation"]["organisation_id"] == world.orgs["vantaa"]
    assert hit["contact_organisation"]["contact_email"] == "vantaa@example.fi"
    assert 0 < hit["strength"] <= 1
    with ctx.db.transaction() as s:
        told = s.scalars(select(Notification).where(Notification.record_id == held)).all()
        asked = s.scalars(
            select(AuditEvent).where(
                AuditEvent.record_id == held, AuditEvent.action == "signal.match_hit"
            )
        )
        assert [e.actor_org_id for e in asked] == [world.orgs["ngo"]]
    # The holder's author is told that someone found a match, and who.
    assert [n.user_id for n in told] == [world.municipality_caseworker.user_id]
    assert "Pro-tuki ry" in told[0].message


def test_a_match_in_a_visible_record_is_shown_in_full(client, world):  # type: ignore[no-untyped-def]
    first = _signal(client, world.ngo_worker, identifiers=["C1234567"], business_id="0112038-9")
    second = _signal(client, world.ngo_worker, identifiers=["C1234567"], business_id="0112038-9")
    [match] = client.get(f"/api/v1/signals/{second}/matches", headers=world.ngo_worker.auth).json()
    assert match["signal_id"] == first
    assert match["record_type"] == "signal" and match["record_id"] == first
    assert match["matched_on"] == ["business_id", "identifier", "person"]
    assert match["contact_organisation"] is None
    assert match["strength"] > 0.99
    # The reader sees both records, so the explanation names what they share.
    assert match["link_status"] == "open"
    assert "same identifier C1234567" in match["explanation"]
    assert "names equal" in match["explanation"]


def test_police_matches_do_not_reach_partners_unless_configured(client, world, ctx):  # type: ignore[no-untyped-def]
    _signal(client, world.helsinki_investigator, phones=["+358 40 765 4321"])
    mine = _signal(client, world.ngo_worker, phones=["040 7654321"])
    assert client.get(f"/api/v1/signals/{mine}/matches", headers=world.ngo_worker.auth).json() == []
    ctx.settings.police_hits_to_partners = True
    [hit] = client.get(f"/api/v1/signals/{mine}/matches", headers=world.ngo_worker.auth).json()
    assert hit["contact_organisation"]["type"] == "police"


def test_no_identifiers_no_matches_and_the_search_is_audited(client, world, ctx):  # type: ignore[no-untyped-def]
    sid = _signal(client, world.ngo_worker)
    assert client.get(f"/api/v1/signals/{sid}/matches", headers=world.ngo_worker.auth).json() == []
    with ctx.db.transaction() as s:
        n = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.record_id == sid, AuditEvent.action == "signal.match")
        )
    assert n == 1


def test_matches_of_a_record_one_cannot_see_are_not_found(client, world):  # type: ignore[no-untyped-def]
    sid = _signal(client, world.ngo_worker, phones=["+358 50 111 2233"])
    r = client.get(f"/api/v1/signals/{sid}/matches", headers=world.sisasuomi_investigator.auth)
    assert r.status_code == 404


def test_an_investigation_sees_a_person_link_to_an_ngo_signal_only_as_a_hit(client, world, ctx):  # type: ignore[no-untyped-def]
    held = _signal(
        client,
        world.ngo_worker,
        names=("Wongsakul Somchai",),
        phones=["+66 81 234 5678"],
    )
    body = {
        "offences": ["RL-25-3"],
        "summary": "Berry pickers' recruiter takes a fee from every wage and keeps passports.",
        "persons": [
            {
                "category": "victim",
                "names": ["Somchai Wongsakul", "สมชาย วงศ์สกุล"],
                "nationality": "TH",
                "phones": ["0066812345678"],
            }
        ],
    }
    r = client.post("/api/v1/investigations", json=body, headers=world.helsinki_investigator.auth)
    assert r.status_code == 201, r.text
    inv = r.json()["id"]
    path = f"/api/v1/investigations/{inv}/matches"
    assert client.get(path, headers=world.helsinki_investigator.auth).status_code == 422
    r = client.get(
        path, headers={**world.helsinki_investigator.auth, "X-Purpose": "esitutkinta: uhrit"}
    )
    assert r.status_code == 200, r.text
    [hit] = r.json()
    assert hit["matched_on"] == ["person"]
    assert hit["record_id"] is None and hit["explanation"] is None  # nothing of the signal
    assert hit["contact_organisation"]["organisation_id"] == world.orgs["ngo"]
    with ctx.db.transaction() as s:
        search = s.scalars(
            select(AuditEvent).where(
                AuditEvent.record_id == inv, AuditEvent.action == "investigation.match"
            )
        ).one()
        told = s.scalars(select(Notification).where(Notification.record_id == held)).all()
    assert search.detail == {"matches": 1, "hidden": 1}
    assert told and "found a match" in told[0].message
    # Another police department may not even learn that the investigation exists.
    other = client.get(path, headers={**world.lappi_investigator.auth, "X-Purpose": "tarkistus"})
    assert other.status_code == 404
