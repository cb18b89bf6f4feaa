"""The operator's CLI, driven as an operator would: environment variables in, text and
exit codes out; then the API on the database the CLI left behind.

`get_settings()` is cached per process, so every invocation clears the cache before and
after it runs with its own environment.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from opennrm import migrate
from opennrm.app import create_app
from opennrm.cli.main import app as cli
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.settings import get_settings
from opennrm.tables import metadata
from tests.conftest import KEYS, make_settings
from tests.personas import PASSWORD

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
OPERATOR_PASSWORD = "Pohjanmaa-2026-pitka-salasana"


def env_for(url: str, data_dir: Path, env: str = "development") -> dict[str, str]:
    return {
        "OPENNRM_DATABASE_URL": url,
        "OPENNRM_DATA_DIR": str(data_dir),
        "OPENNRM_SECRET_KEY": KEYS["secret_key"],
        "OPENNRM_DATA_KEY": KEYS["data_key"],
        "OPENNRM_ENV": env,
    }


def run(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)
    finally:
        get_settings.cache_clear()


def table_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.execute(text(f"SELECT count(*) FROM {t.name}")).scalar_one()  # noqa: S608
                for t in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def api_client(url: str, data_dir: Path) -> Iterator[TestClient]:
    settings = make_settings(url, data_dir)
    ctx = AppContext.build(settings, Database(url))
    try:
        with TestClient(create_app(settings, ctx), base_url="https://testserver") as c:
            yield c
    finally:
        ctx.db.dispose()


@pytest.fixture
def empty_env(backend, tmp_path: Path) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    url = backend.empty()
    yield env_for(url, tmp_path / "data")
    backend.drop(url)


@pytest.fixture
def world_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    """The CLI on the personas' database (the same one the `client` fixture serves)."""
    return env_for(db_url, tmp_path / "cli-data")


# --- migrations, organisations, users, tokens ------------------------------------------------


def test_commands_refuse_an_unmigrated_database(empty_env):
    r = run(empty_env, "orgs", "list", "--json")
    assert r.exit_code == 1
    assert "opennrm db upgrade" in r.stderr
    assert r.stdout == ""


def test_operator_sets_up_a_deployment(empty_env, tmp_path):
    r = run(empty_env, "db", "upgrade")
    assert r.exit_code == 0, r.output
    assert migrate.head_revision() in r.stdout

    r = run(
        empty_env,
        "orgs",
        "create",
        "--name",
        "Pohjanmaan poliisilaitos",
        "--type",
        "police",
        "--region",
        "MK10",
        "--key",
        "police-pohjanmaa",
    )
    assert r.exit_code == 0, r.output
    police_id = r.stdout.strip()
    assert UUID.fullmatch(police_id)
    r = run(empty_env, "orgs", "create", "--name", "Rikosuhripäivystys Vaasa", "--type", "ngo")
    ngo_id = r.stdout.strip()
    assert UUID.fullmatch(ngo_id)

    bad = run(empty_env, "orgs", "create", "--name", "Sheriff", "--type", "sheriff")
    assert bad.exit_code != 0
    assert "Unknown organisation type 'sheriff'" in bad.stderr
    dup = run(empty_env, "orgs", "create", "--name", "Pohjanmaan poliisilaitos", "--type", "police")
    assert dup.exit_code != 0 and "exists already" in dup.stderr
    dup_key = run(
        empty_env,
        "orgs",
        "create",
        "--name",
        "Toinen",
        "--type",
        "police",
        "--key",
        "police-pohjanmaa",
    )
    assert dup_key.exit_code != 0 and "key 'police-pohjanmaa' exists already" in dup_key.stderr
    bad_key = run(
        empty_env, "orgs", "create", "--name", "Kolmas", "--type", "ngo", "--key", "Bad Key"
    )
    assert bad_key.exit_code != 0 and "lower-case slug" in bad_key.stderr

    orgs = json.loads(run(empty_env, "orgs", "list", "--json").stdout)
    assert orgs == [
        {
            "id": police_id,
            "name": "Pohjanmaan poliisilaitos",
            "type": "police",
            "region": "MK10",
            "key": "police-pohjanmaa",
        },
        {
            "id": ngo_id,
            "name": "Rikosuhripäivystys Vaasa",
            "type": "ngo",
            "region": None,
            "key": None,
        },
    ]

    r = run(
        empty_env,
        "users",
        "create",
        "--email",
        "Adebayo.Okonkwo@Example.fi",
        "--name",
        "Adebayo Okonkwo",
        "--org",
        police_id,
        "--role",
        "investigator",
        "--password-stdin",
        input=OPERATOR_PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    investigator_id = r.stdout.strip()
    assert UUID.fullmatch(investigator_id)
    # By the organisation's exact name, with two roles given as one comma list.
    r = run(
        empty_env,
        "users",
        "create",
        "--email",
        "hanna.virtanen@example.fi",
        "--name",
        "Hanna Virtanen",
        "--org",
        "Rikosuhripäivystys Vaasa",
        "--role",
        "caseworker,dpo",
        "--password-stdin",
        input=OPERATOR_PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    caseworker_id = r.stdout.strip()

    short = run(
        empty_env,
        "users",
        "create",
        "--email",
        "lyhyt@example.fi",
        "--name",
        "Ioana Lungu",
        "--org",
        ngo_id,
        "--role",
        "frontline",
        "--password-stdin",
        input="lyhyt\n",
    )
    assert short.exit_code != 0
    assert "at least 12 characters" in short.stderr
    role = run(
        empty_env,
        "users",
        "create",
        "--email",
        "sheriff@example.fi",
        "--name",
        "Taras Bondarenko",
        "--org",
        ngo_id,
        "--role",
        "sheriff",
        "--password-stdin",
        input=OPERATOR_PASSWORD + "\n",
    )
    assert role.exit_code != 0
    assert "Unknown role(s) sheriff" in role.stderr
    no_org = run(
        empty_env,
        "users",
        "create",
        "--email",
        "x@example.fi",
        "--name",
        "Thanh Le",
        "--org",
        "Olematon ry",
        "--role",
        "caseworker",
        "--password-stdin",
        input=OPERATOR_PASSWORD + "\n",
    )
    assert no_org.exit_code != 0 and "no organisation" in no_org.stderr
    no_stdin = run(
        empty_env,
        "users",
        "create",
        "--email",
        "y@example.fi",
        "--name",
        "Ion Rusu",
        "--org",
        ngo_id,
        "--role",
        "caseworker",
    )
    assert no_stdin.exit_code != 0 and "--password-stdin" in no_stdin.stderr

    users = json.loads(run(empty_env, "users", "list", "--json").stdout)
    assert [{k: u[k] for k in ("id", "email", "organisation_id", "roles")} for u in users] == [
        {
            "id": investigator_id,
            "email": "adebayo.okonkwo@example.fi",
            "organisation_id": police_id,
            "roles": ["investigator"],
        },
        {
            "id": caseworker_id,
            "email": "hanna.virtanen@example.fi",
            "organisation_id": ngo_id,
            "roles": ["caseworker", "dpo"],
        },
    ]
    listing = run(empty_env, "users", "list", "--json").stdout
    assert OPERATOR_PASSWORD not in listing and "argon2" not in listing

    r = run(empty_env, "tokens", "create", "--email", "adebayo.okonkwo@example.fi", "--days", "3")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("onrm_")
    token = lines[0]
    unknown = run(empty_env, "tokens", "create", "--email", "ei.ole@example.fi")
    assert unknown.exit_code != 0 and unknown.stdout == ""
    too_long = run(
        empty_env, "tokens", "create", "--email", "hanna.virtanen@example.fi", "--days", "400"
    )
    assert too_long.exit_code != 0 and "1 to 366 days" in too_long.stderr

    for c in api_client(empty_env["OPENNRM_DATABASE_URL"], tmp_path / "api"):
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        assert me.json()["id"] == investigator_id
        assert me.json()["organisation"]["name"] == "Pohjanmaan poliisilaitos"
        # The password set through the CLI signs in too.
        grant = c.post(
            "/api/v1/auth/token",
            data={"username": "hanna.virtanen@example.fi", "password": OPERATOR_PASSWORD},
        )
        assert grant.status_code == 200, grant.text


# --- the audit trail ----------------------------------------------------------------------------


def test_audit_verify_and_signed_checkpoints(world_env, tmp_path):
    r = run(world_env, "audit", "verify")
    assert r.exit_code == 0, r.output
    match = re.search(r"audit trail intact: (\d+) entries, head ([0-9a-f]{64})", r.stdout)
    assert match and int(match.group(1)) > 10

    checkpoint = tmp_path / "audit-checkpoint.json"
    r = run(world_env, "audit", "checkpoint", str(checkpoint))
    assert r.exit_code == 0, r.output
    doc = json.loads(checkpoint.read_text())
    assert doc["seq"] == int(match.group(1)) and doc["hash"] == match.group(2)

    r = run(world_env, "audit", "verify", "--checkpoint", str(checkpoint))
    assert r.exit_code == 0, r.output
    assert "intact" in r.stdout

    forged = tmp_path / "forged.json"
    doc["hash"] = "f" * 64
    forged.write_text(json.dumps(doc))
    r = run(world_env, "audit", "verify", "--checkpoint", str(forged))
    assert r.exit_code == 1
    assert "invalid signature" in r.stderr

    # A checkpoint signed with another deployment's key is no better.
    other = {**world_env, "OPENNRM_SECRET_KEY": "another-deployment-" + "z" * 32}
    r = run(other, "audit", "verify", "--checkpoint", str(checkpoint))
    assert r.exit_code == 1 and "invalid signature" in r.stderr


def test_audit_verify_names_the_first_changed_entry(world_env, db_url):
    """Someone with the database owner's rights removes the guard and edits entry 3."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(
                    text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
                )
            else:
                conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("UPDATE audit_events SET action = 'user.update' WHERE seq = 3"))
    finally:
        engine.dispose()
    r = run(world_env, "audit", "verify")
    assert r.exit_code == 1
    assert "BROKEN at entry 3" in r.stderr
    assert "content was changed" in r.stderr


# --- backup and restore ---------------------------------------------------------------------

SIGNAL = {
    "exploitation_types": ["forced_criminality"],
    "summary": "Nuori ukrainalainen mies pakotettu myymään huumeita Itä-Helsingissä.",
    "municipality": "Helsinki",
    "persons": [
        {
            "role": "victim",
            "names": ["Дмитро Шевчук", "Dmytro Shevchuk"],
            "nationality": "UA",
            "phones": ["+380 67 123 4567"],
            "identifiers": ["FE765432"],
        }
    ],
    "consent": {"to_assistance_system": True, "to_police": True},
}


@pytest.fixture
def backed_up(client, world, world_env, tmp_path) -> tuple[Path, str, dict[str, int]]:
    """A backup of the personas' database with one signal in it."""
    r = client.post("/api/v1/signals", headers=world.ngo_worker.auth, json=SIGNAL)
    assert r.status_code == 201, r.text
    path = tmp_path / "opennrm-backup.jsonl.gz"
    out = run(world_env, "backup", str(path))
    assert out.exit_code == 0, out.output
    counts = table_counts(world_env["OPENNRM_DATABASE_URL"])
    assert f"{sum(counts.values())} rows" in out.stdout
    return path, r.json()["id"], counts


def test_backup_restores_into_an_empty_database_and_decrypts(backed_up, empty_env, world, tmp_path):
    path, sid, counts = backed_up
    with gzip.open(path, "rt", encoding="utf-8") as f:
        header = json.loads(f.readline())
        body = f.read()
    assert header == {"format": "opennrm-backup/1", "revision": migrate.head_revision()}
    # Encrypted fields stay encrypted in the backup.
    assert SIGNAL["summary"] not in body and "FE765432" not in body

    r = run(empty_env, "restore", str(path))
    assert r.exit_code == 0, r.output
    assert f"restored {sum(counts.values())} rows" in r.stdout
    assert table_counts(empty_env["OPENNRM_DATABASE_URL"]) == counts
    assert run(empty_env, "audit", "verify").exit_code == 0

    for c in api_client(empty_env["OPENNRM_DATABASE_URL"], tmp_path / "restored"):
        got = c.get(f"/api/v1/signals/{sid}", headers=world.ngo_worker.auth)
        assert got.status_code == 200, got.text
        assert got.json()["summary"] == SIGNAL["summary"]
        assert got.json()["persons"][0]["identifiers"] == ["FE765432"]
        assert got.json()["persons"][0]["phones"] == ["+380671234567"]
        # The restored deployment keeps working: a new signal gets the next audit entries.
        new = c.post("/api/v1/signals", headers=world.ngo_supervisor.auth, json=SIGNAL)
        assert new.status_code == 201, new.text
        assert (
            c.post(
                "/api/v1/auth/token",
                data={"username": world.dpo.email, "password": PASSWORD},
            ).status_code
            == 200
        )
    assert run(empty_env, "audit", "verify").exit_code == 0


def test_restore_refuses_a_database_that_is_not_empty(backed_up, world_env):
    path, _sid, counts = backed_up
    r = run(world_env, "restore", str(path))
    assert r.exit_code != 0
    assert "not empty" in r.stderr
    assert table_counts(world_env["OPENNRM_DATABASE_URL"]) == counts


def _rewrite(src: Path, dst: Path, change: Any) -> None:
    with gzip.open(src, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        item = json.loads(line)
        out.append(json.dumps(change(item), ensure_ascii=False))
    with gzip.open(dst, "wt", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


@pytest.mark.parametrize("tamper", ["action", "drop-entry"])
def test_restore_refuses_a_tampered_audit_trail(backed_up, empty_env, tmp_path, tamper):
    path, _sid, _counts = backed_up
    forged = tmp_path / f"forged-{tamper}.jsonl.gz"

    def change(item: dict[str, Any]) -> Any:
        r = item["r"]
        if item["t"] == "audit_events" and r["action"] == "signal.create":
            if tamper == "action":
                r["action"] = "organisation.create"  # hide that the signal was recorded
            else:
                r["seq"] = -r["seq"]  # moved out of the chain
        return item

    _rewrite(path, forged, change)
    r = run(empty_env, "restore", str(forged))
    assert r.exit_code != 0
    assert "does not verify" in r.stderr and "nothing restored" in r.stderr
    after = table_counts(empty_env["OPENNRM_DATABASE_URL"])
    assert {t: n for t, n in after.items() if n and t != "audit_head"} == {}
    engine = create_engine(empty_env["OPENNRM_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            head = conn.execute(text("SELECT seq FROM audit_head")).scalar_one()
    finally:
        engine.dispose()
    assert head == 0


def test_restore_refuses_a_file_that_is_not_a_backup(empty_env, tmp_path):
    not_gz = tmp_path / "notes.txt"
    not_gz.write_text("Tämä ei ole varmuuskopio.")
    r = run(empty_env, "restore", str(not_gz))
    assert r.exit_code != 0 and "not an OpenNRM backup" in r.stderr
    other = tmp_path / "other.jsonl.gz"
    with gzip.open(other, "wt") as f:
        f.write(json.dumps({"format": "something-else/9"}) + "\n")
    r = run(empty_env, "restore", str(other))
    assert r.exit_code != 0 and "not an OpenNRM backup" in r.stderr


def test_backup_from_sqlite_restores_on_the_test_backend(empty_env, tmp_path):
    """Portable: an embedded deployment moves to the server database (or to another file)."""
    source = env_for(f"sqlite:///{tmp_path / 'embedded.db'}", tmp_path / "embedded")
    assert run(source, "db", "upgrade").exit_code == 0
    org = run(source, "orgs", "create", "--name", "Vaasan kaupunki", "--type", "municipality")
    user = run(
        source,
        "users",
        "create",
        "--email",
        "nguyen.lan@example.fi",
        "--name",
        "Nguyễn Thị Lan",
        "--org",
        org.stdout.strip(),
        "--role",
        "caseworker",
        "--password-stdin",
        input=OPERATOR_PASSWORD + "\n",
    )
    assert user.exit_code == 0, user.output
    path = tmp_path / "embedded.jsonl.gz"
    assert run(source, "backup", str(path)).exit_code == 0
    r = run(empty_env, "restore", str(path))
    assert r.exit_code == 0, r.output
    assert table_counts(empty_env["OPENNRM_DATABASE_URL"]) == table_counts(
        source["OPENNRM_DATABASE_URL"]
    )
    restored = json.loads(run(empty_env, "users", "list", "--json").stdout)
    assert [(u["id"], u["email"]) for u in restored] == [
        (user.stdout.strip(), "nguyen.lan@example.fi")
    ]


# --- the demo -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_run(backend, tmp_path_factory) -> Iterator[tuple[dict[str, str], Any]]:  # type: ignore[no-untyped-def]
    """`opennrm demo --no-serve` on an empty database, run once for the module (it seeds a
    few hundred signals through the real actions, which takes a while)."""
    url = backend.empty()
    env = env_for(url, tmp_path_factory.mktemp("demo"), env="demo")
    result = run(env, "demo", "--no-serve")
    yield env, result
    backend.drop(url)


def test_demo_seeds_an_empty_database(demo_run):
    env, r = demo_run
    assert r.exit_code == 0, r.output
    assert "Password of every demo account: demo-Ihmiskauppa-2026" in r.stdout
    accounts = re.findall(r"^\s+(\S+@demo\.example\.fi)\s", r.stdout, flags=re.MULTILINE)
    assert len(accounts) >= 20
    counts = table_counts(env["OPENNRM_DATABASE_URL"])
    assert counts["organisations"] >= 25
    assert counts["users"] == len(accounts)
    assert counts["signals"] >= 300
    assert counts["shares"] > 0
    # Referrals go through the real action: some identified (with a share), some
    # anonymous, some already decided; and their receivers were notified.
    assert counts["referrals"] >= 50
    assert 0 < counts["referral_decisions"] < counts["referrals"]
    assert counts["notifications"] >= counts["referrals"]
    assert counts["email_outbox"] > 0
    # Some referred crimes became investigations, each accepting its referral.
    assert counts["investigations"] >= 10
    assert counts["investigation_stages"] == counts["investigations"]
    # Every police unit (the 11 departments and Åland's police) has its two designated
    # investigators and a capacity.
    assert counts["designated_investigators"] == 2 * 12
    assert counts["investigation_capacity"] == 12
    roles = {line.split()[1] for line in r.stdout.splitlines() if "@demo.example.fi" in line}
    for role in ("frontline", "caseworker", "investigator", "analyst", "coordinator", "dpo"):
        assert any(role in r_ for r_ in roles), role
    verify = run(env, "audit", "verify")
    assert verify.exit_code == 0, verify.output


def test_demo_does_not_seed_twice(demo_run):
    env, first = demo_run
    assert first.exit_code == 0
    before = table_counts(env["OPENNRM_DATABASE_URL"])
    again = run(env, "demo", "--no-serve")
    assert again.exit_code == 0, again.output
    assert "seeding" not in again.output
    assert "Password of every demo account" in again.stdout
    assert sorted(re.findall(r"\S+@demo\.example\.fi", again.stdout)) == sorted(
        re.findall(r"\S+@demo\.example\.fi", first.stdout)
    )
    after = table_counts(env["OPENNRM_DATABASE_URL"])
    assert after == before


def test_demo_is_refused_in_production(empty_env):
    env = {**empty_env, "OPENNRM_ENV": "production"}
    r = run(env, "demo", "--no-serve")
    assert r.exit_code != 0
    assert "refused" in r.stderr and "production" in r.stderr
    assert "demo-Ihmiskauppa-2026" not in r.output
    engine = create_engine(env["OPENNRM_DATABASE_URL"])
    try:
        assert migrate.current_revision(engine) is None  # not even migrated
    finally:
        engine.dispose()
