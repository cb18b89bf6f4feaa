"""What a running OpenNRM holds: settings, the database and the keys derived from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from opennrm.audit.checkpoint import signing_key
from opennrm.auth.actions import ThrottlePolicy
from opennrm.auth.sessions import SessionTimeouts
from opennrm.crypto import FieldCipher, derive_key
from opennrm.db import Database
from opennrm.linkage.actions import shipped_model
from opennrm.linkage.engine.model import Model, load_model
from opennrm.referrals.config import ReferralConfig
from opennrm.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    db: Database
    cipher: FieldCipher
    secret_key: str
    timeouts: SessionTimeouts
    throttle: ThrottlePolicy

    @classmethod
    def build(cls, settings: Settings, db: Database | None = None) -> AppContext:
        secret = settings.resolved_secret_key()
        return cls(
            settings=settings,
            db=db or Database(settings.database_url),
            cipher=FieldCipher.from_master(settings.resolved_data_key()),
            secret_key=secret,
            timeouts=SessionTimeouts(
                idle=timedelta(minutes=settings.session_idle_minutes),
                absolute=timedelta(hours=settings.session_absolute_hours),
            ),
            throttle=ThrottlePolicy(
                max_failures=settings.login_max_failures,
                lockout=timedelta(minutes=settings.login_lockout_minutes),
            ),
        )

    @cached_property
    def referral_config(self) -> ReferralConfig:
        """Routing and clocks, read once from the deployment and deadlines files."""
        return ReferralConfig.from_settings(self.settings)

    @cached_property
    def linkage_model(self) -> Model:
        """The linkage model: the deployment's trained file, or the shipped default."""
        if self.settings.linkage_model_file is None:
            return shipped_model()
        return load_model(self.settings.linkage_model_file)

    def audit_signing_key(self) -> Ed25519PrivateKey:
        return signing_key(derive_key(self.secret_key, "audit-checkpoint"))
