"""Imports every domain's tables so that `Base.metadata` is complete.

Used by `alembic check`/autogenerate and by tests; application code imports the
domain model modules it needs directly.
"""

from opennrm.audit import models as audit_models
from opennrm.auth import models as auth_models
from opennrm.db import Base
from opennrm.notifications import models as notification_models
from opennrm.policy import models as policy_models
from opennrm.signals import models as signal_models

metadata = Base.metadata

__all__ = [
    "audit_models",
    "auth_models",
    "metadata",
    "notification_models",
    "policy_models",
    "signal_models",
]
