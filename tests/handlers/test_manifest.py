"""manifest.yml creates the app the code expects: every command, event and action registered is declared,
and everything declared is handled, probed through the Bolt app itself."""

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


def test_bolt_handles_everything_the_manifest_declares_and_nothing_undeclared(tmp_path, fake_slack):
    """What Bolt actually registered, probed through the app itself: every declared command, shortcut and
    event, and every button and form the bot draws, reaches a listener (Bolt answers 404 when none matches)."""
    from slack_bolt.request import BoltRequest

    from storage.migrate import upgrade
    from tests.support import slack_requests as rq

    url = f"sqlite:///{tmp_path / 'probe.db'}"
    upgrade(url)
    settings = load_settings(slack_bot_token="xoxb-test-token", slack_signing_secret=rq.SIGNING_SECRET,
                             database_url=url, slack_api_url=fake_slack.base_url)
    services = Services(settings, bot_user_id="UBOT")
    app = create_app(services)

    def status(body: str, content_type: str) -> int:
        headers = {**rq.signed_headers(body), "content-type": content_type}
        return app.dispatch(BoltRequest(body=body, headers=headers)).status

    form, json_type = "application/x-www-form-urlencoded", "application/json"
    manifest = _manifest()
    for command in manifest["features"]["slash_commands"]:
        assert status(rq.command_body(command["command"], "help"), form) != 404, command["command"]
    assert status(rq.command_body("/undeclared", "help"), form) == 404  # the probe can fail
    for shortcut in manifest["features"].get("shortcuts", []):
        assert status(rq.interaction_body(rq.message_shortcut(shortcut["callback_id"])), form) != 404
    events = {"app_home_opened": {"type": "app_home_opened", "user": "U100", "tab": "home"},
              "app_mention": {"type": "app_mention", "user": "U100", "text": "<@UBOT> hi", "channel": "C1",
                              "ts": "1.1"},
              "message.im": {"type": "message", "channel_type": "im", "user": "U100", "text": "hi",
                             "channel": "D1", "ts": "1.2"},
              "message.channels": {"type": "message", "channel_type": "channel", "user": "U100", "text": "hi",
                                   "channel": "C1", "ts": "1.3"},
              "message.groups": {"type": "message", "channel_type": "group", "user": "U100", "text": "hi",
                                 "channel": "G1", "ts": "1.4"}}
    assert set(events) == set(manifest["settings"]["event_subscriptions"]["bot_events"])
    for name, event in events.items():
        assert status(rq.event_body(event), json_type) != 404, name
    registry = app.registry
    for action_id in registry.actions:
        assert status(rq.interaction_body(rq.block_action(action_id, "1")), form) != 404, action_id
    for callback_id in registry.views:
        assert status(rq.interaction_body(rq.view_submission(callback_id, {})), form) != 404, callback_id
    assert status(rq.interaction_body(rq.block_action("undeclared_button", "1")), form) == 404
    services.executor.shutdown(wait=True)  # the probes' deferred work ends with the test
