"""Imports every domain's tables so that `Base.metadata` is complete.

Used by `alembic check`/autogenerate and by tests; application code imports the
domain model modules it needs directly.
"""

from opennrm.actionplan import models as actionplan_models
from opennrm.audit import models as audit_models
from opennrm.auth import models as auth_models
from opennrm.db import Base
from opennrm.investigations import models as investigation_models
from opennrm.linkage import models as linkage_models
from opennrm.notes import models as note_models
from opennrm.notifications import models as notification_models
from opennrm.policy import models as policy_models
from opennrm.referrals import models as referral_models
from opennrm.screening import models as screening_models
from opennrm.signals import models as signal_models
from opennrm.statistics import models as statistics_models
from opennrm.support import models as support_models

metadata = Base.metadata

__all__ = [
    "actionplan_models",
    "audit_models",
    "auth_models",
    "investigation_models",
    "linkage_models",
    "metadata",
    "note_models",
    "notification_models",
    "policy_models",
    "referral_models",
    "screening_models",
    "signal_models",
    "statistics_models",
    "support_models",
]
