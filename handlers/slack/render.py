"""Platform-neutral messages (`bot.messages`) drawn as Slack Block Kit: every plain string escaped for mrkdwn,
text split or shortened at Block Kit's limits after escaping."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from bot.messages import Actions, Bullets, Code, Context, Icon, Message, Paragraph, Strong, Text
from handlers.text import SECTION_LIMIT, escape, split_text

ICONS = {"warning": ":warning:", "overdue": ":red_circle:", "done": ":white_check_mark:"}
BUTTON_LABEL_LIMIT, BUTTON_VALUE_LIMIT, BUTTONS_PER_ROW = 75, 2000, 25
TEXT_LIMIT = 3000  # the notification text shown where blocks are not


def mrkdwn(parts: Text) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(escape(part))
        elif isinstance(part, Strong):
            out.append(f"*{escape(part.text)}*")
        elif isinstance(part, Code):
            out.append(f"`{escape(part.text)}`")
        elif isinstance(part, Icon):
            out.append(ICONS.get(part.name, ""))
    return "".join(out)


def _sections(body: str) -> list[dict]:
    return [SectionBlock(text=MarkdownTextObject(text=piece)).to_dict() for piece in split_text(body) if piece]


def render(message: Message) -> tuple[str, list[dict]]:
    """The message's notification text and blocks."""
    blocks: list[dict] = []
    for block in message.blocks:
        if isinstance(block, Paragraph):
            blocks += _sections(mrkdwn(block.text))
        elif isinstance(block, Bullets):
            lines = [f"• {mrkdwn(item)}" for item in block.items]
            head = [mrkdwn(block.title)] if block.title is not None else []
            blocks += _sections("\n".join(head + lines))
        elif isinstance(block, Context):
            blocks.append(ContextBlock(elements=[MarkdownTextObject(
                text=split_text(mrkdwn(block.text), SECTION_LIMIT)[0] if block.text else " ")]).to_dict())
        elif isinstance(block, Actions):
            buttons = [ButtonElement(text=action.label[:BUTTON_LABEL_LIMIT], action_id=action.id,
                                     value=action.value[:BUTTON_VALUE_LIMIT] or None, url=action.url or None,
                                     style="primary" if action.primary else None)
                       for action in block.actions[:BUTTONS_PER_ROW]]
            blocks.append(ActionsBlock(block_id=block.group, elements=buttons).to_dict())
    summary = escape(message.summary)
    return summary[:TEXT_LIMIT], blocks
