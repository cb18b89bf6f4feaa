"""The network view: the graph of persons, phones, addresses, companies, accounts and cases
the visitor may read, drawn with Cytoscape.js, and — because a drawing on a canvas is not
accessible — the same information as tables: the most connected entities and cases, the
persons reviewers confirmed to be one, and the path between two chosen cases.

The graph's data is written into the page as a JSON data block (`<script
type="application/json">`, which the browser never runs, so the Content-Security-Policy
is kept), not fetched by a second request: the drawing and the tables then show the very
same data, and one view is one `linkage.network` event in the audit trail. The
FollowTheMoney download is a page route too, as the JSON API takes bearer tokens only.

Everything is read through `linkage.network`, which asks the policy and audits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from opennrm.db import utcnow
from opennrm.errors import Forbidden
from opennrm.linkage import network
from opennrm.linkage.graph import NODE_KINDS
from opennrm.policy import Action, can
from opennrm.uow import unit_of_work
from opennrm.web.forms import DateParts, FieldError
from opennrm.web.i18n import gettext_for
from opennrm.web.render import render
from opennrm.web.session import Ctx, SignedIn, Visitor

router = APIRouter(include_in_schema=False)

SECTION = "network"
HOPS = (1, 2, 3, 4)


@dataclass
class Filters:
    """The filter form, as the visitor filled it in (GET parameters)."""

    record: str = ""
    hops: int = network.DEFAULT_HOPS
    since: dict[str, str] = field(default_factory=lambda: vars(DateParts()))
    linked_only: bool = False
    source: str = ""
    target: str = ""


def _require(visitor: Visitor) -> None:
    decision = can(visitor.actor, Action.LINKAGE_NETWORK)
    if not decision:
        raise Forbidden("Only analysts, investigators and supervisors see the network.")


def _filters(params: QueryParams, visitor: Visitor) -> tuple[Filters, list[FieldError]]:
    _ = gettext_for(visitor.locale)
    errors: list[FieldError] = []
    hops = params.get("hops", "")
    since = DateParts(
        *(params.get(f"since-{p}", "")[:10].strip() for p in ("day", "month", "year"))
    )
    filters = Filters(
        record=params.get("record", "")[:60],
        hops=int(hops) if hops.isdigit() and int(hops) in HOPS else network.DEFAULT_HOPS,
        since=vars(since),
        linked_only=params.get("linked_only") == "yes",
        source=params.get("source", "")[:60],
        target=params.get("target", "")[:60],
    )
    if any(vars(since).values()) and since.value() is None:
        errors.append(FieldError("since-day", _("Enter a real date, for example 1 3 2026")))
    if bool(filters.source) != bool(filters.target):
        errors.append(
            FieldError("source" if not filters.source else "target", _("Select two cases"))
        )
    elif filters.source and filters.source == filters.target:
        errors.append(FieldError("target", _("Select two different cases")))
    return filters, errors


def _query(filters: Filters) -> network.NetworkQuery:
    return network.NetworkQuery(
        record=filters.record or None,
        hops=filters.hops,
        since=DateParts(**filters.since).value(),
        linked_only=filters.linked_only,
    )


def _path(filters: Filters, errors: list[FieldError]) -> tuple[str, str] | None:
    if filters.source and filters.target and not errors:
        return filters.source, filters.target
    return None


def _export_query(filters: Filters, errors: list[FieldError]) -> str:
    """The filters of the network shown, for the download link."""
    if errors:
        return ""
    params: dict[str, str] = {}
    if filters.record:
        params |= {"record": filters.record, "hops": str(filters.hops)}
    if DateParts(**filters.since).value() is not None:
        params |= {f"since-{k}": v for k, v in filters.since.items()}
    if filters.linked_only:
        params["linked_only"] = "yes"
    return urlencode(params)


@router.get("/network")
def network_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    """The graph and its tables; with `source` and `target`, the path between them."""
    _require(visitor)
    filters, errors = _filters(request.query_params, visitor)
    with unit_of_work(ctx.db) as session:
        data = network.read_network(
            session,
            visitor.actor,
            cipher=ctx.cipher,
            now=utcnow(),
            query=_query(filters) if not errors else network.NetworkQuery(),
            region=ctx.referral_config.deployment.country,
            path=_path(filters, errors),
        )
    nodes: dict[str, dict[str, Any]] = {n["id"]: n for n in data["nodes"]}
    cases = sorted(
        (n for n in data["nodes"] if n["kind"] == "case"),
        key=lambda n: (n["date"], n["label"]),
        reverse=True,
    )
    return render(
        request,
        "linkage/network.html",
        visitor=visitor,
        status=422 if errors else 200,
        errors=errors,
        section=SECTION,
        data=data,
        nodes=nodes,
        cases=cases,
        kinds=NODE_KINDS,
        filters=filters,
        hops_choices=HOPS,
        shortest=data.get("path"),
        export_query=_export_query(filters, errors),
    )


@router.get("/network/export")
def export_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    """The network shown with the same filters, as FollowTheMoney entities (JSON lines)."""
    _require(visitor)
    filters, errors = _filters(request.query_params, visitor)
    now = utcnow()
    with unit_of_work(ctx.db) as session:
        entities = network.export_network(
            session,
            visitor.actor,
            cipher=ctx.cipher,
            now=now,
            query=_query(filters) if not errors else network.NetworkQuery(),
            region=ctx.referral_config.deployment.country,
        )
    filename = network.export_filename(now.date())
    return Response(
        network.ndjson(entities),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
