"""Platform-neutral messages (`bot.messages`) drawn as Slack Block Kit: every plain string escaped for mrkdwn,
text split or shortened at Block Kit's limits after escaping."""

from __future__ import annotations

import re

from slack_sdk.models.blocks import (ActionsBlock, ButtonElement, ConfirmObject, ContextBlock, DividerBlock,
                                     MarkdownTextObject, SectionBlock)

from bot.messages import (Actions, Bullets, Code, Context, Divider, Excerpt, Fields, Icon, Link, Mention, Message,
                          Paragraph, Quote, Strong, Text)
from handlers.text import SECTION_LIMIT, clip, escape, quote, split_text

SLACK_ID = re.compile(r"^[UWB][A-Z0-9]{2,20}$")
ICONS = {"warning": ":warning:", "overdue": ":red_circle:", "done": ":white_check_mark:",
         "urgent": ":rotating_light:", "escalated": ":arrow_up:", "reminder": ":alarm_clock:",
         "handoff": ":speech_balloon:", "waiting": ":hourglass_flowing_sand:"}
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
        elif isinstance(part, Mention):
            # A person known by another platform's id (a Teams user) cannot be mentioned in Slack.
            out.append(f"<@{part.user_id}>" if SLACK_ID.match(part.user_id) else "a colleague on Teams")
        elif isinstance(part, Link):
            out.append(f"<{escape(part.url).replace('|', '%7C')}|{escape(part.label).replace('|', '/')}>")
        elif isinstance(part, Excerpt):
            out.append(clip(part.text, part.limit))
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
            pieces = split_text(mrkdwn(block.text), SECTION_LIMIT) or [" "]
            blocks.append(ContextBlock(elements=[MarkdownTextObject(
                text=pieces[-1] if block.tail else pieces[0])]).to_dict())
        elif isinstance(block, Quote):
            head = f"{mrkdwn(block.heading)}\n" if block.heading is not None else ""
            blocks += _sections(head + quote(block.text))
        elif isinstance(block, Divider):
            blocks.append(DividerBlock().to_dict())
        elif isinstance(block, Fields):
            blocks += _sections("\n".join(f"*{escape(label)}:* {mrkdwn(value)}" for label, value in block.rows))
        elif isinstance(block, Actions):
            buttons = [ButtonElement(text=action.label[:BUTTON_LABEL_LIMIT], action_id=action.id,
                                     value=action.value[:BUTTON_VALUE_LIMIT] or None, url=action.url or None,
                                     style="primary" if action.primary else "danger" if action.danger else None,
                                     confirm=ConfirmObject(title=action.confirm.title, text=action.confirm.text,
                                                           confirm=action.confirm.confirm, deny=action.confirm.deny)
                                     if action.confirm else None)
                       for action in block.actions[:BUTTONS_PER_ROW]]
            blocks.append(ActionsBlock(block_id=block.group, elements=buttons).to_dict())
    summary = escape(message.summary)
    return summary[:TEXT_LIMIT], blocks
