"""What the bot says, as plain data that names no chat platform.

A workflow describes a message: a plain summary (the notification and fallback text), then blocks of
content (paragraphs, bulleted lists, small print, buttons) made of plain text with a few kinds of emphasis.
Nothing here is markup: what people typed is kept as it is, and each platform's renderer
(`handlers/<platform>/render.py`) escapes it and draws it in its own way (Block Kit mrkdwn for Slack).
Messages go through the outbox as JSON (`to_json` / `from_json`) and are drawn when they are sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Strong:
    """Emphasised words: a name, a deadline, a button's label."""

    text: str


@dataclass(frozen=True)
class Code:
    """A command or literal to type, such as `/policy`."""

    text: str


@dataclass(frozen=True)
class Icon:
    """A status mark: "warning", "overdue" or "done" (each platform draws its own)."""

    name: str


@dataclass(frozen=True)
class Mention:
    """A person, by their id on the platform the message goes to (notified where the platform does so)."""

    user_id: str


@dataclass(frozen=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True)
class Excerpt:
    """Text someone typed, shown up to `limit` characters (the renderer cuts it after escaping, with "…")."""

    text: str
    limit: int


Inline = Union[str, Strong, Code, Icon, Mention, Link, Excerpt]
Text = tuple[Inline, ...]


def text(*parts: Inline) -> Text:
    return tuple(part for part in parts if part != "")


def plain(parts: Text) -> str:
    """The words alone, for a summary or a platform without emphasis."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, (Strong, Code)):
            out.append(part.text)
        elif isinstance(part, Excerpt):
            out.append(part.text if len(part.text) <= part.limit else part.text[:part.limit - 1] + "…")
        elif isinstance(part, Link):
            out.append(part.label)
        elif isinstance(part, Mention):
            out.append(f"@{part.user_id}")
    return "".join(out)


@dataclass(frozen=True)
class Paragraph:
    text: Text


@dataclass(frozen=True)
class Bullets:
    items: tuple[Text, ...]
    title: Text | None = None


@dataclass(frozen=True)
class Context:
    """Small print under the body; `tail`: when it is too long, its end is kept (a history's latest steps)."""

    text: Text
    tail: bool = False


@dataclass(frozen=True)
class Quote:
    """What someone wrote, quoted as they wrote it, under an optional heading."""

    text: str
    heading: Text | None = None


@dataclass(frozen=True)
class Fields:
    """Labelled facts, one a line ("Where: Facebook")."""

    rows: tuple[tuple[str, Text], ...]


@dataclass(frozen=True)
class Divider:
    """A line between the body and what follows (an answer's buttons)."""


@dataclass(frozen=True)
class Confirm:
    """A question asked before a button's press counts."""

    title: str
    text: str
    confirm: str
    deny: str


@dataclass(frozen=True)
class Action:
    """A button: `id` and `value` come back to the bot when it is pressed; a `url` opens a page instead."""

    id: str
    label: str
    value: str = ""
    url: str | None = None
    primary: bool = False
    confirm: Confirm | None = None
    danger: bool = False  # a button that refuses or ends something
    dialog: bool = False  # it opens a form, in a dialog where the platform has them (Teams)


@dataclass(frozen=True)
class Actions:
    actions: tuple[Action, ...]
    group: str | None = None  # names this row of buttons (Slack's block id)
    # The people (their ids on any platform) the buttons are for, where a platform can show them to those
    # people only (Teams: a card refreshed for them); the workflow checks who pressed on every press regardless.
    only_for: tuple[str, ...] = ()


Block = Union[Paragraph, Bullets, Context, Quote, Fields, Divider, Actions]


@dataclass(frozen=True)
class Message:
    summary: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def to_json(self) -> str:
        return json.dumps({"summary": self.summary, "blocks": [_block_json(b) for b in self.blocks]},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> "Message":
        data = json.loads(raw)
        return cls(summary=str(data["summary"]), blocks=tuple(_block_from(b) for b in data.get("blocks", [])))


def mentioned(message: Message) -> set[str]:
    """The ids of everyone the message mentions."""
    found: set[str] = set()

    def scan(parts) -> None:
        for part in parts or ():
            if isinstance(part, Mention):
                found.add(part.user_id)

    for block in message.blocks:
        if isinstance(block, (Paragraph, Context)):
            scan(block.text)
        elif isinstance(block, Bullets):
            scan(block.title)
            for item in block.items:
                scan(item)
        elif isinstance(block, Quote):
            scan(block.heading)
        elif isinstance(block, Fields):
            for _, value in block.rows:
                scan(value)
    return found


def replace_mentions(message: Message, replacements: dict[str, Inline]) -> Message:
    """The message with the mentions of these people replaced (e.g. by their names, on a platform that cannot
    mention them)."""
    from dataclasses import replace

    def swap(parts):
        if parts is None:
            return None
        return tuple(replacements.get(p.user_id, p) if isinstance(p, Mention) else p for p in parts)

    blocks = []
    for block in message.blocks:
        if isinstance(block, (Paragraph, Context)):
            block = replace(block, text=swap(block.text))
        elif isinstance(block, Bullets):
            block = replace(block, title=swap(block.title), items=tuple(swap(i) for i in block.items))
        elif isinstance(block, Quote):
            block = replace(block, heading=swap(block.heading))
        elif isinstance(block, Fields):
            block = replace(block, rows=tuple((label, swap(value)) for label, value in block.rows))
        blocks.append(block)
    summary = message.summary
    for user_id, replacement in replacements.items():  # the summary names a mention as "@id" (see `plain`)
        summary = summary.replace(f"@{user_id}", plain((replacement,)))
    return replace(message, summary=summary, blocks=tuple(blocks))


# ------------------------------------------------------------------------------------------ JSON

def _inline_json(part: Inline):
    if isinstance(part, str):
        return part
    if isinstance(part, Strong):
        return {"strong": part.text}
    if isinstance(part, Code):
        return {"code": part.text}
    if isinstance(part, Icon):
        return {"icon": part.name}
    if isinstance(part, Mention):
        return {"mention": part.user_id}
    if isinstance(part, Link):
        return {"link": part.url, "label": part.label}
    return {"excerpt": part.text, "limit": part.limit}


def _inline_from(raw) -> Inline:
    if isinstance(raw, str):
        return raw
    if "strong" in raw:
        return Strong(str(raw["strong"]))
    if "code" in raw:
        return Code(str(raw["code"]))
    if "icon" in raw:
        return Icon(str(raw["icon"]))
    if "mention" in raw:
        return Mention(str(raw["mention"]))
    if "link" in raw:
        return Link(str(raw["link"]), str(raw["label"]))
    return Excerpt(str(raw["excerpt"]), int(raw["limit"]))


def _text_json(parts: Text) -> list:
    return [_inline_json(part) for part in parts]


def _text_from(raw: list) -> Text:
    return tuple(_inline_from(part) for part in raw)


def _block_json(block: Block) -> dict:
    if isinstance(block, Paragraph):
        return {"paragraph": _text_json(block.text)}
    if isinstance(block, Bullets):
        return {"bullets": [_text_json(item) for item in block.items],
                "title": _text_json(block.title) if block.title is not None else None}
    if isinstance(block, Context):
        return {"context": _text_json(block.text), "tail": block.tail}
    if isinstance(block, Quote):
        return {"quote": block.text, "heading": _text_json(block.heading) if block.heading is not None else None}
    if isinstance(block, Fields):
        return {"fields": [[label, _text_json(value)] for label, value in block.rows]}
    if isinstance(block, Divider):
        return {"divider": True}
    return {"actions": [{"id": a.id, "label": a.label, "value": a.value, "url": a.url, "primary": a.primary,
                         "danger": a.danger, "confirm": vars(a.confirm) if a.confirm else None,
                         **({"dialog": True} if a.dialog else {})}
                        for a in block.actions],
            "group": block.group, **({"only_for": list(block.only_for)} if block.only_for else {})}


def _block_from(raw: dict) -> Block:
    if "paragraph" in raw:
        return Paragraph(_text_from(raw["paragraph"]))
    if "bullets" in raw:
        title = raw.get("title")
        return Bullets(tuple(_text_from(item) for item in raw["bullets"]),
                       _text_from(title) if title is not None else None)
    if "context" in raw:
        return Context(_text_from(raw["context"]), bool(raw.get("tail")))
    if "quote" in raw:
        heading = raw.get("heading")
        return Quote(str(raw["quote"]), _text_from(heading) if heading is not None else None)
    if "fields" in raw:
        return Fields(tuple((str(label), _text_from(value)) for label, value in raw["fields"]))
    if "divider" in raw:
        return Divider()
    return Actions(tuple(Action(id=str(a["id"]), label=str(a["label"]), value=str(a.get("value") or ""),
                                url=a.get("url"), primary=bool(a.get("primary")), danger=bool(a.get("danger")),
                                confirm=Confirm(**a["confirm"]) if a.get("confirm") else None,
                                dialog=bool(a.get("dialog")))
                         for a in raw["actions"]), raw.get("group"),
                   tuple(str(u) for u in raw.get("only_for") or ()))
