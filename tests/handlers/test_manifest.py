"""manifest.yml creates the app the code expects: every command, event and action registered is declared,
and everything declared is handled."""

from __future__ import annotations

import yaml

from bot.services import Services
from bot.settings import load_settings
from handlers.slack.app import create_app
from tests.conftest import ROOT


def _manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def _registry(tmp_path):
    settings = load_settings(slack_bot_token="xoxb-test", slack_signing_secret="s" * 32,
                             database_url=f"sqlite:///{tmp_path / 'm.db'}")
    return create_app(Services(settings)).registry


def test_commands_and_events_match_the_manifest(tmp_path):
    manifest = _manifest()
    registry = _registry(tmp_path)
    declared_commands = {c["command"] for c in manifest["features"].get("slash_commands", [])}
    declared_events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert declared_commands == registry.commands
    assert declared_events == registry.events
    declared_shortcuts = {s["callback_id"] for s in manifest["features"].get("shortcuts", [])}
    assert declared_shortcuts == registry.shortcuts


def test_every_slash_command_and_event_has_the_scopes_it_needs(tmp_path):
    manifest = _manifest()
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needs = {"app_mention": "app_mentions:read", "message.im": "im:history", "message.channels": "channels:history",
             "message.groups": "groups:history"}
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        if event in needs:
            assert needs[event] in scopes, event
    assert {"commands", "chat:write", "im:write"} <= scopes
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    urls = {manifest["settings"]["event_subscriptions"]["request_url"],
            manifest["settings"]["interactivity"]["request_url"],
            *[c["url"] for c in manifest["features"]["slash_commands"]]}
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
