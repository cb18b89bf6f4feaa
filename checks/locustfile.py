"""The load of `python -m checks.load`: people of several roles recording, sharing,
reading, listing and searching signals at once.

Run by `checks.load` in a process of its own (locust monkeypatches the standard library
with gevent; it must never be imported into pytest or the app). It reads the personas
from the JSON file named by `LOADCHECK_WORLD` and appends every acknowledged write to
the ledger named by `LOADCHECK_LEDGER`; its figures go to `LOADCHECK_SUMMARY`.

Writes carry an `Idempotency-Key`; a timeout, a lost connection or a 5xx is retried
with the same key until acknowledged (each failed attempt shows in locust's failures,
by kind), so a write is either acknowledged once and ledgered, or given up and
counted.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from pathlib import Path
from typing import Any, ClassVar

import gevent
from locust import HttpUser, between, events, task
from tests.personas import Persona, World

from checks.harness import Ack, Kind, Ledger, is_retryable, share_body, signal_bodies

ATTEMPTS = 30  # about a minute of retrying (backoff up to 2 s) before giving up
TIMEOUT = 30


def _world() -> World:
    raw = json.loads(Path(os.environ["LOADCHECK_WORLD"]).read_text(encoding="utf-8"))
    return World(orgs=raw["orgs"], people={k: Persona(**p) for k, p in raw["people"].items()})


WORLD = _world()
LEDGER = Ledger(Path(os.environ["LOADCHECK_LEDGER"]))
GIVEN_UP: list[str] = []
_serial = itertools.count()


ENVIRONMENT: list[Any] = []


def _keep_environment(environment: Any, **_kw: Any) -> None:
    ENVIRONMENT.append(environment)


def _summary(**_kw: Any) -> None:
    """The figures `checks.load` prints, from locust's final statistics (`quit` fires
    once every user stopped, after the stop timeout let writes in flight finish)."""
    environment = ENVIRONMENT[0]
    total = environment.stats.total
    summary = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.num_requests / max(total.last_request_timestamp - total.start_time, 1e-9),
        "p50": total.get_response_time_percentile(0.50),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "max": total.max_response_time,
        "errors": {
            f"{e.method} {e.name}: {e.error}": e.occurrences
            for e in environment.stats.errors.values()
        },
        "given_up": GIVEN_UP,
    }
    Path(os.environ["LOADCHECK_SUMMARY"]).write_text(json.dumps(summary), encoding="utf-8")


events.init.add_listener(_keep_environment)  # type: ignore[no-untyped-call]  # locust is untyped
events.quit.add_listener(_summary)  # type: ignore[no-untyped-call]  # locust is untyped


class Person(HttpUser):
    """One signed-in person; the subclass says which personas play the part."""

    abstract = True
    people: ClassVar[tuple[str, ...]] = ()
    wait_time = between(0.1, 0.6)

    def on_start(self) -> None:
        n = next(_serial)
        self.persona = WORLD.people[self.people[n % len(self.people)]]
        self.rng = random.Random(n)
        self.bodies = signal_bodies(50, n)
        self.seen: list[str] = []
        self.shareable: dict[str, dict[str, Any]] = {}  # own signals not yet shared

    def get(self, path: str, name: str, **params: Any) -> Any:
        headers = {**self.persona.auth, "X-Purpose": "load test"}
        with self.client.get(
            path, headers=headers, params=params, name=name, timeout=TIMEOUT, catch_response=True
        ) as r:
            if r.status_code == 200:
                return r.json()
            r.failure(_kind(r))
            return None

    def write(
        self, kind: Kind, path: str, name: str, body: dict[str, Any], record_id: str | None = None
    ) -> Ack | None:
        key = f"{kind}-{uuid.uuid4()}"
        headers = {**self.persona.auth, "Idempotency-Key": key}
        for attempt in range(ATTEMPTS):
            with self.client.post(
                path, json=body, headers=headers, name=name, timeout=TIMEOUT, catch_response=True
            ) as r:
                if r.status_code in (200, 201):
                    ack = Ack(kind, key, r.json()["id"], self.persona.user_id, record_id)
                    LEDGER.append(ack)
                    return ack
                r.failure(_kind(r))
                if r.status_code and not is_retryable(r.status_code):
                    return None
            gevent.sleep(min(2.0, 0.1 * 2**attempt))
        GIVEN_UP.append(f"{kind} {key}")
        return None


def _kind(r: Any) -> str:
    """A failure's kind for locust's failure table (never the body: it may hold data)."""
    if r.status_code == 0:
        return f"{type(r.error).__name__} (retried when a write)"
    suffix = " (retried)" if is_retryable(r.status_code) else ""
    return f"HTTP {r.status_code}{suffix}"


class Recorder(Person):
    """Front-line and case workers recording what they saw, and sharing some of it."""

    weight = 3
    people = (
        "ngo_worker",
        "ngo_frontline",
        "municipality_caseworker",
        "assistance_caseworker",
        "sisasuomi_investigator",
    )

    @task(5)
    def record(self) -> None:
        body = self.rng.choice(self.bodies)
        ack = self.write("signal", "/api/v1/signals", "POST /signals", body)
        if ack is not None:
            self.seen.append(ack.id)
            self.shareable[ack.id] = body

    @task(2)
    def share(self) -> None:
        if not self.shareable:
            return
        signal_id = self.rng.choice(list(self.shareable))
        body = share_body(self.persona, WORLD, self.shareable.pop(signal_id))
        path = f"/api/v1/signals/{signal_id}/shares"
        self.write("share", path, "POST /signals/{id}/shares", body, signal_id)

    @task(3)
    def read(self) -> None:
        if self.seen:
            self.get(f"/api/v1/signals/{self.rng.choice(self.seen)}", "GET /signals/{id}")

    @task(2)
    def list_mine(self) -> None:
        self.get("/api/v1/signals", "GET /signals?kind=mine", kind="mine", limit=20)

    @task(1)
    def search(self) -> None:
        if self.seen:
            signal_id = self.rng.choice(self.seen)
            self.get(f"/api/v1/signals/{signal_id}/matches", "GET /signals/{id}/matches")


class Reader(Person):
    """Investigators and supervisors working through what was shared with them."""

    weight = 2
    people = (
        "helsinki_investigator",
        "national_team_lead",
        "ngo_supervisor",
        "assistance_supervisor",
    )

    @task(3)
    def list_shared(self) -> None:
        kind = "shared" if self.persona.org_key != "ngo" else "all"
        page = self.get("/api/v1/signals", f"GET /signals?kind={kind}", kind=kind, limit=50)
        if page is not None:
            self.seen = [item["id"] for item in page["items"]]

    @task(4)
    def read(self) -> None:
        if self.seen:
            self.get(f"/api/v1/signals/{self.rng.choice(self.seen)}", "GET /signals/{id}")

    @task(1)
    def search(self) -> None:
        if self.seen:
            signal_id = self.rng.choice(self.seen)
            self.get(f"/api/v1/signals/{signal_id}/matches", "GET /signals/{id}/matches")
