"""Every kind of audit event, with what it means. `record()` refuses any other kind, so
the list below is complete by construction; docs/audit-events.md documents each (a test
checks that too)."""

from __future__ import annotations

from typing import Final

EVENT_TYPES: Final[dict[str, str]] = {
    "auth.login": "a user signed in",
    "auth.login_failed": "a sign-in was refused (wrong credentials, used code, locked)",
    "auth.logout": "a web session was ended by its user",
    "auth.mfa_enrol": "a user enrolled a TOTP authenticator",
    "organisation.create": "an organisation was added",
    "user.create": "a user account was added",
    "user.update": "an account's roles or active state were changed",
    "user.manage": "a refused attempt to manage users",
    "token.create": "a personal API token was issued",
    "token.revoke": "a personal API token was revoked",
    "signal.create": "a signal was recorded",
    "signal.read": "a signal's content was shown (fields and purpose recorded)",
    "signal.list": "a refused attempt to list signals",
    "signal.search": "a list or search of signals (the ids shown are recorded)",
    "signal.update": "a signal was changed (the fields changed are recorded)",
    "signal.share": "a signal was shared with another organisation (basis, scope, expiry)",
    "signal.revoke_share": "a share was revoked",
    "signal.break_glass": "emergency access was granted (justification, duration)",
    "signal.match": "a signal's identifiers were matched against all others",
    "signal.match_hit": "another organisation found a match in this record (hit/no-hit)",
    "audit.read": "a record's audit trail was read",
    "screening.create": "a signal was screened with the operational indicators",
    "note.create": "a note (fact or assessment) was added to a signal or a referral",
    "referral.create": "a referral or an anonymous notification was sent (basis, child, share)",
    "referral.list": "a list of referrals (queue or sent) was shown",
    "referral.read": "a referral was shown (receiver's or referrer's view)",
    "referral.decide": "a decision was taken on a referral (state before and after)",
    "referral.note": "a refused attempt to add a note to a referral",
    "referral.remind": "the receivers of a referral were reminded of a near deadline",
    "referral.escalate": "an overdue referral was escalated to the receiver's supervisors",
    "referral.ageing": "the ageing report (counts by organisation) was shown",
    "support.plan": "a refused attempt to change a support plan",
    "support.service_add": "a service was added to a support plan",
    "support.service_end": "a service of a support plan was ended",
    "timeline.read": "a case timeline was shown",
}
