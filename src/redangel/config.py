"""Typed settings, read once at startup from REDANGEL_* variables and an optional .env file."""

from __future__ import annotations

import base64
import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults: usable on a laptop, refused anywhere else (see `refuse_default_secrets`).
# Only an explicit REDANGEL_ENVIRONMENT=development (or test) accepts them, and those modes serve
# on loopback only (`refuse_public_host`): the shipped keys are published, so a server holding
# them must be unreachable from any other machine.
LOCAL_ENVIRONMENTS = frozenset({"development", "test"})
DEV_SECRET_KEY = "dev-secret-key-change-me-0000000000000000"
DEV_KEK = base64.b64encode(b"redangel-dev-key-encryption-key!").decode()
DEV_BLIND_INDEX_KEY = base64.b64encode(b"redangel-dev-blind-index-key-32b").decode()


class Settings(BaseSettings):
    """Everything the service can be configured with; immutable once read."""

    model_config = SettingsConfigDict(
        env_prefix="REDANGEL_", env_file=".env", extra="ignore", frozen=True
    )

    environment: Literal["development", "test", "production"] = "production"
    data_dir: Path = Path("data")
    catalog_dir: Path = Field(default=Path("life_events"),
                              description="the program and life-event catalog (relative: to the project)")
    database_url: str = ""
    database_replica_urls: str = Field(
        default="", max_length=4000,
        description="PostgreSQL streaming replicas, comma-separated, for the routes that may "
                    "read from one (searches, agency lists and exports, outreach)")
    replica_max_lag_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="a replica further behind the primary is skipped")
    replica_check_seconds: float = Field(
        default=1.0, gt=0, le=60, description="how often each process checks each replica")
    read_your_writes_seconds: float = Field(
        default=10.0, gt=0, le=3600,
        description="a client that wrote reads the primary this long (at least the lag allowed)")
    locale: Literal["es", "en"] = "es"

    secret_key: str = DEV_SECRET_KEY
    key_encryption_key: str = Field(default=DEV_KEK, description="base64 of 32 bytes")
    blind_index_key: str = Field(default=DEV_BLIND_INDEX_KEY, description="base64 of 32 bytes")

    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=10, ge=1, le=72)
    cookie_secure: bool = Field(default=False, description="forced on outside development and test")
    token_issuer: str = "redangel"
    dci_sender_id: str = Field(default="redangel", pattern=r"^[\x21-\x7e]{1,99}$",
                               description="who the registry is in the DCI messages it signs")
    token_audience: str = "redangel-agency-api"
    token_minutes: int = Field(default=15, ge=1, le=120)
    kiosk_session_idle_seconds: int = Field(default=60, ge=10, le=3600)

    rate_limit_requests_per_minute: int = 6000
    rate_limit_login_per_minute: int = 10
    login_free_attempts: int = Field(
        default=5, ge=1, le=1000,
        description="sign-in attempts per user and address before the growing delays begin")
    rate_limit_search_per_minute: int = 600
    rate_limit_card_per_minute: int = 60
    rate_limit_folio_per_minute: int = Field(
        default=10, ge=1, le=1_000_000,
        description="status-by-folio lookups per client address and minute (public page and API)")

    rights_deadline_days: int = Field(
        default=20, ge=1, le=120,
        description="business days (Monday to Friday) to answer a data-rights (ARCO) request")
    rights_retention_days: int = Field(
        default=0, ge=0, le=3650,
        description="days a cancelled (blocked) record is kept before `redangel rights "
                    "erase-due` erases it (the retention the law requires)")
    rate_limit_storage: str = Field(
        default="memory", max_length=500,
        description="where rate limits count: memory (one process) or redis://host:port/db "
                    "(shared by every worker of every machine)")

    loop_pool_size: int = Field(
        default=4, ge=0, le=64,
        description="connections each worker keeps to resolve callers without a worker thread "
                    "(PostgreSQL; 0 resolves them in the request's own session)")

    idempotency_hours: float = Field(
        default=24, gt=0, le=24 * 30,
        description="how long a retried POST gets the first answer; older records are deleted")

    page_size_max: int = 100
    roll_max_bytes: int = Field(default=50_000_000, ge=1_000, le=2_000_000_000,
                                description="the largest legacy roll file an import accepts")
    desk_agent_url: str = Field(default="http://127.0.0.1:8791", max_length=200,
                                description="the office card agent beside the desk's reader")
    kiosk_agent_url: str = Field(default="http://127.0.0.1:8790", max_length=200,
                                 description="the kiosk card agent beside the kiosk's reader")
    metrics_token: str = Field(default="", max_length=200,
                               description="the bearer token Prometheus sends to read /metrics")
    log_format: Literal["json", "text"] = "json"
    sqlite_busy_seconds: float = Field(
        default=30.0, gt=0, le=600,
        description="SQLite: how long a write waits for the database's write lock before failing")
    audit_checkpoint_every: int = Field(default=1000, ge=1, le=1_000_000)
    analytics_min_cell: int = Field(
        default=5, ge=2, le=100,
        description="analytics: counts under this are hidden, with complements so totals cannot "
                    "reveal them")
    audit_retention_months: int = Field(
        default=24, ge=0, le=1200,
        description="months the audit trail keeps in the database before `audit archive` may "
                    "export and remove one (the month being written is always kept)")
    changes_retention_months: int = Field(
        default=24, ge=1, le=1200,
        description="months the agencies' change feed keeps in the database before `changes "
                    "archive` may export and remove one; an agency further behind takes its "
                    "roll again")
    audit_checkpoint_seconds: float = Field(default=60.0, gt=0, le=86_400,
                                            description="sign the chain's head at least this often")

    @field_validator("key_encryption_key", "blind_index_key")
    @classmethod
    def _thirty_two_bytes(cls, value: str) -> str:
        if len(base64.b64decode(value, validate=True)) != 32:
            raise ValueError("must be the base64 encoding of exactly 32 bytes")
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        if value != "memory" and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must be memory or a redis:// (or rediss://) address")
        return value

    @model_validator(mode="before")
    @classmethod
    def _secure_cookies_outside_development(cls, data: Any) -> Any:
        """Outside development and tests cookies are always `Secure`, whatever was configured."""
        if isinstance(data, dict) and data.get("environment", "production") not in LOCAL_ENVIRONMENTS:
            return {**data, "cookie_secure": True}
        return data

    @model_validator(mode="after")
    def _replicas_behind_postgresql(self) -> Settings:
        if self.replica_urls:
            if not self.effective_database_url.startswith(("postgresql", "postgres")):
                raise ValueError("read replicas need a PostgreSQL primary (REDANGEL_DATABASE_URL)")
            if any(not url.startswith(("postgresql", "postgres")) for url in self.replica_urls):
                raise ValueError("REDANGEL_DATABASE_REPLICA_URLS must be PostgreSQL addresses")
            if self.read_your_writes_seconds < self.replica_max_lag_seconds:
                raise ValueError("REDANGEL_READ_YOUR_WRITES_SECONDS must be at least "
                                 "REDANGEL_REPLICA_MAX_LAG_SECONDS, or a client could miss "
                                 "its own write")
        return self

    @property
    def replica_urls(self) -> list[str]:
        """The configured read replicas' addresses."""
        return [url.strip() for url in self.database_replica_urls.split(",") if url.strip()]

    @model_validator(mode="after")
    def refuse_default_secrets(self) -> Settings:
        """Only an explicit development or test environment accepts the shipped secrets."""
        if self.environment not in LOCAL_ENVIRONMENTS:
            if self.development_secrets:
                names = ", ".join(self.development_secrets)
                raise ValueError(
                    f"the {self.environment} environment refuses the published development "
                    f"value of {names}: set real secrets, or REDANGEL_ENVIRONMENT=development "
                    "to run on this machine only")
            if len(self.secret_key) < 32:
                raise ValueError("REDANGEL_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def development_secrets(self) -> list[str]:
        """The settings still holding a published development value."""
        defaults = {
            "REDANGEL_SECRET_KEY": self.secret_key == DEV_SECRET_KEY,
            "REDANGEL_KEY_ENCRYPTION_KEY": self.key_encryption_key == DEV_KEK,
            "REDANGEL_BLIND_INDEX_KEY": self.blind_index_key == DEV_BLIND_INDEX_KEY,
        }
        return [name for name, is_default in defaults.items() if is_default]

    @property
    def effective_database_url(self) -> str:
        """The configured database, or an SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'redangel.db').resolve()}"

    @property
    def catalog_path(self) -> Path:
        """Where the catalog lives: absolute, or under REDANGEL_PROJECT_DIR / the source tree."""
        if self.catalog_dir.is_absolute():
            return self.catalog_dir
        for root in (os.environ.get("REDANGEL_PROJECT_DIR"), Path.cwd(),
                     Path(__file__).resolve().parents[2]):
            if root and (Path(root) / self.catalog_dir).is_dir():
                return Path(root) / self.catalog_dir
        return self.catalog_dir

    @property
    def kek_bytes(self) -> bytes:
        """The key-encryption key as raw bytes."""
        return base64.b64decode(self.key_encryption_key)

    @property
    def blind_index_bytes(self) -> bytes:
        """The blind-index HMAC key as raw bytes."""
        return base64.b64decode(self.blind_index_key)


def is_loopback(host: str) -> bool:
    """Whether a listening address is reachable from this machine only."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refuse_public_host(settings: Settings, host: str) -> None:
    """Development and test serve on loopback only; raise ValueError saying so for any other host."""
    if settings.environment in LOCAL_ENVIRONMENTS and not is_loopback(host):
        raise ValueError(
            f"the {settings.environment} environment serves on loopback only (127.0.0.1, ::1 or "
            f"localhost), not on {host}: its secrets may be the published development ones. "
            "Use REDANGEL_ENVIRONMENT=production with real secrets to serve other machines")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once; later calls return the same frozen object."""
    return Settings()
