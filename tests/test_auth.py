"""Sign-in, tokens, MFA, sessions, user administration and break-the-glass, end to end.

Every check looks at what came back *and* at what the database holds afterwards: the
audit trail, the token table, the throttle rows, the grants and the notifications.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import argon2
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from opennrm.app import create_app
from opennrm.audit.models import AuditEvent
from opennrm.auth import sessions
from opennrm.auth.actions import SIGN_IN_FAILED
from opennrm.auth.models import ApiToken, LoginThrottle, User, UserRole, WebSession
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
from opennrm.notifications.models import Notification
from opennrm.policy.models import BreakGlass
from opennrm.uow import unit_of_work
from tests.conftest import make_settings
from tests.personas import PASSWORD

TOKEN_URL = "/api/v1/auth/token"
UNKNOWN_EMAIL = "tuntematon.tyontekija@example.fi"
WRONG_PASSWORD = "Talvi-2025-vaara-salasana"

SIGNAL = {
    "exploitation_types": ["labour"],
    "summary": "Kasvihuoneella Närpiössä töissä 16 tuntia päivässä; passi on työnantajalla.",
    "occurred_on": "2026-06-12",
    "municipality": "Närpiö",
    "persons": [
        {
            "role": "victim",
            "names": ["Somchai Wongsakul", "Somchai Wongsaku"],
            "birth_date": "1988",
            "gender": "male",
            "nationality": "TH",
            "phones": ["+66 81 234 5678"],
        }
    ],
    "consent": {"to_assistance_system": True, "to_police": False},
}

FAILED_BODY = {"error": {"code": "unauthenticated", "message": SIGN_IN_FAILED}}


# --- helpers -------------------------------------------------------------------------------


def sign_in(client: TestClient, username: str, password: str, otp: str | None = None) -> Any:
    data = {"username": username, "password": password}
    if otp is not None:
        data["otp"] = otp
    return client.post(TOKEN_URL, data=data)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_rows(ctx: AppContext, action: str | None = None) -> list[AuditEvent]:
    with unit_of_work(ctx.db) as session:
        stmt = select(AuditEvent).order_by(AuditEvent.seq)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        return list(session.scalars(stmt))


def count(ctx: AppContext, model: Any, *where: Any) -> int:
    with unit_of_work(ctx.db) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def dump_table(ctx: AppContext, table: str) -> str:
    """Every value of every row of a table as one string, to search for leaked secrets."""
    with ctx.db.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608 - fixed names
    return json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)


def create_signal(client: TestClient, headers: dict[str, str], **changes: Any) -> str:
    r = client.post("/api/v1/signals", headers=headers, json={**SIGNAL, **changes})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def enrol_mfa(ctx: AppContext, user_id: str) -> pyotp.TOTP:
    """Enrol through the real enrolment functions, confirming with the previous step's
    code, so that the current step's code is still unused for the sign-in under test."""
    with unit_of_work(ctx.db) as session:
        user = session.get(User, user_id)
        assert user is not None
        secret, form_token = sessions.begin_mfa_enrolment(ctx.cipher, user)
        totp = pyotp.TOTP(secret)
        step = int(time.time() // 30)
        sessions.confirm_mfa_enrolment(
            session, ctx.cipher, user, form_token, totp.at((step - 1) * 30)
        )
    return totp


@pytest.fixture
def production(db_url: str, tmp_path: Path) -> Iterator[tuple[AppContext, TestClient]]:
    """The same database served with production settings (MFA required)."""
    settings = make_settings(db_url, tmp_path / "prod", env="production")
    pctx = AppContext.build(settings, Database(db_url))
    with TestClient(create_app(settings, pctx), base_url="https://testserver") as c:
        yield pctx, c
    pctx.db.dispose()


# --- the password grant ------------------------------------------------------------------------


def test_password_grant_gives_a_token_that_works_on_me(client, world, ctx):
    r = sign_in(client, "  Ngo.Worker@Example.ORG ", PASSWORD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].startswith("onrm_")
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == world.ngo_worker.email
    assert me.json()["organisation"]["id"] == world.ngo_worker.organisation_id
    # The token is valid for one day and recorded as a password grant of this user.
    with unit_of_work(ctx.db) as session:
        tok = session.scalar(
            select(ApiToken).where(
                ApiToken.user_id == world.ngo_worker.user_id, ApiToken.name == "password grant"
            )
        )
        assert tok is not None
        assert timedelta(hours=23) < tok.expires_at - utcnow() <= timedelta(days=1)
    logins = audit_rows(ctx, "auth.login")
    assert [(e.actor_user_id, e.outcome, e.detail) for e in logins] == [
        (world.ngo_worker.user_id, "ok", {"mfa": False})
    ]


def test_wrong_password_and_unknown_user_look_the_same_and_are_both_audited(client, world, ctx):
    before = len(audit_rows(ctx))
    wrong = sign_in(client, world.ngo_worker.email, WRONG_PASSWORD)
    unknown = sign_in(client, UNKNOWN_EMAIL, WRONG_PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == FAILED_BODY
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]

    new = audit_rows(ctx)[before:]
    assert [(e.action, e.outcome) for e in new] == [
        ("auth.login_failed", "denied"),
        ("auth.login_failed", "denied"),
    ]
    assert new[0].actor_user_id == world.ngo_worker.user_id
    assert new[1].actor_user_id is None
    assert new[0].detail["reason"] == new[1].detail["reason"] == "credentials"
    # Neither password, nor the unknown address, is kept anywhere in the trail.
    trail = dump_table(ctx, "audit_events")
    for secret in (WRONG_PASSWORD, PASSWORD, UNKNOWN_EMAIL):
        assert secret not in trail
    # No token was issued for either attempt.
    assert count(ctx, ApiToken, ApiToken.name == "password grant") == 0


def test_disabled_account_with_the_right_password_gets_the_same_answer(client, world, ctx):
    r = client.patch(
        f"/api/v1/admin/users/{world.ngo_frontline.user_id}",
        headers=world.admin.auth,
        json={"is_active": False},
    )
    assert r.status_code == 200, r.text
    refused = sign_in(client, world.ngo_frontline.email, PASSWORD)
    assert refused.status_code == 401
    assert refused.json() == FAILED_BODY


def test_unknown_user_costs_one_argon2_verification_like_a_wrong_password(
    client, world, monkeypatch
):
    """Equal work instead of equal time: each path runs exactly one argon2 verify."""
    calls: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def counting_verify(self: argon2.PasswordHasher, hash: str, password: str) -> bool:
        calls.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting_verify)
    with_user: dict[str, list[str]] = {}
    for label, username, password in (
        ("unknown", UNKNOWN_EMAIL, WRONG_PASSWORD),
        ("wrong", world.ngo_worker.email, WRONG_PASSWORD),
        ("right", world.ngo_supervisor.email, PASSWORD),
    ):
        calls.clear()
        sign_in(client, username, password)
        with_user[label] = list(calls)
    assert {k: len(v) for k, v in with_user.items()} == {"unknown": 1, "wrong": 1, "right": 1}
    # The unknown user is verified against an argon2id hash too (the dummy one), not skipped.
    assert with_user["unknown"][0].startswith("$argon2id$")
    assert with_user["unknown"][0] != with_user["wrong"][0]


# --- throttling ----------------------------------------------------------------------------


def test_failures_lock_the_account_and_the_client_even_with_the_right_password(
    app, client, world, ctx
):
    limit = ctx.settings.login_max_failures
    for _ in range(limit):
        r = sign_in(client, world.ngo_worker.email, WRONG_PASSWORD)
        assert r.json() == FAILED_BODY
    locked = {
        "error": {
            "code": "rate_limited",
            "message": "Too many failed sign-ins. Try again later.",
        }
    }
    right = sign_in(client, world.ngo_worker.email, PASSWORD)
    assert right.status_code == 429
    assert right.json() == locked
    # Counted per client too: another account from the same address is refused as well.
    colleague = sign_in(client, world.ngo_supervisor.email, PASSWORD)
    assert colleague.status_code == 429
    assert colleague.json() == locked
    assert count(ctx, ApiToken, ApiToken.name == "password grant") == 0

    # From another address, the locked account is still locked (counted per account) ...
    with TestClient(app, base_url="https://testserver", client=("192.0.2.45", 51000)) as other:
        assert sign_in(other, world.ngo_worker.email, PASSWORD).status_code == 429
        # ... while a colleague whose account was not attacked signs in normally.
        ok = sign_in(other, world.ngo_supervisor.email, PASSWORD)
        assert ok.status_code == 200, ok.text

    failed = audit_rows(ctx, "auth.login_failed")
    assert [e.detail["reason"] for e in failed] == ["credentials"] * limit + ["locked"] * 3
    with unit_of_work(ctx.db) as session:
        rows = list(session.scalars(select(LoginThrottle)))
    # Two keys (account, first client); keyed hashes, never the address itself.
    assert len(rows) == 2
    assert all(r.failures == limit and r.locked_until is not None for r in rows)
    assert all(len(r.key) == 64 and world.ngo_worker.email not in r.key for r in rows)
    assert world.ngo_worker.email not in dump_table(ctx, "login_throttle")


# --- TOTP ------------------------------------------------------------------------------------


def test_mfa_code_is_required_and_single_use(client, world, ctx):
    totp = enrol_mfa(ctx, world.ngo_worker.user_id)
    email = world.ngo_worker.email

    without = sign_in(client, email, PASSWORD)
    assert without.status_code == 401
    assert without.json() == FAILED_BODY

    code = totp.at(int(time.time() // 30) * 30)
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    assert sign_in(client, email, PASSWORD, otp=wrong_code).json() == FAILED_BODY

    ok = sign_in(client, email, PASSWORD, otp=code)
    assert ok.status_code == 200, ok.text
    me = client.get("/api/v1/me", headers=bearer(ok.json()["access_token"])).json()
    assert me["mfa_enabled"] is True

    replay = sign_in(client, email, PASSWORD, otp=code)
    assert replay.status_code == 401
    assert replay.json() == FAILED_BODY

    logins = audit_rows(ctx, "auth.login")
    assert [e.detail for e in logins] == [{"mfa": True}]
    # The TOTP secret is stored encrypted only.
    with unit_of_work(ctx.db) as session:
        user = session.get(User, world.ngo_worker.user_id)
        assert user is not None and user.mfa_secret_enc is not None
        assert totp.secret.encode() not in user.mfa_secret_enc
    assert totp.secret not in dump_table(ctx, "users")


def test_enrolment_refuses_a_wrong_code_and_another_users_form_token(ctx, world):
    from opennrm.errors import Invalid

    with unit_of_work(ctx.db) as session:
        worker = session.get(User, world.ngo_worker.user_id)
        other = session.get(User, world.ngo_supervisor.user_id)
        assert worker is not None and other is not None
        secret, form_token = sessions.begin_mfa_enrolment(ctx.cipher, worker)
        code = pyotp.TOTP(secret).now()
        with pytest.raises(Invalid, match="enrolment expired or was altered"):
            sessions.confirm_mfa_enrolment(session, ctx.cipher, other, form_token, code)
        with pytest.raises(Invalid, match="code is not right"):
            sessions.confirm_mfa_enrolment(
                session, ctx.cipher, worker, form_token, f"{(int(code) + 1) % 1_000_000:06d}"
            )
    with unit_of_work(ctx.db) as session:
        assert session.get(User, world.ngo_supervisor.user_id).mfa_secret_enc is None  # type: ignore[union-attr]
        assert session.get(User, world.ngo_worker.user_id).mfa_secret_enc is None  # type: ignore[union-attr]


def test_production_gives_no_token_without_mfa(production, world):
    pctx, c = production
    r = sign_in(c, world.ngo_worker.email, PASSWORD)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert "requires MFA" in r.json()["error"]["message"]
    assert count(pctx, ApiToken, ApiToken.name == "password grant") == 0
    assert count(pctx, AuditEvent, AuditEvent.action == "auth.login") == 0
    refused = audit_rows(pctx, "auth.login_failed")
    assert [(e.actor_user_id, e.detail["reason"]) for e in refused] == [
        (world.ngo_worker.user_id, "mfa_required")
    ]

    # An enrolled colleague, with a fresh code, gets a token in production.
    totp = enrol_mfa(pctx, world.ngo_supervisor.user_id)
    ok = sign_in(c, world.ngo_supervisor.email, PASSWORD, otp=totp.now())
    assert ok.status_code == 200, ok.text
    assert c.get("/api/v1/me", headers=bearer(ok.json()["access_token"])).status_code == 200
    assert "max-age=" in ok.headers["strict-transport-security"]


# --- changes take effect on the very next request -------------------------------------------


def test_disabling_a_user_stops_their_token_and_sessions_at_once(client, world, ctx):
    assert client.get("/api/v1/me", headers=world.ngo_worker.auth).status_code == 200
    with unit_of_work(ctx.db) as session:
        user = session.get(User, world.ngo_worker.user_id)
        raw_session, _ = sessions.start_session(session, user, mfa_passed=False)  # type: ignore[arg-type]

    r = client.patch(
        f"/api/v1/admin/users/{world.ngo_worker.user_id}",
        headers=world.admin.auth,
        json={"is_active": False},
    )
    assert r.status_code == 200, r.text
    assert r.json()["is_active"] is False

    after = client.get("/api/v1/me", headers=world.ngo_worker.auth)
    assert after.status_code == 401
    assert after.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "The token is unknown, expired or revoked.",
        }
    }
    with unit_of_work(ctx.db) as session:
        ws = session.get(WebSession, hashlib.sha256(raw_session.encode()).hexdigest())
        assert ws is not None and ws.ended_at is not None
        assert sessions.load_session(session, raw_session, ctx.timeouts) is None
    updates = audit_rows(ctx, "user.update")
    assert [(e.record_id, e.actor_user_id, e.fields) for e in updates] == [
        (world.ngo_worker.user_id, world.admin.user_id, ["is_active"])
    ]


def test_admin_manages_only_their_own_organisation_and_only_admins_manage(client, world, ctx):
    police = client.patch(
        f"/api/v1/admin/users/{world.helsinki_investigator.user_id}",
        headers=world.admin.auth,
        json={"is_active": False},
    )
    assert police.status_code == 404
    assert police.json()["error"]["code"] == "not_found"
    not_admin = client.patch(
        f"/api/v1/admin/users/{world.ngo_worker.user_id}",
        headers=world.ngo_supervisor.auth,
        json={"is_active": False},
    )
    assert not_admin.status_code == 403
    assert not_admin.json()["error"]["code"] == "forbidden"
    with unit_of_work(ctx.db) as session:
        assert session.get(User, world.helsinki_investigator.user_id).is_active  # type: ignore[union-attr]
        assert session.get(User, world.ngo_worker.user_id).is_active  # type: ignore[union-attr]


def test_removing_a_role_hides_a_colleagues_signal_on_the_next_request(client, world):
    sid = create_signal(client, world.ngo_supervisor.auth)
    assert client.get(f"/api/v1/signals/{sid}", headers=world.ngo_worker.auth).status_code == 200

    r = client.patch(
        f"/api/v1/admin/users/{world.ngo_worker.user_id}",
        headers=world.admin.auth,
        json={"roles": ["frontline"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["frontline"]

    hidden = client.get(f"/api/v1/signals/{sid}", headers=world.ngo_worker.auth)
    assert hidden.status_code == 404
    assert hidden.json() == {"error": {"code": "not_found", "message": "Not found."}}
    listed = client.get("/api/v1/signals", headers=world.ngo_worker.auth).json()
    assert sid not in [i["id"] for i in listed["items"]]
    assert client.get("/api/v1/me", headers=world.ngo_worker.auth).json()["roles"] == ["frontline"]


def test_admin_cannot_hold_a_content_role_too(client, world, ctx):
    r = client.patch(
        f"/api/v1/admin/users/{world.ngo_frontline.user_id}",
        headers=world.admin.auth,
        json={"roles": ["admin", "caseworker"]},
    )
    assert r.status_code == 422
    assert r.json()["error"] == {
        "code": "invalid",
        "message": "An administrator cannot also hold a role that reads case content.",
    }
    new = client.post(
        "/api/v1/admin/users",
        headers=world.admin.auth,
        json={
            "email": "ion.popa@example.org",
            "name": "Ion Popa",
            "roles": ["admin", "supervisor"],
            "password": "Brasov-2026-parola-lunga",
        },
    )
    assert new.status_code == 422
    assert "administrator cannot also hold" in new.json()["error"]["message"]
    with unit_of_work(ctx.db) as session:
        roles = session.scalars(
            select(UserRole.role).where(UserRole.user_id == world.ngo_frontline.user_id)
        ).all()
        assert list(roles) == ["frontline"]
        assert session.scalar(select(User).where(User.email == "ion.popa@example.org")) is None
    assert audit_rows(ctx, "user.update") == []


def test_revoking_a_token_stops_it_at_once(client, world, ctx):
    r = client.post(
        "/api/v1/tokens", headers=world.ngo_worker.auth, json={"name": "Integraatio", "days": 7}
    )
    assert r.status_code == 201, r.text
    new = r.json()
    assert client.get("/api/v1/me", headers=bearer(new["token"])).status_code == 200

    # Someone else cannot revoke it (nor learn that it exists).
    other = client.delete(f"/api/v1/tokens/{new['id']}", headers=world.ngo_supervisor.auth)
    assert other.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(new["token"])).status_code == 200

    revoked = client.delete(f"/api/v1/tokens/{new['id']}", headers=bearer(new["token"]))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    after = client.get("/api/v1/me", headers=bearer(new["token"]))
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "unauthenticated"
    # The persona's own token is untouched.
    assert client.get("/api/v1/me", headers=world.ngo_worker.auth).status_code == 200
    listed = client.get("/api/v1/tokens", headers=world.ngo_worker.auth).json()
    assert [t["revoked_at"] is not None for t in listed if t["id"] == new["id"]] == [True]
    assert [e.record_id for e in audit_rows(ctx, "token.revoke")] == [new["id"]]


def test_an_expired_token_fails(client, world, ctx):
    new = client.post("/api/v1/tokens", headers=world.ngo_worker.auth, json={"days": 1}).json()
    assert client.get("/api/v1/me", headers=bearer(new["token"])).status_code == 200
    with unit_of_work(ctx.db) as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == new["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    r = client.get("/api/v1/me", headers=bearer(new["token"]))
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "The token is unknown, expired or revoked."


def test_tokens_are_stored_only_as_sha256(client, world, ctx):
    new = client.post("/api/v1/tokens", headers=world.ngo_worker.auth, json={}).json()
    granted = sign_in(client, world.ngo_supervisor.email, PASSWORD).json()["access_token"]
    stored = dump_table(ctx, "api_tokens")
    for raw in (new["token"], granted, world.ngo_worker.token, world.admin.token):
        assert raw not in stored
        assert raw.removeprefix("onrm_") not in stored
    with unit_of_work(ctx.db) as session:
        row = session.get(ApiToken, new["id"])
        assert row is not None
        assert row.token_hash == hashlib.sha256(new["token"].encode()).hexdigest()
    # A token that differs in one character is not accepted.
    forged = new["token"][:-1] + ("A" if new["token"][-1] != "A" else "B")
    assert client.get("/api/v1/me", headers=bearer(forged)).status_code == 401


# --- web sessions -----------------------------------------------------------------------------


def _start(ctx: AppContext, user_id: str) -> tuple[str, Any]:
    with unit_of_work(ctx.db) as session:
        user = session.get(User, user_id)
        raw, ws = sessions.start_session(session, user, mfa_passed=False)  # type: ignore[arg-type]
        return raw, ws.created_at


def _load(ctx: AppContext, raw: str, now: Any) -> Any:
    with unit_of_work(ctx.db) as session:
        return sessions.load_session(session, raw, ctx.timeouts, now=now)


def _ended(ctx: AppContext, raw: str) -> bool:
    with unit_of_work(ctx.db) as session:
        ws = session.get(WebSession, hashlib.sha256(raw.encode()).hexdigest())
        return ws is not None and ws.ended_at is not None


def test_web_session_ends_after_idle_timeout(ctx, world):
    idle = ctx.timeouts.idle
    raw, created = _start(ctx, world.ngo_worker.user_id)
    seen = created + idle - timedelta(minutes=1)
    live = _load(ctx, raw, seen)
    assert live is not None and live[1].id == world.ngo_worker.user_id
    assert _load(ctx, raw, seen + idle + timedelta(seconds=1)) is None
    assert _ended(ctx, raw)
    # Once ended, it stays ended, even at a moment that would have been in time.
    assert _load(ctx, raw, seen + timedelta(minutes=1)) is None


def test_web_session_ends_after_absolute_timeout_despite_activity(ctx, world):
    idle, absolute = ctx.timeouts.idle, ctx.timeouts.absolute
    raw, created = _start(ctx, world.ngo_worker.user_id)
    step = idle - timedelta(minutes=5)
    now = created
    while now + step < created + absolute:
        now += step
        assert _load(ctx, raw, now) is not None, f"ended early at {now - created}"
    assert not _ended(ctx, raw)
    beyond = created + absolute + timedelta(minutes=1)
    assert beyond - now < idle  # still active, only too old
    assert _load(ctx, raw, beyond) is None
    assert _ended(ctx, raw)


def test_unknown_session_id_is_none(ctx):
    assert _load(ctx, "ei-tallaista-istuntoa", utcnow()) is None


# --- break the glass --------------------------------------------------------------------------

JUSTIFICATION = (
    "Uhri soitti 112: väkivallan uhka tänä yönä, tarvitaan osoite ja puhelinnumero heti."
)


def test_break_glass_grants_flags_audits_and_notifies(client, world, ctx):
    sid = create_signal(client, world.ngo_worker.auth)
    investigator = world.helsinki_investigator
    assert client.get(f"/api/v1/signals/{sid}", headers=investigator.auth).status_code == 404

    r = client.post(
        f"/api/v1/signals/{sid}/break-glass",
        headers=investigator.auth,
        json={"justification": JUSTIFICATION, "hours": 2},
    )
    assert r.status_code == 201, r.text
    grant = r.json()
    assert grant["record_id"] == sid
    assert grant["justification"] == JUSTIFICATION
    with unit_of_work(ctx.db) as session:
        rows = list(session.scalars(select(BreakGlass).where(BreakGlass.record_id == sid)))
    assert [(g.user_id, g.organisation_id) for g in rows] == [
        (investigator.user_id, investigator.organisation_id)
    ]
    assert timedelta(hours=1, minutes=59) < rows[0].expires_at - utcnow() <= timedelta(hours=2)

    read = client.get(
        f"/api/v1/signals/{sid}",
        headers={**investigator.auth, "X-Purpose": "hatatilanne: uhri vaarassa"},
    )
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["access"] == {"via": "break_glass", "scope": "full"}
    assert body["persons"][0]["names"] == SIGNAL["persons"][0]["names"]

    reads = [e for e in audit_rows(ctx, "signal.read") if e.actor_user_id == investigator.user_id]
    # The refused read before the grant is on the trail too, as denied.
    assert [(e.record_id, e.outcome, e.purpose, e.detail) for e in reads] == [
        (sid, "denied", None, {"reason": "not visible"}),
        (
            sid,
            "ok",
            "hatatilanne: uhri vaarassa",
            {"via": "break_glass", "scope": "full", "break_glass": True},
        ),
    ]
    [flag] = audit_rows(ctx, "signal.break_glass")
    assert flag.outcome == "ok"
    assert flag.purpose == JUSTIFICATION
    assert flag.detail["dpos_notified"] == 2

    for dpo in (world.dpo, world.helsinki_dpo):
        notes = client.get("/api/v1/notifications", headers=dpo.auth).json()
        assert [(n["kind"], n["record_id"]) for n in notes] == [("break_glass", sid)]
        assert investigator.email in notes[0]["message"]
        assert "Närpiö" not in notes[0]["message"]  # no case content in a notification
    for bystander in (world.ngo_worker, world.helsinki_investigator, world.sisasuomi_investigator):
        assert client.get("/api/v1/notifications", headers=bystander.auth).json() == []


@pytest.mark.parametrize(
    "justification",
    ["Hätätilanne!", " " * 30, "\t\n  apua  \n\t" + " " * 20],
    ids=["too-short", "only-spaces", "padded-short"],
)
def test_break_glass_needs_a_real_justification(client, world, ctx, justification):
    sid = create_signal(client, world.ngo_worker.auth)
    r = client.post(
        f"/api/v1/signals/{sid}/break-glass",
        headers=world.helsinki_investigator.auth,
        json={"justification": justification},
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid"
    assert "justification" in err["message"]
    assert count(ctx, BreakGlass) == 0
    assert count(ctx, Notification) == 0
    assert (
        client.get(f"/api/v1/signals/{sid}", headers=world.helsinki_investigator.auth).status_code
        == 404
    )


def test_ngo_cannot_break_glass_into_police_records(client, world, ctx):
    sid = create_signal(client, world.helsinki_investigator.auth)
    r = client.post(
        f"/api/v1/signals/{sid}/break-glass",
        headers=world.ngo_worker.auth,
        json={"justification": JUSTIFICATION},
    )
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "Not found."}}
    assert count(ctx, BreakGlass) == 0
    assert count(ctx, Notification) == 0
    assert client.get(f"/api/v1/signals/{sid}", headers=world.ngo_worker.auth).status_code == 404
    [attempt] = audit_rows(ctx, "signal.break_glass")
    assert (attempt.outcome, attempt.actor_user_id, attempt.record_id) == (
        "denied",
        world.ngo_worker.user_id,
        sid,
    )
