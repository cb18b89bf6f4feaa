"""Pure access rules: plain values in, a decision out. No I/O, no framework.

Read top to bottom, this file is the access policy of OpenNRM. Each predicate is written
one condition per line so that a reviewer can check it against ARCHITECTURE.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

Scope = Literal["full", "summary"]
Via = Literal["owner", "creator", "assigned", "share", "break_glass", "receiver", "referrer"]

POLICE_TYPES = frozenset({"police", "national_team", "nbi"})
"""Organisations whose records are police information."""

AUTHORITY_TYPES = POLICE_TYPES | frozenset(
    {"border_guard", "immigration", "labour_inspection", "prosecution"}
)
"""Authorities; police information may reach others only on a non-consent basis."""

CONTENT_ROLES = frozenset({"caseworker", "investigator", "supervisor"})
"""Roles that read every record of their own organisation and records shared with it."""

RECORDING_ROLES = CONTENT_ROLES | {"frontline"}
BREAK_GLASS_ROLES = CONTENT_ROLES
AUDIT_ROLES = frozenset({"dpo", "supervisor"})
ADMIN_ROLES = frozenset({"admin"})
AGEING_ROLES = frozenset({"supervisor", "coordinator", "analyst"})
"""Roles that see the ageing report: counts per organisation, never case content."""
NATIONAL_VIEW_ROLES = frozenset({"coordinator", "analyst"})
INVESTIGATING_ROLES = frozenset({"investigator", "supervisor"})
"""Roles that open and work on investigations, in a police organisation."""
NATIONAL_POLICE_TYPES = frozenset({"national_team", "nbi"})
"""Police bodies that see the workload of every department."""
LINK_REVIEW_ROLES = frozenset({"caseworker", "investigator", "analyst", "supervisor"})
"""Roles that confirm or reject a candidate link between two records they may both read."""
NETWORK_ROLES = frozenset({"analyst", "investigator", "supervisor"})
"""Roles that see the network of persons, phones, addresses and cases they may read."""

STATISTICS_ROLES = frozenset({"coordinator", "analyst", "supervisor"})
"""Roles that see platform-wide statistics; every cell passes disclosure control."""
PUBLISH_ROLES = frozenset({"coordinator"})
"""Roles that release noisy public statistics and so spend the privacy budget."""
EXPORT_ROLES = frozenset({"caseworker", "investigator", "supervisor", "analyst"})
"""Roles that export the records they may read (HTCDS, FollowTheMoney)."""
PLAN_ROLES = frozenset({"coordinator"})
"""Roles that keep the action plan and the training catalogue."""
ATTENDANCE_ROLES = frozenset({"coordinator", "supervisor"})
"""Roles that record attendance: a coordinator for anyone, a supervisor for their staff."""

MAX_SHARE_DAYS = 366


class Action(StrEnum):
    SIGNAL_CREATE = "signal.create"
    SIGNAL_LIST = "signal.list"
    SIGNAL_READ = "signal.read"
    SIGNAL_UPDATE = "signal.update"
    SIGNAL_SHARE = "signal.share"
    SIGNAL_REVOKE_SHARE = "signal.revoke_share"
    SIGNAL_BREAK_GLASS = "signal.break_glass"
    AUDIT_READ = "audit.read"
    USER_MANAGE = "user.manage"
    SCREENING_CREATE = "screening.create"
    NOTE_CREATE = "note.create"
    REFERRAL_CREATE = "referral.create"
    REFERRAL_LIST = "referral.list"
    REFERRAL_READ = "referral.read"
    REFERRAL_DECIDE = "referral.decide"
    SUPPORT_PLAN = "support.plan"
    REFERRAL_NOTE = "referral.note"
    REFERRAL_SHARE = "referral.share"
    AGEING_READ = "referral.ageing"
    INVESTIGATION_CREATE = "investigation.create"
    INVESTIGATION_LIST = "investigation.list"
    INVESTIGATION_READ = "investigation.read"
    INVESTIGATION_UPDATE = "investigation.update"
    INVESTIGATION_ASSIGN = "investigation.assign"
    CONSULTATION_REQUEST = "consultation.request"
    CONSULTATION_RESPOND = "consultation.respond"
    REGISTRY_MANAGE = "registry.manage"
    REGISTRY_READ = "registry.read"
    WORKLOAD_READ = "workload.read"
    LINKAGE_LIST = "linkage.list"
    LINKAGE_REVIEW = "linkage.review"
    LINKAGE_NETWORK = "linkage.network"
    STATISTICS_READ = "statistics.read"
    STATISTICS_PUBLISH = "statistics.publish"
    EXPORT_RECORDS = "export.records"
    EXPORT_ANONYMISED = "export.anonymised"
    ACTIONPLAN_READ = "actionplan.read"
    ACTIONPLAN_MANAGE = "actionplan.manage"
    TRAINING_READ = "training.read"
    TRAINING_MANAGE = "training.manage"


@dataclass(frozen=True)
class Actor:
    """Who is acting, loaded afresh from the database on every request."""

    user_id: str
    organisation_id: str
    organisation_type: str
    roles: frozenset[str]
    email: str = ""
    via: Literal["session", "token", "cli", "system"] = "session"

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & roles)


@dataclass(frozen=True)
class RecordFacts:
    """What the policy needs to know about one record and the caller's grants on it."""

    record_type: str
    owner_org_id: str
    owner_org_type: str
    created_by: str
    assigned: bool = False
    share_scope: Scope | None = None
    break_glass: bool = False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    scope: Scope | None = None
    via: Via | None = None
    # When refused: may the caller learn that the record exists? If not, answer 404.
    reveal: bool = False
    reason: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.allowed


DENY_HIDDEN = Decision(False, reason="not visible")


def _read_grant(actor: Actor, facts: RecordFacts) -> Decision:
    """How, if at all, the actor may read the record's content."""
    if actor.has_any(ADMIN_ROLES):
        # An administrator manages accounts and sees no case content, assigned or not.
        return DENY_HIDDEN
    own_org = actor.organisation_id == facts.owner_org_id
    if own_org and actor.has_any(CONTENT_ROLES):
        return Decision(True, scope="full", via="owner")
    if own_org and "frontline" in actor.roles and facts.created_by == actor.user_id:
        return Decision(True, scope="full", via="creator")
    if facts.assigned:
        return Decision(True, scope="full", via="assigned")
    if facts.share_scope is not None and actor.has_any(CONTENT_ROLES):
        return Decision(True, scope=facts.share_scope, via="share")
    if facts.break_glass and actor.has_any(BREAK_GLASS_ROLES):
        return Decision(True, scope="full", via="break_glass")
    return DENY_HIDDEN


def can(actor: Actor, action: Action, facts: RecordFacts | None = None) -> Decision:
    """Decide one action. `facts` is required for actions on an existing record."""
    if action is Action.SIGNAL_CREATE:
        return _allow_if(actor.has_any(RECORDING_ROLES), "role may not record signals")
    if action is Action.SIGNAL_LIST:
        # Everyone may ask; the list is filtered by `visible()` and may well be empty.
        return Decision(True)
    if action is Action.USER_MANAGE:
        return _allow_if(actor.has_any(ADMIN_ROLES), "only administrators manage users")
    if action is Action.REFERRAL_LIST:
        return Decision(True)
    if action in (Action.INVESTIGATION_LIST, Action.INVESTIGATION_CREATE):
        if action is Action.INVESTIGATION_LIST:
            return Decision(True)
        return _allow_if(
            actor.organisation_type in POLICE_TYPES and actor.has_any(INVESTIGATING_ROLES),
            "only investigators and supervisors of the police open investigations",
        )
    if action is Action.REGISTRY_MANAGE:
        return _allow_if(
            actor.organisation_type in POLICE_TYPES and "supervisor" in actor.roles,
            "only a police supervisor keeps the registry of investigators",
        )
    if action is Action.REGISTRY_READ:
        # The registry names people: the police's investigators and supervisors and the
        # coordinators see it; an analyst sees national counts only (the workload).
        return _allow_if(
            (actor.organisation_type in POLICE_TYPES and actor.has_any(INVESTIGATING_ROLES))
            or "coordinator" in actor.roles,
            "the registry is for the police and coordinators",
        )
    if action is Action.LINKAGE_LIST:
        return _allow_if(actor.has_any(LINK_REVIEW_ROLES), "role does not review links")
    if action is Action.LINKAGE_NETWORK:
        return _allow_if(actor.has_any(NETWORK_ROLES), "role does not analyse networks")
    if action is Action.WORKLOAD_READ:
        return _allow_if(
            (actor.organisation_type in POLICE_TYPES and actor.has_any(INVESTIGATING_ROLES))
            or actor.has_any(NATIONAL_VIEW_ROLES),
            "only the police, coordinators and analysts see the workload",
        )
    if action is Action.AGEING_READ:
        return _allow_if(actor.has_any(AGEING_ROLES), "only supervisors, coordinators and analysts")
    if action in (Action.STATISTICS_READ, Action.EXPORT_ANONYMISED):
        # Aggregates and anonymised datasets only; no case content reaches these roles.
        return _allow_if(
            actor.has_any(STATISTICS_ROLES),
            "only coordinators, analysts and supervisors see statistics",
        )
    if action is Action.STATISTICS_PUBLISH:
        return _allow_if(actor.has_any(PUBLISH_ROLES), "only a coordinator publishes statistics")
    if action is Action.EXPORT_RECORDS:
        # What is exported is filtered by `visible()`, like any list.
        return _allow_if(actor.has_any(EXPORT_ROLES), "role may not export records")
    if action in (Action.ACTIONPLAN_READ, Action.TRAINING_READ):
        # The action plan and the teaching materials are common to every partner.
        return Decision(True)
    if action in (Action.ACTIONPLAN_MANAGE, Action.TRAINING_MANAGE):
        return _allow_if(
            actor.has_any(PLAN_ROLES), "only a coordinator keeps the action plan and training"
        )
    if facts is None:
        raise ValueError(f"{action} needs the record's facts")

    read = _read_grant(actor, facts)
    own_org = actor.organisation_id == facts.owner_org_id

    if action in (Action.SIGNAL_READ, Action.INVESTIGATION_READ):
        return read
    if action is Action.INVESTIGATION_UPDATE:
        # The owning unit, and whoever is assigned to the case team (a national-team
        # investigator who joined it for a while).
        if read.via in ("owner", "assigned"):
            return read
        return _refuse_visible(read, "only the owning unit and the case team change it")
    if action is Action.INVESTIGATION_ASSIGN:
        # The unit's supervisor puts investigators on the case team.
        if read.via == "owner" and "supervisor" in actor.roles:
            return read
        return _refuse_visible(read, "only the owning unit's supervisor assigns the case")
    if action is Action.CONSULTATION_REQUEST:
        if read.via == "owner":
            return read
        return _refuse_visible(read, "only the owning unit asks for a consultation")
    if action is Action.AUDIT_READ:
        if own_org and actor.has_any(AUDIT_ROLES):
            return Decision(True, via="owner")
        return _refuse_visible(read, "only the owning organisation's DPO or supervisor")
    if action in (
        Action.SIGNAL_UPDATE,
        Action.SIGNAL_SHARE,
        Action.SIGNAL_REVOKE_SHARE,
        Action.SCREENING_CREATE,
        Action.NOTE_CREATE,
        Action.REFERRAL_CREATE,
    ):
        if read.via in ("owner", "creator"):
            return read
        return _refuse_visible(read, "only the owning organisation changes or shares a record")
    if action is Action.SIGNAL_BREAK_GLASS:
        return _break_glass(actor, facts, read)
    raise ValueError(f"unknown action {action}")


@dataclass(frozen=True)
class ReferralFacts:
    """What the policy needs to know about one referral: who sent it and who received it."""

    from_org_id: str
    target_org_id: str
    created_by: str
    # A share of the referral in force to the actor's organisation (the assistance system
    # lets the police follow a victim's support case, on a lawful basis).
    shared: bool = False


REFERRAL_ACTIONS = frozenset(
    {
        Action.REFERRAL_READ,
        Action.REFERRAL_DECIDE,
        Action.SUPPORT_PLAN,
        Action.REFERRAL_NOTE,
        Action.REFERRAL_SHARE,
    }
)


def can_referral(actor: Actor, action: Action, facts: ReferralFacts) -> Decision:
    """Decide one act on a referral.

    A referral has two parties. The receiving organisation owns the case: its
    caseworkers, investigators and supervisors read it and take its decisions. The
    referring organisation may follow what it sent — how far, the queries decide from
    the consent on the referral — but never decides. An organisation the receiver shared
    the case with (e.g. the police investigating the crime) follows its status. Nobody
    else learns it exists.
    """
    if action not in REFERRAL_ACTIONS:
        raise ValueError(f"{action} is not an act on a referral")
    if actor.has_any(ADMIN_ROLES):
        return DENY_HIDDEN
    receiver = actor.organisation_id == facts.target_org_id and actor.has_any(CONTENT_ROLES)
    referrer_org = actor.organisation_id == facts.from_org_id
    referrer = referrer_org and (actor.has_any(CONTENT_ROLES) or facts.created_by == actor.user_id)
    if receiver:
        return Decision(True, scope="full", via="receiver")
    if not referrer and facts.shared and actor.has_any(CONTENT_ROLES):
        if action is Action.REFERRAL_READ:
            return Decision(True, scope="summary", via="share")
        return Decision(False, reveal=True, reason="only the receiving organisation decides")
    if not referrer:
        return DENY_HIDDEN
    if action is Action.REFERRAL_READ:
        return Decision(True, scope="summary", via="referrer")
    return Decision(False, reveal=True, reason="only the receiving organisation decides")


def can_respond_to_consultation(actor: Actor, *, team_org_id: str) -> Decision:
    """The national team answers the consultations addressed to it: its investigators and
    supervisors accept, answer, join or decline."""
    if actor.organisation_id == team_org_id and actor.has_any(INVESTIGATING_ROLES):
        return Decision(True, via="receiver")
    return DENY_HIDDEN


def can_review_link(actor: Actor, *, sees_left: bool, sees_right: bool) -> Decision:
    """Confirm or reject a candidate link.

    A link is a combination of two records' data; only someone who may read both may
    judge it. Someone who sees one side knows the candidate exists (as a hit) and is told
    why they may not decide (403); someone who sees neither does not learn it exists.
    """
    if not (sees_left or sees_right) or actor.has_any(ADMIN_ROLES):
        return DENY_HIDDEN
    if not actor.has_any(LINK_REVIEW_ROLES):
        return Decision(False, reveal=True, reason="your role does not review links")
    if not (sees_left and sees_right):
        return Decision(
            False, reveal=True, reason="only someone who may read both records decides a link"
        )
    return Decision(True, scope="full")


def can_update_measure(actor: Actor, *, responsible_org_ids: frozenset[str]) -> Decision:
    """Report progress on an action-plan measure.

    The coordinator follows every measure; a supervisor reports for a measure their own
    organisation is responsible for. Measures are common knowledge inside the platform,
    so a refusal says why (403), never 404.
    """
    if actor.has_any(PLAN_ROLES):
        return Decision(True, via="owner")
    if "supervisor" in actor.roles and actor.organisation_id in responsible_org_ids:
        return Decision(True, via="owner")
    return Decision(
        False, reveal=True, reason="only the coordinator or a responsible organisation reports"
    )


def can_see_attendance(actor: Actor, *, person_user_id: str, person_org_id: str) -> bool:
    """Whose training record the actor may read: their own, their staff's (a supervisor),
    anyone's (a coordinator). Coverage figures are aggregates and need only statistics."""
    if actor.user_id == person_user_id:
        return True
    if actor.has_any(PLAN_ROLES):
        return True
    return "supervisor" in actor.roles and actor.organisation_id == person_org_id


def can_record_attendance(actor: Actor, *, person_org_id: str) -> bool:
    """Who marks attendance: the coordinator for anyone, a supervisor for their own staff."""
    if actor.has_any(PLAN_ROLES):
        return True
    return "supervisor" in actor.roles and actor.organisation_id == person_org_id


def share_counts_for(actor: Actor, record_type: str, basis: str) -> bool:
    """Whether a share in force lets the actor's organisation read the record.

    Police investigation data reaches an organisation outside the police only through a
    share on a statutory basis, whatever other share exists (issue 4; ARCHITECTURE rule 2).
    """
    if record_type != "investigation":
        return True
    return actor.organisation_type in POLICE_TYPES or basis == "statutory"


def referrer_sees_status(*, consent: bool) -> bool:
    """The referrer follows the status of its referral only as far as consent covers:
    without the person's consent it learns that the referral arrived, not what came of it."""
    return consent


def _break_glass(actor: Actor, facts: RecordFacts, read: Decision) -> Decision:
    if read.allowed and read.via != "break_glass":
        return Decision(False, reveal=True, reason="you can already read this record")
    if not actor.has_any(BREAK_GLASS_ROLES):
        return DENY_HIDDEN
    if facts.owner_org_type in POLICE_TYPES and actor.organisation_type not in POLICE_TYPES:
        # Police information never reaches a partner outside the police by emergency access.
        return DENY_HIDDEN
    return Decision(True, scope="full", via="break_glass")


def _allow_if(condition: bool, reason: str) -> Decision:
    return Decision(True) if condition else Decision(False, reveal=True, reason=reason)


def _refuse_visible(read: Decision, reason: str) -> Decision:
    """Refuse; say 403 only if the caller may know the record exists, else 404."""
    return Decision(False, reveal=read.allowed, reason=reason)


def share_problems(
    *,
    owner_org_type: str,
    owner_org_id: str,
    grantee_org_type: str,
    grantee_org_id: str,
    basis: str,
    expires_on: date,
    today: date,
    consent_to_police: bool,
    consent_to_assistance_system: bool,
) -> list[str]:
    """Why a proposed share is unlawful under the rules; an empty list means it may go."""
    problems: list[str] = []
    if grantee_org_id == owner_org_id:
        problems.append("a record cannot be shared with its own organisation")
    if expires_on <= today:
        problems.append("expires_on must be a future date")
    if expires_on > today + timedelta(days=MAX_SHARE_DAYS):
        problems.append(f"a share may last at most {MAX_SHARE_DAYS} days; renew it later")
    if basis == "consent":
        if grantee_org_type in POLICE_TYPES and not consent_to_police:
            problems.append("the person has not consented to sharing with the police")
        if grantee_org_type == "assistance_system" and not consent_to_assistance_system:
            problems.append("the person has not consented to referral to the assistance system")
    owner_is_police = owner_org_type in POLICE_TYPES
    grantee_outside_authorities = grantee_org_type not in AUTHORITY_TYPES
    if owner_is_police and grantee_outside_authorities and basis == "consent":
        problems.append(
            "police information goes outside the authorities only on a statutory duty, "
            "a court order or a vital interest"
        )
    return problems
