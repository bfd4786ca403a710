"""Settings come from the environment and .env; a bad one is one readable line naming it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings
from tests.conftest import ROOT


def test_defaults_need_no_accounts(tmp_path):
    settings = load_settings()
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("data/policybot.db")
    assert settings.slack_bot_token is None and settings.llm_model is None
    assert settings.knowledge_dirs[0].name == "documents"


def test_values_come_from_dotenv_and_environment(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nPOLICYBOT_LLM_MODEL=gpt-test\n"
                                   "DATABASE_URL=postgres://u:p@db/policybot\n", encoding="utf-8")
    monkeypatch.setenv("POLICYBOT_LLM_MODEL", "from-env")
    settings = load_settings()
    assert settings.slack_bot_token == "xoxb-from-dotenv"
    assert settings.llm_model == "from-env"
    assert settings.resolved_database_url == "postgresql+psycopg://u:p@db/policybot"


@pytest.mark.parametrize("name,value,fragment", [
    ("DATABASE_URL", "mysql://x", "invalid setting DATABASE_URL: must be a sqlite:/// or postgresql:// URL"),
    ("SLACK_API_URL", "slack.example", "invalid setting SLACK_API_URL: must start with http:// or https://"),
    ("POLICYBOT_LLM_TIMEOUT", "soon", "invalid setting POLICYBOT_LLM_TIMEOUT"),
    ("POLICYBOT_EMBEDDINGS", "magic", "invalid setting POLICYBOT_EMBEDDINGS"),
])
def test_an_invalid_setting_is_named(monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


def test_production_refuses_missing_or_placeholder_secrets(monkeypatch):
    monkeypatch.setenv("POLICYBOT_ENV", "production")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "changeme")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET must be set to a real value in production"):
        load_settings()


def test_the_cli_prints_one_line_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "oracle://nope")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "hello"], capture_output=True, text=True,
                            cwd=tmp_path, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    assert result.stderr.strip() == ("policybot: invalid setting DATABASE_URL: must be a sqlite:/// or "
                                     "postgresql:// URL")
