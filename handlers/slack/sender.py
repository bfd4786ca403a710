"""Slack's sender for the outbox: draws a neutral message as Block Kit, opens the DM for a user id, posts,
updates or answers at a response_url, and says which failures are for good.

A post whose answer never came (the client timed out) may have reached the channel all the same. Every post
carries its outbox id as message metadata, and before such a post is sent again the channel (or thread) is
read back for it, so it is not posted twice.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta, timezone
from functools import lru_cache
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.messages import Message, mentioned, replace_mentions
from bot.outbox import EPHEMERAL, POST, RESPOND, UNCERTAIN, UPDATE, DeliveryError
from handlers.slack.render import SLACK_ID, render
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

METADATA_TYPE = "policybot_outbox"
PERMANENT_ERRORS = {"channel_not_found", "is_archived", "not_in_channel", "user_not_found", "invalid_blocks",
                    "msg_too_long", "no_text", "cant_update_message", "message_not_found", "account_inactive",
                    "user_disabled", "invalid_auth", "not_authed", "missing_scope"}


@lru_cache(maxsize=512)
def _drawn(content: str) -> tuple[str, list[dict]]:
    """A stored neutral message drawn as Block Kit; the same message sent to many people (a campaign's
    nudges) is drawn once. Nothing downstream changes the blocks."""
    return render(Message.from_json(content))


class RespondError(SlackClientError):
    """A response_url that answered a rate limit or a server error: tried again later."""


class SlackSender:
    def __init__(self, client: WebClient, names=None):
        self.client = client
        self.names = names  # user ids → directory names, for people Slack cannot mention (known on Teams)
        self._dm_channels: dict[str, str] = {}  # user id → DM channel id (conversations.open always gives the same)

    def send(self, message: OutboxMessage) -> tuple[str | None, str | None]:
        try:
            return self._call(message)
        except SlackApiError as error:
            code = str(error.response.get("error", "slack_error"))
            permanent = code in PERMANENT_ERRORS or code.startswith("response_url_")  # expired or refused
            raise DeliveryError(code, permanent=permanent) from error
        except (SlackClientError, OSError) as error:
            # No answer to a post: it may have arrived (checked before the next attempt); a refused connection
            # or a rate limit means it did not.
            uncertain = message.method == POST and isinstance(error, TimeoutError | URLError) \
                and not isinstance(getattr(error, "reason", None), ConnectionRefusedError)
            raise DeliveryError(f"{type(error).__name__}: {error}", uncertain=uncertain) from error

    def _draw(self, content: str) -> tuple[str, list[dict]]:
        """Block Kit for a stored message; a person known only by another platform's id is named, as Slack
        cannot mention them."""
        if self.names is not None and '"mention"' in content:
            neutral = Message.from_json(content)
            others = {user for user in mentioned(neutral) if not SLACK_ID.match(user)}
            if others:
                found = self.names(others)
                return render(replace_mentions(neutral, {u: found.get(u, "a colleague on Teams") for u in others}))
        return _drawn(content)

    def _call(self, message: OutboxMessage) -> tuple[str | None, str | None]:
        blocks = json.loads(message.blocks) if message.blocks else None
        if blocks is None and message.content:
            message.text, blocks = self._draw(message.content)
        channel = message.channel
        if channel.startswith(("U", "W")) and message.method == POST:
            user = channel
            channel = self._dm_channels.get(user) or self.client.conversations_open(users=[user])["channel"]["id"]
            self._dm_channels[user] = channel
        if message.method == RESPOND:
            return self._respond(message, blocks)
        if message.method == UPDATE:
            response = self.client.chat_update(channel=channel, ts=message.ts, text=message.text, blocks=blocks)
        elif message.method == EPHEMERAL:
            response = self.client.chat_postEphemeral(channel=channel, user=message.user, text=message.text,
                                                      blocks=blocks, thread_ts=message.thread_ts)
            return channel, response.get("message_ts")
        else:
            if (message.last_error or "").startswith(UNCERTAIN):
                posted = self._posted_already(channel, message)
                if posted is not None:
                    log.info("outbox message had reached Slack before its answer timed out; not sent again",
                             extra={"outbox_id": message.id})
                    return channel, posted
            response = self.client.chat_postMessage(
                channel=channel, text=message.text, blocks=blocks, thread_ts=message.thread_ts, unfurl_links=False,
                metadata={"event_type": METADATA_TYPE, "event_payload": {"outbox_id": message.id}})
        return response.get("channel", channel), response.get("ts")

    def _posted_already(self, channel: str, message: OutboxMessage) -> str | None:
        """The ts of this outbox message if an earlier attempt posted it after all (read back by its metadata
        from the channel or thread since it was queued); None if not found or the channel cannot be read."""
        created = message.created_at
        created = created.replace(tzinfo=timezone.utc) if created.tzinfo is None else created
        oldest = f"{(created - timedelta(minutes=5)).timestamp():.6f}"
        try:
            if message.thread_ts:
                response = self.client.conversations_replies(channel=channel, ts=message.thread_ts, oldest=oldest,
                                                             include_all_metadata=True, limit=200)
            else:
                response = self.client.conversations_history(channel=channel, oldest=oldest,
                                                             include_all_metadata=True, limit=200)
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("could not read the channel back before sending again; sending",
                        extra={"outbox_id": message.id, "error": str(error)[:200]})
            return None
        for posted in response.get("messages") or []:
            metadata = posted.get("metadata") or {}
            if metadata.get("event_type") == METADATA_TYPE and \
                    str((metadata.get("event_payload") or {}).get("outbox_id")) == str(message.id):
                return posted.get("ts")
        return None

    def _respond(self, message: OutboxMessage, blocks: list | None) -> tuple[str | None, str | None]:
        """A private reply at a slash command's response_url, replacing the "Looking that up…" message.
        Rate limits and server errors are retried like any other message; an expired or unknown URL is not."""
        from slack_sdk.webhook import WebhookClient

        response = WebhookClient(message.response_url or "", timeout=self.client.timeout).send(
            text=message.text, blocks=blocks, response_type="ephemeral", replace_original=True)
        if response.status_code == 200:
            return message.channel, None
        if response.status_code == 429 or response.status_code >= 500:
            raise RespondError(f"response_url answered {response.status_code}")
        raise SlackApiError(f"response_url answered {response.status_code}",
                            {"error": f"response_url_{response.status_code}"})
