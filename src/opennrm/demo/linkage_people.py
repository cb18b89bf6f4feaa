"""Synthetic person records with realistic duplicates and ground truth, for linkage.

Why this exists: record linkage can only be measured against a truth, and real case
files may never be used for that. ``generate_people(n, seed)`` yields rows in the shape
of the linkage CSV contract (docs: CONTRACT.md, "Linkage over files") together with the
synthetic identity behind each row; ``write_dataset`` writes them, and the truth, to
files for the ``opennrm linkage link`` command and for benchmarks at 10^5 and 10^6 rows.

What the rows have to teach a linkage model is how the same person ends up written
differently by different agencies, and how different people end up looking alike:

* names in their own script and in several transliterations (Олександр Коваленко,
  Oleksandr / Aleksandr / Alexander Kovalenko, Kowalenko, Szewczenko; สมชาย ศรีสุข,
  Somchai / Somchay Srisuk / Sisuk / Srisook; Nguyễn Văn An / Nguyen Van An / An
  Nguyen), diacritics dropped or written with the legacy cedilla (ș/ş), Finnish ä as a
  or ae, Arabic particles (al-, Al-, El-) attached, detached or dropped, pinyin family
  name first or last, nicknames, keyboard slips, the family name first, the given and
  family fields swapped, given/family split or only a full name;
* birth dates full or partial, with day and month swapped or the year off by one;
* phones in E.164, national, 00 and spaced or dashed formats; e-mails in another case;
  Finnish addresses abbreviated, without postcode, in lower case; passport numbers with
  the rare slip;
* hard negatives: spouses, siblings, parents and children who share a family name, an
  address and a phone; twins born on the same day; namesakes (Nguyen Van An is common);
  unrelated workers housed at the same address.

Everything is fictional and derived from the seed; the same seed gives the same rows.
Speed matters (a million rows in well under a minute on two cores), so the name forms
are precomputed at import and each row is built from string slices and a few dozen
draws of one ``random.Random`` — no ``phonenumbers`` and no Unicode normalisation per row.
"""

# Cyrillic letters that look like Latin ones are the point of the name tables here.
# ruff: noqa: RUF001

from __future__ import annotations

import csv
import heapq
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Any

from opennrm.demo.finland import load_deployment
from opennrm.demo.synthetic import CULTURES, Culture, _ascii

__all__ = ["COLUMNS", "generate_people", "write_dataset"]

COLUMNS: tuple[str, ...] = (
    "id",
    "given_names",
    "family_names",
    "full_name",
    "birth_date",
    "gender",
    "nationality",
    "phones",
    "emails",
    "address",
    "identifiers",
)

# Extra records per entity that has any: 1-4 (clusters of 2-5), mostly one.
_EXTRA_WEIGHTS = (62, 23, 10, 5)
_EXTRA_MEAN = sum((k + 1) * w for k, w in enumerate(_EXTRA_WEIGHTS)) / sum(_EXTRA_WEIGHTS)
# With every new entity duplicated, this is the largest share of duplicate rows.
MAX_DUPLICATE_SHARE = 0.6

Token = tuple[str, ...]
"""One name part in each of a culture's writing schemes (index = scheme)."""


def _cum(weights: Sequence[float]) -> tuple[float, ...]:
    return tuple(accumulate(weights))


def _pick(rnd: Callable[[], float], cum: tuple[float, ...]) -> int:
    """Index drawn by cumulative weights; ``random.choices`` is several times slower."""
    return bisect(cum, rnd() * cum[-1])


@cache
def _zipf(n: int, exponent: float) -> tuple[float, ...]:
    return _cum([1 / (rank + 4) ** exponent for rank in range(n)])


def _common(rng: Random, n: int, exponent: float = 1.0) -> int:
    """An index into a name list ordered from common to rare: a few names are frequent
    and there is a long tail, as in a real population, instead of every name being
    equally common."""
    return _pick(rng.random, _zipf(n, exponent))


# --- keyboard slips -----------------------------------------------------------------------

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours() -> dict[str, str]:
    near: dict[str, str] = {}
    for r, row in enumerate(_ROWS):
        for c, key in enumerate(row):
            keys = [row[c - 1]] if c > 0 else []
            if c + 1 < len(row):
                keys.append(row[c + 1])
            for other in (r - 1, r + 1):
                if 0 <= other < len(_ROWS) and c < len(_ROWS[other]):
                    keys.append(_ROWS[other][c])
            near[key] = "".join(keys)
    return near


_NEAR = _neighbours()


def _slip(rng: Random, text: str) -> str:
    """One slip of the keyboard in one word: letters swapped, dropped, doubled, or a
    neighbouring key hit. Words shorter than four letters and words with combining
    marks (Thai vowels) are left alone: a slip there would not be a plausible typo."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    i = candidates[int(rng.random() * len(candidates))]
    word = words[i]
    pos = rng.randrange(1, len(word) - 1)
    roll = rng.random()
    if roll < 0.3:
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    elif roll < 0.55:
        word = word[:pos] + word[pos + 1 :]
    elif roll < 0.75:
        word = word[:pos] + word[pos] + word[pos:]
    else:
        char = word[pos]
        near = _NEAR.get(char.lower())
        if near:
            hit = near[int(rng.random() * len(near))]
            word = word[:pos] + (hit.upper() if char.isupper() else hit) + word[pos + 1 :]
        else:  # not a Latin key: the letter is lost instead
            word = word[:pos] + word[pos + 1 :]
    words[i] = word
    return " ".join(words)


# --- Ukrainian: Cyrillic and five Latin schemes ---------------------------------------------
# Scheme 0 Cyrillic, 1 Ukrainian national (KMU 2010), 2 Russian-style (a Russian speaker's
# respelling), 3 English / older passports, 4 German, 5 Polish.

_UA_NAT, _UA_RUS, _UA_ENG, _UA_DEU, _UA_POL = range(1, 6)

_UA_COMMON = {
    "а": "a", "б": "b", "д": "d", "е": "e", "з": "z", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "ґ": "g", "ь": "", "'": "", "’": "",
}  # fmt: skip
_UA_SPECIFIC: dict[int, dict[str, str | tuple[str, str]]] = {
    _UA_NAT: {
        "в": "v", "г": "h", "є": ("ye", "ie"), "ж": "zh", "и": "y", "і": "i", "ї": ("yi", "i"),
        "й": ("y", "i"), "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
        "ю": ("yu", "iu"), "я": ("ya", "ia"),
    },
    _UA_RUS: {
        "в": "v", "г": "g", "є": "ye", "ж": "zh", "и": "i", "і": "i", "ї": "yi", "й": "y",
        "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "yu", "я": "ya",
    },
    _UA_ENG: {
        "в": "v", "г": "h", "є": "ye", "ж": "zh", "и": "y", "і": "i", "ї": "yi", "й": "y",
        "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "yu", "я": "ya",
    },
    _UA_DEU: {
        "в": "w", "г": "h", "є": "je", "ж": "sch", "з": "s", "и": "y", "і": "i", "ї": "ji",
        "й": "j", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch", "ю": "ju",
        "я": "ja",
    },
    _UA_POL: {
        "в": "w", "г": "h", "є": ("je", "ie"), "ж": "ż", "и": "y", "і": "i", "ї": "ji",
        "й": "j", "х": "ch", "ц": "c", "ч": "cz", "ш": "sz", "щ": "szcz", "ю": ("ju", "iu"),
        "я": ("ja", "ia"),
    },
}  # fmt: skip


def _ua_tables() -> dict[int, dict[str, tuple[str, str]]]:
    """Per scheme, each letter as (at the start of a word, elsewhere)."""
    tables = {}
    for scheme, specific in _UA_SPECIFIC.items():
        table = {k: (v, v) for k, v in _UA_COMMON.items()}
        for k, v in specific.items():
            table[k] = v if isinstance(v, tuple) else (v, v)
        tables[scheme] = table
    return tables


_UA_TABLES = _ua_tables()
_UA_VOWELS = set("аеєиіїоуюя")
_UA_SOFT = set("іьяюєї")


def _ua_latin(word: str, scheme: int) -> str:
    """A Ukrainian Cyrillic word in one Latin scheme, by rule rather than by table, so
    that surnames and patronymics need no hand-written spellings."""
    table = _UA_TABLES[scheme]
    lower = word.lower()
    out: list[str] = []
    previous = ""
    for i, char in enumerate(lower):
        after_consonant = previous.isalpha() and previous not in _UA_VOWELS
        if scheme == _UA_NAT and char == "г" and previous == "з":
            text = "gh"  # зг → zgh, so that it is not read as zh
        elif scheme == _UA_POL and char == "л":
            following = lower[i + 1] if i + 1 < len(lower) else ""
            text = "l" if following in _UA_SOFT else "ł"
        elif scheme == _UA_POL:
            start, inner = table.get(char, (char, char))
            text = inner if after_consonant else start
        else:
            start, inner = table.get(char, (char, char))
            text = start if previous == "" else inner
        out.append(text)
        previous = char
    result = "".join(out)
    return result[:1].upper() + result[1:]


def _ua_token(cyrillic: str) -> Token:
    return (cyrillic, *(_ua_latin(cyrillic, s) for s in range(1, 6)))


# (Cyrillic, national, Russian-style, English/older, German, Polish, nickname in Cyrillic,
#  male patronymic, female patronymic); the Latin forms of given names follow convention
# (Alexander, Aleksander), not rules.
_UA_MALE_ROWS = (
    ("Олександр", "Oleksandr", "Aleksandr", "Alexander", "Alexander", "Aleksander", "Саша",
     "Олександрович", "Олександрівна"),
    ("Сергій", "Serhii", "Sergei", "Serhiy", "Sergej", "Siergiej", "", "Сергійович",
     "Сергіївна"),
    ("Андрій", "Andrii", "Andrei", "Andriy", "Andrej", "Andrzej", "", "Андрійович",
     "Андріївна"),
    ("Дмитро", "Dmytro", "Dmitry", "Dmytro", "Dmitrij", "Dmytro", "Діма", "Дмитрович",
     "Дмитрівна"),
    ("Микола", "Mykola", "Nikolai", "Mykola", "Nikolaj", "Mikołaj", "Коля", "Миколайович",
     "Миколаївна"),
    ("Володимир", "Volodymyr", "Vladimir", "Volodymyr", "Wladimir", "Włodzimierz", "Володя",
     "Володимирович", "Володимирівна"),
    ("Юрій", "Yurii", "Yuri", "Yuriy", "Jurij", "Jurij", "Юра", "Юрійович", "Юріївна"),
    ("Віктор", "Viktor", "Viktor", "Victor", "Viktor", "Wiktor", "Вітя", "Вікторович",
     "Вікторівна"),
    ("Іван", "Ivan", "Ivan", "Ivan", "Iwan", "Iwan", "Ваня", "Іванович", "Іванівна"),
    ("Петро", "Petro", "Pyotr", "Peter", "Pjotr", "Piotr", "Петя", "Петрович", "Петрівна"),
    ("Василь", "Vasyl", "Vasily", "Vasyl", "Wassyl", "Wasyl", "Вася", "Васильович",
     "Василівна"),
    ("Михайло", "Mykhailo", "Mikhail", "Mykhaylo", "Michail", "Michał", "Міша", "Михайлович",
     "Михайлівна"),
    ("Олег", "Oleh", "Oleg", "Oleg", "Oleg", "Oleg", "", "Олегович", "Олегівна"),
    ("Ігор", "Ihor", "Igor", "Igor", "Igor", "Igor", "", "Ігорович", "Ігорівна"),
    ("Богдан", "Bohdan", "Bogdan", "Bohdan", "Bohdan", "Bogdan", "", "Богданович",
     "Богданівна"),
    ("Тарас", "Taras", "Taras", "Taras", "Taras", "Taras", "", "Тарасович", "Тарасівна"),
    ("Максим", "Maksym", "Maksim", "Maxim", "Maxim", "Maksym", "Макс", "Максимович",
     "Максимівна"),
    ("Артем", "Artem", "Artyom", "Artem", "Artjom", "Artiom", "", "Артемович", "Артемівна"),
    ("Євген", "Yevhen", "Evgeny", "Yevgen", "Jewgeni", "Eugeniusz", "Женя", "Євгенович",
     "Євгенівна"),
    ("Роман", "Roman", "Roman", "Roman", "Roman", "Roman", "", "Романович", "Романівна"),
)  # fmt: skip
_UA_FEMALE_ROWS = (
    ("Олена", "Olena", "Elena", "Olena", "Jelena", "Helena", "Лена"),
    ("Наталія", "Nataliia", "Natalia", "Nataliya", "Natalja", "Natalia", "Наташа"),
    ("Ірина", "Iryna", "Irina", "Iryna", "Irina", "Irena", "Іра"),
    ("Оксана", "Oksana", "Oksana", "Oksana", "Oxana", "Oksana", ""),
    ("Юлія", "Yuliia", "Yulia", "Yuliya", "Julija", "Julia", "Юля"),
    ("Тетяна", "Tetiana", "Tatiana", "Tetyana", "Tatjana", "Tatiana", "Таня"),
    ("Світлана", "Svitlana", "Svetlana", "Svitlana", "Swetlana", "Swietłana", ""),
    ("Людмила", "Liudmyla", "Lyudmila", "Lyudmyla", "Ljudmila", "Ludmiła", "Люда"),
    ("Катерина", "Kateryna", "Ekaterina", "Kateryna", "Katerina", "Katarzyna", "Катя"),
    ("Анна", "Anna", "Anna", "Anna", "Anna", "Anna", "Аня"),
    ("Марія", "Mariia", "Maria", "Mariya", "Marija", "Maria", "Маша"),
    ("Ганна", "Hanna", "Anna", "Hanna", "Hanna", "Hanna", "Ганя"),
    ("Вікторія", "Viktoriia", "Viktoria", "Viktoriya", "Viktorija", "Wiktoria", "Віка"),
    ("Анастасія", "Anastasiia", "Anastasia", "Anastasiya", "Anastasija", "Anastazja", "Настя"),
    ("Галина", "Halyna", "Galina", "Halyna", "Galina", "Halina", "Галя"),
    ("Валентина", "Valentyna", "Valentina", "Valentyna", "Walentina", "Walentyna", "Валя"),
    ("Дарія", "Dariia", "Daria", "Dariya", "Darija", "Daria", "Даша"),
    ("Софія", "Sofiia", "Sofia", "Sofiya", "Sofija", "Zofia", "Соня"),
)  # fmt: skip
# Common surnames; -ський/-цький and -ов/-ін/-єв take a feminine ending.
_UA_SURNAMES = (
    "Коваленко", "Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Мельник", "Бойко",
    "Лисенко", "Поліщук", "Савченко", "Петренко", "Ковальчук", "Ткачук", "Кравчук",
    "Олійник", "Шевчук", "Коваль", "Марченко", "Руденко", "Мороз", "Савчук", "Романенко",
    "Гончаренко", "Лук'яненко", "Левченко", "Мельничук", "Литвиненко", "Кириленко",
    "Захарченко", "Демченко", "Пономаренко", "Клименко", "Павленко", "Харченко", "Білик",
    "Гнатюк", "Дмитренко", "Карпенко", "Кузьменко", "Яковенко", "Гриценко", "Сидоренко",
    "Ярошенко", "Онищенко", "Костенко", "Приходько", "Головко", "Сорока", "Кушнір",
    "Захарчук", "Гордієнко", "Юрченко", "Федоренко", "Нестеренко", "Зінченко", "Тарасенко",
    "Андрющенко", "Михайленко", "Бабенко", "Білоус", "Щербак", "Дячук", "Григоренко",
    "Гуменюк", "Ігнатенко", "Євтушенко", "Гаврилюк", "Остапенко", "Мазур", "Стеценко",
    "Вовк", "Кучер", "Жук", "Бабич", "Панченко", "Власенко", "Мартинюк", "Семенюк",
    "Тимчук", "Хоменко", "Яременко", "Ковальський", "Левицький", "Вишневський", "Заїка",
    "Кисіль", "Іванов", "Петров", "Васильєв", "Сидоров", "Павлов", "Морозов", "Ковтун",
    "Дорошенко", "Швець", "Бондар", "Гончар", "Рибак", "Шаповал", "Ященко", "Їжакевич",
    "Згурський", "Пилипчук", "Щербина", "Ющук", "Іваненко", "Степаненко", "Гавриленко",
    "Даниленко", "Семененко", "Петрук", "Іванюк", "Степанюк", "Остапчук", "Семенчук",
    "Петришин", "Іванишин", "Гринишин", "Федишин", "Петрів", "Іванів", "Стефанів", "Гринів",
    "Федорів", "Антоненко", "Вакуленко", "Тищенко", "Мирошниченко", "Назаренко", "Науменко",
    "Носенко", "Олексієнко", "Пархоменко", "Прокопенко", "Радченко", "Самойленко",
    "Сергієнко", "Сердюк", "Симоненко", "Скрипник", "Сушко", "Трохименко", "Фоменко",
    "Хмара", "Цимбал", "Чумак", "Шульга", "Юхименко", "Ярмоленко", "Бондарчук", "Гончарук",
    "Ковтуненко", "Гуцул", "Бурлака", "Довженко", "Кравець", "Коломієць", "Лозинський",
    "Мосійчук", "Олешко", "Павлюк", "Приймак", "Савицький", "Сахно", "Слободян", "Собко",
    "Стасюк", "Стельмах", "Тимощук", "Шаповаленко", "Шматко", "Яковчук", "Яремчук", "Ярема",
    "Осадчий", "Чорний", "Соловйов", "Воробйов", "Гладкий",
)  # fmt: skip


def _ua_feminine(surname: str) -> str:
    if surname.endswith("ий"):
        return surname[:-2] + "а"
    if surname.endswith(("ов", "ін", "єв")):
        return surname + "а"
    return surname


def _ua_nick(cyrillic: str) -> Token | None:
    return _ua_token(cyrillic) if cyrillic else None


_UA_MALE: tuple[tuple[Token, Token | None], ...] = tuple(
    (row[:6], _ua_nick(row[6])) for row in _UA_MALE_ROWS
)
_UA_FEMALE: tuple[tuple[Token, Token | None], ...] = tuple(
    (row[:6], _ua_nick(row[6])) for row in _UA_FEMALE_ROWS
)
_UA_PATRONYMICS: tuple[tuple[Token, Token], ...] = tuple(
    (_ua_token(row[7]), _ua_token(row[8])) for row in _UA_MALE_ROWS
)
_UA_FAMILIES: tuple[tuple[Token, Token], ...] = tuple(
    (_ua_token(s), _ua_token(_ua_feminine(s))) for s in _UA_SURNAMES
)

# --- Finnish: ä and ö as written, folded (a, o) or spelled out (ae, oe) ----------------------

_FOLD = str.maketrans("äöåÄÖÅ", "aoaAOA")
_SPELL = {"ä": "ae", "ö": "oe", "å": "aa", "Ä": "Ae", "Ö": "Oe", "Å": "Aa"}


def _fi_token(name: str) -> Token:
    return (name, name.translate(_FOLD), "".join(_SPELL.get(c, c) for c in name))


_FI_MALE = (
    "Mikko", "Juha", "Timo", "Jari", "Antti", "Janne", "Ville", "Sami", "Petri", "Jukka",
    "Matti", "Pekka", "Kari", "Markku", "Jyrki", "Tuomas", "Lauri", "Eero", "Väinö", "Onni",
    "Eetu", "Aleksi", "Juho", "Jouni", "Harri", "Esa", "Ilkka", "Mika", "Toni", "Jörgen",
)  # fmt: skip
_FI_MALE_MORE = (
    "Juhani", "Olavi", "Tapani", "Kalevi", "Ilmari", "Antero", "Johannes", "Mikael",
    "Kristian", "Henrik", "Väinö", "Petteri", "Kristoffer", "Sakari",
)  # fmt: skip
_FI_FEMALE = (
    "Anna", "Sanna", "Johanna", "Laura", "Tiina", "Päivi", "Riikka", "Hanna", "Minna", "Satu",
    "Kirsi", "Mervi", "Sari", "Heidi", "Jenni", "Elina", "Maria", "Emilia", "Aino",
    "Eveliina", "Tuula", "Pirjo", "Leena", "Sirpa", "Hilkka", "Kaisa", "Säde", "Mari",
    "Nelli", "Mirjami",
)  # fmt: skip
_FI_FEMALE_MORE = (
    "Maria", "Helena", "Kristiina", "Johanna", "Elisabet", "Annikki", "Orvokki", "Inkeri",
    "Sofia", "Aurora", "Märta", "Tellervo",
)  # fmt: skip
_FI_SURNAMES = (
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
    "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
    "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen",
    "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen",
    "Ahonen", "Hiltunen", "Kallio", "Leinonen", "Räsänen", "Miettinen", "Hirvonen",
    "Pitkänen", "Aaltonen", "Manninen", "Hyvönen", "Väisänen", "Lindroos", "Söderström",
    "Nyström", "Kärkkäinen", "Pöllänen", "Könönen", "Ylönen", "Östman", "Kähkönen",
    "Mäenpää", "Öhman", "Härkönen", "Sjöberg",
)  # fmt: skip
# Compound surnames (Kivimäki, Koskiranta, Metsälä) widen the pool the way real ones do.
_FI_FIRST = ("Kivi", "Koski", "Järvi", "Mäki", "Lahti", "Saari", "Ranta", "Lehti", "Niemi",
             "Kallio", "Metsä", "Aho", "Vuori", "Pelto", "Hiekka")  # fmt: skip
_FI_SECOND = ("mäki", "koski", "ranta", "saari", "lahti", "aho", "vaara", "niemi", "järvi",
              "lä", "maa")  # fmt: skip


def _fi_surnames() -> tuple[str, ...]:
    compounds = [a + b for a in _FI_FIRST for b in _FI_SECOND if a.lower() != b]
    # -lä only where the stem has front vowels (Metsälä, Mäkilä), by vowel harmony.
    compounds = [c for c in compounds if not c.endswith("lä") or "ä" in c[:-2]]
    return tuple(dict.fromkeys((*_FI_SURNAMES, *compounds)))


_FI_GIVEN = {
    "male": (tuple(map(_fi_token, _FI_MALE)), tuple(map(_fi_token, _FI_MALE_MORE))),
    "female": (tuple(map(_fi_token, _FI_FEMALE)), tuple(map(_fi_token, _FI_FEMALE_MORE))),
}
_FI_FAMILIES: tuple[tuple[Token, Token], ...] = tuple(
    (t, t) for t in map(_fi_token, _fi_surnames())
)

# --- Vietnamese: with or without diacritics -------------------------------------------------


def _vn_token(name: str) -> Token:
    return (name, _ascii(name))


_VN_SURNAMES = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 4),
    ("Phan", 4), ("Vũ", 3), ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 1.5), ("Hồ", 1.5),
    ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Trương", 1), ("Đinh", 0.8), ("Đào", 0.7),
    ("Mai", 0.5), ("Lâm", 0.5), ("Hà", 0.5), ("Tạ", 0.3), ("Cao", 0.3), ("Chu", 0.3),
)  # fmt: skip
_VN_FAMILIES: tuple[tuple[Token, Token], ...] = tuple(
    (_vn_token(n), _vn_token(n)) for n, _ in _VN_SURNAMES
)
_VN_FAMILY_CUM = _cum([w for _, w in _VN_SURNAMES])
_VN_MIDDLE = {
    "male": (("Văn", 55), ("Đức", 8), ("Minh", 8), ("Quốc", 6), ("Hữu", 6), ("Thanh", 6),
             ("Công", 5), ("Ngọc", 3), ("Xuân", 3)),
    "female": (("Thị", 60), ("Ngọc", 8), ("Thu", 6), ("Thanh", 6), ("Kim", 6), ("Mỹ", 5),
               ("Hồng", 5), ("Bích", 4)),
}  # fmt: skip
_VN_MIDDLE_TOKENS = {g: tuple(_vn_token(n) for n, _ in rows) for g, rows in _VN_MIDDLE.items()}
_VN_MIDDLE_CUM = {g: _cum([w for _, w in rows]) for g, rows in _VN_MIDDLE.items()}
_VN_GIVEN = {
    "male": tuple(map(_vn_token, (
        "An", "Hùng", "Tuấn", "Dũng", "Nam", "Long", "Hải", "Quang", "Thắng", "Phúc", "Minh",
        "Đức", "Huy", "Khoa", "Khánh", "Bảo", "Sơn", "Thành", "Trung", "Hiếu", "Vinh",
        "Cường", "Tài", "Tùng", "Phong", "Hoàng", "Duy", "Kiên", "Lâm", "Tâm",
    ))),
    "female": tuple(map(_vn_token, (
        "Lan", "Hương", "Mai", "Linh", "Trang", "Hoa", "Thảo", "Hằng", "Yến", "Nhung", "Anh",
        "Ngọc", "Phương", "Thủy", "Hà", "Vy", "Nhi", "Trâm", "Giang", "Hạnh", "Hồng", "Dung",
        "Uyên", "Thu", "Loan", "Quỳnh", "Diệp", "My", "Oanh", "Tuyết",
    ))),
}  # fmt: skip

# --- Romanian: comma below, the legacy cedilla, or no diacritics -----------------------------

_CEDILLA = str.maketrans("șțȘȚ", "şţŞŢ")


def _ro_token(name: str) -> Token:
    return (name, name.translate(_CEDILLA), _ascii(name))


_RO_GIVEN = {
    "male": tuple(map(_ro_token, (
        "Ionuț", "Andrei", "Mihai", "Florin", "Gheorghe", "Constantin", "Marian", "Cătălin",
        "Vasile", "Ștefan", "Alexandru", "Adrian", "Bogdan", "Cristian", "Daniel", "Dumitru",
        "Gabriel", "Ion", "Lucian", "Marius", "Nicolae", "Ovidiu", "Petru", "Răzvan", "Sorin",
        "Valentin", "Viorel", "Costel", "Cosmin", "Laurențiu",
    ))),
    "female": tuple(map(_ro_token, (
        "Ioana", "Elena", "Maria", "Andreea", "Mihaela", "Florentina", "Alexandra", "Ramona",
        "Georgiana", "Ana", "Cristina", "Daniela", "Gabriela", "Larisa", "Loredana",
        "Mădălina", "Nicoleta", "Oana", "Roxana", "Simona", "Ștefania", "Valentina",
        "Violeta", "Bianca", "Alina", "Anca", "Denisa", "Teodora", "Luminița", "Petruța",
    ))),
}  # fmt: skip
_RO_FAMILIES: tuple[tuple[Token, Token], ...] = tuple(
    (t, t)
    for t in map(_ro_token, (
        "Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Stoica", "Munteanu", "Lupu",
        "Rădulescu", "Țăranu", "Mușat", "Bălan", "Constantin", "Gheorghe", "Matei", "Ciobanu",
        "Radu", "Moldovan", "Marin", "Dinu", "Florea", "Ilie", "Tudor", "Barbu", "Nistor",
        "Șerban", "Dobre", "Cristea", "Anghel", "Enache", "Ene", "Vasile", "Mocanu", "Neagu",
        "Roman", "Preda", "Sandu", "Toma", "Oprea", "Voicu", "Stănescu", "Dumitrescu",
        "Georgescu", "Constantinescu", "Mihăilescu", "Niculescu", "Tănase", "Mărginean",
        "Bucur", "Pîrvu", "Lăcătuș", "Căldăraru", "Ștefănescu", "Mureșan", "Pașcu", "Fătu",
        "Țurcanu", "Cârstea", "Ursu", "Bîrsan", "Marinescu", "Vasilescu", "Petrescu",
        "Florescu", "Iordache", "Grigore", "Zamfir", "Manole", "Dragomir", "Nedelcu",
        "Paraschiv", "Stanciu", "Sârbu", "Lungu", "Rusu", "Costache", "Ungureanu", "Moraru",
        "Pavel", "Cojocaru", "Avram", "Coman", "Diaconu", "Drăgan", "Stoian", "Manea",
        "Iancu", "Iacob", "Zaharia", "Tudose", "Dobrescu", "Popovici", "Tănăsescu", "Păun",
        "Bratu", "Chirilă", "Sima", "Oancea", "Ghiță", "Pătrașcu", "Bădescu", "Țurcan",
    ))
)  # fmt: skip

# --- Nigerian: one Latin spelling; short forms, order swaps and typos ------------------------

_NG_MALE = (
    ("Chukwuemeka", "Emeka"), ("Oluwaseun", "Seun"), ("Ikechukwu", "Ike"),
    ("Babatunde", "Tunde"), ("Chinedu", ""), ("Ifeanyi", "Ify"), ("Osaro", ""), ("Efosa", ""),
    ("Olumide", "Mide"), ("Adewale", "Wale"), ("Oluwafemi", "Femi"), ("Olusegun", "Segun"),
    ("Nnamdi", ""), ("Obinna", ""), ("Uchenna", "Uche"), ("Emmanuel", "Emma"),
    ("Samuel", "Sam"), ("Godwin", ""), ("Friday", ""), ("Sunday", ""), ("Kingsley", ""),
    ("Osagie", ""), ("Osaretin", "Osas"), ("Ehimare", "Ehis"),
)  # fmt: skip
_NG_FEMALE = (
    ("Chioma", ""), ("Ngozi", ""), ("Blessing", ""), ("Adaeze", "Ada"),
    ("Funmilayo", "Funmi"), ("Precious", ""), ("Oluwakemi", "Kemi"), ("Osasere", "Osas"),
    ("Esohe", ""), ("Joy", ""), ("Favour", ""), ("Gift", ""), ("Mercy", ""), ("Peace", ""),
    ("Chinwe", ""), ("Nneka", ""), ("Amarachi", "Amara"), ("Folake", ""),
    ("Titilayo", "Titi"), ("Omolara", "Lara"), ("Yetunde", "Yetty"), ("Ifeoma", "Ify"),
)  # fmt: skip
_NG_GIVEN = {
    "male": tuple(((g,), (s,) if s else None) for g, s in _NG_MALE),
    "female": tuple(((g,), (s,) if s else None) for g, s in _NG_FEMALE),
}
_NG_FAMILIES: tuple[tuple[Token, Token], ...] = tuple(
    ((n,), (n,))
    for n in (
        "Okonkwo", "Adeyemi", "Okafor", "Eze", "Nwosu", "Adebayo", "Balogun", "Osagie",
        "Igbinedion", "Omoregie", "Ogbeide", "Eghosa", "Okoro", "Obi", "Nwachukwu", "Okeke",
        "Ogunleye", "Adeleke", "Oyelaran", "Ojo", "Adewale", "Bello", "Ibrahim", "Usman",
        "Abubakar", "Osayande", "Edosomwan", "Iyamu", "Aigbe", "Ehigiator", "Uwaifo",
        "Idahosa", "Nosakhare", "Okpara", "Ugochukwu", "Chukwu", "Onyeka", "Nnaji", "Ezeh",
        "Agbaje", "Akinola", "Afolabi", "Oladipo", "Ogunbiyi", "Akande", "Oyewole",
        "Adeniyi", "Osaghae", "Ekhator", "Imasuen", "Olawale", "Odukoya", "Onuoha", "Anyanwu",
        "Nwankwo", "Ogbonna", "Okwuosa", "Emeka", "Olatunji", "Oyebanji", "Adesanya",
        "Ogundipe", "Ibekwe", "Uzoma", "Aghedo", "Erhabor", "Ighodaro", "Osunde", "Okundaye",
        "Oronsaye", "Ehiorobo", "Obasuyi",
    )
)  # fmt: skip

# --- Thai: Thai script, RTGS, the usual passport spelling, another popular one -------------

# (Thai, RTGS, usual, popular)
_TH_MALE = (
    ("สมชาย", "Somchai", "Somchai", "Somchay"), ("สมศักดิ์", "Somsak", "Somsak", "Somsuk"),
    ("ประเสริฐ", "Prasoet", "Prasert", "Prasert"), ("วิชัย", "Wichai", "Wichai", "Vichai"),
    ("อนุชา", "Anucha", "Anucha", "Anuchar"), ("สุรชัย", "Surachai", "Surachai", "Surachay"),
    ("ธนากร", "Thanakon", "Thanakorn", "Tanakorn"), ("กิตติ", "Kitti", "Kitti", "Kittee"),
    ("ณัฐพล", "Natthaphon", "Nattaphon", "Nattapol"), ("สมบัติ", "Sombat", "Sombat", "Sombut"),
    ("ชัยวัฒน์", "Chaiwat", "Chaiwat", "Chaiwath"), ("บุญมี", "Bunmi", "Boonmee", "Boonmee"),
    ("ธีรพงษ์", "Thiraphong", "Teerapong", "Teerapong"),
    ("อภิชาติ", "Aphichat", "Apichat", "Apichart"),
)  # fmt: skip
_TH_FEMALE = (
    ("สมหญิง", "Somying", "Somying", "Somyhing"), ("มาลี", "Mali", "Malee", "Malee"),
    ("วันเพ็ญ", "Wanphen", "Wanphen", "Wanpen"), ("สุดา", "Suda", "Suda", "Sudaa"),
    ("นภา", "Napha", "Napha", "Napa"), ("ศิริพร", "Siriphon", "Siriporn", "Siriporn"),
    ("กนกวรรณ", "Kanokwan", "Kanokwan", "Kanokwun"), ("ปราณี", "Prani", "Pranee", "Pranee"),
    ("รัชนี", "Ratchani", "Ratchanee", "Rachanee"),
    ("นงลักษณ์", "Nongluk", "Nongluck", "Nonglak"), ("จินตนา", "Chintana", "Jintana", "Jintana"),
    ("สุนิสา", "Sunisa", "Sunisa", "Soonisa"), ("พรทิพย์", "Phonthip", "Pornthip", "Porntip"),
    ("ดวงใจ", "Duangchai", "Duangjai", "Duangjai"), ("อัจฉรา", "Atchara", "Atchara", "Achara"),
    ("วิไล", "Wilai", "Wilai", "Vilai"),
)  # fmt: skip
# Everyday nicknames, unrelated to the given name, as Thais use them.
_TH_NICKS = (
    ("นก", "Nok"), ("น้อย", "Noi"), ("เล็ก", "Lek"), ("ปู", "Poo"), ("แดง", "Daeng"),
    ("ตุ๊ก", "Tuk"), ("ต้อม", "Tom"), ("เอ", "Ae"), ("บี", "Bee"), ("จอย", "Joy"),
    ("แอน", "Ann"), ("กุ้ง", "Kung"), ("ไก่", "Kai"), ("หนิง", "Ning"), ("ฝน", "Fon"),
)  # fmt: skip
# Surnames are compounds; each part romanised in the three Latin schemes.
_TH_PARTS = (
    ("ศรี", "Si", "Sri", "Sri"), ("สุข", "suk", "suk", "sook"), ("ทอง", "thong", "thong", "tong"),
    ("ดี", "di", "dee", "dee"), ("บุญ", "bun", "boon", "boon"), ("แสง", "saeng", "saeng", "sang"),
    ("มา", "ma", "ma", "ma"), ("วงศ์", "wong", "wong", "vong"), ("ชัย", "chai", "chai", "chay"),
    ("เจริญ", "charoen", "charoen", "jaroen"), ("รัตน์", "rat", "rat", "rut"),
    ("กุล", "kun", "kul", "kul"), ("สมบัติ", "sombat", "sombat", "sombut"),
    ("พงษ์", "phong", "pong", "pong"), ("แก้ว", "kaeo", "kaew", "kaew"),
    ("คำ", "kham", "kham", "kum"), ("เพชร", "phet", "phet", "pet"), ("อินทร์", "in", "in", "inn"),
    ("ภักดี", "phakdi", "pakdee", "pukdee"), ("ศิริ", "siri", "siri", "sirri"),
    ("สวัสดิ์", "sawat", "sawat", "sawad"), ("มงคล", "mongkhon", "mongkol", "mongkon"),
    ("นาค", "nak", "nak", "nark"), ("ทรัพย์", "sap", "sap", "sub"),
    ("พรหม", "phrom", "phrom", "prom"), ("ใจ", "chai", "jai", "jai"),
    ("เรือง", "rueang", "ruang", "rueng"), ("สิทธิ์", "sit", "sit", "sith"),
    ("วัฒนา", "watthana", "wattana", "wadtana"), ("ประเสริฐ", "prasoet", "prasert", "prasert"),
)  # fmt: skip


def _th_surname(first: Token, second: Token) -> Token:
    return (
        first[0] + second[0],
        *((first[k] + second[k]).capitalize() for k in (1, 2, 3)),
    )


_TH_GIVEN = {
    "male": tuple((row, None) for row in _TH_MALE),
    "female": tuple((row, None) for row in _TH_FEMALE),
}
_TH_NICK_TOKENS: tuple[Token, ...] = tuple((t, lat, lat, lat) for t, lat in _TH_NICKS)
_TH_FAMILIES: tuple[tuple[Token, Token], ...] = tuple(
    (s, s) for s in (_th_surname(a, b) for a in _TH_PARTS for b in _TH_PARTS if a[0] != b[0])
)

# --- Chinese: Han characters, pinyin joined, hyphenated or spaced ----------------------------

_CN_SURNAMES = (
    ("王", "Wang", 7), ("李", "Li", 7), ("张", "Zhang", 7), ("刘", "Liu", 5), ("陈", "Chen", 4.5),
    ("杨", "Yang", 3), ("黄", "Huang", 2.5), ("赵", "Zhao", 2), ("吴", "Wu", 2), ("周", "Zhou", 2),
    ("徐", "Xu", 1.5), ("孙", "Sun", 1.5), ("马", "Ma", 1.5), ("朱", "Zhu", 1.3), ("胡", "Hu", 1.3),
    ("郭", "Guo", 1.2), ("何", "He", 1.1), ("林", "Lin", 1), ("高", "Gao", 1), ("罗", "Luo", 1),
    ("郑", "Zheng", 1), ("梁", "Liang", 0.9), ("谢", "Xie", 0.8), ("宋", "Song", 0.7),
    ("唐", "Tang", 0.7), ("邓", "Deng", 0.6), ("冯", "Feng", 0.6), ("韩", "Han", 0.6),
    ("曹", "Cao", 0.5), ("彭", "Peng", 0.5),
)  # fmt: skip
_CN_FAMILIES: tuple[tuple[Token, Token], ...] = tuple(
    ((h, p, p, p), (h, p, p, p)) for h, p, _ in _CN_SURNAMES
)
_CN_FAMILY_CUM = _cum([w for _, _, w in _CN_SURNAMES])
_CN_SYLLABLES = {
    "male": (
        ("伟", "wei"), ("磊", "lei"), ("军", "jun"), ("强", "qiang"), ("涛", "tao"), ("杰", "jie"),
        ("建", "jian"), ("华", "hua"), ("志", "zhi"), ("明", "ming"), ("勇", "yong"), ("斌", "bin"),
        ("鹏", "peng"), ("浩", "hao"), ("宇", "yu"), ("晨", "chen"), ("轩", "xuan"), ("博", "bo"),
        ("文", "wen"), ("海", "hai"), ("国", "guo"), ("平", "ping"), ("东", "dong"), ("龙", "long"),
    ),
    "female": (
        ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("芳", "fang"), ("燕", "yan"),
        ("秀", "xiu"), ("英", "ying"), ("晓", "xiao"), ("红", "hong"), ("玲", "ling"),
        ("婷", "ting"), ("雪", "xue"), ("慧", "hui"), ("梅", "mei"), ("琳", "lin"), ("欣", "xin"),
        ("佳", "jia"), ("怡", "yi"), ("萍", "ping"), ("霞", "xia"), ("月", "yue"), ("兰", "lan"),
    ),
}  # fmt: skip


def _cn_given(syllables: Sequence[tuple[str, str]]) -> dict[int, tuple[Token, ...]]:
    """Given names of one and of two syllables: (Han, joined, hyphenated, spaced)."""
    singles = tuple((h, p.capitalize(), p.capitalize(), p.capitalize()) for h, p in syllables)
    doubles = tuple(
        (h1 + h2, (p1 + p2).capitalize(), f"{p1.capitalize()}-{p2}",
         f"{p1.capitalize()} {p2.capitalize()}")
        for h1, p1 in syllables
        for h2, p2 in syllables
        if h1 != h2
    )  # fmt: skip
    return {1: singles, 2: doubles}


_CN_GIVEN = {g: _cn_given(s) for g, s in _CN_SYLLABLES.items()}

# --- Iraqi: usual and other Latin spelling; the al- particle varies per record ------------

_IQ_MALE = (
    ("Ahmed", "Ahmad"), ("Mohammed", "Muhammad"), ("Ali", "Aly"), ("Hussein", "Husain"),
    ("Mustafa", "Mustapha"), ("Haider", "Hayder"), ("Omar", "Umar"), ("Karim", "Kareem"),
    ("Hassan", "Hasan"), ("Abbas", "Abas"), ("Ibrahim", "Ebrahim"), ("Yousif", "Yusuf"),
    ("Khalid", "Khaled"), ("Saad", "Sa'ad"), ("Salam", "Salaam"), ("Ammar", "Amar"),
    ("Zaid", "Zayd"), ("Mahmoud", "Mahmood"), ("Abdullah", "Abdallah"), ("Jassim", "Jasim"),
    ("Kadhim", "Kazem"), ("Qasim", "Kasim"), ("Sami", "Samy"), ("Riyadh", "Riyad"),
)  # fmt: skip
_IQ_FEMALE = (
    ("Fatima", "Fatimah"), ("Zainab", "Zaynab"), ("Noor", "Nur"), ("Maryam", "Mariam"),
    ("Sara", "Sarah"), ("Huda", "Houda"), ("Shahad", "Shahd"), ("Aya", "Ayah"),
    ("Hawraa", "Hawra"), ("Zahraa", "Zahra"), ("Ruqaya", "Ruqayya"), ("Duaa", "Doaa"),
    ("Israa", "Esraa"), ("Sanaa", "Sana"), ("Layla", "Leila"), ("Amal", "Amel"),
    ("Iman", "Eman"), ("Nadia", "Nadiya"), ("Suha", "Souha"),
)  # fmt: skip
_IQ_GIVEN = {
    "male": tuple((row, None) for row in _IQ_MALE),
    "female": tuple((row, None) for row in _IQ_FEMALE),
}
_IQ_FAMILIES: tuple[tuple[Token, Token], ...] = tuple(
    (row, row)
    for row in (
        ("Jubouri", "Jubori"), ("Saadi", "Sa'adi"), ("Obaidi", "Ubaidi"), ("Tamimi", "Temimi"),
        ("Rubaie", "Rubaye"), ("Khafaji", "Khafajy"), ("Dulaimi", "Dulaymi"),
        ("Zubaidi", "Zubaydi"), ("Shammari", "Shamari"), ("Janabi", "Jenabi"),
        ("Hashimi", "Hashemi"), ("Bayati", "Bayyati"), ("Kubaisi", "Kubaysi"), ("Ani", "Aani"),
        ("Azzawi", "Azawi"), ("Mashhadani", "Mashadani"), ("Husseini", "Husaini"),
        ("Musawi", "Mousawi"), ("Maliki", "Malki"), ("Lami", "Lamy"), ("Kaabi", "Ka'abi"),
        ("Qaisi", "Kaisi"), ("Fatlawi", "Fetlawi"), ("Karbalai", "Karbalaei"),
        ("Jaff", "Jaf"), ("Khazraji", "Khazrajy"), ("Shimmari", "Shemmari"),
        ("Sudani", "Soudani"), ("Baghdadi", "Bagdadi"), ("Tikriti", "Tekriti"),
    )
)  # fmt: skip
# How the particle is written: attached by hyphen, detached, glued on, Egyptian-style El-,
# or left out altogether.
_IQ_PARTICLES = ("al-", "Al-", "Al ", "Al", "El-", "el-", "")
_IQ_PARTICLE_CUM = _cum((40, 20, 8, 6, 6, 2, 18))


# --- origins --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Parts:
    """The name of one synthetic person, as tokens; ``given_key`` and ``mid_key`` let
    relatives inherit (a child's patronymic is the father's given name)."""

    given: tuple[Token, ...]
    given_key: int
    middle: tuple[Token, ...]
    mid_key: int
    fam: int
    nick: Token | None


_Maker = Callable[[Random, str, int, int], _Parts]


@dataclass(frozen=True, slots=True)
class _Origin:
    """How people of one background are named and how their names get written."""

    culture: Culture  # nationality, phone prefixes and lengths
    weight: float  # share of the population
    female_share: float
    families: tuple[tuple[Token, Token], ...]  # (as for a man, as for a woman)
    make: _Maker
    passport_cum: tuple[float, ...]  # the spelling in the person's documents, by scheme
    record_cum: tuple[float, ...]  # the spelling a record uses when not the documents'
    passport_pattern: str  # L letter, # digit, anything else literal
    script: int = -1  # index of the non-Latin script scheme, if any
    han: bool = False  # in the script, family and given name are written without a space
    family_first: float = 0.25  # share of full names written family name first
    middle_before: bool = False  # Vietnamese middle names come before the given name
    middle_in_given: float = 0.0
    middle_in_family: float = 0.0
    middle_in_full: float = 0.0
    middle_first_only: float = 1.0  # of several middle names, only the first is written
    all_given: float = 1.0  # a record carries every given name, not just the first
    spouse_shares_family: float = 0.0


def _make_ua(rng: Random, gender: str, fam: int, mid_key: int) -> _Parts:
    pool = _UA_FEMALE if gender == "female" else _UA_MALE
    key = _common(rng, len(pool), 0.7)
    given, nick = pool[key]
    if fam < 0:
        fam = _common(rng, len(_UA_FAMILIES))
    if mid_key < 0:
        mid_key = int(rng.random() * len(_UA_PATRONYMICS))
    patronymic = _UA_PATRONYMICS[mid_key][gender == "female"]
    return _Parts((given,), key, (patronymic,), mid_key, fam, nick)


def _make_fi(rng: Random, gender: str, fam: int, mid_key: int) -> _Parts:
    first, more = _FI_GIVEN["female" if gender == "female" else "male"]
    key = _common(rng, len(first), 0.7)
    given = [first[key]]
    roll = rng.random()
    if roll < 0.75:  # Finns usually have two or three given names in the register
        extra = [t for t in rng.sample(more, 2) if t[0] != first[key][0]]
        given.extend(extra[: 2 if roll < 0.12 else 1])
    if fam < 0:
        fam = _common(rng, len(_FI_FAMILIES))
    return _Parts(tuple(given), key, (), -1, fam, None)


def _make_vn(rng: Random, gender: str, fam: int, mid_key: int) -> _Parts:
    sex = "female" if gender == "female" else "male"
    key = _common(rng, len(_VN_GIVEN[sex]), 0.7)
    if fam < 0:
        fam = _pick(rng.random, _VN_FAMILY_CUM)
    middles = _VN_MIDDLE_TOKENS[sex]
    middle = [middles[_pick(rng.random, _VN_MIDDLE_CUM[sex])]]
    if rng.random() < 0.12:  # Nguyễn Thị Thu Hương: a second middle name
        second = middles[rng.randrange(1, len(middles))]
        if second != middle[0]:
            middle.append(second)
    return _Parts((_VN_GIVEN[sex][key],), key, tuple(middle), -1, fam, None)


def _make_ro(rng: Random, gender: str, fam: int, mid_key: int) -> _Parts:
    pool = _RO_GIVEN["female" if gender == "female" else "male"]
    key = _common(rng, len(pool), 0.7)
    given = [pool[key]]
    if rng.random() < 0.35:  # Ana Maria, Ionuț Alexandru
        other = pool[int(rng.random() * len(pool))]
        if other != given[0]:
            given.append(other)
    if fam < 0:
        fam = _common(rng, len(_RO_FAMILIES))
    return _Parts(tuple(given), key, (), -1, fam, None)


def _make_ng(rng: Random, gender: str, fam: int, mid_key: int) -> _Parts:
    pool = _NG_GIVEN["female" if gender == "female" else "male"]
    key = _common(rng, len(pool), 0.7)
    given, nick = pool[key]
    names = [given]
    if rng.random() < 0.45:  # a second given name from either tradition
        other = pool[int(rng.random() * len(pool))][0]
        if other != given:
            names.append(other)
    if fam < 0:
        fam = _common(rng, len(_NG_FAMILIES))
    return _Parts(tuple(names), key, (), -1, fam, nick)


def _make_th(rng: Random, gender: str, fam: int, mid_key: int) -> _Parts:
    pool = _TH_GIVEN["female" if gender == "female" else "male"]
    key = _common(rng, len(pool), 0.7)
    if fam < 0:
        fam = int(rng.random() * len(_TH_FAMILIES))
    nick = _TH_NICK_TOKENS[int(rng.random() * len(_TH_NICK_TOKENS))]
    return _Parts((pool[key][0],), key, (), -1, fam, nick)


def _make_cn(rng: Random, gender: str, fam: int, mid_key: int) -> _Parts:
    sex = "female" if gender == "female" else "male"
    pool = _CN_GIVEN[sex][1 if rng.random() < 0.3 else 2]  # mostly two syllables
    key = int(rng.random() * len(pool))
    if fam < 0:
        fam = _pick(rng.random, _CN_FAMILY_CUM)
    return _Parts((pool[key],), key, (), -1, fam, None)


def _make_iq(rng: Random, gender: str, fam: int, mid_key: int) -> _Parts:
    pool = _IQ_GIVEN["female" if gender == "female" else "male"]
    key = _common(rng, len(pool), 0.7)
    if mid_key < 0:
        # Father's and grandfather's given names follow the person's own.
        # A son is not named after his father here, so the father's name is another.
        fathers = [i for i in range(len(_IQ_MALE)) if gender == "female" or i != key]
        father, grandfather = rng.sample(fathers, 2)
        mid_key = father * 1000 + grandfather
    middle = (_IQ_MALE[mid_key // 1000], _IQ_MALE[mid_key % 1000])
    if fam < 0:
        fam = _common(rng, len(_IQ_FAMILIES))
    return _Parts((pool[key][0],), key, middle, mid_key, fam, None)


_BY_KEY = {c.key: c for c in CULTURES}
_UKRAINIAN = _Origin(
    _BY_KEY["ukrainian"], 22, 0.6, _UA_FAMILIES, _make_ua,
    passport_cum=_cum((0, 70, 8, 22, 0, 0)),  # national; older passports English-style
    record_cum=_cum((30, 22, 22, 10, 8, 8)),
    passport_pattern="LL######",
    script=0,
    family_first=0.3,  # the official Cyrillic order is family, given, patronymic
    middle_in_given=0.05,
    middle_in_full=0.12,
    spouse_shares_family=0.85,
)  # fmt: skip
_FINNISH = _Origin(
    _BY_KEY["finnish"], 17, 0.4, _FI_FAMILIES, _make_fi,
    passport_cum=_cum((1, 0, 0)),
    record_cum=_cum((80, 15, 5)),
    passport_pattern="LL#######",
    all_given=0.3,
    spouse_shares_family=0.7,
)  # fmt: skip
_VIETNAMESE = _Origin(
    _BY_KEY["vietnamese"], 12, 0.5, _VN_FAMILIES, _make_vn,
    passport_cum=_cum((0, 1)),  # Vietnamese passports print no diacritics
    record_cum=_cum((40, 60)),
    passport_pattern="L#######",
    family_first=0.6,
    middle_before=True,
    middle_in_given=0.5,
    middle_in_family=0.06,
    middle_in_full=0.75,
    middle_first_only=0.4,
)  # fmt: skip
_THAI = _Origin(
    _BY_KEY["thai"], 10, 0.7, _TH_FAMILIES, _make_th,
    passport_cum=_cum((0, 25, 60, 15)),
    record_cum=_cum((25, 20, 35, 20)),
    passport_pattern="LL#######",
    script=0,
    family_first=0.1,
    spouse_shares_family=0.6,
)  # fmt: skip
_ROMANIAN = _Origin(
    _BY_KEY["romanian"], 10, 0.5, _RO_FAMILIES, _make_ro,
    passport_cum=_cum((1, 0, 0)),
    record_cum=_cum((55, 15, 30)),
    passport_pattern="#########",
    all_given=0.6,
    spouse_shares_family=0.85,
)  # fmt: skip
_NIGERIAN = _Origin(
    _BY_KEY["nigerian"], 10, 0.7, _NG_FAMILIES, _make_ng,
    passport_cum=_cum((1,)),
    record_cum=_cum((1,)),
    passport_pattern="L########",
    family_first=0.3,
    all_given=0.5,
    spouse_shares_family=0.8,
)  # fmt: skip
_IRAQI = _Origin(
    _BY_KEY["iraqi"], 10, 0.4, _IQ_FAMILIES, _make_iq,
    passport_cum=_cum((75, 25)),
    record_cum=_cum((60, 40)),
    passport_pattern="L########",
    family_first=0.05,
    middle_in_given=0.25,
    middle_in_full=0.7,
    middle_first_only=0.7,
)  # fmt: skip
_CHINESE = _Origin(
    _BY_KEY["chinese"], 9, 0.6, _CN_FAMILIES, _make_cn,
    passport_cum=_cum((0, 1, 0, 0)),
    record_cum=_cum((20, 55, 10, 15)),
    passport_pattern="E########",
    script=0,
    han=True,
    family_first=0.6,
)  # fmt: skip
_ORIGINS = (_UKRAINIAN, _FINNISH, _VIETNAMESE, _THAI, _ROMANIAN, _NIGERIAN, _IRAQI, _CHINESE)
_ORIGIN_CUM = _cum([o.weight for o in _ORIGINS])


# --- phones, e-mails, addresses --------------------------------------------------------------

# How the national significant number is grouped when written with spaces.
_GROUPS = {"FI": (2, 3, 4), "VN": (2, 3, 2, 2), "NG": (3, 3, 4), "RO": (3, 3, 3),
           "UA": (2, 3, 4), "TH": (2, 3, 4), "CN": (3, 4, 4), "IQ": (3, 3, 4)}  # fmt: skip
_CALLING_CODES = {"FI": "358", "VN": "84", "NG": "234", "RO": "40", "UA": "380", "TH": "66",
                  "CN": "86", "IQ": "964"}  # fmt: skip

_Phone = tuple[str, str, str]  # calling code, national significant number, grouped


def _new_phone(rng: Random, culture: Culture) -> _Phone:
    """A valid mobile number: the prefixes in ``synthetic.CULTURES`` are whole ranges of
    valid numbers (checked in the tests with ``phonenumbers``), so any completion is."""
    prefixes = culture.phone_prefixes
    prefix = prefixes[int(rng.random() * len(prefixes))]
    width = culture.phone_length - len(prefix)
    nsn = f"{prefix}{int(rng.random() * 10**width):0{width}d}"
    parts = []
    start = 0
    for size in _GROUPS[culture.nationality]:
        parts.append(nsn[start : start + size])
        start += size
    return (_CALLING_CODES[culture.nationality], nsn, " ".join(parts))


def _phone_text(r: float, phone: _Phone) -> str:
    """The number as someone wrote it; national formats only for Finnish numbers,
    because a linkage engine reads national numbers as numbers of the deployment."""
    cc, nsn, grouped = phone
    if cc == "358":
        if r < 0.2:
            return f"+358{nsn}"
        if r < 0.4:
            return f"+358 {grouped}"
        if r < 0.65:
            return f"0{grouped}"
        if r < 0.8:
            return f"0{nsn}"
        if r < 0.9:
            return f"0{nsn[:2]}-{nsn[2:]}"
        return f"00358{nsn}"
    if r < 0.35:
        return f"+{cc}{nsn}"
    if r < 0.7:
        return f"+{cc} {grouped}"
    if r < 0.88:
        return f"00{cc}{nsn}"
    return f"+{cc}-{grouped.replace(' ', '-')}"


_EMAIL_DOMAINS = ("example.com", "example.fi", "example.org")

_MORE_STREETS = (
    "Mannerheimintie", "Aleksanterinkatu", "Fredrikinkatu", "Itäinen Pitkäkatu", "Hämeenkatu",
    "Kalevankatu", "Sibeliuksenkatu", "Linnankatu", "Kirkkotie", "Koulutie", "Mäkitie",
    "Rinnetie", "Harjutie", "Lehtotie", "Tikkurilantie", "Myyrmäentie", "Kauppatie",
    "Mäntytie", "Kuusikuja", "Pihlajatie", "Länsiväylä", "Itäväylä", "Ojatie", "Kievarinkuja",
)  # fmt: skip


def _abbreviate(street: str) -> str:
    for long, short in (("katu", "k."), ("tie", "t."), ("kuja", "kj."), ("väylä", "vl.")):
        if street.endswith(long):
            return street[: -len(long)] + short
    return street


_Address = tuple[int, int, str, int, int]  # street, house number, staircase, flat, place


@dataclass(frozen=True, slots=True)
class _Places:
    streets: tuple[tuple[str, str, str], ...]  # (name, abbreviated, without ä/ö)
    places: tuple[tuple[str, str, str], ...]  # (municipality, postcode, without ä/ö)
    place_cum: tuple[float, ...]


def _places() -> _Places:
    deployment = load_deployment()
    hints = deployment.synthetic
    names = tuple(dict.fromkeys((*hints.streets, *_MORE_STREETS)))
    streets = tuple((s, _abbreviate(s), s.translate(_FOLD)) for s in names)
    towns = [m for m in deployment.municipalities if m.postal_code]
    places = tuple((m.name.fi, m.postal_code or "", m.name.fi.translate(_FOLD)) for m in towns)
    weights = [hints.municipality_weights.get(m.name.fi, 1) for m in towns]
    return _Places(streets, places, _cum(weights))


# --- entities -------------------------------------------------------------------------------


class _Entity:
    """One synthetic person and what the agencies may know of them."""

    __slots__ = (
        "address",
        "birth",
        "eid",
        "emails",
        "family",
        "gender",
        "nationality",
        "origin",
        "particle",
        "parts",
        "passport",
        "phones",
        "scheme",
    )

    def __init__(
        self,
        eid: str,
        origin: _Origin,
        gender: str,
        parts: _Parts,
        birth: tuple[int, int, int],
        scheme: int,
        particle: int,
        nationality: str,
    ) -> None:
        self.eid = eid
        self.origin = origin
        self.gender = gender
        self.parts = parts
        self.family: Token = origin.families[parts.fam][gender == "female"]
        self.birth = birth
        self.scheme = scheme
        self.particle = particle
        self.nationality = nationality
        self.phones: list[_Phone] = []
        self.emails: list[str] = []
        self.address: _Address | None = None
        self.passport: str | None = None


_FIRST_ORDINAL = date(1935, 1, 1).toordinal()
_LAST_YEAR = 2011


def _date_in(rng: Random, year: int) -> tuple[int, int, int]:
    year = min(max(year, 1935), _LAST_YEAR)
    start = date(year, 1, 1).toordinal()
    day = date.fromordinal(start + int(rng.random() * (366 if year % 4 == 0 else 365)))
    return (day.year, day.month, day.day)


def _birth_text(
    rnd: Callable[[], float], rng: Random, birth: tuple[int, int, int], dup: bool
) -> str:
    """The birth date as one record has it: often partial, sometimes wrong."""
    year, month, day = birth
    r = rnd()
    if r < 0.14:
        return ""
    if r < 0.30:
        if rnd() < 0.08:  # only the year was known, and someone typed 1 January
            return f"{year:04d}-01-01"
        return f"{year:04d}"
    if r < 0.38:
        return f"{year:04d}-{month:02d}"
    e = rnd() * (1.0 if dup else 3.0)
    if e < 0.035 and day <= 12 and day != month:
        month, day = day, month  # day and month swapped (US-style or misread)
    elif e < 0.065:
        year += 1 if rnd() < 0.5 else -1
        if month == 2 and day == 29:
            day = 28
    elif e < 0.08:
        day = 1 + rng.randrange(28)  # a wrong day, still a real date
    return f"{year:04d}-{month:02d}-{day:02d}"


class _People:
    """The generator's state: pending duplicates, recent people (for relatives and
    namesakes), recent addresses (for shared housing)."""

    def __init__(self, n: int, seed: int, duplicate_share: float) -> None:
        if n < 0:
            raise ValueError("n must not be negative")
        if not 0.0 <= duplicate_share <= MAX_DUPLICATE_SHARE:
            raise ValueError(f"duplicate_share must be between 0 and {MAX_DUPLICATE_SHARE}")
        self.n = n
        self.rng = Random(seed)
        self.places = _places()
        # Share of new people who get extra records, so that extras make up
        # ``duplicate_share`` of all rows.
        share = duplicate_share
        self.dup_rate = min(1.0, share / ((1.0 - share) * _EXTRA_MEAN)) if share else 0.0
        self.extra_cum = _cum(_EXTRA_WEIGHTS)
        # Extra records follow the first after a spread of rows (mean ~ n/8, capped so the
        # pending queue stays small at 10^6 rows).
        self.spread = max(10.0, min(n / 8, 30_000.0))
        self.pending: list[tuple[int, int, _Entity]] = []
        self.sequence = 0
        self.entities = 0
        self.recent: list[_Entity] = []
        self.housing: list[_Address] = []

    # -- people

    def new_entity(self) -> _Entity:
        rng = self.rng
        rnd = rng.random
        self.entities += 1
        eid = f"E{self.entities:07d}"
        roll = rnd()
        if self.recent and roll < 0.1:
            anchor = self.recent[int(rng.random() * len(self.recent))]
            relative = roll < 0.075
            entity = self.relative(eid, anchor) if relative else self.namesake(eid, anchor)
        else:
            origin = _ORIGINS[_pick(rnd, _ORIGIN_CUM)]
            gender = "female" if rnd() < origin.female_share else "male"
            parts = origin.make(rng, gender, -1, -1)
            year = (
                rng.randint(2006, _LAST_YEAR)
                if rnd() < 0.04
                else round(rng.triangular(1955, 2006, 1992))
            )
            entity = self.person(eid, origin, gender, parts, _date_in(rng, year))
            self.contacts(entity)
        recent = self.recent
        if len(recent) < 4096:
            recent.append(entity)
        else:
            recent[int(rnd() * 4096)] = entity
        return entity

    def person(
        self,
        eid: str,
        origin: _Origin,
        gender: str,
        parts: _Parts,
        birth: tuple[int, int, int],
        nationality: str | None = None,
    ) -> _Entity:
        rng = self.rng
        if nationality is None:
            nationality = origin.culture.nationality
            if origin is not _FINNISH and rng.random() < 0.04:
                nationality = "FI"  # naturalised
        return _Entity(
            eid,
            origin,
            gender,
            parts,
            birth,
            _pick(rng.random, origin.passport_cum),
            _pick(rng.random, _IQ_PARTICLE_CUM),
            nationality,
        )

    def contacts(self, entity: _Entity) -> None:
        """Own phones, e-mails, address and passport of a person."""
        rng = self.rng
        rnd = rng.random
        origin = entity.origin
        count = 0 if (r := rnd()) < 0.22 else 1 if r < 0.8 else 2
        for _ in range(count):
            local = origin is _FINNISH or rnd() < 0.55  # a Finnish SIM
            entity.phones.append(_new_phone(rng, _FINNISH.culture if local else origin.culture))
        r = rnd()
        if r < 0.27:
            entity.emails.append(self.email(entity))
            if r < 0.03:
                entity.emails.append(self.email(entity))
        if rnd() < 0.48:
            entity.address = self.address(shared=rnd() < 0.05)
        if rnd() < (0.15 if origin is _FINNISH else 0.32):
            entity.passport = self.passport(origin.passport_pattern)

    def relative(self, eid: str, anchor: _Entity) -> _Entity:
        """A spouse, sibling, parent or child, or twin of ``anchor``: shares the family
        name, often the address and a phone, but is another person."""
        rng = self.rng
        rnd = rng.random
        origin = anchor.origin
        y = anchor.birth[0]
        kind = rnd()
        if kind < 0.3:  # spouse
            gender = "female" if anchor.gender == "male" else "male"
            fam = anchor.parts.fam if rnd() < origin.spouse_shares_family else -1
            parts = origin.make(rng, gender, fam, -1)
            birth = _date_in(rng, y + rng.randint(-8, 8))
        elif kind < 0.88:  # sibling, parent or child, twin
            gender = "female" if rnd() < origin.female_share else "male"
            mid_key = -1
            if kind < 0.55:  # sibling: same parents
                mid_key = anchor.parts.mid_key
                birth = _date_in(rng, y + rng.choice((-1, 1)) * rng.randint(1, 12))
            elif kind < 0.8:  # parent or child
                older = rnd() < 0.5 or y > 2000
                birth = _date_in(rng, y + (-1 if older else 1) * rng.randint(19, 38))
                if not older and anchor.gender == "male" and origin is _UKRAINIAN:
                    mid_key = anchor.parts.given_key  # the child's patronymic
                elif not older and anchor.gender == "male" and origin is _IRAQI:
                    mid_key = anchor.parts.given_key * 1000 + anchor.parts.mid_key // 1000
            else:  # twin: the same birth date, another given name
                mid_key = anchor.parts.mid_key
                birth = anchor.birth
            parts = origin.make(rng, gender, anchor.parts.fam, mid_key)
            for _ in range(10):
                if parts.given[0] != anchor.parts.given[0]:
                    break
                parts = origin.make(rng, gender, anchor.parts.fam, mid_key)
        else:  # a cousin or in-law sharing only the family name
            gender = "female" if rnd() < origin.female_share else "male"
            parts = origin.make(rng, gender, anchor.parts.fam, -1)
            birth = _date_in(rng, y + rng.randint(-15, 15))
        entity = self.person(eid, origin, gender, parts, birth, anchor.nationality)
        self.contacts(entity)
        if kind < 0.88:
            if anchor.address is not None and rnd() < 0.85:
                entity.address = anchor.address
            if anchor.phones and rnd() < 0.6:
                entity.phones.insert(0, anchor.phones[0])  # the household phone
        return entity

    def namesake(self, eid: str, anchor: _Entity) -> _Entity:
        """Someone else with the same name: another birth date, phone and address."""
        rng = self.rng
        y = anchor.birth[0]
        year = y + rng.choice((-1, 1)) * rng.randint(1, 25)
        entity = self.person(eid, anchor.origin, anchor.gender, anchor.parts, _date_in(rng, year))
        self.contacts(entity)
        return entity

    def email(self, entity: _Entity) -> str:
        rng = self.rng
        scheme = entity.scheme
        given = _ascii(entity.parts.given[0][scheme]).lower().replace(" ", "").replace("'", "")
        family = _ascii(entity.family[scheme]).lower().replace(" ", "").replace("'", "")
        style = rng.randrange(5)
        if style == 0:
            local = f"{given}.{family}"
        elif style == 1:
            local = f"{given}{family}{entity.birth[0] % 100:02d}"
        elif style == 2:
            local = f"{given[:1]}{family}"
        elif style == 3 and entity.parts.nick is not None:
            nick = entity.parts.nick
            local = f"{_ascii(nick[min(1, len(nick) - 1)]).lower()}_{family}"
        else:
            local = f"{given}{rng.randint(1, 999)}"
        return f"{local}@{_EMAIL_DOMAINS[rng.randrange(3)]}"

    def address(self, shared: bool) -> _Address:
        rng = self.rng
        if shared and self.housing:
            # Unrelated workers housed together by an employer.
            return self.housing[int(rng.random() * len(self.housing))]
        places = self.places
        r = rng.random()
        staircase = "" if r < 0.25 else "as" if r < 0.42 else "ABCDEF"[int(rng.random() * 6)]
        address = (
            int(rng.random() * len(places.streets)),
            1 + int(rng.random() * 120),
            staircase,
            1 + int(rng.random() * 60),
            _pick(rng.random, places.place_cum),
        )
        if len(self.housing) < 2000:
            self.housing.append(address)
        else:
            self.housing[int(rng.random() * 2000)] = address
        return address

    def passport(self, pattern: str) -> str:
        rnd = self.rng.random
        out = []
        for char in pattern:
            if char == "L":
                out.append("ABCDEFGHJKLMNPRSTUVWXYZ"[int(rnd() * 23)])
            elif char == "#":
                out.append("0123456789"[int(rnd() * 10)])
            else:
                out.append(char)
        return "".join(out)

    # -- records

    def name_fields(self, e: _Entity, dup: bool) -> tuple[str, str, str]:
        rng = self.rng
        rnd = rng.random
        o = e.origin
        p = e.parts
        scheme = e.scheme if rnd() < (0.45 if dup else 0.75) else _pick(rnd, o.record_cum)
        native = scheme == o.script

        tokens = p.given if len(p.given) == 1 or rnd() < o.all_given else p.given[:1]
        if p.nick is not None and rnd() < (0.07 if dup else 0.02):
            given = p.nick[scheme]
        elif len(tokens) == 1:
            given = tokens[0][scheme]
        else:
            given = " ".join(t[scheme] for t in tokens)
        family = e.family[scheme]
        middles = p.middle
        if o is _IRAQI:
            if rnd() < 0.04:
                # The grandfather's name in the family field, as some documents have it.
                family = middles[-1][scheme]
                middles = middles[:-1]
            else:
                which = (
                    e.particle if rnd() < (0.5 if dup else 0.8) else _pick(rnd, _IQ_PARTICLE_CUM)
                )
                particle = _IQ_PARTICLES[which]
                family = particle + (family.lower() if particle == "Al" else family)

        if rnd() < (0.12 if dup else 0.03):
            if rnd() < 0.5:
                given = _slip(rng, given)
            else:
                family = _slip(rng, family)

        middle = ""
        if middles:
            if len(middles) == 1 or rnd() < o.middle_first_only:
                middle = middles[0][scheme]
            else:
                middle = " ".join(t[scheme] for t in middles)

        given_field, family_field = given, family
        if middle:
            r = rnd()
            if r < o.middle_in_given:
                given_field = f"{middle} {given}" if o.middle_before else f"{given} {middle}"
            elif r < o.middle_in_given + o.middle_in_family:
                family_field = f"{family} {middle}"

        r = rnd()
        split = r < 0.65  # 40 % split only, 25 % both, 35 % only a full name
        full = ""
        if r >= 0.4:
            full_given = given
            if middle and rnd() < o.middle_in_full:
                full_given = f"{middle} {given}" if o.middle_before else f"{given} {middle}"
            if native and o.han:
                full = f"{family}{full_given}"  # Han: family first, no space
            elif rnd() < o.family_first:
                shown = family.upper() if not native and rnd() < 0.45 else family
                full = f"{shown} {full_given}"
            else:
                full = f"{full_given} {family}"
        if not split:
            given_field = family_field = ""
        elif rnd() < 0.03:
            given_field, family_field = family_field, given_field  # fields swapped

        r = rnd()
        if r < 0.04:
            return given_field.upper(), family_field.upper(), full.upper()
        if r < 0.05:
            return given_field.lower(), family_field.lower(), full.lower()
        return given_field, family_field, full

    def address_text(self, address: _Address) -> str:
        rnd = self.rng.random
        s, number, staircase, flat, place = address
        street, abbreviated, street_plain = self.places.streets[s]
        town, postcode, town_plain = self.places.places[place]
        if staircase == "":
            unit = f"{number}"
        elif staircase == "as":
            unit = f"{number} as {flat}" if rnd() < 0.7 else f"{number} as. {flat}"
        else:
            unit = f"{number} {staircase} {flat}"
        r = rnd()
        if r < 0.55:
            return f"{street} {unit}, {postcode} {town}"
        if r < 0.67:
            return f"{street} {unit}, {town}"
        if r < 0.74:
            return f"{street} {unit}, {postcode} {town}".lower()
        if r < 0.82:
            return f"{abbreviated} {unit}, {postcode} {town}"
        if r < 0.88:
            return f"{street} {unit} {postcode} {town}"
        if r < 0.93:
            return f"{street} {unit.replace(' ', '')}, {postcode} {town}"
        if r < 0.97:
            return f"{street} {unit}"
        return f"{street_plain} {unit}, {postcode} {town_plain.upper()}"

    def passport_text(self, e: _Entity, dup: bool) -> str:
        rnd = self.rng.random
        number = e.passport or ""
        if dup and rnd() < 0.03:  # a misread character
            i = int(self.rng.random() * len(number))
            char = number[i]
            swap = {"0": "O", "O": "0", "1": "I", "8": "B", "B": "8"}.get(char)
            if swap is None:
                swap = str((int(char) + 1) % 10) if char.isdigit() else "X"
            number = number[:i] + swap + number[i + 1 :]
        r = rnd()
        if r < 0.45:
            return f"{e.origin.culture.nationality}:{number}"
        if r < 0.85:
            return number
        if r < 0.93:
            return f"{number[:2]} {number[2:]}"
        return number.lower()

    def record(self, row: int, e: _Entity, dup: bool) -> list[str]:
        rng = self.rng
        rnd = rng.random
        given, family, full = self.name_fields(e, dup)
        birth = _birth_text(rnd, rng, e.birth, dup)
        gender = "" if rnd() < (0.12 if dup else 0.08) else e.gender
        nationality = e.nationality
        r = rnd()
        if r < 0.1:
            nationality = ""
        elif dup and r < 0.11 and nationality != "FI":
            nationality = "FI"  # one agency noted the residence country instead

        if dup and rnd() < 0.07:  # a new SIM since the earlier record
            local = e.origin is _FINNISH or rnd() < 0.7
            e.phones.append(_new_phone(rng, _FINNISH.culture if local else e.origin.culture))
        phones = ""
        if e.phones and rnd() < 0.82:
            if len(e.phones) == 1:
                phones = _phone_text(rnd(), e.phones[0])
            elif rnd() < 0.5:
                phones = "|".join(_phone_text(rnd(), p) for p in e.phones[-2:])
            else:
                phones = _phone_text(rnd(), e.phones[int(rng.random() * len(e.phones))])

        emails = ""
        if e.emails and rnd() < 0.7:
            email = (
                e.emails[0] if len(e.emails) == 1 else e.emails[int(rng.random() * len(e.emails))]
            )
            r = rnd()
            if r < 0.12:
                user, _, domain = email.partition("@")
                email = f"{'.'.join(w.capitalize() for w in user.split('.'))}@{domain}"
            elif r < 0.16:
                email = email.upper()
            emails = email

        if dup and rnd() < 0.05:  # moved since
            e.address = self.address(shared=False)
        address = self.address_text(e.address) if e.address and rnd() < 0.6 else ""
        identifiers = self.passport_text(e, dup) if e.passport and rnd() < 0.45 else ""
        return [
            f"R{row + 1:07d}",
            given,
            family,
            full,
            birth,
            gender,
            nationality,
            phones,
            emails,
            address,
            identifiers,
        ]

    def rows(self) -> Iterator[tuple[list[str], str]]:
        rng = self.rng
        rnd = rng.random
        n = self.n
        pending = self.pending
        for i in range(n):
            if pending and pending[0][0] <= i:
                entity = heapq.heappop(pending)[2]
                yield self.record(i, entity, True), entity.eid
                continue
            entity = self.new_entity()
            if self.dup_rate and rnd() < self.dup_rate:
                for _ in range(_pick(rnd, self.extra_cum) + 1):
                    due = i + 1 + int(rng.expovariate(1.0 / self.spread))
                    if due >= n and n - i > 1:
                        due = i + 1 + rng.randrange(n - i - 1)
                    self.sequence += 1
                    heapq.heappush(pending, (due, self.sequence, entity))
            yield self.record(i, entity, False), entity.eid


def generate_people(
    n: int, seed: int = 1, *, duplicate_share: float = 0.35
) -> Iterator[tuple[dict[str, str], str]]:
    """``n`` synthetic person rows in the linkage CSV shape, each with the id of the
    synthetic identity behind it (``"E0000001"`` …), the same ones for the same seed.

    About ``duplicate_share`` of the rows are extra records of a person already seen
    (clusters of 2-5 rows, mostly 2), written differently; at most ``MAX_DUPLICATE_SHARE``.
    Row ids are ``"R0000001"`` … in order.
    """
    for values, entity_id in _People(n, seed, duplicate_share).rows():
        yield dict(zip(COLUMNS, values, strict=True)), entity_id


def write_dataset(
    out: Path,
    n: int,
    seed: int = 1,
    *,
    truth: Path | None = None,
    split: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    duplicate_share: float = 0.35,
) -> None:
    """Write the ``n`` rows of ``generate_people(n, seed)`` as CSV (UTF-8, with header).

    ``truth`` receives ``id,entity_id`` for every row. With ``split``, each row goes at
    random to ``out`` or ``split``, so that a person's records are spread over both files
    (two-file link mode); the truth covers both. ``progress(done, n)`` is called every
    10,000 rows and at the end, because a million rows take a while.
    """
    people = _People(n, seed, duplicate_share)
    # A generator of its own, so that the rows are those of generate_people either way.
    chooser = Random(f"split:{seed}")
    with ExitStack() as stack:

        def writer(path: Path) -> Any:
            handle = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
            return csv.writer(handle)

        main = writer(out)
        main.writerow(COLUMNS)
        other = writer(split) if split is not None else None
        if other is not None:
            other.writerow(COLUMNS)
        truth_rows = writer(truth) if truth is not None else None
        if truth_rows is not None:
            truth_rows.writerow(("id", "entity_id"))
        done = 0
        for values, entity_id in people.rows():
            if other is not None and chooser.random() < 0.5:
                other.writerow(values)
            else:
                main.writerow(values)
            if truth_rows is not None:
                truth_rows.writerow((values[0], entity_id))
            done += 1
            if progress is not None and done % 10_000 == 0:
                progress(done, n)
        if progress is not None and (done == 0 or done % 10_000):
            progress(done, n)
