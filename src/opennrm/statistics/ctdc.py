"""A CTDC-shaped, k-anonymous release of victim records.

The Counter-Trafficking Data Collaborative (CTDC, IOM and partners) publishes one row per
victim with a fixed set of columns (`COLUMNS`, the names of its Global Dataset) and
missing values written -99. Before release CTDC k-anonymises the rows with k = 11: no
combination of quasi-identifying values may occur fewer than eleven times, so no query
returns fewer than ten people. We release in the same shape under the same rule, so that
the rows can be pooled with CTDC's and read with its codebook.

How the release is made k-anonymous (full-domain generalisation with record suppression,
as in Incognito, LeFevre et al. 2005, and ARX): every quasi-identifier has a hierarchy
of ever coarser values (age band → broader band → minor/adult → -99; country → world
region → -99; year → two-year → five-year period → -99; detailed form of exploitation →
broad form → -99; gender → female/male only → -99). Each combination of levels is one
candidate release; with five short hierarchies there are 432, so all are tried
(vectorised: a national register takes seconds). A candidate is acceptable when the
records left in groups smaller than k are no more than the suppression budget; of those,
the one that loses least is released, and its small groups are suppressed. Loss: the
mean over the quasi-identifiers of the share of each one's information (entropy) the
coarsening removes, plus the share of records suppressed; coarsening that merges nothing
in the data at hand costs nothing.

Every column derived from a quasi-identifier (majorityStatus from ageBroad,
isForcedLabour from typeOfExploitConcatenated, ...) is computed from the released,
coarsened value, so it cannot give the original back.

Pure: rows in, rows and a report out.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from opennrm.signals.codes import is_country_code
from opennrm.statistics.facts import UNKNOWN, VictimRow
from opennrm.statistics.htcds import methods_of_control

MISSING: Final = -99
"""CTDC's value for 'not known or not released'."""

DEFAULT_K: Final = 11
DEFAULT_MAX_SUPPRESSION: Final = 0.05
"""Share of the records that may be suppressed instead of coarsening further."""

Cell = str | int

COLUMNS: Final = (
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "majorityEntry",
    "citizenship",
    "meansOfControlDebtBondage",
    "meansOfControlTakesEarnings",
    "meansOfControlRestrictsFinancialAccess",
    "meansOfControlThreats",
    "meansOfControlPsychologicalAbuse",
    "meansOfControlPhysicalAbuse",
    "meansOfControlSexualAbuse",
    "meansOfControlFalsePromises",
    "meansOfControlPsychoactiveSubstances",
    "meansOfControlRestrictsMovement",
    "meansOfControlRestrictsMedicalCare",
    "meansOfControlExcessiveWorkingHours",
    "meansOfControlUsesChildren",
    "meansOfControlThreatOfLawEnforcement",
    "meansOfControlWithholdsNecessities",
    "meansOfControlWithholdsDocuments",
    "meansOfControlOther",
    "meansOfControlNotSpecified",
    "meansOfControlConcatenated",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isForcedMarriage",
    "isForcedMilitary",
    "isOrganRemoval",
    "isSlaveryAndPractices",
    "typeOfExploitConcatenated",
    "typeOfLabourAgriculture",
    "typeOfLabourAquafarming",
    "typeOfLabourBegging",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfLabourIllicitActivities",
    "typeOfLabourManufacturing",
    "typeOfLabourMiningOrDrilling",
    "typeOfLabourPeddling",
    "typeOfLabourTransportation",
    "typeOfLabourOther",
    "typeOfLabourNotSpecified",
    "typeOfLabourConcatenated",
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "typeOfSexRemoteInteractiveServices",
    "typeOfSexPrivateSexualServices",
    "typeOfSexConcatenated",
    "isAbduction",
    "RecruiterRelationship",
    "CountryOfExploitation",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
    "recruiterRelationUnknown",
)
"""The 63 columns of CTDC's Global Dataset, in its order."""

YEAR: Final = "yearOfRegistration"
GENDER: Final = "gender"
AGE: Final = "ageBroad"
CITIZENSHIP: Final = "citizenship"
EXPLOITATION: Final = "typeOfExploitConcatenated"
QUASI_IDENTIFIERS: Final = (YEAR, GENDER, AGE, CITIZENSHIP, EXPLOITATION)
_PREFERENCE: Final = (AGE, CITIZENSHIP, YEAR, EXPLOITATION, GENDER)
"""Which quasi-identifier to coarsen first when two have as many distinct values."""

LEVELS: Final[Mapping[str, tuple[str, ...]]] = {
    YEAR: ("year", "two-year period", "five-year period", "suppressed (-99)"),
    GENDER: (
        "Female/Male/Transgender/NonConforming",
        "Female/Male, other genders -99",
        "suppressed (-99)",
    ),
    AGE: (
        "CTDC age bands (0--8 ... 48+)",
        "0--17/18--29/30--47/48+",
        "0--17/18+",
        "suppressed (-99)",
    ),
    CITIZENSHIP: ("country (ISO 3166-1 alpha-2)", "world region (UN M49)", "suppressed (-99)"),
    EXPLOITATION: (
        "detailed forms",
        "Forced labour/Sexual exploitation/Other",
        "suppressed (-99)",
    ),
}
"""The generalisation hierarchy of each quasi-identifier, finest first."""

GENDERS: Final[Mapping[str, Cell]] = {
    "female": "Female",
    "male": "Male",
    "other": "Transgender/NonConforming",
}

AGE_BANDS: Final = (
    (0, 8, "0--8"),
    (9, 17, "9--17"),
    (18, 20, "18--20"),
    (21, 23, "21--23"),
    (24, 26, "24--26"),
    (27, 29, "27--29"),
    (30, 38, "30--38"),
    (39, 47, "39--47"),
    (48, 200, "48+"),
)
"""CTDC's ageBroad bands (age at registration)."""

_BROADER_AGE: Final[Mapping[str, str]] = {
    "0--8": "0--17",
    "9--17": "0--17",
    "18--20": "18--29",
    "21--23": "18--29",
    "24--26": "18--29",
    "27--29": "18--29",
    "30--38": "30--47",
    "39--47": "30--47",
    "48+": "48+",
    "0--17": "0--17",
    "18--29": "18+",
    "30--47": "18+",
    "18+": "18+",
}
_MINOR_BANDS: Final = frozenset({"0--8", "9--17", "0--17"})

_FORMS: Final[Mapping[str, str]] = {
    "labour": "Forced labour",
    "child_labour": "Forced labour",
    "begging": "Forced labour",
    "forced_criminality": "Forced labour",
    "sexual": "Sexual exploitation",
    "forced_marriage": "Forced marriage",
    "forced_military": "Forced military",
    "organ_removal": "Organ removal",
    "servitude": "Slavery and similar practices",
    "forced_adoption": "Other",
    "surrogacy": "Other",
    "benefit_fraud": "Other",
    "other": "Other",
}
"""Our exploitation codes → CTDC's forms (typeOfExploitConcatenated)."""
_FORM_ORDER: Final = (
    "Forced labour",
    "Sexual exploitation",
    "Forced marriage",
    "Forced military",
    "Organ removal",
    "Slavery and similar practices",
    "Other",
)
_LABOUR_DETAIL: Final[Mapping[str, str]] = {
    "begging": "Begging",
    "forced_criminality": "IllicitActivities",
}
"""Forms CTDC counts as a sector of forced labour (typeOfLabour...)."""
_LABOUR_LABELS: Final[Mapping[str, str]] = {
    "Begging": "Begging",
    "IllicitActivities": "Illicit activities",
}
_OTHER_FORM_FLAGS: Final[Mapping[str, str]] = {
    "isForcedMarriage": "Forced marriage",
    "isForcedMilitary": "Forced military",
    "isOrganRemoval": "Organ removal",
    "isSlaveryAndPractices": "Slavery and similar practices",
}

CONTROLS: Final[Mapping[str, tuple[str, str]]] = {
    "DebtBondage": ("DebtBondage", "Debt bondage"),
    "TakesEarnings": ("TakesEarnings", "Takes earnings"),
    "RestrictsFinancialAccess": ("RestrictsFinancialAccess", "Restricts financial access"),
    "PhysicalThreats": ("Threats", "Threats"),
    "ThreatensChildrenFamily": ("Threats", "Threats"),
    "PsychologicalAbuse": ("PsychologicalAbuse", "Psychological abuse"),
    "PhysicalAbuse": ("PhysicalAbuse", "Physical abuse"),
    "SexualAbuse": ("SexualAbuse", "Sexual abuse"),
    "FalsePromises": ("FalsePromises", "False promises"),
    "PsychoactiveSubstance": ("PsychoactiveSubstances", "Psychoactive substances"),
    "RestrictsMovement": ("RestrictsMovement", "Restricts movement"),
    "RestrictsMedicalCare": ("RestrictsMedicalCare", "Restricts medical care"),
    "ExcessiveWorkingHours": ("ExcessiveWorkingHours", "Excessive working hours"),
    "ThreatsLawEnforcement": ("ThreatOfLawEnforcement", "Threat of law enforcement"),
    "WithholdsNecessities": ("WithholdsNecessities", "Withholds necessities"),
    "WithholdsDocuments": ("WithholdsDocuments", "Withholds documents"),
    "Other": ("Other", "Other"),
}
"""HTCDS vic_MethodsOfControl → CTDC meansOfControl column suffix and label."""
_CONTROL_ORDER: Final = tuple(
    c.removeprefix("meansOfControl")
    for c in COLUMNS
    if c.startswith("meansOfControl")
    and c not in ("meansOfControlNotSpecified", "meansOfControlConcatenated")
)
"""The meansOfControl flag columns, without the prefix, in CTDC's order."""

# UN M49 regions (UN Statistics Division, "Standard country or area codes for statistical
# use"), by ISO 3166-1 alpha-2. Antarctica (AQ) belongs to none and is released as -99.
_M49 = {
    "Africa": """
        DZ EG LY MA SD TN EH IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM
        ZW AO CM CF TD CG CD GQ GA ST BW SZ LS NA ZA BJ BF CV CI GM GH GN GW LR ML MR NE NG
        SH SN SL TG
    """,
    "Americas": """
        AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI
        BZ CR SV GT HN MX NI PA AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE BM CA GL PM
        US
    """,
    "Asia": """
        KZ KG TJ TM UZ CN HK MO KP JP MN KR TW BN KH ID LA MY MM PH SG TH TL VN AF BD BT IN
        IR MV NP PK LK AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE
    """,
    "Europe": """
        BY BG CZ HU PL MD RO RU SK UA AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB AL AD
        BA HR GI GR VA IT MT ME MK PT SM RS SI ES AT BE FR DE LI LU MC NL CH
    """,
    "Oceania": """
        AU CX CC HM NZ NF FJ NC PG SB VU GU KI MH FM NR MP PW UM AS CK PF NU PN WS TK TO TV
        WF
    """,
}
REGIONS: Final[Mapping[str, str]] = {
    code: region for region, block in _M49.items() for code in block.split()
}


@dataclass(frozen=True)
class CtdcVictim:
    """A victim row with what CTDC needs beyond `facts.VictimRow`: the exact age at
    registration (for CTDC's age bands; the fact rows carry only coarser age groups)."""

    row: VictimRow
    age: int | None = None


@dataclass(frozen=True)
class KAnonymityReport:
    """What the release did to be k-anonymous."""

    k: int
    quasi_identifiers: tuple[str, ...]
    levels: tuple[tuple[str, str], ...]
    """Each quasi-identifier with the hierarchy level it was released at."""
    steps: tuple[str, ...]
    """The generalisations applied, in order."""
    records_in: int
    excluded: int
    """Rows not released because their status is not a victim's (not_identified)."""
    suppressed: int
    released: int
    smallest_group: int | None
    """Size of the smallest group of equal quasi-identifiers released (>= k)."""


@dataclass(frozen=True)
class CtdcRelease:
    rows: list[dict[str, Cell]]
    report: KAnonymityReport


@dataclass(frozen=True)
class _Record:
    year: int
    gender: str
    age: tuple[int, Cell]
    """The finest known age value and its hierarchy level."""
    nationality: str
    forms: tuple[str, ...]
    detail: tuple[str, ...]
    controls: tuple[str, ...]


def anonymise(
    victims: Iterable[VictimRow | CtdcVictim],
    *,
    k: int = DEFAULT_K,
    max_suppression: float = DEFAULT_MAX_SUPPRESSION,
    datasource: str = "Case Management",
    country_of_exploitation: str | None = None,
    statuses: Iterable[str] = ("presumed", "identified"),
) -> CtdcRelease:
    """The k-anonymous CTDC rows of the victims, and how they were made so.

    Only victims with one of `statuses` are released (CTDC holds victims; a person the
    assistance system decided is not one is left out and counted as excluded).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if not 0 <= max_suppression <= 1:
        raise ValueError("max_suppression is a share between 0 and 1")
    wanted = frozenset(statuses)
    given = [v if isinstance(v, CtdcVictim) else CtdcVictim(v) for v in victims]
    records = [_record(v) for v in given if v.row.status in wanted]
    budget = math.floor(max_suppression * len(records))

    levels = _best_levels(records, k, budget)
    steps = [f"{q}: {LEVELS[q][level]}" for q in _PREFERENCE for level in range(1, levels[q] + 1)]
    sizes = Counter(_key(r, levels) for r in records)
    kept = [r for r in records if sizes[_key(r, levels)] >= k]
    rows = sorted(
        (_row(r, levels, datasource, country_of_exploitation) for r in kept),
        key=lambda row: tuple(str(row[c]) for c in COLUMNS),
    )
    released = [n for n in sizes.values() if n >= k]
    report = KAnonymityReport(
        k=k,
        quasi_identifiers=QUASI_IDENTIFIERS,
        levels=tuple((q, LEVELS[q][levels[q]]) for q in QUASI_IDENTIFIERS),
        steps=tuple(steps),
        records_in=len(given),
        excluded=len(given) - len(records),
        suppressed=len(records) - len(kept),
        released=len(kept),
        smallest_group=min(released) if released else None,
    )
    return CtdcRelease(rows, report)


def _best_levels(records: list[_Record], k: int, budget: int) -> dict[str, int]:
    """The least lossy levels at which no more than `budget` records need suppressing.

    Equal records are counted once with a weight, and each quasi-identifier's values at
    each level are numbered, so that a candidate's groups are one vectorised count.
    """
    heights = [len(LEVELS[q]) - 1 for q in QUASI_IDENTIFIERS]
    if not records:
        return dict.fromkeys(QUASI_IDENTIFIERS, 0)
    distinct = Counter(records)
    unique = list(distinct)
    weights = np.array([distinct[r] for r in unique], dtype=np.float64)
    codes = [
        [_numbered([_value(q, r, level) for r in unique]) for level in range(len(LEVELS[q]))]
        for q in QUASI_IDENTIFIERS
    ]
    entropy = [[_information_lost(c, weights) for c in per_level] for per_level in codes]
    # The share of each quasi-identifier's information a level removes; merging nothing
    # in the data at hand costs nothing, whatever the level.
    lost = [[1 - e / row[0] if row[0] > 0 else 0.0 for e in row] for row in entropy]
    # Even fully coarsened, too few records: the top is chosen and all are suppressed.
    chosen: tuple[int, ...] = tuple(heights)
    best: tuple[float, int, tuple[int, ...]] | None = None
    for node in itertools.product(*(range(h + 1) for h in heights)):
        sizes = _group_sizes([codes[i][level] for i, level in enumerate(node)], weights)
        small = float(sizes[sizes < k].sum())
        if small > budget:
            continue
        loss = sum(lost[i][level] for i, level in enumerate(node)) / len(node)
        loss += small / len(records)
        # Ties: more distinct groups keep more detail; then coarsen age before gender.
        order = tuple(node[QUASI_IDENTIFIERS.index(q)] for q in reversed(_PREFERENCE))
        candidate = (loss, -len(sizes), order)
        if best is None or candidate < best:
            best, chosen = candidate, node
    return dict(zip(QUASI_IDENTIFIERS, chosen, strict=True))


def _numbered(values: list[Cell]) -> NDArray[np.int64]:
    index: dict[Cell, int] = {}
    return np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)


def _group_sizes(
    columns: list[NDArray[np.int64]], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """How many records share each combination of the numbered values."""
    key = np.zeros(len(weights), dtype=np.int64)
    span = 1
    for column in columns:
        radix = int(column.max()) + 1
        span *= radix
        if span >= 2**62:  # mixed-radix key would overflow: renumber what is seen so far
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
            span = (int(key.max()) + 1) * radix
        key = key * radix + column
    inverse = np.unique(key, return_inverse=True)[1]
    return np.bincount(inverse, weights=weights).astype(np.float64)


def _information_lost(column: NDArray[np.int64], weights: NDArray[np.float64]) -> float:
    """Entropy (bits) of one quasi-identifier's values over the records; turned into a
    share lost below."""
    counts = np.bincount(column, weights=weights)
    shares = counts[counts > 0] / counts.sum()
    return float(-(shares * np.log2(shares)).sum())


def quasi_identifier_counts(rows: Iterable[Mapping[str, Cell]]) -> Counter[tuple[Cell, ...]]:
    """How often each combination of quasi-identifier values occurs in released rows."""
    return Counter(tuple(row[q] for q in QUASI_IDENTIFIERS) for row in rows)


# --- one record, its hierarchy values ----------------------------------------------------


def _record(victim: CtdcVictim) -> _Record:
    row = victim.row
    types = tuple(t for t in row.exploitation_types if t in _FORMS) or (
        (row.exploitation_type,) if row.exploitation_type in _FORMS else ()
    )
    found = {_FORMS[t] for t in types}
    return _Record(
        year=row.registered_on.year,
        gender=row.sex,
        age=_finest_age(victim),
        nationality=row.nationality,
        forms=tuple(f for f in _FORM_ORDER if f in found),
        detail=tuple(sorted({_LABOUR_DETAIL[t] for t in types if t in _LABOUR_DETAIL})),
        controls=methods_of_control(row.indicators),
    )


def _finest_age(victim: CtdcVictim) -> tuple[int, Cell]:
    if victim.age is not None and victim.age >= 0:
        return 0, next(band for low, high, band in AGE_BANDS if low <= victim.age <= high)
    row = victim.row
    by_group: Mapping[str, tuple[int, Cell]] = {
        "under_18": (1, "0--17"),
        "18_29": (1, "18--29"),
        "30_39": (2, "18+"),
        "40_49": (2, "18+"),
        "50_plus": (0, "48+"),
    }
    if row.age_group in by_group:
        return by_group[row.age_group]
    if row.child is not None:
        return (1, "0--17") if row.child else (2, "18+")
    return 3, MISSING


def _age_at(record: _Record, level: int) -> Cell:
    own, value = record.age
    if level >= 3 or value == MISSING:
        return MISSING
    for _ in range(max(0, level - own)):
        value = _BROADER_AGE[str(value)]
    return value


def _year_at(record: _Record, level: int) -> Cell:
    year = record.year
    if level == 0:
        return year
    if level == 1:
        start = year - year % 2
        return f"{start}--{start + 1}"
    if level == 2:
        start = year - year % 5
        return f"{start}--{start + 4}"
    return MISSING


def _gender_at(record: _Record, level: int) -> Cell:
    value = GENDERS.get(record.gender, MISSING)
    if level == 0:
        return value
    if level == 1 and record.gender in ("female", "male"):
        return value
    return MISSING


def _citizenship_at(record: _Record, level: int) -> Cell:
    code = record.nationality
    if code == UNKNOWN or not is_country_code(code):
        return MISSING
    if level == 0:
        return code
    if level == 1:
        return REGIONS.get(code, MISSING)
    return MISSING


def _forms_at(record: _Record, level: int) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The forms and forced-labour sectors released at `level`; None when suppressed."""
    if not record.forms or level >= 2:
        return None
    if level == 0:
        return record.forms, record.detail
    broad = {f if f in ("Forced labour", "Sexual exploitation") else "Other" for f in record.forms}
    return tuple(f for f in _FORM_ORDER if f in broad), ()


def _exploitation_at(record: _Record, level: int) -> Cell:
    released = _forms_at(record, level)
    if released is None:
        return MISSING
    forms, detail = released
    return ";".join(forms) + ("|" + ",".join(detail) if detail else "")


_VALUES: Final[Mapping[str, Callable[[_Record, int], Cell]]] = {
    YEAR: _year_at,
    GENDER: _gender_at,
    AGE: _age_at,
    CITIZENSHIP: _citizenship_at,
    EXPLOITATION: _exploitation_at,
}


def _value(quasi_identifier: str, record: _Record, level: int) -> Cell:
    return _VALUES[quasi_identifier](record, level)


def _key(record: _Record, levels: Mapping[str, int]) -> tuple[Cell, ...]:
    return tuple(_value(q, record, levels[q]) for q in QUASI_IDENTIFIERS)


# --- the released row ---------------------------------------------------------------------


def _row(
    record: _Record, levels: Mapping[str, int], datasource: str, country: str | None
) -> dict[str, Cell]:
    row: dict[str, Cell] = dict.fromkeys(COLUMNS, MISSING)
    age = _age_at(record, levels[AGE])
    row.update(
        {
            YEAR: _year_at(record, levels[YEAR]),
            "Datasource": datasource,
            GENDER: _gender_at(record, levels[GENDER]),
            AGE: age,
            "majorityStatus": MISSING if age == MISSING else _majority(str(age)),
            CITIZENSHIP: _citizenship_at(record, levels[CITIZENSHIP]),
            "CountryOfExploitation": country if country else MISSING,
        }
    )
    row.update(_control_columns(record.controls))
    row.update(_exploitation_columns(_forms_at(record, levels[EXPLOITATION]), levels))
    return row


def _majority(band: str) -> str:
    return "Minor" if band in _MINOR_BANDS else "Adult"


def _control_columns(controls: tuple[str, ...]) -> dict[str, Cell]:
    if not controls:
        return {"meansOfControlNotSpecified": 1, "meansOfControlConcatenated": "Not specified"}
    present = {CONTROLS[c][0] for c in controls}
    labels = dict.fromkeys(CONTROLS[c][1] for c in controls)
    out: dict[str, Cell] = {
        f"meansOfControl{name}": int(name in present) for name in _CONTROL_ORDER
    }
    out["meansOfControlNotSpecified"] = 0
    out["meansOfControlConcatenated"] = ";".join(labels)
    return out


def _exploitation_columns(
    released: tuple[tuple[str, ...], tuple[str, ...]] | None, levels: Mapping[str, int]
) -> dict[str, Cell]:
    if released is None:
        return {}
    forms, detail = released
    detailed = levels[EXPLOITATION] == 0
    labour = "Forced labour" in forms
    sexual = "Sexual exploitation" in forms
    out: dict[str, Cell] = {
        "isForcedLabour": int(labour),
        "isSexualExploit": int(sexual),
        "isOtherExploit": int("Other" in forms),
        "isSexAndLabour": int(labour and sexual),
        EXPLOITATION: ";".join(forms),
    }
    for column, form in _OTHER_FORM_FLAGS.items():
        # Coarsened, "Other" may hide these forms: not known then, rather than 0.
        out[column] = int(form in forms) if detailed or "Other" not in forms else MISSING
    if labour and detailed:
        for sector in _LABOUR_DETAIL.values():
            out[f"typeOfLabour{sector}"] = 1 if sector in detail else MISSING
        out["typeOfLabourNotSpecified"] = 0 if detail else 1
        out["typeOfLabourConcatenated"] = (
            ";".join(_LABOUR_LABELS[d] for d in detail) if detail else "Not specified"
        )
    return out
