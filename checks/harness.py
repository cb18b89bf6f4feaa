"""What the load and crash checks share: a database with the personas, a real
multi-worker server in its own process group (so it can be SIGKILLed whole), a private
PostgreSQL cluster that may be stopped with `-m immediate`, writers that retry with
their idempotency key until acknowledged, a ledger of acknowledged writes, and the
verification of that ledger against the database.

The verdict is the point: an acknowledged write (a 2xx the client saw) must be in the
database exactly once, with its audit event, the audit chain must verify and the storage
must pass its integrity check — after a load run, after every SIGKILL and after every
immediate stop of PostgreSQL.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session
from tests.personas import Persona, World, seed_world

from opennrm import dbroles, migrate
from opennrm.audit.trail import verify as verify_chain
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
from opennrm.demo.synthetic import generate_signals, strip_truth
from opennrm.policy import rowsecurity
from opennrm.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
Kind = Literal["signal", "share"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_tool(name: str) -> str:
    """A PostgreSQL client or server program: the version-15 one, else from PATH."""
    path = PG_BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


# --- a database with the personas -----------------------------------------------------------


@dataclass
class Instance:
    """A migrated database holding the personas, and what a server needs to serve it.

    `url` is what the server connects with; `owner_url` what the checks connect with
    (the tables' owner, so that row security cannot hide a row from the verification).
    """

    url: str
    owner_url: str
    data_dir: Path
    secret_key: str
    data_key: str
    world: World

    def env(self) -> dict[str, str]:
        return {
            "OPENNRM_DATABASE_URL": self.url,
            "OPENNRM_SECRET_KEY": self.secret_key,
            "OPENNRM_DATA_KEY": self.data_key,
            "OPENNRM_DATA_DIR": str(self.data_dir),
        }


APP_ROLE = "opennrm_app"


def app_role_url(owner_url: str) -> str:
    """Create (once per server) the application's role, bound by row-level security, give
    it its privileges on this database, and return the URL the server should use."""
    admin = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        dbroles.ensure_login_role(admin, APP_ROLE)
        dbroles.grant_app_role(admin, APP_ROLE)
    finally:
        admin.dispose()
    return make_url(owner_url).set(username=APP_ROLE, password=None).render_as_string(False)


def prepare(url: str, data_dir: Path, *, as_app_role: bool = False) -> Instance:
    """Migrate an empty database and seed the personas through the real actions; with
    `as_app_role` (PostgreSQL) the server connects as a role bound by row security, as a
    deployment does (ADR 0016), and the checks as the owner."""
    secret_key, data_key = secrets.token_urlsafe(40), secrets.token_urlsafe(40)
    settings = Settings(
        database_url=url, data_dir=data_dir, secret_key=secret_key, data_key=data_key
    )
    db = Database(url)
    try:
        migrate.upgrade(db.engine)
        with rowsecurity.acting_as_system():
            world = seed_world(AppContext.build(settings, db))
    finally:
        db.dispose()
    served = app_role_url(url) if as_app_role else url
    return Instance(served, url, data_dir, secret_key, data_key, world)


# --- the server -----------------------------------------------------------------------------


class Server:
    """`uvicorn opennrm.app:create_app --workers N` in a process group of its own.

    `kill()` SIGKILLs the whole group — the supervisor and every worker at once, as a
    crash of the machine's process table would — and `start()` serves again on the same
    port, so clients keep their address.

    Given a `Zygote`, it serves one process forked from it instead: the process killed
    is the same uvicorn serving the same app, but a restart takes a second instead of an
    import of everything, which keeps the crash test short enough for CI.
    """

    def __init__(
        self, env: dict[str, str], *, workers: int, log: Path, zygote: Zygote | None = None
    ) -> None:
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.zygote = zygote
        self.pid: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 300) -> None:
        if self.zygote is not None:
            self.pid = self.zygote.fork(self.port, self.env, self.log)
        else:
            self.pid = self._spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._alive():
                raise RuntimeError(f"the server exited; see {self.log}")
            if self._healthy():
                return
            time.sleep(0.1)
        self.kill()  # a server that never answered must not outlive the run
        raise RuntimeError(f"the server did not answer within {timeout} s; see {self.log}")

    def _spawn(self) -> int:
        command = [
            sys.executable, "-m", "uvicorn", "opennrm.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.workers), "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self._proc = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self._proc.pid

    def _alive(self) -> bool:
        if self._proc is not None:
            return self._proc.poll() is None
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def _healthy(self) -> bool:
        try:
            return httpx.get(self.base_url + "/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL the supervisor and all workers; return once they are gone."""
        self._signal_group(signal.SIGKILL)

    def stop(self) -> None:
        self._signal_group(signal.SIGTERM)

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.pid is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.pid, sig)
        deadline = time.monotonic() + 30
        while self._alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        # Workers that outlived their supervisor would keep the port and the database.
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        while self._alive():
            time.sleep(0.05)
        self.pid = None
        self._proc = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class Zygote:
    """A process that imported the app once and forks a fresh server on request."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from checks.harness import zygote_main; zygote_main()"],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def fork(self, port: int, env: dict[str, str], log: Path) -> int:
        """A one-process server on `port` with `env`, its output appended to `log`."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        if stdin is None or stdout is None:
            raise RuntimeError("the zygote has no pipes")
        stdin.write(json.dumps({"port": port, "env": env, "log": str(log)}) + "\n")
        stdin.flush()
        answer = stdout.readline()
        if not answer:
            raise RuntimeError("the zygote died")
        return int(answer)

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=30)


def zygote_main() -> None:
    """Import the app once, then fork a fresh one-process server for every request read
    from stdin, answering with its pid. Single-threaded until it forks, so the fork is
    safe; its children are reaped automatically (SIGCHLD ignored)."""
    import uvicorn

    import opennrm.app  # noqa: F401 - the slow import, done once for every server

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.environ.clear()
            os.environ.update(request["env"])
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(log, 1)  # the server's output goes to the log, not to the pid pipe
            os.dup2(log, 2)
            uvicorn.run(
                "opennrm.app:create_app",
                factory=True,
                host="127.0.0.1",
                port=request["port"],
                log_level="warning",
                access_log=False,
            )
            os._exit(0)
        print(pid, flush=True)


# --- a private PostgreSQL cluster -----------------------------------------------------------


class PrivateCluster:
    """A throwaway PostgreSQL cluster on a free port, ours to stop with `-m immediate`.

    The shared server on 5432 is never touched. `initdb` refuses to run as root, so as
    root every server program runs as the `postgres` user (`runuser`), in a directory it
    owns.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="opennrm-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run([*prefix, *args], check=True, capture_output=True)

    def init(self) -> None:
        self._run(pg_tool("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c shared_buffers=32MB -c max_connections=60 -c fsync=on"
        )
        log = str(self.root / "server.log")
        self._run(pg_tool("pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop_immediate(self) -> None:
        """Stop without a checkpoint: what a power cut leaves, recovered from the WAL."""
        self._run(pg_tool("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def close(self) -> None:
        with suppress(subprocess.CalledProcessError):  # not running
            self._run(pg_tool("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


# --- the ledger of acknowledged writes ------------------------------------------------------


@dataclass(frozen=True)
class Ack:
    """A write the server acknowledged: what the client was told exists."""

    kind: Kind
    key: str
    id: str
    user_id: str
    record_id: str | None = None  # a share: the signal shared


class Ledger:
    """Acknowledged writes, one JSON line each; appended by threads or other processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, ack: Ack) -> None:
        line = json.dumps(asdict(ack)) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line)

    def acks(self) -> list[Ack]:
        if not self.path.exists():
            return []
        with self._lock:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        return [Ack(**json.loads(line)) for line in lines if line.strip()]


# --- writers --------------------------------------------------------------------------------


def signal_bodies(n: int, seed: int) -> list[dict[str, Any]]:
    """Synthetic signal bodies (never real people) with multicultural names."""
    return [strip_truth(s) for s in generate_signals(n, seed)]


def share_body(creator: Persona, world: World, signal: dict[str, Any]) -> dict[str, Any]:
    """A lawful share of a signal with another organisation: the police on the person's
    consent where given, else a statutory duty."""
    grantee = "helsinki" if creator.org_key != "helsinki" else "national_team"
    basis = "consent" if signal["consent"]["to_police"] else "statutory"
    return {
        "organisation_id": world.orgs[grantee],
        "basis": basis,
        "scope": "full",
        "expires_on": (utcnow().date() + timedelta(days=30)).isoformat(),
    }


def is_retryable(status: int) -> bool:
    """A client cannot know whether a 5xx or a lost response was stored: retry it."""
    return status >= 500


class Writers:
    """Threads creating signals (and sharing some) as the recording personas, each write
    retried with its idempotency key until acknowledged, every acknowledgement ledgered."""

    def __init__(
        self,
        base_url: str,
        world: World,
        people: Sequence[str],
        ledger: Ledger,
        *,
        threads: int = 4,
        share_every: int = 3,
        timeout: float = 10,
        seed: int = 7,
    ) -> None:
        self.base_url = base_url
        self.world = world
        self.people = list(people)
        self.ledger = ledger
        self.threads = threads
        self.share_every = share_every
        self.timeout = timeout
        self.seed = seed
        self.errors: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self._stop = threading.Event()
        self._deadline = float("inf")
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        for n in range(self.threads):
            t = threading.Thread(target=self._run, args=(n,), daemon=True, name=f"writer-{n}")
            t.start()
            self._workers.append(t)

    def stop(self, drain: float = 60) -> None:
        """Stop starting writes; finish (retry until acknowledged) those in flight."""
        self._deadline = time.monotonic() + drain
        self._stop.set()
        for t in self._workers:
            t.join(timeout=drain + self.timeout + 5)

    def _run(self, n: int) -> None:
        persona = self.world.people[self.people[n % len(self.people)]]
        bodies = signal_bodies(200, self.seed * 1000 + n)
        rng = random.Random(self.seed * 1000 + n)
        with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
            i = 0
            while not self._stop.is_set():
                body = bodies[i % len(bodies)]
                i += 1
                created = self.write(client, persona, "signal", "/api/v1/signals", body)
                if created is not None and rng.randrange(self.share_every) == 0:
                    path = f"/api/v1/signals/{created.id}/shares"
                    share = share_body(persona, self.world, body)
                    self.write(client, persona, "share", path, share, created.id)

    def write(
        self,
        client: httpx.Client,
        persona: Persona,
        kind: Kind,
        path: str,
        body: dict[str, Any],
        record_id: str | None = None,
    ) -> Ack | None:
        """POST under a new key, retrying with that key until a 2xx (ledgered) or a
        refusal; None when refused or when stopping outlasted the drain time."""
        key = f"{kind}-{uuid.uuid4()}"
        headers = {**persona.auth, "Idempotency-Key": key}
        while time.monotonic() < self._deadline:
            try:
                r = client.post(path, json=body, headers=headers)
            except httpx.TimeoutException:
                self._count(self.errors, "timeout (retried)")
            except httpx.TransportError:
                self._count(self.errors, "connection error (retried)")
            else:
                if r.status_code < 300:
                    ack = Ack(kind, key, r.json()["id"], persona.user_id, record_id)
                    self.ledger.append(ack)
                    return ack
                if not is_retryable(r.status_code):
                    self._count(self.refused, f"HTTP {r.status_code}")
                    return None
                self._count(self.errors, f"HTTP {r.status_code} (retried)")
            time.sleep(0.1)
        return None

    def _count(self, counter: Counter[str], kind: str) -> None:
        with self._lock:
            counter[kind] += 1


# --- verification ---------------------------------------------------------------------------


@dataclass
class Verdict:
    """What the database holds against what clients were told."""

    signals_acked: int = 0
    shares_acked: int = 0
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    without_audit: list[str] = field(default_factory=list)
    chain_ok: bool = False
    chain_checked: int = 0
    chain_message: str = ""
    integrity: str = ""

    @property
    def ok(self) -> bool:
        return (
            not self.lost
            and not self.duplicates
            and not self.without_audit
            and self.chain_ok
            and self.integrity == "ok"
        )

    def lines(self) -> list[str]:
        chain = f"verifies ({self.chain_checked} entries)" if self.chain_ok else "BROKEN"
        return [
            f"acknowledged writes      {self.signals_acked} signals, {self.shares_acked} shares",
            f"lost writes              {len(self.lost)}",
            f"duplicate writes         {len(self.duplicates)}",
            f"records without audit    {len(self.without_audit)}",
            f"audit chain              {chain} {self.chain_message}".rstrip(),
            f"integrity check          {self.integrity}",
        ]


def verify(owner_url: str, acks: Sequence[Ack]) -> Verdict:
    """Check acknowledged writes, audit events, the chain and storage integrity.

    Everything is read in one transaction (a snapshot on PostgreSQL, the write lock on
    SQLite), so the verification is consistent even while writers carry on; `acks` must
    be taken before it starts, so every acknowledged write is committed within it.
    """
    db = Database(owner_url)
    try:
        with rowsecurity.acting_as_system(), db.engine.connect() as conn:
            if db.engine.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with Session(bind=conn) as session, session.begin():
                verdict = _compare(session.connection(), acks)
                chain = verify_chain(session)
        verdict.chain_ok = chain.ok
        verdict.chain_checked = chain.checked
        verdict.chain_message = (
            "" if chain.ok else f"at entry {chain.first_bad_seq}: {chain.reason}"
        )
        verdict.integrity = integrity(owner_url)
    finally:
        db.dispose()
    return verdict


def _compare(conn: Connection, acks: Sequence[Ack]) -> Verdict:
    verdict = Verdict(
        signals_acked=sum(a.kind == "signal" for a in acks),
        shares_acked=sum(a.kind == "share" for a in acks),
    )
    stored: dict[tuple[str, str, str], list[str]] = {}
    for kind, table in (("signal", "signals"), ("share", "shares")):
        rows = conn.execute(
            text(f"SELECT created_by, idempotency_key, id FROM {table} "  # noqa: S608 - constant
                 "WHERE idempotency_key IS NOT NULL")
        )  # fmt: skip
        for user_id, key, id_ in rows:
            stored.setdefault((kind, user_id, key), []).append(id_)
    for ack in acks:
        ids = stored.get((ack.kind, ack.user_id, ack.key), [])
        if ack.id not in ids:
            verdict.lost.append(f"{ack.kind} {ack.key}")
        if len(ids) > 1:
            verdict.duplicates.append(f"{ack.kind} {ack.key}")
    # Every record, acknowledged or not, must have its audit event: the act and its
    # audit row commit together or not at all.
    verdict.without_audit += [
        f"signal {id_}"
        for (id_,) in conn.execute(
            text(
                "SELECT s.id FROM signals s WHERE NOT EXISTS (SELECT 1 FROM audit_events e "
                "WHERE e.action = 'signal.create' AND e.record_id = s.id)"
            )
        )
    ]
    audited_shares = {
        (json.loads(detail) if isinstance(detail, str) else detail).get("share_id")
        for (detail,) in conn.execute(
            text("SELECT detail FROM audit_events WHERE action = 'signal.share'")
        )
    }
    verdict.without_audit += [
        f"share {id_}"
        for (id_,) in conn.execute(text("SELECT id FROM shares WHERE record_type = 'signal'"))
        if id_ not in audited_shares
    ]
    return verdict


def integrity(owner_url: str) -> str:
    """`PRAGMA integrity_check` on SQLite; `pg_amcheck` (heap and every B-tree index,
    installing the amcheck extension if missing) on PostgreSQL. "ok" or the complaint."""
    url = make_url(owner_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url)
        with engine.connect() as c:
            result = [row[0] for row in c.exec_driver_sql("PRAGMA integrity_check")]
        engine.dispose()
        return "ok" if result == ["ok"] else "; ".join(result)[:500]
    command = [
        pg_tool("pg_amcheck"), "--install-missing", "--heapallindexed",
        "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
        "-U", url.username or "postgres", url.database or "postgres",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return "ok"
    return f"pg_amcheck exit {done.returncode}: {(done.stdout + done.stderr).strip()[:500]}"


# --- drills ---------------------------------------------------------------------------------

RECORDERS = ("ngo_worker", "ngo_frontline", "municipality_caseworker", "assistance_caseworker")


@dataclass
class Drill:
    """The outcome of a crash drill: one verdict after every crash, then a final one."""

    rounds: list[Verdict] = field(default_factory=list)
    final: Verdict = field(default_factory=Verdict)
    errors: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def survived(self) -> int:
        return sum(v.ok for v in self.rounds)

    @property
    def ok(self) -> bool:
        return self.final.ok and all(v.ok for v in self.rounds) and not self.refused


def wait_for_acks(ledger: Ledger, more_than: int, timeout: float = 60) -> None:
    """Until the ledger holds more than `more_than` acks: crashes come under write load."""
    deadline = time.monotonic() + timeout
    while len(ledger.acks()) <= more_than:
        if time.monotonic() > deadline:
            raise RuntimeError("no write was acknowledged; the server is not serving")
        time.sleep(0.05)


def crash_drill(
    instance: Instance,
    work: Path,
    *,
    kills: int = 0,
    pg_immediate: PrivateCluster | None = None,
    pg_stops: int = 0,
    workers: int = 2,
    threads: int = 4,
    zygote: Zygote | None = None,
    seed: int = 7,
    report: Callable[[int, str, Verdict], None] | None = None,
) -> Drill:
    """Writers against a server; SIGKILL the server `kills` times, then stop the private
    PostgreSQL cluster immediately `pg_stops` times, verifying after each crash."""
    if pg_stops and pg_immediate is None:
        raise ValueError("immediate stops need the private cluster the instance lives on")
    rng = random.Random(seed)
    ledger = Ledger(work / "acks.jsonl")
    server = Server(instance.env(), workers=workers, log=work / "server.log", zygote=zygote)
    writers = Writers(server.base_url, instance.world, RECORDERS, ledger, threads=threads)
    drill = Drill()
    server.start()
    writers.start()
    try:
        for n in range(kills + pg_stops):
            wait_for_acks(ledger, len(ledger.acks()) + rng.randrange(0, 3))
            time.sleep(rng.uniform(0, 0.3))  # land anywhere in a write, not just after one
            if n < kills:
                server.kill()
                verdict = verify(instance.owner_url, ledger.acks())
                server.start()
            else:
                assert pg_immediate is not None  # checked above
                pg_immediate.stop_immediate()
                time.sleep(rng.uniform(0.2, 1.0))  # requests fail meanwhile and are retried
                pg_immediate.start()
                acks = ledger.acks()
                verdict = verify(instance.owner_url, acks)
            drill.rounds.append(verdict)
            if report is not None:
                what = "SIGKILL" if n < kills else "pg_ctl stop -m immediate"
                report(n + 1, what, verdict)
        # And the service works again: one more write is acknowledged after the last crash.
        wait_for_acks(ledger, len(ledger.acks()))
    finally:
        writers.stop()
        server.stop()
    drill.final = verify(instance.owner_url, ledger.acks())
    drill.errors = writers.errors
    drill.refused = writers.refused
    return drill
