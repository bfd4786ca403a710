"""All of the bot's settings, in one place, read from the environment and `.env`.

Every field is named by the environment variable that sets it. A missing or invalid setting is reported
as one line naming the variable (see `SettingsError`), never as a traceback.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge" / "documents"
PLACEHOLDER_SECRETS = {"changeme", "change-me", "xoxb-your-token", "your-signing-secret", "secret"}


def _env(name: str):
    return Field(default=None, validation_alias=AliasChoices(name, name.lower()))


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one line that names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    environment: Literal["development", "production", "test"] = Field(
        "development", validation_alias=AliasChoices("POLICYBOT_ENV", "policybot_env"))
    data_dir: Path = Field(Path("data"), validation_alias=AliasChoices("POLICYBOT_DATA_DIR", "policybot_data_dir"))
    database_url: str | None = _env("DATABASE_URL")

    slack_bot_token: str | None = _env("SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = _env("SLACK_SIGNING_SECRET")
    slack_app_token: str | None = _env("SLACK_APP_TOKEN")
    slack_api_url: str | None = _env("SLACK_API_URL")

    openai_api_key: str | None = _env("OPENAI_API_KEY")
    openai_base_url: str | None = _env("OPENAI_BASE_URL")
    llm_model: str | None = _env("POLICYBOT_LLM_MODEL")
    llm_timeout_seconds: float = Field(20.0, gt=0, le=300,
                                       validation_alias=AliasChoices("POLICYBOT_LLM_TIMEOUT",
                                                                     "policybot_llm_timeout"))

    knowledge_dir: Path | None = _env("POLICYBOT_KNOWLEDGE_DIR")
    comms_channel: str | None = _env("POLICYBOT_COMMS_CHANNEL")
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("POLICYBOT_HOST", "policybot_host"))
    workers: int = Field(2, ge=1, le=32, validation_alias=AliasChoices("POLICYBOT_WORKERS", "policybot_workers"))
    port: int = Field(3000, ge=1, le=65535, validation_alias=AliasChoices("POLICYBOT_PORT", "policybot_port"))
    embeddings: Literal["local", "openai", "none"] | None = _env("POLICYBOT_EMBEDDINGS")
    embedding_model: str | None = _env("POLICYBOT_EMBEDDING_MODEL")

    @field_validator("database_url", "slack_api_url", "openai_base_url", "llm_model", "slack_bot_token",
                     "slack_signing_secret", "slack_app_token", "openai_api_key", "embedding_model", "comms_channel",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value):
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("embeddings", "knowledge_dir", mode="before")
    @classmethod
    def _blank_choice_is_unset(cls, value):
        if isinstance(value, str):
            value = value.strip()
            return value.lower() or None
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value[len("postgres://"):]
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]
        if not (value.startswith("sqlite") or value.startswith("postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("slack_api_url", "openai_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> "Settings":
        if self.environment == "production":
            for name in ("slack_bot_token", "slack_signing_secret"):
                value = getattr(self, name)
                if value is None or value.lower() in PLACEHOLDER_SECRETS:
                    raise ValueError(f"{name.upper()} must be set to a real value in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'policybot.db').as_posix()}"

    @property
    def knowledge_dirs(self) -> list[Path]:
        dirs = [BUNDLED_KNOWLEDGE_DIR]
        if self.knowledge_dir is not None and self.knowledge_dir.resolve() != BUNDLED_KNOWLEDGE_DIR:
            dirs.append(self.knowledge_dir)
        return dirs


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = first.get("loc") or ()
    name = str(loc[0]).upper() if loc else "a setting"
    fields = Settings.model_fields
    for field_name, field in fields.items():
        if loc and field_name == loc[0] and isinstance(field.validation_alias, AliasChoices):
            name = str(field.validation_alias.choices[0])
    message = first.get("msg", "is invalid").removeprefix("Value error, ")
    if not loc:
        return f"invalid setting: {message}"
    return f"invalid setting {name}: {message}"


def load_settings(**overrides) -> Settings:
    """Read the settings, raising `SettingsError` with one readable line when one is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
