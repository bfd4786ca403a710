"""Platform-neutral messages (`bot.messages`) drawn as Adaptive Cards (schema 1.5) with the Microsoft Teams SDK's
card models. Everything people typed is escaped for the cards' Markdown subset; a card is kept under Teams'
28 KB limit by shortening its longest texts.

* A mention of a person the bot knows on Teams is a real Teams mention (`<at>` with an `msteams` entity); of
  anyone else, their directory name; "a colleague" when the name is not known.
* Buttons meant for certain people only (`Actions.only_for`, e.g. a director's Approve / Reject) are left out of
  the card everyone sees; the card carries a `refresh` for those people (`refresh.userIds`), and Teams asks the
  bot for their version (`card_refresh`, answered by the Teams surface after checking who asks)."""

from __future__ import annotations

import json
import re

from microsoft_teams.cards import (ActionSet, AdaptiveCard, Container, ExecuteAction, Fact, FactSet,
                                   OpenUrlAction, SubmitAction, TextBlock)

from bot.identities import is_teams_user
from bot.messages import (Actions, Bullets, Code, Context, Divider, Excerpt, Fields, Icon, Link, Mention, Message,
                          Paragraph, Quote, Strong, Text)

CARD_LIMIT = 28_000  # bytes: Teams refuses larger messages
ICONS = {"warning": "⚠️", "overdue": "🔴", "done": "✅", "urgent": "🚨", "escalated": "⬆️", "reminder": "⏰",
         "handoff": "💬", "waiting": "⏳"}
_MARKDOWN = re.compile(r"([\\`*_\[\]<>~])")
_LINE_START = re.compile(r"(?m)^(\s*)([#>+\-]|\d+\.)")
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def escape(text: str) -> str:
    """Plain text for a TextBlock: Markdown characters shown as themselves."""
    escaped = _MARKDOWN.sub(r"\\\1", text or "")
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


REFRESH = "card_refresh"
REFRESH_USERS = 60  # Teams refreshes a card automatically for at most this many people


class _Drawing:
    """What one card needs while it is drawn: people's names, and the Teams mentions it makes."""

    def __init__(self, names: dict[str, str] | None):
        self.names = names or {}
        self.entities: dict[str, dict] = {}

    def mention(self, user_id: str) -> str:
        name = re.sub(r"[<>\[\]*_`~\\]", "", self.names.get(user_id, "")).strip()[:100]
        if not name:
            return "a colleague"
        if is_teams_user(user_id):
            tag = f"<at>{name}</at>"
            self.entities[user_id] = {"type": "mention", "text": tag, "mentioned": {"id": user_id, "name": name}}
            return tag
        return name


def _markdown(parts: Text, limit: int | None = None, drawing: _Drawing | None = None) -> str:
    drawing = drawing or _Drawing(None)
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(escape(part))
        elif isinstance(part, Strong):
            out.append(f"**{escape(part.text)}**")
        elif isinstance(part, Code):
            out.append(f"`{part.text.replace('`', '')}`")
        elif isinstance(part, Icon):
            out.append(ICONS.get(part.name, ""))
        elif isinstance(part, Mention):
            out.append(drawing.mention(part.user_id))
        elif isinstance(part, Link):
            out.append(f"[{escape(part.label)}]({part.url.replace(')', '%29').replace(' ', '%20')})")
        elif isinstance(part, Excerpt):
            text = part.text if len(part.text) <= part.limit else part.text[:part.limit - 1] + "…"
            out.append(escape(text))
    text = "".join(out)
    return text if limit is None or len(text) <= limit else text[:limit - 1] + "…"


def _block(text: str, **style) -> TextBlock:
    return TextBlock(text=text, wrap=True, **style)


def card(message: Message, text_limit: int | None = None, *, ref: int | None = None, reveal: bool = False,
         names: dict[str, str] | None = None) -> dict:
    """The message as an Adaptive Card (a dict ready to send as an attachment's content). `ref`: the outbox
    message it is sent as (named by the card's refresh); `reveal`: draw the buttons meant for certain people
    (the asker has been checked to be one of them); `names`: people's display names by id, for mentions."""
    drawing = _Drawing(names)
    body: list = []
    actions: list = []
    refresh_for: list[str] = []

    def markdown(parts: Text, limit: int | None = None) -> str:
        return _markdown(parts, limit, drawing)

    for block in message.blocks:
        if isinstance(block, Paragraph):
            body.append(_block(markdown(block.text, text_limit)))
        elif isinstance(block, Bullets):
            if block.title:
                body.append(_block(markdown(block.title, text_limit)))
            body.append(_block("\n".join(f"- {markdown(item, text_limit)}" for item in block.items)))
        elif isinstance(block, Context):
            small = markdown(block.text)
            if text_limit is not None and len(small) > text_limit:  # keep the end of a history, else the start
                small = "…" + small[-(text_limit - 1):] if block.tail else small[:text_limit - 1] + "…"
            body.append(_block(small, size="Small", is_subtle=True))
        elif isinstance(block, Quote):
            items = [_block(markdown(block.heading), weight="Bolder")] if block.heading else []
            quoted = block.text if text_limit is None or len(block.text) <= text_limit else \
                block.text[:text_limit - 1] + "…"
            items.append(_block(escape(quoted)))
            body.append(Container(items=items, style="emphasis"))
        elif isinstance(block, Fields):
            body.append(FactSet(facts=[Fact(title=escape(label), value=markdown(value, text_limit))
                                       for label, value in block.rows]))
        elif isinstance(block, Divider):
            body.append(_block(" ", separator=True, spacing="Medium"))
        elif isinstance(block, Actions):
            if block.only_for:
                refresh_for += [u for u in block.only_for if is_teams_user(u) and u not in refresh_for]
                if not reveal:
                    continue
            for action in block.actions:
                if action.url:
                    actions.append(OpenUrlAction(title=action.label[:40], url=action.url))
                elif action.dialog:  # opens its form in a dialog: Teams sends `task/fetch` with this data
                    actions.append(SubmitAction(title=action.label[:40], data={
                        "msteams": {"type": "task/fetch"}, "verb": action.id, "value": action.value}))
                else:
                    actions.append(ExecuteAction(title=action.label[:40], verb=action.id,
                                                 data={"verb": action.id, "value": action.value}))
    if actions:
        body.append(ActionSet(actions=actions))
    drawn = AdaptiveCard(version="1.5", body=body).model_dump(by_alias=True, exclude_none=True)
    drawn["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    drawn["fallbackText"] = escape(message.summary[:300])
    if refresh_for and ref is not None:
        drawn["refresh"] = {"action": {"type": "Action.Execute", "title": "Refresh", "verb": REFRESH,
                                       "data": {"verb": REFRESH, "value": str(ref)}},
                            "userIds": refresh_for[:REFRESH_USERS]}
    if drawing.entities:
        drawn["msteams"] = {"entities": list(drawing.entities.values())}
    return drawn


def render(message: Message, **options) -> tuple[str, dict]:
    """The notification text and the card, within Teams' size limit (`options` as for `card`)."""
    from bot.messages import mentioned, replace_mentions

    names = options.get("names") or {}
    others = mentioned(message)
    if others:  # the notification text names people as the card does ("@id" in the summary otherwise)
        summary = replace_mentions(message, {u: names.get(u, "a colleague") for u in others}).summary
        message = Message(summary=summary, blocks=message.blocks)
    drawn = card(message, **options)
    limit = 2000
    while len(json.dumps(drawn).encode("utf-8")) > CARD_LIMIT and limit > 100:
        drawn = card(message, text_limit=limit, **options)
        limit //= 2
    return message.summary[:1000], drawn
