"""The signal API end to end: normalisation, encryption at rest, idempotency, shares and
their revocation or expiry, lists, updates, and the audit trail of every read."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, text, update

from opennrm.audit.models import AuditEvent
from opennrm.auth.actions import actor_for
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.policy import rowsecurity
from opennrm.policy.models import Share
from opennrm.signals.actions import create_signal, identifiers_context, summary_context
from opennrm.signals.schemas import SignalIn
from opennrm.uow import unit_of_work

SUMMARY = (
    "Kaksi vietnamilaista kynsistudion työntekijää Kuopiossa: palkka maksetaan "
    "'velkaa' vastaan, asuvat studion takahuoneessa. Esimies uhkailee puhelimessa."
)
VICTIM_PASSPORT = "C2345678"
SUSPECT_PASSPORT = "FX1234567"

SIGNAL: dict[str, Any] = {
    "exploitation_types": ["labour", "servitude"],
    "summary": SUMMARY,
    "occurred_on": "2026-05",
    "municipality": "Kuopio",
    "persons": [
        {
            "role": "victim",
            "names": ["Trần Thị Mai", "Tran Thi Mai"],
            "birth_date": "1997-11-03",
            "gender": "female",
            "nationality": "VN",
            "phones": ["+84 912 345 678"],
            "emails": ["mai.tran97@example.com"],
            "identifiers": [VICTIM_PASSPORT],
        },
        {
            "role": "suspect",
            "names": ["Олександр Коваленко", "Oleksandr Kovalenko"],
            "gender": "male",
            "nationality": "UA",
            "phones": ["040 123 4567"],
            "identifiers": [SUSPECT_PASSPORT],
        },
    ],
    "organisations": [{"name": "Kuopion Kynsikulma Oy", "business_id": "0112038-9"}],
    "addresses": ["Puijonkatu 19, 70100 Kuopio"],
    "indicators": ["L-DR-1"],
    "consent": {"to_assistance_system": True, "to_police": True},
}


# --- helpers -------------------------------------------------------------------------------


def create(client: Any, persona: Any, body: dict[str, Any] | None = None, **headers: str) -> Any:
    r = client.post("/api/v1/signals", headers={**persona.auth, **headers}, json=body or SIGNAL)
    assert r.status_code in (200, 201), r.text
    return r


def share(
    client: Any,
    world: Any,
    sid: str,
    org: str = "helsinki",
    *,
    scope: str = "full",
    basis: str = "consent",
) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/signals/{sid}/shares",
        headers=world.ngo_worker.auth,
        json={
            "organisation_id": world.orgs[org],
            "basis": basis,
            "expires_on": (utcnow().date() + timedelta(days=60)).isoformat(),
            "scope": scope,
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def events(ctx: AppContext, record_id: str, action: str | None = None) -> list[AuditEvent]:
    with unit_of_work(ctx.db) as session:
        stmt = select(AuditEvent).where(AuditEvent.record_id == record_id).order_by(AuditEvent.seq)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        return list(session.scalars(stmt))


def raw_rows(ctx: AppContext, sql: str, **params: Any) -> list[Any]:
    with ctx.db.engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


FULL_FIELDS = sorted(
    [
        "addresses",
        "consent",
        "exploitation_types",
        "indicators",
        "municipality",
        "occurred_on",
        "organisations",
        "persons",
        "summary",
    ]
)
SUMMARY_FIELDS = sorted(
    ["consent", "exploitation_types", "indicators", "municipality", "occurred_on", "summary"]
)


# --- create -----------------------------------------------------------------------------------


def test_create_normalises_phones_to_e164_and_keeps_scripts(client, world):
    body = create(client, world.ngo_worker).json()
    victim, suspect = body["persons"]
    assert victim["phones"] == ["+84912345678"]
    assert suspect["phones"] == ["+358401234567"]
    assert victim["names"] == ["Trần Thị Mai", "Tran Thi Mai"]
    assert suspect["names"] == ["Олександр Коваленко", "Oleksandr Kovalenko"]
    assert victim["identifiers"] == [VICTIM_PASSPORT]
    assert victim["birth_date"] == "1997-11-03"
    assert body["occurred_on"] == "2026-05"
    assert body["organisation_id"] == world.ngo_worker.organisation_id
    assert body["created_by"] == world.ngo_worker.user_id
    assert body["access"] == {"via": "owner", "scope": "full"}
    assert body["redacted"] is False


def test_summary_and_identifiers_are_encrypted_at_rest(client, world, ctx):
    sid = create(client, world.ngo_worker).json()["id"]
    [(summary_enc,)] = raw_rows(ctx, "SELECT summary_enc FROM signals WHERE id = :id", id=sid)
    summary_enc = bytes(summary_enc)
    for plain in (SUMMARY, "Kuopiossa", "kynsistudion", "takahuoneessa"):
        assert plain.encode() not in summary_enc
    # It is the ciphertext of the summary, bound to this row.
    assert ctx.cipher.decrypt(summary_enc, summary_context(sid)) == SUMMARY
    with pytest.raises(InvalidTag):
        ctx.cipher.decrypt(summary_enc, summary_context("another-signal"))

    persons = raw_rows(
        ctx,
        "SELECT id, identifiers_enc FROM signal_persons WHERE signal_id = :id ORDER BY position",
        id=sid,
    )
    assert len(persons) == 2
    for (pid, enc), passport in zip(persons, (VICTIM_PASSPORT, SUSPECT_PASSPORT), strict=True):
        enc = bytes(enc)
        assert passport.encode() not in enc
        assert passport in ctx.cipher.decrypt(enc, identifiers_context(pid))
    # Nor does any identifier table hold them, or the phones, in the clear.
    blind = raw_rows(
        ctx, "SELECT kind, blind_index FROM signal_identifiers WHERE signal_id = :id", id=sid
    )
    dumped = repr(blind)
    for plain in (VICTIM_PASSPORT, SUSPECT_PASSPORT, "+358401234567", "+84912345678"):
        assert plain not in dumped


def test_blind_indexes_are_keyed_hex_and_equal_for_one_phone_written_two_ways(client, world, ctx):
    first = create(client, world.ngo_worker).json()["id"]
    other = {
        "exploitation_types": ["labour"],
        "summary": "Sama esimies soitti toiselle työntekijälle.",
        "persons": [
            {
                "role": "suspect",
                "names": ["Oleksandr Kovalenko"],
                "phones": ["00358 40-123 45 67"],
            }
        ],
    }
    second = create(client, world.ngo_supervisor, other).json()["id"]

    def phones(sid: str) -> list[str]:
        return [
            r[0]
            for r in raw_rows(
                ctx,
                "SELECT blind_index FROM signal_identifiers WHERE signal_id = :id "
                "AND kind = 'phone' ORDER BY id",
                id=sid,
            )
        ]

    a, b = phones(first), phones(second)
    assert len(a) == 2 and len(b) == 1
    for value in a + b:
        assert re.fullmatch(r"[0-9a-f]{64}", value)
    # The Ukrainian's "040 123 4567" and "00358 40-123 45 67" are one number, one index.
    assert b[0] == a[1]
    assert a[0] != a[1]
    # Keyed: not a plain hash anyone could compute from a guessed number.
    for guess in ("+358401234567", "phone:+358401234567"):
        assert b[0] != hashlib.sha256(guess.encode()).hexdigest()
    assert b[0] == ctx.cipher.blind_index("phone", "+358401234567")
    kinds = sorted(
        r[0]
        for r in raw_rows(
            ctx, "SELECT kind FROM signal_identifiers WHERE signal_id = :id", id=first
        )
    )
    assert kinds == ["business_id", "email", "identifier", "identifier", "phone", "phone"]


def test_idempotency_key_returns_the_first_signal(client, world, ctx):
    key = "ngo-intake-2026-11-0042"
    first = create(client, world.ngo_worker, **{"Idempotency-Key": key})
    assert first.status_code == 201
    retry = create(client, world.ngo_worker, **{"Idempotency-Key": key})
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["persons"] == first.json()["persons"]
    rows = raw_rows(ctx, "SELECT id FROM signals WHERE idempotency_key = :k", k=key)
    assert [r[0] for r in rows] == [first.json()["id"]]
    persons = raw_rows(
        ctx, "SELECT count(*) FROM signal_persons WHERE signal_id = :id", id=first.json()["id"]
    )
    assert persons[0][0] == 2
    assert len(events(ctx, first.json()["id"], "signal.create")) == 1

    # The key is the client's own: a colleague using the same key records a new signal.
    colleague = create(client, world.ngo_supervisor, **{"Idempotency-Key": key})
    assert colleague.status_code == 201
    assert colleague.json()["id"] != first.json()["id"]
    # Without a key, a second post is a second signal.
    assert create(client, world.ngo_worker).json()["id"] != first.json()["id"]


def test_a_retry_overlapping_the_first_attempt_gets_the_first_signal(ctx, world):
    """A client whose first attempt timed out retries while that attempt still runs: the
    retry waits on the unique key, then gets the first signal (it used to be a 500)."""
    key = "ngo-intake-2026-11-0077"
    data = SignalIn.model_validate(SIGNAL)
    with unit_of_work(ctx.db) as session:
        user = session.get(User, world.ngo_worker.user_id)
        assert user is not None
        actor = actor_for(session, user)
    retried: list[tuple[str, bool]] = []

    def retry() -> None:
        rowsecurity.bind(actor)  # this thread stands for the client's second request
        with unit_of_work(ctx.db) as session:
            signal, created = create_signal(
                session, data, actor=actor, cipher=ctx.cipher, idempotency_key=key
            )
            retried.append((signal.id, created))

    with unit_of_work(ctx.db) as session:
        first, created = create_signal(
            session, data, actor=actor, cipher=ctx.cipher, idempotency_key=key
        )
        assert created
        thread = threading.Thread(target=retry)
        thread.start()
        if ctx.db.engine.dialect.name == "postgresql":
            # Commit only once the retry waits on the key. (SQLite runs one write
            # transaction at a time: there the retry waits for the connection instead.)
            wait_for_a_lock_wait(ctx)
    thread.join(timeout=60)
    assert retried == [(first.id, False)]
    assert raw_rows(ctx, "SELECT count(*) FROM signals WHERE idempotency_key = :k", k=key) == [(1,)]
    assert len(events(ctx, first.id, "signal.create")) == 1


def wait_for_a_lock_wait(ctx: AppContext) -> None:
    """Return once another backend of this database waits on a lock (60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        waiting = raw_rows(
            ctx,
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        if waiting[0][0] > 0:
            return
        time.sleep(0.05)
    raise AssertionError("the retry never reached the unique key")


# --- shares ---------------------------------------------------------------------------------


def test_share_with_consent_lets_the_police_read_and_revoke_stops_it(client, world, ctx):
    sid = create(client, world.ngo_worker).json()["id"]
    investigator = world.helsinki_investigator
    assert client.get(f"/api/v1/signals/{sid}", headers=investigator.auth).status_code == 404

    s = share(client, world, sid)
    assert s["organisation_name"] == "Helsingin poliisilaitos"
    assert (s["basis"], s["scope"], s["active"]) == ("consent", "full", True)

    got = client.get(f"/api/v1/signals/{sid}", headers=investigator.auth)
    assert got.status_code == 200
    body = got.json()
    assert body["access"] == {"via": "share", "scope": "full"}
    assert [p["names"][0] for p in body["persons"]] == ["Trần Thị Mai", "Олександр Коваленко"]
    assert body["summary"] == SUMMARY
    # Another police department, without a share, still sees nothing.
    assert (
        client.get(f"/api/v1/signals/{sid}", headers=world.sisasuomi_investigator.auth).status_code
        == 404
    )

    r = client.delete(
        f"/api/v1/signals/{sid}/shares/{s['id']}",
        headers=world.ngo_worker.auth,
        params={"reason": "Suostumus peruttu"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False
    assert r.json()["revoke_reason"] == "Suostumus peruttu"

    after = client.get(f"/api/v1/signals/{sid}", headers=investigator.auth)
    assert after.status_code == 404
    assert after.json() == {"error": {"code": "not_found", "message": "Not found."}}
    listed = client.get("/api/v1/signals?kind=shared", headers=investigator.auth).json()
    assert listed["items"] == [] and listed["total"] == 0
    [revoke] = events(ctx, sid, "signal.revoke_share")
    assert revoke.detail == {"share_id": s["id"], "grantee": world.orgs["helsinki"]}


def test_summary_scope_share_shows_no_persons(client, world, ctx):
    sid = create(client, world.ngo_worker).json()["id"]
    share(client, world, sid, "assistance", scope="summary")
    got = client.get(f"/api/v1/signals/{sid}", headers=world.assistance_caseworker.auth)
    assert got.status_code == 200
    body = got.json()
    assert body["redacted"] is True
    assert body["access"] == {"via": "share", "scope": "summary"}
    assert body["persons"] == [] and body["organisations"] == [] and body["addresses"] == []
    assert body["summary"] == SUMMARY
    assert "Trần" not in got.text and "+84912345678" not in got.text
    assert VICTIM_PASSPORT not in got.text and "Puijonkatu" not in got.text
    reads = [
        e
        for e in events(ctx, sid, "signal.read")
        if e.actor_user_id == world.assistance_caseworker.user_id
    ]
    assert [(e.fields, e.detail) for e in reads] == [
        (SUMMARY_FIELDS, {"via": "share", "scope": "summary"})
    ]


def test_an_expired_share_no_longer_opens_the_signal(client, world, ctx):
    sid = create(client, world.ngo_worker).json()["id"]
    s = share(client, world, sid)
    investigator = world.helsinki_investigator
    assert client.get(f"/api/v1/signals/{sid}", headers=investigator.auth).status_code == 200
    with unit_of_work(ctx.db) as session:
        session.execute(
            update(Share)
            .where(Share.id == s["id"])
            .values(expires_on=utcnow().date() - timedelta(days=1))
        )
    assert client.get(f"/api/v1/signals/{sid}", headers=investigator.auth).status_code == 404
    assert client.get("/api/v1/signals?kind=shared", headers=investigator.auth).json()["total"] == 0
    shares = client.get(f"/api/v1/signals/{sid}/shares", headers=world.ngo_worker.auth).json()
    assert [(x["id"], x["active"]) for x in shares] == [(s["id"], False)]


def test_list_mine_and_shared(client, world):
    ngo_a = create(client, world.ngo_worker).json()["id"]
    ngo_b = create(client, world.ngo_worker).json()["id"]
    police = create(
        client,
        world.helsinki_investigator,
        {
            "exploitation_types": ["sexual"],
            "summary": "Ilmoitus hierontapaikasta Kalliossa; kaksi thaimaalaista naista.",
            "municipality": "Helsinki",
        },
    ).json()["id"]
    share(client, world, ngo_a)

    def ids(persona: Any, kind: str) -> set[str]:
        r = client.get(f"/api/v1/signals?kind={kind}", headers=persona.auth)
        assert r.status_code == 200
        page = r.json()
        assert page["total"] == len(page["items"])
        return {i["id"] for i in page["items"]}

    investigator = world.helsinki_investigator
    assert ids(investigator, "mine") == {police}
    assert ids(investigator, "shared") == {ngo_a}
    assert ids(investigator, "all") == {police, ngo_a}
    assert ids(world.ngo_worker, "mine") == {ngo_a, ngo_b}
    assert ids(world.ngo_worker, "shared") == set()
    assert ids(world.sisasuomi_investigator, "all") == set()

    items = client.get("/api/v1/signals?kind=shared", headers=investigator.auth).json()["items"]
    assert items[0]["organisation_name"] == "Pro-tuki ry (testi)"
    assert items[0]["person_count"] == 2
    assert items[0]["access"]["via"] == "share"
    # The list shows no summary or persons: those are read one by one, audited.
    assert "summary" not in items[0] and "persons" not in items[0]


def test_pagination_is_stable_and_complete(client, world):
    created = {create(client, world.ngo_worker).json()["id"] for _ in range(5)}
    seen: list[str] = []
    for offset in range(0, 6, 2):
        page = client.get(
            f"/api/v1/signals?kind=mine&limit=2&offset={offset}", headers=world.ngo_worker.auth
        ).json()
        assert page["total"] == 5
        seen += [i["id"] for i in page["items"]]
    assert len(seen) == 5 and set(seen) == created


# --- updates ---------------------------------------------------------------------------------


def test_owner_updates_summary_and_consent_and_it_is_audited(client, world, ctx):
    body = dict(SIGNAL, consent={"to_assistance_system": True, "to_police": False})
    sid = create(client, world.ngo_worker, body).json()["id"]
    new_summary = "Täydennys: myös kolmas työntekijä, Phạm Văn Đức, asuu takahuoneessa."
    r = client.patch(
        f"/api/v1/signals/{sid}",
        headers=world.ngo_worker.auth,
        json={"summary": new_summary, "consent": {"to_police": True}},
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["summary"] == new_summary
    # A partial consent change keeps the consent it does not mention.
    assert got["consent"] == {"to_assistance_system": True, "to_police": True}
    assert got["persons"][0]["names"][0] == "Trần Thị Mai"  # untouched

    [(enc,)] = raw_rows(ctx, "SELECT summary_enc FROM signals WHERE id = :id", id=sid)
    assert ctx.cipher.decrypt(bytes(enc), summary_context(sid)) == new_summary
    assert new_summary.encode() not in bytes(enc)
    [upd] = events(ctx, sid, "signal.update")
    assert (upd.actor_user_id, upd.outcome, upd.fields) == (
        world.ngo_worker.user_id,
        "ok",
        ["consent", "summary"],
    )
    # The consent now allows a share with the police on that basis.
    share(client, world, sid)


def test_only_the_owner_updates(client, world, ctx):
    sid = create(client, world.ngo_worker).json()["id"]
    share(client, world, sid)
    change = {"summary": "Poliisin muokkaama kuvaus, jota ei pitäisi tallentaa."}
    shared_reader = client.patch(
        f"/api/v1/signals/{sid}", headers=world.helsinki_investigator.auth, json=change
    )
    assert shared_reader.status_code == 403
    assert shared_reader.json()["error"]["code"] == "forbidden"
    stranger = client.patch(
        f"/api/v1/signals/{sid}", headers=world.sisasuomi_investigator.auth, json=change
    )
    assert stranger.status_code == 404
    got = client.get(f"/api/v1/signals/{sid}", headers=world.ngo_worker.auth).json()
    assert got["summary"] == SUMMARY
    assert [e.outcome for e in events(ctx, sid, "signal.update")] == ["denied", "denied"]


# --- the audit trail -------------------------------------------------------------------------


def test_every_read_is_audited_with_fields_and_purpose(client, world, ctx):
    sid = create(client, world.ngo_worker).json()["id"]
    for purpose in ("case review", "referral to assistance system"):
        r = client.get(
            f"/api/v1/signals/{sid}", headers={**world.ngo_worker.auth, "X-Purpose": purpose}
        )
        assert r.status_code == 200
    client.get(f"/api/v1/signals/{sid}", headers=world.ngo_worker.auth)
    client.get(f"/api/v1/signals/{sid}", headers={**world.ngo_worker.auth, "X-Purpose": "   "})
    reads = events(ctx, sid, "signal.read")
    assert [(e.purpose, e.fields, e.actor_user_id) for e in reads] == [
        ("record the signal", FULL_FIELDS, world.ngo_worker.user_id),
        ("case review", FULL_FIELDS, world.ngo_worker.user_id),
        ("referral to assistance system", FULL_FIELDS, world.ngo_worker.user_id),
        (None, FULL_FIELDS, world.ngo_worker.user_id),
        (None, FULL_FIELDS, world.ngo_worker.user_id),
    ]
    assert all(e.actor_org_id == world.ngo_worker.organisation_id for e in reads)
    assert all(e.detail == {"via": "owner", "scope": "full"} for e in reads)


def test_the_trail_is_for_the_owning_dpo_only(client, world, ctx):
    sid = create(client, world.ngo_worker).json()["id"]
    client.get(f"/api/v1/signals/{sid}", headers={**world.ngo_worker.auth, "X-Purpose": "check"})
    s = share(client, world, sid)
    client.get(
        f"/api/v1/signals/{sid}",
        headers={**world.helsinki_investigator.auth, "X-Purpose": "esitutkinta"},
    )

    r = client.get("/api/v1/audit", params={"record_id": sid}, headers=world.dpo.auth)
    assert r.status_code == 200, r.text
    trail = r.json()
    assert [(e["action"], e["actor_user_id"], e["purpose"]) for e in trail] == [
        ("signal.create", world.ngo_worker.user_id, None),
        # Online matching of the new signal's persons, in the same transaction.
        ("linkage.match", world.ngo_worker.user_id, None),
        ("signal.read", world.ngo_worker.user_id, "record the signal"),
        ("signal.read", world.ngo_worker.user_id, "check"),
        ("signal.share", world.ngo_worker.user_id, None),
        ("signal.read", world.helsinki_investigator.user_id, "esitutkinta"),
    ]
    seqs = [e["seq"] for e in trail]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(e["record_id"] == sid and e["outcome"] == "ok" for e in trail)
    assert trail[4]["detail"]["share_id"] == s["id"]
    assert trail[4]["detail"]["basis"] == "consent"
    assert trail[5]["detail"] == {"via": "share", "scope": "full"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", e["hash"]) for e in trail)
    # The trail names fields, never their content.
    assert SUMMARY not in r.text and "Trần" not in r.text

    caseworker = client.get(
        "/api/v1/audit", params={"record_id": sid}, headers=world.ngo_worker.auth
    )
    assert caseworker.status_code == 403
    assert caseworker.json()["error"]["code"] == "forbidden"
    shared_reader = client.get(
        "/api/v1/audit", params={"record_id": sid}, headers=world.helsinki_investigator.auth
    )
    assert shared_reader.status_code == 403
    stranger = client.get(
        "/api/v1/audit", params={"record_id": sid}, headers=world.sisasuomi_investigator.auth
    )
    assert stranger.status_code == 404
    assert stranger.json() == {"error": {"code": "not_found", "message": "Not found."}}
    other_dpo = client.get(
        "/api/v1/audit", params={"record_id": sid}, headers=world.helsinki_dpo.auth
    )
    assert other_dpo.status_code == 404

    # The DPO's look is itself on the trail, and so are the refused looks.
    again = client.get("/api/v1/audit", params={"record_id": sid}, headers=world.dpo.auth).json()
    tail = [(e["action"], e["outcome"], e["actor_user_id"]) for e in again[len(trail) :]]
    assert tail == [
        ("audit.read", "ok", world.dpo.user_id),
        ("audit.read", "denied", world.ngo_worker.user_id),
        ("audit.read", "denied", world.helsinki_investigator.user_id),
        ("audit.read", "denied", world.sisasuomi_investigator.user_id),
        ("audit.read", "denied", world.helsinki_dpo.user_id),
    ]


def test_share_idempotency_key_returns_the_first_share(client, world, ctx):
    sid = create(client, world.ngo_worker).json()["id"]
    other = create(client, world.ngo_worker).json()["id"]
    body = {
        "organisation_id": world.orgs["helsinki"],
        "basis": "consent",
        "expires_on": (utcnow().date() + timedelta(days=60)).isoformat(),
    }
    key = {"Idempotency-Key": "share-helsinki-2026-11-0042"}

    def post(signal_id: str, persona: Any) -> Any:
        return client.post(
            f"/api/v1/signals/{signal_id}/shares", headers={**persona.auth, **key}, json=body
        )

    first = post(sid, world.ngo_worker)
    assert first.status_code == 201, first.text
    retry = post(sid, world.ngo_worker)
    assert retry.status_code == 200, retry.text
    assert retry.json() == first.json()
    rows = raw_rows(
        ctx, "SELECT id FROM shares WHERE idempotency_key = :k", k=key["Idempotency-Key"]
    )
    assert [r[0] for r in rows] == [first.json()["id"]]
    assert len(events(ctx, sid, "signal.share")) == 1

    # The same key for another signal is a client's mistake, not a retry: refused.
    misused = post(other, world.ngo_worker)
    assert misused.status_code == 409, misused.text
    assert events(ctx, other, "signal.share") == []
    # The key is the client's own: a colleague with the same key makes a share of its own.
    colleague = post(sid, world.ngo_supervisor)
    assert colleague.status_code == 201, colleague.text
    assert colleague.json()["id"] != first.json()["id"]
