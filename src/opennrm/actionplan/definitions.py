"""The indicators of the action plan: what each measures, in what unit, towards which
target, for which aim. A registry in code, because each one is computed by code from the
platform's own data; docs/action-plan.md explains each in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from opennrm.actionplan.rules import Aim

Unit = Literal["count", "days", "percent"]
Direction = Literal["up", "down"]


@dataclass(frozen=True)
class Indicator:
    key: str
    aim: Aim
    unit: Unit
    target: float | None
    direction: Direction | None
    """Which way is better: `up` (at least the target) or `down` (at most)."""
    name: Mapping[str, str]
    description: Mapping[str, str]


INDICATORS: Final[tuple[Indicator, ...]] = (
    Indicator(
        key="signals_by_sector",
        aim="identification",
        unit="count",
        target=None,
        direction=None,
        name={
            "fi": "Ilmoitukset kuukausittain kirjaajan sektorin mukaan",
            "sv": "Anmälningar per månad enligt den registrerande sektorn",
            "en": "Signals per month by referring sector",
        },
        description={
            "fi": "Alustalle kirjatut ilmoitukset kuukausittain sen organisaation tyypin "
            "mukaan, joka ilmoituksen kirjasi. Liian pienet luvut jätetään näyttämättä.",
            "sv": "Anmälningar som registrerats på plattformen per månad, enligt typen av "
            "den organisation som registrerade dem. För små tal visas inte.",
            "en": "Signals recorded on the platform per month, by the type of the "
            "organisation that recorded them. Counts too small to show are withheld.",
        },
    ),
    Indicator(
        key="training_coverage",
        aim="identification",
        unit="percent",
        target=80.0,
        direction="up",
        name={
            "fi": "Koulutuksen kattavuus rooleittain",
            "sv": "Utbildningens täckning per roll",
            "en": "Training coverage by role",
        },
        description={
            "fi": "Kuinka suuri osa tutkijoista, sosiaali- ja asiakastyöntekijöistä sekä "
            "kenttätyöntekijöistä on suorittanut vähintään yhden kurssin.",
            "sv": "Hur stor andel av utredarna, handläggarna och fältarbetarna som har "
            "genomgått minst en kurs.",
            "en": "The share of investigators, caseworkers and frontline staff who have "
            "completed at least one course.",
        },
    ),
    Indicator(
        key="referral_decision_days",
        aim="assistance",
        unit="days",
        target=7.0,
        direction="down",
        name={
            "fi": "Ohjauksesta auttamisjärjestelmään ensimmäiseen päätökseen (mediaani)",
            "sv": "Från hänvisning till hjälpsystemet till det första beslutet (median)",
            "en": "From a referral to the assistance system to its first decision (median)",
        },
        description={
            "fi": "Kuinka monta vuorokautta auttamisjärjestelmään tehdyn ohjauksen ja sen "
            "ensimmäisen päätöksen välillä kului, mediaanina, ohjauksen kuukauden mukaan.",
            "sv": "Hur många dygn som gick mellan en hänvisning till hjälpsystemet och det "
            "första beslutet om den, som median, enligt hänvisningens månad.",
            "en": "How many days passed between a referral to the assistance system and its "
            "first decision, as a median, by the month of the referral.",
        },
    ),
    Indicator(
        key="designated_investigators_trained",
        aim="criminal_liability",
        unit="percent",
        target=100.0,
        direction="up",
        name={
            "fi": "Poliisilaitokset, joilla on kaksi peruskurssin suorittanutta nimettyä tutkijaa",
            "sv": "Polisinrättningar med två utsedda utredare som har gått grundkursen",
            "en": "Police departments with two designated investigators who completed the "
            "core course",
        },
        description={
            "fi": "Niiden poliisilaitosten osuus, joilla on tänään voimassa kaksi nimettyä "
            "ihmiskaupparikosten tutkijaa, jotka molemmat ovat suorittaneet peruskurssin.",
            "sv": "Andelen polisinrättningar som i dag har två utsedda utredare av "
            "människohandelsbrott som båda har gått grundkursen.",
            "en": "The share of police departments that have, today, two designated "
            "trafficking investigators in force who have both completed the core course.",
        },
    ),
    Indicator(
        key="consultations_in_time",
        aim="criminal_liability",
        unit="percent",
        target=90.0,
        direction="up",
        name={
            "fi": "Määräajassa vastatut konsultaatiot",
            "sv": "Konsultationer som besvarats inom tidsfristen",
            "en": "Consultations answered in time",
        },
        description={
            "fi": "Valtakunnalliselta tutkintaryhmältä pyydetyistä konsultaatioista, joiden "
            "määräaika on kulunut tai joihin on vastattu, se osuus, johon ryhmä vastasi "
            "viimeistään määräpäivänä. Pyynnön kuukauden mukaan.",
            "sv": "Av de konsultationer som begärts av den nationella utredningsgruppen och "
            "vars tidsfrist har gått ut eller som har besvarats, andelen som gruppen besvarade "
            "senast på förfallodagen. Enligt månaden då konsultationen begärdes.",
            "en": "Of the consultations asked of the national team that are due (the deadline "
            "has passed, or the team has responded), the share the team responded to by the "
            "end of the deadline day. By the month of the request.",
        },
    ),
    Indicator(
        key="shares_between_sectors",
        aim="cooperation",
        unit="count",
        target=None,
        direction=None,
        name={
            "fi": "Tietojen jakamiset sektorien välillä kuukausittain",
            "sv": "Delningar av uppgifter mellan sektorer per månad",
            "en": "Shares between sectors per month",
        },
        description={
            "fi": "Kuinka monta kertaa organisaatio jakoi tietueen toisen organisaation "
            "kanssa, jakajan ja vastaanottajan tyypin mukaan. Alle viiden suuruiset luvut "
            "jätetään näyttämättä.",
            "sv": "Hur många gånger en organisation delade en post med en annan, enligt "
            "typen av den som delade och den som tog emot. Tal under fem visas inte.",
            "en": "How many times an organisation shared a record with another, by the type "
            "of the one that shared and the one that received. Counts below five are not "
            "shown.",
        },
    ),
    Indicator(
        key="measures_on_schedule",
        aim="evidence",
        unit="percent",
        target=90.0,
        direction="up",
        name={
            "fi": "Aikataulussa olevat toimenpiteet",
            "sv": "Åtgärder som följer tidsplanen",
            "en": "Measures on schedule",
        },
        description={
            "fi": "Toimenpideohjelman toimenpiteistä (peruttuja lukuun ottamatta) se osuus, "
            "joka ei ole myöhässä: toimenpide on valmis tai sen määräaika ei ole vielä "
            "kulunut.",
            "sv": "Andelen av handlingsplanens åtgärder (utom de inställda) som inte är "
            "försenade: åtgärden är klar eller dess tidsfrist har inte gått ut.",
            "en": "The share of the plan's measures (cancelled ones aside) that are not "
            "delayed: done, or with a deadline still to come.",
        },
    ),
)

BY_KEY: Final[Mapping[str, Indicator]] = {i.key: i for i in INDICATORS}

REPORTED_ROLES: Final = ("investigator", "caseworker", "frontline")
"""The roles whose training coverage the plan follows."""
