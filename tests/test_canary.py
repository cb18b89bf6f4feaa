"""Canaries: unique markers in every personal field, then every route, then a search.

Each personal field the API accepts (names, phones, e-mails, identity numbers,
organisations, addresses, summaries, share notes, notes, decision reasons, service
providers, consultation questions and answers, a break-glass justification, a revocation
reason) gets a marker of its own. Then every GET route of the API and the pages is
called with real ids, as insiders and as personas who must not see the records, and
unauthenticated; and the error paths are driven with marker-laden input (404, 409, 422).
With every log record captured at DEBUG and e-mail on (a real SMTP server), the markers
may turn up only where they belong: a successful answer to someone who may read the
record. Nowhere else: not in a log line, a URL the app made (redirects, links, `HX-*`
headers), an error body, an e-mail, an in-app notification or the audit trail's rows.

Each marker carries a token of letters and digits only (a phone: its digits), so that
URL, HTML and JSON escaping cannot hide it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import secrets
import string
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from checks.attack_site import PHONES, Records, page_session, seed_records
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from opennrm.app import create_app
from opennrm.audit.models import AuditEvent
from opennrm.context import AppContext
from opennrm.notifications.models import Notification
from opennrm.notifications.outbox import deliver_pending
from opennrm.uow import unit_of_work
from opennrm.web.session import SESSION_COOKIE
from tests.personas import World
from tests.test_email import SmtpServer, with_smtp

# Those who may read the seeded records: the signal's organisation, the police it was
# shared with, the assistance system it was referred to, the team consulted.
INSIDERS = ("ngo_worker", "helsinki_investigator", "assistance_caseworker", "national_team_lead")
# Those who must read none of it (the administrator is in the signal's organisation).
OUTSIDERS = ("lappi_investigator", "admin")
# Who walks every API route: an insider of each kind of organisation that holds the
# records, the outsiders, and (separately) no one signed in.
API_WALKERS = ("ngo_worker", "helsinki_investigator", *OUTSIDERS)
PAGE_VISITORS = ("ngo_worker", "lappi_investigator", "admin")
# Slow reports of aggregates (no one's personal data), visited by the first visitor only.
ONCE = frozenset({"/actionplan/report", "/actionplan/report.pdf", "/statistics/report.pdf"})
# The test's own HTTP client logs the URLs it requests (some carry markers on purpose).
CLIENT_LOGGERS = ("httpx", "httpcore")
LINK = re.compile(r"""(?:href|src|action|hx-get|hx-post|data-url)\s*=\s*["']([^"']*)["']""")


class Canaries:
    """Hands out markers and remembers their tokens."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}  # token -> field

    def _token(self, field: str) -> str:
        token = "cnry" + secrets.token_hex(5)
        self.tokens[token] = field
        return token

    def value(self, field: str) -> str:
        if field in PHONES:
            digits = "".join(secrets.choice(string.digits) for _ in range(7))
            self.tokens["35840" + digits] = field
            return f"+358 40 {digits}"
        token = self._token(field)
        if field.endswith("email"):
            return f"{token}@example.org"
        if field.endswith("name"):
            return f"Canary {token.capitalize()}"
        return f"CANARY-{field} {token} synteettinen merkkijono"

    def found(self, text: str) -> list[str]:
        lowered = text.lower()
        return [f"{self.tokens[t]} ({t})" for t in self.tokens if t in lowered]


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(CLIENT_LOGGERS):
            self.lines.append(f"{record.name}: {self.format(record)}")


DEBUG = logging.DEBUG


@pytest.fixture
def captured() -> Iterator[Capture]:
    """Every log record at DEBUG, from the root down (uvicorn, opennrm, ...). SQLAlchemy
    at INFO, the level a deployment logging INFO would give it: its statements and their
    parameters. (At DEBUG it prints result rows, a developer's switch by design.)"""
    handler = Capture()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    names = {"": DEBUG, "opennrm": DEBUG, "uvicorn": DEBUG, "uvicorn.error": DEBUG}
    names |= {"uvicorn.access": DEBUG, "sqlalchemy": logging.INFO}
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg, level in zip(loggers, names.values(), strict=True):
        lg.setLevel(level)
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)
    for lg, level in zip(loggers, levels, strict=True):
        lg.setLevel(level)


@dataclasses.dataclass
class Leaks:
    canaries: Canaries
    found: list[str] = dataclasses.field(default_factory=list)

    def check(self, where: str, text: str) -> None:
        self.found += [f"{where}: {hit}" for hit in self.canaries.found(text)]


def _ids(records: Records, world: World) -> dict[str, str]:
    return {
        "signal_id": records.signal,
        "share_id": records.share,
        "referral_id": records.referral,
        "investigation_id": records.investigation,
        "consultation_id": records.consultation,
        "user_id": world.people["ngo_worker"].user_id,
        "subject": "signals",
        "name": "victims",
        "fmt": "csv",
        "key": "signals",
    }


def _fill(path: str, ids: dict[str, str]) -> str:
    names = [f for _, f, _, _ in string.Formatter().parse(path) if f]
    return path.format(**{n: ids.get(n.split(":")[0], str(uuid.uuid4())) for n in names})


def _get_routes(app: Any) -> tuple[list[str], list[str]]:
    """Every GET path of the API and of the pages, walking the routers the app includes."""
    api: list[str] = []
    pages: list[str] = []

    def walk(routes: Any) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
            elif isinstance(route, APIRoute) and "GET" in route.methods:
                (api if route.path.startswith("/api/") else pages).append(route.path)

    walk(app.router.routes)
    return api, pages


def _write(client: TestClient, world: World, canaries: Canaries) -> Records:
    """The seeded records, then every further write that takes personal text."""
    records = seed_records(client, world, canaries.value)
    v = canaries.value

    def post(who: str, path: str, body: dict[str, Any], expect: int = 201) -> None:
        r = client.post(path, json=body, headers=world.people[who].auth)
        assert r.status_code in (expect, 200), (path, r.status_code, r.text)

    rid, sid, iid, cid = (
        records.referral,
        records.signal,
        records.investigation,
        records.consultation,
    )
    post("ngo_worker", f"/api/v1/signals/{sid}/notes", {"kind": "fact", "text": v("signal.note")})
    post(
        "assistance_caseworker",
        f"/api/v1/referrals/{rid}/decisions",
        {"decision": "admit", "reason": v("decision.reason")},
    )
    post(
        "assistance_caseworker",
        f"/api/v1/referrals/{rid}/services",
        {
            "service_type": "accommodation",
            "provider": v("service.provider"),
            "starts_on": "2026-11-02",
        },
    )
    post(
        "assistance_caseworker",
        f"/api/v1/referrals/{rid}/notes",
        {"kind": "assessment", "text": v("referral.note")},
    )
    post(
        "helsinki_investigator",
        f"/api/v1/investigations/{iid}/notes",
        {"kind": "fact", "text": v("investigation.note")},
    )
    post(
        "national_team_lead",
        f"/api/v1/consultations/{cid}/responses",
        {"action": "accept"},
    )
    post(
        "national_team_lead",
        f"/api/v1/consultations/{cid}/responses",
        {"action": "answer", "text": v("consultation.answer")},
    )
    post(
        "sisasuomi_investigator",
        f"/api/v1/signals/{sid}/break-glass",
        {"justification": v("break_glass.justification")},
    )
    return records


Look = Callable[[str | None, str, Any, bool], None]


def _error_paths(
    client: TestClient, world: World, records: Records, canaries: Canaries, look: Look
) -> int:
    """404s, 409s and 422s, each carrying markers in what it sends; returns the count."""
    v = canaries.value
    ngo = world.people["ngo_worker"].auth
    sid = records.signal
    token = "nosuch" + secrets.token_hex(5)  # an id that is no id (not personal data)
    person = {"role": "victim", "names": ["Tran Thi Mai"]}
    bad_people = [
        {"names": [v("bad.name") * 20]},  # too long
        {"phones": [v("bad.phone.text")]},
        {"emails": [v("bad.email.text")]},
        {"birth_date": canaries.value("bad.birth_date").split()[1][:10]},
        {"identifiers": [v("bad.identifier") * 10]},
    ]
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("ngo_worker", "GET", f"/api/v1/signals/{token}", None),
        ("ngo_worker", "PATCH", f"/api/v1/signals/{uuid.uuid4()}", {"summary": v("patch.summary")}),
        ("lappi_investigator", "PATCH", f"/api/v1/signals/{sid}", {"summary": v("patch.outsider")}),
        (
            "lappi_investigator",
            "POST",
            f"/api/v1/signals/{sid}/notes",
            {"kind": "fact", "text": v("note.outsider")},
        ),
        (
            "ngo_worker",
            "POST",
            f"/api/v1/signals/{uuid.uuid4()}/break-glass",
            {"justification": v("break_glass.missing")},
        ),
        (
            "assistance_caseworker",
            "POST",
            f"/api/v1/referrals/{records.referral}/decisions",
            {"decision": "acknowledge", "reason": v("decision.conflict")},
        ),
        (
            "ngo_worker",
            "POST",
            "/api/v1/signals",
            {"exploitation_types": ["labour"], "summary": v("bad.summary") * 600},
        ),
        *(
            (
                "ngo_worker",
                "POST",
                "/api/v1/signals",
                {"exploitation_types": ["labour"], "summary": "x", "persons": [person | bad]},
            )
            for bad in bad_people
        ),
    ]
    for who, method, path, body in calls:
        r = client.request(method, path, json=body, headers=world.people[who].auth)
        assert r.status_code in (404, 409, 422), (method, path, r.status_code, r.text)
        look(who, path, r, False)
    # A page that does not exist, named by a marker.
    r = client.get(f"/signals/{token}", headers=ngo)
    look("anonymous", f"/signals/{token}", r, False)
    return len(calls) + 1


def test_canaries_stay_where_they_belong(ctx: AppContext, world: World, captured: Capture) -> None:
    smtp = SmtpServer().start()
    mailing = with_smtp(ctx, smtp.port)
    app = create_app(mailing.settings, mailing)
    canaries = Canaries()
    leaks = Leaks(canaries)
    exercised: set[str] = set()
    calls = 0
    try:
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            records = _write(client, world, canaries)
            ids = _ids(records, world)
            api, pages = _get_routes(app)
            query = {
                "/api/v1/audit": {"record_id": records.signal},
                "/api/v1/linkage/network": {"record": f"signal:{records.signal}"},
                "/api/v1/linkage/network/path": {
                    "source": f"signal:{records.signal}",
                    "target": f"investigation:{records.investigation}",
                },
            }

            def look(who: str | None, path: str, r: Any, may_read: bool) -> None:
                where = f"{who} {r.request.method} {path} {r.status_code}"
                for name, value in r.headers.items():
                    if name.lower() in (
                        "location",
                        "content-location",
                        "refresh",
                    ) or name.lower().startswith("hx-"):
                        leaks.check(f"{where} header {name}", value)
                if r.headers.get("content-type", "").startswith("text/html"):
                    for link in LINK.findall(r.text):
                        leaks.check(f"{where} link", link)
                if r.status_code >= 400 or not may_read:
                    leaks.check(f"{where} body", r.text)

            for who in (*API_WALKERS, None):
                headers = {"X-Purpose": "esitutkinta 2026/123 (canary walk)"}
                if who:
                    headers |= world.people[who].auth
                for path in api:
                    filled = _fill(path, ids)
                    r = client.get(filled, params=query.get(path), headers=headers)
                    calls += 1
                    exercised.add(f"GET {path}")
                    look(who, filled, r, who in INSIDERS)
            for who in (*PAGE_VISITORS, None):
                client.cookies.clear()
                if who:
                    client.cookies.set(SESSION_COOKIE, page_session(ctx, world.people[who].user_id))
                for path in pages:
                    if path in ONCE and who != PAGE_VISITORS[0]:
                        continue
                    filled = _fill(path, ids)
                    r = client.get(filled)
                    calls += 1
                    exercised.add(f"GET {path}")
                    look(who, filled, r, who in INSIDERS)
            client.cookies.clear()
            calls += _error_paths(client, world, records, canaries, look)
        deliver_pending(mailing)
        mails = smtp.wait_for(1)
    finally:
        smtp.stop()

    for n, mail in enumerate(mails):
        leaks.check(f"e-mail {n} to {mail.rcpt_tos}", mail.raw.decode("utf-8", "replace"))
    for line in captured.lines:
        leaks.check(f"log {line[:300]}", line)
    with unit_of_work(ctx.db) as session:
        for event in session.scalars(select(AuditEvent)):
            row = {c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns}
            purpose = row.pop("purpose") or ""
            leaks.check(f"audit row {row}", repr(row))
            # The trail records why: a break-glass justification is that "why", which
            # the data protection officer reviews. Nothing else personal goes there.
            leaks.found += [
                f"audit purpose {row['seq']}: {hit}"
                for hit in canaries.found(purpose)
                if not hit.startswith("break_glass.")
            ]
        for note in session.scalars(select(Notification)):
            leaks.check(f"notification {note.kind}", note.message)

    print(  # noqa: T201 - the figures, with -s
        f"\ncanaries seeded: {len(canaries.tokens)}; routes exercised: {len(exercised)}; "
        f"requests: {calls}; log lines: {len(captured.lines)}; e-mails: {len(mails)}; "
        f"leaks: {len(leaks.found)}"
    )
    assert len(canaries.tokens) >= 20
    assert len(exercised) >= 100
    assert captured.lines, "the log capture saw nothing: it is not capturing"
    assert leaks.found == [], "\n".join(leaks.found)


def test_database_errors_and_statement_logs_carry_no_parameters(
    ctx: AppContext, captured: Capture
) -> None:
    """A failing statement's error text (which a traceback carries into the server's
    error log) and SQLAlchemy's INFO statement log hold no bound value."""
    secret = "Canary " + secrets.token_hex(6)
    with pytest.raises(DBAPIError) as failed, ctx.db.engine.connect() as c:
        c.execute(text("SELECT no_such_column FROM organisations WHERE name = :n"), {"n": secret})
    assert secret not in str(failed.value)
    with ctx.db.engine.connect() as c:
        c.execute(text("SELECT id FROM organisations WHERE name = :n"), {"n": secret})
    assert any("organisations" in line for line in captured.lines)
    assert not [line for line in captured.lines if secret in line]
