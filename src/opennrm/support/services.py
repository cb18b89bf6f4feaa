"""The kinds of support a support plan can hold, mapped to IOM's HTCDS.

HTCDS v2.0 (`UNMigration/HTCDS`, field `spl_Type`) names nine support types: Education,
Financial, Health, LabourExploitationRehabilitation, Legal, Livelihood,
RightsBasedTraining, SexualExploitationRehabilitation and SocialCare. A caseworker plans
finer services than that — accommodation, interpretation, a residence permit, a safe
return — so each of our codes names the HTCDS type it is exported as; where HTCDS has no
type of its own (interpretation, return), the export uses "Other" with our code kept as
an extension, as HTCDS allows for local values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceType:
    code: str
    htcds: str
    fi: str
    sv: str
    en: str

    def label(self, locale: str) -> str:
        return {"fi": self.fi, "sv": self.sv}.get(locale, self.en)


SERVICE_TYPES: tuple[ServiceType, ...] = (
    ServiceType("accommodation", "SocialCare", "Majoitus", "Boende", "Accommodation"),
    ServiceType("health", "Health", "Terveydenhuolto", "Hälso- och sjukvård", "Health care"),
    ServiceType(
        "psychological",
        "Health",
        "Psykologinen tuki",
        "Psykologiskt stöd",
        "Psychological support",
    ),
    ServiceType("legal", "Legal", "Oikeudellinen neuvonta", "Rättslig rådgivning", "Legal aid"),
    ServiceType("interpretation", "Other", "Tulkkaus", "Tolkning", "Interpretation"),
    ServiceType(
        "residence_permit", "Legal", "Oleskelulupa-asia", "Uppehållstillstånd", "Residence permit"
    ),
    ServiceType(
        "return", "Other", "Turvallinen paluu", "Trygg återvändande", "Assisted safe return"
    ),
    ServiceType("social_care", "SocialCare", "Sosiaalihuolto", "Socialvård", "Social care"),
    ServiceType(
        "financial", "Financial", "Taloudellinen tuki", "Ekonomiskt stöd", "Financial support"
    ),
    ServiceType("education", "Education", "Koulutus", "Utbildning", "Education"),
    ServiceType(
        "livelihood", "Livelihood", "Toimeentulo ja työ", "Försörjning och arbete", "Livelihood"
    ),
    ServiceType(
        "rights_training",
        "RightsBasedTraining",
        "Oikeuksia koskeva neuvonta",
        "Rådgivning om rättigheter",
        "Rights-based training",
    ),
    ServiceType(
        "labour_rehabilitation",
        "LabourExploitationRehabilitation",
        "Työperäisen hyväksikäytön kuntoutus",
        "Rehabilitering efter arbetskraftsexploatering",
        "Rehabilitation after labour exploitation",
    ),
    ServiceType(
        "sexual_rehabilitation",
        "SexualExploitationRehabilitation",
        "Seksuaalisen hyväksikäytön kuntoutus",
        "Rehabilitering efter sexuell exploatering",
        "Rehabilitation after sexual exploitation",
    ),
)

BY_CODE = {t.code: t for t in SERVICE_TYPES}
SERVICE_CODES = tuple(BY_CODE)
