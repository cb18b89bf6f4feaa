"""row-level security on PostgreSQL

A second line behind the policy module (ADR 0016): every table holding victims' or
suspects' data gets FORCE ROW LEVEL SECURITY and one policy that lets a transaction see
a row only when the actor it declared (`opennrm.actor_user`, set per transaction by the
app) is an active, non-administrator user of an organisation that owns the record, holds
a share of it in force, is assigned to it or has break-the-glass on it — or when the
transaction declared itself a system task (`opennrm.scope = 'system'`: the background
worker, linkage matching, statistics). No actor, no rows. SQLite has no row security;
there this migration does nothing.

The predicates are deliberately coarser than `policy.rules` (organisation, not role):
the policy decides, row security only catches what the policy code forgot.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = """
CREATE OR REPLACE FUNCTION opennrm_rls_system() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('opennrm.scope', true), '') = 'system'
$$;

-- The declaring actor's organisation, or NULL unless the actor is an active user of
-- that organisation without the admin role (administrators see no case content).
-- SECURITY DEFINER: it reads users and roles whatever the caller may read.
CREATE OR REPLACE FUNCTION opennrm_rls_org() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.organisation_id FROM users u
   WHERE u.id = nullif(current_setting('opennrm.actor_user', true), '')
     AND u.organisation_id = nullif(current_setting('opennrm.actor_org', true), '')
     AND u.is_active
     AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'admin')
$$;

CREATE OR REPLACE FUNCTION opennrm_rls_user() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN opennrm_rls_org() IS NULL THEN NULL
              ELSE current_setting('opennrm.actor_user', true) END
$$;

-- A grant beyond ownership: a share in force to the actor's organisation (a day's grace
-- for the deployment's time zone), an assignment in force or break-the-glass.
CREATE OR REPLACE FUNCTION opennrm_rls_granted(rtype text, rid text, org text, usr text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT org IS NOT NULL AND (
    EXISTS (SELECT 1 FROM shares s
             WHERE s.record_type = rtype AND s.record_id = rid AND s.organisation_id = org
               AND s.revoked_at IS NULL AND s.expires_on >= current_date - 1)
    OR EXISTS (SELECT 1 FROM assignments a
                WHERE a.record_type = rtype AND a.record_id = rid AND a.user_id = usr
                  AND (a.ended_at IS NULL OR a.ended_at > now()))
    OR EXISTS (SELECT 1 FROM break_glass b
                WHERE b.record_type = rtype AND b.record_id = rid AND b.user_id = usr
                  AND b.expires_at > now()))
$$;
"""

# The actor's organisation and user are computed once per statement (an InitPlan), not
# once per row.
ORG = "(SELECT opennrm_rls_org())"
USR = "(SELECT opennrm_rls_user())"
SYSTEM = "(SELECT opennrm_rls_system())"


def _owned(record_type: str, owner: str) -> str:
    return f"{owner} = {ORG} OR opennrm_rls_granted('{record_type}', id, {ORG}, {USR})"


# Names are constants; nothing here comes from input.
CONSULTED = (
    "EXISTS (SELECT 1 FROM consultations c WHERE c.investigation_id = investigations.id"  # noqa: S608
    f" AND c.team_organisation_id = {ORG})"
)


def _child(table: str, parent: str, key: str) -> str:
    # The parent table's own policy applies inside the subquery. Names are constants.
    return f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{key})"  # noqa: S608


# table -> the predicate beside the system scope. Sorted parents first, as created.
POLICIES: dict[str, str] = {
    "signals": _owned("signal", "organisation_id"),
    "signal_persons": _child("signal_persons", "signals", "signal_id"),
    "signal_addresses": _child("signal_addresses", "signals", "signal_id"),
    "signal_identifiers": _child("signal_identifiers", "signals", "signal_id"),
    "signal_organisations": _child("signal_organisations", "signals", "signal_id"),
    "screenings": _child("screenings", "signals", "signal_id"),
    "referrals": (
        f"from_organisation_id = {ORG} OR target_organisation_id = {ORG}"
        f" OR opennrm_rls_granted('referral', id, {ORG}, {USR})"
    ),
    "referral_decisions": _child("referral_decisions", "referrals", "referral_id"),
    "support_services": _child("support_services", "referrals", "referral_id"),
    "case_notes": (
        f"organisation_id = {ORG} OR opennrm_rls_granted(record_type, record_id, {ORG}, {USR})"
    ),
    # The unit consulted on a case (the national team) reads its reference and question.
    "investigations": f"{_owned('investigation', 'organisation_id')} OR {CONSULTED}",
    "investigation_persons": _child("investigation_persons", "investigations", "investigation_id"),
    "investigation_identifiers": _child(
        "investigation_identifiers", "investigations", "investigation_id"
    ),
    "investigation_stages": _child("investigation_stages", "investigations", "investigation_id"),
    "cross_border_requests": _child("cross_border_requests", "investigations", "investigation_id"),
    "consultations": f"requesting_organisation_id = {ORG} OR team_organisation_id = {ORG}",
    "linkage_persons": (
        f"organisation_id = {ORG} OR opennrm_rls_granted(record_type, record_id, {ORG}, {USR})"
    ),
    "linkage_keys": _child("linkage_keys", "linkage_persons", "person_id"),
    # A link is seen by whoever holds, or was granted, either of its two records.
    "linkage_candidates": (
        f"left_organisation_id = {ORG} OR right_organisation_id = {ORG}"
        f" OR opennrm_rls_granted(left_record_type, left_record_id, {ORG}, {USR})"
        f" OR opennrm_rls_granted(right_record_type, right_record_id, {ORG}, {USR})"
        f" OR opennrm_rls_granted('linkage_candidate', id, {ORG}, {USR})"
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTIONS)
    for table, predicate in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY opennrm_actor ON {table} FOR ALL "
            f"USING ({SYSTEM} OR {predicate}) WITH CHECK ({SYSTEM} OR {predicate})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in reversed(POLICIES):
        op.execute(f"DROP POLICY IF EXISTS opennrm_actor ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for fn in (
        "opennrm_rls_granted(text, text, text, text)",
        "opennrm_rls_user()",
        "opennrm_rls_org()",
        "opennrm_rls_system()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
