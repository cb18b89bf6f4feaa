"""Demo data for the action plan and the training library.

The five objectives follow the aims of the Finnish Government's action plan against
trafficking in human beings 2021–2023 (victims are reached and identified and more cases
come to light; victims get the help they need; criminal liability is realised
effectively; action is cross-sectoral and includes civil society; the work is developed
on an evidence basis). The wording, the measures, their deadlines and their progress are
written for the demo and are not the plan's. Deadlines are set relative to the day the
demo is seeded, so that the plan is always half-way: some measures done, some under way,
a few late.

Everything is written through the real actions, as the coordinator or a responsible
organisation's supervisor, so the audit trail holds it as it would hold real work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm.actionplan import actions as plan_actions
from opennrm.actionplan import schemas as plan_schemas
from opennrm.actionplan.training import actions as training_actions
from opennrm.actionplan.training import schemas as training_schemas
from opennrm.auth import actions as auth_actions
from opennrm.auth.models import Organisation, User, UserRole
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.investigations import consultation_actions
from opennrm.investigations.consultation_schemas import ConsultationIn, ResponseIn
from opennrm.investigations.models import DesignatedInvestigator, Investigation
from opennrm.policy import Actor
from opennrm.reports.pdf import Document
from opennrm.uow import unit_of_work

T = dict[str, str]


def t(fi: str, sv: str, en: str) -> T:
    return {"fi": fi, "sv": sv, "en": en}


@dataclass(frozen=True)
class Update:
    days_ago: int
    status: str
    text: str
    url: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class DemoMeasure:
    code: str
    title: T
    organisations: tuple[str, ...]
    deadline_in_days: int
    updates: tuple[Update, ...] = field(default_factory=tuple)


OBJECTIVES: list[tuple[str, str, T, T]] = [
    (
        "1",
        "identification",
        t(
            "Uhrit tavoitetaan ja tunnistetaan, ja yhä useampi tapaus tulee ilmi",
            "Offren nås och identifieras och fler fall kommer fram",
            "Victims are reached and identified, and more cases come to light",
        ),
        t(
            "Ihmiskaupan merkit tunnistetaan kaikilla sektoreilla, ja epäilyistä ilmoitetaan "
            "viipymättä. Etulinjan työntekijät tietävät, minne uhrin voi ohjata.",
            "Tecken på människohandel känns igen inom alla sektorer och misstankar anmäls "
            "utan dröjsmål. Personalen i frontlinjen vet vart ett offer kan hänvisas.",
            "Signs of trafficking are recognised in every sector and suspicions are reported "
            "without delay. Frontline staff know where a victim can be referred.",
        ),
    ),
    (
        "2",
        "assistance",
        t(
            "Uhrit saavat tarvitsemansa avun ja tuen",
            "Offren får den hjälp och det stöd de behöver",
            "Victims get the help and support they need",
        ),
        t(
            "Auttamisjärjestelmään pääsee nopeasti, ja palvelut vastaavat uhrin tarpeita "
            "asuinpaikasta riippumatta.",
            "Man kommer snabbt in i hjälpsystemet och tjänsterna motsvarar offrets behov "
            "oberoende av var hen bor.",
            "Access to the assistance system is quick, and services meet the victim's needs "
            "wherever they live.",
        ),
    ),
    (
        "3",
        "criminal_liability",
        t(
            "Rikosvastuu toteutuu tehokkaasti",
            "Det straffrättsliga ansvaret förverkligas effektivt",
            "Criminal liability is realised effectively",
        ),
        t(
            "Ihmiskauppaepäilyt tutkitaan ihmiskauppana, tutkijat ovat perehtyneitä ja rajat "
            "ylittävä yhteistyö toimii.",
            "Misstänkt människohandel utreds som människohandel, utredarna är insatta och det "
            "gränsöverskridande samarbetet fungerar.",
            "Suspected trafficking is investigated as trafficking, investigators are "
            "specialised and cross-border cooperation works.",
        ),
    ),
    (
        "4",
        "cooperation",
        t(
            "Toiminta on monialaista ja kansalaisyhteiskunta on mukana",
            "Arbetet är sektorsövergripande och civilsamhället deltar",
            "Action is cross-sectoral and civil society takes part",
        ),
        t(
            "Viranomaiset, kunnat ja järjestöt vaihtavat tietoa luvallisesti ja sovitusti, ja "
            "järjestöjen osaaminen on käytössä.",
            "Myndigheter, kommuner och organisationer utbyter uppgifter lagligt och enligt "
            "överenskommelse, och organisationernas kunnande tas till vara.",
            "Authorities, municipalities and NGOs exchange information lawfully and as agreed, "
            "and the NGOs' expertise is put to use.",
        ),
    ),
    (
        "5",
        "evidence",
        t(
            "Työtä kehitetään tietoon perustuen",
            "Arbetet utvecklas på basis av kunskap",
            "The work is developed on an evidence basis",
        ),
        t(
            "Tilastot, tutkimus ja seuranta kertovat, mikä toimii; toimintaohjelman "
            "edistymistä seurataan mittareilla.",
            "Statistik, forskning och uppföljning visar vad som fungerar; handlingsplanens "
            "framsteg följs upp med indikatorer.",
            "Statistics, research and monitoring show what works; the plan's progress is "
            "followed with indicators.",
        ),
    ),
]

MEASURES: list[DemoMeasure] = [
    DemoMeasure(
        "1.1",
        t(
            "Rajavartijat ja työsuojelutarkastajat koulutetaan tunnistamaan ihmiskaupan merkit",
            "Gränsbevakare och arbetarskyddsinspektörer utbildas i att känna igen tecken på "
            "människohandel",
            "Border guards and labour inspectors are trained to recognise signs of trafficking",
        ),
        ("border-guard", "labour-inspection", "ministry-coordinator"),
        -120,
        (
            Update(
                300, "in_progress", "Koulutusaineisto valmis ja ensimmäiset koulutukset pidetty."
            ),
            Update(
                130,
                "done",
                "Kaikki rajanylityspaikkojen vuorot ja työsuojelun tarkastajat koulutettu.",
                url="https://example.fi/koulutusraportti-2026.pdf",
            ),
        ),
    ),
    DemoMeasure(
        "1.2",
        t(
            "Sosiaali- ja terveyspalveluissa otetaan käyttöön ihmiskaupan seulontakysymykset",
            "Screeningfrågor om människohandel tas i bruk inom social- och hälsovården",
            "Screening questions on trafficking are taken into use in social and health services",
        ),
        ("social-helsinki", "social-vantaa", "social-tampere"),
        90,
        (Update(40, "in_progress", "Kysymykset käytössä kahdella hyvinvointialueella kolmesta."),),
    ),
    DemoMeasure(
        "1.3",
        t(
            "Kausityöntekijöitä tavoitetaan marja- ja puutarha-alalla heidän omilla kielillään",
            "Säsongsarbetare inom bär- och trädgårdsbranschen nås på deras egna språk",
            "Seasonal workers in the berry and horticulture sectors are reached in their own "
            "languages",
        ),
        ("ngo-reilu-arki", "labour-inspection"),
        -30,
        (Update(75, "in_progress", "Jalkautuvaa työtä tehty neljällä tilalla; tulkkeja puuttuu."),),
    ),
    DemoMeasure(
        "1.4",
        t(
            "Avataan monikielinen nimetön ilmoituskanava",
            "En anonym kanal för anmälningar öppnas på flera språk",
            "A multilingual anonymous reporting channel is opened",
        ),
        ("ngo-turvaverkko",),
        200,
    ),
    DemoMeasure(
        "1.5",
        t(
            "Työsuojelutarkastukset kohdennetaan riskialoille",
            "Arbetarskyddsinspektionerna riktas mot riskbranscher",
            "Labour inspections are targeted at high-risk sectors",
        ),
        ("labour-inspection",),
        60,
        (Update(20, "in_progress", "Riskialojen luettelo päivitetty; tarkastukset käynnissä."),),
    ),
    DemoMeasure(
        "2.1",
        t(
            "Päätös auttamisjärjestelmään ottamisesta tehdään viidessä arkipäivässä",
            "Beslut om intagning i hjälpsystemet fattas inom fem vardagar",
            "Decisions on admission to the assistance system are taken within five working days",
        ),
        ("assistance-system",),
        -60,
        (
            Update(
                70,
                "done",
                "Käsittelyaikoja seurataan viikoittain; mediaani alle viisi päivää.",
                evidence="Mediaani 3 vuorokautta viimeisten kuuden kuukauden ajalta.",
            ),
        ),
    ),
    DemoMeasure(
        "2.2",
        t(
            "Hyvinvointialueille luodaan palvelupolku ihmiskaupan uhreille",
            "Välfärdsområdena får en servicestig för offer för människohandel",
            "Wellbeing services counties create a service path for victims",
        ),
        ("social-helsinki", "social-vantaa", "social-tampere"),
        150,
        (Update(15, "in_progress", "Palvelupolun luonnos kommentoitavana."),),
    ),
    DemoMeasure(
        "2.3",
        t(
            "Turvallista asumista lapsiperheille lisätään",
            "Mer tryggt boende för barnfamiljer",
            "More safe housing for families with children",
        ),
        ("assistance-system", "ngo-turvaverkko"),
        300,
    ),
    DemoMeasure(
        "2.4",
        t(
            "Tulkkaus uhrin omalla kielellä on saatavilla kaikissa palveluissa",
            "Tolkning på offrets eget språk finns i alla tjänster",
            "Interpreting in the victim's own language is available in every service",
        ),
        ("assistance-system", "immigration"),
        -10,
        (Update(50, "in_progress", "Puitesopimus tulkkauspalvelusta kilpailutettu."),),
    ),
    DemoMeasure(
        "3.1",
        t(
            "Jokaisessa poliisilaitoksessa on kaksi koulutettua nimettyä ihmiskauppatutkijaa",
            "Varje polisinrättning har två utbildade utsedda utredare av människohandel",
            "Every police department has two trained designated trafficking investigators",
        ),
        ("police-helsinki", "police-sisa-suomi", "police-lounais-suomi", "national-team"),
        120,
        (
            Update(
                10,
                "in_progress",
                "Peruskurssi pidetty kolmesti; kolmen laitoksen tutkijat puuttuvat.",
            ),
        ),
    ),
    DemoMeasure(
        "3.2",
        t(
            "Valtakunnallinen tutkintaryhmä tukee poliisilaitoksia sovituissa määräajoissa",
            "Den nationella utredningsgruppen stöder polisinrättningarna inom överenskomna tider",
            "The national team supports police departments within agreed deadlines",
        ),
        ("national-team",),
        30,
        (
            Update(
                5, "in_progress", "Konsultaatiot kirjataan alustalle ja määräajat ovat seurannassa."
            ),
        ),
    ),
    DemoMeasure(
        "3.3",
        t(
            "Rajat ylittävää yhteistyötä tiivistetään Europolin ja yhteisten "
            "tutkintaryhmien kautta",
            "Det gränsöverskridande samarbetet fördjupas via Europol och gemensamma "
            "utredningsgrupper",
            "Cross-border cooperation is deepened through Europol and joint investigation teams",
        ),
        ("nbi",),
        240,
    ),
    DemoMeasure(
        "3.4",
        t(
            "Rikoshyöty jäljitetään ja menetetään ihmiskauppajutuissa",
            "Vinning av brott spåras och förverkas i fall av människohandel",
            "Proceeds of crime are traced and confiscated in trafficking cases",
        ),
        ("nbi", "police-helsinki"),
        -200,
        (
            Update(
                210,
                "done",
                "Ohje rikoshyödyn jäljittämisestä julkaistu ja otettu käyttöön.",
                url="https://example.fi/ohje-rikoshyoty.pdf",
                evidence="Ohje hyväksytty johtoryhmässä.",
            ),
        ),
    ),
    DemoMeasure(
        "4.1",
        t(
            "Viranomaisten ja järjestöjen tiedonvaihdolle sovitaan yhteiset säännöt",
            "Gemensamma regler avtalas för informationsutbytet mellan myndigheter och "
            "organisationer",
            "Common rules are agreed for information exchange between authorities and NGOs",
        ),
        ("ministry-coordinator", "assistance-system", "ngo-turvaverkko", "ngo-kompassi"),
        -90,
        (
            Update(
                95,
                "done",
                "Tiedonvaihdon periaatteet hyväksytty ja ne ohjaavat alustan jakamista.",
                url="https://example.fi/tiedonvaihdon-periaatteet.pdf",
            ),
        ),
    ),
    DemoMeasure(
        "4.2",
        t(
            "Jokaiselle hyvinvointialueelle perustetaan ihmiskaupan vastainen verkosto",
            "Ett nätverk mot människohandel grundas i varje välfärdsområde",
            "An anti-trafficking network is set up in every wellbeing services county",
        ),
        ("social-tampere", "ngo-reilu-arki"),
        180,
        (
            Update(
                30, "in_progress", "Verkosto toiminnassa Pirkanmaalla; muut alueet suunnittelussa."
            ),
        ),
    ),
    DemoMeasure(
        "4.3",
        t(
            "Järjestöjen asiantuntemus tuodaan poliisin koulutukseen",
            "Organisationernas sakkunskap förs in i polisens utbildning",
            "NGO expertise is brought into police training",
        ),
        ("ngo-kompassi", "police-helsinki"),
        45,
    ),
    DemoMeasure(
        "5.1",
        t(
            "Toimintaohjelman mittarit julkaistaan kahdesti vuodessa",
            "Handlingsplanens indikatorer publiceras två gånger per år",
            "The plan's indicators are published twice a year",
        ),
        ("ministry-coordinator",),
        30,
        (Update(25, "in_progress", "Ensimmäinen mittariraportti koottu alustan tiedoista."),),
    ),
    DemoMeasure(
        "5.2",
        t(
            "Uhreista ja tapauksista tuotetaan tietosuojattuja tilastoja",
            "Skyddad statistik tas fram om offer och fall",
            "Privacy-protected statistics on victims and cases are produced",
        ),
        ("ministry-coordinator", "assistance-system"),
        -150,
        (
            Update(
                160,
                "done",
                "Tilastot julkaistaan pienten lukujen piilotuksella.",
                evidence="Tilastokatsaus 1/2026 julkaistu.",
            ),
        ),
    ),
    DemoMeasure(
        "5.3",
        t(
            "Tutkitaan työperäistä hyväksikäyttöä alustatyössä",
            "Arbetsrelaterad exploatering i plattformsarbete undersöks",
            "Labour exploitation in platform work is researched",
        ),
        ("ministry-coordinator",),
        365,
    ),
    DemoMeasure(
        "5.4",
        t(
            "Toimintaohjelma arvioidaan ulkopuolisen arvioijan toimesta",
            "Handlingsplanen utvärderas av en extern utvärderare",
            "The action plan is evaluated by an external evaluator",
        ),
        ("ministry-coordinator",),
        420,
    ),
]


# --- teaching materials ------------------------------------------------------------------------

SIGNS = t(
    "## Mihin kiinnittää huomiota\n\n"
    "- Henkilöllä ei ole omaa passia tai henkilökorttia hallussaan.\n"
    "- Hän on velkaa rekrytoijalle tai työnantajalle, eikä velka lyhene.\n"
    "- Hän asuu työpaikalla tai työnantajan osoittamassa asunnossa.\n"
    "- Joku muu puhuu hänen puolestaan.\n\n"
    "**Yksikin merkki riittää kysymään lisää.** Kirjaa havainto alustalle ilmoituksena.",
    "## Vad ska man vara uppmärksam på\n\n"
    "- Personen har inte sitt eget pass eller id-kort.\n"
    "- Hen har en skuld till rekryteraren eller arbetsgivaren som aldrig minskar.\n"
    "- Hen bor på arbetsplatsen eller i en bostad som arbetsgivaren anvisat.\n"
    "- Någon annan talar för hen.\n\n"
    "**Redan ett tecken räcker för att fråga mer.** Registrera iakttagelsen som en signal.",
    "## What to look for\n\n"
    "- The person does not hold their own passport or identity card.\n"
    "- They owe a debt to the recruiter or employer that never gets smaller.\n"
    "- They live at the workplace or in housing the employer assigns.\n"
    "- Someone else speaks for them.\n\n"
    "**One sign is enough to ask more.** Record what you saw as a signal.",
)
INTERVIEW_1 = t(
    "## Haastattelun periaatteet\n\n1. Varaa aikaa ja rauhallinen tila.\n"
    "2. Käytä ammattitulkkia, älä saattajaa.\n3. Kerro, mihin tietoja käytetään.",
    "## Principer för intervjun\n\n1. Reservera tid och ett lugnt rum.\n"
    "2. Använd en professionell tolk, inte en medföljare.\n"
    "3. Berätta vad uppgifterna används till.",
    "## Principles of the interview\n\n1. Set aside time and a quiet room.\n"
    "2. Use a professional interpreter, never a companion.\n"
    "3. Say what the information is used for.",
)
INTERVIEW_2 = t(
    INTERVIEW_1["fi"] + "\n4. Älä vaadi yksityiskohtia heti: trauma vaikuttaa muistiin.\n\n"
    "Lisää: [Auttamisjärjestelmän ohjeet](https://www.ihmiskauppa.fi/).",
    INTERVIEW_1["sv"] + "\n4. Kräv inte detaljer genast: trauma påverkar minnet.\n\n"
    "Mer: [Hjälpsystemets anvisningar](https://www.ihmiskauppa.fi/sv).",
    INTERVIEW_1["en"] + "\n4. Do not press for details at once: trauma affects memory.\n\n"
    "More: [The assistance system's guidance](https://www.ihmiskauppa.fi/en).",
)
REFERRING = t(
    "Uhrin voi ohjata auttamisjärjestelmään **hänen suostumuksellaan**. Ilman suostumusta "
    "voit tehdä nimettömän ilmoituksen. Lapsi ohjataan aina.",
    "Ett offer kan hänvisas till hjälpsystemet **med hens samtycke**. Utan samtycke kan du "
    "göra en anonym anmälan. Ett barn hänvisas alltid.",
    "A victim can be referred to the assistance system **with their consent**. Without "
    "consent you can make an anonymous notification. A child is always referred.",
)
INVESTIGATION = t(
    "Esitutkinnan tarkistuslista on liitteenä. Tutki epäily ihmiskauppana, vaikka "
    "ilmoitus olisi tehty kiskonnantapaisesta työsyrjinnästä.",
    "Checklistan för förundersökningen finns som bilaga. Utred misstanken som "
    "människohandel, även om anmälan gäller ockerliknande diskriminering i arbetslivet.",
    "The pre-trial investigation checklist is attached. Investigate the suspicion as "
    "trafficking, even when the report names extortionate work discrimination.",
)


def _checklist_pdf() -> bytes:
    doc = Document(
        title="Esitutkinnan tarkistuslista – ihmiskauppa",
        subtitle="OpenNRM demo",
        locale="fi",
        footer="Demoaineisto",
    )
    doc.paragraph("1. Asianomistajan turvallisuus ja auttamisjärjestelmään ohjaus.")
    doc.paragraph("2. Rikoshyödyn jäljitys ja pankkitietojen pyytäminen.")
    doc.paragraph("3. Yhteys valtakunnalliseen tutkintaryhmään ja tarvittaessa KRP:hen.")
    return doc.bytes()


# --- seeding -----------------------------------------------------------------------------------


def _coordinator(session: Session) -> Actor | None:
    user = session.scalar(
        select(User).where(User.role_rows.any(role="coordinator")).order_by(User.email).limit(1)
    )
    return auth_actions.actor_for(session, user, via="system") if user else None


def _supervisor_of(session: Session, org_id: str) -> Actor | None:
    user = session.scalar(
        select(User)
        .where(User.organisation_id == org_id, User.role_rows.any(role="supervisor"))
        .order_by(User.email)
        .limit(1)
    )
    return auth_actions.actor_for(session, user, via="system") if user else None


def _seed_plan(session: Session, ctx: AppContext, coordinator: Actor, now: datetime) -> int:
    today = ctx.referral_config.local_day(now)
    orgs = {o.key: o.id for o in session.scalars(select(Organisation)) if o.key}
    objective_ids: dict[str, str] = {}
    for code, aim, title, description in OBJECTIVES:
        objective = plan_actions.create_objective(
            session,
            plan_schemas.ObjectiveIn.model_validate(
                {"code": code, "aim": aim, "title": title, "description": description}
            ),
            actor=coordinator,
            now=now - timedelta(days=400),
        )
        objective_ids[code] = objective.id
    for item in MEASURES:
        org_ids = [orgs[k] for k in item.organisations if k in orgs]
        if not org_ids:
            continue
        measure = plan_actions.create_measure(
            session,
            plan_schemas.MeasureIn.model_validate(
                {
                    "objective_id": objective_ids[item.code.split(".")[0]],
                    "code": item.code,
                    "title": item.title,
                    "organisation_ids": org_ids,
                    "deadline": (today + timedelta(days=item.deadline_in_days)).isoformat(),
                }
            ),
            actor=coordinator,
            now=now - timedelta(days=390),
        )
        # The first responsible organisation with a supervisor reports; else the coordinator.
        reporter = next(
            (a for a in (_supervisor_of(session, o) for o in org_ids) if a is not None),
            coordinator,
        )
        for update in item.updates:
            plan_actions.report_progress(
                session,
                measure.id,
                plan_schemas.ProgressIn(
                    reported_on=today - timedelta(days=update.days_ago),
                    status=update.status,
                    text=update.text,
                    evidence_url=update.url,
                    evidence_text=update.evidence,
                ),
                actor=reporter,
                config=ctx.referral_config,
                now=now - timedelta(days=update.days_ago),
            )
    return len(MEASURES)


def _material(
    session: Session, coordinator: Actor, title: T, audience: list[str], body: T, **extra: Any
) -> str:
    made = training_actions.create_material(
        session,
        training_schemas.MaterialIn.model_validate(
            {"title": title, "audience": audience, "body": body, **extra}
        ),
        actor=coordinator,
    )
    return made.id


def _seed_training(session: Session, ctx: AppContext, coordinator: Actor, now: datetime) -> int:
    import base64

    today = ctx.referral_config.local_day(now)
    orgs = {o.key: o for o in session.scalars(select(Organisation)) if o.key}
    signs = _material(
        session,
        coordinator,
        t(
            "Ihmiskaupan tunnusmerkit etulinjan työssä",
            "Tecken på människohandel i arbetet i frontlinjen",
            "Signs of trafficking in frontline work",
        ),
        ["frontline", "caseworker", "investigator"],
        SIGNS,
    )
    interview_title = t(
        "Uhrin haastattelu traumatietoisesti",
        "Att intervjua offer traumamedvetet",
        "Trauma-informed interviews with victims",
    )
    interview = _material(
        session, coordinator, interview_title, ["caseworker", "investigator"], INTERVIEW_1
    )
    training_actions.revise_material(
        session,
        interview,
        training_schemas.RevisionIn.model_validate(
            {
                "title": interview_title,
                "body": INTERVIEW_2,
                "note": "Muistin ja trauman kohta lisätty.",
            }
        ),
        actor=coordinator,
    )
    checklist = _material(
        session,
        coordinator,
        t(
            "Ihmiskaupparikosten esitutkinta",
            "Förundersökning av människohandelsbrott",
            "Pre-trial investigation of trafficking offences",
        ),
        ["investigator", "supervisor"],
        INVESTIGATION,
        file={
            "name": "esitutkinnan-tarkistuslista.pdf",
            "content_type": "application/pdf",
            "data": base64.b64encode(_checklist_pdf()).decode(),
        },
    )
    referring = _material(
        session,
        coordinator,
        t(
            "Ohjaaminen auttamisjärjestelmään",
            "Hänvisning till hjälpsystemet",
            "Referring to the assistance system",
        ),
        ["frontline", "caseworker"],
        REFERRING,
    )
    core = training_actions.create_course(
        session,
        training_schemas.CourseIn.model_validate(
            {
                "title": t(
                    "Ihmiskaupparikosten tutkinnan peruskurssi",
                    "Grundkurs i utredning av människohandelsbrott",
                    "Core course on investigating trafficking offences",
                ),
                "material_ids": [checklist, interview],
                "is_core": True,
            }
        ),
        actor=coordinator,
    )
    basics = training_actions.create_course(
        session,
        training_schemas.CourseIn.model_validate(
            {
                "title": t(
                    "Ihmiskaupan uhrin tunnistaminen ja ohjaaminen",
                    "Att identifiera och hänvisa offer för människohandel",
                    "Identifying and referring victims of trafficking",
                ),
                "material_ids": [signs, referring],
            }
        ),
        actor=coordinator,
    )

    def held(course_id: str, days_ago: int, organiser: str, region: str | None,
             place: str | None) -> str:  # fmt: skip
        made = training_actions.create_session(
            session,
            training_schemas.SessionIn(
                course_id=course_id,
                held_on=today - timedelta(days=days_ago),
                place=place,
                online=place is None,
                organiser_id=orgs[organiser].id,
                region=region,
            ),
            actor=coordinator,
            config=ctx.referral_config,
        )
        return made.id

    core_sessions = [
        held(core.id, 250, "national-team", "MK01", "Helsingin poliisitalo, Pasila"),
        held(core.id, 120, "national-team", "MK06", "Tampere, Poliisiammattikorkeakoulu"),
        held(core.id, 40, "national-team", None, None),
    ]
    basic_sessions = [
        held(basics.id, 180, "assistance-system", "MK01", "Helsinki, Kansalaistori"),
        held(basics.id, 20, "ngo-kompassi", None, None),
    ]
    recorded = 0

    def attend(session_id: str, user_id: str, completed: bool = True) -> None:
        nonlocal recorded
        training_actions.record_attendance(
            session,
            session_id,
            training_schemas.AttendanceIn(user_id=user_id, completed=completed),
            actor=coordinator,
            config=ctx.referral_config,
        )
        recorded += 1

    # Designated investigators: most departments have both trained; a few are not there yet.
    designated = session.execute(
        select(DesignatedInvestigator.organisation_id, DesignatedInvestigator.user_id)
        .join(Organisation, Organisation.id == DesignatedInvestigator.organisation_id)
        .where(DesignatedInvestigator.function == "designated")
        .order_by(Organisation.name, DesignatedInvestigator.user_id)
    ).all()
    by_org: dict[str, list[str]] = {}
    for org_id, user_id in designated:
        by_org.setdefault(org_id, []).append(user_id)
    for index, (_org, people) in enumerate(sorted(by_org.items())):
        for n, user_id in enumerate(people):
            if index % 4 == 3 and n == 1:
                attend(core_sessions[index % 3], user_id, completed=False)  # still to finish
            elif index % 6 != 5:
                attend(core_sessions[index % 3], user_id)
    team = session.scalars(
        select(User.id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.type == "national_team", User.role_rows.any(role="investigator"))
    ).all()
    for user_id in team:
        attend(core_sessions[0], user_id)
    staff = session.scalars(
        select(User.id)
        .where(User.role_rows.any(UserRole.role.in_(["caseworker", "frontline"])))
        .order_by(User.email)
    ).all()
    for n, user_id in enumerate(staff):
        attend(basic_sessions[n % 2], user_id)
    return recorded


def _seed_consultations(session: Session, ctx: AppContext, now: datetime) -> int:
    """Consultations asked of the national team by departments on their investigations:
    some answered within the deadline, some late, some still waiting."""
    config = ctx.referral_config
    rows = (
        session.execute(
            select(Investigation)
            .join(Organisation, Organisation.id == Investigation.organisation_id)
            .where(Organisation.type == "police")
            .order_by(Investigation.created_at)
            .limit(20)
        )
        .scalars()
        .all()
    )
    team_lead = session.scalar(
        select(User)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.type == "national_team", User.role_rows.any(role="supervisor"))
        .limit(1)
    )
    if team_lead is None:
        return 0
    team = auth_actions.actor_for(session, team_lead, via="system")
    asked = 0
    # (days before now it was asked, urgency, the team's responses today)
    plan: list[tuple[int, str, tuple[str, ...]]] = [
        (1, "normal", ("accept", "answer")),
        (2, "normal", ("accept", "answer")),
        (1, "low", ("accept", "join")),
        (3, "normal", ("accept", "answer")),
        (2, "urgent", ("accept", "answer")),
        (1, "normal", ("decline",)),
        (4, "low", ("accept", "answer")),
        (40, "urgent", ("accept", "answer")),
        (41, "normal", ("accept", "answer")),
        (42, "urgent", ("decline",)),
        (43, "normal", ("accept",)),
        (44, "urgent", ()),
        (1, "normal", ()),
    ]
    for investigation, (days, urgency, responses) in zip(rows, plan, strict=False):
        creator = session.get(User, investigation.created_by)
        if creator is None:
            continue
        requester = auth_actions.actor_for(session, creator, via="system")
        consultation = consultation_actions.request_consultation(
            session,
            investigation.id,
            ConsultationIn(
                question="Onko ryhmällä tietoa samasta rekrytoijasta muista tapauksista?",
                urgency=urgency,
            ),
            actor=requester,
            cipher=ctx.cipher,
            config=config,
            now=now - timedelta(days=days),
        )
        for response in responses:
            body: dict[str, Any] = {"action": response}
            if response == "answer":
                body["text"] = "Sama puhelinnumero esiintyy yhdessä aiemmassa tutkinnassa."
            if response == "decline":
                body["text"] = "Asia kuuluu paikalliselle poliisilaitokselle."
            if response == "join":
                body["join_until"] = (config.local_day(now) + timedelta(days=30)).isoformat()
            consultation_actions.respond(
                session,
                consultation.id,
                ResponseIn.model_validate(body),
                actor=team,
                cipher=ctx.cipher,
                config=config,
            )
        asked += 1
    return asked


def seed(ctx: AppContext, report: Callable[[str], None] | None = None) -> None:
    """The action plan, the training library and some consultations; after the
    organisations, accounts, registry and investigations have been seeded."""
    say = report or (lambda _m: None)
    now = utcnow()
    with unit_of_work(ctx.db) as session:
        coordinator = _coordinator(session)
        if coordinator is None:
            return
        measures = _seed_plan(session, ctx, coordinator, now)
    say(f"{measures} action plan measures")
    with unit_of_work(ctx.db) as session:
        coordinator = _coordinator(session)
        assert coordinator is not None  # noqa: S101 - found above
        recorded = _seed_training(session, ctx, coordinator, now)
    say(f"{recorded} training attendances")
    with unit_of_work(ctx.db) as session:
        asked = _seed_consultations(session, ctx, now)
    say(f"{asked} consultations with the national team")
