"""Code lists that signal input is validated against.

Pure data and look-ups: no I/O, no database. Each code carries labels in the three
interface languages (fi, sv, en) so that forms, exports and statistics use one source.

Sources:

- Exploitation types and genders follow the IOM Human Trafficking Case Data Standard
  (HTCDS) v2.0, repository ``UNMigration/HTCDS`` (CC BY 4.0): the picklists of
  ``vic_TypeOfExploitation`` and ``prs_Gender`` in ``Toolkit/Survey/htcds_xlsform.xml``
  (values checked against that file). Our API uses short snake_case codes and maps them
  to the HTCDS value names for export.
- ``forced_criminality`` and ``benefit_fraud`` are extensions: HTCDS v2.0 has no such
  values, but the Finnish assistance system counts both forms separately in its
  statistics. They export to HTCDS as ``Other``.
- Country codes are the officially assigned ISO 3166-1 alpha-2 codes (249 entries).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeVar

LOCALES: Final = ("fi", "sv", "en")
DEFAULT_LOCALE: Final = "en"


@dataclass(frozen=True, slots=True)
class Code:
    """One code of a code list with its labels in the interface languages."""

    code: str
    fi: str
    sv: str
    en: str

    def label(self, locale: str) -> str:
        """The label in ``locale`` (``"fi"``, ``"sv-FI"`` …), English when unknown."""
        language = locale.replace("_", "-").split("-", 1)[0].lower()
        if language == "fi":
            return self.fi
        if language == "sv":
            return self.sv
        return self.en


@dataclass(frozen=True, slots=True)
class ExploitationType(Code):
    """A form of exploitation, with its HTCDS ``vic_TypeOfExploitation`` value."""

    htcds: str
    is_extension: bool = False


@dataclass(frozen=True, slots=True)
class Gender(Code):
    """A gender code with its HTCDS ``prs_Gender`` value."""

    htcds: str


_C = TypeVar("_C", bound=Code)


def _index(*codes: _C) -> Mapping[str, _C]:
    """A read-only mapping code → entry, in the order given (the display order)."""
    return MappingProxyType({c.code: c for c in codes})


EXPLOITATION_TYPES: Final = _index(
    ExploitationType("labour", "Pakkotyö", "Tvångsarbete", "Forced labour", "ForcedLabour"),
    ExploitationType(
        "sexual",
        "Seksuaalinen hyväksikäyttö",
        "Sexuellt utnyttjande",
        "Sexual exploitation",
        "SexualExploitation",
    ),
    ExploitationType("child_labour", "Lapsityö", "Barnarbete", "Child labour", "ChildLabour"),
    ExploitationType(
        "forced_marriage", "Pakkoavioliitto", "Tvångsäktenskap", "Forced marriage", "ForcedMarriage"
    ),
    ExploitationType("servitude", "Orjuudenkaltainen asema", "Träldom", "Servitude", "Servitude"),
    ExploitationType(
        "forced_military",
        "Pakkovärväys aseelliseen ryhmään (muu kuin valtio)",
        "Tvångsrekrytering till väpnad grupp (icke-statlig aktör)",
        "Forced military service (non-state actors)",
        "ForcedMilitaryByNonStateActors",
    ),
    ExploitationType(
        "organ_removal",
        "Elinten poistaminen",
        "Avlägsnande av organ",
        "Organ removal",
        "OrganRemoval",
    ),
    ExploitationType(
        "begging", "Pakotettu kerjääminen", "Påtvingat tiggeri", "Forced begging", "ForcedBegging"
    ),
    ExploitationType(
        "forced_adoption", "Pakkoadoptio", "Tvångsadoption", "Forced adoption", "ForcedAdoption"
    ),
    ExploitationType("surrogacy", "Sijaissynnytys", "Surrogatmoderskap", "Surrogacy", "Surrogacy"),
    ExploitationType("other", "Muu", "Annat", "Other", "Other"),
    # Extensions: counted separately by the Finnish assistance system, absent from HTCDS.
    ExploitationType(
        "forced_criminality",
        "Pakottaminen rikolliseen toimintaan",
        "Tvång att begå brott",
        "Forced criminality",
        "Other",
        is_extension=True,
    ),
    ExploitationType(
        "benefit_fraud",
        "Hyväksikäyttö etuuspetoksiin",
        "Utnyttjande för bidragsbedrägeri",
        "Exploitation for benefit fraud",
        "Other",
        is_extension=True,
    ),
)

# HTCDS value → our code, for imports. Extensions share "Other" and are left out.
HTCDS_EXPLOITATION_TYPES: Final = MappingProxyType(
    {t.htcds: t.code for t in EXPLOITATION_TYPES.values() if not t.is_extension}
)

PERSON_ROLES: Final = _index(
    Code("victim", "Uhri", "Offer", "Victim"),
    Code("suspect", "Epäilty", "Misstänkt", "Suspect"),
    Code("other", "Muu henkilö", "Annan person", "Other person"),
)

# HTCDS v2.0 prs_Gender also has TransgenderFeminine and TransgenderMasculine; intake
# does not ask for them, so they have no code here.
GENDERS: Final = _index(
    Gender("female", "Nainen", "Kvinna", "Female", "Feminine"),
    Gender("male", "Mies", "Man", "Male", "Masculine"),
    Gender("other", "Muu", "Annat", "Other", "NonConforming"),
    Gender("unknown", "Ei tiedossa", "Okänt", "Unknown", "NonSpecifiedUnknown"),
)

SHARE_BASES: Final = _index(
    Code("consent", "Suostumus", "Samtycke", "Consent"),
    Code("statutory", "Lakisääteinen tehtävä", "Lagstadgad uppgift", "Statutory duty"),
    Code("court_order", "Tuomioistuimen määräys", "Domstolsbeslut", "Court order"),
    Code(
        "vital_interest",
        "Elintärkeän edun suojaaminen",
        "Skydd av grundläggande intressen",
        "Vital interests",
    ),
)

SHARE_SCOPES: Final = _index(
    Code("full", "Kaikki tiedot", "Alla uppgifter", "Full record"),
    Code("summary", "Vain tiivistelmä", "Endast sammanfattning", "Summary only"),
)

_KINDS: Final[Mapping[str, Mapping[str, Code]]] = MappingProxyType(
    {
        "exploitation_type": EXPLOITATION_TYPES,
        "person_role": PERSON_ROLES,
        "gender": GENDERS,
        "share_basis": SHARE_BASES,
        "share_scope": SHARE_SCOPES,
    }
)
KINDS: Final = tuple(_KINDS)


def label(kind: str, code: str, locale: str = DEFAULT_LOCALE) -> str:
    """The human label of ``code`` in the list ``kind`` (one of ``KINDS``).

    Unknown locales fall back to English; an unknown kind or code raises ``KeyError``
    because it is a programming error, not bad user input.
    """
    try:
        codes = _KINDS[kind]
    except KeyError:
        raise KeyError(f"unknown code list {kind!r}; expected one of {', '.join(KINDS)}") from None
    try:
        entry = codes[code]
    except KeyError:
        raise KeyError(f"unknown {kind} code {code!r}") from None
    return entry.label(locale)


# ISO 3166-1 alpha-2, officially assigned codes (ISO 3166 Maintenance Agency list; 249
# codes). User-assigned codes such as XK (Kosovo) and reserved ones (EU, UK) are not in it.
# Kept as a block of text so that it reads like the standard's table.
_ISO_3166_ALPHA2 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
"""
COUNTRY_CODES: Final = frozenset(_ISO_3166_ALPHA2.split())


def is_country_code(value: str) -> bool:
    """True when ``value`` is an assigned ISO 3166-1 alpha-2 code, in upper case."""
    return value in COUNTRY_CODES
