"""Screening: the indicator catalogue (versioned data) and the assessment rule (pure).

A screener ticks the operational indicators they observed for one profile (adults or
children, form of exploitation); ``assess`` says which dimensions of the trafficking
definition are positive and whether there are grounds to refer, with the reasons in
Finnish, Swedish and English. Storage, permissions and the API live elsewhere
(``models``/``actions``/``queries``); nothing imported here touches the database, so the
rule can be used and tested on its own. See docs/screening.md.
"""

from opennrm.screening.catalogue import (
    CATALOGUES,
    ILO_EC,
    OTHER_FORMS,
    Catalogue,
    CatalogueError,
    Dimension,
    DimensionKind,
    ForcedLabourIndicator,
    Indicator,
    Profile,
    Source,
    Strength,
    Text,
    UnknownCatalogueVersion,
    UnknownProfile,
    Verification,
    available_versions,
    catalogue_for_profile,
    current_catalogues,
    current_version,
    current_version_string,
    load_catalogue,
    public_catalogue,
)
from opennrm.screening.rule import (
    Assessment,
    DimensionResult,
    StrengthCounts,
    UnknownIndicators,
    assess,
    dimension_positive,
)

__all__ = [
    "CATALOGUES",
    "ILO_EC",
    "OTHER_FORMS",
    "Assessment",
    "Catalogue",
    "CatalogueError",
    "Dimension",
    "DimensionKind",
    "DimensionResult",
    "ForcedLabourIndicator",
    "Indicator",
    "Profile",
    "Source",
    "Strength",
    "StrengthCounts",
    "Text",
    "UnknownCatalogueVersion",
    "UnknownIndicators",
    "UnknownProfile",
    "Verification",
    "assess",
    "available_versions",
    "catalogue_for_profile",
    "current_catalogues",
    "current_version",
    "current_version_string",
    "dimension_positive",
    "load_catalogue",
    "public_catalogue",
]
