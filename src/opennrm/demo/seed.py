"""Seeds a synthetic deployment for `opennrm demo`: organisations from the deployment's
data file, one or more accounts per role and organisation type, and a few hundred
synthetic signals, some of them shared. Everything goes through the real actions, so
the demo's audit trail is as real as production's."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from random import Random
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opennrm.auth import actions as auth_actions
from opennrm.auth.models import Organisation, User
from opennrm.auth.passwords import hash_password
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.demo import actionplan as actionplan_demo
from opennrm.demo.finland import Deployment, load_deployment
from opennrm.demo.synthetic import generate_signals, strip_truth
from opennrm.investigations import actions as investigation_actions
from opennrm.investigations import registry
from opennrm.investigations.people_schemas import CapacityIn, DesignationIn
from opennrm.investigations.schemas import InvestigationIn
from opennrm.linkage import actions as linkage_actions
from opennrm.linkage.engine.normalise import phone_key
from opennrm.linkage.models import CandidateLink
from opennrm.policy import Actor
from opennrm.policy.models import Assignment
from opennrm.referrals import actions as referral_actions
from opennrm.referrals.models import Referral
from opennrm.referrals.schemas import DecisionIn, ReferralIn
from opennrm.signals import actions as signal_actions
from opennrm.signals.models import Signal, SignalPerson
from opennrm.signals.schemas import SignalIn
from opennrm.uow import unit_of_work

DEMO_PASSWORD = "demo-Ihmiskauppa-2026"  # noqa: S105 - printed by `opennrm demo`; refused in production
DOMAIN = "demo.example.fi"

STAFF_NAMES = [
    "Aino Virtanen", "Mikko Korhonen", "Liisa Mäkinen", "Juha Nieminen", "Sari Laine",
    "Timo Heikkinen", "Anna Koskinen", "Jari Järvinen", "Kirsi Lehtonen", "Pekka Salminen",
    "Elina Lindqvist", "Mats Holmström", "Hanna Heinonen", "Ville Tuominen", "Minna Rantanen",
    "Antti Karjalainen", "Outi Lehtinen", "Matti Hämäläinen", "Riikka Saarinen", "Jussi Niemi",
    "Tiina Laaksonen", "Markku Kinnunen", "Päivi Salonen", "Sami Turunen", "Katja Hiltunen",
    "Petri Manninen", "Johanna Peltonen", "Tomi Lindholm", "Satu Kettunen", "Harri Ahonen",
    "Nina Oksanen", "Jukka Hirvonen", "Maria Söderberg", "Kari Vainio", "Laura Berg",
    "Tuomas Aalto", "Heidi Kallio", "Esa Väisänen", "Sanna Lehto", "Olli Mattila",
    "Irma Koivisto", "Marko Toivonen", "Veera Jokinen", "Lauri Seppälä", "Emilia Forsström",
]  # fmt: skip

# Accounts per organisation type: (role list, how many)
ACCOUNTS: dict[str, list[tuple[list[str], int]]] = {
    "police": [(["investigator"], 2), (["supervisor"], 1)],
    "national_team": [(["supervisor", "investigator"], 1), (["investigator"], 1)],
    # The NBI's criminal analyst works on the records assigned to them (_seed_network).
    "nbi": [(["investigator"], 1), (["analyst"], 1)],
    "assistance_system": [(["caseworker"], 1), (["supervisor"], 1)],
    "border_guard": [(["frontline"], 1)],
    "labour_inspection": [(["frontline"], 1)],
    "immigration": [(["caseworker"], 1)],
    "municipality": [(["caseworker"], 1)],
    "ngo": [(["caseworker"], 1), (["frontline"], 1)],
    "ministry": [(["coordinator"], 1), (["analyst"], 1)],
}
EXTRA_ACCOUNTS = [
    ("police-helsinki", ["dpo"]),
    ("ministry-coordinator", ["admin"]),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    organisation: str
    organisation_type: str
    roles: list[str]


def is_seeded(ctx: AppContext) -> bool:
    with unit_of_work(ctx.db) as session:
        return bool(session.scalar(select(func.count()).select_from(Organisation)))


def seed(
    ctx: AppContext,
    *,
    signals: int = 300,
    seed_value: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> list[DemoAccount]:
    """Create the demo deployment; returns the accounts (password: DEMO_PASSWORD)."""
    report = progress or (lambda _msg: None)
    deployment = load_deployment()
    org_ids = _seed_organisations(ctx, deployment)
    report(f"{len(org_ids)} organisations")
    accounts = _seed_accounts(ctx, deployment, org_ids)
    report(f"{len(accounts)} accounts")
    designated = _seed_registry(ctx)
    report(f"{designated} designated investigators")
    _seed_signals(ctx, deployment, org_ids, signals, seed_value, report)
    opened = _seed_investigations(ctx, Random(seed_value + 1))
    report(f"{opened} investigations")
    assigned = _seed_network(ctx)
    report(f"{assigned} records assigned to the NBI's analyst")
    actionplan_demo.seed(ctx, report)
    return accounts


def _seed_organisations(ctx: AppContext, deployment: Deployment) -> dict[str, str]:
    ids: dict[str, str] = {}
    with unit_of_work(ctx.db) as session:
        for org in deployment.organisations:
            created = auth_actions.create_organisation(
                session,
                name=org.name.fi,
                type=org.type,
                region=org.region,
                contact_email=f"{org.key}@{DOMAIN}",
                key=org.key,
            )
            ids[org.key] = created.id
    return ids


def _seed_accounts(
    ctx: AppContext, deployment: Deployment, org_ids: dict[str, str]
) -> list[DemoAccount]:
    names = iter(STAFF_NAMES * 4)
    plan: list[tuple[str, list[str], int]] = []
    for org in deployment.organisations:
        for roles, count in ACCOUNTS.get(org.type, []):
            for n in range(1, count + 1):
                plan.append((org.key, roles, n))
    for key, roles in EXTRA_ACCOUNTS:
        if key in org_ids:
            plan.append((key, roles, 1))
    # One data protection officer in every organisation that is not police: each has one.
    for org in deployment.organisations:
        if org.type in ("ngo", "municipality", "assistance_system"):
            plan.append((org.key, ["dpo"], 1))
    accounts = []
    shared_hash = hash_password(DEMO_PASSWORD)
    with unit_of_work(ctx.db) as session:
        for org_key, roles, n in plan:
            org = deployment.organisation(org_key)
            suffix = "" if n == 1 else str(n)
            email = f"{org_key}.{roles[0]}{suffix}@{DOMAIN}".replace("_", "-")
            name = next(names)
            auth_actions.create_user(
                session,
                email=email,
                name=name,
                organisation_id=org_ids[org_key],
                roles=roles,
                password=DEMO_PASSWORD,
                password_hash=shared_hash,
            )
            accounts.append(DemoAccount(email, name, org.name.fi, org.type, roles))
    return accounts


def _seed_signals(
    ctx: AppContext,
    deployment: Deployment,
    org_ids: dict[str, str],
    count: int,
    seed_value: int,
    report: Callable[[str], None],
) -> None:
    rng = Random(seed_value)
    with unit_of_work(ctx.db) as session:
        recorders = [
            u
            for u in session.scalars(select(User)).all()
            if set(u.roles) & {"frontline", "caseworker"}
        ]
        org_type = {o.id: o.type for o in session.scalars(select(Organisation))}
        caseworker = next(
            (
                u
                for u in session.scalars(select(User).order_by(User.email))
                if org_type[u.organisation_id] == "assistance_system" and "caseworker" in u.roles
            ),
            None,
        )
        decider = auth_actions.actor_for(session, caseworker, via="system") if caseworker else None
    assistance = next(
        (org_ids[o.key] for o in deployment.organisations if o.type == "assistance_system"), None
    )
    payloads = generate_signals(count, seed_value, deployment)
    # Batches of 25 per transaction: seeding is one operator act, and a commit per signal
    # (an fsync each, with synchronous=FULL) would make the first demo start slowly.
    for start in range(0, len(payloads), 25):
        with unit_of_work(ctx.db) as session:
            for payload in payloads[start : start + 25]:
                _seed_one(
                    session,
                    ctx,
                    rng,
                    payload,
                    rng.choice(recorders),
                    deployment,
                    org_ids,
                    org_type,
                    assistance,
                    decider,
                )
        done = min(start + 25, len(payloads))
        if done % 50 == 0 or done == len(payloads):
            report(f"{done}/{count} signals")


def _seed_one(
    session: Session,
    ctx: AppContext,
    rng: Random,
    payload: dict[str, Any],
    author: User,
    deployment: Deployment,
    org_ids: dict[str, str],
    org_type: dict[str, str],
    assistance: str | None,
    decider: Actor | None,
) -> None:
    actor = auth_actions.actor_for(session, author, via="system")
    signal, _ = signal_actions.create_signal(
        session, SignalIn.model_validate(strip_truth(payload)), actor=actor, cipher=ctx.cipher
    )
    # Refer through the real action, back-dated, so that queues show deadlines met, due
    # and missed, and the ageing report has something to count.
    sent_at = utcnow() - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
    own_type = org_type[actor.organisation_id]
    police_key = deployment.police_organisation_for_municipality(signal.municipality or "")
    if (
        police_key
        and police_key in org_ids
        and org_ids[police_key] != actor.organisation_id
        and own_type not in ("police", "national_team", "nbi")
        and rng.random() < 0.5
    ):
        referral_actions.create_referral(
            session,
            signal.id,
            ReferralIn(target="police", consent=signal.consent_to_police),
            actor=actor,
            config=ctx.referral_config,
            now=sent_at,
        )
    if (
        assistance
        and own_type not in ("assistance_system", "police", "national_team", "nbi")
        and rng.random() < 0.5
    ):
        referral = referral_actions.create_referral(
            session,
            signal.id,
            ReferralIn(target="assistance_system", consent=signal.consent_to_assistance_system),
            actor=actor,
            config=ctx.referral_config,
            now=sent_at,
        )
        if decider is not None and referral.machine == "assistance" and rng.random() < 0.5:
            decided_at = sent_at + timedelta(days=rng.randint(1, 6))
            if decided_at < utcnow():
                referral_actions.decide(
                    session,
                    referral.id,
                    DecisionIn(
                        decision=rng.choice(["admit", "admit", "admit", "decline"]),
                        reason="Demo: päätös perustuu haastatteluun ja ohjaajan arvioon.",
                    ),
                    actor=decider,
                    cipher=ctx.cipher,
                    config=ctx.referral_config,
                    now=decided_at,
                )
    _backdate(session, signal)


def _backdate(session: Session, signal: Signal) -> None:
    """Give a demo signal the history it would have, so that statistics by month have
    something to show: a referred signal was recorded a day or few before its first
    referral (sent in the last six weeks); an unreferred one some time in the last year."""
    spread = zlib.crc32(f"{signal.occurred_on}|{signal.municipality}|{signal.id}".encode())
    first_referral = session.scalar(
        select(func.min(Referral.created_at)).where(Referral.signal_id == signal.id)
    )
    if first_referral is not None:
        recorded = first_referral - timedelta(days=spread % 4, hours=spread % 7)
    else:
        days_ago = 42 + spread % 323
        recorded = (utcnow() - timedelta(days=days_ago)).replace(hour=9, minute=0, second=0)
    if signal.occurred_on and recorded.date().isoformat() < signal.occurred_on:
        return  # seen later than that: keep today's date rather than record before seeing
    signal.created_at = signal.updated_at = recorded
    session.flush()


DEMO_OFFENCES = ["RL-25-3", "RL-25-3", "RL-47-3a", "RL-20-9", "RL-25-3a"]


def _seed_investigations(ctx: AppContext, rng: Random) -> int:
    """Open investigations from some of the crimes referred to the police, through the
    real action, as one of the receiving department's investigators."""
    opened = 0
    with unit_of_work(ctx.db) as session:
        referrals = list(
            session.scalars(
                select(Referral)
                .where(Referral.target == "police", Referral.anonymous.is_(False))
                .order_by(Referral.created_at)
            )
        )
        investigators: dict[str, Actor | None] = {}
        for referral in referrals:
            if rng.random() >= 0.4:
                continue
            org_id = referral.target_organisation_id
            if org_id not in investigators:
                user = session.scalar(
                    select(User)
                    .where(User.organisation_id == org_id, User.role_rows.any(role="investigator"))
                    .order_by(User.email)
                    .limit(1)
                )
                investigators[org_id] = (
                    auth_actions.actor_for(session, user, via="system") if user else None
                )
            actor = investigators[org_id]
            if actor is None:
                continue
            opened_at = min(utcnow(), referral.created_at + timedelta(days=rng.randint(1, 5)))
            investigation_actions.open_investigation(
                session,
                InvestigationIn(
                    offences=[rng.choice(DEMO_OFFENCES)],
                    summary="Demo: esitutkinta aloitettu ohjauksen perusteella.",
                    referral_id=referral.id,
                ),
                actor=actor,
                cipher=ctx.cipher,
                config=ctx.referral_config,
                now=opened_at,
            )
            opened += 1
    return opened


def _seed_registry(ctx: AppContext) -> int:
    """Each police department's supervisor enters its two investigators in the registry
    as the designated trafficking investigators and sets a capacity, through the real
    actions: the demo's departments meet the two-investigator norm."""
    entered = 0
    since = utcnow().date() - timedelta(days=365)
    with unit_of_work(ctx.db) as session:
        departments = session.scalars(
            select(Organisation).where(Organisation.type == "police").order_by(Organisation.name)
        ).all()
        for org in departments:
            members = session.scalars(
                select(User).where(User.organisation_id == org.id).order_by(User.email)
            ).all()
            boss = next((u for u in members if "supervisor" in u.roles), None)
            if boss is None:
                continue
            actor = auth_actions.actor_for(session, boss, via="system")
            for user in (u for u in members if "investigator" in u.roles):
                registry.designate(
                    session,
                    DesignationIn(user_id=user.id, function="designated", since=since),
                    actor=actor,
                )
                entered += 1
            registry.set_capacity(session, CapacityIn(person_years=Decimal("2.00")), actor=actor)
    return entered


NETWORK_RECORDS = 80
"""Records the NBI's analyst is assigned in the demo, at most."""


def _seed_network(ctx: AppContext) -> int:
    """Give the NBI's analyst a network to look at (`/network`). An analyst reads only
    the records assigned to them, so the demo assigns them the records linkage flagged —
    both sides of every candidate link — and the signals that share a phone number with
    another signal. The assignments are rows, as in the authorisation tests: no action
    assigns an analyst to a signal (and none is audited). The analyst then reviews a few
    links through the real action: the strongest half of the likely matches confirmed,
    one possible match rejected, so that the view shows confirmed clusters, open
    candidates and no rejected link."""
    with unit_of_work(ctx.db) as session:
        nbi = select(Organisation.id).where(Organisation.type == "nbi")
        analyst = session.scalar(
            select(User)
            .where(User.organisation_id.in_(nbi), User.role_rows.any(role="analyst"))
            .order_by(User.email)
            .limit(1)
        )
        lead = session.scalar(
            select(User)
            .where(User.organisation_id.in_(nbi), User.role_rows.any(role="investigator"))
            .order_by(User.email)
            .limit(1)
        )
        if analyst is None or lead is None:
            return 0
        links = session.scalars(
            select(CandidateLink).order_by(CandidateLink.score.desc(), CandidateLink.id)
        ).all()
        records: dict[tuple[str, str], None] = {}
        for link in links:
            records[link.left_record_type, link.left_record_id] = None
            records[link.right_record_type, link.right_record_id] = None
        by_phone: dict[str, set[str]] = {}
        for signal_id, phones in session.execute(
            select(SignalPerson.signal_id, SignalPerson.phones).order_by(SignalPerson.id)
        ):
            for phone in phones:
                key = phone_key(phone)
                if key:
                    by_phone.setdefault(key, set()).add(signal_id)
        for key in sorted(by_phone):
            if len(by_phone[key]) > 1:
                records.update((("signal", s), None) for s in sorted(by_phone[key]))
        now = utcnow()
        chosen = list(records)[:NETWORK_RECORDS]
        session.add_all(
            Assignment(
                record_type=record_type,
                record_id=record_id,
                user_id=analyst.id,
                created_by=lead.id,
                created_at=now,
            )
            for record_type, record_id in chosen
        )
        session.flush()
        actor = auth_actions.actor_for(session, analyst, via="system")
        within = set(chosen)
        reviewable = [
            link
            for link in links
            if (link.left_record_type, link.left_record_id) in within
            and (link.right_record_type, link.right_record_id) in within
        ]
        matches = [link for link in reviewable if link.decision == "match"]
        possible = [link for link in reviewable if link.decision == "possible"]
        decisions = [(link, "confirm") for link in matches[: (len(matches) + 1) // 2]]
        decisions += [(link, "reject") for link in possible[:1]]
        for link, decision in decisions:
            linkage_actions.review_link(
                session,
                link.id,
                decision,
                "Demo: tarkistettu asiakirjoista ja haastattelusta.",
                actor=actor,
                cipher=ctx.cipher,
                now=now,
            )
        return len(chosen)
