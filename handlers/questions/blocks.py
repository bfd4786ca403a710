"""Block Kit for answers, as pure functions of the stored question and the bot's answer."""

from __future__ import annotations

from slack_sdk.models.blocks import (ActionsBlock, Block, ButtonElement, ContextBlock, DividerBlock,
                                     MarkdownTextObject, SectionBlock)

from handlers.text import clip, escape, quote, split_text
from knowledge.answer import Answer, Citation

HELPFUL = "answer_helpful"
NOT_HELPFUL = "answer_not_helpful"
ASK_COMMS = "answer_ask_comms"
SHARE = "answer_share"
SOURCE_LINE = "Answers come from the council's own documents; they are guidance, not legal advice."
QUESTION_SHOWN = 2900  # the question as shown above its answer, escaped, within a section's 3,000 characters


def citation_line(citation: Citation) -> str:
    section = f"para {citation.section}" if citation.section.isdigit() else citation.section
    parts = [citation.document, section]
    if citation.heading and citation.heading != citation.section:
        parts.append(citation.heading)
    if citation.version:
        parts.append(f"version {citation.version}")
    return " · ".join(escape(part) for part in parts)


def _sections(mrkdwn: str) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(mrkdwn)]


def answer_blocks(question_id: int, answer: Answer, *, ephemeral: bool = False, shared_by: str | None = None,
                  asker: str | None = None) -> list[dict]:
    blocks: list[Block] = []
    if shared_by:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=f"<@{escape(shared_by)}> shared this answer" + (f" to a question from <@{escape(asker)}>"
                                                                if asker and asker != shared_by else "") + ":")]))
    blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*Question:* {clip(answer.question, QUESTION_SHOWN)}")))
    if not answer.answered:
        blocks.extend(_sections(escape(answer.answer)))
    elif answer.mode == "generative":
        blocks.extend(_sections(escape(answer.answer)))
        for citation in answer.citations:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=citation_line(citation))]))
    else:
        for citation in answer.citations:
            blocks.extend(_sections(quote(citation.quote)))
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=citation_line(citation))]))
        if answer.referenced_documents:
            from knowledge.answer import referenced_note

            blocks.extend(_sections(escape(referenced_note(answer.referenced_documents))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=SOURCE_LINE)]))
    if shared_by:
        return [b.to_dict() for b in blocks]
    value = str(question_id)
    buttons = []
    if answer.answered:
        buttons += [ButtonElement(text="Helpful", action_id=HELPFUL, value=value),
                    ButtonElement(text="Not helpful", action_id=NOT_HELPFUL, value=value)]
    buttons.append(ButtonElement(text="Ask Comms and Marketing", action_id=ASK_COMMS, value=value))
    if ephemeral and answer.answered:
        buttons.append(ButtonElement(text="Share in channel", action_id=SHARE, value=value, style="primary"))
    blocks.append(DividerBlock())
    blocks.append(ActionsBlock(block_id=f"answer_actions_{question_id}", elements=buttons))
    return [b.to_dict() for b in blocks]


def answer_fallback_text(answer: Answer) -> str:
    """Notification text (also shown where blocks cannot be)."""
    if not answer.answered:
        return clip(answer.answer, 300)
    cited = ", ".join(c.label for c in answer.citations)
    return clip(f"{answer.answer[:250]}… ({cited})" if len(answer.answer) > 250 else f"{answer.answer} ({cited})",
                1000)


def looking_up_blocks(question: str) -> list[dict]:
    return [SectionBlock(text=MarkdownTextObject(text=f"*Question:* {clip(question, QUESTION_SHOWN)}")).to_dict(),
            ContextBlock(elements=[MarkdownTextObject(text=":hourglass_flowing_sand: Looking that up…")]).to_dict()]


def handoff_blocks(question_text: str, asker: str, answer_text: str, answered: bool, question_id: int) -> list[dict]:
    status = "The bot answered:" if answered else "The bot could not answer from the documents:"
    return [
        SectionBlock(text=MarkdownTextObject(
            text=f":speech_balloon: <@{escape(asker)}> asked a question the bot passed on for you to answer.")).to_dict(),
        *[SectionBlock(text=MarkdownTextObject(text=piece)).to_dict() for piece in split_text(quote(question_text))],
        *[SectionBlock(text=MarkdownTextObject(text=piece)).to_dict()
          for piece in split_text(f"_{status}_\n{quote(answer_text)}")],
        ContextBlock(elements=[MarkdownTextObject(
            text=f"Question #{question_id} · reply to <@{escape(asker)}> directly or in this thread")]).to_dict(),
    ]


def help_blocks() -> list[dict]:
    text = ("*I answer questions about the council's Social Media Policy*, quoting the paragraphs I rely on.\n"
            "• `/policy Who has to approve a new council Facebook page?` answers privately; you can share it.\n"
            "• Mention me in a channel and I answer in a thread; follow-ups in the thread are answered too.\n"
            "• Message me directly for a private conversation.\n"
            "If the documents don't cover something, I say so and can pass your question to "
            "Communications and Marketing.")
    return [SectionBlock(text=MarkdownTextObject(text=text)).to_dict()]
