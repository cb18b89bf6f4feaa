"""Words for codes the pages show that have no label in the domain: organisation types,
roles, audit actions and field names. Marked with `N_` for extraction and translated
where they are shown, in the reader's language."""

from __future__ import annotations

from opennrm.policy import Action, Actor, can
from opennrm.policy.rules import POLICE_TYPES as POLICE_ORGANISATION_TYPES
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
    "referral_received": N_("New referral"),
    "referral_status": N_("Referral status changed"),
    "referral_overdue": N_("Referral past its deadline"),
}
NOTIFICATION_SENTENCES = {
    "break_glass": N_(
        "Someone used emergency access to read a signal they could not otherwise see."
    ),
    "match_hit": N_(
        "Another organisation found the same identifier in one of your signals. They may "
        "contact you."
    ),
    "referral_received": N_(
        "A referral or an anonymous notification has arrived for your organisation. You "
        "find it under Referrals."
    ),
    "referral_status": N_(
        "There is a new decision on a referral your organisation made. You find it under Referrals."
    ),
    "referral_overdue": N_(
        "A referral in your organisation's queue is past its deadline. The ageing report "
        "shows all of them."
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

# --- the referral mechanism -----------------------------------------------------------------

# What a referral is, as one phrase: the target, and whether it went as an anonymous
# notification (no consent, no identity).
REFERRAL_KINDS = {
    ("assistance_system", False): N_("Referral to the assistance system"),
    ("assistance_system", True): N_("Anonymous notification to the assistance system"),
    ("police", False): N_("Referral to the police"),
    ("police", True): N_("Anonymous notification to the police"),
}

REFERRAL_STATUSES = {
    "received": N_("Received"),
    "admitted": N_("Admitted"),
    "identified": N_("Identified as a victim"),
    "not_identified": N_("Not identified as a victim"),
    "declined": N_("Declined"),
    "exited": N_("Exited from assistance"),
    "reconsidering_admission": N_("Admission being reconsidered"),
    "reconsidering_identification": N_("Identification being reconsidered"),
    "accepted": N_("Accepted for investigation"),
    "notified": N_("Notified"),
    "acknowledged": N_("Acknowledged"),
}

# The colour of a status tag: what still owes a decision stands out; what is closed is grey.
STATUS_TAG_COLOURS = {
    "received": "blue",
    "notified": "blue",
    "admitted": "turquoise",
    "identified": "green",
    "accepted": "green",
    "not_identified": "orange",
    "reconsidering_admission": "yellow",
    "reconsidering_identification": "yellow",
    "declined": "grey",
    "exited": "grey",
    "acknowledged": "grey",
}

DECISIONS = {
    "admit": N_("Admit to the assistance system"),
    "decline": N_("Decline"),
    "identify_victim": N_("Identify as a victim of trafficking"),
    "not_victim": N_("Not a victim of trafficking"),
    "extend_period": N_("Extend the recovery and reflection period"),
    "exit": N_("Exit from assistance"),
    "reconsider": N_("Reconsider"),
    "accept": N_("Accept for investigation"),
    "acknowledge": N_("Acknowledge"),
}

# A decision once taken, for the history and the timeline ("admit" → "Admitted …").
DECISIONS_TAKEN = {
    "admit": N_("Admitted to the assistance system"),
    "decline": N_("Declined"),
    "identify_victim": N_("Identified as a victim"),
    "not_victim": N_("Not identified as a victim"),
    "extend_period": N_("Recovery and reflection period extended"),
    "exit": N_("Exited from assistance"),
    "reconsider": N_("Taken up for reconsideration"),
    "accept": N_("Accepted for investigation"),
    "acknowledge": N_("Acknowledged"),
}

DECISION_HINTS = {
    "admit": N_(
        "The person becomes a client of the assistance system and a presumed victim. The "
        "recovery and reflection period starts."
    ),
    "decline": N_("The person is not admitted. The reasons are kept with the decision."),
    "identify_victim": N_("The person is identified as a victim of trafficking in human beings."),
    "not_victim": N_("There are no grounds to identify the person as a victim."),
    "extend_period": N_("The recovery and reflection period ends on a later day."),
    "exit": N_("Assistance ends. Running services end today."),
    "reconsider": N_("The earlier decision is taken up again, for example on a request."),
    "accept": N_("The police department takes up the matter for investigation."),
    "acknowledge": N_("Your organisation has seen the notification. Nothing else follows."),
}

# Decisions that set the end of the recovery and reflection period.
PERIOD_DECISIONS = ("admit", "extend_period")

NOTE_KINDS = {
    "fact": N_("Fact"),
    "assessment": N_("Assessment"),
}
NOTE_KIND_HINTS = {
    "fact": N_("Something seen, heard or documented."),
    "assessment": N_("Your professional judgement or interpretation."),
}
NOTE_TAG_COLOURS = {"fact": "blue", "assessment": "purple"}

AGE_GROUPS = {
    "under_18": N_("Under 18"),
    "18_29": N_("18–29 years"),
    "30_39": N_("30–39 years"),
    "40_49": N_("40–49 years"),
    "50_plus": N_("50 years or over"),
    "unknown": N_("Not known"),
}

# The timeline's events, by the title the timeline query gives them. Decisions, services
# and notes are named by their own lists above.
TIMELINE_TITLES = {
    "signal_recorded": N_("Signal recorded"),
    "grounds_to_refer": N_("Screened: grounds to refer"),
    "no_grounds_to_refer": N_("Screened: no grounds to refer"),
    "referral_police": N_("Referred to the police"),
    "referral_assistance_system": N_("Referred to the assistance system"),
    "referral_police_anonymous": N_("Anonymous notification to the police"),
    "referral_assistance_system_anonymous": N_("Anonymous notification to the assistance system"),
}

# Screening with the operational indicators.
INDICATOR_STRENGTHS = {
    "strong": N_("Strong"),
    "medium": N_("Medium"),
    "weak": N_("Weak"),
}
STRENGTH_TAG_COLOURS = {"strong": "purple", "medium": "blue", "weak": "grey"}

# --- investigations -------------------------------------------------------------------------

# Stages of the criminal process (`investigations.models.STAGES`), in their order.
INVESTIGATION_STAGES = {
    "reported": N_("Reported"),
    "pre_trial": N_("Pre-trial investigation"),
    "prosecutor": N_("With the prosecutor"),
    "charged": N_("Charges brought"),
    "judgment": N_("Judgment"),
    "appeal": N_("Appeal"),
    "closed": N_("Closed"),
}
STAGE_TAG_COLOURS = {
    "reported": "blue",
    "pre_trial": "turquoise",
    "prosecutor": "purple",
    "charged": "orange",
    "judgment": "pink",
    "appeal": "yellow",
    "closed": "grey",
}
INVESTIGATION_OUTCOMES = {
    "charges_brought": N_("Decision to prosecute"),
    "not_prosecuted": N_("Not prosecuted"),
    "convicted": N_("Convicted"),
    "acquitted": N_("Acquitted"),
    "dismissed": N_("Dismissed"),
    "transferred": N_("Transferred to another authority"),
    "other": N_("Other outcome"),
}

# Persons are tagged by category, as the Law Enforcement Directive (art. 6) asks.
PERSON_CATEGORIES = {
    "suspect": N_("Suspect"),
    "victim": N_("Victim"),
    "witness": N_("Witness"),
    "other": N_("Other person"),
}
PERSON_CATEGORY_HEADINGS = {
    "suspect": N_("Suspects"),
    "victim": N_("Victims"),
    "witness": N_("Witnesses"),
    "other": N_("Other persons"),
}

# What two investigations share when deconfliction tells the units of each other.
SHARED_IDENTIFIERS = {
    "phone": N_("a phone number"),
    "email": N_("an e-mail address"),
    "identifier": N_("an identity number"),
    "business_id": N_("a business ID"),
    "address": N_("an address"),
}

# Why police data is opened (Law Enforcement Directive art. 25): the choices of the
# purpose page as (code, purpose recorded in the trail, label, hint). "Other" records
# what the person typed. The recorded purposes are also in PURPOSES above, so that the
# trail shows them in the reader's language.
READ_PURPOSES = (
    (
        "investigation",
        "investigating the case",
        N_("Investigating the case"),
        N_("You work on this investigation."),
    ),
    (
        "interview",
        "preparing an interview",
        N_("Preparing an interview"),
        N_("You prepare to interview a suspect, a victim or a witness."),
    ),
    (
        "supervision",
        "supervision",
        N_("Supervision"),
        N_("You check how the case is handled, as a supervisor."),
    ),
    (
        "consultation",
        "consultation",
        N_("Consultation"),
        N_("You support the unit that investigates, for example as the national team."),
    ),
)
PURPOSES |= {recorded: label for _code, recorded, label, _hint in READ_PURPOSES} | {
    "open the investigation": N_("Opening the investigation"),
}

# Who sees the Investigations menu item: people in police organisations. What they see
# there is still filtered by the policy.
POLICE_TYPES = POLICE_ORGANISATION_TYPES


def opens_investigations(actor: Actor) -> bool:
    """Whether the policy lets `actor` open an investigation (the pages show the buttons
    that lead to the form only then; the action asks again)."""
    return bool(can(actor, Action.INVESTIGATION_CREATE))


# Consultations with the national team.
CONSULTATION_URGENCIES = {
    "urgent": N_("Urgent"),
    "normal": N_("Normal"),
    "low": N_("Not urgent"),
}
CONSULTATION_STATUSES = {
    "requested": N_("Asked"),
    "accepted": N_("Accepted"),
    "answered": N_("Answered"),
    "joined": N_("Joined the case team"),
    "declined": N_("Declined"),
    "closed": N_("Closed"),
}
CONSULTATION_TAG_COLOURS = {
    "requested": "blue",
    "accepted": "turquoise",
    "answered": "green",
    "joined": "green",
    "declined": "grey",
    "closed": "grey",
}
CONSULTATION_RESPONSES = {
    "accept": N_("Accept"),
    "answer": N_("Answer in writing"),
    "join": N_("Join the case team"),
    "decline": N_("Decline"),
    "close": N_("Close"),
}
CONSULTATION_RESPONSE_HINTS = {
    "accept": N_(
        "The team takes the question on. The response time keeps running until "
        "the team answers or joins."
    ),
    "answer": N_("Write the answer below. The unit that asked reads it."),
    "join": N_(
        "You join the case team and can read and work on the investigation until "
        "the day you give below."
    ),
    "decline": N_("Write the reason below. The unit that asked reads it."),
    "close": N_(
        "The support has been given. If a team member joined the case team, that ends today."
    ),
}
