"""A real OpenNRM to attack: a migrated database with the named personas and a few linked
records (a signal, its share, a referral, an investigation, a consultation), served by
uvicorn on a free port.

The sqlmap scan (`checks.sqlmap_scan`, `tests/test_sqlmap.py`) and the canary test
(`tests/test_canary.py`) both start from here, so that what is attacked is the same
application, seeded through the same public API a partner would use. The served app is
wrapped in a counter of requests and server errors, so that a figure such as "requests
sent" is what the server saw, not what a tool claims.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tests.browser.live import serving
from tests.personas import World, seed_world
from tests.test_email import free_port

from checks import scratch
from opennrm import migrate
from opennrm.app import create_app
from opennrm.auth.models import User
from opennrm.auth.sessions import start_session
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.settings import Settings
from opennrm.uow import unit_of_work
from opennrm.web.session import SESSION_COOKIE

# What `seed_records` writes into a personal field unless told otherwise: synthetic, but
# shaped like the real thing (Vietnamese victim, Romanian suspect, a Vantaa kitchen).
PLAIN: dict[str, str] = {
    "signal.summary": "Työskentelee 14 tuntia päivässä ravintolan keittiössä; passi työnantajalla.",
    "signal.person.name": "Nguyễn Văn An",
    "signal.person.email": "an.nguyen90@example.org",
    "signal.person.identifier": "passport C1234567",
    "signal.organisation.name": "Ravintola Kultainen Lohikäärme Oy",
    "signal.address": "Tikkurilantie 12 B 4, 01300 Vantaa",
    "share.note": "Uhrin suostumus saatu 1.10.2026 tulkin välityksellä.",
    "investigation.summary": "Epäilty työperäinen ihmiskauppa marjatilalla Pirkkalassa.",
    "investigation.person.name": "Ion Munteanu",
    "investigation.person.email": "ion.munteanu@example.org",
    "investigation.person.identifier": "RO ID 1850412123456",
    "investigation.organisation.name": "Pirkanmaan Marjatila Oy",
    "investigation.address": "Haikantie 12, 33960 Pirkkala",
    "consultation.question": "Onko tiimillä aiempia tietoja samasta työnantajasta?",
}
PHONES = {
    "signal.person.phone": "+84 912 345 678",
    "investigation.person.phone": "+358 40 765 4321",
}

Value = Callable[[str], str]

# A header an attack tool may send to have its requests counted apart from others'.
SCAN_HEADER = "X-OpenNRM-Scan"


def plain(name: str) -> str:
    """The realistic default value of the personal field `name`."""
    return PLAIN.get(name) or PHONES[name]


@dataclass(frozen=True)
class Records:
    """Ids of the records `seed_records` made, for filling in paths and filters."""

    signal: str
    share: str
    referral: str
    investigation: str
    consultation: str


@dataclass
class Traffic:
    """What the server saw: requests per path and per `SCAN_HEADER` value, and the
    responses with status >= 500 (each prefixed with its scan's header value, if any)."""

    requests: Counter[str] = field(default_factory=Counter)
    by_scan: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)

    def total(self) -> int:
        return sum(self.requests.values())


class Counting:
    """ASGI wrapper counting HTTP requests per path and recording every 5xx."""

    def __init__(self, app: ASGIApp, traffic: Traffic) -> None:
        self.app = app
        self.traffic = traffic

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        wanted = SCAN_HEADER.lower().encode()
        scan = next((v.decode() for k, v in scope["headers"] if k == wanted), "")
        self.traffic.requests[path] += 1
        self.traffic.by_scan[scan] += 1

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 500:
                self.traffic.server_errors.append(
                    f"{scan} {message['status']} {scope['method']} {path}".strip()
                )
            await send(message)

        await self.app(scope, receive, watch)


@dataclass
class Site:
    """A served OpenNRM: its context, personas, records, address and traffic."""

    ctx: AppContext
    world: World
    base_url: str
    records: Records
    traffic: Traffic

    def cookie(self, who: str) -> str:
        """A `Cookie` header value for a fresh signed-in page session of persona `who`."""
        return f"{SESSION_COOKIE}={page_session(self.ctx, self.world.people[who].user_id)}"


def page_session(ctx: AppContext, user_id: str) -> str:
    """A fresh page session (MFA passed) for a user, as the sign-in form would start it;
    returns the cookie's value."""
    with unit_of_work(ctx.db) as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(user_id)
        raw, _ = start_session(session, user, mfa_passed=True)
    return raw


def seed_records(client: httpx.Client, world: World, value: Value = plain) -> Records:
    """A signal with two persons' worth of personal data, shared with the Helsinki police
    and referred to the assistance system; a Helsinki investigation with a consultation of
    the national team. Everything goes through the JSON API; `value(field)` gives each
    personal field's content (the canary test passes unique markers)."""

    def post(who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = client.post(path, json=body, headers=world.people[who].auth)
        if r.status_code >= 300:
            raise RuntimeError(f"seeding {path} failed: {r.status_code} {r.text[:300]}")
        out: dict[str, Any] = r.json()
        return out

    signal = post(
        "ngo_worker",
        "/api/v1/signals",
        {
            "exploitation_types": ["labour"],
            "summary": value("signal.summary"),
            "occurred_on": "2026-10-01",
            "municipality": "Vantaa",
            "persons": [
                {
                    "role": "victim",
                    "names": [value("signal.person.name")],
                    "birth_date": "1990-04",
                    "gender": "male",
                    "nationality": "VN",
                    "phones": [value("signal.person.phone")],
                    "emails": [value("signal.person.email")],
                    "identifiers": [value("signal.person.identifier")],
                }
            ],
            "organisations": [{"name": value("signal.organisation.name")}],
            "addresses": [value("signal.address")],
            "consent": {"to_assistance_system": True, "to_police": True},
        },
    )
    share = post(
        "ngo_worker",
        f"/api/v1/signals/{signal['id']}/shares",
        {
            "organisation_id": world.orgs["helsinki"],
            "basis": "consent",
            "expires_on": (datetime.now(UTC).date() + timedelta(days=90)).isoformat(),
            "note": value("share.note"),
        },
    )
    referral = post(
        "ngo_worker",
        f"/api/v1/signals/{signal['id']}/referrals",
        {"target": "assistance_system", "consent": True},
    )
    investigation = post(
        "helsinki_investigator",
        "/api/v1/investigations",
        {
            "offences": ["RL-25-3"],
            "summary": value("investigation.summary"),
            "persons": [
                {
                    "category": "suspect",
                    "names": [value("investigation.person.name")],
                    "nationality": "RO",
                    "phones": [value("investigation.person.phone")],
                    "emails": [value("investigation.person.email")],
                    "identifiers": [value("investigation.person.identifier")],
                }
            ],
            "organisations": [{"name": value("investigation.organisation.name")}],
            "addresses": [value("investigation.address")],
        },
    )
    consultation = post(
        "helsinki_investigator",
        f"/api/v1/investigations/{investigation['id']}/consultations",
        {"question": value("consultation.question"), "urgency": "normal"},
    )
    return Records(
        signal=signal["id"],
        share=share["id"],
        referral=referral["id"],
        investigation=investigation["id"],
        consultation=consultation["id"],
    )


@contextmanager
def site_on(ctx: AppContext, world: World) -> Iterator[Site]:
    """Serve `ctx` (migrated, personas seeded) and seed the records through its API."""
    traffic = Traffic()
    port = free_port()
    with serving(Counting(create_app(ctx.settings, ctx), traffic), port) as base_url:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            records = seed_records(client, world)
        # The seeding requests are not the attack's: count from here on (the seeding's
        # server errors would already have failed it).
        traffic.requests.clear()
        traffic.by_scan.clear()
        yield Site(ctx, world, base_url, records, traffic)


@contextmanager
def scratch_database(url: str | None, tmp: Path) -> Iterator[str]:
    """A new, empty database for one run (`checks.scratch`)."""
    with scratch.scratch_database(url, tmp, "opennrm_attack") as made:
        yield made


@contextmanager
def fresh_site(url: str | None, tmp: Path) -> Iterator[Site]:
    """Everything from nothing: a scratch database, migrated, personas, records, served."""
    with scratch_database(url, tmp) as db_url:
        settings = Settings(
            database_url=db_url,
            data_dir=tmp,
            secret_key="attack-secret-" + secrets.token_hex(24),
            data_key="attack-data-" + secrets.token_hex(24),
        )
        db = Database(db_url)
        try:
            migrate.upgrade(db.engine)
            ctx = AppContext.build(settings, db)
            world = seed_world(ctx)
            with site_on(ctx, world) as site:
                yield site
        finally:
            db.dispose()
