"""What the bot says when it answers (platform-neutral messages, `bot.messages`): the answer with its quoted
passages and citations and the buttons to vote on it or pass it on, the "Looking that up…" placeholder, and
the hand-off of a question to Communications and Marketing."""

from __future__ import annotations

from bot.messages import (
    Action,
    Actions,
    Context,
    Divider,
    Excerpt,
    Icon,
    Mention,
    Message,
    Paragraph,
    Quote,
    Strong,
    text,
)
from knowledge.answer import Answer, Citation, referenced_note
from knowledge.saved import ANSWERS_TITLE

HELPFUL = "answer_helpful"
NOT_HELPFUL = "answer_not_helpful"
ASK_COMMS = "answer_ask_comms"
SHARE = "answer_share"
SOURCE_LINE = "Answers come from the council's own documents; they are guidance, not legal advice."
QUESTION_SHOWN = 2900  # the question as shown above its answer, within a message section
SUMMARY_ANSWER, SUMMARY_SHOWN = 250, 1000


def citation_line(citation: Citation) -> str:
    if citation.document == ANSWERS_TITLE:
        return citation.cite
    section = f"para {citation.section}" if citation.section.isdigit() else citation.section
    parts = [citation.document, section]
    if citation.heading and citation.heading != citation.section:
        parts.append(citation.heading)
    if citation.version:
        parts.append(f"version {citation.version}")
    return " · ".join(parts)


def _cut(words: str, limit: int) -> str:
    return words if len(words) <= limit else words[:limit - 1] + "…"


def answer_summary(answer: Answer) -> str:
    """Notification text (also shown where the message's body cannot be)."""
    if not answer.answered:
        return _cut(answer.answer, 300)
    cited = ", ".join(c.label for c in answer.citations)
    short = f"{answer.answer[:SUMMARY_ANSWER]}…" if len(answer.answer) > SUMMARY_ANSWER else answer.answer
    return _cut(f"{short} ({cited})", SUMMARY_SHOWN)


def answer_message(question_id: int, answer: Answer, *, ephemeral: bool = False, shared_by: str | None = None,
                   asker: str | None = None) -> Message:
    """The answer as the asker sees it (with Helpful / Not helpful / Ask Comms and Marketing, and Share when
    only they can see it), or as shared in a channel by `shared_by` (no buttons)."""
    blocks: list = []
    if shared_by:
        blocks.append(Context(text(Mention(shared_by), " shared this answer",
                                   *((" to a question from ", Mention(asker)) if asker and asker != shared_by else ()),
                                   ":")))
    blocks.append(Paragraph(text(Strong("Question:"), " ", Excerpt(answer.question, QUESTION_SHOWN))))
    if not answer.answered:
        blocks.append(Paragraph(text(answer.answer)))
    elif answer.mode == "generative":
        blocks.append(Paragraph(text(answer.answer)))
        blocks += [Context(text(citation_line(citation))) for citation in answer.citations]
    else:
        for citation in answer.citations:
            blocks += [Quote(citation.quote), Context(text(citation_line(citation)))]
        if answer.referenced_documents:
            blocks.append(Paragraph(text(referenced_note(answer.referenced_documents))))
    blocks.append(Context(text(SOURCE_LINE)))
    if not shared_by:
        value = str(question_id)
        buttons = [Action(HELPFUL, "Helpful", value), Action(NOT_HELPFUL, "Not helpful", value)] \
            if answer.answered else []
        buttons.append(Action(ASK_COMMS, "Ask Comms and Marketing", value))
        if ephemeral and answer.answered:
            buttons.append(Action(SHARE, "Share in channel", value, primary=True))
        blocks += [Divider(), Actions(tuple(buttons), group=f"answer_actions_{question_id}")]
    return Message(summary=answer_summary(answer), blocks=tuple(blocks))


def looking_up(question: str) -> Message:
    return Message(summary="Looking that up…", blocks=(
        Paragraph(text(Strong("Question:"), " ", Excerpt(question, QUESTION_SHOWN))),
        Context(text(Icon("waiting"), " Looking that up…"))))


def handoff(question_text: str, asker: str, answer_text: str, answered: bool, question_id: int) -> Message:
    """A question passed on to Communications and Marketing, with what the bot said."""
    status = "The bot answered:" if answered else "The bot could not answer from the documents:"
    return Message(summary="A question passed on for Communications and Marketing to answer", blocks=(
        Paragraph(text(Icon("handoff"), " ", Mention(asker), " asked a question the bot passed on for you to "
                       "answer.")),
        Quote(question_text), Quote(answer_text, heading=text(status)),
        Context(text(f"Question #{question_id} · reply to ", Mention(asker), " directly or in this thread"))))
