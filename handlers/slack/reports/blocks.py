"""Block Kit for reports, as pure functions: the report modal, the case message handlers act on, the close
modal, receipts and status views. Everything a person typed is escaped."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (CheckboxesElement, ContextBlock,
                                     DatePickerElement, DividerBlock, HeaderBlock, InputBlock, MarkdownTextObject,
                                     Option, PlainTextInputElement, PlainTextObject, RadioButtonsElement,
                                     SectionBlock, StaticSelectElement, UserMultiSelectElement)
from slack_sdk.models.views import View

# The case message is platform-neutral (bot.report_messages, drawn by handlers.slack.render); its buttons'
# ids are the bot's own.
from bot.report_messages import (ACK, CASE_ACTIONS, CLOSE, DISPLAY_ZONE, REFER_HR, REFER_LEGAL,  # noqa: F401
                                 SHOW_REPORTER, case_message, case_summary, when)
from bot.reports import KINDS, OUTCOMES, PLATFORMS, STATUS_LABELS
from handlers.text import escape, quote, split_text
from storage.models import Report

# Callback and action ids
REPORT_VIEW = "report_submit"
CLOSE_VIEW = "report_close"
SHORTCUT = "report_message"

# Block ids in the report modal, one per field (errors are keyed by them)
FIELD_BLOCKS = {"kind": "kind", "platform": "platform", "link": "link", "description": "description",
                "happened_on": "happened_on", "involved_users": "involved_users", "involved_text": "involved_text",
                "urgency": "urgency", "confidential": "confidential"}
def _option(value: str, label: str) -> Option:
    return Option(value=value, label=label[:75])


# --------------------------------------------------------------------------------------------- the modal

def report_modal(*, source_permalink: str | None = None, source_text: str | None = None,
                 source_author: str | None = None, kind: str | None = None) -> dict:
    kinds = [_option(key, label) for key, label in KINDS.items()]
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=(
            "Tell us what you've seen. Misuse goes to your line manager (para 22); reputational issues to "
            "Communications and Marketing (para 30); safeguarding concerns also to the safeguarding team "
            "(para 16). *If someone is in immediate danger, call 999 first.*"))),
    ]
    if source_permalink:
        excerpt = (source_text or "")[:600]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=(
            f"*The message you're reporting*{' (from <@' + escape(source_author) + '>)' if source_author else ''}\n"
            f"{quote(excerpt) if excerpt else '_(no text)_'}\n<{source_permalink}|Open the message>"))))
    blocks += [
        InputBlock(block_id="kind", label="What kind of concern is it?", element=RadioButtonsElement(
            action_id="value", options=kinds,
            initial_option=next((o for o in kinds if o.value == kind), None))),
        InputBlock(block_id="platform", label="Where is it?", optional=True, element=StaticSelectElement(
            action_id="value", placeholder="Choose a platform",
            options=[_option(name, name) for name in PLATFORMS])),
        InputBlock(block_id="link", label="Link to the post or account", optional=True,
                   hint="The web address of the post, comment or account, if there is one.",
                   element=PlainTextInputElement(action_id="value", placeholder="https://",
                                                 initial_value=source_permalink or None)),
        InputBlock(block_id="description", label="What happened?", element=PlainTextInputElement(
            action_id="value", multiline=True, max_length=3000,
            placeholder="What was posted or done, and why it concerns you")),
        InputBlock(block_id="happened_on", label="When did it happen (or when did you see it)?", optional=True,
                   element=DatePickerElement(action_id="value")),
        InputBlock(block_id="involved_users", label="Who is involved? (colleagues on Slack)", optional=True,
                   element=UserMultiSelectElement(action_id="value", placeholder="Choose people",
                                                  max_selected_items=10)),
        InputBlock(block_id="involved_text", label="Anyone else involved", optional=True,
                   element=PlainTextInputElement(action_id="value", max_length=500,
                                                 placeholder="Names, account handles or a description")),
        InputBlock(block_id="urgency", label="How urgent is it?", element=RadioButtonsElement(
            action_id="value", initial_option=_option("routine", "Routine: it can wait for working hours"),
            options=[_option("routine", "Routine: it can wait for working hours"),
                     _option("urgent", "Urgent: someone is at risk, or it is spreading fast")])),
        InputBlock(block_id="confidential", label="Your identity", optional=True, element=CheckboxesElement(
            action_id="value", options=[_option("yes", "Show my name only to the people handling this report")])),
    ]
    metadata = json.dumps({"permalink": source_permalink, "text": (source_text or "")[:2000]})
    return View(type="modal", callback_id=REPORT_VIEW, title="Report a concern", submit="Send report",
                close="Cancel", private_metadata=metadata[:3000], blocks=blocks).to_dict()


def received_modal(report: Report, routed_to: str) -> dict:
    return View(type="modal", title="Report sent", close="Done", blocks=[
        SectionBlock(text=MarkdownTextObject(text=(
            f":white_check_mark: Your report is *{report.reference}*.\n\n{routed_to}\n\n"
            "I've sent you a receipt in a direct message, and I'll tell you when its status changes. "
            f"Check it any time with `/report status {report.reference}`."))),
    ]).to_dict()


def read_submission(values: dict) -> dict:
    """The modal's state as plain values (None where a field was left empty)."""
    def get(block: str):
        return (values.get(block) or {}).get("value") or {}

    kind = (get("kind").get("selected_option") or {}).get("value")
    platform = (get("platform").get("selected_option") or {}).get("value")
    link = (get("link").get("value") or "").strip() or None
    description = get("description").get("value")
    day = get("happened_on").get("selected_date")
    try:
        happened_on = date.fromisoformat(day) if day else None
    except ValueError:
        happened_on = None
    users = list(get("involved_users").get("selected_users") or [])
    involved_text = (get("involved_text").get("value") or "").strip() or None
    urgent = (get("urgency").get("selected_option") or {}).get("value") == "urgent"
    confidential = any(o.get("value") == "yes" for o in get("confidential").get("selected_options") or [])
    return {"kind": kind, "platform": platform, "link": link, "description": description,
            "happened_on": happened_on, "involved_users": users, "involved_text": involved_text,
            "urgent": urgent, "confidential": confidential}


def close_modal(report: Report) -> dict:
    return View(type="modal", callback_id=CLOSE_VIEW, title="Close the case", submit="Close case",
                close="Cancel", private_metadata=str(report.id), blocks=[
                    SectionBlock(text=MarkdownTextObject(
                        text=f"*{report.reference}* · {escape(KINDS.get(report.kind, report.kind))}")),
                    InputBlock(block_id="outcome", label="Outcome", element=StaticSelectElement(
                        action_id="value", placeholder="Choose an outcome",
                        options=[_option(key, label) for key, label in OUTCOMES.items()])),
                    InputBlock(block_id="notes", label="Notes for the case record", optional=True,
                               hint="Kept with the case for HR and Comms; not sent to the reporter.",
                               element=PlainTextInputElement(action_id="value", multiline=True, max_length=3000)),
                ]).to_dict()


# ------------------------------------------------------------------------------------------ case message

case_text = case_summary


# -------------------------------------------------------------------------------- reporter-facing messages

def reporter_status_blocks(report: Report, events: list[tuple], zone: ZoneInfo = DISPLAY_ZONE) -> list[dict]:
    lines = [f"*{report.reference}* · {escape(KINDS.get(report.kind, report.kind))}",
             f"*Status:* {STATUS_LABELS.get(report.status, report.status)}",
             f"*Reported:* {when(report.created_at, zone)}"]
    if report.acknowledged_at:
        lines.append(f"*Acknowledged:* {when(report.acknowledged_at, zone)}")
    if report.status == "closed":
        lines.append(f"*Closed:* {when(report.closed_at, zone)} · "
                     f"{escape(OUTCOMES.get(report.outcome or '', report.outcome or ''))}")
    steps = [f"{when(at, zone)} · {escape(action)}" for at, actor, action, detail in events]
    blocks = [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))]
    if steps:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="\n".join(steps[-8:]))]))
    return [block.to_dict() for block in blocks]


def admin_status_text(report: Report, zone: ZoneInfo = DISPLAY_ZONE) -> str:
    return (f"*{report.reference}* · {escape(KINDS.get(report.kind, report.kind))} · "
            f"{STATUS_LABELS.get(report.status, report.status)} · reported {when(report.created_at, zone)}"
            + (f" · closed {when(report.closed_at, zone)}" if report.closed_at else "")
            + "\n_Admins see a case's status only; its details are for the people handling it._")


def help_text() -> str:
    return ("*Reporting a concern*\n"
            "• `/report`: open the report form\n"
            "• `/report status SMR-2026-0042`: see where your report has got to\n"
            "• `/report status`: list your reports\n"
            "• On any message, choose *More actions → Report this message* to report it with a link\n\n"
            "Misuse of social media goes to your line manager (para 22); reputational issues to "
            "Communications and Marketing (para 30); safeguarding concerns to the safeguarding team too "
            "(para 16). If anyone is in immediate danger, call 999.")


def home_case_lines(cases: list[Report], zone: ZoneInfo = DISPLAY_ZONE) -> list[dict]:
    if not cases:
        return []
    lines = [f"• {':rotating_light: ' if c.urgent else ''}*{c.reference}* · {escape(KINDS.get(c.kind, c.kind))} · "
             f"{STATUS_LABELS.get(c.status, c.status)} · since {when(c.created_at, zone)}" for c in cases]
    return [DividerBlock().to_dict(), HeaderBlock(text=PlainTextObject(text="Cases you handle")).to_dict()] + [
        SectionBlock(text=MarkdownTextObject(text=piece)).to_dict() for piece in split_text("\n".join(lines))]


def home_my_reports(reports: list[Report], zone: ZoneInfo = DISPLAY_ZONE) -> list[dict]:
    """A reporter's own recent reports and where they have got to (their details stay out of the tab)."""
    if not reports:
        return []
    lines = [f"• *{r.reference}* · {escape(KINDS.get(r.kind, r.kind))} · {STATUS_LABELS.get(r.status, r.status)} · "
             f"{when(r.created_at, zone)}" for r in reports]
    return [DividerBlock().to_dict(), HeaderBlock(text=PlainTextObject(text="Your reports")).to_dict(),
            SectionBlock(text=MarkdownTextObject(text="\n".join(lines))).to_dict()]
