"""A signal's timeline page: the signal and what came of it, in order, each part as far
as the visitor may see it (`timeline.queries.signal_timeline`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from opennrm.referrals import schemas
from opennrm.screening import (
    UnknownProfile,
    catalogue_for_profile,
)
from opennrm.support.services import BY_CODE
from opennrm.timeline.queries import signal_timeline
from opennrm.uow import unit_of_work
from opennrm.web import i18n, labels
from opennrm.web.access import require_record_id
from opennrm.web.render import render
from opennrm.web.session import Ctx, SignedIn

router = APIRouter(include_in_schema=False)


# --- the timeline of a signal ----------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    title: str
    details: list[str]
    text: str | None  # free text someone wrote (a note, a decision's reasons)
    note_kind: str | None
    actor: str | None
    organisation: str | None
    href: str | None


def _service_dates(detail: str | None, locale: str) -> str:
    """`2026-11-02–2026-12-31` (as the timeline gives it) as 2.11.2026–31.12.2026."""
    start, _sep, end = (detail or "").partition("–")
    try:
        parts = [i18n.format_day(date.fromisoformat(d), locale) if d else "" for d in (start, end)]
    except ValueError:
        return detail or ""
    return "–".join(parts)


def _screening_details(detail: str | None, locale: str, ngettext: Callable[..., str]) -> list[str]:
    """`profile · count · version` (as the timeline gives it) in the reader's words."""
    parts = (detail or "").split(" · ")
    if len(parts) != 3 or not parts[1].isdigit():
        return [detail] if detail else []
    profile, count, version = parts
    with suppress(UnknownProfile):  # an older catalogue's profile keeps its code
        profile = catalogue_for_profile(profile).profile(profile).label.get(locale)
    n = int(count)
    return [profile, ngettext("%(num)s indicator", "%(num)s indicators", n) % {"num": n}, version]


def timeline_rows(
    items: list[schemas.TimelineItem], signal_id: str, locale: str
) -> list[TimelineRow]:
    catalogue = i18n.translations(locale)
    _ = catalogue.gettext
    rows = []
    for item in items:
        details: list[str] = []
        text = None
        if item.kind == "decision":
            title = _(labels.DECISIONS_TAKEN.get(item.title, item.title))
            text = item.detail
        elif item.kind == "service":
            service = BY_CODE.get(item.title)
            name = service.label(locale) if service else item.title
            title = _("Service: %(service)s") % {"service": name}
            details = [_service_dates(item.detail, locale)]
        elif item.kind == "note":
            title = _("Note")
            text = item.detail
        elif item.kind == "screening":
            title = _(labels.TIMELINE_TITLES.get(item.title, item.title))
            details = _screening_details(item.detail, locale, catalogue.ngettext)
        else:
            title = _(labels.TIMELINE_TITLES.get(item.title, item.title))
            if item.kind == "referral" and item.detail:
                details = [_("To: %(organisation)s") % {"organisation": item.detail}]
        rows.append(
            TimelineRow(
                at=item.at,
                title=title,
                details=details,
                text=text,
                note_kind=item.note_kind,
                actor=item.actor,
                organisation=item.organisation,
                href=_timeline_link(item, signal_id),
            )
        )
    return rows


def _timeline_link(item: schemas.TimelineItem, signal_id: str) -> str | None:
    if item.record_type == "referral":
        return f"/referrals/{item.record_id}"
    if item.record_type == "screening":
        return f"/signals/{signal_id}/screenings"
    return None


@router.get("/signals/{signal_id}/timeline")
def timeline_page(request: Request, ctx: Ctx, visitor: SignedIn, signal_id: str) -> Response:
    require_record_id(signal_id)
    with unit_of_work(ctx.db) as session:
        items = signal_timeline(session, signal_id, actor=visitor.actor, cipher=ctx.cipher)
    return render(
        request,
        "referrals/timeline.html",
        visitor=visitor,
        signal_id=signal_id,
        recorded=items[0].at,
        rows=timeline_rows(items, signal_id, visitor.locale),
    )
