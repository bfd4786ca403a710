"""Block Kit for what only Slack shows of training and acknowledgement: "My training", HR's progress view and
forms, and a document to read in a modal."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (ActionsBlock, ButtonElement, ContextBlock, DatePickerElement, DividerBlock,
                                     HeaderBlock, InputBlock, MarkdownTextObject, Option, PlainTextInputElement,
                                     PlainTextObject, SectionBlock, StaticSelectElement)
from slack_sdk.models.views import View

from bot.training import STATUS_LABELS
# The nudge, acknowledgement and digest messages are platform-neutral (bot.training_messages, drawn by
# handlers.slack.render); their buttons' ids are the bot's own.
from bot.training_messages import ACKNOWLEDGE, DONE, NUDGE_TEAM, OPEN, READ_POLICY, SNOOZE
from handlers.text import escape, split_text
from storage.models import Document, TrainingAssignment, TrainingCampaign

START = "training_start"
START_VIEW = "training_start_submit"
ACK_START = "acknowledgement_start"
ACK_START_VIEW = "acknowledgement_start_submit"
ACK_CONFIRM_VIEW = "acknowledgement_confirm_submit"
ACTIONS = (OPEN, DONE, SNOOZE, ACKNOWLEDGE, READ_POLICY, NUDGE_TEAM, START, ACK_START)


def my_training(rows: list[tuple[TrainingAssignment, TrainingCampaign]], acknowledgements: list[tuple[str, bool]],
                today: date) -> tuple[str, list[dict]]:
    """"My social media training", drawn from the neutral message (bot.training_messages.my_training)."""
    from bot.training_messages import my_training as neutral
    from handlers.slack.render import render

    return render(neutral(rows, acknowledgements, today, STATUS_LABELS))


def progress_blocks(rows: list[dict], can_start: bool = False, acknowledgements: tuple[list, list] = ([], [])
                    ) -> list[dict]:
    """HR's and Comms' view in the App Home: progress by directorate, the acknowledgement campaigns, and any
    new version waiting for HR to ask staff about it."""
    campaigns, waiting = acknowledgements
    if not rows and not can_start and not campaigns:
        return []
    lines = []
    for row in rows:
        done = f"{row['completion_rate']:.0%}" if row["completion_rate"] is not None else "—"
        ack = f"{row['acknowledgement_rate']:.0%}" if row["acknowledgement_rate"] is not None else "—"
        lines.append(f"• *{escape(row['directorate'] or '(no directorate)')}*: training {done} "
                     f"({row['completed']}/{row['assigned'] - row['exempt']}), acknowledged {ack} "
                     f"({row['acknowledged']}/{row['staff']})")
    ack_lines = [f"• *{escape(c['document'])}*" + (f" {escape(c['version'])}" if c["version"] else "")
                 + f": {c['state']} · {c['acknowledged']}/{c['staff']} acknowledged · started "
                 f"{c['started']:%d %b %Y}" for c in campaigns if c["state"] != "ended"][:20]
    ack_lines += [f":warning: A new version of *{escape(w['document'])}*"
                  + (f" ({escape(w['version'])})" if w["version"] else "")
                  + " is indexed; staff will be asked to acknowledge it when HR start it." for w in waiting][:10]
    blocks = [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Training and acknowledgement"))]
    blocks += [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text("\n".join(lines)) if piece]
    if ack_lines:
        blocks += [SectionBlock(text=MarkdownTextObject(text=piece))
                   for piece in split_text("*Acknowledgement*\n" + "\n".join(ack_lines)) if piece]
    if can_start:
        blocks.append(ActionsBlock(elements=[
            ButtonElement(text="Start a training campaign", action_id=START, value="start"),
            ButtonElement(text="Ask staff to acknowledge a document", action_id=ACK_START, value="start")]))
    return [b.to_dict() for b in blocks]


def acknowledgement_start_modal(titles: list[str]) -> dict:
    """HR choose the document; the next step shows how many people will be asked, before anything is sent."""
    if len(titles) > 100:  # more than a select can list: typed, checked on submit
        element = PlainTextInputElement(action_id="value", max_length=300, placeholder="The document's title")
    else:
        options = [Option(value=t[:150], label=t[:75]) for t in titles]
        element = StaticSelectElement(action_id="value", options=options, placeholder="Choose a document")
    return View(type="modal", callback_id=ACK_START_VIEW, title="Acknowledgement", submit="Next", close="Cancel",
                blocks=[InputBlock(block_id="document", label="Document staff must read and acknowledge",
                                   element=element),
                        ContextBlock(elements=[MarkdownTextObject(
                            text="Everyone in the staff directory who has not acknowledged the current version "
                                 "will be asked, with two reminders a week apart.")])]).to_dict()


def acknowledgement_confirm_modal(title: str, version: str | None, checksum: str, to_ask: int,
                                  staff: int) -> dict:
    version_text = f" (version {escape(version)})" if version else ""
    text = (f"*{escape(title)}*{version_text}\n{to_ask} of {staff} people in the staff directory will be asked "
            "to read and acknowledge it, in working time, starting with the next training-nudges run.")
    metadata = json.dumps({"title": title[:300], "checksum": checksum})
    return View(type="modal", callback_id=ACK_CONFIRM_VIEW, title="Acknowledgement", submit="Ask them",
                close="Cancel", private_metadata=metadata,
                blocks=[SectionBlock(text=MarkdownTextObject(text=text))]).to_dict()


def start_modal(directorates: list[str]) -> dict:
    if len(directorates) > 99:  # more than a select can list with "Everyone": typed, checked on submit
        who = PlainTextInputElement(action_id="value", max_length=200,
                                    placeholder="Leave empty for everyone, or type a directorate")
        covers = InputBlock(block_id="directorate", label="Who it covers (a directorate, or empty for everyone)",
                            element=who, optional=True)
    else:
        options = [Option(value="*", label="Everyone")] + [Option(value=d[:150], label=d[:75]) for d in directorates]
        covers = InputBlock(block_id="directorate", label="Who it covers", element=StaticSelectElement(
            action_id="value", options=options, initial_option=options[0]))
    return View(type="modal", callback_id=START_VIEW, title="Training campaign", submit="Start", close="Cancel",
                blocks=[
                    InputBlock(block_id="name", label="Name", element=PlainTextInputElement(
                        action_id="value", max_length=200, placeholder="Social media awareness 2026–27")),
                    InputBlock(block_id="url", label="E-learning link", element=PlainTextInputElement(
                        action_id="value", max_length=1000, placeholder="https://")),
                    InputBlock(block_id="due", label="Due date", element=DatePickerElement(action_id="value")),
                    covers,
                ]).to_dict()


def policy_modal(document: Document, passages: list) -> dict:
    """The whole policy, paragraph by paragraph, for reading in Slack."""
    parts, heading = [], None
    for passage in passages:
        if passage.heading and passage.heading != heading:  # a heading once, above its first paragraph
            parts.append(f"*{escape(passage.heading)}*")
            heading = passage.heading
        parts.append((f"*{escape(passage.section)}.* " if passage.section.isdigit() else "") + escape(passage.text))
    text = "\n\n".join(parts)
    blocks = [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(text)][:95]
    title = document.title if len(document.title) <= 24 else document.title[:23] + "…"  # Slack's limit
    return View(type="modal", title=title, close="Close", blocks=blocks).to_dict()
