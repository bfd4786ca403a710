"""Block Kit for training nudges, the policy acknowledgement, managers' digests and HR's progress view."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (ActionsBlock, ButtonElement, ContextBlock, DatePickerElement, DividerBlock,
                                     HeaderBlock, InputBlock, MarkdownTextObject, Option, PlainTextInputElement,
                                     PlainTextObject, SectionBlock, StaticSelectElement)
from slack_sdk.models.views import View

from bot.training import STATUS_LABELS
from handlers.text import escape, split_text
from storage.models import Document, StaffMember, TrainingAssignment, TrainingCampaign

OPEN = "training_open"
DONE = "training_done"
SNOOZE = "training_snooze"
ACKNOWLEDGE = "policy_acknowledge"
READ_POLICY = "policy_read"
NUDGE_TEAM = "training_nudge_team"
START = "training_start"
START_VIEW = "training_start_submit"
ACTIONS = (OPEN, DONE, SNOOZE, ACKNOWLEDGE, READ_POLICY, NUDGE_TEAM, START)

DUTIES = (
    "*Your duties under the Social Media Policy*\n"
    "• Take the time to read and understand the policy, and uphold it (para 22).\n"
    "• Report any misuse of social media promptly to your line manager (para 22): `/report`.\n"
    "• Act within the law: inappropriate use can lead to legal action against you and the council (para 21).\n"
    "• Never bring the council, service users or partners into disrepute online (para 18).\n"
    "• Keep to the duty to safeguard children, young people and vulnerable adults (para 16).\n"
    "• Stay politically neutral when using social media for work (para 17).\n"
    "• Use only council accounts authorised by Communications and Marketing with your Corporate Director's "
    "approval (para 19): `/request-account`.\n"
    "• If you manage people, make sure your team knows the policy and acts by it (para 23).\n"
    "• A breach may lead to the disciplinary procedure (para 24).")


def training_nudge(campaign: TrainingCampaign, overdue_days: int, zone: ZoneInfo,
                   from_manager: bool = False) -> tuple[str, list[dict]]:
    due = campaign.due_date.strftime("%A %d %B %Y")
    if overdue_days > 0:
        lead = f":warning: Your social media awareness training, *{escape(campaign.name)}*, was due on {due}."
    elif overdue_days == 0:
        lead = f"Your social media awareness training, *{escape(campaign.name)}*, is due *today*."
    else:
        lead = f"Please complete the social media awareness training, *{escape(campaign.name)}*, by {due}."
    if from_manager:
        lead = "Your line manager asked me to remind you. " + lead
    text = (f"{lead} HR provide it for all staff (para 26); it takes about 30 minutes. When you've done it, "
            "press *I've completed it*.")
    value = str(campaign.id)
    blocks = [SectionBlock(text=MarkdownTextObject(text=text)),
              ActionsBlock(block_id=f"training_{campaign.id}", elements=[
                  ButtonElement(text="Open the training", action_id=OPEN, url=campaign.url, value=value,
                                style="primary"),
                  ButtonElement(text="I've completed it", action_id=DONE, value=value),
                  ButtonElement(text="Remind me tomorrow", action_id=SNOOZE, value=value)])]
    return text.replace("*", ""), [block.to_dict() for block in blocks]


def escalation_text(person: StaffMember, campaign: TrainingCampaign, overdue_days: int) -> str:
    return (f"{escape(person.name)} ({escape(person.email)}) in your team has not completed the social media "
            f"awareness training *{escape(campaign.name)}*, which was due {overdue_days} days ago. As their line "
            "manager you make sure your team knows the policy and acts by it (para 23); please talk to them.")


def acknowledgement_request(document: Document, policy_url: str | None) -> tuple[str, list[dict]]:
    version = f" (version {escape(document.version)})" if document.version else ""
    intro = (f"Every member of staff must read and understand the *Social Media Policy*{version} (para 22). "
             "Please read it, then press *I have read and understood it*.")
    # With POLICYBOT_POLICY_URL the button opens the intranet page; without it, the policy itself in Slack.
    buttons = [ButtonElement(text="Read the policy", action_id=READ_POLICY, url=policy_url or None,
                             value=document.checksum[:64])]
    buttons.append(ButtonElement(text="I have read and understood it", action_id=ACKNOWLEDGE,
                                 value=document.checksum, style="primary"))
    blocks = [SectionBlock(text=MarkdownTextObject(text=intro)), SectionBlock(text=MarkdownTextObject(text=DUTIES)),
              ContextBlock(elements=[MarkdownTextObject(text="Questions about it? Ask me: `/policy` and your question.")]),
              ActionsBlock(block_id="policy_ack", elements=buttons)]
    return "Please read and acknowledge the Social Media Policy (para 22).", [b.to_dict() for b in blocks]


def digest(manager: StaffMember, team: list[tuple[StaffMember, TrainingAssignment, TrainingCampaign]],
           acknowledged: set[int], today: date, zone: ZoneInfo) -> tuple[str, list[dict]]:
    def order(row):
        person, assignment, campaign = row
        overdue = assignment.status == "not_started" and campaign.due_date < today
        return (not overdue, assignment.status != "not_started", person.name.lower())

    lines, overdue = [], 0
    for person, assignment, campaign in sorted(team, key=order):
        late = assignment.status == "not_started" and campaign.due_date < today
        overdue += late
        status = ":red_circle: *Overdue*" if late else {"completed": ":white_check_mark: Completed",
                                                        "exempt": "Exempt"}.get(assignment.status, "Not started")
        ack = "policy acknowledged" if person.id in acknowledged else "policy not yet acknowledged"
        lines.append(f"• {escape(person.name)} · {escape(campaign.name)} · {status} · {ack}")
    head = (f"*Your team's social media training* (para 23): {overdue} overdue of {len(team)}."
            if overdue else "*Your team's social media training* (para 23): nobody overdue. Thank you!")
    blocks = [SectionBlock(text=MarkdownTextObject(text=head))]
    blocks += [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text("\n".join(lines))]
    if overdue:
        blocks.append(ActionsBlock(block_id="digest", elements=[
            ButtonElement(text="Nudge my overdue team", action_id=NUDGE_TEAM, value="team", style="primary")]))
    return f"Your team's social media training: {overdue} overdue of {len(team)}.", [b.to_dict() for b in blocks]


def my_training(rows: list[tuple[TrainingAssignment, TrainingCampaign]], acknowledged: bool | None,
                today: date) -> tuple[str, list[dict]]:
    blocks: list = []
    if not rows:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="You have no social media training assigned at the "
                                                                "moment.")))
    for assignment, campaign in rows:
        status = STATUS_LABELS[assignment.status]
        if assignment.status == "not_started" and campaign.due_date < today:
            status = "Overdue"
        blocks.append(SectionBlock(text=MarkdownTextObject(
            text=f"*{escape(campaign.name)}* · due {campaign.due_date.strftime('%d %b %Y')} · {status}")))
        if assignment.status == "not_started":
            value = str(campaign.id)
            blocks.append(ActionsBlock(elements=[
                ButtonElement(text="Open the training", action_id=OPEN, url=campaign.url, value=value),
                ButtonElement(text="I've completed it", action_id=DONE, value=value)]))
    if acknowledged is not None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text="Social Media Policy: " + ("acknowledged :white_check_mark:" if acknowledged else
                                            "not yet acknowledged; I'll send it to you to read"))]))
    return "Your social media training", [b.to_dict() for b in blocks]


def progress_blocks(rows: list[dict], can_start: bool = False) -> list[dict]:
    if not rows and not can_start:
        return []
    lines = []
    for row in rows:
        done = f"{row['completion_rate']:.0%}" if row["completion_rate"] is not None else "—"
        ack = f"{row['acknowledgement_rate']:.0%}" if row["acknowledgement_rate"] is not None else "—"
        lines.append(f"• *{escape(row['directorate'] or '(no directorate)')}*: training {done} "
                     f"({row['completed']}/{row['assigned'] - row['exempt']}), policy acknowledged {ack} "
                     f"({row['acknowledged']}/{row['staff']})")
    return [DividerBlock().to_dict(), HeaderBlock(text=PlainTextObject(text="Training and acknowledgement")).to_dict()] \
        + [SectionBlock(text=MarkdownTextObject(text=piece)).to_dict() for piece in split_text("\n".join(lines))
           if piece] \
        + ([ActionsBlock(elements=[ButtonElement(text="Start a training campaign", action_id=START,
                                                 value="start")]).to_dict()] if can_start else [])


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
    title = "Social Media Policy"
    return View(type="modal", title=title, close="Close", blocks=blocks).to_dict()
