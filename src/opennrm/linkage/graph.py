"""The linkage network: cases, persons, phones, e-mails, addresses, companies, accounts and
identifiers as one graph, for an analyst who may read every case in it.

Pure: plain rows in, a ``networkx`` graph and plain values out — no SQL, no HTTP, no
access decisions (``linkage.network`` gives this module only what the reader may see).

How fragments connect. Every person in every case is a node of its own: nothing is
merged. A phone, e-mail, identity document, bank account, address or company is one node
shared by every case that mentions the same *normalised* value (``phone_key``,
``email_key``, ``identifier_key``, ``address_key``), so two signals of two organisations
that noted one number written two ways meet at that number's node. A candidate link
between two persons is an edge of its own: ``confirmed`` (a reviewer said they are one
person) or ``candidate`` (open, not yet reviewed). Rejected links never reach this module.

Node ids are opaque, never a personal value: a case is ``signal:<id>`` or
``investigation:<id>`` (record ids, which say nothing of anyone), a person ``p:<key>``
(the linkage index's random id), and every other node a prefix and a number given in
order of appearance in this one graph (``ph:1``, ``em:1``, ``ad:1`` …). The numbers mean
nothing outside the response that carries them.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import networkx as nx
from followthemoney import model as ftm_model
from stdnum import iban as _iban

from opennrm.linkage.engine.normalise import address_key, email_key, identifier_key, phone_key

__all__ = [
    "EDGE_KINDS",
    "NODE_KINDS",
    "AddressRow",
    "CaseRow",
    "CompanyRow",
    "LinkRow",
    "PersonRow",
    "build_graph",
    "case_node_id",
    "clusters",
    "ftm_entities",
    "graph_json",
    "linked_only",
    "most_connected",
    "neighbourhood",
    "path_json",
    "shortest_path",
]

NODE_KINDS = ("case", "person", "phone", "email", "address", "company", "account", "identifier")
"""Kinds of node, in the order a legend shows them."""
EDGE_KINDS = (
    "in_case",
    "phone",
    "email",
    "identifier",
    "account",
    "address",
    "company",
    "confirmed",
    "candidate",
)
LINK_KINDS = {"confirmed": "confirmed", "open": "candidate"}
"""Candidate link status → edge kind. Rejected links are not in the graph."""

_PREFIX = {
    "phone": "ph",
    "email": "em",
    "account": "ac",
    "identifier": "id",
    "address": "ad",
    "company": "co",
}
RECORD_TYPES = ("signal", "investigation")


@dataclass(frozen=True)
class CaseRow:
    """A signal or investigation the reader may read."""

    record_type: str
    record_id: str
    label: str
    organisation: str = ""
    date: str = ""


@dataclass(frozen=True)
class PersonRow:
    """A person in one case, with the values as stored. ``key`` is opaque and unique
    (the linkage index's id of the person)."""

    key: str
    record_type: str
    record_id: str
    role: str = ""
    names: tuple[str, ...] = ()
    birth_date: str = ""
    nationality: str = ""
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompanyRow:
    record_type: str
    record_id: str
    name: str
    business_id: str = ""


@dataclass(frozen=True)
class AddressRow:
    record_type: str
    record_id: str
    text: str


@dataclass(frozen=True)
class LinkRow:
    """A candidate link between two persons (by their ``PersonRow.key``)."""

    left_key: str
    right_key: str
    status: str
    score: float = 0.0


def case_node_id(record_type: str, record_id: str) -> str:
    return f"{record_type}:{record_id}"


def _person_node_id(key: str) -> str:
    return f"p:{key}"


class _Ids:
    """Opaque node ids for shared values, numbered in order of appearance."""

    def __init__(self) -> None:
        self._by_value: dict[tuple[str, str], str] = {}
        self._count: Counter[str] = Counter()

    def get(self, kind: str, value: str) -> tuple[str, bool]:
        """The node id for one normalised value, and whether it is new."""
        key = (kind, value)
        found = self._by_value.get(key)
        if found is not None:
            return found, False
        self._count[kind] += 1
        node = f"{_PREFIX[kind]}:{self._count[kind]}"
        self._by_value[key] = node
        return node, True


def _identifier(raw: str) -> tuple[str, str, str] | None:
    """(kind, shared value, label) of an identifier: an IBAN is an account."""
    key = identifier_key(raw)
    if key is None:
        return None
    if key.startswith("IBAN:"):
        number = key.removeprefix("IBAN:")
        return "account", key, _iban.format(number)
    return "identifier", key, key.removeprefix("FI-Y:")


def _company_key(row: CompanyRow) -> str | None:
    """A company is one node per business id, else per folded name."""
    if row.business_id:
        key = identifier_key(row.business_id)
        if key is not None:
            return key
    folded = address_key(row.name)
    return f"name:{folded}" if folded else None


def build_graph(
    cases: Iterable[CaseRow],
    persons: Iterable[PersonRow] = (),
    companies: Iterable[CompanyRow] = (),
    addresses: Iterable[AddressRow] = (),
    links: Iterable[LinkRow] = (),
    *,
    default_region: str = "FI",
) -> nx.Graph:
    """The graph of the given rows. Parts of a case that is not among ``cases`` and links
    to a person who is not among ``persons`` are left out."""
    graph = nx.Graph()
    for row in cases:
        graph.add_node(
            case_node_id(row.record_type, row.record_id),
            kind="case",
            label=row.label,
            record_type=row.record_type,
            record_id=row.record_id,
            organisation=row.organisation,
            date=row.date,
        )
    ids = _Ids()

    def shared(kind: str, value: str, label: str, **attrs: str) -> str:
        node, new = ids.get(kind, value)
        if new:
            graph.add_node(node, kind=kind, label=label, **attrs)
        return node

    for person in persons:
        case = case_node_id(person.record_type, person.record_id)
        if case not in graph:
            continue
        node = _person_node_id(person.key)
        graph.add_node(
            node,
            kind="person",
            label=person.names[0] if person.names else "",
            case=case,
            role=person.role,
            names=list(person.names),
            birth_date=person.birth_date,
            nationality=person.nationality,
        )
        graph.add_edge(case, node, kind="in_case", role=person.role)
        for raw in person.phones:
            phone = phone_key(raw, default_region)
            if phone:
                graph.add_edge(node, shared("phone", phone, phone), kind="phone")
        for raw in person.emails:
            email = email_key(raw)
            if email:
                graph.add_edge(node, shared("email", email, email), kind="email")
        for raw in person.identifiers:
            identifier = _identifier(raw)
            if identifier:
                kind, value, label = identifier
                graph.add_edge(node, shared(kind, value, label), kind=kind)
    for company in companies:
        case = case_node_id(company.record_type, company.record_id)
        key = _company_key(company)
        if case not in graph or key is None:
            continue
        node = shared("company", key, company.name.strip(), business_id=company.business_id or "")
        graph.add_edge(case, node, kind="company")
    for address in addresses:
        case = case_node_id(address.record_type, address.record_id)
        folded = address_key(address.text)
        if case not in graph or not folded:
            continue
        graph.add_edge(case, shared("address", folded, address.text.strip()), kind="address")
    for link in links:
        link_kind = LINK_KINDS.get(link.status)
        left, right = _person_node_id(link.left_key), _person_node_id(link.right_key)
        if link_kind is None or left not in graph or right not in graph or left == right:
            continue
        existing = graph.get_edge_data(left, right)
        if existing is not None and existing.get("kind") == "confirmed":
            continue  # a confirmed link is not weakened by another, open one
        graph.add_edge(left, right, kind=link_kind, score=round(link.score, 3))
    return graph


# --- views of the graph ----------------------------------------------------------------


def neighbourhood(graph: nx.Graph, centre: str, hops: int) -> nx.Graph:
    """The part of the graph within ``hops`` edges of ``centre``."""
    if centre not in graph:
        raise KeyError(centre)
    return cast(nx.Graph, nx.ego_graph(graph, centre, radius=hops).copy())


def linked_only(graph: nx.Graph) -> nx.Graph:
    """Only the connected parts that join two or more cases."""
    keep: set[str] = set()
    for component in nx.connected_components(graph):
        if sum(1 for n in component if graph.nodes[n]["kind"] == "case") >= 2:
            keep |= component
    return cast(nx.Graph, graph.subgraph(keep).copy())


def clusters(graph: nx.Graph) -> list[dict[str, Any]]:
    """Persons joined by confirmed links: each cluster is one person, as reviewers found,
    seen in the listed cases. Largest first."""
    confirmed = nx.Graph()
    confirmed.add_edges_from(
        (a, b) for a, b, kind in graph.edges(data="kind") if kind == "confirmed"
    )
    groups = [sorted(c) for c in nx.connected_components(confirmed) if len(c) >= 2]
    groups.sort(key=lambda g: (-len(g), _label(graph, g[0]), g[0]))
    out: list[dict[str, Any]] = []
    for n, members in enumerate(groups, start=1):
        cases = sorted({graph.nodes[p]["case"] for p in members})
        out.append(
            {
                "id": f"cl:{n}",
                "persons": members,
                "labels": sorted({_label(graph, p) for p in members if _label(graph, p)}),
                "cases": cases,
            }
        )
    return out


def _label(graph: nx.Graph, node: str) -> str:
    return cast(str, graph.nodes[node].get("label", ""))


def _cases_near(graph: nx.Graph, node: str) -> int:
    """Cases within two edges: a phone's persons' cases, a person's case and the cases
    of persons linked to them, a company's or an address's cases."""
    near = nx.single_source_shortest_path_length(graph, node, cutoff=2)
    return sum(1 for other in near if other != node and graph.nodes[other]["kind"] == "case")


def most_connected(graph: nx.Graph, limit: int = 10) -> dict[str, list[dict[str, Any]]]:
    """The entities that touch the most cases (then: the most neighbours), and separately
    the cases joined to the most other cases."""
    entities: list[dict[str, Any]] = []
    case_rows: list[dict[str, Any]] = []
    component_cases: dict[str, int] = {}
    for component in nx.connected_components(graph):
        count = sum(1 for n in component if graph.nodes[n]["kind"] == "case")
        for n in component:
            component_cases[n] = count
    for node, data in graph.nodes(data=True):
        degree = int(graph.degree(node))
        if degree == 0:
            continue
        row = {"id": node, "kind": data["kind"], "label": data.get("label", ""), "degree": degree}
        if data["kind"] == "case":
            linked = component_cases[node] - 1
            if linked > 0:
                case_rows.append({**row, "linked_cases": linked})
        else:
            entities.append({**row, "cases": _cases_near(graph, node)})
    entities.sort(key=lambda r: (-r["cases"], -r["degree"], r["label"], r["id"]))
    case_rows.sort(key=lambda r: (-r["linked_cases"], -r["degree"], r["label"], r["id"]))
    return {"entities": entities[:limit], "cases": case_rows[:limit]}


def shortest_path(graph: nx.Graph, source: str, target: str) -> list[str]:
    """The node ids of a shortest path between two nodes; ``[]`` when not connected.
    ``KeyError`` when either node is not in the graph."""
    for node in (source, target):
        if node not in graph:
            raise KeyError(node)
    try:
        return cast(list[str], nx.shortest_path(graph, source, target))
    except nx.NetworkXNoPath:
        return []


def _node_json(graph: nx.Graph, node: str) -> dict[str, Any]:
    data = graph.nodes[node]
    out: dict[str, Any] = {"id": node, "kind": data["kind"], "label": data.get("label", "")}
    if data["kind"] == "case":
        out.update(
            record_type=data["record_type"],
            record_id=data["record_id"],
            organisation=data.get("organisation", ""),
            date=data.get("date", ""),
        )
    elif data["kind"] == "person":
        out.update(case=data["case"], role=data.get("role", ""))
    elif data["kind"] == "company" and data.get("business_id"):
        out["business_id"] = data["business_id"]
    return out


def _edge_json(graph: nx.Graph, a: str, b: str) -> dict[str, Any]:
    data = graph.edges[a, b]
    # Cases and persons first, so that an edge reads the same way in every response.
    if _order(graph, b) < _order(graph, a):
        a, b = b, a
    out: dict[str, Any] = {"source": a, "target": b, "kind": data["kind"]}
    if data.get("role"):
        out["role"] = data["role"]
    if data["kind"] in ("confirmed", "candidate"):
        out["score"] = data.get("score", 0.0)
    return out


def _order(graph: nx.Graph, node: str) -> tuple[int, str]:
    return NODE_KINDS.index(graph.nodes[node]["kind"]), node


def graph_json(graph: nx.Graph, *, truncated: bool = False, limit: int = 10) -> dict[str, Any]:
    """What the network view draws: nodes, edges, confirmed clusters, the most connected
    entities and cases, counts per kind, and whether the set of cases was cut short.

    Persons carry their first name as written, never other names, birth dates or
    nationality (the export has those)."""
    nodes = sorted(graph.nodes, key=lambda n: _order(graph, n))
    edges = sorted(
        (_edge_json(graph, a, b) for a, b in graph.edges),
        key=lambda e: (e["source"], e["target"]),
    )
    kinds = Counter(graph.nodes[n]["kind"] for n in graph.nodes)
    return {
        "nodes": [_node_json(graph, n) for n in nodes],
        "edges": edges,
        "clusters": clusters(graph),
        "top": most_connected(graph, limit),
        "counts": {kind: kinds.get(kind, 0) for kind in NODE_KINDS},
        "truncated": truncated,
    }


def path_json(graph: nx.Graph, path: Sequence[str]) -> dict[str, Any]:
    """A path as its nodes and the edges between them, in order."""
    return {
        "path": [_node_json(graph, n) for n in path],
        "edges": [
            {"source": a, "target": b, **_edge_extra(graph, a, b)}
            for a, b in itertools.pairwise(path)
        ],
    }


def _edge_extra(graph: nx.Graph, a: str, b: str) -> dict[str, Any]:
    data = graph.edges[a, b]
    out: dict[str, Any] = {"kind": data["kind"]}
    if data.get("role"):
        out["role"] = data["role"]
    return out


# --- FollowTheMoney --------------------------------------------------------------------

# How the graph maps onto FollowTheMoney (https://followthemoney.tech/explorer/):
#   case          → Project (name: the case's reference, startDate, description: holder)
#   person        → Person (name: every form written, birthDate, nationality, phone, email)
#   person ∈ case → ProjectParticipant (project, participant, role: victim, suspect …)
#   phone, e-mail → properties of the Person (shared values are how FtM tools connect them)
#   identifier    → Identification (holder, number)
#   account       → BankAccount (iban) + Ownership (owner: the person, asset)
#   company       → Company (name, registrationNumber) + ProjectParticipant (role: company)
#   address       → Address (full) + the Project's addressEntity
#   link          → UnknownLink (subject, object, role: "same person (confirmed)" or
#                   "possibly the same person (candidate, not reviewed)")
# FtM has no "same as" relation between two records of one person; UnknownLink with a
# role saying what it means is the closest, and leaves the merging to the analyst's tool.

_LINK_ROLES = {
    "confirmed": "same person (confirmed by a reviewer)",
    "candidate": "possibly the same person (candidate, not reviewed)",
}


class _Salted:
    """Entity ids for one export: HMAC-SHA256 of the graph's node ids under a random key.

    FollowTheMoney's ``make_id`` is an *unsalted* SHA-1 of the values given to it. Made
    from a phone number, a name or a passport number, it can be reversed by trying every
    number (a phone number space is small) and it is the same in every export, so two
    exports could be joined on it to follow a person. An HMAC under a key drawn for each
    export and then thrown away gives ids that are stable inside the export (edges can
    point at entities) and mean nothing outside it. The inputs are the graph's opaque
    node ids anyway, never personal values.
    """

    def __init__(self, salt: bytes) -> None:
        if len(salt) < 16:
            raise ValueError("the export salt must be at least 16 random bytes")
        self._salt = salt

    def __call__(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return hmac.new(self._salt, message, hashlib.sha256).hexdigest()


def ftm_entities(graph: nx.Graph, *, salt: bytes) -> Iterator[dict[str, Any]]:
    """The graph as FollowTheMoney entities (dicts, one per line of an export)."""
    eid = _Salted(salt)

    def entity(schema: str, key: tuple[str, ...], **props: Iterable[str] | str) -> Any:
        proxy = ftm_model.make_entity(schema)
        proxy.id = eid(schema, *key)
        for prop, values in props.items():
            for value in [values] if isinstance(values, str) else values:
                if value:
                    proxy.add(prop, value, quiet=True)
        return proxy

    for node, data in sorted(graph.nodes(data=True)):
        if data["kind"] == "address":
            yield entity("Address", (node,), full=data["label"]).to_dict()
    for node, data in sorted(graph.nodes(data=True)):
        kind = data["kind"]
        neighbours = [(n, graph.nodes[n]["kind"]) for n in graph.neighbors(node)]
        if kind == "case":
            project = entity(
                "Project",
                (node,),
                name=data["label"],
                startDate=data.get("date", ""),
                description=f"{data['record_type']}, {data.get('organisation', '')}".strip(", "),
            )
            for n, k in neighbours:
                if k == "address":
                    project.add("addressEntity", eid("Address", n))
            yield project.to_dict()
        elif kind == "person":
            person = entity(
                "Person",
                (node,),
                name=data.get("names", []) or [data["label"]],
                birthDate=data.get("birth_date", ""),
                nationality=(data.get("nationality") or "").lower(),
                phone=[graph.nodes[n]["label"] for n, k in neighbours if k == "phone"],
                email=[graph.nodes[n]["label"] for n, k in neighbours if k == "email"],
            )
            yield person.to_dict()
        elif kind == "company":
            yield entity(
                "Company",
                (node,),
                name=data["label"],
                registrationNumber=data.get("business_id", ""),
            ).to_dict()
        elif kind == "account":
            yield entity("BankAccount", (node,), iban=data["label"].replace(" ", "")).to_dict()
    for a, b, data in graph.edges(data=True):
        kind = data["kind"]
        if _order(graph, b) < _order(graph, a):
            a, b = b, a
        if kind == "in_case":
            yield entity(
                "ProjectParticipant",
                (a, b),
                project=eid("Project", a),
                participant=eid("Person", b),
                role=data.get("role", ""),
            ).to_dict()
        elif kind == "company":
            yield entity(
                "ProjectParticipant",
                (a, b),
                project=eid("Project", a),
                participant=eid("Company", b),
                role="company",
            ).to_dict()
        elif kind == "identifier":
            yield entity(
                "Identification",
                (a, b),
                holder=eid("Person", a),
                number=graph.nodes[b]["label"],
            ).to_dict()
        elif kind == "account":
            yield entity(
                "Ownership", (a, b), owner=eid("Person", a), asset=eid("BankAccount", b)
            ).to_dict()
        elif kind in _LINK_ROLES:
            yield entity(
                "UnknownLink",
                (a, b),
                subject=eid("Person", a),
                object=eid("Person", b),
                role=_LINK_ROLES[kind],
            ).to_dict()
