"""The linkage network: the graph of persons, phones, e-mails, identifiers, accounts,
companies, addresses and cases the caller may read, its export as FollowTheMoney
entities, and the path between two cases.

For analysts, investigators and supervisors; everyone else gets 403. Only records the
caller may read are in the graph, and a candidate link only when the caller may read
both of its records. Every call is one `linkage.network` audit event."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from opennrm.api.deps import Ctx, CurrentActor, Purpose
from opennrm.db import utcnow
from opennrm.linkage import network
from opennrm.uow import unit_of_work

router = APIRouter(prefix="/api/v1/linkage/network", tags=["linkage"])

FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "The caller's role does not analyse networks (not an analyst, "
        "investigator or supervisor)."
    }
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such case, or the caller may not read it."}
}


class NodeOut(BaseModel):
    id: str
    kind: str
    label: str
    record_type: str | None = None
    record_id: str | None = None
    organisation: str | None = None
    date: str | None = None
    case: str | None = None
    role: str | None = None
    business_id: str | None = None


class EdgeOut(BaseModel):
    source: str
    target: str
    kind: str
    role: str | None = None
    score: float | None = None


class ClusterOut(BaseModel):
    id: str
    persons: list[str]
    labels: list[str]
    cases: list[str]


class TopEntityOut(BaseModel):
    id: str
    kind: str
    label: str
    degree: int
    cases: int


class TopCaseOut(BaseModel):
    id: str
    kind: str
    label: str
    degree: int
    linked_cases: int


class TopOut(BaseModel):
    entities: list[TopEntityOut]
    cases: list[TopCaseOut]


class NetworkOut(BaseModel):
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    clusters: list[ClusterOut]
    top: TopOut
    counts: dict[str, int]
    truncated: bool


class PathOut(BaseModel):
    source: str
    target: str
    path: list[NodeOut]
    edges: list[EdgeOut]


CaseParam = Annotated[
    str | None,
    Query(
        max_length=60,
        description="`signal:<id>` or `investigation:<id>`: only what lies within `hops` "
        "edges of this case",
    ),
]
HopsParam = Annotated[
    int, Query(ge=0, le=network.MAX_HOPS, description="edges from `record` (with `record`)")
]
SinceParam = Annotated[date | None, Query(description="only cases recorded on or after this day")]
EndParam = Annotated[str, Query(max_length=60, description="`signal:<id>` or `investigation:<id>`")]
LinkedParam = Annotated[
    bool, Query(description="only the parts of the network that join two or more cases")
]


def _query(
    record: str | None, hops: int, since: date | None, linked_only: bool
) -> network.NetworkQuery:
    return network.NetworkQuery(
        record=record or None, hops=hops, since=since, linked_only=linked_only
    )


@router.get(
    "",
    response_model=NetworkOut,
    response_model_exclude_none=True,
    responses={**FORBIDDEN, **NOT_FOUND},
)
def read_network(
    ctx: Ctx,
    actor: CurrentActor,
    purpose: Purpose,
    record: CaseParam = None,
    hops: HopsParam = network.DEFAULT_HOPS,
    since: SinceParam = None,
    linked_only: LinkedParam = False,
) -> dict[str, Any]:
    """The network of the cases the caller may read (at most 2,000, newest first;
    `truncated` says when there were more).

    Nodes are `case` (`record_type` signal or investigation), `person` (the first name
    as written), `phone` (E.164), `email`, `address`, `company`, `account` (IBAN) and
    `identifier` (document numbers). A phone, e-mail, identifier, account, address or
    company is one node for every case that mentions it, compared in normalised form:
    that is how two records meet. Edges: `in_case` (with the person's `role`), `phone`,
    `email`, `identifier`, `account`, `address`, `company`, and between two persons
    `confirmed` (a reviewer said they are one person) or `candidate` (an open link, with
    its `score`). Node ids are opaque and numbered per response, except cases
    (`signal:<id>`, `investigation:<id>`).

    `clusters` are the persons joined by confirmed links (each cluster one person);
    `top.entities` the entities that touch the most cases, `top.cases` the cases joined to
    the most others. Give a purpose (`X-Purpose`) when the view includes police data;
    it is recorded with the view."""
    with unit_of_work(ctx.db) as session:
        return network.read_network(
            session,
            actor,
            cipher=ctx.cipher,
            now=utcnow(),
            query=_query(record, hops, since, linked_only),
            purpose=purpose,
            region=ctx.referral_config.deployment.country,
        )


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "FollowTheMoney entities, one JSON object per line.",
            "content": {"application/x-ndjson": {}},
        },
        **FORBIDDEN,
        **NOT_FOUND,
    },
)
def export_network(
    ctx: Ctx,
    actor: CurrentActor,
    purpose: Purpose,
    record: CaseParam = None,
    hops: HopsParam = network.DEFAULT_HOPS,
    since: SinceParam = None,
    linked_only: LinkedParam = False,
) -> Response:
    """The same network as FollowTheMoney entities (for Aleph and other investigation
    tools), one per line: cases as `Project`, persons as `Person` (names, birth date,
    nationality, phones, e-mails), a person in a case as `ProjectParticipant` (with the
    role), companies as `Company` (with `registrationNumber`) and their case as a
    `ProjectParticipant`, addresses as `Address` (the case's `addressEntity`), identity
    documents as `Identification`, IBANs as `BankAccount` with an `Ownership`, and links
    between persons as `UnknownLink` whose role says "confirmed" or "candidate".

    Entity ids are keyed hashes under a key drawn for this one export: two exports cannot
    be joined on them and no id can be traced back to a name or number. The export is
    audited with the cases it holds."""
    now = utcnow()
    with unit_of_work(ctx.db) as session:
        entities = network.export_network(
            session,
            actor,
            cipher=ctx.cipher,
            now=now,
            query=_query(record, hops, since, linked_only),
            purpose=purpose,
            region=ctx.referral_config.deployment.country,
        )
    filename = network.export_filename(now.date())
    return Response(
        network.ndjson(entities),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/path",
    response_model=PathOut,
    response_model_exclude_none=True,
    responses={**FORBIDDEN, **NOT_FOUND},
)
def read_path(
    ctx: Ctx,
    actor: CurrentActor,
    purpose: Purpose,
    source: EndParam,
    target: EndParam,
) -> dict[str, Any]:
    """A shortest path between two cases through the persons, phones, addresses … the
    caller may see, as the nodes in order and the edges between them. `path` is empty
    when the two cases are not connected; 404 when either does not exist or the caller
    may not read it."""
    with unit_of_work(ctx.db) as session:
        return network.find_path(
            session,
            actor,
            source,
            target,
            cipher=ctx.cipher,
            now=utcnow(),
            purpose=purpose,
            region=ctx.referral_config.deployment.country,
        )
