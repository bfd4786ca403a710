"""Requests as Slack sends them to a Bolt app: signed Events API callbacks, slash commands and interactivity.

    body, content_type = command_body("/policy", "can I post this?", user_id="U100", channel_id="C100",
                                      response_url=fake.response_url)
    headers = {"Content-Type": content_type, **sign(body, SIGNING_SECRET)}
    httpx.post(bot_url + "/slack/events", content=body, headers=headers)
    # or in process: app.dispatch(BoltRequest(body=body, headers=headers))

Shapes follow Slack's documentation (Events API outer event, slash command form fields, block_actions,
view_submission, view_closed, message_action, shortcut payloads). Signatures are made with
slack_sdk.signature.SignatureVerifier.generate_signature over "v0:{timestamp}:{body}", the exact string sent.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

__all__ = [
    "SIGNING_SECRET", "VERIFICATION_TOKEN", "TEAM_ID", "TEAM_DOMAIN", "API_APP_ID", "BOT_USER_ID",
    "JSON", "FORM", "sign", "signed_headers",
    "event_body", "url_verification_body", "command_body", "interaction_body",
    "message_event", "app_mention_event",
    "block_action", "view_submission", "view_closed", "message_shortcut", "global_shortcut",
    "plain_text_value", "static_select_value", "users_select_value", "conversations_select_value",
    "checkboxes_value", "datepicker_value", "new_trigger_id", "action_ts",
]

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the example secret from Slack's docs
VERIFICATION_TOKEN = "legacy-verification-token"  # deprecated field Slack still sends; Bolt ignores it
TEAM_ID = "T1"
TEAM_DOMAIN = "council"
API_APP_ID = "A1"
BOT_USER_ID = "UBOT"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
DEFAULT_USER = "U100"
DEFAULT_CHANNEL = "C100"


# ------------------------------------------------------------------------------------------------- signing

def sign(body: str | bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """X-Slack-Request-Timestamp and X-Slack-Signature for `body` (sign exactly the bytes you send).
    timestamp defaults to now; Bolt rejects timestamps more than 5 minutes away."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def signed_headers(body: str | bytes, content_type: str, secret: str = SIGNING_SECRET,
                   timestamp: int | None = None) -> dict[str, str]:
    """sign() plus Content-Type: everything a POST to /slack/events needs."""
    return {"Content-Type": content_type, **sign(body, secret, timestamp)}


# --------------------------------------------------------------------------------------------- small values

def new_trigger_id() -> str:
    """A fresh trigger_id shaped like Slack's ("<ts>.<team number>.<32 hex>")."""
    return f"{int(time.time() * 1000)}.1234567890.{uuid.uuid4().hex}"


def action_ts() -> str:
    return f"{time.time():.6f}"


def _ts() -> str:
    return f"{time.time():.6f}"


def _response_url(kind: str = "actions") -> str:
    # Pass FakeSlack.response_url instead if the bot will respond(); this host is not reachable from tests.
    return f"https://hooks.slack.com/{kind}/{TEAM_ID}/1234567890/{uuid.uuid4().hex[:24]}"


def _team(team_id: str) -> dict[str, str]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


# ---------------------------------------------------------------------------------------------- Events API

def event_body(event: dict, event_id: str | None = None, team_id: str = TEAM_ID, api_app_id: str = API_APP_ID, *,
               event_time: int | None = None, bot_user_id: str = BOT_USER_ID) -> tuple[str, str]:
    """(body, "application/json") of an event_callback wrapping `event` (event_ts is filled in if missing)."""
    inner = dict(event)
    inner.setdefault("event_ts", inner.get("ts") or _ts())
    return json.dumps({
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": inner,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": bot_user_id, "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }), JSON


def url_verification_body(challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") -> tuple[str, str]:
    """(body, "application/json") of the url_verification handshake; Bolt answers with the challenge."""
    return json.dumps({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}), JSON


def message_event(text: str, user: str = DEFAULT_USER, channel: str = "D100", *, channel_type: str = "im",
                  ts: str | None = None, thread_ts: str | None = None, team_id: str = TEAM_ID,
                  **extra: Any) -> dict:
    """A `message` event (a DM by default) for event_body()."""
    ts = ts or _ts()
    event = {"type": "message", "user": user, "text": text, "ts": ts, "team": team_id, "channel": channel,
             "channel_type": channel_type, "event_ts": ts,
             "blocks": [{"type": "rich_text", "block_id": "rt1", "elements": [
                 {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}]}
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return event


def app_mention_event(text: str, user: str = DEFAULT_USER, channel: str = DEFAULT_CHANNEL, *,
                      ts: str | None = None, thread_ts: str | None = None, bot_user_id: str = BOT_USER_ID,
                      team_id: str = TEAM_ID, **extra: Any) -> dict:
    """An `app_mention` event; text gets the "<@UBOT> " prefix Slack puts there."""
    ts = ts or _ts()
    event = {"type": "app_mention", "user": user, "text": f"<@{bot_user_id}> {text}", "ts": ts, "team": team_id,
             "channel": channel, "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return event


# -------------------------------------------------------------------------------------------- slash command

def command_body(command: str, text: str = "", user_id: str = DEFAULT_USER, channel_id: str = DEFAULT_CHANNEL, *,
                 trigger_id: str | None = None, response_url: str | None = None, team_id: str = TEAM_ID,
                 channel_name: str = "general", user_name: str | None = None,
                 api_app_id: str = API_APP_ID) -> tuple[str, str]:
    """(body, "application/x-www-form-urlencoded") of a slash command invocation."""
    return urlencode({
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url or _response_url("commands"),
        "trigger_id": trigger_id or new_trigger_id(),
    }), FORM


# ------------------------------------------------------------------------------------------- interactivity

def interaction_body(payload: dict) -> tuple[str, str]:
    """(body, "application/x-www-form-urlencoded"): `payload=<JSON>` as Slack posts interactivity."""
    return urlencode({"payload": json.dumps(payload)}), FORM


def block_action(action_id: str, value: str | None = None, user_id: str = DEFAULT_USER, *,
                 block_id: str = "actions", action_type: str = "button", channel_id: str = DEFAULT_CHANNEL,
                 message_ts: str = "1700000000.000100", message: dict | None = None,
                 view: dict | None = None, response_url: str | None = None, trigger_id: str | None = None,
                 team_id: str = TEAM_ID, api_app_id: str = API_APP_ID, is_ephemeral: bool = False,
                 **action_fields: Any) -> dict:
    """A block_actions payload for one action.

    On a message by default (container, channel, message and response_url); pass `view` (a partial view dict:
    id, callback_id, private_metadata, state {"values": …} in view_submission's shorthand, …) for an action
    inside a modal or App Home (container {"type": "view"}, the full view, no channel or response_url).
    button → action has `value`; static_select/external_select/radio_buttons → `selected_option`;
    users_select → `selected_user`; conversations_select/channels_select → `selected_conversation`/
    `selected_channel`; datepicker → `selected_date`. `action_fields` are added to (or override) the action.
    """
    action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "type": action_type,
                              "action_ts": action_ts()}
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        if value is not None:
            action["value"] = value
    elif action_type in ("static_select", "external_select", "radio_buttons"):
        action["selected_option"] = None if value is None else static_select_value(value)["selected_option"]
    elif action_type == "users_select":
        action["selected_user"] = value
    elif action_type == "conversations_select":
        action["selected_conversation"] = value
    elif action_type == "channels_select":
        action["selected_channel"] = value
    elif action_type == "datepicker":
        action["selected_date"] = value
    elif value is not None:
        action["value"] = value
    action.update(action_fields)

    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        view = _view(view, team_id=team_id, api_app_id=api_app_id)
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        payload["state"] = view["state"]
    else:
        message = dict(message or {"type": "message", "user": BOT_USER_ID, "bot_id": "BBOT", "text": "",
                                   "blocks": [], "team": team_id})
        message.setdefault("ts", message_ts)
        payload["container"] = {"type": "message", "message_ts": message["ts"], "channel_id": channel_id,
                                "is_ephemeral": is_ephemeral}
        payload["channel"] = {"id": channel_id, "name": "directmessage" if channel_id.startswith("D") else "general"}
        payload["message"] = message
        payload["state"] = {"values": {}}
        payload["response_url"] = response_url or _response_url("actions")
    return payload


def _state_values(state_values: dict) -> dict:
    """Accept Slack's shape {block_id: {action_id: {"type": …, …}}} or shorthand {block_id: {action_id: "text"}}
    (a string becomes a plain_text_input value; None an empty input)."""
    values: dict[str, dict] = {}
    for block_id, actions in state_values.items():
        values[block_id] = {}
        for action_id, element in actions.items():
            if element is None or isinstance(element, str):
                element = plain_text_value(element)
            values[block_id][action_id] = element
    return values


def _view(view: dict, *, team_id: str, api_app_id: str) -> dict:
    view_id = view.get("id") or f"V{uuid.uuid4().hex[:10].upper()}"
    result = {
        "id": view_id, "team_id": team_id, "type": "modal", "blocks": [], "private_metadata": "", "callback_id": "",
        "state": {"values": {}}, "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "title": {"type": "plain_text", "text": "Policy bot", "emoji": True},
        "clear_on_close": False, "notify_on_close": False, "close": None,
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": None, "root_view_id": view_id, "app_id": api_app_id, "external_id": "",
        "app_installed_team_id": team_id, "bot_id": "BBOT",
    }
    result.update(view)
    result["id"] = view_id
    result["state"] = {"values": _state_values((result.get("state") or {}).get("values") or {})}
    return result


def view_submission(callback_id: str, state_values: dict, user_id: str = DEFAULT_USER, private_metadata: str = "", *,
                    view_id: str | None = None, blocks: list | None = None, title: str = "Policy bot",
                    external_id: str = "", response_urls: list | None = None, trigger_id: str | None = None,
                    team_id: str = TEAM_ID, api_app_id: str = API_APP_ID, **view_fields: Any) -> dict:
    """A view_submission payload. state_values: {block_id: {action_id: element_state}}; element_state may be a
    plain string (plain_text_input) or one of the *_value() helpers below (or any dict Slack would send)."""
    view = _view({"id": view_id or f"V{uuid.uuid4().hex[:10].upper()}", "callback_id": callback_id,
                  "private_metadata": private_metadata, "blocks": blocks or [], "external_id": external_id,
                  "title": {"type": "plain_text", "text": title, "emoji": True},
                  "state": {"values": state_values}, **view_fields}, team_id=team_id, api_app_id=api_app_id)
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": view,
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(callback_id: str, user_id: str = DEFAULT_USER, private_metadata: str = "", *,
                view_id: str | None = None, team_id: str = TEAM_ID, api_app_id: str = API_APP_ID) -> dict:
    """A view_closed payload (sent only for views opened with notify_on_close)."""
    view = _view({"id": view_id or f"V{uuid.uuid4().hex[:10].upper()}", "callback_id": callback_id,
                  "private_metadata": private_metadata, "notify_on_close": True},
                 team_id=team_id, api_app_id=api_app_id)
    return {"type": "view_closed", "team": _team(team_id), "user": _user(user_id, team_id), "api_app_id": api_app_id,
            "token": VERIFICATION_TOKEN, "view": view, "is_cleared": False, "is_enterprise_install": False,
            "enterprise": None}


def message_shortcut(callback_id: str, message: dict | str, channel_id: str = DEFAULT_CHANNEL,
                     user_id: str = DEFAULT_USER, *, message_ts: str | None = None, response_url: str | None = None,
                     trigger_id: str | None = None, team_id: str = TEAM_ID, author: str = "U200") -> dict:
    """A message_action payload (a message shortcut). `message` may be the message dict or just its text
    (then written by `author`)."""
    if isinstance(message, str):
        message = {"type": "message", "user": author, "text": message, "ts": message_ts or "1700000000.000200",
                   "team": team_id}
    message = dict(message)
    message.setdefault("type", "message")
    message.setdefault("ts", message_ts or "1700000000.000200")
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": action_ts(),
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "channel": {"id": channel_id, "name": "directmessage" if channel_id.startswith("D") else "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url or _response_url("app"),
        "message_ts": message["ts"],
        "message": message,
    }


def global_shortcut(callback_id: str, user_id: str = DEFAULT_USER, *, trigger_id: str | None = None,
                    team_id: str = TEAM_ID) -> dict:
    """A global shortcut payload (type "shortcut")."""
    return {"type": "shortcut", "token": VERIFICATION_TOKEN, "action_ts": action_ts(), "team": _team(team_id),
            "user": _user(user_id, team_id), "is_enterprise_install": False, "enterprise": None,
            "callback_id": callback_id, "trigger_id": trigger_id or new_trigger_id()}


# ------------------------------------------------------------------------- element states for view_submission

def plain_text_value(value: str | None) -> dict:
    return {"type": "plain_text_input", "value": value}


def static_select_value(value: str, text: str | None = None) -> dict:
    return {"type": "static_select", "selected_option": {
        "text": {"type": "plain_text", "text": text if text is not None else value, "emoji": True}, "value": value}}


def users_select_value(user_id: str | None) -> dict:
    return {"type": "users_select", "selected_user": user_id}


def conversations_select_value(channel_id: str | None) -> dict:
    return {"type": "conversations_select", "selected_conversation": channel_id}


def checkboxes_value(values: list[str]) -> dict:
    return {"type": "checkboxes", "selected_options": [
        {"text": {"type": "plain_text", "text": v, "emoji": True}, "value": v} for v in values]}


def datepicker_value(date: str | None) -> dict:
    """date as "YYYY-MM-DD"."""
    return {"type": "datepicker", "selected_date": date}
