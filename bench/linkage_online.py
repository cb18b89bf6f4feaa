"""Online linkage: how long matching one new person against a store of N persons takes.

    uv run python -m bench.linkage_online --db sqlite|postgresql --store N [--queries Q]

Every new signal and investigation is matched inside the transaction that stores it
(`opennrm.linkage.actions.index_record`): each of its persons is indexed
(`index.index_person`: encrypted features and blind-indexed blocking keys), candidates
are fetched by key, decrypted and scored (`index.link_person`), and the new candidate
links are written. This benchmark measures that work, not the HTTP around it:

1. makes a fresh database (a temporary SQLite file, or a new PostgreSQL database
   `opennrm_bench_linkage_<pid>`, dropped at the end, also on failure), migrates it and
   inserts one organisation;
2. bulk-loads the first N of `generate_people(N + Q + W, seed)` into `linkage_persons`
   and `linkage_keys`, encrypted and blind-indexed exactly as `index_person` does, with
   the secondary indexes and foreign keys of those two tables dropped during the load
   and recreated, from their own DDL, afterwards; then ANALYZE;
3. matches each of the next Q rows (which include later records of persons already in
   the store) in a transaction of its own that is rolled back, so the store keeps its
   size: `index_person` + `link_person` + flush with the shipped model, then, in a second
   pass over the same rows, the whole `index_record`, audit event included. The last W
   rows warm each pass up first and are not counted.

It prints the latencies (mean, p50, p95, p99, max), where the time went inside
`link_person`, the candidates and links per query, a Markdown row and, as its last line,
everything as one JSON object. It asserts nothing about speed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import math
import multiprocessing
import os
import pstats
import signal
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.signals import CLOCK_TICKS, machine
from opennrm import migrate
from opennrm.crypto import FieldCipher
from opennrm.db import Database
from opennrm.demo.linkage_people import generate_people
from opennrm.linkage import index as linkage_index
from opennrm.linkage.actions import index_record, shipped_model
from opennrm.linkage.engine.blocking import (
    DEFAULT_MAX_BLOCK,
    WEAK_MAX_BLOCK,
    block_limit,
    blocking_keys,
)
from opennrm.linkage.index import PersonFields, index_person, key_digest, link_person
from opennrm.linkage.models import LinkagePerson
from opennrm.policy.rules import Actor

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"
RECORD_TYPE = "signal"
CHUNK = 2_000  # rows per encoding task and per insert batch
# The tables the load fills; their secondary indexes and foreign keys are dropped for the
# load and recreated afterwards from the DDL the migrations wrote.
LOADED = ("linkage_persons", "linkage_keys")
PERSON_COLUMNS = (
    "id",
    "record_type",
    "record_id",
    "source_person_id",
    "organisation_id",
    "features_enc",
    "created_at",
)


class BenchError(RuntimeError):
    """The benchmark could not run."""


# --- rows: the same fields, ciphertexts and blind indexes as index_person writes -------------


def _many(cell: str) -> list[str]:
    return [v for v in (part.strip() for part in cell.split("|")) if v]


def person_fields(row: dict[str, str]) -> PersonFields:
    """A generated row (the linkage CSV shape) as the fields a signal's person carries:
    the full name and the given/family split as two written names, as `read_people`
    reads them."""
    names = [row["full_name"]] if row["full_name"].strip() else []
    split = " ".join(p for p in (row["given_names"].strip(), row["family_names"].strip()) if p)
    if split:
        names.append(split)
    return PersonFields(
        names=names,
        birth_date=row["birth_date"] or None,
        gender=row["gender"] or None,
        nationality=row["nationality"] or None,
        phones=_many(row["phones"]),
        emails=_many(row["emails"]),
        identifiers=_many(row["identifiers"]),
        addresses=[row["address"]] if row["address"].strip() else [],
    )


_worker: dict[str, Any] = {}


def _init_worker(enc_key: bytes, index_key: bytes, organisation_id: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # Pool.terminate() ends workers quietly
    _worker["cipher"] = FieldCipher(enc_key, index_key)
    _worker["org"] = organisation_id


def source_id(entity: int) -> str:
    """A `source_person_id` (36 characters, like the uuid of a real signal's person) that
    names the synthetic identity behind the row, so that a link can be checked against
    the truth without holding a map of a million ids (whose every traversal by the
    garbage collector would stall the queries measured)."""
    return f"{entity:010d}-{uuid.uuid4().hex[:25]}"


def entity_of(source_person_id: str) -> int:
    return int(source_person_id[:10])


def encode_chunk(
    rows: list[tuple[dict[str, str], int]],
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    """Persons (without `created_at`) and their keys, as `index_person` would store them."""
    cipher: FieldCipher = _worker["cipher"]
    org: str = _worker["org"]
    persons, keys = [], []
    for row, entity in rows:
        pid = str(uuid.uuid4())
        fields = person_fields(row)
        enc = cipher.encrypt(json.dumps(asdict(fields)), f"linkage_persons:{pid}:features")
        persons.append((pid, RECORD_TYPE, str(uuid.uuid4()), source_id(entity), org, enc))
        keys += [(pid, key_digest(cipher, k)) for k in blocking_keys(fields.record(pid))]
    return persons, keys


# --- databases -------------------------------------------------------------------------------


@contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    yield f"sqlite:///{directory / 'linkage.db'}"


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database `opennrm_bench_linkage_<pid>`, dropped on the way out whatever
    happened."""
    base = make_url(admin_url)
    name = f"opennrm_bench_linkage_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            raise BenchError(f"cannot create database {name} on {admin_url}: {exc}") from exc
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(f"dropped database {name}", file=sys.stderr)
    finally:
        admin.dispose()


class Loader:
    """Writes persons and keys as fast as the database takes them."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.created_at = datetime.now(UTC)
        self.write_seconds = 0.0

    def __enter__(self) -> Loader:
        return self

    def __exit__(self, *_exc: object) -> None:
        pass

    def write(self, persons: list[tuple[Any, ...]], keys: list[tuple[str, str]]) -> None:
        raise NotImplementedError

    def finish(self) -> dict[str, float]:
        raise NotImplementedError


class SqliteLoader(Loader):
    """executemany in big transactions, on a connection of its own with the journal in
    memory and no syncing; WAL is back on before the benchmark's engine reconnects."""

    def __enter__(self) -> SqliteLoader:
        self.db.engine.dispose()  # no other connection: journal_mode needs the file alone
        path = make_url(self.db.url).database
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-1000000")  # 1 GB while loading only
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.indexes = [
            (name, sql)
            for name, sql in self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                " AND tbl_name IN (?, ?)",
                LOADED,
            )
        ]
        for name, _sql in self.indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        # `created_at` as SQLAlchemy writes a timezone-aware UTC datetime to SQLite.
        self.created = self.created_at.strftime("%Y-%m-%d %H:%M:%S.%f")
        self.conn.execute("BEGIN")
        return self

    def write(self, persons: list[tuple[Any, ...]], keys: list[tuple[str, str]]) -> None:
        started = time.perf_counter()
        self.conn.executemany(
            "INSERT INTO linkage_persons (id, record_type, record_id, source_person_id,"
            " organisation_id, features_enc, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*p, self.created) for p in persons],
        )
        self.conn.executemany("INSERT INTO linkage_keys (person_id, key) VALUES (?, ?)", keys)
        self.write_seconds += time.perf_counter() - started

    def finish(self) -> dict[str, float]:
        self.conn.execute("COMMIT")
        started = time.perf_counter()
        for _name, sql in self.indexes:
            self.conn.execute(sql)
        indexed = time.perf_counter()
        self.conn.execute("ANALYZE")
        analysed = time.perf_counter()
        self.conn.execute("PRAGMA journal_mode=WAL")
        return {"index_s": indexed - started, "analyze_s": analysed - indexed}

    def __exit__(self, *_exc: object) -> None:
        self.conn.close()


class PostgresLoader(Loader):
    """COPY on a psycopg connection of its own, in one transaction; the secondary indexes
    and foreign keys of the two tables are dropped for the load and recreated after."""

    def __enter__(self) -> PostgresLoader:
        import psycopg

        self.db.engine.dispose()
        url = make_url(self.db.url).set(drivername="postgresql")
        self.conn = psycopg.connect(url.render_as_string(hide_password=False))
        cur = self.conn.cursor()
        cur.execute("SET maintenance_work_mem = '1GB'")
        self.indexes = cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [list(LOADED)],
        ).fetchall()
        self.fkeys = cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [list(LOADED)],
        ).fetchall()
        for table, name, _def in self.fkeys:
            cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _def in self.indexes:
            cur.execute(f'DROP INDEX "{name}"')
        return self

    def write(self, persons: list[tuple[Any, ...]], keys: list[tuple[str, str]]) -> None:
        started = time.perf_counter()
        cur = self.conn.cursor()
        with cur.copy(f"COPY linkage_persons ({', '.join(PERSON_COLUMNS)}) FROM STDIN") as copy:
            for p in persons:
                copy.write_row((*p, self.created_at))
        with cur.copy("COPY linkage_keys (person_id, key) FROM STDIN") as copy:
            for k in keys:
                copy.write_row(k)
        self.write_seconds += time.perf_counter() - started

    def finish(self) -> dict[str, float]:
        cur = self.conn.cursor()
        started = time.perf_counter()
        for _name, ddl in self.indexes:
            cur.execute(ddl)
        for table, name, ddl in self.fkeys:
            cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {ddl}')
        self.conn.commit()
        indexed = time.perf_counter()
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE linkage_persons")
        self.conn.execute("VACUUM ANALYZE linkage_keys")
        self.conn.execute("ANALYZE")
        analysed = time.perf_counter()
        return {"index_s": indexed - started, "analyze_s": analysed - indexed}

    def __exit__(self, *_exc: object) -> None:
        self.conn.close()


# --- the load --------------------------------------------------------------------------------


@dataclass
class Load:
    persons: int = 0
    keys: int = 0
    seconds: float = 0.0
    write_seconds: float = 0.0
    index_seconds: float = 0.0
    analyze_seconds: float = 0.0
    db_bytes: int = 0

    def figures(self) -> dict[str, Any]:
        return {
            "persons": self.persons,
            "keys": self.keys,
            "seconds": round(self.seconds, 1),
            "rows_written_s": round(self.write_seconds, 1),
            "index_s": round(self.index_seconds, 1),
            "analyze_s": round(self.analyze_seconds, 1),
            "persons_per_s": round(self.persons / self.seconds) if self.seconds else None,
            "db_mib": round(self.db_bytes / 2**20),
        }


def _entity(eid: str) -> int:
    return int(eid[1:])


def load_store(
    db: Database,
    cipher: FieldCipher,
    organisation_id: str,
    rows: Iterable[tuple[dict[str, str], str]],
    n: int,
    jobs: int,
) -> Load:
    """Encode rows in `jobs` processes (in order, a bounded number of chunks in flight)
    and write them from this one."""
    load = Load()
    started = time.perf_counter()
    loader: Loader = SqliteLoader(db) if db.is_sqlite else PostgresLoader(db)
    ctx = multiprocessing.get_context("fork")
    initargs = (cipher.enc_key, cipher.index_key, organisation_id)
    with (
        loader,
        ctx.Pool(jobs, initializer=_init_worker, initargs=initargs) as pool,
    ):
        in_flight: deque[Any] = deque()
        last_report = started

        def drain(until: int) -> None:
            nonlocal last_report
            while len(in_flight) > until:
                persons, keys = in_flight.popleft().get()
                loader.write(persons, keys)
                load.persons += len(persons)
                load.keys += len(keys)
                now = time.perf_counter()
                if now - last_report > 10 or load.persons == n:
                    last_report = now
                    print(
                        f"  loaded {load.persons:,} of {n:,} persons ({load.keys:,} keys), "
                        f"{load.persons / (now - started):,.0f}/s",
                        file=sys.stderr,
                    )

        chunk: list[tuple[dict[str, str], int]] = []
        for row, eid in rows:
            chunk.append((row, _entity(eid)))
            if len(chunk) == CHUNK:
                in_flight.append(pool.apply_async(encode_chunk, (chunk,)))
                chunk = []
                drain(2 * jobs + 2)
        if chunk:
            in_flight.append(pool.apply_async(encode_chunk, (chunk,)))
        drain(0)
        load.write_seconds = loader.write_seconds
        print("  recreating indexes and foreign keys, then ANALYZE…", file=sys.stderr)
        after = loader.finish()
    load.index_seconds = after["index_s"]
    load.analyze_seconds = after["analyze_s"]
    load.seconds = time.perf_counter() - started
    return load


# --- the queries -----------------------------------------------------------------------------


@dataclass
class Query:
    fields: PersonFields
    entity: int
    stored: bool = False  # a record of the same synthetic person is in the store


@dataclass
class Timings:
    """Seconds of each part of one query, filled in by the wrappers below."""

    candidates: float = 0.0
    decrypt: float = 0.0
    gc: float = 0.0  # pauses of Python's cyclic garbage collector
    found: int = 0


class Instrument:
    """Wraps `index.candidates_for` and `index.load_record` (module attributes, looked up
    by `link_person` at each call) to time them and count candidates; no file changes."""

    def __init__(self, max_block: int | None = None) -> None:
        self.current = Timings()
        self.max_block = max_block
        self.gc_collections = [0, 0, 0]
        self._cf = linkage_index.candidates_for
        self._lr = linkage_index.load_record
        self._gc_started = 0.0

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.current.gc += time.perf_counter() - self._gc_started
            self.gc_collections[info["generation"]] += 1

    def __enter__(self) -> Instrument:
        cf, lr, max_block = self._cf, self._lr, self.max_block

        def candidates_for(*args: Any, **kwargs: Any) -> Any:
            if max_block is not None:  # the --max-block experiment
                kwargs["max_block"] = max_block
            started = time.perf_counter()
            result = cf(*args, **kwargs)
            self.current.candidates += time.perf_counter() - started
            self.current.found += len(result.found)
            return result

        def load_record(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = lr(*args, **kwargs)
            self.current.decrypt += time.perf_counter() - started
            return result

        linkage_index.candidates_for = candidates_for  # type: ignore[assignment]
        linkage_index.load_record = load_record  # type: ignore[assignment]
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._on_gc)
        linkage_index.candidates_for = self._cf  # type: ignore[assignment]
        linkage_index.load_record = self._lr  # type: ignore[assignment]

    def reset(self) -> Timings:
        self.current = Timings()
        return self.current


@dataclass
class Pass:
    """One pass over the queries: a list of figures per query."""

    name: str
    total: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this process's CPU time in `total`
    gc: list[float] = field(default_factory=list)
    index: list[float] = field(default_factory=list)
    link: list[float] = field(default_factory=list)
    candidates: list[float] = field(default_factory=list)
    decrypt: list[float] = field(default_factory=list)
    flush: list[float] = field(default_factory=list)
    found: list[int] = field(default_factory=list)
    links: list[int] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    skipped_keys: list[int] = field(default_factory=list)
    true_linked: list[bool | None] = field(default_factory=list)
    decisions: dict[str, int] = field(default_factory=dict)


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest rank: a latency some query really had."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def latency(values: list[float]) -> dict[str, float | None] | None:
    if not values:
        return None
    ms = [v * 1000 for v in values]
    return {
        "mean": round(sum(ms) / len(ms), 2),
        "p50": round(percentile(ms, 50) or 0, 2),
        "p95": round(percentile(ms, 95) or 0, 2),
        "p99": round(percentile(ms, 99) or 0, 2),
        "max": round(max(ms), 2),
    }


def counts(values: list[int]) -> dict[str, float]:
    return {
        "mean": round(sum(values) / len(values), 1) if values else 0.0,
        "p50": percentile(values, 50) or 0,
        "p95": percentile(values, 95) or 0,
        "max": max(values, default=0),
    }


@dataclass
class Bench:
    db: Database
    cipher: FieldCipher
    organisation_id: str
    actor: Actor
    instrument: Instrument

    def query(self, q: Query, mode: str, out: Pass | None) -> None:
        """One new person matched in a transaction of its own, rolled back after."""
        model = shipped_model()
        cipher = self.cipher
        with self.db.sessionmaker() as session:
            session.begin()
            session.connection()  # BEGIN (IMMEDIATE on SQLite) before the clock starts
            timings = self.instrument.reset()
            record_id, source_id = str(uuid.uuid4()), str(uuid.uuid4())
            cpu_started = time.process_time()
            started = time.perf_counter()
            if mode == "link":
                person, record = index_person(
                    session,
                    cipher,
                    record_type=RECORD_TYPE,
                    record_id=record_id,
                    source_person_id=source_id,
                    organisation_id=self.organisation_id,
                    fields=q.fields,
                )
                indexed = time.perf_counter()
                links = link_person(session, cipher, model, person, record)
                linked = time.perf_counter()
                session.flush()
            else:
                links = index_record(
                    session,
                    cipher,
                    actor=self.actor,
                    record_type=RECORD_TYPE,
                    record_id=record_id,
                    organisation_id=self.organisation_id,
                    persons=[(source_id, q.fields)],
                    model=model,
                )
                indexed = linked = started
            finished = time.perf_counter()
            cpu = time.process_time() - cpu_started
            if out is not None:
                out.total.append(finished - started)
                out.cpu.append(cpu)
                out.gc.append(timings.gc)
                if mode == "link":
                    out.index.append(indexed - started)
                    out.link.append(linked - indexed)
                    out.flush.append(finished - linked)
                out.candidates.append(timings.candidates)
                out.decrypt.append(timings.decrypt)
                out.found.append(timings.found)
                out.links.append(len(links))
                for link in links:
                    out.decisions[link.decision] = out.decisions.get(link.decision, 0) + 1
                if q.stored:  # the stored side of each link is in the session already
                    out.true_linked.append(
                        any(
                            entity_of(session.get(LinkagePerson, c.left_person_id).source_person_id)
                            == q.entity
                            for c in links
                        )
                    )
                else:
                    out.true_linked.append(None)
                if mode == "link":
                    keys, skipped = self.key_counts(session, q.fields)
                    out.keys.append(keys)
                    out.skipped_keys.append(skipped)
            session.rollback()

    def key_counts(self, session: Session, fields: PersonFields) -> tuple[int, int]:
        """The query's blocking keys, and how many are held by more persons than their
        limit (`block_limit`), so skipped. Not timed."""
        max_block = self.instrument.max_block or DEFAULT_MAX_BLOCK
        limits = {
            key_digest(self.cipher, k): block_limit(k, max_block)
            for k in blocking_keys(fields.record("q"))
        }
        digests = list(limits)
        if not digests:
            return 0, 0
        rows = session.execute(
            text(
                "SELECT key, count(*) FROM linkage_keys WHERE key IN :keys GROUP BY key"
            ).bindparams(_expanding("keys")),
            {"keys": digests},
        ).all()
        return len(digests), sum(1 for k, c in rows if c > limits[k])

    def run_pass(self, name: str, mode: str, queries: list[Query], warmup: list[Query]) -> Pass:
        for q in warmup:
            self.query(q, mode, None)
        out = Pass(name)
        last = time.perf_counter()
        for i, q in enumerate(queries, 1):
            self.query(q, mode, out)
            if time.perf_counter() - last > 10:
                last = time.perf_counter()
                print(f"  {name}: {i} of {len(queries)} queries", file=sys.stderr)
        return out


def _expanding(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


# --- where the time goes ---------------------------------------------------------------------


def profile(bench: Bench, queries: list[Query]) -> str:
    """cProfile over the queries (link pass) and the plans of the two candidate queries."""
    profiler = cProfile.Profile()
    profiler.enable()
    for q in queries:
        bench.query(q, "link", None)
    profiler.disable()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    return buf.getvalue() + plans(bench, queries[0])


def plans(bench: Bench, q: Query) -> str:
    """EXPLAIN of `candidates_for`'s two statements for one query's keys."""
    digests = [key_digest(bench.cipher, k) for k in blocking_keys(q.fields.record("q"))]
    marks = ", ".join(f"'{d}'" for d in digests)  # hex digests: safe to inline
    count_sql = f"SELECT key, count(*) FROM linkage_keys WHERE key IN ({marks}) GROUP BY key"  # noqa: S608
    fetch_sql = (
        "SELECT * FROM linkage_persons WHERE id IN (SELECT DISTINCT person_id FROM linkage_keys"  # noqa: S608
        f" WHERE key IN ({marks})) AND (record_type != 'signal' OR record_id != 'x') ORDER BY id"
    )
    explain = "EXPLAIN QUERY PLAN " if bench.db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    out = []
    with bench.db.engine.connect() as conn:
        for label, sql in (("key counts", count_sql), ("candidates", fetch_sql)):
            rows = conn.execute(text(explain + sql)).all()
            out.append(f"-- {label}:")
            out += ["   " + " | ".join(str(c) for c in row) for row in rows]
        conn.rollback()
    return "\n".join(out) + "\n"


# --- CPU used by others ----------------------------------------------------------------------


def busy_seconds() -> float:
    with Path("/proc/stat").open() as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / CLOCK_TICKS


def proc_seconds(pid: int) -> float:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    rest = raw[raw.rindex(")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) / CLOCK_TICKS


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Plan:
    db: str
    store: int
    queries: int
    warmup: int
    seed: int
    jobs: int
    profile: int
    audit_pass: bool
    max_block: int | None
    gc_freeze: bool
    pg_url: str

    def command(self) -> str:
        return (
            f"uv run python -m bench.linkage_online --db {self.db} --store {self.store}"
            f" --queries {self.queries}"
            + (f" --seed {self.seed}" if self.seed != 11 else "")
            + (f" --max-block {self.max_block}" if self.max_block is not None else "")
            + (" --gc-freeze" if self.gc_freeze else "")
            + ("" if self.audit_pass else " --no-audit-pass")
        )


def run(plan: Plan) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="opennrm-bench-linkage-") as tmp:
        database = (
            sqlite_database(Path(tmp)) if plan.db == "sqlite" else postgres_database(plan.pg_url)
        )
        with database as url:
            db = Database(url)
            try:
                return _run_on(plan, db)
            finally:
                db.dispose()


def _run_on(plan: Plan, db: Database) -> dict[str, Any]:
    host = machine(db)
    print(f"migrating a fresh {plan.db} database…", file=sys.stderr)
    migrate.upgrade(db.engine)
    cipher = FieldCipher.from_master(os.urandom(32).hex())
    org_id, user_id = str(uuid.uuid4()), str(uuid.uuid4())
    with db.transaction() as session:
        session.execute(
            text(
                "INSERT INTO organisations (id, name, type, region, created_at)"
                " VALUES (:id, :name, 'ngo', 'MK01', :at)"
            ),
            {"id": org_id, "name": "Linkage benchmark ry", "at": datetime.now(UTC)},
        )
    actor = Actor(
        user_id=user_id,
        organisation_id=org_id,
        organisation_type="ngo",
        roles=frozenset({"caseworker"}),
        via="system",
    )

    passes = 2 if plan.audit_pass else 1
    used = plan.store + plan.warmup + passes * plan.queries
    total = used + tail_rows(used)
    print(
        f"loading {plan.store:,} persons of generate_people({total:,}, seed={plan.seed})"
        f" with {plan.jobs} encoding process(es)…",
        file=sys.stderr,
    )
    rows = generate_people(total, seed=plan.seed)
    stored = itertools.islice(rows, plan.store)
    load = load_store(db, cipher, org_id, stored, plan.store, plan.jobs)
    later = [
        Query(person_fields(row), _entity(eid))
        for row, eid in itertools.islice(rows, used - plan.store)
    ]
    # The warm-up rows, then the queries of each pass: the second pass (index_record)
    # matches other persons than the first, so neither finds the other's pages cached.
    warmup, later = later[: plan.warmup], later[plan.warmup :]
    queries, audit_queries = later[: plan.queries], later[plan.queries :]
    load.db_bytes = database_bytes(db)
    print(
        f"loaded {load.persons:,} persons and {load.keys:,} keys in {load.seconds:.1f} s",
        file=sys.stderr,
    )
    check_store(db, cipher, load)
    rows.close()  # the generator's state is not the server's: let it go
    mark_stored(db, [*warmup, *queries, *audit_queries])

    if plan.gc_freeze:  # the experiment: what a server would do once started up
        gc.collect()
        gc.freeze()
    with Instrument(plan.max_block) as instrument:
        bench = Bench(db, cipher, org_id, actor, instrument)
        pg_pid = None
        if not db.is_sqlite:
            with db.engine.connect() as conn:
                pg_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        wall0, busy0, me0 = time.monotonic(), busy_seconds(), sum(os.times()[:2])
        pg0 = proc_seconds(pg_pid) if pg_pid else 0.0
        print(f"matching {plan.queries} persons (after {len(warmup)} warm-up)…", file=sys.stderr)
        measured = [bench.run_pass("index_person + link_person", "link", queries, warmup)]
        if plan.audit_pass:
            measured.append(bench.run_pass("index_record", "record", audit_queries, warmup))
        wall = time.monotonic() - wall0
        pg_cpu = (proc_seconds(pg_pid) - pg0) if pg_pid else 0.0
        mine = sum(os.times()[:2]) - me0
        other = max(0.0, busy_seconds() - busy0 - mine - pg_cpu) / wall
        profiled = profile(bench, queries[: plan.profile]) if plan.profile else None
        gc_collections = list(instrument.gc_collections)
    figures = result(plan, host, load, measured, other, mine / wall, pg_cpu / wall, profiled)
    figures["gc_collections_by_generation"] = gc_collections
    return figures


def tail_rows(used: int) -> int:
    """Rows generated after the queries and thrown away. The generator spreads a
    person's later records over the rows after the first (mean spread min(n/8, 30,000)
    rows) and crowds those still pending at its end into its last rows, where most rows
    are then duplicates. Four spreads more rows keep the queries out of that crowd: about
    a third of them are later records of a stored person, as everywhere else."""
    return min(used, 120_000)


def database_bytes(db: Database) -> int:
    if db.is_sqlite:
        path = Path(make_url(db.url).database or "")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar())


def mark_stored(db: Database, queries: list[Query]) -> None:
    with db.engine.connect() as conn:
        for q in queries:
            q.stored = (
                conn.execute(
                    text(
                        "SELECT 1 FROM linkage_persons"
                        " WHERE source_person_id >= :low AND source_person_id < :high LIMIT 1"
                    ),
                    {"low": f"{q.entity:010d}-", "high": f"{q.entity:010d}."},
                ).first()
                is not None
            )
        conn.rollback()


def check_store(db: Database, cipher: FieldCipher, load: Load) -> None:
    """What was loaded reads back through the ORM and decrypts like an indexed person."""
    with db.transaction() as session:
        persons = session.scalar(text("SELECT count(*) FROM linkage_persons"))
        keys = session.scalar(text("SELECT count(*) FROM linkage_keys"))
        if persons != load.persons or keys != load.keys:
            raise BenchError(f"loaded {persons} persons and {keys} keys, expected {load}")
        sample = session.query(LinkagePerson).limit(50).all()
        for p in sample:
            linkage_index.load_record(cipher, p)
            if p.created_at.tzinfo is None:
                raise BenchError("created_at did not read back as an aware datetime")


def result(
    plan: Plan,
    host: dict[str, Any],
    load: Load,
    passes: list[Pass],
    other_cores: float,
    client_cores: float,
    pg_cores: float,
    profiled: str | None,
) -> dict[str, Any]:
    link = passes[0]
    with_duplicate = [t for t in link.true_linked if t is not None]
    figures: dict[str, Any] = {
        "benchmark": "linkage_online",
        "db": plan.db,
        "store": plan.store,
        "queries": len(passes[0].total),
        "warmup": plan.warmup,
        "seed": plan.seed,
        "command": plan.command(),
        "machine": host,
        "load": load.figures(),
        "max_block": plan.max_block or DEFAULT_MAX_BLOCK,
        "gc_freeze": plan.gc_freeze,
        "latency_ms": {
            "index_person+link_person+flush": latency(link.total),
            "cpu time of the above": latency(link.cpu),
            "gc pauses within the above": latency(link.gc),
            "index_person": latency(link.index),
            "link_person": latency(link.link),
            "candidates_for": latency(link.candidates),
            "decrypt+parse (load_record)": latency(link.decrypt),
            "scoring+upsert (link_person - candidates_for)": latency(
                [a - b for a, b in zip(link.link, link.candidates, strict=True)]
            ),
            "flush": latency(link.flush),
        },
        "candidates_per_query": counts(link.found),
        "keys_per_query": counts(link.keys),
        "keys_over_their_limit_per_query": counts(link.skipped_keys),
        "links_per_query": counts(link.links),
        "links_by_decision": link.decisions,
        "queries_with_a_link": sum(1 for n in link.links if n),
        "queries_with_a_stored_duplicate": len(with_duplicate),
        "of_which_linked_to_it": sum(with_duplicate),
        "cores_busy_while_matching": {
            "benchmark": round(client_cores, 2),
            "postgres": round(pg_cores, 2),
            "other": round(other_cores, 2),
        },
    }
    if len(passes) > 1:
        figures["latency_ms"]["index_record (with audit event)"] = latency(passes[1].total)
        figures["latency_ms"]["cpu time of index_record"] = latency(passes[1].cpu)
    if profiled is not None:
        figures["profile_text"] = profiled
    return figures


# --- output ----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# How far each latency row is indented under the one it is part of.
DEPTH = {
    "cpu time of the above": 1,
    "gc pauses within the above": 1,
    "index_person": 1,
    "link_person": 1,
    "candidates_for": 2,
    "decrypt+parse (load_record)": 3,
    "scoring+upsert (link_person - candidates_for)": 2,
    "flush": 1,
    "cpu time of index_record": 1,
}


def render(r: dict[str, Any]) -> str:
    m, load = r["machine"], r["load"]
    lines = [
        f"OpenNRM online linkage on {r['db']}: a store of {r['store']:,} persons "
        f"({load['keys']:,} blocking keys), {r['queries']} queries after {r['warmup']} warm-up",
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, load {m['loadavg_1m']}"
        f"; Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql'] or '-'}",
        f"load: {load['seconds']:.1f} s ({load['persons_per_s'] or 0:,} persons/s): rows "
        f"written in {load['rows_written_s']:.1f} s (of the main process), indexes and "
        f"foreign keys {load['index_s']:.1f} s, ANALYZE {load['analyze_s']:.1f} s; "
        f"database {load['db_mib']:,} MiB",
        "",
        *(
            [
                f"EXPERIMENT: candidates_for with max_block={r['max_block']}, not the shipped "
                f"{DEFAULT_MAX_BLOCK}"
            ]
            if r["max_block"] != DEFAULT_MAX_BLOCK
            else []
        ),
        *(
            ["EXPERIMENT: gc.freeze() after loading: the collector skips the objects of start-up"]
            if r["gc_freeze"]
            else []
        ),
        f"{'':48}{'mean':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  (ms)",
    ]
    for name, f in r["latency_ms"].items():
        if f is None:
            continue
        lines.append(
            f"{'  ' * DEPTH.get(name, 0) + name:48}"
            + "".join(f"{_ms(f[k]):>8}" for k in ("mean", "p50", "p95", "p99", "max"))
        )
    c, k, s, n = (
        r["candidates_per_query"],
        r["keys_per_query"],
        r["keys_over_their_limit_per_query"],
        r["links_per_query"],
    )
    busy = r["cores_busy_while_matching"]
    lines += [
        "",
        f"candidates fetched per query: mean {c['mean']}, p50 {c['p50']}, p95 {c['p95']}, "
        f"max {c['max']}",
        f"blocking keys per query: mean {k['mean']}, of which held by more persons than "
        f"their limit ({r['max_block']}; {min(r['max_block'], WEAK_MAX_BLOCK)} for name parts) "
        "and "
        f"skipped: mean {s['mean']}, max {s['max']}",
        f"links found per query: mean {n['mean']}, p95 {n['p95']}, max {n['max']} "
        f"({r['links_by_decision']}); {r['queries_with_a_link']} queries found at least one",
        f"queries whose person is already in the store: {r['queries_with_a_stored_duplicate']},"
        f" of which linked to a stored record of that person: {r['of_which_linked_to_it']}",
        f"cores busy while matching: benchmark {busy['benchmark']}, PostgreSQL "
        f"{busy['postgres']}, other work {busy['other']} (of {m['nproc']})",
        "garbage collections while matching, by generation: "
        + ", ".join(str(n) for n in r["gc_collections_by_generation"]),
    ]
    if busy["other"] >= 0.25:
        lines.append(
            f"WARNING: other work kept {busy['other']:.2f} cores busy; the latencies include "
            "waiting for a core"
        )
    main = r["latency_ms"]["index_person+link_person+flush"]
    full = r["latency_ms"].get("index_record (with audit event)")
    lines += [
        "",
        "| database | store | queries | p50 ms | p95 ms | p99 ms | mean ms "
        "| index_record p95 ms | load s | machine | command |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        f"| {r['db']} | {r['store']:,} | {r['queries']} | {_ms(main['p50'])} "
        f"| {_ms(main['p95'])} | {_ms(main['p99'])} | {_ms(main['mean'])} "
        f"| {_ms(full['p95']) if full else '-'} | {load['seconds']:.0f} "
        f"| {m['nproc']} cores, load {m['loadavg_1m']} | `{r['command']}` |",
    ]
    return "\n".join(lines)


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.linkage_online", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--store", type=int, required=True, help="persons in the store (N)")
    parser.add_argument("--queries", type=int, default=300, help="persons matched (Q)")
    parser.add_argument("--warmup", type=int, default=20, help="queries not counted (W)")
    parser.add_argument("--seed", type=int, default=11, help="of generate_people")
    parser.add_argument(
        "--jobs", type=int, default=2, help="processes encoding the rows to load (default 2)"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="K",
        help="profile K more queries with cProfile and EXPLAIN one (to standard error)",
    )
    parser.add_argument(
        "--no-audit-pass", action="store_true", help="skip the second pass (index_record)"
    )
    parser.add_argument(
        "--max-block",
        type=int,
        metavar="K",
        help="experiment: skip keys held by more than K persons (shipped: "
        f"{DEFAULT_MAX_BLOCK}), by passing max_block to candidates_for",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="experiment: gc.freeze() before matching, as a server could after start-up",
    )
    parser.add_argument(
        "--pg-url", default=DEFAULT_PG_URL, help=f"PostgreSQL server (default {DEFAULT_PG_URL})"
    )
    args = parser.parse_args(argv)
    if args.store < 1 or args.queries < 1 or args.warmup < 0 or args.jobs < 1:
        parser.error("--store, --queries and --jobs must be positive, --warmup not negative")
    if args.max_block is not None and args.max_block < 1:
        parser.error("--max-block must be positive")
    if args.profile > args.queries:
        parser.error("--profile may not exceed --queries")
    plan = Plan(
        db=args.db,
        store=args.store,
        queries=args.queries,
        warmup=args.warmup,
        seed=args.seed,
        jobs=args.jobs,
        profile=args.profile,
        audit_pass=not args.no_audit_pass,
        max_block=args.max_block,
        gc_freeze=args.gc_freeze,
        pg_url=args.pg_url,
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupted)
    try:
        figures = run(plan)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"interrupted ({exc}); the database was removed", file=sys.stderr)
        return 130
    profiled = figures.pop("profile_text", None)
    if profiled:
        print(profiled, file=sys.stderr)
    print(render(figures))
    print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
