"""Block Kit for answers sent at once (a private reply, a share) and the help text; what goes through the outbox
is the neutral message of bot.question_messages."""

from __future__ import annotations

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.messages import Message

# Answers, the placeholder and hand-offs are platform-neutral (bot.question_messages, drawn by
# handlers.slack.render); their buttons' ids are the bot's own.
from bot.question_messages import (  # noqa: E402,F401
    ASK_COMMS,
    HELPFUL,
    NOT_HELPFUL,
    SHARE,
    answer_message,
    answer_summary,
    looking_up,
)
from handlers.slack.render import render
from knowledge.answer import Answer


def answer_blocks(question_id: int, answer: Answer, **options) -> list[dict]:
    """An answer drawn as Block Kit, for a private reply or a share (sent at once, not through the outbox)."""
    return render(answer_message(question_id, answer, **options))[1]


def answer_fallback_text(answer: Answer) -> str:
    return render(Message(summary=answer_summary(answer)))[0]


def looking_up_blocks(question: str) -> list[dict]:
    return render(looking_up(question))[1]


def help_blocks() -> list[dict]:
    text = ("*I answer questions about the council's Social Media Policy*, quoting the paragraphs I rely on.\n"
            "• `/policy Who has to approve a new council Facebook page?` answers privately; you can share it.\n"
            "• Mention me in a channel and I answer in a thread; follow-ups in the thread are answered too.\n"
            "• Message me directly for a private conversation.\n"
            "If the documents don't cover something, I say so and can pass your question to "
            "Communications and Marketing.")
    return [SectionBlock(text=MarkdownTextObject(text=text)).to_dict()]
