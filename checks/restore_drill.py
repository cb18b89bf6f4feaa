"""The restore drill (issue 7, item 5): a backup is only as good as the last restore.

    uv run python -m checks.restore_drill [--backend sqlite|postgresql|both] [--signals N]

For each backend it builds an instance with the demo deployment's synthetic data (the
organisations, accounts, signals, referrals, investigations and action plan `opennrm demo`
seeds, all through the real actions), takes an encrypted backup, restores it into an
EMPTY instance (a new SQLite file, a new PostgreSQL database), and checks the copy:

- row counts and a checksum of every row of every table (`opennrm.backup_checksums`)
  equal between the source and the restored instance;
- the audit chain verifies;
- a smoke test: the app on the restored database signs a demo user in with a password,
  reads a signal (its encrypted summary decrypts), records a new signal, and the chain
  verifies again with the new entries.

With `--backend both` it also restores each backend's backup on the other one (SQLite ->
PostgreSQL and back). It prints, per drill: rows, backup size, backup time, restore time,
recovery time (restore + verification + smoke), whether the checksums are equal and the
chain ok; and exits non-zero if any check failed. Synthetic data only.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from opennrm import migrate
from opennrm.app import create_app
from opennrm.audit import trail
from opennrm.auth.models import Organisation, User
from opennrm.backup import restore_backup, write_backup
from opennrm.backup_checksums import TableSum, table_checksums
from opennrm.backup_crypto import BackupKey
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.demo.seed import DEMO_PASSWORD, seed
from opennrm.demo.synthetic import generate_signals, strip_truth
from opennrm.settings import Settings

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Keys:
    """One deployment's keys: the restored instance runs with the source's keys."""

    secret_key: str
    data_key: str
    backup_key: str

    @classmethod
    def new(cls) -> Keys:
        return cls(*(secrets.token_urlsafe(48) for _ in range(3)))


@dataclass
class Outcome:
    name: str
    rows: int
    tables: int
    backup_bytes: int
    backup_s: float
    restore_s: float
    verify_s: float
    smoke_s: float
    checksums_equal: bool
    chain_ok: bool
    smoke_ok: bool
    chain_after_smoke_ok: bool
    mismatched: list[str]

    @property
    def recovery_s(self) -> float:
        return self.restore_s + self.verify_s + self.smoke_s

    @property
    def ok(self) -> bool:
        return (
            self.checksums_equal and self.chain_ok and self.smoke_ok and self.chain_after_smoke_ok
        )


class Places:
    """Makes empty databases (SQLite files in a work directory, PostgreSQL databases on
    one server) and removes them at the end."""

    def __init__(self, workdir: Path, pg_admin_url: str) -> None:
        self.workdir = workdir
        self.pg_admin_url = pg_admin_url
        self.run_id = secrets.token_hex(4)
        self.pg_databases: list[str] = []

    def new(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.workdir / f'{name}.db'}"
        database = f"opennrm_drill_{self.run_id}_{name}"
        admin = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
        finally:
            admin.dispose()
        self.pg_databases.append(database)
        return make_url(self.pg_admin_url).set(database=database).render_as_string(False)

    def drop_all(self) -> None:
        admin = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for database in self.pg_databases:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        finally:
            admin.dispose()


def settings_for(url: str, keys: Keys, data_dir: Path) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key=keys.secret_key,
        data_key=keys.data_key,
        backup_key=keys.backup_key,
    )


@contextmanager
def database(url: str) -> Iterator[Database]:
    db = Database(url)
    try:
        yield db
    finally:
        db.dispose()


def build_source(url: str, settings: Settings, signals: int) -> float:
    """Migrate and seed the demo deployment with `signals` synthetic signals."""
    started = time.perf_counter()
    with database(url) as db:
        migrate.upgrade(db.engine)
        seed(AppContext.build(settings, db), signals=signals)
    return time.perf_counter() - started


def checksums(url: str) -> dict[str, TableSum]:
    engine = create_engine(url)
    try:
        return table_checksums(engine)
    finally:
        engine.dispose()


def chain_ok(db: Database) -> tuple[bool, int]:
    with db.transaction() as session:
        result = trail.verify(session)
    return result.ok, result.checked


def smoke(url: str, settings: Settings) -> tuple[bool, str]:
    """Sign a demo caseworker in, read a signal, record one; returns (ok, what failed)."""
    with database(url) as db:
        with db.transaction() as session:
            email = session.scalar(
                select(User.email)
                .join(Organisation, Organisation.id == User.organisation_id)
                .where(Organisation.type == "ngo", User.email.like("%.caseworker@%"))
                .order_by(User.email)
            )
        if email is None:
            return False, "no NGO caseworker in the restored data"
        ctx = AppContext.build(settings, db)
        with TestClient(create_app(settings, ctx), base_url="https://testserver") as client:
            grant = client.post(
                "/api/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD}
            )
            if grant.status_code != 200:
                return False, f"sign-in: {grant.status_code}"
            auth = {"Authorization": f"Bearer {grant.json()['access_token']}"}
            page = client.get("/api/v1/signals", headers=auth)
            if page.status_code != 200 or not page.json()["items"]:
                return False, f"signal list: {page.status_code}"
            sid = page.json()["items"][0]["id"]
            read = client.get(f"/api/v1/signals/{sid}", headers=auth)
            if read.status_code != 200 or not read.json().get("summary"):
                return False, f"signal read: {read.status_code}"
            body = strip_truth(generate_signals(1, seed=int(time.time()))[0])
            new = client.post("/api/v1/signals", headers=auth, json=body)
            if new.status_code != 201:
                return False, f"signal create: {new.status_code} {new.text[:200]}"
    return True, ""


def drill(
    name: str,
    source_url: str,
    target_url: str,
    keys: Keys,
    workdir: Path,
    backup: Path | None = None,
) -> tuple[Outcome, Path]:
    """Back up `source_url` (unless `backup` is given), restore into `target_url`, check."""
    target_settings = settings_for(target_url, keys, workdir / "data")
    key = BackupKey.from_settings(target_settings)
    source = checksums(source_url)
    backup_s = 0.0
    if backup is None:
        backup = workdir / f"{name}.backup"
        started = time.perf_counter()
        with database(source_url) as db:
            write_backup(db, backup, key)
        backup_s = time.perf_counter() - started

    with database(target_url) as db:
        started = time.perf_counter()
        restore_backup(db, backup, key)
        restore_s = time.perf_counter() - started

        started = time.perf_counter()
        restored = checksums(target_url)
        ok, checked = chain_ok(db)
        verify_s = time.perf_counter() - started

        started = time.perf_counter()
        smoke_ok, failure = smoke(target_url, target_settings)
        after_ok, after_checked = chain_ok(db)
        smoke_s = time.perf_counter() - started
    if failure:
        print(f"  smoke test failed: {failure}", file=sys.stderr)
    mismatched = [t for t in source if source[t] != restored.get(t)]
    outcome = Outcome(
        name=name,
        rows=sum(s.rows for s in source.values()),
        tables=len(source),
        backup_bytes=backup.stat().st_size,
        backup_s=backup_s,
        restore_s=restore_s,
        verify_s=verify_s,
        smoke_s=smoke_s,
        checksums_equal=not mismatched and source.keys() == restored.keys(),
        chain_ok=ok and checked > 0,
        smoke_ok=smoke_ok,
        chain_after_smoke_ok=after_ok and after_checked > checked,
        mismatched=mismatched,
    )
    return outcome, backup


def report(outcome: Outcome) -> None:
    o = outcome
    print(f"\n{o.name}")
    print(f"  rows                 {o.rows} in {o.tables} tables")
    print(f"  backup size          {o.backup_bytes / 1e6:.2f} MB (encrypted)")
    if o.backup_s:
        print(f"  backup time          {o.backup_s:.2f} s")
    else:
        print("  backup time          (the source drill's backup)")
    print(f"  restore time         {o.restore_s:.2f} s")
    print(f"  verification time    {o.verify_s:.2f} s (checksums of the copy + audit chain)")
    print(f"  smoke test time      {o.smoke_s:.2f} s")
    print(f"  recovery time        {o.recovery_s:.2f} s (restore + verification + smoke)")
    print(f"  checksums equal      {'yes' if o.checksums_equal else 'NO ' + str(o.mismatched)}")
    print(f"  audit chain ok       {'yes' if o.chain_ok else 'NO'}")
    print(f"  smoke test ok        {'yes' if o.smoke_ok else 'NO'}")
    print(f"  chain ok after smoke {'yes' if o.chain_after_smoke_ok else 'NO'}")


def table(outcomes: list[Outcome]) -> None:
    print(
        "\n| drill | rows | backup size | backup time | restore time | recovery time "
        "| checksums equal | chain ok | smoke ok |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for o in outcomes:
        backup_time = f"{o.backup_s:.1f} s" if o.backup_s else "—"
        print(
            f"| {o.name} | {o.rows} | {o.backup_bytes / 1e6:.2f} MB | {backup_time} "
            f"| {o.restore_s:.1f} s | {o.recovery_s:.1f} s "
            f"| {'yes' if o.checksums_equal else 'NO'} "
            f"| {'yes' if o.chain_ok and o.chain_after_smoke_ok else 'NO'} "
            f"| {'yes' if o.smoke_ok else 'NO'} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--signals", type=int, default=300, help="synthetic signals to seed")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="a PostgreSQL server's admin URL")
    parser.add_argument("--keep", action="store_true", help="keep the files and databases")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]

    workdir = Path(tempfile.mkdtemp(prefix="opennrm-drill-"))
    places = Places(workdir, args.pg_url)
    keys = Keys.new()
    outcomes: list[Outcome] = []
    backups: dict[str, tuple[str, Path]] = {}
    print(f"restore drill: {', '.join(backends)}; {args.signals} signals; work dir {workdir}")
    try:
        for backend in backends:
            source_url = places.new(backend, "source")
            seeded = build_source(
                source_url, settings_for(source_url, keys, workdir / "data"), args.signals
            )
            print(f"  {backend} source seeded in {seeded:.1f} s")
            target_url = places.new(backend, "restored")
            outcome, path = drill(f"{backend} -> {backend}", source_url, target_url, keys, workdir)
            backups[backend] = (source_url, path)
            outcomes.append(outcome)
            report(outcome)
        if len(backends) == 2:
            for source_backend, target_backend in (
                ("sqlite", "postgresql"),
                ("postgresql", "sqlite"),
            ):
                source_url, path = backups[source_backend]
                target_url = places.new(target_backend, f"from_{source_backend}")
                outcome, _ = drill(
                    f"{source_backend} -> {target_backend}",
                    source_url,
                    target_url,
                    keys,
                    workdir,
                    backup=path,
                )
                outcomes.append(outcome)
                report(outcome)
    finally:
        if not args.keep:
            if "postgresql" in backends:
                places.drop_all()
            shutil.rmtree(workdir, ignore_errors=True)
    table(outcomes)
    failed = [o.name for o in outcomes if not o.ok]
    print(f"\n{len(outcomes) - len(failed)}/{len(outcomes)} drills passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
