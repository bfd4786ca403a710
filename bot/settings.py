"""All of the bot's settings, in one place, read from the environment and `.env`.

Every field is named by the environment variable that sets it. A missing or invalid setting is reported
as one line naming the variable (see `SettingsError`), never as a traceback.
"""

from __future__ import annotations

import re
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


def parse_deputies(value: str) -> dict[str, set[str]]:
    """"Place=a@x.gov.uk,b@x.gov.uk; People=c@x.gov.uk" → {"place": {"a@x.gov.uk", "b@x.gov.uk"}, ...}
    (directorate names compared without case)."""
    deputies: dict[str, set[str]] = {}
    for part in (value or "").split(";"):
        if not part.strip():
            continue
        directorate, sep, emails = part.partition("=")
        found = {email.strip().lower() for email in emails.split(",") if email.strip()}
        if not sep or not directorate.strip() or not found or any("@" not in email for email in found):
            raise ValueError("must look like Place=deputy@council.gov.uk,other@council.gov.uk; "
                             "People=someone@council.gov.uk")
        deputies.setdefault(directorate.strip().lower(), set()).update(found)
    return deputies


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

    # Microsoft Teams: on when the app id is set. Inbound activities carry a Bot Framework JWT checked against
    # the keys at `teams_keys_url`; outbound calls use a token for the app id and password.
    teams_app_id: str | None = _env("TEAMS_APP_ID")
    teams_app_password: str | None = _env("TEAMS_APP_PASSWORD")
    teams_tenant_id: str | None = _env("TEAMS_TENANT_ID")
    teams_allow_unauthenticated: bool = Field(False, validation_alias=AliasChoices(
        "POLICYBOT_TEAMS_ALLOW_UNAUTHENTICATED", "policybot_teams_allow_unauthenticated"))
    teams_keys_url: str = Field("https://login.botframework.com/v1/.well-known/keys", validation_alias=AliasChoices(
        "POLICYBOT_TEAMS_KEYS_URL", "policybot_teams_keys_url"))
    teams_issuer: str = Field("https://api.botframework.com", validation_alias=AliasChoices(
        "POLICYBOT_TEAMS_ISSUER", "policybot_teams_issuer"))
    teams_token_url: str | None = _env("POLICYBOT_TEAMS_TOKEN_URL")
    # Microsoft Graph (https://graph.microsoft.com/v1.0, with the app's User.Read.All application permission):
    # when set, the roster job also finds by email the staff in no team the bot is in and opens their chat.
    teams_graph_url: str | None = _env("POLICYBOT_TEAMS_GRAPH_URL")
    # Messages a second the bot sends to Teams in all (Teams allows an app 50 requests a second per tenant; one
    # conversation 7 a second, which the sender keeps to on its own).
    teams_tenant_rate: float = Field(40.0, gt=0, le=1000, validation_alias=AliasChoices(
        "POLICYBOT_TEAMS_TENANT_RATE", "policybot_teams_tenant_rate"))
    # Which platform a person known on both gets direct messages on, first choice first.
    platform_preference: str = Field("slack,teams", validation_alias=AliasChoices(
        "POLICYBOT_PLATFORM_PREFERENCE", "policybot_platform_preference"))

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
    # A YAML file of the deployment's own staff words (same format as knowledge/vocabulary.yml).
    vocabulary_file: Path | None = _env("POLICYBOT_VOCABULARY")
    # The title of the policy the bot is about; a question that names no document leans towards it.
    primary_document: str = Field("Social Media Policy", max_length=300, validation_alias=AliasChoices(
        "POLICYBOT_PRIMARY_DOCUMENT", "policybot_primary_document"))
    # With a model configured, questions are reworded into the documents' language before retrieval;
    # that call gets at most this long before the plain question is used.
    rewrite_timeout_seconds: float = Field(3.0, gt=0, le=60, validation_alias=AliasChoices(
        "POLICYBOT_REWRITE_TIMEOUT", "policybot_rewrite_timeout"))

    # Where each team is reached (channel ids). A team without a channel is reached by direct message to
    # each person with its role in the staff directory.
    hr_channel: str | None = _env("POLICYBOT_HR_CHANNEL")
    legal_channel: str | None = _env("POLICYBOT_LEGAL_CHANNEL")
    safeguarding_channel: str | None = _env("POLICYBOT_SAFEGUARDING_CHANNEL")
    ict_channel: str | None = _env("POLICYBOT_ICT_CHANNEL")
    admin_channel: str | None = _env("POLICYBOT_ADMIN_CHANNEL")

    # Working time, shared by every workflow's reminders and nudges.
    timezone: str = Field("Europe/London", validation_alias=AliasChoices("POLICYBOT_TIMEZONE", "policybot_timezone"))
    working_hours: str = Field("09:00-17:00", validation_alias=AliasChoices("POLICYBOT_WORKING_HOURS",
                                                                             "policybot_working_hours"))
    working_days: str = Field("Mon-Fri", validation_alias=AliasChoices("POLICYBOT_WORKING_DAYS",
                                                                       "policybot_working_days"))
    holidays: str = Field("", validation_alias=AliasChoices("POLICYBOT_HOLIDAYS", "policybot_holidays"))

    report_ack_hours: float = Field(4.0, gt=0, le=200, validation_alias=AliasChoices("POLICYBOT_REPORT_ACK_HOURS",
                                                                                      "policybot_report_ack_hours"))
    handoff_remind_hours: float = Field(8.0, gt=0, le=500, validation_alias=AliasChoices(
        "POLICYBOT_HANDOFF_REMIND_HOURS", "policybot_handoff_remind_hours"))
    # How often each process checks whether the knowledge base changed (a document indexed, a saved answer
    # edited or retired by another process) and reloads its index.
    knowledge_reload_seconds: float = Field(30.0, ge=0, le=3600, validation_alias=AliasChoices(
        "POLICYBOT_KNOWLEDGE_RELOAD_SECONDS", "policybot_knowledge_reload_seconds"))
    approval_remind_days: int = Field(3, ge=1, le=60, validation_alias=AliasChoices(
        "POLICYBOT_APPROVAL_REMIND_DAYS", "policybot_approval_remind_days"))
    # Who may decide account requests besides each directorate's Corporate Director:
    # "Place=deputy.one@council.gov.uk,deputy.two@council.gov.uk; People=someone@council.gov.uk"
    director_deputies: str = Field("", validation_alias=AliasChoices("POLICYBOT_DIRECTOR_DEPUTIES",
                                                                     "policybot_director_deputies"))
    max_nudges: int = Field(6, ge=1, le=50, validation_alias=AliasChoices("POLICYBOT_MAX_NUDGES",
                                                                        "policybot_max_nudges"))
    training_escalate_days: int = Field(14, ge=1, le=365, validation_alias=AliasChoices(
        "POLICYBOT_TRAINING_ESCALATE_DAYS", "policybot_training_escalate_days"))
    policy_url: str | None = _env("POLICYBOT_POLICY_URL")  # where staff read the policy (the intranet page)
    report_retention_days: int = Field(730, ge=1, le=36500, validation_alias=AliasChoices(
        "POLICYBOT_REPORT_RETENTION_DAYS", "policybot_report_retention_days"))

    @field_validator("database_url", "slack_api_url", "openai_base_url", "llm_model", "slack_bot_token",
                     "slack_signing_secret", "slack_app_token", "openai_api_key", "embedding_model", "policy_url",
                     "teams_app_id", "teams_app_password", "teams_tenant_id", "teams_token_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value):
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("hr_channel", "legal_channel", "safeguarding_channel", "ict_channel", "admin_channel",
                     "comms_channel", mode="before")
    @classmethod
    def _channel_id(cls, value):
        if isinstance(value, str):
            value = value.strip()
            teams = re.fullmatch(r"19:[A-Za-z0-9_.\-]+@thread\.(tacv2|skype|v2)", value or "")
            if value and not teams and not re.fullmatch(r"[CGD][A-Z0-9]{2,}", value):
                raise ValueError("must be a Slack channel id such as C0123ABCD (channel details → About), or a "
                                 "Teams channel id such as 19:abc…@thread.tacv2 (the channel's link)")
            return value or None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name such as Europe/London") from None
        return value

    @field_validator("working_hours", "working_days", "holidays")
    @classmethod
    def _working_time(cls, value: str, info) -> str:
        from bot.worktime import parse_days, parse_holidays, parse_hours

        parse = {"working_hours": parse_hours, "working_days": parse_days, "holidays": parse_holidays}[info.field_name]
        parse(value)
        return value.strip()

    @field_validator("director_deputies")
    @classmethod
    def _deputies(cls, value: str) -> str:
        parse_deputies(value)
        return value.strip()

    @field_validator("platform_preference")
    @classmethod
    def _known_platforms(cls, value: str) -> str:
        chosen = [p.strip().lower() for p in value.split(",") if p.strip()]
        if not chosen or any(p not in {"slack", "teams"} for p in chosen) or len(set(chosen)) != len(chosen):
            raise ValueError("must list slack and/or teams, e.g. teams,slack")
        return ",".join(chosen)

    @property
    def platforms(self) -> tuple[str, ...]:
        """Direct-message platforms in order of preference, those configured only."""
        on = {"slack": bool(self.slack_bot_token), "teams": self.teams_enabled}
        return tuple(p for p in self.platform_preference.split(",") if on[p]) or ("slack",)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id)

    @property
    def deputies(self) -> dict[str, set[str]]:
        return parse_deputies(self.director_deputies)

    @property
    def working_time(self):
        from bot.worktime import WorkingTime

        return WorkingTime.from_settings(self)

    def team_channel(self, role: str) -> str | None:
        return {"comms": self.comms_channel, "hr": self.hr_channel, "legal": self.legal_channel,
                "safeguarding": self.safeguarding_channel, "ict": self.ict_channel,
                "admin": self.admin_channel}.get(role)

    @field_validator("embeddings", mode="before")
    @classmethod
    def _blank_choice_is_unset(cls, value):
        if isinstance(value, str):
            value = value.strip()
            return value.lower() or None
        return value

    @field_validator("knowledge_dir", "vocabulary_file", mode="before")
    @classmethod
    def _blank_path_is_unset(cls, value):
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("vocabulary_file")
    @classmethod
    def _readable_vocabulary(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        from knowledge.vocabulary import VocabularyError, load_terms

        try:
            load_terms(value)
        except VocabularyError as error:
            raise ValueError(str(error)) from None
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

    @field_validator("slack_api_url", "openai_base_url", "policy_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> "Settings":
        if self.environment == "production" and self.teams_allow_unauthenticated:
            raise ValueError("POLICYBOT_TEAMS_ALLOW_UNAUTHENTICATED is for local testing only and is refused in "
                             "production")
        if self.environment == "production" and self.teams_app_id and not self.teams_app_password:
            raise ValueError("TEAMS_APP_PASSWORD must be set in production when TEAMS_APP_ID is")
        slack_wanted = not self.teams_app_id or bool(self.slack_bot_token or self.slack_signing_secret)
        if self.environment == "production" and slack_wanted:
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
