"""Words for statistics: dimension names and the values of each, in the reader's language.

Codes stay codes in the API and in downloads' first columns; pages, charts and the PDF
report show these words. Values the deployment defines (regions, police departments,
offences) take their names from the deployment file.
"""

from __future__ import annotations

from collections.abc import Callable

from opennrm.demo.finland import Deployment
from opennrm.signals import codes
from opennrm.web import labels
from opennrm.web.i18n import N_, country_name, format_month

DIMENSIONS = {
    "exploitation_type": N_("Form of exploitation"),
    "sex": N_("Sex"),
    "age_group": N_("Age group"),
    "nationality": N_("Citizenship"),
    "municipality": N_("Municipality"),
    "region": N_("Region"),
    "department": N_("Police department"),
    "referrer_type": N_("Recording sector"),
    "status": N_("Victim status"),
    "assisted": N_("In the assistance system"),
    "target": N_("Referred to"),
    "decision": N_("State of the referral"),
    "age_bucket": N_("Waiting for a decision"),
    "offence": N_("Offence"),
    "stage": N_("Stage"),
    "outcome": N_("Outcome"),
    "cross_border": N_("Cross-border"),
    "month": N_("Month"),
    "year": N_("Year"),
}

SUBJECTS = {
    "signals": N_("Signals"),
    "victims": N_("Presumed and identified victims"),
    "referrals": N_("Referrals"),
    "decisions": N_("Decided referrals"),
    "ageing": N_("Referrals waiting for a decision"),
    "investigations": N_("Investigations"),
}

VALUES = {
    "status": {
        "presumed": N_("Presumed victim"),
        "identified": N_("Identified as a victim"),
        "not_identified": N_("Not identified as a victim"),
    },
    "target": {
        "assistance_system": N_("Assistance system"),
        "police": N_("Police"),
    },
    "age_bucket": {
        "0_7": N_("Up to 7 days"),
        "8_30": N_("8–30 days"),
        "31_90": N_("31–90 days"),
        "over_90": N_("Over 90 days"),
    },
    "yes_no": {"yes": N_("Yes"), "no": N_("No")},
}
COMMON = {"other": N_("Other"), "unknown": N_("Not known")}


def value_label(
    dim: str,
    value: str,
    *,
    locale: str,
    gettext: Callable[[str], str],
    deployment: Deployment,
) -> str:
    """The word for one value of one dimension."""
    if value.startswith("other:"):
        parent = "year" if dim == "month" else "region"
        where = value.split(":", 1)[1]
        return gettext("Other in %(where)s") % {
            "where": value_label(
                parent, where, locale=locale, gettext=gettext, deployment=deployment
            )
        }
    if value in COMMON and dim not in ("exploitation_type", "sex", "outcome"):
        return gettext(COMMON[value])
    if dim == "exploitation_type":
        return (
            codes.label("exploitation_type", value, locale)
            if value != "unknown"
            else (gettext(COMMON["unknown"]))
        )
    if dim == "sex":
        return codes.label("gender", value, locale)
    if dim == "department" and value in labels.ORGANISATION_TYPES:
        return gettext(labels.ORGANISATION_TYPES[value])
    words = _word_table(dim)
    if words is not None:
        return gettext(words[value]) if value in words else value
    return _deployment_or_period(dim, value, locale, deployment)


def _word_table(dim: str) -> dict[str, str] | None:
    return {
        "age_group": labels.AGE_GROUPS,
        "referrer_type": labels.ORGANISATION_TYPES,
        "decision": labels.REFERRAL_STATUSES,
        "stage": labels.INVESTIGATION_STAGES,
        "outcome": {**labels.INVESTIGATION_OUTCOMES, "unknown": COMMON["unknown"]},
        "status": VALUES["status"],
        "target": VALUES["target"],
        "age_bucket": VALUES["age_bucket"],
        "assisted": VALUES["yes_no"],
        "cross_border": VALUES["yes_no"],
    }.get(dim)


def _deployment_or_period(dim: str, value: str, locale: str, deployment: Deployment) -> str:
    if dim == "nationality":
        return country_name(value, locale)
    if dim == "region":
        return _try(lambda: deployment.region(value).name.get(locale), value)
    if dim == "department":
        return _try(lambda: deployment.department(value).name.get(locale), value)
    if dim == "offence":
        offence = deployment.offence(value)
        return f"{offence.name.get(locale)} ({offence.law})" if offence else value
    if dim == "month":
        year, month = value.split("-")
        return format_month(int(year), int(month), locale)
    return value


def _try(get: Callable[[], str], fallback: str) -> str:
    try:
        return get()
    except KeyError:
        return fallback
