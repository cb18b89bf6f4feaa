"""Review of candidate links: the queue, one link, and the reviewer's decision.

Only links whose two records the visitor may both read are listed; the decision needs
a reason and is audited as a combination of two organisations' data
(`linkage.actions.review_link`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from opennrm.db import utcnow
from opennrm.errors import Conflict, Invalid
from opennrm.linkage import actions, queries
from opennrm.linkage.actions import MAX_REASON
from opennrm.policy import Action, can
from opennrm.uow import unit_of_work
from opennrm.web.access import require_record_id
from opennrm.web.forms import FieldError
from opennrm.web.i18n import N_, gettext_for
from opennrm.web.render import render
from opennrm.web.session import CheckedForm, Ctx, SignedIn, Visitor
from opennrm.web.session import field as form_field

router = APIRouter(include_in_schema=False)

STATUSES = ("open", "confirmed", "rejected")
PAGE = 50

# How each field agreed, in the reader's words (labels of engine.compare.FIELDS).
FIELD_NAMES = {
    "name": N_("Name"),
    "birth_date": N_("Birth date"),
    "gender": N_("Gender"),
    "nationality": N_("Nationality"),
    "contact": N_("Phone and address"),
    "email": N_("E-mail"),
    "identifier": N_("Identity document"),
}
LEVEL_NAMES = {
    "null": N_("Not known on one side or either"),
    "exact": N_("Equal"),
    "jw94": N_("Almost equal"),
    "jw88": N_("Similar"),
    "token": N_("One name in common"),
    "jw80": N_("Somewhat similar"),
    "partial": N_("Agrees as far as known"),
    "swapped": N_("Day and month swapped"),
    "typo": N_("One character apart"),
    "year": N_("Same year"),
    "year_near": N_("Year one apart"),
    "equal": N_("Equal"),
    "shared": N_("Shared"),
    "postcode": N_("Same postcode"),
    "phone_and_address": N_("Same phone and address"),
    "phone": N_("Same phone"),
    "address": N_("Same address"),
    "address_similar": N_("Similar address"),
    "address_words": N_("Most words of the address in common"),
    "different": N_("Different"),
}


# The engine explains in English (the CLI's and the API's language); the pages say the
# same in the reader's language. Each phrase of `engine.link` is listed here.
_PHRASES = {
    "names equal": N_("names equal"),
    "names differ": N_("names differ"),
    "birth date equal": N_("birth date equal"),
    "birth date agrees as far as known": N_("birth date agrees as far as known"),
    "birth day and month swapped": N_("birth day and month swapped"),
    "birth date one character apart": N_("birth date one character apart"),
    "birth year equal": N_("birth year equal"),
    "birth year one apart": N_("birth year one apart"),
    "birth dates differ": N_("birth dates differ"),
    "gender equal": N_("gender equal"),
    "gender differs": N_("gender differs"),
    "nationality equal": N_("nationality equal"),
    "nationality differs": N_("nationality differs"),
    "same address": N_("same address"),
    "addresses similar": N_("addresses similar"),
    "most words of the address in common": N_("most words of the address in common"),
    "same postcode": N_("same postcode"),
    "phones and addresses differ": N_("phones and addresses differ"),
    "e-mails differ": N_("e-mails differ"),
    "identifiers one character apart": N_("identifiers one character apart"),
    "identifiers differ": N_("identifiers differ"),
    "same phone": N_("same phone"),
    "same e-mail": N_("same e-mail"),
    "same identifier": N_("same identifier"),
}
_WITH_VALUE = {
    "same phone ": N_("same phone %(value)s"),
    "same e-mail ": N_("same e-mail %(value)s"),
    "same identifier ": N_("same identifier %(value)s"),
    "names ": N_("names %(value)s"),
}


def explanation_in(text: str, gettext: Callable[[str], str]) -> str:
    """An engine explanation ("same phone +358…; names 0.94") in the reader's language;
    a phrase this table does not know is shown as the engine wrote it."""
    out = []
    for phrase in text.split("; "):
        if phrase in _PHRASES:
            out.append(gettext(_PHRASES[phrase]))
            continue
        prefix = next((p for p in _WITH_VALUE if phrase.startswith(p)), None)
        if prefix is None:
            out.append(phrase)
        else:
            out.append(gettext(_WITH_VALUE[prefix]) % {"value": phrase[len(prefix) :]})
    return "; ".join(out)


def _record_href(record_type: str, record_id: str) -> str:
    return f"/signals/{record_id}" if record_type == "signal" else f"/investigations/{record_id}"


def _common(visitor: Visitor) -> dict[str, Any]:
    gettext = gettext_for(visitor.locale)
    return {
        "explain": lambda text: explanation_in(text, gettext),
        "field_names": FIELD_NAMES,
        "level_names": LEVEL_NAMES,
        "record_href": _record_href,
        "may_review": bool(can(visitor.actor, Action.LINKAGE_LIST)),
    }


@router.get("/linkage")
def queue_page(request: Request, ctx: Ctx, visitor: SignedIn, status: str = "open") -> Response:
    status = status if status in STATUSES else "open"
    with unit_of_work(ctx.db) as session:
        views, total = queries.review_queue(
            session,
            visitor.actor,
            cipher=ctx.cipher,
            model=ctx.linkage_model,
            now=utcnow(),
            status=status,
            limit=PAGE,
        )
    return render(
        request,
        "linkage/review_queue.html",
        visitor=visitor,
        views=views,
        total=total,
        shown_status=status,
        **_common(visitor),
    )


def _link_page(
    request: Request,
    ctx: Ctx,
    visitor: Visitor,
    candidate_id: str,
    *,
    errors: list[FieldError] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    require_record_id(candidate_id)
    with unit_of_work(ctx.db) as session:
        view = queries.read_link(
            session,
            visitor.actor,
            candidate_id,
            cipher=ctx.cipher,
            model=ctx.linkage_model,
            now=utcnow(),
        )
    return render(
        request,
        "linkage/review_link.html",
        visitor=visitor,
        status=status,
        view=view,
        errors=errors or [],
        values=values or {"decision": "", "reason": ""},
        done=request.query_params.get("done"),
        **_common(visitor),
    )


@router.get("/linkage/{candidate_id}")
def link_page(request: Request, ctx: Ctx, visitor: SignedIn, candidate_id: str) -> Response:
    return _link_page(request, ctx, visitor, candidate_id)


@router.post("/linkage/{candidate_id}/decision")
def decide(
    request: Request, ctx: Ctx, visitor: SignedIn, candidate_id: str, form: CheckedForm
) -> Response:
    require_record_id(candidate_id)
    _ = gettext_for(visitor.locale)
    values = {
        "decision": form_field(form, "decision", 20),
        "reason": form_field(form, "reason", MAX_REASON * 2),
    }
    errors: list[FieldError] = []
    if values["decision"] not in actions.REVIEW_DECISIONS:
        errors.append(FieldError("decision", _("Select whether the records concern one person")))
    reason = values["reason"].strip()
    if len(reason) < 5:
        errors.append(FieldError("reason", _("Give the reasons for the decision")))
    elif len(reason) > MAX_REASON:
        errors.append(FieldError("reason", _("The reasons must be 2000 characters or fewer")))
    if not errors:
        try:
            with unit_of_work(ctx.db) as session:
                actions.review_link(
                    session,
                    candidate_id,
                    values["decision"],
                    reason,
                    actor=visitor.actor,
                    cipher=ctx.cipher,
                )
        except Conflict:
            errors = [FieldError("decision", _("This link has already been decided"))]
            return _link_page(
                request, ctx, visitor, candidate_id, errors=errors, values=values, status=409
            )
        except Invalid as exc:
            errors = [FieldError("reason", exc.message)]
    if errors:
        return _link_page(
            request, ctx, visitor, candidate_id, errors=errors, values=values, status=422
        )
    return RedirectResponse(f"/linkage/{candidate_id}?done=decided", status_code=303)
