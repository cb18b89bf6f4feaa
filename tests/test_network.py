"""The linkage network view: the JSON API, the FollowTheMoney export, the path between two
cases and the page, on each database.

Who may see what is the point: two organisations' signals meet at a phone only for
someone who may read both; an analyst sees only what is assigned to them; a confirmed
link makes a cluster and a rejected one is not there; an invisible case is "not found".
Every route is also run for every role (analyst, investigator, supervisor: 200; everyone
else, the administrator included: 403). `ROUTES_COVERED` and `PAGES_COVERED` list the
routes for the route-matrix completeness tests.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from followthemoney import model
from followthemoney.util import make_entity_id
from sqlalchemy import select

from opennrm.app import create_app
from opennrm.audit.models import AuditEvent
from opennrm.auth import actions as auth_actions
from opennrm.auth import passwords, sessions
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
from opennrm.investigations.models import Investigation, InvestigationPerson
from opennrm.policy.models import Assignment
from opennrm.uow import unit_of_work
from tests.conftest import make_settings
from tests.personas import PASSWORD, Persona, World
from tests.test_pages_referrals import Browser, counting, error_summary, text_of

NETWORK = "/api/v1/linkage/network"
EXPORT = "/api/v1/linkage/network/export"
PATH = "/api/v1/linkage/network/path"

ROUTES_COVERED: set[tuple[str, str]] = {("GET", NETWORK), ("GET", EXPORT), ("GET", PATH)}
PAGES_COVERED: set[tuple[str, str]] = {("GET", "/network"), ("GET", "/network/export")}

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found."}}
PHONE = "+358 40 765 4321"
PHONE_E164 = "+358407654321"


# --- helpers ---------------------------------------------------------------------------


def make_signal(
    client: TestClient,
    who: Persona,
    persons: list[dict[str, Any]],
    *,
    organisations: list[dict[str, Any]] | None = None,
    addresses: list[str] | None = None,
) -> str:
    body = {
        "exploitation_types": ["labour"],
        "summary": "Siivoojat asuvat työnantajan asunnossa; passit ovat työnantajalla.",
        "municipality": "Helsinki",
        "persons": persons,
        "organisations": organisations or [],
        "addresses": addresses or [],
        "consent": {"to_police": True},
    }
    r = client.post("/api/v1/signals", headers=who.auth, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def victim(name: str, **more: Any) -> dict[str, Any]:
    return {"role": "victim", "names": [name], **more}


def share(client: TestClient, who: Persona, signal_id: str, organisation_id: str) -> None:
    r = client.post(
        f"/api/v1/signals/{signal_id}/shares",
        headers=who.auth,
        json={
            "organisation_id": organisation_id,
            "basis": "consent",
            "expires_on": str(utcnow().date() + timedelta(days=30)),
        },
    )
    assert r.status_code == 201, r.text


def assign(ctx: AppContext, user_id: str, record_type: str, record_id: str, by: str) -> None:
    """An assignment row, as the authorisation matrices make them: no action assigns an
    analyst to a signal, and the policy reads assignments whoever made them."""
    with unit_of_work(ctx.db) as session:
        session.add(
            Assignment(record_type=record_type, record_id=record_id, user_id=user_id, created_by=by)
        )


def get_network(client: TestClient, who: Persona, **params: Any) -> dict[str, Any]:
    r = client.get(NETWORK, headers=who.auth, params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def cases_of(graph: dict[str, Any]) -> set[str]:
    return {n["id"] for n in graph["nodes"] if n["kind"] == "case"}


def node(graph: dict[str, Any], kind: str, label: str) -> dict[str, Any]:
    [found] = [n for n in graph["nodes"] if n["kind"] == kind and n["label"] == label]
    return found


def neighbours(graph: dict[str, Any], node_id: str) -> set[str]:
    return {e["target"] for e in graph["edges"] if e["source"] == node_id} | {
        e["source"] for e in graph["edges"] if e["target"] == node_id
    }


def network_events(ctx: AppContext, user_id: str) -> list[AuditEvent]:
    with unit_of_work(ctx.db) as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "linkage.network", AuditEvent.actor_user_id == user_id)
            .order_by(AuditEvent.seq)
        ).all()
        session.expunge_all()
        return list(rows)


def two_organisations_one_phone(client: TestClient, world: World) -> tuple[str, str]:
    """An NGO and a municipality each noted the same phone, written differently, for two
    persons whose names have nothing in common."""
    a = make_signal(client, world.ngo_worker, [victim("Thandiwe Mokoena", phones=[PHONE])])
    b = make_signal(
        client, world.municipality_caseworker, [victim("Moe Thu Zar", phones=["040 7654321"])]
    )
    return a, b


# --- who sees what ---------------------------------------------------------------------


def test_a_shared_phone_joins_two_organisations_signals_only_for_a_reader_of_both(
    client: TestClient, world: World
) -> None:
    a, b = two_organisations_one_phone(client, world)

    # The NGO's supervisor reads the NGO's signal only: the phone is there, joined to
    # nothing else.
    ngo = get_network(client, world.ngo_supervisor)
    assert cases_of(ngo) == {f"signal:{a}"}
    phone = node(ngo, "phone", PHONE_E164)
    assert [p["label"] for p in ngo["nodes"] if p["kind"] == "person"] == ["Thandiwe Mokoena"]
    assert len(neighbours(ngo, phone["id"])) == 1
    assert "Moe Thu Zar" not in json.dumps(ngo)

    # The police read neither, until both are shared with them.
    police = world.helsinki_investigator
    assert get_network(client, police)["nodes"] == []
    share(client, world.ngo_worker, a, world.orgs["helsinki"])
    assert cases_of(get_network(client, police)) == {f"signal:{a}"}
    share(client, world.municipality_caseworker, b, world.orgs["helsinki"])

    both = get_network(client, police)
    assert cases_of(both) == {f"signal:{a}", f"signal:{b}"}
    phone = node(both, "phone", PHONE_E164)
    persons = neighbours(both, phone["id"])
    assert {
        node(both, "person", "Thandiwe Mokoena")["id"],
        node(both, "person", "Moe Thu Zar")["id"],
    } == persons
    assert {n["case"] for n in both["nodes"] if n["id"] in persons} == {
        f"signal:{a}",
        f"signal:{b}",
    }
    assert both["top"]["entities"][0] == {
        "id": phone["id"],
        "kind": "phone",
        "label": PHONE_E164,
        "degree": 2,
        "cases": 2,
    }
    assert {c["id"] for c in both["top"]["cases"]} == {f"signal:{a}", f"signal:{b}"}
    assert both["truncated"] is False
    assert both["counts"]["case"] == 2 and both["counts"]["phone"] == 1
    # Node ids are opaque: no number, name or e-mail in any of them.
    for n in both["nodes"]:
        assert "7654321" not in n["id"] and "Thandiwe" not in n["id"]
        assert n["id"].split(":")[0] in {
            "signal",
            "investigation",
            "p",
            "ph",
            "em",
            "ad",
            "co",
            "ac",
            "id",
        }


def test_an_analyst_sees_only_the_cases_assigned_to_them(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    a, b = two_organisations_one_phone(client, world)
    analyst = world.analyst
    assert get_network(client, analyst)["nodes"] == []

    assign(ctx, analyst.user_id, "signal", a, world.ngo_supervisor.user_id)
    one = get_network(client, analyst)
    assert cases_of(one) == {f"signal:{a}"}
    assert "Moe Thu Zar" not in json.dumps(one)

    assign(ctx, analyst.user_id, "signal", b, world.municipality_caseworker.user_id)
    both = get_network(client, analyst)
    assert cases_of(both) == {f"signal:{a}", f"signal:{b}"}
    assert len(neighbours(both, node(both, "phone", PHONE_E164)["id"])) == 2

    # Each view is one audit event, with the counts and the cases shown.
    events = network_events(ctx, analyst.user_id)
    assert [e.detail["mode"] for e in events] == ["view", "view", "view"]
    assert [sorted(e.detail["ids"]) for e in events] == [
        [],
        [f"signal:{a}"],
        sorted([f"signal:{a}", f"signal:{b}"]),
    ]
    assert events[-1].detail["counts"] == {"case": 2, "person": 2, "phone": 1}
    assert events[-1].record_type == "linkage_network" and events[-1].outcome == "ok"


def test_a_summary_share_adds_nothing_to_the_network(client: TestClient, world: World) -> None:
    a = make_signal(client, world.ngo_worker, [victim("Thandiwe Mokoena", phones=[PHONE])])
    r = client.post(
        f"/api/v1/signals/{a}/shares",
        headers=world.ngo_worker.auth,
        json={
            "organisation_id": world.orgs["helsinki"],
            "basis": "consent",
            "scope": "summary",
            "expires_on": str(utcnow().date() + timedelta(days=30)),
        },
    )
    assert r.status_code == 201, r.text
    police = world.helsinki_investigator
    assert get_network(client, police)["nodes"] == []
    # Asked for by name, the case is there — alone, without its persons.
    centred = get_network(client, police, record=f"signal:{a}")
    assert [n["id"] for n in centred["nodes"]] == [f"signal:{a}"]


def test_confirmed_links_make_one_cluster_and_rejected_links_do_not_appear(
    client: TestClient, world: World
) -> None:
    person = {
        "role": "victim",
        "names": ["Oleksandr Kovalenko"],
        "birth_date": "1988-03-14",
        "nationality": "UA",
    }
    s1, s2, s3 = (make_signal(client, world.ngo_worker, [person]) for _ in range(3))
    lone = make_signal(client, world.ngo_worker, [victim("Nguyen Thi Hoa")])
    links = client.get("/api/v1/linkage/candidates", headers=world.ngo_worker.auth).json()
    by_pair = {
        frozenset((link["left"]["record_id"], link["right"]["record_id"])): link["id"]
        for link in links["items"]
    }
    assert set(by_pair) == {frozenset(p) for p in ((s1, s2), (s1, s3), (s2, s3))}
    for pair, decision in (((s1, s2), "confirm"), ((s1, s3), "reject")):
        r = client.post(
            f"/api/v1/linkage/candidates/{by_pair[frozenset(pair)]}/decision",
            headers=world.ngo_worker.auth,
            json={"decision": decision, "reason": "Sama passi ja syntymäaika."},
        )
        assert r.status_code == 200, r.text

    graph = get_network(client, world.ngo_supervisor)
    person_of = {n["case"]: n["id"] for n in graph["nodes"] if n["kind"] == "person"}
    p1, p2, p3 = (person_of[f"signal:{s}"] for s in (s1, s2, s3))
    between = {
        frozenset((e["source"], e["target"])): e["kind"]
        for e in graph["edges"]
        if e["kind"] in ("confirmed", "candidate")
    }
    assert between == {frozenset((p1, p2)): "confirmed", frozenset((p2, p3)): "candidate"}
    assert graph["clusters"] == [
        {
            "id": "cl:1",
            "persons": sorted([p1, p2]),
            "labels": ["Oleksandr Kovalenko"],
            "cases": sorted([f"signal:{s1}", f"signal:{s2}"]),
        }
    ]
    # Only the parts that join two or more cases: the lone signal drops out.
    assert f"signal:{lone}" in cases_of(graph)
    joined = get_network(client, world.ngo_supervisor, linked_only="true")
    assert cases_of(joined) == {f"signal:{s}" for s in (s1, s2, s3)}
    # Around one case, one step: the case and its person only.
    around = get_network(client, world.ngo_supervisor, record=f"signal:{s1}", hops=1)
    assert {n["id"] for n in around["nodes"]} == {f"signal:{s1}", p1}


def test_the_path_between_two_cases(client: TestClient, world: World, ctx: AppContext) -> None:
    police = world.helsinki_investigator
    # The NGO's signal shares a phone with the police's own investigation (its suspect);
    # a second NGO signal shares only an address with the first, written another way.
    a = make_signal(
        client,
        world.ngo_worker,
        [victim("Thandiwe Mokoena", phones=[PHONE])],
        addresses=["Mannerheimintie 5 A, 00100 Helsinki"],
    )
    b = make_signal(
        client,
        world.ngo_worker,
        [victim("Grace Okafor")],
        addresses=["mannerheimintie 5 a  00100 HELSINKI"],
    )
    lone = make_signal(client, world.ngo_worker, [victim("Nguyen Thi Hoa")])
    for s in (a, b, lone):
        share(client, world.ngo_worker, s, world.orgs["helsinki"])
    r = client.post(
        "/api/v1/investigations",
        headers=police.auth,
        json={
            "offences": ["RL-25-3"],
            "summary": "Siivousyrityksen työntekijät asuvat työnantajan asunnossa.",
            "persons": [{"category": "suspect", "names": ["Ion Munteanu"], "phones": [PHONE]}],
        },
    )
    assert r.status_code == 201, r.text
    inv = r.json()["id"]

    r = client.get(
        PATH,
        headers=police.auth,
        params={"source": f"signal:{b}", "target": f"investigation:{inv}"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == f"signal:{b}" and body["target"] == f"investigation:{inv}"
    assert [n["kind"] for n in body["path"]] == [
        "case",
        "address",
        "case",
        "person",
        "phone",
        "person",
        "case",
    ]
    # One address node for both spellings, labelled as one of them was written.
    assert body["path"][1]["label"].lower().startswith("mannerheimintie 5 a")
    assert [n["label"] for n in body["path"][3:6]] == [
        "Thandiwe Mokoena",
        PHONE_E164,
        "Ion Munteanu",
    ]
    assert body["path"][2]["id"] == f"signal:{a}"
    assert [e["kind"] for e in body["edges"]] == [
        "address",
        "address",
        "in_case",
        "phone",
        "phone",
        "in_case",
    ]

    # Not connected: 200 and an empty path.
    r = client.get(
        PATH, headers=police.auth, params={"source": f"signal:{lone}", "target": f"signal:{a}"}
    )
    assert r.status_code == 200 and r.json()["path"] == [] and r.json()["edges"] == []

    # A case the caller may not read is the same "not found" as one that does not exist.
    hidden = make_signal(client, world.municipality_caseworker, [victim("Moe Thu Zar")])
    for target in (
        f"signal:{hidden}",
        f"signal:{uuid.uuid4()}",
        f"investigation:{uuid.uuid4()}",
        "bogus",
        f"referral:{uuid.uuid4()}",
    ):
        r = client.get(
            PATH, headers=police.auth, params={"source": f"signal:{a}", "target": target}
        )
        assert r.status_code == 404, (target, r.text)
        assert r.json() == NOT_FOUND
    r = client.get(NETWORK, headers=police.auth, params={"record": f"signal:{hidden}"})
    assert r.status_code == 404 and r.json() == NOT_FOUND

    events = network_events(ctx, police.user_id)
    denied = [e for e in events if e.outcome == "denied"]
    assert len(denied) == 6
    assert denied[0].record_type == "signal" and denied[0].record_id == hidden
    found = [e for e in events if e.outcome == "ok" and e.detail["mode"] == "path"]
    assert found[0].detail["path_cases"] == [f"signal:{b}", f"signal:{a}", f"investigation:{inv}"]
    assert found[0].detail["length"] == 6


def test_the_queries_do_not_grow_with_the_cases(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    def one_more() -> None:
        make_signal(
            client,
            world.ngo_worker,
            [victim("Thandiwe Mokoena", phones=[PHONE], emails=["t.m@example.org"])],
            organisations=[{"name": "Siivous Oy", "business_id": "0112038-9"}],
            addresses=["Mannerheimintie 5 A, 00100 Helsinki"],
        )

    one_more()
    get_network(client, world.ngo_supervisor)  # the token's first use is noted once
    with counting(ctx) as few:
        get_network(client, world.ngo_supervisor)
    for _ in range(4):
        one_more()
    with counting(ctx) as many:
        graph = get_network(client, world.ngo_supervisor)
    assert graph["counts"]["case"] == 5 and len(graph["edges"]) > 20
    assert len(many) == len(few)


@pytest.mark.parametrize("who", ["ngo_frontline", "ngo_worker", "coordinator", "dpo", "admin"])
def test_roles_without_the_network_are_refused(
    client: TestClient, world: World, ctx: AppContext, who: str
) -> None:
    persona = world.people[who]
    for path, params in (
        (NETWORK, {}),
        (EXPORT, {}),
        (PATH, {"source": f"signal:{uuid.uuid4()}", "target": f"signal:{uuid.uuid4()}"}),
    ):
        r = client.get(path, headers=persona.auth, params=params)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
    events = network_events(ctx, persona.user_id)
    assert [e.outcome for e in events] == ["denied"] * 3


# --- the FollowTheMoney export -----------------------------------------------------------


def test_the_export_is_followthemoney_with_ids_that_say_nothing(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    names = ["Olena Kovalenko", "Олена Коваленко"]
    phones = [PHONE, "+380 67 123 4567"]
    emails = ["olena.k@example.com"]
    identifiers = ["FI2112345600000785", "FE1234567"]
    company = {"name": "Siivouspalvelu Esimerkki Oy", "business_id": "0112038-9"}
    address = "Mannerheimintie 5 A, 00100 Helsinki"
    a = make_signal(
        client,
        world.ngo_worker,
        [
            {
                "role": "victim",
                "names": names,
                "birth_date": "1990-04-02",
                "nationality": "UA",
                "phones": phones,
                "emails": emails,
                "identifiers": identifiers,
            }
        ],
        organisations=[company],
        addresses=[address],
    )
    b = make_signal(
        client,
        world.ngo_worker,
        [{"role": "suspect", "names": ["Ion Munteanu"], "phones": [PHONE]}],
    )

    r = client.get(EXPORT, headers=world.ngo_supervisor.auth)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="opennrm-network-')
    assert disposition.endswith('.ftm.ndjson"')
    lines = r.text.splitlines()
    proxies = [model.get_proxy(json.loads(line)) for line in lines]
    by_schema: dict[str, list[Any]] = {}
    for proxy in proxies:
        by_schema.setdefault(proxy.schema.name, []).append(proxy)
    assert set(by_schema) == {
        "Project",
        "Person",
        "ProjectParticipant",
        "Company",
        "Address",
        "BankAccount",
        "Ownership",
        "Identification",
    }
    assert len(by_schema["Project"]) == 2 and len(by_schema["Person"]) == 2
    [olena] = [p for p in by_schema["Person"] if "Olena Kovalenko" in p.get("name")]
    assert set(olena.get("name")) == set(names)
    assert set(olena.get("phone")) == {PHONE_E164, "+380671234567"}
    assert olena.get("email") == emails and olena.get("birthDate") == ["1990-04-02"]
    assert olena.get("nationality") == ["ua"]
    [ion] = [p for p in by_schema["Person"] if p.get("name") == ["Ion Munteanu"]]
    assert ion.get("phone") == [PHONE_E164]  # the shared number: how FtM tools join them
    assert by_schema["Company"][0].get("registrationNumber") == ["0112038-9"]
    assert by_schema["BankAccount"][0].get("iban") == ["FI2112345600000785"]
    assert by_schema["Identification"][0].get("number") == ["FE1234567"]
    assert by_schema["Address"][0].get("full") == [address]
    ids = {p.id for p in proxies}
    assert len(ids) == len(proxies)
    # Every reference points at an entity of the export.
    for proxy in by_schema["ProjectParticipant"] + by_schema["Ownership"]:
        for prop in ("project", "participant", "owner", "asset"):
            assert set(proxy.get(prop, quiet=True)) <= ids

    # No id is an unsalted hash of anything personal (FtM's make_id), nor holds it.
    personal = [
        *names,
        *phones,
        PHONE_E164,
        "+380671234567",
        *emails,
        *identifiers,
        "Ion Munteanu",
        company["name"],
        company["business_id"],
        address,
        "1990-04-02",
        "UA",
        a,
        b,
    ]
    forbidden = {make_entity_id(v) for v in personal}
    for schema in by_schema:
        for v in personal:
            forbidden.add(model.make_entity(schema).make_id(v))
    assert not ids & forbidden
    assert not [i for i in ids for v in personal if v in i]

    # A key is drawn for every export: the next one shares no id with this one.
    again = client.get(EXPORT, headers=world.ngo_supervisor.auth).text.splitlines()
    assert not ids & {json.loads(line)["id"] for line in again}

    [first, _] = network_events(ctx, world.ngo_supervisor.user_id)
    assert first.detail["mode"] == "export" and first.detail["entities"] == len(lines)
    assert sorted(first.detail["ids"]) == sorted([f"signal:{a}", f"signal:{b}"])
    assert "birth_date" in first.fields


# --- the page ------------------------------------------------------------------------------

HEADINGS = {
    "fi": "Henkilöiden ja tapausten verkosto",
    "sv": "Nätverket av personer och ärenden",
    "en": "Network of persons and cases",
}


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_the_page_in_every_language(client: TestClient, world: World, locale: str) -> None:
    a, b = two_organisations_one_phone(client, world)
    for s, who in ((a, world.ngo_worker), (b, world.municipality_caseworker)):
        share(client, who, s, world.orgs["helsinki"])
    page = Browser(client, world.helsinki_investigator, locale)
    r = page.get("/network")
    assert r.status_code == 200, r.text[:500]
    html = r.text
    assert f'<h1 class="govuk-heading-l">{HEADINGS[locale]}</h1>' in html
    assert 'href="/network"' in html  # in the menu
    assert 'id="network-data"' in html and "/static/vendor/cytoscape/cytoscape.min.js" in html
    for table in ("network-top", "network-cases", "network-clusters"):
        assert f'id="{table}"' in html
    assert "+358 40 7654321" in text_of(html)  # the phone, grouped for reading
    assert 'id="__________cytoscape_stylesheet"' in html
    assert "style=" not in html and "<style" not in html

    # The path form: both cases offered; the path shown as a list.
    r = page.get("/network", params={"source": f"signal:{a}", "target": f"signal:{b}"})
    assert r.status_code == 200
    steps = text_of(r.text.split('id="path-result"', 1)[1].split("</ol>", 1)[0])
    assert "Thandiwe Mokoena" in steps and "Moe Thu Zar" in steps and "+358 40 7654321" in steps

    # One case only: an error, linked to the field that is empty.
    r = page.get("/network", params={"source": f"signal:{a}"})
    assert r.status_code == 422
    assert 'href="#target"' in r.text
    if locale == "en":
        assert error_summary(r.text) == "There is a problem Select two cases"

    r = page.get("/network/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert len(r.text.splitlines()) > 5


def test_the_page_is_not_for_a_caseworker(client: TestClient, world: World) -> None:
    page = Browser(client, world.ngo_worker)
    assert 'href="/network"' not in page.get("/signals").text
    assert page.get("/network").status_code == 403
    assert page.get("/network/export").status_code == 403


# --- every route, every role ----------------------------------------------------------------

ROLES = [
    "frontline",
    "caseworker",
    "investigator",
    "analyst",
    "supervisor",
    "coordinator",
    "dpo",
    "admin",
]
NETWORK_ROLES = {"analyst", "investigator", "supervisor"}


@dataclass
class RoleWorld:
    client: TestClient
    people: dict[str, Persona]
    cases: tuple[str, str]


@pytest.fixture(scope="module")
def rw(backend, template, tmp_path_factory) -> Iterator[RoleWorld]:  # type: ignore[no-untyped-def]
    """One user per role in a police department; two of the department's investigations
    share a phone, and the (police) analyst is assigned to both."""
    url = backend.clone()
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("nw")), Database(url))
    org = template.orgs["helsinki"]
    hashed = passwords.hash_password(PASSWORD)
    people: dict[str, Persona] = {}
    with unit_of_work(ctx.db) as session:
        for role in ROLES:
            user = auth_actions.create_user(
                session,
                email=f"nw.{role}@example.org",
                name=f"Verkosto {role}",
                organisation_id=org,
                roles=[role],
                password=PASSWORD,
                password_hash=hashed,
            )
            token, _ = sessions.create_token(session, user=user, name="nw", days=2)
            people[role] = Persona(role, user.id, user.email, "helsinki", org, [role], token)
        creator = template.people["helsinki_investigator"].user_id
        ids = []
        for n, name in enumerate(("Ion Munteanu", "Grace Okafor")):
            inv = Investigation(
                organisation_id=org,
                reference=f"NETWORK-{n}",
                created_by=creator,
                offences=["RL-25-3"],
                summary_enc=b"",
                stage="reported",
                stage_on=utcnow().date(),
            )
            session.add(inv)
            session.flush()
            session.add(
                InvestigationPerson(
                    investigation_id=inv.id,
                    position=0,
                    category="suspect",
                    names=[name],
                    phones=[PHONE_E164],
                )
            )
            session.add(
                Assignment(
                    record_type="investigation",
                    record_id=inv.id,
                    user_id=people["analyst"].user_id,
                    created_by=creator,
                )
            )
            ids.append(inv.id)
    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver") as client:
        yield RoleWorld(client, people, (ids[0], ids[1]))
    ctx.db.dispose()
    backend.drop(url)


def _params(rw: RoleWorld, path: str) -> dict[str, str]:
    if path.endswith("/path"):
        return {"source": f"investigation:{rw.cases[0]}", "target": f"investigation:{rw.cases[1]}"}
    return {}


@pytest.mark.parametrize(
    ("role", "route"),
    [
        pytest.param(role, route, id=f"{route[1]}-{role}")
        for role, route in itertools.product(ROLES, sorted(ROUTES_COVERED))
    ],
)
def test_every_api_route_for_every_role(rw: RoleWorld, role: str, route: tuple[str, str]) -> None:
    method, path = route
    r = rw.client.request(method, path, headers=rw.people[role].auth, params=_params(rw, path))
    expected = 200 if role in NETWORK_ROLES else 403
    assert r.status_code == expected, r.text
    if expected != 200:
        return
    if path == NETWORK:
        assert cases_of(r.json()) == {f"investigation:{i}" for i in rw.cases}
    elif path == PATH:
        assert [n["kind"] for n in r.json()["path"]] == [
            "case",
            "person",
            "phone",
            "person",
            "case",
        ]
    else:
        assert len(r.text.splitlines()) == 2 + 2 + 2  # projects, persons, participants


@pytest.fixture(scope="module")
def role_browsers(rw: RoleWorld) -> dict[str, Browser]:
    return {role: Browser(rw.client, rw.people[role]) for role in ROLES}


@pytest.mark.parametrize(
    ("role", "route"),
    [
        pytest.param(role, route, id=f"{route[1]}-{role}")
        for role, route in itertools.product(ROLES, sorted(PAGES_COVERED))
    ],
)
def test_every_page_for_every_role(
    role_browsers: dict[str, Browser], role: str, route: tuple[str, str]
) -> None:
    method, path = route
    r = role_browsers[role].http.request(method, path)
    expected = 200 if role in NETWORK_ROLES else 403
    assert r.status_code == expected, r.text[:300]
    if expected == 200 and path == "/network":
        assert "NETWORK-0" in r.text and "NETWORK-1" in r.text
