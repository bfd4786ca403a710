"""Questions in Slack: direct messages, @mentions and thread follow-ups, `/policy`, votes, sharing and
hand-offs to Communications and Marketing.

Listeners are module-level functions that take the bot's services from the request's context; they
acknowledge at once and answer in the bot's worker threads (`services.defer`) through
`services.questions`: an answer is stored with the question and queued in the outbox in one transaction, then
sent; if Slack is unavailable the outbox job sends it later.
"""

from __future__ import annotations

import logging
import re

from bot.questions import previous_question, record_vote
from handlers.slack.questions import blocks as ui

log = logging.getLogger(__name__)
MENTION_RE = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def _question_text(raw: str) -> str:
    return MENTION_RE.sub(" ", raw or "").strip()


def _question_id(value) -> int | None:
    """A button's question id, or None when the value is not one (a crafted or damaged payload)."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


# ---------------------------------------------------------------------------------- answering in chat

def _answer_in_conversation(services, *, surface: str, user: str, channel: str, text: str, thread_ts: str | None,
                            context: str | None, event_id: str | None) -> None:
    try:
        services.questions.answer_in_conversation(surface=surface, user=user, channel=channel, text=text,
                                                  thread_ts=thread_ts, context=context)
    finally:
        services.finish_event(event_id)


def _on_mention(services, event, event_claim) -> None:
    channel = event["channel"]
    thread_ts = event.get("thread_ts") or event["ts"]
    previous = previous_question(services.engine, channel, thread_ts) if event.get("thread_ts") else None
    _answer_in_conversation(services, surface="thread" if previous else "mention", user=event.get("user", ""),
                            channel=channel, text=_question_text(event.get("text", "")), thread_ts=thread_ts,
                            context=previous.text if previous else None, event_id=event_claim)


def _on_message(services, event, event_claim) -> None:
    channel_type = event.get("channel_type")
    text = event.get("text", "")
    bot_user = services.bot_user_id
    if channel_type == "im":
        _answer_in_conversation(services, surface="dm", user=event.get("user", ""), channel=event["channel"],
                                text=_question_text(text), thread_ts=event.get("thread_ts"), context=None,
                                event_id=event_claim)
        return
    thread_ts = event.get("thread_ts")
    mentions_bot = bot_user and f"<@{bot_user}" in text
    if not thread_ts or thread_ts == event.get("ts") or mentions_bot:  # mentions come as app_mention
        services.finish_event(event_claim)
        return
    previous = previous_question(services.engine, event["channel"], thread_ts)
    if previous is None:  # not a question thread: perhaps a requester answering Comms in a request's thread
        try:
            services.accounts.answer_in_thread(event["channel"], thread_ts, event.get("user", ""), text)
        finally:
            services.finish_event(event_claim)
        return
    _answer_in_conversation(services, surface="thread", user=event.get("user", ""), channel=event["channel"],
                            text=_question_text(text), thread_ts=thread_ts, context=previous.text,
                            event_id=event_claim)


def mention_listener(ack, event, context):
    ack()
    services = context["services"]
    services.defer(_on_mention, services, event, context.get("event_claim"))


def message_listener(ack, event, context):
    ack()
    services = context["services"]
    services.defer(_on_message, services, event, context.get("event_claim"))


# ---------------------------------------------------------------------------------------- /policy

def policy_command(ack, command, context):
    text = (command.get("text") or "").strip()
    if not text or text.lower() in {"help", "?"}:
        ack(blocks=ui.help_blocks(), text="How to use the policy assistant")
        return
    ack(text="Looking that up…", blocks=ui.looking_up_blocks(text))
    services = context["services"]
    services.defer(_policy_answer, services,
                   {k: command.get(k) for k in ("text", "user_id", "channel_id", "response_url")})


def _policy_answer(services, command) -> None:
    services.questions.answer_privately(user=command.get("user_id", ""), channel=command.get("channel_id", ""),
                                        text=(command.get("text") or "").strip(),
                                        response_url=command.get("response_url"))


# ----------------------------------------------------------------------------------- answer buttons

def _vote(services, body, respond, helpful: bool) -> None:
    action = body["actions"][0]
    user = body["user"]["id"]
    question_id = _question_id(action.get("value"))
    question, changed = (None, False) if question_id is None else \
        record_vote(services.engine, question_id, user, helpful)
    if question is None:
        respond(text="That answer is no longer on record, so the vote was not saved.", replace_original=False,
                response_type="ephemeral")
        return
    word = "helpful" if helpful else "not helpful"
    message = f"Thanks: your vote ({word}) is recorded." if changed else f"You already marked this {word}."
    if not helpful:
        message += " If you still need an answer, press *Ask Comms and Marketing*."
    respond(text=message, replace_original=False, response_type="ephemeral")


def _vote_helpful(services, body, respond) -> None:
    _vote(services, body, respond, True)


def _vote_not_helpful(services, body, respond) -> None:
    _vote(services, body, respond, False)


def _ask_comms(services, body, respond) -> None:
    reply = services.handoffs.hand_off(_question_id(body["actions"][0].get("value")), body["user"]["id"])
    respond(text=reply, replace_original=False, response_type="ephemeral")


def _share(services, body, respond) -> None:
    user = body["user"]["id"]
    question_id = _question_id(body["actions"][0].get("value"))
    shared = services.questions.share(question_id, user)
    if shared is None:
        respond(text="Only the person who asked can share this answer.", replace_original=False,
                response_type="ephemeral")
        return
    question, answer = shared
    respond(response_type="in_channel", replace_original=False, text=ui.answer_fallback_text(answer),
            blocks=ui.answer_blocks(question_id, answer, shared_by=user, asker=question.user_id))
    respond(text="Shared in the channel.", replace_original=True, response_type="ephemeral")


BUTTONS = {ui.HELPFUL: _vote_helpful, ui.NOT_HELPFUL: _vote_not_helpful, ui.ASK_COMMS: _ask_comms,
           ui.SHARE: _share}


def answer_button(ack, body, context):
    """Every answer button: acknowledged at once, acted on in the worker threads."""
    ack()
    services = context["services"]
    work = BUTTONS[body["actions"][0]["action_id"]]
    services.defer(work, services, body, services.respond_to(body["response_url"]))


def register(app) -> None:
    registry = app.registry
    app.event("app_mention")(mention_listener)
    app.event("message")(message_listener)
    registry.events.update({"app_mention", "message.im", "message.channels", "message.groups"})
    app.command("/policy")(policy_command)
    registry.commands.add("/policy")
    for action_id in BUTTONS:
        app.action(action_id)(answer_button)
        registry.actions.add(action_id)
