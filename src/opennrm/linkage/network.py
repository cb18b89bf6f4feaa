"""The network view's data: the cases a reader may read, with their persons, phones,
e-mails, identifiers, companies and addresses, and the candidate links between them.

Who sees what. The role must be allowed ``Action.LINKAGE_NETWORK`` (analyst,
investigator, supervisor); otherwise ``Forbidden``. The cases are the signals and
investigations that ``policy.visible`` selects for the reader, each confirmed by
``policy.can`` with the reader's grants on it, so the view never shows more than the
reader could open one record at a time: an analyst (not a content role) sees only the
records assigned to them; an investigator their unit's records and those shared with
it. A record the reader sees only in summary (a ``summary`` share) shows no persons, so
it adds nothing to a network and is left out, unless it is the case asked about. A
candidate link is shown only when the reader may read *both* of its records; rejected
links never. Nothing here writes anything but the one ``linkage.network`` audit event of
each view, export or path, with the counts and the records shown.

The set of cases is bounded (``MAX_CASES``, newest first); the answer says when it was
cut (``truncated``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal

import networkx as nx
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation
from opennrm.crypto import FieldCipher
from opennrm.errors import Forbidden, NotFound
from opennrm.investigations.models import Investigation, InvestigationPerson
from opennrm.linkage import graph as g
from opennrm.linkage.models import CandidateLink, LinkagePerson
from opennrm.policy import Action, Actor, RecordFacts, can
from opennrm.policy.access import denied_entry
from opennrm.policy.models import Assignment, BreakGlass, Share
from opennrm.policy.rules import Scope, share_counts_for
from opennrm.policy.visibility import visible
from opennrm.signals.actions import person_identifiers
from opennrm.signals.models import Signal, SignalAddress, SignalOrganisation, SignalPerson

__all__ = [
    "DEFAULT_HOPS",
    "MAX_CASES",
    "MAX_HOPS",
    "Network",
    "NetworkQuery",
    "export_filename",
    "export_network",
    "find_path",
    "load_network",
    "ndjson",
    "parse_case",
    "read_network",
]

MAX_CASES = 2_000
"""Cases in one view at most (newest first); a network of more is not readable anyway."""
DEFAULT_HOPS = 2
MAX_HOPS = 6
TOP = 10
EVENT = "linkage.network"
AUDIT_RECORD_TYPE = "linkage_network"
Mode = Literal["view", "export", "path"]

_TABLES: dict[str, Any] = {"signal": Signal, "investigation": Investigation}
_READ = {"signal": Action.SIGNAL_READ, "investigation": Action.INVESTIGATION_READ}


@dataclass(frozen=True)
class NetworkQuery:
    """What part of the network to show. ``record`` (``signal:<id>`` or
    ``investigation:<id>``) centres the view on one case and what lies within ``hops``
    edges of it; ``since`` keeps the cases recorded on or after that day (UTC);
    ``linked_only`` keeps only the parts that join two or more cases."""

    record: str | None = None
    hops: int = DEFAULT_HOPS
    since: date | None = None
    linked_only: bool = False


@dataclass
class Network:
    graph: nx.Graph
    """What is shown: ``whole`` with the centre and ``linked_only`` filters applied."""
    whole: nx.Graph
    """Every case loaded (after ``since`` and the bound), which paths are sought in."""
    truncated: bool
    cases: list[str] = field(default_factory=list)
    """The case node ids in the graph, as audited."""


@dataclass(frozen=True)
class _CaseHead:
    record_type: str
    record_id: str
    organisation_id: str
    organisation_type: str
    organisation_name: str
    created_by: str
    created_at: datetime
    label: str
    day: str


def parse_case(value: str) -> tuple[str, str] | None:
    """``signal:<id>`` → ("signal", id); None for anything else."""
    record_type, sep, record_id = value.partition(":")
    if not sep or record_type not in _TABLES or not 0 < len(record_id) <= 36:
        return None
    return record_type, record_id


def _case_node(value: str) -> str:
    parsed = parse_case(value)
    if parsed is None:
        raise ValueError(value)
    return g.case_node_id(*parsed)


def _require(actor: Actor) -> None:
    decision = can(actor, Action.LINKAGE_NETWORK)
    if not decision:
        raise Forbidden(
            "Your role does not show the network of persons and cases.",
            audit=AuditEntry.by(actor, EVENT, outcome="denied", detail={"reason": decision.reason}),
        )


def _not_found(actor: Actor, value: str, purpose: str | None) -> NotFound:
    parsed = parse_case(value)
    record_type = parsed[0] if parsed else AUDIT_RECORD_TYPE
    record_id = parsed[1] if parsed else value
    return NotFound(
        audit=denied_entry(
            actor, Action.LINKAGE_NETWORK, record_type, record_id, "not visible", purpose
        )
    )


# --- the cases -------------------------------------------------------------------------


def _visible_clause(actor: Actor, record_type: str, now: datetime) -> ColumnElement[bool]:
    table = _TABLES[record_type]
    return visible(
        actor,
        record_type=record_type,
        id_col=table.id,
        owner_col=table.organisation_id,
        creator_col=table.created_by,
        now=now,
    )


def _heads(
    session: Session,
    actor: Actor,
    record_type: str,
    now: datetime,
    *,
    since: date | None = None,
    ids: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[_CaseHead]:
    table = _TABLES[record_type]
    # A signal is named by its year and id, an investigation by its reference.
    extra = Signal.occurred_on if record_type == "signal" else Investigation.reference
    stmt = (
        select(
            table.id,
            table.organisation_id,
            table.created_by,
            table.created_at,
            Organisation.type,
            Organisation.name,
            extra,
        )
        .join(Organisation, Organisation.id == table.organisation_id)
        .where(_visible_clause(actor, record_type, now))
        .order_by(table.created_at.desc(), table.id)
    )
    if since is not None:
        stmt = stmt.where(table.created_at >= datetime.combine(since, time(0), tzinfo=UTC))
    if ids is not None:
        stmt = stmt.where(table.id.in_(list(ids)))
    if limit is not None:
        stmt = stmt.limit(limit)
    out = []
    for rid, org_id, creator, created, org_type, org_name, first in session.execute(stmt):
        if record_type == "signal":
            label = f"S-{created.year}-{rid[:8].upper()}"
            day = first or created.date().isoformat()
        else:
            label = str(first)
            day = created.date().isoformat()
        out.append(
            _CaseHead(record_type, rid, org_id, org_type, org_name, creator, created, label, day)
        )
    return out


def _read_scopes(
    session: Session, actor: Actor, heads: Sequence[_CaseHead], now: datetime
) -> dict[tuple[str, str], Scope]:
    """How far the reader may read each case, as ``policy.can`` decides: ``full`` or
    ``summary``; a case it refuses is absent.

    The grants ``can`` needs (shares, assignments, emergency access) are gathered for all
    the cases at once, as ``policy.visibility.load_facts`` gathers them for one."""
    out: dict[tuple[str, str], Scope] = {}
    today = now.date()
    for record_type in _TABLES:
        mine = [h for h in heads if h.record_type == record_type]
        if not mine:
            continue
        ids = [h.record_id for h in mine]
        shares: dict[str, set[str]] = {}
        for rid, scope, basis in session.execute(
            select(Share.record_id, Share.scope, Share.basis).where(
                Share.record_type == record_type,
                Share.record_id.in_(ids),
                Share.organisation_id == actor.organisation_id,
                Share.revoked_at.is_(None),
                Share.expires_on >= today,
            )
        ):
            if share_counts_for(actor, record_type, basis):
                shares.setdefault(rid, set()).add(scope)
        assigned = set(
            session.scalars(
                select(Assignment.record_id).where(
                    Assignment.record_type == record_type,
                    Assignment.record_id.in_(ids),
                    Assignment.user_id == actor.user_id,
                    or_(Assignment.ended_at.is_(None), Assignment.ended_at > now),
                )
            )
        )
        glass = set(
            session.scalars(
                select(BreakGlass.record_id).where(
                    BreakGlass.record_type == record_type,
                    BreakGlass.record_id.in_(ids),
                    BreakGlass.user_id == actor.user_id,
                    BreakGlass.expires_at > now,
                )
            )
        )
        for head in mine:
            scopes = shares.get(head.record_id, set())
            share_scope: Scope | None = (
                "full" if "full" in scopes else "summary" if "summary" in scopes else None
            )
            facts = RecordFacts(
                record_type=record_type,
                owner_org_id=head.organisation_id,
                owner_org_type=head.organisation_type,
                created_by=head.created_by,
                assigned=head.record_id in assigned,
                share_scope=share_scope,
                break_glass=head.record_id in glass,
            )
            decision = can(actor, _READ[record_type], facts)
            if decision and decision.scope is not None:
                out[record_type, head.record_id] = decision.scope
    return out


# --- the parts of the cases --------------------------------------------------------------


def _persons(
    session: Session, cipher: FieldCipher, full: dict[str, list[str]]
) -> list[g.PersonRow]:
    linkage_ids: dict[str, str] = {}
    for record_type, ids in full.items():
        if ids:
            for source_id, linkage_id in session.execute(
                select(LinkagePerson.source_person_id, LinkagePerson.id).where(
                    LinkagePerson.record_type == record_type,
                    LinkagePerson.record_id.in_(ids),
                )
            ):
                linkage_ids[source_id] = linkage_id
    rows: list[g.PersonRow] = []
    if full["signal"]:
        for p in session.scalars(
            select(SignalPerson)
            .where(SignalPerson.signal_id.in_(full["signal"]))
            .order_by(SignalPerson.signal_id, SignalPerson.position)
        ):
            identifiers = person_identifiers(cipher, p)
            rows.append(
                g.PersonRow(
                    key=linkage_ids.get(p.id, p.id),
                    record_type="signal",
                    record_id=p.signal_id,
                    role=p.role,
                    names=tuple(p.names),
                    birth_date=p.birth_date or "",
                    nationality=p.nationality or "",
                    phones=tuple(p.phones),
                    emails=tuple(p.emails),
                    identifiers=tuple(identifiers),
                )
            )
    if full["investigation"]:
        # What a reader of the investigation sees of its persons (names, birth date,
        # nationality, phones); their e-mails and documents live only as blind indexes.
        for ip in session.scalars(
            select(InvestigationPerson)
            .where(InvestigationPerson.investigation_id.in_(full["investigation"]))
            .order_by(InvestigationPerson.investigation_id, InvestigationPerson.position)
        ):
            rows.append(
                g.PersonRow(
                    key=linkage_ids.get(ip.id, ip.id),
                    record_type="investigation",
                    record_id=ip.investigation_id,
                    role=ip.category,
                    names=tuple(ip.names),
                    birth_date=ip.birth_date or "",
                    nationality=ip.nationality or "",
                    phones=tuple(ip.phones),
                )
            )
    return rows


def _links(
    session: Session, full: dict[str, list[str]], persons: Iterable[g.PersonRow]
) -> list[g.LinkRow]:
    """Open and confirmed links whose two records are both among the full cases."""
    cases = {(t, i) for t, ids in full.items() for i in ids}
    if not cases:
        return []
    keys = {p.key for p in persons}
    all_ids = [i for _t, i in cases]
    out = []
    for link in session.scalars(
        select(CandidateLink)
        .where(
            CandidateLink.status.in_(tuple(g.LINK_KINDS)),
            CandidateLink.left_record_id.in_(all_ids),
            CandidateLink.right_record_id.in_(all_ids),
        )
        .order_by(CandidateLink.id)
    ):
        if (link.left_record_type, link.left_record_id) not in cases:
            continue
        if (link.right_record_type, link.right_record_id) not in cases:
            continue
        if link.left_person_id in keys and link.right_person_id in keys:
            out.append(
                g.LinkRow(link.left_person_id, link.right_person_id, link.status, link.score)
            )
    return out


# --- the network ---------------------------------------------------------------------------


def load_network(
    session: Session,
    actor: Actor,
    *,
    cipher: FieldCipher,
    now: datetime,
    query: NetworkQuery,
    include: Sequence[str] = (),
    purpose: str | None = None,
    region: str = "FI",
) -> Network:
    """The network the reader may see (not audited: the callers below audit what they
    show). ``include`` names cases (``signal:<id>``) that must be in it if the reader
    may read them at all — the centre and the ends of a path — and raises ``NotFound``
    (the same as for an id that does not exist) when one is not visible."""
    _require(actor)
    wanted = [*include, *([query.record] if query.record else [])]
    parsed: list[tuple[str, str]] = []
    for value in wanted:
        case = parse_case(value)
        if case is None:
            raise _not_found(actor, value, purpose)
        parsed.append(case)

    heads: list[_CaseHead] = []
    for record_type in _TABLES:
        heads += _heads(session, actor, record_type, now, since=query.since, limit=MAX_CASES + 1)
    heads.sort(key=lambda h: (h.created_at, h.record_id), reverse=True)
    truncated = len(heads) > MAX_CASES
    heads = heads[:MAX_CASES]
    present = {(h.record_type, h.record_id) for h in heads}
    for record_type, record_id in parsed:
        if (record_type, record_id) not in present:
            found = _heads(session, actor, record_type, now, ids=[record_id])
            heads += found
            present |= {(h.record_type, h.record_id) for h in found}

    scopes = _read_scopes(session, actor, heads, now)
    forced = set(parsed)
    for case in parsed:
        if case not in scopes:
            raise _not_found(actor, g.case_node_id(*case), purpose)
    # A case read only in summary shows no persons: it joins nothing, so it is left out
    # unless asked for by name.
    heads = [
        h
        for h in heads
        if scopes.get((h.record_type, h.record_id)) == "full"
        or (h.record_type, h.record_id) in forced
    ]
    full: dict[str, list[str]] = {t: [] for t in _TABLES}
    for h in heads:
        if scopes.get((h.record_type, h.record_id)) == "full":
            full[h.record_type].append(h.record_id)

    persons = _persons(session, cipher, full)
    companies: list[g.CompanyRow] = []
    addresses: list[g.AddressRow] = []
    if full["signal"]:
        companies = [
            g.CompanyRow("signal", o.signal_id, o.name, o.business_id or "")
            for o in session.scalars(
                select(SignalOrganisation)
                .where(SignalOrganisation.signal_id.in_(full["signal"]))
                .order_by(SignalOrganisation.signal_id, SignalOrganisation.position)
            )
        ]
        addresses = [
            g.AddressRow("signal", a.signal_id, a.text)
            for a in session.scalars(
                select(SignalAddress)
                .where(SignalAddress.signal_id.in_(full["signal"]))
                .order_by(SignalAddress.signal_id, SignalAddress.position)
            )
        ]
    graph = g.build_graph(
        [g.CaseRow(h.record_type, h.record_id, h.label, h.organisation_name, h.day) for h in heads],
        persons,
        companies,
        addresses,
        _links(session, full, persons),
        default_region=region,
    )
    whole = graph
    if query.record:
        centre = g.case_node_id(*parsed[-1])
        graph = g.neighbourhood(graph, centre, max(0, min(query.hops, MAX_HOPS)))
    if query.linked_only:
        keep = set(g.linked_only(graph).nodes)
        if query.record:
            keep.add(g.case_node_id(*parsed[-1]))
        graph = graph.subgraph(keep).copy()
    return Network(graph=graph, whole=whole, truncated=truncated, cases=_cases(graph))


def _cases(graph: nx.Graph) -> list[str]:
    return sorted(n for n, kind in graph.nodes(data="kind") if kind == "case")


def _audit(
    session: Session,
    actor: Actor,
    network: Network,
    *,
    mode: Mode,
    query: NetworkQuery,
    now: datetime,
    purpose: str | None,
    extra: dict[str, Any] | None = None,
) -> None:
    counts = Counter(kind for _n, kind in network.graph.nodes(data="kind"))
    audit.record(
        session,
        AuditEntry.by(
            actor,
            EVENT,
            record_type=AUDIT_RECORD_TYPE,
            fields=["names", "birth_date", "nationality", "phones", "emails", "identifiers"]
            if mode == "export"
            else ["names", "phones", "emails", "identifiers", "organisations", "addresses"],
            purpose=purpose,
            detail={
                "mode": mode,
                "record": query.record or "",
                "hops": query.hops if query.record else 0,
                "since": query.since.isoformat() if query.since else "",
                "linked_only": query.linked_only,
                "truncated": network.truncated,
                "counts": {k: counts[k] for k in g.NODE_KINDS if counts[k]},
                "links": sum(
                    1
                    for _a, _b, kind in network.graph.edges(data="kind")
                    if kind in ("confirmed", "candidate")
                ),
                "ids": network.cases,
                **(extra or {}),
            },
        ),
        at=now,
    )


def read_network(
    session: Session,
    actor: Actor,
    *,
    cipher: FieldCipher,
    now: datetime,
    query: NetworkQuery,
    purpose: str | None = None,
    region: str = "FI",
    path: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The network as the view draws it (``graph.graph_json``); audited. With ``path``
    (two cases), also the shortest path between them among every case loaded, under
    ``"path"`` (see ``find_path``), in the same audit event."""
    network = load_network(
        session,
        actor,
        cipher=cipher,
        now=now,
        query=query,
        include=path or (),
        purpose=purpose,
        region=region,
    )
    out = g.graph_json(network.graph, truncated=network.truncated, limit=TOP)
    extra: dict[str, Any] = {}
    if path is not None:
        out["path"] = _path(network, path)
        extra = _path_detail(out["path"])
    _audit(session, actor, network, mode="view", query=query, now=now, purpose=purpose, extra=extra)
    return out


def _path(network: Network, ends: tuple[str, str]) -> dict[str, Any]:
    source, target = (_case_node(v) for v in ends)
    nodes = g.shortest_path(network.whole, source, target)
    return {"source": source, "target": target, **g.path_json(network.whole, nodes)}


def _path_detail(path: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": path["source"],
        "target": path["target"],
        "length": max(0, len(path["path"]) - 1),
        "path_cases": [n["id"] for n in path["path"] if n["kind"] == "case"],
    }


def export_network(
    session: Session,
    actor: Actor,
    *,
    cipher: FieldCipher,
    now: datetime,
    query: NetworkQuery,
    purpose: str | None = None,
    region: str = "FI",
) -> list[dict[str, Any]]:
    """The network as FollowTheMoney entities, with ids under a key drawn for this one
    export (see ``graph._Salted``); audited as an export."""
    network = load_network(
        session, actor, cipher=cipher, now=now, query=query, purpose=purpose, region=region
    )
    entities = list(g.ftm_entities(network.graph, salt=os.urandom(32)))
    _audit(
        session,
        actor,
        network,
        mode="export",
        query=query,
        now=now,
        purpose=purpose,
        extra={"entities": len(entities)},
    )
    return entities


def find_path(
    session: Session,
    actor: Actor,
    source: str,
    target: str,
    *,
    cipher: FieldCipher,
    now: datetime,
    purpose: str | None = None,
    region: str = "FI",
) -> dict[str, Any]:
    """A shortest path between two cases through what the reader may see: ``path`` is
    empty when they are not connected. ``NotFound`` when either case is not visible (or
    does not exist). Audited with both ends and the cases on the path."""
    query = NetworkQuery()
    network = load_network(
        session,
        actor,
        cipher=cipher,
        now=now,
        query=query,
        include=[source, target],
        purpose=purpose,
        region=region,
    )
    out = _path(network, (source, target))
    on_path = network.whole.subgraph(n["id"] for n in out["path"]).copy()
    shown = Network(on_path, on_path, network.truncated, _cases(on_path))
    _audit(
        session,
        actor,
        shown,
        mode="path",
        query=query,
        now=now,
        purpose=purpose,
        extra=_path_detail(out),
    )
    return out


def ndjson(entities: Iterable[dict[str, Any]]) -> str:
    """Entities as JSON lines, the form FollowTheMoney tools read."""
    return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entities)


def export_filename(day: date) -> str:
    return f"opennrm-network-{day.isoformat()}.ftm.ndjson"
