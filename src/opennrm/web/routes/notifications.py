"""The visitor's notifications: a list, newest first, and "mark all as read".

Each notification links to the page of its record that the visitor may open: the
signal or the referral, or a signal's audit trail for a data protection officer (the way
a DPO reaches the trail of a record opened with emergency access). Neither the list nor
marking it read is audited: notifications carry no case content (see
`opennrm.notifications`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from opennrm.notifications import actions, queries
from opennrm.referrals.queries import visible_referrals
from opennrm.signals.queries import RECORD_TYPE
from opennrm.uow import unit_of_work
from opennrm.web.access import record_links
from opennrm.web.render import render
from opennrm.web.session import CheckedForm, Ctx, SignedIn

router = APIRouter(include_in_schema=False)

PAGE_LIMIT = 100


@router.get("/notifications")
def notifications_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    with unit_of_work(ctx.db) as session:
        items = queries.list_notifications(session, actor=visitor.actor, limit=PAGE_LIMIT)
        signal_ids = {n.record_id for n in items if n.record_type == RECORD_TYPE and n.record_id}
        links = record_links(session, visitor.actor, signal_ids)
        referrals = visible_referrals(
            session,
            visitor.actor,
            {n.record_id for n in items if n.record_type == "referral" and n.record_id},
        )
    return render(
        request,
        "notifications/index.html",
        visitor=visitor,
        items=items,
        links=links,
        referrals=referrals,
        limit=PAGE_LIMIT,
        done=request.query_params.get("done", ""),
    )


@router.post("/notifications/read")
def mark_all_read(ctx: Ctx, visitor: SignedIn, _form: CheckedForm) -> Response:
    with unit_of_work(ctx.db) as session:
        actions.mark_read(session, actor=visitor.actor, notification_ids=None)
    return RedirectResponse("/notifications?done=read", status_code=303)
