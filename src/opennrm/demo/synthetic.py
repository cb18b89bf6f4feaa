"""Deterministic synthetic signals: never real people, always the same for a seed.

``generate_signals(n, seed, deployment)`` returns request bodies in the shape of
``POST /api/v1/signals`` (docs: CONTRACT.md). They describe plausible situations — a
cleaner whose passport the employer keeps, berry pickers in recruitment debt, a woman in
a massage parlour who lives where she works — with multicultural names in their own
scripts and in transliteration, partial and full birth dates, phones that are valid
numbers of their country, e-mail addresses only at example.com / example.fi /
example.org, fictional companies with business ids whose check digit is right, and
addresses in the deployment's municipalities.

About one signal in ten mentions a person who already appeared in an earlier signal,
written differently: a typo, another transliteration (Oleksandr / Aleksandr /
Олександр), the family name first, diacritics dropped, the phone in another format, the
birth date less precise. This is what record linkage has to find.

Ground truth: every payload carries ``_truth_person_ids``, a list as long as
``persons`` giving the synthetic identity behind each person (``"P0001"`` …). It is
not part of the API: strip it (``strip_truth(payload)``) before submitting, and keep it
to score linkage.

Indicator codes are left empty: the screening catalogue is a separate concern.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any

import phonenumbers

from opennrm.demo.finland import Deployment, Municipality, load_deployment
from opennrm.signals.normalise import business_id_check_digit

__all__ = ["CULTURES", "TRUTH_KEY", "generate_signals", "strip_truth"]

TRUTH_KEY = "_truth_person_ids"
REUSE_RATE = 0.10
FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2026, 10, 31)


def strip_truth(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without the keys that are not part of the API (leading ``_``)."""
    return {k: v for k, v in payload.items() if not k.startswith("_")}


def _ascii(text: str) -> str:
    """Latin text without diacritics (Nguyễn → Nguyen, Ionuț → Ionut, đ → d)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _typo(rng: Random, name: str) -> str:
    """One slip of the keyboard in one word of ``name``."""
    words = name.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return name
    i = rng.choice(candidates)
    word = words[i]
    pos = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    elif kind == "drop":
        word = word[:pos] + word[pos + 1 :]
    else:
        word = word[:pos] + word[pos] + word[pos:]
    words[i] = word
    return " ".join(words)


# --- name cultures --------------------------------------------------------------------


@dataclass(frozen=True)
class NameForms:
    """How one person's name is written: ``primary`` first, ``variants`` as others may
    have recorded it, ``latin`` (ASCII) for e-mail addresses."""

    primary: str
    variants: tuple[str, ...]
    latin: str


@dataclass(frozen=True)
class Culture:
    key: str
    nationality: str  # ISO 3166-1 alpha-2
    adjective_en: str
    adjective_fi: str
    phone_prefixes: tuple[str, ...]  # starts of national significant numbers
    phone_length: int  # length of the national significant number
    make_name: Callable[[Random, str], NameForms]


def _forms(primary: str, *variants: str, latin: str | None = None) -> NameForms:
    unique = tuple(v for v in dict.fromkeys(variants) if v != primary)
    return NameForms(primary, unique, _ascii(latin or primary))


_FI_MALE = ("Mikko", "Juha", "Timo", "Jari", "Antti", "Janne", "Ville", "Sami", "Petri", "Jukka")
_FI_FEMALE = ("Anna", "Sanna", "Johanna", "Laura", "Tiina", "Päivi", "Riikka", "Hanna", "Minna")
_FI_FAMILY = (
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
    "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Saarinen", "Salminen", "Heinonen",
)  # fmt: skip


def _finnish(rng: Random, gender: str) -> NameForms:
    pool = _FI_FEMALE if gender == "female" else _FI_MALE
    given, middle = rng.sample(pool, 2)
    family = rng.choice(_FI_FAMILY)
    return _forms(
        f"{given} {family}",
        f"{given} {middle} {family}",
        f"{family} {given}",  # registers list the family name first
        _ascii(f"{given} {family}"),
    )


_VN_FAMILY = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô",
)  # fmt: skip
_VN_MIDDLE = {"male": ("Văn", "Đức", "Minh", "Quốc", "Hữu"), "female": ("Thị", "Ngọc", "Thu")}
_VN_GIVEN = {
    "male": ("An", "Hùng", "Tuấn", "Dũng", "Nam", "Long", "Hải", "Quang", "Thắng", "Phúc"),
    "female": ("Lan", "Hương", "Mai", "Linh", "Trang", "Hoa", "Thảo", "Hằng", "Yến", "Nhung"),
}


def _vietnamese(rng: Random, gender: str) -> NameForms:
    sex = "female" if gender == "female" else "male"
    family, middle, given = (
        rng.choice(_VN_FAMILY),
        rng.choice(_VN_MIDDLE[sex]),
        rng.choice(_VN_GIVEN[sex]),
    )
    native = f"{family} {middle} {given}"
    plain = _ascii(native)
    primary = native if rng.random() < 0.5 else plain
    return _forms(
        primary,
        native,
        plain,
        _ascii(f"{given} {family}"),  # given name first, as on many European forms
        _ascii(f"{middle} {given} {family}"),
        f"{_ascii(family).upper()} {_ascii(middle)} {_ascii(given)}",
    )


# (full form, short form or the same)
_NG_MALE = (
    ("Chukwuemeka", "Emeka"), ("Oluwaseun", "Seun"), ("Ikechukwu", "Ike"), ("Babatunde", "Tunde"),
    ("Chinedu", "Chinedu"), ("Ifeanyi", "Ifeanyi"), ("Osaro", "Osaro"), ("Efosa", "Efosa"),
)  # fmt: skip
_NG_FEMALE = (
    ("Chioma", "Chioma"), ("Ngozi", "Ngozi"), ("Blessing", "Blessing"), ("Adaeze", "Ada"),
    ("Funmilayo", "Funmi"), ("Precious", "Precious"), ("Oluwakemi", "Kemi"), ("Osasere", "Osas"),
    ("Esohe", "Esohe"), ("Joy", "Joy"),
)  # fmt: skip
_NG_FAMILY = (
    "Okonkwo", "Adeyemi", "Okafor", "Eze", "Nwosu", "Adebayo", "Balogun", "Osagie",
    "Igbinedion", "Omoregie", "Ogbeide", "Eghosa",
)  # fmt: skip


def _nigerian(rng: Random, gender: str) -> NameForms:
    given, short = rng.choice(_NG_FEMALE if gender == "female" else _NG_MALE)
    family = rng.choice(_NG_FAMILY)
    return _forms(
        f"{given} {family}",
        f"{short} {family}",
        f"{family.upper()} {given}",
        f"{family} {given}",
    )


_RO_MALE = (
    "Ionuț", "Andrei", "Mihai", "Florin", "Gheorghe", "Constantin", "Marian", "Cătălin",
    "Vasile", "Ștefan",
)  # fmt: skip
_RO_FEMALE = (
    "Ioana", "Elena", "Maria", "Andreea", "Mihaela", "Florentina", "Alexandra", "Ramona",
    "Georgiana",
)  # fmt: skip
_RO_FAMILY = (
    "Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Stoica", "Munteanu", "Lupu",
    "Rădulescu", "Țăranu", "Mușat", "Bălan",
)  # fmt: skip


def _cedilla(text: str) -> str:
    # The legacy code points: ş/ţ with cedilla instead of ș/ț with comma below.
    return text.translate(str.maketrans("șțȘȚ", "şţŞŢ"))


def _romanian(rng: Random, gender: str) -> NameForms:
    given = rng.choice(_RO_FEMALE if gender == "female" else _RO_MALE)
    family = rng.choice(_RO_FAMILY)
    native = f"{given} {family}"
    return _forms(
        native,
        _ascii(native),
        _cedilla(native),
        f"{family.upper()} {given}",
        f"{family} {given}",
    )


# (Cyrillic, Ukrainian national transliteration, Russian-style spelling)
_UA_MALE = (
    ("Олександр", "Oleksandr", "Aleksandr"), ("Сергій", "Serhii", "Sergei"),
    ("Андрій", "Andrii", "Andrei"), ("Дмитро", "Dmytro", "Dmitry"),
    ("Микола", "Mykola", "Nikolai"), ("Віктор", "Viktor", "Viktor"),
    ("Юрій", "Yurii", "Yuri"), ("Володимир", "Volodymyr", "Vladimir"),
)  # fmt: skip
_UA_FEMALE = (
    ("Олена", "Olena", "Elena"), ("Наталія", "Nataliia", "Natalia"), ("Ірина", "Iryna", "Irina"),
    ("Оксана", "Oksana", "Oksana"), ("Юлія", "Yuliia", "Yulia"), ("Тетяна", "Tetiana", "Tatiana"),
    ("Світлана", "Svitlana", "Svetlana"), ("Людмила", "Liudmyla", "Lyudmila"),
)  # fmt: skip
_UA_FAMILY = (
    ("Коваленко", "Kovalenko", "Kovalenko"), ("Шевченко", "Shevchenko", "Shevchenko"),
    ("Бондаренко", "Bondarenko", "Bondarenko"), ("Ткаченко", "Tkachenko", "Tkachenko"),
    ("Кравченко", "Kravchenko", "Kravchenko"), ("Мельник", "Melnyk", "Melnik"),
    ("Бойко", "Boiko", "Boyko"), ("Лисенко", "Lysenko", "Lisenko"),
    ("Поліщук", "Polishchuk", "Polishchuk"), ("Савченко", "Savchenko", "Savchenko"),
)  # fmt: skip


def _ukrainian(rng: Random, gender: str) -> NameForms:
    g_cyr, g_lat, g_rus = rng.choice(_UA_FEMALE if gender == "female" else _UA_MALE)
    f_cyr, f_lat, f_rus = rng.choice(_UA_FAMILY)
    latin = f"{g_lat} {f_lat}"
    cyrillic = f"{g_cyr} {f_cyr}"
    primary = cyrillic if rng.random() < 0.25 else latin
    return _forms(primary, latin, f"{g_rus} {f_rus}", cyrillic, f"{f_lat} {g_lat}", latin=latin)


# (Thai script, common romanisation, another romanisation)
_TH_MALE = (
    ("สมชาย", "Somchai", "Somchay"), ("สมศักดิ์", "Somsak", "Somsuk"),
    ("ประเสริฐ", "Prasert", "Prasoet"), ("วิชัย", "Wichai", "Vichai"),
    ("อนุชา", "Anucha", "Anuchar"), ("สุรชัย", "Surachai", "Surachay"),
)  # fmt: skip
_TH_FEMALE = (
    ("สมหญิง", "Somying", "Somyingh"), ("มาลี", "Malee", "Mali"),
    ("วันเพ็ญ", "Wanphen", "Wanpen"), ("สุดา", "Suda", "Sudaa"),
    ("นภา", "Napha", "Napa"), ("ศิริพร", "Siriporn", "Siriphon"),
)  # fmt: skip
_TH_FAMILY = (
    ("ใจดี", "Jaidee", "Chaidi"), ("ศรีสุข", "Srisuk", "Sisuk"),
    ("แสงทอง", "Saengthong", "Sangthong"), ("บุญมา", "Boonma", "Bunma"),
    ("ทองดี", "Thongdee", "Thongdi"), ("สุขสวัสดิ์", "Suksawat", "Suksawad"),
    ("วงศ์ไทย", "Wongthai", "Vongthai"), ("พรหมมา", "Phromma", "Promma"),
)  # fmt: skip


def _thai(rng: Random, gender: str) -> NameForms:
    g_th, g_lat, g_alt = rng.choice(_TH_FEMALE if gender == "female" else _TH_MALE)
    f_th, f_lat, f_alt = rng.choice(_TH_FAMILY)
    latin = f"{g_lat} {f_lat}"
    thai = f"{g_th} {f_th}"
    primary = thai if rng.random() < 0.2 else latin
    return _forms(primary, latin, thai, f"{g_alt} {f_alt}", f"{g_lat} {f_alt}", latin=latin)


_CN_FAMILY = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
    ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"),
)  # fmt: skip
_CN_MALE = (
    ("伟", "Wei"), ("磊", "Lei"), ("军", "Jun"), ("强", "Qiang"), ("涛", "Tao"), ("杰", "Jie"),
    ("建华", "Jianhua"), ("志强", "Zhiqiang"),
)  # fmt: skip
_CN_FEMALE = (
    ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"), ("芳", "Fang"), ("燕", "Yan"),
    ("秀英", "Xiuying"), ("晓红", "Xiaohong"),
)  # fmt: skip


def _chinese(rng: Random, gender: str) -> NameForms:
    f_han, f_lat = rng.choice(_CN_FAMILY)
    g_han, g_lat = rng.choice(_CN_FEMALE if gender == "female" else _CN_MALE)
    latin = f"{f_lat} {g_lat}"  # family name first
    return _forms(
        latin,
        f"{g_lat} {f_lat}",
        f"{f_han}{g_han}",
        f"{f_lat.upper()} {g_lat}",
        latin=latin,
    )


# (usual spelling, another spelling)
_IQ_MALE = (
    ("Ahmed", "Ahmad"), ("Mohammed", "Muhammad"), ("Ali", "Ali"), ("Hussein", "Husain"),
    ("Mustafa", "Mustapha"), ("Haider", "Hayder"), ("Omar", "Umar"), ("Karim", "Kareem"),
)  # fmt: skip
_IQ_FEMALE = (
    ("Fatima", "Fatimah"), ("Zainab", "Zaynab"), ("Noor", "Nur"), ("Maryam", "Mariam"),
    ("Sara", "Sarah"), ("Huda", "Houda"),
)  # fmt: skip
_IQ_TRIBAL = (
    "Jubouri", "Saadi", "Obaidi", "Tamimi", "Rubaie", "Khafaji", "Dulaimi", "Zubaidi",
)  # fmt: skip


def _iraqi(rng: Random, gender: str) -> NameForms:
    given, given_alt = rng.choice(_IQ_FEMALE if gender == "female" else _IQ_MALE)
    # Father's and grandfather's given names follow; a person rarely shares either.
    father, grandfather = rng.sample([m for m, _ in _IQ_MALE if m != given], 2)
    tribe = rng.choice(_IQ_TRIBAL)
    return _forms(
        f"{given} {father} al-{tribe}",
        f"{given_alt} {father} Al {tribe}",
        f"{given} {father} Al-{tribe}",
        f"{given} {father} Al{tribe.lower()}",
        f"{given} al-{tribe}",
        f"{given} {father} {grandfather} al-{tribe}",  # with the grandfather's name
        f"{given} {father} {tribe}",
    )


# Number blocks per country: mobile ranges in use (checked with phonenumbers on output).
CULTURES: tuple[Culture, ...] = (
    Culture("finnish", "FI", "Finnish", "suomalainen",
            ("40", "41", "44", "45", "46", "50"), 9, _finnish),
    Culture("vietnamese", "VN", "Vietnamese", "vietnamilainen",
            ("91", "94", "98", "97", "90", "93", "96", "32", "33", "35", "37", "38", "86"),
            9, _vietnamese),
    Culture("nigerian", "NG", "Nigerian", "nigerialainen",
            ("803", "806", "813", "816", "703", "706", "805", "807", "809", "802", "808"),
            10, _nigerian),
    Culture("romanian", "RO", "Romanian", "romanialainen",
            ("721", "722", "723", "724", "740", "744", "745", "751", "752", "760", "770", "787"),
            9, _romanian),
    Culture("ukrainian", "UA", "Ukrainian", "ukrainalainen",
            ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"),
            9, _ukrainian),
    Culture("thai", "TH", "Thai", "thaimaalainen",
            ("81", "82", "83", "84", "86", "87", "89", "61", "62", "63", "91", "92"),
            9, _thai),
    Culture("chinese", "CN", "Chinese", "kiinalainen",
            ("130", "131", "135", "136", "137", "138", "139", "150", "158", "186", "188"),
            11, _chinese),
    Culture("iraqi", "IQ", "Iraqi", "irakilainen",
            ("770", "771", "772", "750", "751", "780", "781", "790"), 10, _iraqi),
)  # fmt: skip
_CULTURE = {c.key: c for c in CULTURES}


# --- situations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """A kind of case: who tends to be in it and how a referrer might describe it."""

    key: str
    exploitation: tuple[str, ...]
    cultures: tuple[tuple[str, int], ...]  # (culture key, weight)
    female_share: float
    company_words: tuple[str, ...]  # empty: no company involved
    en: tuple[str, ...]
    fi: tuple[str, ...]
    minors: bool = False
    extra_exploitation: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A lone string in place of a tuple would be iterated letter by letter.
        for texts in (self.en, self.fi, self.company_words, self.exploitation):
            if not isinstance(texts, tuple):
                raise TypeError(f"situation {self.key}: expected a tuple, got {texts!r}")


_SITUATIONS: tuple[Situation, ...] = (
    Situation(
        "restaurant", ("labour",),
        (("vietnamese", 3), ("chinese", 3), ("thai", 2), ("iraqi", 1)), 0.4,
        ("Ravintola", "Bistro", "Grilli"),
        (
            "{a_adj} {person} working in a restaurant says the employer keeps their passport. "
            "They owe {debt} euros for the recruitment and work {hours}-hour days, seven days a "
            "week, and sleep in the restaurant's storeroom.",
            "A co-worker reports that {a_adj} {person} in the restaurant kitchen has not been "
            "paid for three months and is told the wages go towards a debt of {debt} euros.",
        ),
        (
            "{adj_fi} {person_fi} kertoo, että ravintolan omistaja pitää hänen passiaan. Hänellä "
            "on {debt} euron velka rekrytoinnista, ja työpäivät ovat {hours} tuntia joka päivä. "
            "Hän nukkuu ravintolan varastossa.",
            "Työtoveri kertoo, ettei {adj_fi} keittiötyöntekijä ole saanut palkkaa kolmeen "
            "kuukauteen. Palkan kerrotaan menevän {debt} euron velan maksuun.",
        ),
        extra_exploitation=("other",),
    ),
    Situation(
        "cleaning", ("labour",),
        (("vietnamese", 2), ("nigerian", 2), ("romanian", 2), ("ukrainian", 2), ("iraqi", 1)),
        0.6, ("Siivouspalvelu", "Puhdistus", "Kiinteistöhuolto"),
        (
            "{a_adj} {person} cleans offices at night for a cleaning company and says the "
            "employer holds their residence permit card. They pay {rent} euros a month to share "
            "a room with five others in a flat the employer rents out.",
            "{a_adj} cleaner shows a payslip far below the collective agreement; the supervisor "
            "threatens to report them to the police if they complain.",
        ),
        (
            "{adj_fi} {person_fi} siivoaa toimistoja öisin ja kertoo, että työnantaja pitää "
            "hänen oleskelulupakorttiaan. Hän maksaa {rent} euroa kuussa huoneesta, jonka jakaa "
            "viiden muun kanssa työnantajan vuokraamassa asunnossa.",
            "{adj_fi} siivooja näyttää palkkakuitin, jossa palkka on selvästi alle "
            "työehtosopimuksen. Esimies on uhannut ilmoittaa hänestä poliisille, jos hän "
            "valittaa.",
        ),
    ),
    Situation(
        "construction", ("labour",),
        (("romanian", 3), ("ukrainian", 3), ("iraqi", 1), ("vietnamese", 1)), 0.05,
        ("Rakennus", "Rakennuspalvelu", "Saneeraus"),
        (
            "{a_adj} {person} on a construction site says they were promised {wage_hour} euros "
            "an hour but receive a fraction of it in cash. The subcontractor took their passport "
            "\"for the paperwork\" and they live in a container on the site.",
            "Labour inspection found {adj} workers on a site working {hours}-hour days; one says "
            "they owe the recruiter {debt} euros and cannot leave before it is paid.",
        ),
        (
            "Rakennustyömaalla työskentelevä {adj_fi} {person_fi} kertoo, että hänelle luvattiin "
            "{wage_hour} euron tuntipalkka, mutta hän saa vain osan käteisenä. Aliurakoitsija "
            "otti hänen passinsa \"papereita varten\", ja hän asuu työmaan kontissa.",
            "Työsuojelutarkastuksessa tavattiin työmaalla ulkomaalaisia työntekijöitä, joiden "
            "työpäivät ovat {hours} tuntia. Yksi heistä, {adj_fi} {person_fi}, kertoo olevansa "
            "rekrytoijalle velkaa {debt} euroa.",
        ),
    ),
    Situation(
        "berries", ("labour",),
        (("thai", 5), ("ukrainian", 2), ("vietnamese", 1)), 0.45,
        ("Marjatila", "Luonnontuote", "Marjapalvelu"),
        (
            "{adj} wild berry pickers were recruited through an agency at home and paid {debt} "
            "euros in fees and flights. They are paid per kilo far below what was promised, work "
            "{hours} hours a day and live crowded in a house owned by the buyer.",
            "{a_adj} berry picker says the camp leader keeps the pickers' passports until the "
            "season's debts are settled.",
        ),
        (
            "{adj_fi} {person_fi} kertoo, että hänet ja muut marjanpoimijat rekrytoitiin "
            "kotimaassa välittäjän kautta ja he maksoivat {debt} euroa välityspalkkioina ja "
            "lentoina. Kilohinta on paljon luvattua pienempi, päivät ovat {hours} tuntia ja he "
            "asuvat ahtaasti ostajan omistamassa talossa.",
            "{adj_fi} marjanpoimija kertoo, että leirin johtaja pitää poimijoiden passeja, "
            "kunnes kauden velat on maksettu.",
        ),
    ),
    Situation(
        "nails", ("labour",),
        (("vietnamese", 6), ("chinese", 1)), 0.8,
        ("Kynsistudio", "Nail Bar", "Kauneushoitola"),
        (
            "{a_adj} {person} works in a nail salon from opening to closing and lives in the "
            "back room. The owner, a relative of the recruiter, takes most of the pay towards a "
            "travel debt of {debt} euros.",
            "A customer reports that the {adj} nail technician seems afraid, never leaves the "
            "salon and does not know the address where they live.",
        ),
        (
            "{adj_fi} {person_fi} työskentelee kynsistudiossa aamusta iltaan ja asuu "
            "takahuoneessa. Omistaja pidättää suurimman osan palkasta {debt} euron matkavelkaan.",
            "Asiakas kertoo, että {adj_fi} kynsiteknikko vaikuttaa pelokkaalta, ei koskaan "
            "poistu liikkeestä eikä tiedä osoitetta, jossa asuu.",
        ),
        minors=True,
    ),
    Situation(
        "massage", ("sexual",),
        (("thai", 5), ("chinese", 3), ("vietnamese", 1)), 0.95,
        ("Hieronta", "Thai-hieronta", "Hyvinvointikeskus"),
        (
            "{a_adj} {person} in a massage parlour says they must provide sexual services to "
            "pay back {debt} euros. They live in the parlour and are not allowed out alone.",
            "A police patrol met {a_adj} {person} at a massage parlour who had no access to "
            "their own passport or bank card and was moved between cities every few weeks.",
        ),
        (
            "Hierontalaitoksessa työskentelevä {adj_fi} {person_fi} kertoo, että hänen on "
            "myytävä seksiä maksaakseen {debt} euron velan. Hän asuu laitoksessa eikä saa "
            "liikkua yksin.",
            "Poliisipartion hierontalaitoksessa tapaama {adj_fi} {person_fi} ei päässyt käsiksi "
            "omaan passiinsa tai pankkikorttiinsa, ja häntä siirrettiin kaupungista toiseen "
            "muutaman viikon välein.",
        ),
        extra_exploitation=("labour",),
    ),
    Situation(
        "online_sex", ("sexual",),
        (("nigerian", 4), ("romanian", 3), ("ukrainian", 2), ("finnish", 1)), 0.95, (),
        (
            "{a_adj} {person} contacted the advice line: a \"boyfriend\" publishes their sex "
            "ads online, takes the money and says they still owe {debt} euros for the journey.",
            "Hotel staff report that {a_adj} {person} receives many male visitors; a man waits "
            "in the lobby, holds their phone and pays for the room.",
        ),
        (
            "{adj_fi} {person_fi} otti yhteyttä neuvontaan: \"poikaystävä\" julkaisee hänen "
            "seksi-ilmoituksiaan verkossa, ottaa rahat ja sanoo hänen olevan yhä {debt} euroa "
            "velkaa matkasta.",
            "Hotellin henkilökunnan mukaan {adj_fi} {person_fi} saa paljon miesvieraita. Mies "
            "odottaa aulassa, pitää hänen puhelintaan ja maksaa huoneen.",
        ),
        minors=True,
    ),
    Situation(
        "car_wash", ("labour",),
        (("iraqi", 3), ("ukrainian", 1), ("romanian", 1)), 0.05,
        ("Autopesu", "Autopesula", "Rengashotelli"),
        (
            "{a_adj} {person} at a car wash works {hours} hours a day for a fixed {wage_day} "
            "euros a day and sleeps in the back office. Their residence permit depends on this "
            "employer.",
        ),
        (
            "Autopesulassa työskentelevä {adj_fi} {person_fi} tekee töitä {hours} tuntia "
            "päivässä {wage_day} euron päiväpalkalla ja nukkuu takahuoneessa. Hänen "
            "oleskelulupansa riippuu työnantajasta.",
        ),
    ),
    Situation(
        "criminality", ("forced_criminality",),
        (("vietnamese", 3), ("romanian", 2)), 0.3, (),
        (
            "{a_adj} {person} found tending a cannabis grow in a detached house says they were "
            "brought to Finland to work off a travel debt of {debt} euros and were locked in.",
            "{a_adj} {person} caught shoplifting says a group takes everything stolen and "
            "threatens the family at home if the daily quota is not met.",
        ),
        (
            "Omakotitalon kannabiskasvattamosta tavattu {adj_fi} {person_fi} kertoo, että hänet "
            "tuotiin Suomeen maksamaan {debt} euron matkavelkaa ja pidettiin lukkojen takana.",
            "Myymälävarkaudesta kiinni jäänyt {adj_fi} {person_fi} kertoo, että ryhmä ottaa "
            "kaiken varastetun ja uhkaa perhettä kotimaassa, jos päivän kiintiö ei täyty.",
        ),
        minors=True,
    ),
    Situation(
        "begging", ("begging",),
        (("romanian", 5),), 0.5, (),
        (
            "{a_adj} {person} begging outside a supermarket says the money is collected every "
            "evening by a man who arranged the journey and the place to sleep.",
        ),
        (
            "Kaupan edessä kerjäävä {adj_fi} {person_fi} kertoo, että matkan ja yöpaikan "
            "järjestänyt mies kerää rahat joka ilta.",
        ),
    ),
    Situation(
        "benefits", ("benefit_fraud",),
        (("romanian", 2), ("iraqi", 2), ("finnish", 2), ("nigerian", 1)), 0.5, (),
        (
            "{a_adj} {person} says others opened a bank account in their name and claim social "
            "benefits with it; they receive nothing and their ID card is held by the group.",
        ),
        (
            "{adj_fi} {person_fi} kertoo, että hänen nimiinsä on avattu pankkitili, jolle muut "
            "hakevat sosiaalietuuksia. Hän ei saa rahoista mitään, ja ryhmä pitää hänen "
            "henkilökorttiaan.",
        ),
    ),
    Situation(
        "marriage", ("forced_marriage",),
        (("iraqi", 3), ("finnish", 1)), 1.0, (),
        (
            "{a_adj} {person} tells the school nurse that the family is arranging a marriage "
            "abroad this summer and has taken their passport.",
        ),
        (
            "{adj_fi} {person_fi} kertoo kouluterveydenhoitajalle, että perhe järjestää hänelle "
            "avioliittoa ulkomaille kesäksi ja on ottanut hänen passinsa.",
        ),
        minors=True,
    ),
    Situation(
        "domestic", ("servitude", "labour"),
        (("nigerian", 2), ("vietnamese", 1), ("thai", 1), ("chinese", 1)), 0.9, (),
        (
            "{a_adj} {person} brought as an \"au pair\" works for a family from early morning "
            "to night without days off; the family keeps their passport and pays {wage_month} "
            "euros a month.",
        ),
        (
            "\"Au pairiksi\" tuotu {adj_fi} {person_fi} tekee perheelle töitä aamusta yöhön "
            "ilman vapaapäiviä. Perhe pitää hänen passiaan ja maksaa {wage_month} euroa "
            "kuukaudessa.",
        ),
    ),
)  # fmt: skip
_SITUATION_WEIGHTS = {
    "restaurant": 14, "cleaning": 14, "construction": 11, "berries": 7, "nails": 7,
    "massage": 10, "online_sex": 12, "car_wash": 5, "criminality": 6, "begging": 4,
    "benefits": 5, "marriage": 2, "domestic": 3,
}  # fmt: skip

_COMPANY_STEMS = (
    "Nopea", "Lootus", "Kivijalka", "Aurinko", "Helmi", "Pohjantuuli", "Kultainen Lohikäärme",
    "Saigon", "Baltia", "Nordic Star", "Saimaan", "Tähtikulma", "Puhdas Koti", "Vahva Runko",
    "Metsämarja", "Lumi", "Siam", "Mekong", "Onni", "Kotiranta",
)  # fmt: skip


# --- people ---------------------------------------------------------------------------------


@dataclass
class _Person:
    pid: str
    role: str
    culture: Culture
    gender: str
    nationality: str | None
    names: NameForms
    birth: date | None
    birth_precision: str  # "day", "month", "year", "none"
    phones: list[phonenumbers.PhoneNumber] = field(default_factory=list)
    email: str | None = None


def _phone(rng: Random, culture: Culture) -> phonenumbers.PhoneNumber:
    region = culture.nationality
    for _ in range(100):
        prefix = rng.choice(culture.phone_prefixes)
        rest = "".join(rng.choice("0123456789") for _ in range(culture.phone_length - len(prefix)))
        number = phonenumbers.parse(f"+{phonenumbers.country_code_for_region(region)}"
                                    f"{prefix}{rest}")  # fmt: skip
        if phonenumbers.is_valid_number(number):
            return number
    raise RuntimeError(f"no valid {region} number from prefixes {culture.phone_prefixes}")


def _format_phone(rng: Random, number: phonenumbers.PhoneNumber, local_region: str) -> str:
    """The number as a person might write it; national formats only for local numbers,
    because the API reads national numbers as numbers of the deployment's country."""
    fmt = phonenumbers.PhoneNumberFormat
    e164 = phonenumbers.format_number(number, fmt.E164)
    styles = [
        phonenumbers.format_number(number, fmt.INTERNATIONAL),
        e164,
        "00" + e164[1:],
    ]
    if phonenumbers.region_code_for_number(number) == local_region:
        national = phonenumbers.format_number(number, fmt.NATIONAL)
        styles += [national, national, national.replace(" ", "-", 1), national.replace(" ", "")]
    return rng.choice(styles)


def _birth(rng: Random, role: str, minor: bool) -> tuple[date, str]:
    if minor:
        year = rng.randint(2008, 2011)
    elif role == "suspect":
        year = rng.randint(1960, 1998)
    else:
        year = rng.randint(1966, 2005)
    born = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    precision = rng.choices(("day", "month", "year", "none"), weights=(55, 12, 20, 13))[0]
    return born, precision


def _birth_text(born: date | None, precision: str) -> str | None:
    if born is None or precision == "none":
        return None
    if precision == "year":
        return f"{born.year:04d}"
    if precision == "month":
        return f"{born.year:04d}-{born.month:02d}"
    return born.isoformat()


def _email(rng: Random, latin: str, born: date | None, domains: Sequence[str]) -> str:
    parts = [p.lower() for p in _ascii(latin).replace("-", " ").split() if p.isalpha()]
    parts = parts or ["user"]
    style = rng.randrange(3)
    if style == 0 and len(parts) > 1:
        local = f"{parts[0]}.{parts[-1]}"
    elif style == 1:
        local = "".join(parts) + (f"{born.year % 100:02d}" if born else str(rng.randint(1, 99)))
    else:
        local = f"{parts[0]}_{rng.randint(100, 999)}"
    return f"{local}@{rng.choice(domains)}"


class _Generator:
    def __init__(self, seed: int, deployment: Deployment) -> None:
        self.rng = Random(seed)
        self.deployment = deployment
        hints = deployment.synthetic
        self.local_region = hints.phone_region or deployment.country
        self.local_culture = next(
            (c for c in CULTURES if c.nationality == self.local_region), CULTURES[0]
        )
        self.domains = [
            d for d in hints.email_domains if d in ("example.com", "example.fi", "example.org")
        ] or ["example.com"]
        # Only municipalities with a police department: every signal can be routed.
        self.places: list[Municipality] = [
            m for m in deployment.municipalities if m.police_department is not None
        ]
        self.place_weights = [hints.municipality_weights.get(m.name.fi, 1) for m in self.places]
        self.people: list[_Person] = []
        self.companies: dict[str, list[dict[str, str]]] = {}
        self.used_business_ids: set[str] = set()

    # -- persons

    def new_person(self, role: str, culture: Culture, gender: str, minor: bool) -> _Person:
        rng = self.rng
        names = culture.make_name(rng, gender)
        born, precision = _birth(rng, role, minor)
        person = _Person(
            pid=f"P{len(self.people) + 1:04d}",
            role=role,
            culture=culture,
            gender=gender,
            nationality=culture.nationality if rng.random() < 0.93 else None,
            names=names,
            birth=born,
            birth_precision=precision,
        )
        phone_count = rng.choices((0, 1, 2), weights=(25, 60, 15))[0]
        for _ in range(phone_count):
            home = culture.nationality != self.local_region and rng.random() < 0.5
            person.phones.append(_phone(rng, culture if home else self.local_culture))
        if rng.random() < (0.3 if role == "victim" else 0.2):
            person.email = _email(rng, names.latin, born, self.domains)
        self.people.append(person)
        return person

    def person_payload(self, person: _Person, repeat: bool) -> dict[str, Any]:
        rng = self.rng
        forms = person.names
        if not repeat:
            names = [forms.primary]
            if forms.variants and rng.random() < 0.2:
                names.append(rng.choice(forms.variants))
            birth_text = _birth_text(person.birth, person.birth_precision)
        else:
            variation = rng.random()
            if variation < 0.25 or not forms.variants:
                names = [_typo(rng, forms.primary)]
            else:
                names = [rng.choice(forms.variants)]
            precision = person.birth_precision
            if precision == "day" and rng.random() < 0.3:
                precision = rng.choice(("month", "year"))
            birth_text = _birth_text(person.birth, precision)
        payload: dict[str, Any] = {"role": person.role, "names": names}
        if birth_text is not None:
            payload["birth_date"] = birth_text
        payload["gender"] = person.gender
        if person.nationality is not None:
            payload["nationality"] = person.nationality
        phones = person.phones
        if repeat and phones and rng.random() < 0.2:
            phones = phones[:1]  # only one of the numbers was noted this time
        payload["phones"] = [_format_phone(rng, p, self.local_region) for p in phones]
        payload["emails"] = [person.email] if person.email and rng.random() < 0.85 else []
        payload["identifiers"] = []
        return payload

    def pick_gender(self, female_share: float) -> str:
        roll = self.rng.random()
        if roll < 0.02:
            return "unknown"
        if roll < 0.03:
            return "other"
        return "female" if self.rng.random() < female_share else "male"

    # -- organisations and places

    def business_id(self) -> str:
        while True:
            body = f"{self.rng.randint(1_000_000, 3_399_999):07d}"
            check = business_id_check_digit(body)
            if check is None:
                continue  # no id is issued with this body
            candidate = f"{body}-{check}"
            if candidate not in self.used_business_ids:
                self.used_business_ids.add(candidate)
                return candidate

    def company(self, situation: Situation) -> dict[str, str]:
        existing = self.companies.setdefault(situation.key, [])
        if existing and self.rng.random() < 0.3:
            return dict(self.rng.choice(existing))
        word = self.rng.choice(situation.company_words)
        stem = self.rng.choice(_COMPANY_STEMS)
        forms = self.deployment.synthetic.company_forms or ("Ltd",)
        company = {
            "name": f"{word} {stem} {self.rng.choice(forms)}",
            "business_id": self.business_id(),
        }
        existing.append(company)
        return dict(company)

    def address(self, place: Municipality) -> str:
        rng = self.rng
        streets = self.deployment.synthetic.streets or ("Main Street",)
        text = f"{rng.choice(streets)} {rng.randint(1, 60)}"
        if rng.random() < 0.5:
            text += f" {rng.choice('ABCDEF')} {rng.randint(1, 45)}"
        postal = f"{place.postal_code} " if place.postal_code else ""
        return f"{text}, {postal}{place.name.fi}"

    # -- signals

    def pick_situation(self, culture: Culture | None) -> Situation:
        """A situation by weight; one that fits ``culture`` when given."""
        options = [
            s for s in _SITUATIONS if culture is None or culture.key in dict(s.cultures)
        ] or list(_SITUATIONS)
        return self.rng.choices(options, weights=[_SITUATION_WEIGHTS[s.key] for s in options])[0]

    def signal(self) -> dict[str, Any]:
        rng = self.rng
        people: list[tuple[_Person, bool]] = []
        repeated: _Person | None = None
        if self.people and rng.random() < REUSE_RATE:
            repeated = rng.choice(self.people)

        if repeated is not None and repeated.role == "victim":
            # The same victim seen again, by another partner or later.
            situation = self.pick_situation(repeated.culture)
            culture = repeated.culture
            minor = False
            people.append((repeated, True))
        else:
            situation = self.pick_situation(None)
            culture_keys = [c for c, _ in situation.cultures]
            weights = [w for _, w in situation.cultures]
            culture = _CULTURE[rng.choices(culture_keys, weights=weights)[0]]
            minor = situation.minors and rng.random() < 0.12
            gender = self.pick_gender(situation.female_share)
            people.append((self.new_person("victim", culture, gender, minor), False))
            if repeated is not None:
                # A suspect or witness who turns up again around another victim.
                people.append((repeated, True))
        extra = rng.choices((0, 1, 2), weights=(55, 33, 12))[0]
        for _ in range(extra):
            role = rng.choices(("victim", "suspect", "other"), weights=(35, 50, 15))[0]
            if role == "suspect":
                origin = culture if rng.random() < 0.6 else self.local_culture
                gender = "male" if rng.random() < 0.75 else "female"
            else:
                origin = culture
                gender = self.pick_gender(situation.female_share)
            people.append((self.new_person(role, origin, gender, minor=False), False))

        first = people[0][0]
        adjective = first.culture.adjective_en
        article = "an" if adjective.startswith(("A", "E", "I", "O")) else "a"
        person_en = {"female": "woman", "male": "man"}.get(first.gender, "person")
        person_fi = {"female": "nainen", "male": "mies"}.get(first.gender, "henkilö")
        if minor:
            person_en, person_fi = "teenager", "nuori"
        values = {
            "adj": adjective,
            "a_adj": f"{article} {adjective}",
            "adj_fi": first.culture.adjective_fi,
            "person": person_en,
            "person_fi": person_fi,
            "debt": str(rng.randrange(2000, 15001, 500)),
            "hours": str(rng.randint(11, 16)),
            "wage_hour": str(rng.randint(12, 18)),
            "wage_day": str(rng.randrange(30, 61, 5)),
            "wage_month": str(rng.randrange(200, 501, 50)),
            "rent": str(rng.randrange(200, 501, 50)),
        }
        templates = situation.fi if rng.random() < 0.6 else situation.en
        summary = rng.choice(templates).format(**values)
        summary = summary[0].upper() + summary[1:]
        place = rng.choices(self.places, weights=self.place_weights)[0]

        exploitation = list(situation.exploitation)
        if situation.extra_exploitation and rng.random() < 0.15:
            exploitation += [e for e in situation.extra_exploitation if e not in exploitation]
        if minor and "labour" in exploitation:
            exploitation = ["child_labour" if e == "labour" else e for e in exploitation]

        payload: dict[str, Any] = {"exploitation_types": exploitation, "summary": summary}
        if rng.random() < 0.9:
            span = (LAST_DAY - FIRST_DAY).days
            payload["occurred_on"] = (FIRST_DAY + timedelta(days=rng.randint(0, span))).isoformat()
        payload["municipality"] = place.name.fi
        payload["persons"] = [self.person_payload(p, repeat) for p, repeat in people]
        payload["organisations"] = (
            [self.company(situation)] if situation.company_words and rng.random() < 0.75 else []
        )
        payload["addresses"] = [self.address(place) for _ in range(rng.choice((0, 1, 1, 2)))]
        payload["indicators"] = []
        payload["consent"] = {
            "to_assistance_system": rng.random() < 0.7,
            "to_police": rng.random() < 0.4,
        }
        payload[TRUTH_KEY] = [p.pid for p, _ in people]
        return payload


def generate_signals(
    n: int, seed: int, deployment: Deployment | None = None
) -> list[dict[str, Any]]:
    """``n`` synthetic signal bodies, the same ones for the same seed and deployment.

    Each carries ``_truth_person_ids`` (see the module docstring); remove it with
    ``strip_truth`` before submitting.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    generator = _Generator(seed, deployment or load_deployment())
    return [generator.signal() for _ in range(n)]
