"""Signal intake and reads against a real server, with the audit trail on (it always is).

    uv run python -m bench.signals --db sqlite|postgresql [--requests N] [--concurrency C]

The benchmark migrates a fresh database (a temporary SQLite file, or a new PostgreSQL
database `opennrm_bench_<pid>` that is dropped at the end, also on failure), seeds an NGO
with caseworkers and frontline workers through the real actions, starts `opennrm serve`
on a free loopback port in a subprocess and drives it over HTTP from C client threads:

1. create N synthetic signals (1-3 persons each) as the NGO's users;
2. read 2N of them by id, at random, as its caseworkers;
3. list pages of 50 (`GET /api/v1/signals?limit=50&offset=…`), 0.3N times.

Each phase stops after its request count or its time limit, whichever comes first. While
it runs, the benchmark notes the CPU used by the server, the client, PostgreSQL and
anything else on the machine, and on PostgreSQL how many sessions wait for a lock. After
the server has stopped, it verifies the whole audit chain, compares the audit entries
written with what the acknowledged requests should have written, and checks that every
acknowledged create (201) is stored exactly once. It prints a table and, as its last
line, the same figures as one JSON object. Exit status 0 only if every request succeeded
and every check passed; 2 if the benchmark could not run. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from random import Random
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from opennrm import migrate
from opennrm.audit import trail
from opennrm.audit.models import AuditEvent
from opennrm.auth import actions, sessions
from opennrm.db import Database
from opennrm.demo.synthetic import generate_signals, strip_truth
from opennrm.signals.models import Signal, SignalPerson
from opennrm.uow import unit_of_work

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"
HOST = "127.0.0.1"  # loopback only: the benchmark never listens on or calls anything else
PAGE = 50
MAX_PERSONS = 3
REQUEST_TIMEOUT = 30.0
SERVER_START_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 20.0
OTHER_LOAD_WARNING = 0.25  # cores busy with work that is not the benchmark's
# The NGO's users: (role, how many). Everyone records signals; caseworkers read and list
# (a frontline worker sees only what they recorded, so random reads would be 404s).
STAFF = (("caseworker", 4), ("frontline", 2))


class BenchError(RuntimeError):
    """The benchmark could not run (as opposed to: it ran and found a problem)."""


# --- set-up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchUser:
    email: str
    role: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def seed_users(db: Database) -> list[BenchUser]:
    """An NGO and its staff, each with a personal API token, written through the actions
    (so their audit entries start the chain like in a real deployment)."""
    users = []
    with unit_of_work(db) as session:
        org = actions.create_organisation(
            session, name="Pro-tuki ry (benchmark)", type="ngo", region="MK01"
        )
        for role, count in STAFF:
            for k in range(1, count + 1):
                user = actions.create_user(
                    session,
                    email=f"{role}{k}@bench.example.org",
                    name=f"Benchmark {role.capitalize()} {k}",
                    organisation_id=org.id,
                    roles=[role],
                    # Never used to sign in: the API is driven with tokens, so argon2
                    # runs only here, once per user, not on the measured path.
                    password=secrets.token_urlsafe(24),
                )
                raw, _ = sessions.create_token(session, user=user, name="benchmark", days=1)
                users.append(BenchUser(user.email, role, raw))
    return users


def make_bodies(n: int, seed: int) -> tuple[list[bytes], list[int]]:
    """`n` synthetic request bodies (1 to 3 persons each), serialised up front so that
    the client threads spend their time waiting on the server, not building JSON."""
    bodies, persons = [], []
    for payload in generate_signals(n, seed=seed):
        body = strip_truth(payload)
        body["persons"] = body["persons"][:MAX_PERSONS]
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
        persons.append(len(body["persons"]))
    return bodies, persons


@contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    yield f"sqlite:///{directory / 'bench.db'}"


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database `opennrm_bench_<pid>`, dropped on the way out whatever happened."""
    base = make_url(admin_url)
    name = f"opennrm_bench_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(f"dropped database {name}", file=sys.stderr)
    finally:
        admin.dispose()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(
    url: str, data_dir: Path, workers: int, log_path: Path
) -> Iterator[tuple[str, int]]:
    """`opennrm serve` in its own process (and session, so a Ctrl-C reaches only us and
    we stop it cleanly); yields its base URL and pid once /health answers."""
    script = Path(sys.executable).with_name("opennrm")
    if not script.exists():
        raise BenchError(f"{script} not found: run the benchmark with `uv run`")
    port = free_port()
    # Inherit nothing from an OPENNRM_* environment the caller may have set.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENNRM_")}
    env |= {
        "OPENNRM_DATABASE_URL": url,
        "OPENNRM_DATA_DIR": str(data_dir),
        "OPENNRM_SECRET_KEY": secrets.token_urlsafe(48),
        "OPENNRM_DATA_KEY": secrets.token_urlsafe(48),
        "OPENNRM_ENV": "development",
    }
    cmd = [str(script), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    base = f"http://{HOST}:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # safe: the client threads do not exist yet
        )
        try:
            _wait_healthy(proc, base, log_path)
            print(f"server pid {proc.pid} on {base} ({workers} worker(s))", file=sys.stderr)
            yield base, proc.pid
        finally:
            _stop(proc)


def _die_with_parent() -> None:
    """In the server's process before exec: ask Linux to send it SIGTERM if the benchmark
    dies without stopping it (SIGKILL), so no server outlives a run."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _wait_healthy(proc: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"the server exited with {proc.returncode}:\n{_tail(log_path)}")
        try:
            if httpx.get(f"{base}/health", timeout=1.0, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise BenchError(f"the server did not answer within {SERVER_START_TIMEOUT:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # uvicorn finishes in-flight requests, then exits
    try:
        proc.wait(SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --- load -----------------------------------------------------------------------------------

# A request: (client, request number, the thread's random generator) -> None if it did what
# it should, else a short label of what went wrong.
Request = Callable[[httpx.Client, int, Random], str | None]


@dataclass
class Phase:
    name: str
    planned: int
    sent: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    time_limited: bool = False
    cpu: dict[str, Any] = field(default_factory=dict)
    pg_sessions: dict[str, float] | None = None

    @property
    def ok(self) -> int:
        return len(self.latencies)

    def figures(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        ms = {
            "mean_ms": _ms(sum(lat) / len(lat)) if lat else None,
            "p50_ms": _ms(_percentile(lat, 50)),
            "p95_ms": _ms(_percentile(lat, 95)),
            "p99_ms": _ms(_percentile(lat, 99)),
            "max_ms": _ms(lat[-1]) if lat else None,
        }
        return {
            "planned": self.planned,
            "sent": self.sent,
            "ok": self.ok,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(self.ok / self.seconds, 1) if self.seconds else None,
            **ms,
            "time_limited": self.time_limited,
            "cpu_cores_busy": self.cpu,
            "pg_sessions": self.pg_sessions,
        }


def _percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: a latency some request really had."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def run_phase(
    name: str, base: str, count: int, concurrency: int, time_limit: float, request: Request
) -> Phase:
    """`count` requests from `concurrency` threads, each with its own keep-alive connection,
    stopping early at `time_limit` seconds. Latency is measured per request, client side."""
    phase = Phase(name, count)
    numbers = itertools.count()  # next() on it is atomic under the GIL
    stop_at = time.monotonic() + time_limit
    lock = threading.Lock()
    abort = threading.Event()  # set on Ctrl-C or a crash: the other threads stop too

    def worker(w: int) -> None:
        rng = Random(f"{name}-{w}")
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, trust_env=False) as client:
            while time.monotonic() < stop_at and not abort.is_set():
                i = next(numbers)
                if i >= count:
                    break
                started = time.perf_counter()
                try:
                    problem = request(client, i, rng)
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    problem = type(exc).__name__
                elapsed = time.perf_counter() - started
                if problem is None:
                    latencies.append(elapsed)
                else:
                    errors[problem] += 1
        with lock:
            phase.latencies += latencies
            phase.errors += errors

    print(f"{name}: {count} requests from {concurrency} clients…", file=sys.stderr)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency, thread_name_prefix=f"bench-{name}") as pool:
        try:
            list(pool.map(worker, range(concurrency)))
        except BaseException:
            abort.set()
            raise
    phase.seconds = time.perf_counter() - started
    phase.sent = phase.ok + sum(phase.errors.values())
    phase.time_limited = phase.sent < count
    return phase


def _status_problem(resp: httpx.Response, expected: int) -> str | None:
    if resp.status_code == expected:
        return None
    try:
        code = resp.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = ""
    return f"HTTP {resp.status_code} {code}".strip()


# --- where the time goes: CPU per process group, lock waits on PostgreSQL ---------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds used so far: by the whole machine (busy, all cores), by this client
    process, and by every process (pid -> name, parent, seconds)."""

    wall: float
    machine: float
    client: float
    procs: dict[int, tuple[str, int, float]]


def cpu_sample() -> CpuSample:
    with Path("/proc/stat").open() as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]
    procs: dict[int, tuple[str, int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        procs[int(entry.name)] = (name, int(rest[1]), (int(rest[11]) + int(rest[12])) / CLOCK_TICKS)
    me = os.times()
    return CpuSample(time.monotonic(), busy / CLOCK_TICKS, me.user + me.system, procs)


def cores_busy(
    before: CpuSample, after: CpuSample, server_pid: int, pg_pids: set[int]
) -> dict[str, Any]:
    """Cores kept busy between two samples by the server's process tree, the client, the
    PostgreSQL sessions of the benchmark's database, and everything else on the machine."""
    wall = after.wall - before.wall
    tree, grew = {server_pid}, True
    while grew:  # the server and its descendants (uvicorn's workers when there are several)
        more = {pid for pid, (_n, parent, _c) in after.procs.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)

    def used(pids: set[int]) -> float:
        # A process that started during the phase counts in full; one that ended is lost.
        return sum(
            after.procs[pid][2] - before.procs.get(pid, ("", 0, 0.0))[2]
            for pid in pids
            if pid in after.procs
        )

    busy = {
        "machine": after.machine - before.machine,
        "server": used(tree),
        "client": after.client - before.client,
        "postgres": used(pg_pids),
    }
    # Anything else running on the machine competes for the same cores.
    busy["other"] = max(0.0, busy["machine"] - busy["server"] - busy["client"] - busy["postgres"])
    figures: dict[str, Any] = {key: round(seconds / wall, 2) for key, seconds in busy.items()}
    others: Counter[str] = Counter()
    for pid in set(after.procs) - tree - pg_pids - {os.getpid()}:
        others[after.procs[pid][0]] += used({pid}) / wall
    figures["other_top"] = {name: round(c, 2) for name, c in others.most_common(3) if c >= 0.01}
    return figures


class PgSessionSampler:
    """Samples, ten times a second, how many of the server's PostgreSQL sessions are
    running a statement, how many of those wait for a lock (the audit head row), and how
    many sit idle inside a transaction (waiting for Python between two statements)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.samples: list[tuple[int, int, int]] = []
        self.pids: set[int] = set()  # the server's sessions, for their CPU
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-pg-sampler", daemon=True)

    def __enter__(self) -> PgSessionSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        query = text(
            "SELECT count(*) FILTER (WHERE state = 'active'),"
            " count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock'),"
            " count(*) FILTER (WHERE state = 'idle in transaction')"
            " FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = text(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with self.db.engine.connect() as conn:
            while not self._stop.wait(0.1):
                self.pids.update(conn.execute(pids).scalars())
                row = conn.execute(query).one()
                conn.rollback()  # a fresh snapshot of pg_stat_activity each time
                self.samples.append((int(row[0]), int(row[1]), int(row[2])))

    def summary(self) -> dict[str, float]:
        n = len(self.samples) or 1
        return {
            "samples": len(self.samples),
            "active_mean": round(sum(s[0] for s in self.samples) / n, 2),
            "lock_waiting_mean": round(sum(s[1] for s in self.samples) / n, 2),
            "idle_in_transaction_mean": round(sum(s[2] for s in self.samples) / n, 2),
        }


# --- checks afterwards ------------------------------------------------------------------------


def audit_by_action(db: Database) -> Counter[str]:
    with db.transaction() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.outcome, func.count()).group_by(
                AuditEvent.action, AuditEvent.outcome
            )
        ).all()
    return Counter(
        {(a if outcome == "ok" else f"{a} ({outcome})"): int(n) for a, outcome, n in rows}
    )


def verify_chain(db: Database) -> dict[str, Any]:
    started = time.perf_counter()
    with db.transaction() as session:
        result = trail.verify(session)
    return {
        "intact": result.ok,
        "entries_verified": result.checked,
        "verify_seconds": round(time.perf_counter() - started, 2),
        "first_bad_seq": result.first_bad_seq,
        "reason": result.reason,
    }


def check_stored(db: Database, acked: dict[str, tuple[str, int]]) -> dict[str, Any]:
    """Every acknowledged create stored exactly once, with all its persons; nothing else."""
    with db.transaction() as session:
        rows = session.execute(select(Signal.id, Signal.idempotency_key)).all()
        persons = dict(
            session.execute(
                select(SignalPerson.signal_id, func.count()).group_by(SignalPerson.signal_id)
            ).all()
        )
    stored: dict[str, str | None] = dict(rows)
    keys = Counter(key for _sid, key in rows)
    missing = [sid for sid, (key, _n) in acked.items() if stored.get(sid) != key]
    persons_expected = sum(n for _key, n in acked.values())
    persons_stored = sum(int(persons.get(sid, 0)) for sid in acked)
    result = {
        "acknowledged": len(acked),
        "rows": len(rows),
        "missing": len(missing),
        "duplicated": sum(n - 1 for n in keys.values() if n > 1),
        "unacknowledged": len(set(stored) - set(acked)),
        "persons_expected": persons_expected,
        "persons_stored": persons_stored,
    }
    result["exactly_once"] = (
        result["missing"] == 0 and result["duplicated"] == 0 and persons_expected == persons_stored
    )
    return result


# --- the run ----------------------------------------------------------------------------------


@dataclass
class Plan:
    db: str
    creates: int
    reads: int
    lists: int
    concurrency: int
    workers: int
    time_limit: float
    seed: int
    pg_url: str


def run(plan: Plan) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="opennrm-bench-") as tmp:
        tmp_dir = Path(tmp)
        database = (
            sqlite_database(tmp_dir) if plan.db == "sqlite" else postgres_database(plan.pg_url)
        )
        with database as url:
            db = Database(url)
            try:
                return _run_on(plan, db, tmp_dir)
            finally:
                db.dispose()


def _run_on(plan: Plan, db: Database, tmp_dir: Path) -> dict[str, Any]:
    host = machine(db)  # before the run, so the load average is other work's, not ours
    print(f"migrating a fresh {plan.db} database…", file=sys.stderr)
    migrate.upgrade(db.engine)
    users = seed_users(db)
    creators = users
    readers = [u for u in users if u.role == "caseworker"]
    bodies, persons = make_bodies(plan.creates, plan.seed)
    audit_before = audit_by_action(db)
    acked: dict[str, tuple[str, int]] = {}  # signal id -> (idempotency key, persons)
    lock = threading.Lock()

    def create(client: httpx.Client, i: int, _rng: Random) -> str | None:
        key = f"bench-{i}"
        user = creators[i % len(creators)]
        headers = {**user.auth, "Content-Type": "application/json", "Idempotency-Key": key}
        resp = client.post("/api/v1/signals", content=bodies[i], headers=headers)
        problem = _status_problem(resp, 201)
        if problem is None:
            with lock:
                acked[resp.json()["id"]] = (key, persons[i])
        return problem

    ids: list[str] = []

    def read(client: httpx.Client, i: int, rng: Random) -> str | None:
        sid = rng.choice(ids)
        headers = {**readers[i % len(readers)].auth, "X-Purpose": "benchmark: case review"}
        resp = client.get(f"/api/v1/signals/{sid}", headers=headers)
        problem = _status_problem(resp, 200)
        if problem is None and resp.json()["id"] != sid:
            return "wrong record"
        return problem

    def list_page(client: httpx.Client, i: int, rng: Random) -> str | None:
        offset = rng.randrange(math.ceil(len(ids) / PAGE)) * PAGE
        resp = client.get(
            "/api/v1/signals",
            params={"limit": PAGE, "offset": offset},
            headers=readers[i % len(readers)].auth,
        )
        problem = _status_problem(resp, 200)
        if problem is None:
            page = resp.json()
            if page["total"] < len(ids) or len(page["items"]) != min(PAGE, page["total"] - offset):
                return "wrong page"
        return problem

    phases: list[Phase] = []
    server = running_server(db.url, tmp_dir / "data", plan.workers, tmp_dir / "server.log")
    with server as (base, pid):
        _warm_up(base, users)

        def measured(name: str, count: int, request: Request) -> None:
            cpu_before = cpu_sample()
            sampler = None if db.is_sqlite else PgSessionSampler(db)
            with sampler or nullcontext():
                phase = run_phase(name, base, count, plan.concurrency, plan.time_limit, request)
            cpu_after = cpu_sample()
            pg_pids = sampler.pids if sampler else set()
            phase.cpu = cores_busy(cpu_before, cpu_after, pid, pg_pids)
            phase.pg_sessions = sampler.summary() if sampler else None
            phases.append(phase)

        measured("create", plan.creates, create)
        ids.extend(acked)
        if not ids:
            raise BenchError(f"no signal was created:\n{_tail(tmp_dir / 'server.log')}")
        measured("read", plan.reads, read)
        measured("list", plan.lists, list_page)
    # The server has stopped: nothing writes while we verify.
    print("verifying the audit chain and the stored rows…", file=sys.stderr)
    written = audit_by_action(db)
    written.subtract(audit_before)
    written = +written  # drop the actions this run did not write
    by_name = {p.name: p for p in phases}
    expected = Counter(
        {
            "signal.create": len(acked),
            # Each create matches its persons against the linkage index (ADR 0012).
            "linkage.match": len(acked),
            # A create answers with the stored signal, which is a read: audited as one.
            "signal.read": len(acked) + by_name["read"].ok,
            "signal.search": by_name["list"].ok,
        }
    )
    audit = {
        "written": sum(written.values()),
        "by_action": dict(sorted(written.items())),
        "expected": dict(sorted((+expected).items())),
        "as_expected": written == +expected,
        **verify_chain(db),
    }
    stored = check_stored(db, acked)
    errors = sum(sum(p.errors.values()) for p in phases)
    return {
        "benchmark": "signals",
        "db": plan.db,
        "plan": {
            "creates": plan.creates,
            "reads": plan.reads,
            "lists": plan.lists,
            "concurrency": plan.concurrency,
            "server_workers": plan.workers,
            "time_limit_s": plan.time_limit,
            "page": PAGE,
            "users": dict(STAFF),
        },
        "machine": host,
        "phases": {p.name: p.figures() for p in phases},
        "audit": audit,
        "stored": stored,
        "ok": errors == 0 and audit["intact"] and audit["as_expected"] and stored["exactly_once"],
    }


def _warm_up(base: str, users: list[BenchUser]) -> None:
    """Open the server's database connections and load its code paths before measuring,
    with a request that writes no audit entry."""
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, trust_env=False) as client:
        for user in users:
            client.get("/api/v1/me", headers=user.auth).raise_for_status()


def machine(db: Database) -> dict[str, Any]:
    cpu = "unknown"
    with Path("/proc/cpuinfo").open() as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with Path("/proc/meminfo").open() as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
                break
    pg = None
    if not db.is_sqlite:
        with db.engine.connect() as conn:
            pg = conn.execute(text("SHOW server_version")).scalar()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        # Other work on the machine skews every figure: note how busy it was.
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
        "sqlalchemy": version("sqlalchemy"),
        "uvicorn": version("uvicorn"),
        "psycopg": version("psycopg"),
    }


# --- output ------------------------------------------------------------------------------------


def render(result: dict[str, Any]) -> str:
    m, plan = result["machine"], result["plan"]
    lines = [
        f"OpenNRM signals benchmark on {result['db']}: {plan['concurrency']} clients, "
        f"{plan['server_workers']} server worker(s), audit trail on",
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}, "
        f"load {m['loadavg_1m']}",
        f"         Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql'] or '-'}",
        "",
        f"{'phase':8}{'sent':>7}{'ok':>7}{'errors':>7}{'req/s':>9}"
        f"{'mean':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  (ms)",
    ]
    for name, f in result["phases"].items():
        cells = [f[k] for k in ("mean_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms")]
        lines.append(
            f"{name:8}{f['sent']:>7}{f['ok']:>7}{f['errors']:>7}"
            f"{f['requests_per_s'] or 0:>9.1f}"
            + "".join(f"{'-' if c is None else f'{c:.1f}':>8}" for c in cells)
            + ("  stopped at the time limit" if f["time_limited"] else "")
        )
        if f["error_kinds"]:
            lines.append(f"         errors: {f['error_kinds']}")
    lines += [
        "",
        f"{'cores':8}{'all':>7}{'server':>7}{'client':>7}{'pg':>7}{'other':>7}"
        f"  (CPU cores busy, of {m['nproc']})",
    ]
    for name, f in result["phases"].items():
        c, pg = f["cpu_cores_busy"], f["pg_sessions"]
        lines.append(
            f"{name:8}{c['machine']:>7.2f}{c['server']:>7.2f}{c['client']:>7.2f}"
            f"{c['postgres']:>7.2f}{c['other']:>7.2f}"
            + (f"  other: {_names(c['other_top'])}" if c["other"] >= OTHER_LOAD_WARNING else "")
            + (
                f"  pg sessions: {pg['active_mean']:.1f} active, of which "
                f"{pg['lock_waiting_mean']:.1f} wait for a lock; "
                f"{pg['idle_in_transaction_mean']:.1f} idle in transaction"
                if pg
                else ""
            )
        )
    other = max(f["cpu_cores_busy"]["other"] for f in result["phases"].values())
    if other >= OTHER_LOAD_WARNING:
        lines.append(
            f"WARNING: other work kept up to {other:.2f} cores busy during the run; "
            "these figures understate what the machine can do"
        )
    a, s = result["audit"], result["stored"]
    by_action = ", ".join(f"{k} {v}" for k, v in a["by_action"].items())
    lines += [
        "",
        f"audit trail: {a['written']} entries written ({by_action}), "
        + ("as expected" if a["as_expected"] else f"EXPECTED {a['expected']}"),
        "             chain "
        + (
            f"intact: {a['entries_verified']} entries verified in {a['verify_seconds']} s"
            if a["intact"]
            else f"BROKEN at entry {a['first_bad_seq']}: {a['reason']}"
        ),
        f"stored: {s['acknowledged']} acknowledged creates, "
        + ("each stored exactly once" if s["exactly_once"] else "NOT each stored exactly once")
        + f" ({s['missing']} missing, {s['duplicated']} duplicated, "
        f"{s['unacknowledged']} stored unacknowledged; "
        f"persons {s['persons_stored']} of {s['persons_expected']})",
        "",
        "result: " + ("ok" if result["ok"] else "FAILED"),
    ]
    return "\n".join(lines)


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _names(top: dict[str, float]) -> str:
    return ", ".join(f"{name} {cores:.2f}" for name, cores in top.items()) or "short-lived"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.signals", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--requests", type=int, default=1000, help="signals to create (N)")
    parser.add_argument("--reads", type=int, help="reads by id (default 2N)")
    parser.add_argument("--lists", type=int, help="list calls (default 0.3N)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--time-limit", type=float, default=50.0, help="seconds at most per phase (default 50)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: N=100")
    parser.add_argument("--seed", type=int, default=2026, help="of the synthetic signals")
    parser.add_argument(
        "--pg-url", default=DEFAULT_PG_URL, help=f"PostgreSQL server (default {DEFAULT_PG_URL})"
    )
    args = parser.parse_args(argv)
    n = 100 if args.quick else args.requests
    if n < 1 or args.concurrency < 1 or args.workers < 1 or args.time_limit <= 0:
        parser.error("--requests, --concurrency, --workers and --time-limit must be positive")
    plan = Plan(
        db=args.db,
        creates=n,
        reads=args.reads if args.reads is not None else 2 * n,
        lists=args.lists if args.lists is not None else max(1, 3 * n // 10),
        concurrency=args.concurrency,
        workers=args.workers,
        time_limit=args.time_limit,
        seed=args.seed,
        pg_url=args.pg_url,
    )
    # `kill` (SIGTERM) and Ctrl-C, even when started in the background with SIGINT ignored,
    # unwind through the `finally`s: the server is stopped and the database dropped.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupted)
    try:
        result = run(plan)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(
            f"interrupted ({exc}); the server was stopped and the database removed", file=sys.stderr
        )
        return 130
    print(render(result))
    print(json.dumps(result, ensure_ascii=False, separators=(",", ":")))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
