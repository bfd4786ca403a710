"""Requests as Slack sends them to the bot: signed events, slash commands and interactivity payloads."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = {"id": "T1", "domain": "council"}


def signed_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature,
            "Content-Type": content_type}


def event_body(event: dict, event_id: str | None = None) -> str:
    return json.dumps({
        "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event": {"event_ts": event.get("ts", "1700000000.000001"), **event},
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    })


def message_event(text: str, *, user: str = "U100", channel: str = "D100", channel_type: str = "im",
                  ts: str = "1700000100.000100", thread_ts: str | None = None, **extra) -> dict:
    event = {"type": "message", "user": user, "text": text, "channel": channel, "channel_type": channel_type,
             "ts": ts, **extra}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def mention_event(text: str, *, user: str = "U100", channel: str = "C100", ts: str = "1700000200.000100",
                  thread_ts: str | None = None) -> dict:
    event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": channel, "ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def command_body(command: str, text: str, *, user: str = "U100", channel: str = "C100",
                 response_url: str = "") -> str:
    return urlencode({"token": "legacy", "team_id": "T1", "team_domain": "council", "channel_id": channel,
                      "channel_name": "general", "user_id": user, "user_name": user.lower(), "command": command,
                      "text": text, "api_app_id": "A1", "response_url": response_url,
                      "trigger_id": f"{int(time.time())}.1.{uuid.uuid4().hex[:8]}"})


def interaction_body(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_action(action_id: str, value: str, *, user: str = "U100", channel: str = "C100",
                 message_ts: str = "1700000300.000100", response_url: str = "") -> dict:
    return {
        "type": "block_actions", "team": TEAM, "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1", "token": "legacy", "trigger_id": f"{int(time.time())}.1.{uuid.uuid4().hex[:8]}",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "channel": {"id": channel, "name": "general"}, "message": {"ts": message_ts, "text": ""},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button",
                     "action_ts": str(time.time())}],
    }


def view_submission(callback_id: str, values: dict, *, user: str = "U100", private_metadata: str = "",
                    view_id: str | None = None) -> dict:
    """A modal submission. `values` maps block id → the element state, as Slack sends it under
    view.state.values[block_id][action_id] (the bot's modals use action id "value"). Each opened modal has
    a view id of its own, as in Slack; pass `view_id` to submit the same modal again."""
    return {
        "type": "view_submission", "team": TEAM, "user": {"id": user, "username": user.lower(), "name": user.lower(),
                                                          "team_id": "T1"},
        "api_app_id": "A1", "token": "legacy", "trigger_id": f"{int(time.time())}.1.{uuid.uuid4().hex[:8]}",
        "view": {"id": view_id or f"V{uuid.uuid4().hex[:10].upper()}", "type": "modal", "callback_id": callback_id, "private_metadata": private_metadata,
                 "state": {"values": {block: {"value": state} for block, state in values.items()}},
                 "hash": "1700000000.abc", "title": {"type": "plain_text", "text": "Report"}},
        "response_urls": [],
    }


def message_shortcut(callback_id: str, *, user: str = "U100", channel: str = "C100", message_text: str = "",
                     message_user: str = "U200", message_ts: str = "1700000400.000100") -> dict:
    return {
        "type": "message_action", "callback_id": callback_id, "team": TEAM,
        "user": {"id": user, "name": user.lower()}, "channel": {"id": channel, "name": "general"},
        "token": "legacy", "trigger_id": f"{int(time.time())}.1.{uuid.uuid4().hex[:8]}",
        "action_ts": str(time.time()), "message_ts": message_ts, "response_url": "",
        "message": {"type": "message", "user": message_user, "text": message_text, "ts": message_ts},
    }


def radio(value: str) -> dict:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def select(value: str) -> dict:
    return {"type": "static_select", "selected_option": {"value": value}}


def text_input(value: str | None) -> dict:
    return {"type": "plain_text_input", "value": value}


def date_input(value: str | None) -> dict:
    return {"type": "datepicker", "selected_date": value}


def users_input(users: list[str]) -> dict:
    return {"type": "multi_users_select", "selected_users": users}


def checkboxes(values: list[str]) -> dict:
    return {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}
