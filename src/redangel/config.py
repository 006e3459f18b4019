"""Typed settings, read once at startup from REDANGEL_* variables and an optional .env file."""

from __future__ import annotations

import base64
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults: usable on a laptop, refused anywhere else (see `refuse_default_secrets`).
DEV_SECRET_KEY = "dev-secret-key-change-me-0000000000000000"
DEV_KEK = base64.b64encode(b"redangel-dev-key-encryption-key!").decode()
DEV_BLIND_INDEX_KEY = base64.b64encode(b"redangel-dev-blind-index-key-32b").decode()


class Settings(BaseSettings):
    """Everything the service can be configured with; immutable once read."""

    model_config = SettingsConfigDict(
        env_prefix="REDANGEL_", env_file=".env", extra="ignore", frozen=True
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    catalog_dir: Path = Field(default=Path("life_events"),
                              description="the program and life-event catalog (relative: to the project)")
    database_url: str = ""
    locale: Literal["es", "en"] = "es"

    secret_key: str = DEV_SECRET_KEY
    key_encryption_key: str = Field(default=DEV_KEK, description="base64 of 32 bytes")
    blind_index_key: str = Field(default=DEV_BLIND_INDEX_KEY, description="base64 of 32 bytes")

    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=10, ge=1, le=72)
    cookie_secure: bool = False
    token_issuer: str = "redangel"
    token_audience: str = "redangel-agency-api"
    token_minutes: int = Field(default=15, ge=1, le=120)
    kiosk_session_idle_seconds: int = Field(default=60, ge=10, le=3600)

    rate_limit_requests_per_minute: int = 6000
    rate_limit_login_per_minute: int = 10
    rate_limit_search_per_minute: int = 600
    rate_limit_card_per_minute: int = 60

    page_size_max: int = 100
    desk_agent_url: str = Field(default="http://127.0.0.1:8791", max_length=200,
                                description="the office card agent beside the desk's reader")
    kiosk_agent_url: str = Field(default="http://127.0.0.1:8790", max_length=200,
                                 description="the kiosk card agent beside the kiosk's reader")
    audit_checkpoint_every: int = 1000

    @field_validator("key_encryption_key", "blind_index_key")
    @classmethod
    def _thirty_two_bytes(cls, value: str) -> str:
        if len(base64.b64decode(value, validate=True)) != 32:
            raise ValueError("must be the base64 encoding of exactly 32 bytes")
        return value

    @model_validator(mode="after")
    def refuse_default_secrets(self) -> Settings:
        """Outside development and tests the shipped secrets are refused."""
        if self.environment == "production":
            defaults = {
                "REDANGEL_SECRET_KEY": self.secret_key == DEV_SECRET_KEY,
                "REDANGEL_KEY_ENCRYPTION_KEY": self.key_encryption_key == DEV_KEK,
                "REDANGEL_BLIND_INDEX_KEY": self.blind_index_key == DEV_BLIND_INDEX_KEY,
            }
            if any(defaults.values()):
                names = ", ".join(name for name, is_default in defaults.items() if is_default)
                raise ValueError(f"production refuses the development default of {names}")
            if len(self.secret_key) < 32:
                raise ValueError("REDANGEL_SECRET_KEY must be at least 32 characters")
        return self

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once; later calls return the same frozen object."""
    return Settings()
