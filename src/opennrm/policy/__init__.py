"""The only gate to records: `can()` for one record, `visible()` for lists, in SQL.

Every rule of ARCHITECTURE.md's "Rules for personal data" that concerns access lives
here; domains describe their records (`RecordFacts`, columns for `visible`) and never
decide access themselves.
"""

from opennrm.policy.rules import (
    AUTHORITY_TYPES,
    POLICE_TYPES,
    Action,
    Actor,
    Decision,
    RecordFacts,
    ReferralFacts,
    can,
    can_referral,
    can_respond_to_consultation,
    referrer_sees_status,
    share_problems,
)

__all__ = [
    "AUTHORITY_TYPES",
    "POLICE_TYPES",
    "Action",
    "Actor",
    "Decision",
    "RecordFacts",
    "ReferralFacts",
    "can",
    "can_referral",
    "can_respond_to_consultation",
    "referrer_sees_status",
    "share_problems",
]
