"""Named test personas in a small deployment, seeded through the real actions.

Tokens are created once, in the session template; their plaintext is kept here so that
every cloned database accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opennrm.auth import actions, sessions
from opennrm.context import AppContext
from opennrm.uow import unit_of_work

PASSWORD = "Kesäkuu-2026-salasana"

# key: (name, type, region, key in the demo deployment file, which routing uses)
ORGS = {
    "ngo": ("Pro-tuki ry (testi)", "ngo", "MK01", None),
    "helsinki": ("Helsingin poliisilaitos", "police", "MK01", "police-helsinki"),
    "sisasuomi": ("Sisä-Suomen poliisilaitos", "police", "MK06", "police-sisa-suomi"),
    "itauusimaa": ("Itä-Uudenmaan poliisilaitos", "police", "MK01", "police-ita-uusimaa"),
    "lappi": ("Lapin poliisilaitos", "police", "MK19", "police-lappi"),
    "national_team": (
        "Ihmiskaupan tutkintaryhmä, Helsingin poliisilaitos",
        "national_team",
        "MK01",
        "national-team",
    ),
    "assistance": (
        "Ihmiskaupan uhrien auttamisjärjestelmä",
        "assistance_system",
        "MK09",
        "assistance-system",
    ),
    "vantaa": ("Vantaan kaupunki, sosiaalipalvelut", "municipality", "MK01", None),
    "ministry": (
        "Oikeusministeriö, ihmiskaupan vastainen koordinaattori",
        "ministry",
        "MK01",
        None,
    ),
}

# key: (org, name, roles)
PERSONAS = {
    "ngo_worker": ("ngo", "Chiamaka Eze", ["caseworker"]),
    "ngo_frontline": ("ngo", "Ioana Popescu", ["frontline"]),
    "ngo_supervisor": ("ngo", "Aino Virtanen", ["supervisor"]),
    "dpo": ("ngo", "Oksana Shevchenko", ["dpo"]),
    "helsinki_investigator": ("helsinki", "Mikko Korhonen", ["investigator"]),
    "helsinki_dpo": ("helsinki", "Liisa Mäkinen", ["dpo"]),
    "sisasuomi_investigator": ("sisasuomi", "Juha Nieminen", ["investigator"]),
    "national_team_lead": ("national_team", "Sari Laine", ["supervisor", "investigator"]),
    "assistance_caseworker": ("assistance", "Nguyen Thi Lan", ["caseworker"]),
    "assistance_supervisor": ("assistance", "Anneli Heikkinen", ["supervisor"]),
    "itauusimaa_investigator": ("itauusimaa", "Tuomas Lehtonen", ["investigator"]),
    "lappi_investigator": ("lappi", "Niillas Aikio", ["investigator"]),
    "municipality_caseworker": ("vantaa", "Somchai Srisuk", ["caseworker"]),
    "analyst": ("ministry", "Olusegun Adeyemi", ["analyst"]),
    "coordinator": ("ministry", "Helena Lindqvist", ["coordinator"]),
    "admin": ("ngo", "Pekka Järvinen", ["admin"]),
}


@dataclass
class Persona:
    key: str
    user_id: str
    email: str
    org_key: str
    organisation_id: str
    roles: list[str]
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    orgs: dict[str, str] = field(default_factory=dict)
    people: dict[str, Persona] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Persona:
        try:
            return self.__dict__["people"][name]
        except KeyError:
            raise AttributeError(name) from None


def email_for(key: str) -> str:
    return f"{key.replace('_', '.')}@example.org"


def seed_world(ctx: AppContext) -> World:
    world = World()
    with unit_of_work(ctx.db) as session:
        for key, (name, type_, region, org_key) in ORGS.items():
            org = actions.create_organisation(
                session,
                name=name,
                type=type_,
                region=region,
                contact_email=f"{key}@example.fi",
                key=org_key,
            )
            world.orgs[key] = org.id
        for key, (org_key, name, roles) in PERSONAS.items():
            user = actions.create_user(
                session,
                email=email_for(key),
                name=name,
                organisation_id=world.orgs[org_key],
                roles=roles,
                password=PASSWORD,
            )
            raw, _ = sessions.create_token(session, user=user, name="tests", days=30)
            world.people[key] = Persona(
                key, user.id, user.email, org_key, user.organisation_id, roles, raw
            )
    return world
