"""PostgreSQL row-level security, the second line behind the policy module (ADR 0016).

Raw SQL through the application's own connection (its role, its pool) must see nothing
without a declared actor and nothing of another organisation's records with the wrong
one — whatever the policy code above it does. Runs on PostgreSQL only; SQLite has no row
security (the policy module is the only line there).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from opennrm.auth.actions import actor_for
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.policy import Actor, rowsecurity
from opennrm.tables import metadata
from opennrm.uow import unit_of_work
from tests.conftest import APP_ROLE
from tests.personas import World
from tests.test_investigations import open_case
from tests.test_referrals_api import make_signal, refer

pytestmark = pytest.mark.skipif(
    not __import__("os").environ.get("OPENNRM_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row-level security exists only on PostgreSQL",
)

# The tables holding victims' and suspects' data: each must have FORCE ROW LEVEL SECURITY.
PROTECTED = {
    "signals",
    "signal_persons",
    "signal_addresses",
    "signal_identifiers",
    "signal_organisations",
    "screenings",
    "referrals",
    "referral_decisions",
    "support_services",
    "case_notes",
    "investigations",
    "investigation_persons",
    "investigation_identifiers",
    "investigation_stages",
    "cross_border_requests",
    "consultations",
    "linkage_persons",
    "linkage_keys",
    "linkage_candidates",
}

# Tables that point at case records but hold no victim's or suspect's data, and why.
EXEMPT = {
    "audit_events": "ids, actions and purposes only; the chain must verify in full",
    "shares": "grants (ids, basis, expiry); row security itself reads them",
    "assignments": "grants; row security itself reads them",
    "break_glass": "grants with the staff member's justification; read by the DPO",
    "notifications": "a fixed message for one staff member; written for other users",
    "read_purposes": "a staff session's stated purposes",
}


def _points_at_case_records(table: Any) -> bool:
    names = {c.name for c in table.columns}
    if {"record_type", "record_id"} <= names:
        return True
    return any(fk.column.table.name in PROTECTED for c in table.columns for fk in c.foreign_keys)


def test_every_table_with_case_data_is_protected_or_named_exempt() -> None:
    """A new table that points at case records must be added to the migration's
    policies (and here), or named exempt with a reason."""
    pointing = {t.name for t in metadata.sorted_tables if _points_at_case_records(t)}
    unprotected = pointing - PROTECTED - set(EXEMPT)
    assert not unprotected, f"tables with case data but no row security: {unprotected}"


def test_row_security_is_forced_on_every_protected_table(ctx: AppContext) -> None:
    with ctx.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )
        ).all()
    forced = {r.relname for r in rows if r.relrowsecurity and r.relforcerowsecurity}
    assert forced == PROTECTED


def test_the_app_connects_as_a_role_that_owns_nothing_and_cannot_bypass(
    ctx: AppContext,
) -> None:
    with ctx.db.engine.connect() as conn:
        me = conn.execute(
            text(
                "SELECT current_user AS name, r.rolsuper, r.rolbypassrls FROM pg_roles r "
                "WHERE r.rolname = current_user"
            )
        ).one()
        owned = conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
        ).scalar()
        can_alter = conn.execute(
            text("SELECT has_table_privilege('audit_events', 'UPDATE, DELETE, TRUNCATE')")
        ).scalar()
    assert me.name == APP_ROLE
    assert (me.rolsuper, me.rolbypassrls, owned) == (False, False, 0)
    assert can_alter is False  # the trail can be appended to, never changed


@pytest.fixture
def records(client: Any, world: World) -> dict[str, str]:
    """An NGO's signal referred to the Helsinki police, and a Sisä-Suomi investigation."""
    signal = make_signal(client, world.ngo_worker)
    r = refer(client, world.ngo_worker, signal, target="police", consent=True)
    assert r.status_code == 201, r.text
    case = open_case(client, world.sisasuomi_investigator)
    return {"signal": signal, "referral": r.json()["id"], "investigation": case["id"]}


def actor(ctx: AppContext, user_id: str) -> Actor:
    with unit_of_work(ctx.db) as session:
        user = session.get(User, user_id)
        assert user is not None
        return actor_for(session, user)


@pytest.fixture
def nobody() -> Iterator[None]:
    """What a request is before authentication: an empty actor box."""
    with rowsecurity.request_box():
        yield


def counts(engine: Engine) -> dict[str, int]:
    """Rows of every protected table as seen by one raw transaction on `engine`."""
    with engine.begin() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)  # noqa: S608
            for t in sorted(PROTECTED)
        }


def test_without_an_actor_raw_sql_sees_no_row_of_any_protected_table(
    ctx: AppContext, records: dict[str, str], nobody: None
) -> None:
    seen = counts(ctx.db.engine)
    assert set(seen.values()) == {0}, seen
    with rowsecurity.acting_as_system():
        everything = counts(ctx.db.engine)
    # The records exist: the system (worker, operator) sees them.
    for table in ("signals", "signal_persons", "referrals", "investigations", "linkage_persons"):
        assert everything[table] > 0, table


def test_the_wrong_actor_sees_none_of_another_organisations_records(
    ctx: AppContext, world: World, records: dict[str, str], nobody: None
) -> None:
    owner = actor(ctx, world.ngo_worker.user_id)
    stranger = actor(ctx, world.lappi_investigator.user_id)
    admin_same_org = actor(ctx, world.admin.user_id)

    rowsecurity.bind(owner)
    mine = counts(ctx.db.engine)
    assert mine["signals"] == 1 and mine["signal_persons"] == 2 and mine["referrals"] == 1
    assert mine["investigations"] == 0  # the police's case is not the NGO's

    for other in (stranger, admin_same_org):
        rowsecurity.bind(other)
        seen = counts(ctx.db.engine)
        assert set(seen.values()) == {0}, (other.roles, seen)

    # The Itä-Uusimaa police, competent for Vantaa, received the referral (and, with
    # consent, a share of the signal); Sisä-Suomi's investigation stays Sisä-Suomi's.
    rowsecurity.bind(actor(ctx, world.itauusimaa_investigator.user_id))
    police = counts(ctx.db.engine)
    assert police["referrals"] == 1 and police["signals"] == 1
    assert police["investigations"] == 0


def test_a_forged_organisation_in_the_actor_settings_sees_nothing(
    ctx: AppContext, world: World, records: dict[str, str], nobody: None
) -> None:
    """The user and organisation settings must belong together: claiming the NGO's
    organisation for a police officer's id (or the reverse) unlocks nothing."""
    for user, org in (
        (world.lappi_investigator.user_id, world.orgs["ngo"]),
        (world.ngo_worker.user_id, world.orgs["sisasuomi"]),
        ("", world.orgs["ngo"]),
    ):
        with ctx.db.engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT set_config('opennrm.actor_user', :u, true), "
                    "set_config('opennrm.actor_org', :o, true)"
                ),
                {"u": user, "o": org},
            )
            signals = conn.execute(text("SELECT count(*) FROM signals")).scalar()
            cases = conn.execute(text("SELECT count(*) FROM investigations")).scalar()
        assert (signals, cases) == (0, 0), (user, org)


def test_a_pool_of_one_connection_alternating_between_users_never_carries_an_actor_over(
    ctx: AppContext, world: World, records: dict[str, str]
) -> None:
    engine = create_engine(ctx.db.url, pool_size=1, max_overflow=0)
    rowsecurity.install(engine)
    ngo = actor(ctx, world.ngo_worker.user_id)
    sisasuomi = actor(ctx, world.sisasuomi_investigator.user_id)
    pids: set[int] = set()
    try:
        for _ in range(3):
            with rowsecurity.request_box():
                rowsecurity.bind(ngo)
                with engine.begin() as conn:
                    pids.add(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
                    assert conn.execute(text("SELECT count(*) FROM signals")).scalar() == 1
                    assert conn.execute(text("SELECT count(*) FROM investigations")).scalar() == 0
            with rowsecurity.request_box():
                rowsecurity.bind(sisasuomi)
                with engine.begin() as conn:
                    pids.add(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
                    assert conn.execute(text("SELECT count(*) FROM signals")).scalar() == 0
                    assert conn.execute(text("SELECT count(*) FROM investigations")).scalar() == 1
            with rowsecurity.request_box(), engine.begin() as conn:
                # The previous transaction's actor ended with it.
                assert conn.execute(
                    text("SELECT current_setting('opennrm.actor_user', true)")
                ).scalar() in ("", None)
                assert conn.execute(text("SELECT count(*) FROM signals")).scalar() == 0
        # A plain connection, outside any transaction the app declared, sees nothing too.
        with rowsecurity.request_box(), engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM signals")).scalar() == 0
    finally:
        engine.dispose()
    assert len(pids) == 1  # really one connection, reused by every user in turn


def test_the_wrong_actor_cannot_write_into_or_change_another_organisations_records(
    ctx: AppContext, world: World, records: dict[str, str], nobody: None
) -> None:
    with rowsecurity.acting_as_system(), ctx.db.engine.begin() as conn:
        before = conn.execute(
            text("SELECT municipality FROM signals WHERE id = :i"), {"i": records["signal"]}
        ).scalar()
    rowsecurity.bind(actor(ctx, world.lappi_investigator.user_id))
    with ctx.db.engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE signals SET municipality = 'Rovaniemi', summary_enc = '' WHERE id = :i"),
            {"i": records["signal"]},
        ).rowcount
        removed = conn.execute(
            text("DELETE FROM signal_persons WHERE signal_id = :i"), {"i": records["signal"]}
        ).rowcount
    assert (changed, removed) == (0, 0)
    with pytest.raises(ProgrammingError, match="row-level security"), ctx.db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO signal_addresses (id, signal_id, position, text) "
                "VALUES ('a-forged-address', :i, 9, 'Koskikatu 1, Rovaniemi')"
            ),
            {"i": records["signal"]},
        )
    with rowsecurity.acting_as_system(), ctx.db.engine.begin() as conn:
        municipality = conn.execute(
            text("SELECT municipality FROM signals WHERE id = :i"), {"i": records["signal"]}
        ).scalar()
        persons = conn.execute(
            text("SELECT count(*) FROM signal_persons WHERE signal_id = :i"),
            {"i": records["signal"]},
        ).scalar()
    assert (municipality, persons) == (before, 2)


def test_a_system_scope_needs_a_named_reason(ctx: AppContext) -> None:
    with (
        unit_of_work(ctx.db) as session,
        pytest.raises(ValueError, match="unknown reason"),
        rowsecurity.system_scope(session, "because"),
    ):
        pass


def test_an_injected_string_in_a_request_stays_within_the_callers_rows(
    client: Any, world: World, records: dict[str, str]
) -> None:
    """Through the API, the NGO's list shows the NGO's signal and nothing else, and a
    police unit that did not receive it learns nothing of it."""
    r = client.get("/api/v1/signals", headers=world.ngo_worker.auth)
    assert [s["id"] for s in r.json()["items"]] == [records["signal"]]
    r = client.get(f"/api/v1/signals/{records['signal']}", headers=world.lappi_investigator.auth)
    assert r.status_code == 404


def test_the_role_tool_refuses_an_owner_or_a_superuser(ctx: AppContext) -> None:
    from opennrm import dbroles

    owner = Database(ctx.db.url.replace(f"{APP_ROLE}@", "postgres@"))
    try:
        with pytest.raises(dbroles.RoleError, match="superuser"):
            dbroles.grant_app_role(owner.engine, "postgres")
        with pytest.raises(dbroles.RoleError, match="plain lower-case"):
            dbroles.grant_app_role(owner.engine, "app; DROP TABLE signals")
    finally:
        owner.dispose()
