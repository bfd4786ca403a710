"""Questions in Slack: direct messages, @mentions and thread follow-ups, `/policy`, votes, sharing and
hand-offs to Communications and Marketing.

Listeners acknowledge at once and answer in the bot's worker threads (`services.defer`). An answer is stored with the question and
queued in the outbox in one transaction, then sent; if Slack is unavailable the outbox job sends it later.
"""

from __future__ import annotations

import logging
import re

from sqlmodel import Session

from bot import question_messages as say
from bot.outbox import enqueue
from bot.questions import get_question, previous_question, record_handoff, record_question, record_vote
from handlers.questions import blocks as ui
from knowledge.answer import QuestionError

log = logging.getLogger(__name__)
MENTION_RE = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def _question_text(raw: str) -> str:
    return MENTION_RE.sub(" ", raw or "").strip()


def _question_id(value) -> int | None:
    """A button's question id, or None when the value is not one (a crafted or damaged payload)."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


def register(app, services) -> None:
    registry = app.registry

    # ------------------------------------------------------------------------------ answering in chat

    def answer_in_conversation(*, surface: str, user: str, channel: str, text: str, thread_ts: str | None,
                               context: str | None, event_id: str | None) -> None:
        engine = services.engine
        try:
            slow = services.answerer.generator is not None
            placeholder_id = None
            if slow:
                with Session(engine) as session:
                    placeholder_id = enqueue(session, at=services.clock(), channel=channel, thread_ts=thread_ts,
                                             content=say.looking_up(text), purpose="answer-placeholder").id
                    session.commit()
                services.outbox.deliver([placeholder_id])
            try:
                answer = services.answerer.answer(text, context=context)
            except QuestionError as error:
                with Session(engine) as session:
                    error_id = enqueue(session, at=services.clock(), channel=channel, thread_ts=thread_ts,
                                       text=str(error), purpose="question-error").id
                    session.commit()
                services.outbox.deliver([error_id])
                return
            with Session(engine, expire_on_commit=False) as session:
                question = record_question(session, answer=answer, surface=surface, user_id=user,
                                           channel_id=channel, thread_ts=thread_ts, context=context)
                content = say.answer_message(question.id, answer)
                placeholder = services.outbox.get(placeholder_id) if placeholder_id else None
                if placeholder is not None and placeholder.sent_ts:
                    message = enqueue(session, at=services.clock(), method="chat.update",
                                      channel=placeholder.sent_channel or channel, ts=placeholder.sent_ts,
                                      content=content, purpose="answer", ref_type="question", ref_id=question.id)
                else:
                    message = enqueue(session, at=services.clock(), channel=channel, thread_ts=thread_ts,
                                      content=content, purpose="answer", ref_type="question", ref_id=question.id)
                session.commit()
            services.outbox.deliver([message.id])
        finally:
            services.finish_event(event_id)

    def on_mention(event, context):
        channel = event["channel"]
        thread_ts = event.get("thread_ts") or event["ts"]
        previous = previous_question(services.engine, channel, thread_ts) if event.get("thread_ts") else None
        answer_in_conversation(surface="thread" if previous else "mention", user=event.get("user", ""),
                               channel=channel, text=_question_text(event.get("text", "")), thread_ts=thread_ts,
                               context=previous.text if previous else None, event_id=context.get("event_claim"))

    def on_message(event, context):
        channel_type = event.get("channel_type")
        text = event.get("text", "")
        bot_user = services.bot_user_id
        if channel_type == "im":
            answer_in_conversation(surface="dm", user=event.get("user", ""), channel=event["channel"],
                                   text=_question_text(text), thread_ts=event.get("thread_ts"), context=None,
                                   event_id=context.get("event_claim"))
            return
        thread_ts = event.get("thread_ts")
        mentions_bot = bot_user and f"<@{bot_user}" in text
        if not thread_ts or thread_ts == event.get("ts") or mentions_bot:  # mentions come as app_mention
            services.finish_event(context.get("event_claim"))
            return
        previous = previous_question(services.engine, event["channel"], thread_ts)
        if previous is None:  # not a question thread: perhaps a requester answering Comms in a request's thread
            try:
                services.accounts.answer_in_thread(event["channel"], thread_ts, event.get("user", ""), text)
            finally:
                services.finish_event(context.get("event_claim"))
            return
        answer_in_conversation(surface="thread", user=event.get("user", ""), channel=event["channel"],
                               text=_question_text(text), thread_ts=thread_ts, context=previous.text,
                               event_id=context.get("event_claim"))

    def mention_listener(ack, event, context):
        ack()
        services.defer(on_mention, event, {"event_claim": context.get("event_claim")})

    def message_listener(ack, event, context):
        ack()
        services.defer(on_message, event, {"event_claim": context.get("event_claim")})

    app.event("app_mention")(mention_listener)
    app.event("message")(message_listener)
    registry.events.update({"app_mention", "message.im", "message.channels", "message.groups"})

    # ------------------------------------------------------------------------------------ /policy

    def policy_command(ack, command):
        text = (command.get("text") or "").strip()
        if not text or text.lower() in {"help", "?"}:
            ack(blocks=ui.help_blocks(), text="How to use the policy assistant")
            return
        ack(text="Looking that up…", blocks=ui.looking_up_blocks(text))
        services.defer(policy_answer, {k: command.get(k) for k in ("text", "user_id", "channel_id", "response_url")})

    def policy_answer(command):
        """The private answer replaces "Looking that up…" at the command's response_url, through the outbox
        (written with the question in one commit, retried on rate limits and server errors)."""
        text = (command.get("text") or "").strip()
        user, channel = command.get("user_id", ""), command.get("channel_id", "")
        with Session(services.engine, expire_on_commit=False) as session:
            try:
                answer = services.answerer.answer(text)
            except QuestionError as error:
                reply, content, purpose = str(error), None, "question-error"
            else:
                question = record_question(session, answer=answer, surface="slash", user_id=user, channel_id=channel)
                reply, purpose = "", "answer"
                content = say.answer_message(question.id, answer, ephemeral=True)
            about = {"ref_type": "question", "ref_id": question.id} if purpose == "answer" else {}
            message_id = enqueue(session, at=services.clock(), method="respond", channel=channel or user, user=user,
                                 text=reply, content=content, purpose=purpose,
                                 response_url=command.get("response_url"), **about).id
            session.commit()
        services.outbox.deliver([message_id])

    app.command("/policy")(policy_command)
    registry.commands.add("/policy")

    # ------------------------------------------------------------------------------- answer buttons

    def _vote(body, respond, helpful: bool):
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

    def vote_helpful(body, respond):
        _vote(body, respond, True)

    def vote_not_helpful(body, respond):
        _vote(body, respond, False)

    def ask_comms(body, respond):
        user = body["user"]["id"]
        channel = services.settings.comms_channel
        if not channel:
            respond(text="No Communications and Marketing channel is set up for the bot yet "
                         "(POLICYBOT_COMMS_CHANNEL). Please contact Communications and Marketing directly.",
                    replace_original=False, response_type="ephemeral")
            return
        question_id = _question_id(body["actions"][0].get("value"))
        with Session(services.engine) as session:
            question, created = (None, False) if question_id is None else record_handoff(session, question_id, user)
            if question is None:
                respond(text="That question is no longer on record.", replace_original=False,
                        response_type="ephemeral")
                return
            if not created:
                respond(text="You already passed this question to Communications and Marketing; they will reply "
                             "to you directly.", replace_original=False, response_type="ephemeral")
                return
            comms = enqueue(session, at=services.clock(), channel=channel,
                            content=say.handoff(question.text, question.user_id or user, question.answer_text,
                                                question.answered, question.id),
                            purpose="handoff", ref_type="question", ref_id=question.id)
            session.commit()
            comms_id = comms.id
        services.outbox.deliver([comms_id])
        respond(text="I've passed your question to Communications and Marketing with my answer. "
                     "Someone from the team will reply to you directly.", replace_original=False,
                response_type="ephemeral")

    def share(body, respond):
        user = body["user"]["id"]
        question_id = _question_id(body["actions"][0].get("value"))
        question = get_question(services.engine, question_id) if question_id is not None else None
        if question is None or question.user_id != user:
            respond(text="Only the person who asked can share this answer.", replace_original=False,
                    response_type="ephemeral")
            return
        answer = services.answerer.answer(question.text, context=question.context)
        with Session(services.engine) as session:
            stored = session.get(type(question), question_id)
            stored.shared_by = user
            session.add(stored)
            session.commit()
        respond(response_type="in_channel", replace_original=False, text=ui.answer_fallback_text(answer),
                blocks=ui.answer_blocks(question_id, answer, shared_by=user, asker=question.user_id))
        respond(text="Shared in the channel.", replace_original=True, response_type="ephemeral")

    def deferred_action(handler):
        def listener(ack, body):
            ack()
            services.defer(handler, body, services.respond_to(body["response_url"]))

        return listener

    for action_id, handler in ((ui.HELPFUL, vote_helpful), (ui.NOT_HELPFUL, vote_not_helpful),
                               (ui.ASK_COMMS, ask_comms), (ui.SHARE, share)):
        app.action(action_id)(deferred_action(handler))
        registry.actions.add(action_id)
