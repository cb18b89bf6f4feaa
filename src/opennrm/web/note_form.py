"""The note form shared by the referral and investigation case pages: read it, check it
in the reader's language, and add the note through `notes.actions`."""

from __future__ import annotations

from typing import Literal

from pydantic import ValidationError
from starlette.datastructures import FormData

from opennrm.context import AppContext
from opennrm.notes import actions as note_actions
from opennrm.referrals.schemas import MAX_TEXT, NoteIn
from opennrm.uow import unit_of_work
from opennrm.web import labels
from opennrm.web.forms import FieldError
from opennrm.web.i18n import gettext_for
from opennrm.web.session import Visitor
from opennrm.web.session import field as form_field


def save_note(
    ctx: AppContext,
    visitor: Visitor,
    form: FormData,
    record_type: Literal["referral", "investigation"],
    record_id: str,
) -> tuple[dict[str, str], list[FieldError]]:
    """The values to show again and the errors; no errors means the note was saved.
    Refusals by the policy (404, 403) are raised as they come."""
    _ = gettext_for(visitor.locale)
    values = {
        "kind": form_field(form, "kind", 20),
        "text": form_field(form, "text", MAX_TEXT * 2),
    }
    errors: list[FieldError] = []
    if values["kind"] not in labels.NOTE_KINDS:
        errors.append(FieldError("kind", _("Select whether the note is a fact or an assessment")))
    text = values["text"].strip()
    if not text:
        errors.append(FieldError("text", _("Write the note")))
    elif len(text) > MAX_TEXT:
        errors.append(FieldError("text", _("The note must be 4000 characters or fewer")))
    if errors:
        return values, errors
    try:
        data = NoteIn.model_validate({"kind": values["kind"], "text": text})
    except ValidationError:
        return values, [FieldError("text", _("The note contains characters that cannot be saved"))]
    with unit_of_work(ctx.db) as session:
        note_actions.add_note(
            session, record_type, record_id, data, actor=visitor.actor, cipher=ctx.cipher
        )
    return values, []
