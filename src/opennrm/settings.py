"""Settings: the only module that reads the environment.

Secrets that are not given are generated once into the data directory so that a first
`opennrm demo` needs no configuration, and the same keys survive a restart (otherwise
encrypted fields and sessions would become unreadable).
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_DEADLINES_FILE = Path(__file__).parent / "demo" / "data" / "deadlines.json"


class Environment(StrEnum):
    PRODUCTION = "production"
    DEVELOPMENT = "development"
    DEMO = "demo"


class Settings(BaseSettings):
    """Every setting OpenNRM reads; documented in docs/configuration.md (a test checks)."""

    model_config = SettingsConfigDict(env_prefix="OPENNRM_", extra="ignore")

    database_url: str = "sqlite:///./opennrm.db"
    secret_key: str | None = None
    data_key: str | None = None
    # Encrypts backup files (ADR 0008); unset: a sub-key derived from the data key.
    backup_key: SecretStr | None = None
    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("./data")
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=10, ge=1)
    token_default_days: int = Field(default=30, ge=1, le=366)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    break_glass_max_hours: int = Field(default=24, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    default_locale: str = "fi"
    # Whether a match in police-held data is shown to partners outside the authorities
    # as a hit (existence and contact only). Off: they learn nothing at all.
    police_hits_to_partners: bool = False
    # Linkage parameters from `opennrm linkage train`; unset: the model shipped with OpenNRM.
    linkage_model_file: Path | None = None
    # Disclosure control: statistics cells with fewer units are suppressed (with their
    # complements); a caller may ask for a higher threshold, never a lower one.
    statistics_threshold: int = Field(default=5, ge=2, le=100)
    # k of the CTDC-style anonymised dataset: every combination of quasi-identifiers
    # occurs at least k times (CTDC publishes with k = 11).
    anonymised_k: int = Field(default=11, ge=2, le=1000)
    # Yearly privacy budget (total epsilon) for public releases with calibrated noise.
    privacy_budget_per_year: float = Field(default=3.0, gt=0, le=100)
    # The user `opennrm export` and `opennrm import` run as when no --as is given: an
    # export holds what that user may read, and the trail names them.
    operator_email: str | None = None
    # E-mail: off while smtp_host is unset. Messages carry no personal data, only a link.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "OpenNRM <noreply@opennrm.invalid>"
    public_url: str = "http://127.0.0.1:8000"
    # Background jobs: in the web process while redis_url is unset, else an RQ queue.
    redis_url: str | None = None
    worker_interval_seconds: int = Field(default=60, ge=1)
    deadlines_file: Path | None = None
    # The deployment description (regions, municipalities, police departments, routing
    # rules); None means the Finnish demo deployment shipped with OpenNRM.
    deployment_file: Path | None = None

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def mfa_required(self) -> bool:
        return self.is_production

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    def resolved_deadlines_file(self) -> Path:
        """The deployment's deadlines file; the demo's when none is set."""
        return self.deadlines_file or DEMO_DEADLINES_FILE

    def resolved_secret_key(self) -> str:
        return self.secret_key or _generated_secret(self.data_dir, "secret.key")

    def resolved_data_key(self) -> str:
        return self.data_key or _generated_secret(self.data_dir, "data.key")


def _generated_secret(data_dir: Path, name: str) -> str:
    """Read a generated secret, creating it (mode 0600) on first use."""
    path = data_dir / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(value, encoding="ascii")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
