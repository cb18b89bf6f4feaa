"""The operator's CLI, driven as an operator would: environment variables in, text and
exit codes out; then the API on the database the CLI left behind.

`get_settings()` is cached per process, so every invocation clears the cache before and
after it runs with its own environment.
"""

from __future__ import annotations

import copy
import gzip
import io
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
from opennrm.backup import write_backup
from opennrm.backup_checksums import TableSum, table_checksums
from opennrm.backup_crypto import (
    HEADER,
    MAGIC,
    TAG_BYTES,
    BackupKey,
    DecryptingReader,
    write_encrypted,
)
from opennrm.cli.main import app as cli
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.settings import Settings, get_settings
from opennrm.tables import metadata
from tests.conftest import KEYS, as_owner, make_settings
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
    engine = create_engine(as_owner(db_url))
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
# What must never be readable in a backup file: clear columns (names, e-mail addresses,
# phones in their normalised form) as well as the encrypted fields.
CANARIES = [
    "Dmytro Shevchuk",
    "Дмитро Шевчук",
    "+380671234567",
    "FE765432",
    SIGNAL["summary"],
    "Chiamaka Eze",
    "ngo.worker@example.org",
    "Pohjanmaa",
]
BACKUP_KEY = "varmuuskopioavain-" + "k" * 40
CHUNK = 1024  # small chunks, so that even the personas' database fills many


def backup_key(env: dict[str, str]) -> BackupKey:
    """The key the CLI would use with `env`."""
    return BackupKey.from_settings(
        Settings(
            database_url=env["OPENNRM_DATABASE_URL"],
            data_dir=Path(env["OPENNRM_DATA_DIR"]),
            data_key=env["OPENNRM_DATA_KEY"],
            backup_key=env.get("OPENNRM_BACKUP_KEY"),
        )
    )


def checksums(url: str) -> dict[str, TableSum]:
    engine = create_engine(url)
    try:
        return table_checksums(engine)
    finally:
        engine.dispose()


def untouched(url: str) -> bool:
    """Nothing was written: not even the migrations ran."""
    engine = create_engine(url)
    try:
        return migrate.current_revision(engine) is None
    finally:
        engine.dispose()


def plaintext(path: Path, key: BackupKey) -> list[dict[str, Any]]:
    with (
        path.open("rb") as raw,
        gzip.GzipFile(fileobj=io.BufferedReader(DecryptingReader(raw, key))) as plain,
    ):
        return [json.loads(line) for line in plain.read().decode().splitlines()]


def write_plaintext(path: Path, key: BackupKey, lines: list[dict[str, Any]]) -> None:
    """What someone holding the backup key could write: a well-encrypted file."""
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()

    def fill(sink: Any) -> None:
        with gzip.GzipFile(fileobj=sink, mode="wb") as out:
            out.write(body)

    write_encrypted(path, key, fill)


@pytest.fixture
def source_env(world_env: dict[str, str]) -> dict[str, str]:
    """The personas' deployment with a backup key of its own."""
    return {**world_env, "OPENNRM_BACKUP_KEY": BACKUP_KEY}


@pytest.fixture
def backed_up(client, world, source_env, tmp_path) -> tuple[Path, str, dict[str, TableSum]]:  # type: ignore[no-untyped-def]
    """An encrypted backup of the personas' database with a signal and a capacity in it."""
    r = client.post("/api/v1/signals", headers=world.ngo_worker.auth, json=SIGNAL)
    assert r.status_code == 201, r.text
    # A NUMERIC column (person-years): backups once failed on decimals.
    capacity = {"person_years": "7.50"}
    r_cap = client.put("/api/v1/capacity", headers=world.national_team_lead.auth, json=capacity)
    assert r_cap.status_code == 200, r_cap.text
    path = tmp_path / "backups" / "opennrm.backup"
    path.parent.mkdir()
    out = run(source_env, "backup", str(path))
    assert out.exit_code == 0, out.output
    sums = checksums(source_env["OPENNRM_DATABASE_URL"])
    assert f"{sum(s.rows for s in sums.values())} rows" in out.stdout
    assert f"backup key {backup_key(source_env).key_id.hex()} (OPENNRM_BACKUP_KEY)" in out.stdout
    return path, r.json()["id"], sums


def test_backup_is_encrypted_and_restores_equal_into_an_empty_database(
    backed_up, source_env, empty_env, world, tmp_path
):
    path, sid, sums = backed_up
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    for canary in CANARIES:
        assert canary.encode() not in data, canary
    # Written atomically, readable by its owner only.
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert path.stat().st_mode & 0o077 == 0

    target = {**empty_env, "OPENNRM_BACKUP_KEY": BACKUP_KEY}
    r = run(target, "restore", str(path))
    assert r.exit_code == 0, r.output
    assert f"restored {sum(s.rows for s in sums.values())} rows" in r.stdout
    # Every row of every table, byte for byte, including the person-years decimal.
    assert checksums(target["OPENNRM_DATABASE_URL"]) == sums
    assert sums["investigation_capacity"].rows == 1
    assert run(target, "audit", "verify").exit_code == 0
    # Only ever into an empty database: a second restore changes nothing.
    again = run(target, "restore", str(path))
    assert again.exit_code == 1 and "not empty" in again.stderr
    assert checksums(target["OPENNRM_DATABASE_URL"]) == sums

    for c in api_client(target["OPENNRM_DATABASE_URL"], tmp_path / "restored"):
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
    assert run(target, "audit", "verify").exit_code == 0


def test_restore_with_the_wrong_key_is_refused_before_anything_is_written(backed_up, empty_env):
    path, _sid, _sums = backed_up
    # Without OPENNRM_BACKUP_KEY the key derived from the data key is tried, and refused.
    r = run(empty_env, "restore", str(path))
    assert r.exit_code == 1
    assert "another backup key" in r.stderr and "nothing restored" in r.stderr
    assert backup_key(empty_env).key_id.hex() in r.stderr
    assert untouched(empty_env["OPENNRM_DATABASE_URL"])

    wrong = {**empty_env, "OPENNRM_BACKUP_KEY": "toinen-avain-" + "w" * 40}
    r = run(wrong, "restore", str(path))
    assert r.exit_code == 1 and "another backup key" in r.stderr
    assert untouched(empty_env["OPENNRM_DATABASE_URL"])

    short = {**empty_env, "OPENNRM_BACKUP_KEY": "lyhyt"}
    r = run(short, "restore", str(path))
    assert r.exit_code == 1 and "at least 32 characters" in r.stderr
    assert "lyhyt" not in r.output


def _chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    sealed = CHUNK + TAG_BYTES
    body = data[HEADER.size :]
    return data[: HEADER.size], [body[i : i + sealed] for i in range(0, len(body), sealed)]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


TAMPERING = {
    "flipped-byte": (lambda h, c: h + b"".join(c[:3]) + _flip(c[3], 100) + b"".join(c[4:])),
    "header-changed": (lambda h, c: _flip(h, HEADER.size - 1) + b"".join(c)),
    "reordered": (lambda h, c: h + c[0] + c[2] + c[1] + b"".join(c[3:])),
    "dropped-chunk": (lambda h, c: h + c[0] + b"".join(c[2:])),
    "truncated-at-chunk": (lambda h, c: h + b"".join(c[:-1])),
    "truncated-mid-chunk": (lambda h, c: h + b"".join(c)[: -CHUNK // 2]),
    "appended": (lambda h, c: h + b"".join(c) + c[-1]),
    "empty": (lambda h, c: h),
}
EXPECTED = {
    "flipped-byte": "chunk 3 does not authenticate",
    "header-changed": "chunk 0 does not authenticate",
    "reordered": "chunk 1 does not authenticate",
    "dropped-chunk": "chunk 1 does not authenticate",
    "truncated-at-chunk": "was truncated",
    "truncated-mid-chunk": "does not authenticate",
    "appended": "does not authenticate",
    "empty": "cut short",
}


def test_a_damaged_or_changed_file_restores_nothing(client, world, source_env, empty_env, tmp_path):
    """Every way of changing the bytes, one empty database: each refusal comes before the
    database is touched, so the same database serves every case (and the good file last)."""
    r = client.post("/api/v1/signals", headers=world.ngo_worker.auth, json=SIGNAL)
    assert r.status_code == 201, r.text
    key = backup_key(source_env)
    good = tmp_path / "good.backup"
    write_backup(Database(source_env["OPENNRM_DATABASE_URL"]), good, key, chunk_size=CHUNK)
    header, chunks = _chunks(good.read_bytes())
    assert len(chunks) > 5
    target = {**empty_env, "OPENNRM_BACKUP_KEY": BACKUP_KEY}
    for tamper, change in TAMPERING.items():
        bad = tmp_path / f"{tamper}.backup"
        bad.write_bytes(change(header, chunks))
        r = run(target, "restore", str(bad))
        assert r.exit_code == 1, tamper
        assert EXPECTED[tamper] in r.stderr, (tamper, r.stderr)
        assert "nothing restored" in r.stderr, tamper
        assert untouched(target["OPENNRM_DATABASE_URL"]), tamper
    # The untouched file from the same database restores.
    assert run(target, "restore", str(good)).exit_code == 0


def _assert_nothing_restored(url: str) -> None:
    after = table_counts(url)
    assert {t: n for t, n in after.items() if n and t != "audit_head"} == {}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            head = conn.execute(text("SELECT seq FROM audit_head")).scalar_one()
    finally:
        engine.dispose()
    assert head == 0


FORGERIES = {
    "action": "does not verify",
    "drop-entry": "does not verify",
    "drop-trailer": "incomplete",
    "extra-row": "other rows than its end says",
    "orphan-row": "rows this database refuses",
}


def _forge(lines: list[dict[str, Any]], tamper: str) -> list[dict[str, Any]]:
    lines = copy.deepcopy(lines)
    if tamper == "drop-trailer":
        lines = lines[:-1]
    elif tamper == "extra-row":
        extra = next(line for line in lines if line.get("t") == "user_roles")
        lines.insert(-1, {**extra, "r": {**extra["r"], "role": "admin"}})
    elif tamper == "orphan-row":
        orphan = next(line for line in lines if line.get("t") == "user_roles")
        orphan["r"]["user_id"] = "00000000-0000-4000-8000-000000000000"
    for line in lines:
        r = line.get("r", {})
        if line.get("t") == "audit_events" and r["action"] == "signal.create":
            if tamper == "action":
                r["action"] = "organisation.create"  # hide that the signal was recorded
            elif tamper == "drop-entry":
                r["seq"] = -r["seq"]  # moved out of the chain
    return lines


def test_restore_refuses_a_forged_backup_from_a_key_holder(
    backed_up, source_env, empty_env, tmp_path
):
    """Someone who holds the backup key rewrites the content: the audit chain, or the
    file's own end line, still refuses it, and the transaction leaves nothing behind."""
    path, _sid, _sums = backed_up
    key = backup_key(source_env)
    lines = plaintext(path, key)
    assert lines[-1].keys() == {"end"}
    target = {**empty_env, "OPENNRM_BACKUP_KEY": BACKUP_KEY}
    for tamper, expected in FORGERIES.items():
        forged = tmp_path / f"forged-{tamper}.backup"
        write_plaintext(forged, key, _forge(lines, tamper))
        r = run(target, "restore", str(forged))
        assert r.exit_code != 0, tamper
        assert expected in r.stderr and "nothing restored" in r.stderr, (tamper, r.stderr)
        _assert_nothing_restored(target["OPENNRM_DATABASE_URL"])


def test_an_unencrypted_backup_of_the_old_format_needs_an_explicit_flag(
    backed_up, source_env, empty_env, tmp_path
):
    """Format 1 (gzip'd JSON lines in clear, no end line) from before encryption."""
    path, _sid, sums = backed_up
    lines = plaintext(path, backup_key(source_env))[:-1]
    lines[0] = {**lines[0], "format": "opennrm-backup/1"}
    old = tmp_path / "old.jsonl.gz"
    with gzip.open(old, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)

    r = run(empty_env, "restore", str(old))
    assert r.exit_code == 1
    assert "unencrypted backup" in r.stderr and "--allow-unencrypted" in r.stderr
    assert untouched(empty_env["OPENNRM_DATABASE_URL"])

    r = run(empty_env, "restore", "--allow-unencrypted", str(old))
    assert r.exit_code == 0, r.output
    assert checksums(empty_env["OPENNRM_DATABASE_URL"]) == sums


def test_restore_refuses_a_file_that_is_not_a_backup(empty_env, tmp_path):
    not_gz = tmp_path / "notes.txt"
    not_gz.write_text("Tämä ei ole varmuuskopio.")
    r = run(empty_env, "restore", str(not_gz))
    assert r.exit_code != 0 and "not an OpenNRM backup" in r.stderr
    other = tmp_path / "other.jsonl.gz"
    with gzip.open(other, "wt") as f:
        f.write(json.dumps({"format": "something-else/9"}) + "\n")
    r = run(empty_env, "restore", str(other), "--allow-unencrypted")
    assert r.exit_code != 0 and "not an OpenNRM backup" in r.stderr
    r = run(empty_env, "restore", str(tmp_path / "missing.backup"))
    assert r.exit_code != 0 and "does not exist" in r.stderr
    assert untouched(empty_env["OPENNRM_DATABASE_URL"])


def test_backup_from_sqlite_restores_on_the_test_backend(empty_env, tmp_path):
    """Portable: an embedded deployment moves to the server database (or to another file),
    with the backup key derived from the data key both have."""
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
    path = tmp_path / "embedded.backup"
    out = run(source, "backup", str(path))
    assert out.exit_code == 0 and "derived from OPENNRM_DATA_KEY" in out.stdout
    assert "Nguyễn Thị Lan".encode() not in path.read_bytes()
    r = run(empty_env, "restore", str(path))
    assert r.exit_code == 0, r.output
    assert checksums(empty_env["OPENNRM_DATABASE_URL"]) == checksums(source["OPENNRM_DATABASE_URL"])
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
