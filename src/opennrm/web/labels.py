"""Words for codes the pages show that have no label in the domain: organisation types,
roles, audit actions and field names. Marked with `N_` for extraction and translated
where they are shown, in the reader's language."""

from __future__ import annotations

from opennrm.signals.queries import FULL_SCOPE_FIELDS, SUMMARY_SCOPE_FIELDS
from opennrm.web.i18n import N_

ORGANISATION_TYPES = {
    "police": N_("Police departments"),
    "national_team": N_("National investigation team"),
    "nbi": N_("National Bureau of Investigation"),
    "border_guard": N_("Border Guard"),
    "immigration": N_("Immigration"),
    "labour_inspection": N_("Labour inspection"),
    "prosecution": N_("Prosecution"),
    "assistance_system": N_("Assistance system for victims"),
    "municipality": N_("Municipalities"),
    "health": N_("Health care"),
    "ngo": N_("Non-governmental organisations"),
    "ministry": N_("Ministries"),
    "rapporteur": N_("National Rapporteur"),
}

ROLES = {
    "frontline": N_("Frontline worker"),
    "caseworker": N_("Caseworker"),
    "investigator": N_("Investigator"),
    "analyst": N_("Analyst"),
    "supervisor": N_("Supervisor"),
    "coordinator": N_("Coordinator"),
    "dpo": N_("Data protection officer"),
    "admin": N_("Administrator"),
}

AUDIT_ACTIONS = {
    "signal.create": N_("Recorded the signal"),
    "signal.read": N_("Opened the signal"),
    "signal.update": N_("Changed the signal"),
    "signal.share": N_("Shared the signal"),
    "signal.revoke_share": N_("Revoked a share"),
    "signal.break_glass": N_("Emergency access"),
    "signal.search": N_("Searched signals"),
    "audit.read": N_("Viewed the audit trail"),
}

AUDIT_OUTCOMES = {
    "ok": N_("Done"),
    "denied": N_("Refused"),
}

# Notifications: a short name for the kind, and a sentence saying what happened and what to
# do. The stored message (in English, written by the domain) is shown beside it as detail.
NOTIFICATION_KINDS = {
    "break_glass": N_("Emergency access"),
    "match_hit": N_("Match found"),
}
NOTIFICATION_SENTENCES = {
    "break_glass": N_(
        "Someone used emergency access to read a signal they could not otherwise see."
    ),
    "match_hit": N_(
        "Another organisation found the same identifier in one of your signals. They may "
        "contact you."
    ),
}

SIGNAL_FIELDS = {
    "exploitation_types": N_("Forms of exploitation"),
    "summary": N_("Summary"),
    "occurred_on": N_("Date of the events"),
    "municipality": N_("Municipality"),
    "persons": N_("Persons"),
    "organisations": N_("Organisations"),
    "addresses": N_("Addresses"),
    "indicators": N_("Indicators"),
    "consent": N_("Consent"),
}

SHARE_BASIS_HINTS = {
    "consent": N_("The person has agreed that the information is given to this organisation."),
    "statutory": N_("A law obliges or entitles your organisation to give the information."),
    "court_order": N_("A court has ordered the information to be given."),
    "vital_interest": N_("The information is needed to protect someone's life or health."),
}

SHARE_SCOPE_HINTS = {
    "full": N_("Everything, including persons, organisations and addresses."),
    "summary": N_(
        "Only the forms of exploitation, the date, the municipality and the "
        "summary. Persons, organisations and addresses stay hidden."
    ),
}

# Field sets that the trail names as a whole instead of listing every field.
ALL_FIELDS = sorted(FULL_SCOPE_FIELDS)
SUMMARY_FIELDS = sorted(SUMMARY_SCOPE_FIELDS)

# Purposes the pages and the API record themselves; a purpose typed by a person is shown
# as written.
PURPOSES = {
    "case work": N_("Case work"),
    "record the signal": N_("Recording the signal"),
    "update the signal": N_("Changing the signal"),
}
