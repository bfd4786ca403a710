"""What the training and acknowledgement workflow says (paras 22, 23 and 26), as platform-neutral messages
(`bot.messages`): the training nudge, the manager's escalation, the acknowledgement request and the weekly
digest. The action ids are the bot's own; every platform sends them back when a button is pressed."""

from __future__ import annotations

from datetime import date

from bot.messages import Action, Actions, Bullets, Code, Context, Icon, Message, Paragraph, Strong, plain, text
from storage.models import Document, StaffMember, TrainingAssignment, TrainingCampaign

OPEN = "training_open"
DONE = "training_done"
SNOOZE = "training_snooze"
ACKNOWLEDGE = "policy_acknowledge"
READ_POLICY = "policy_read"
NUDGE_TEAM = "training_nudge_team"

DUTIES = Bullets(title=text(Strong("Your duties under the Social Media Policy")), items=(
    text("Take the time to read and understand the policy, and uphold it (para 22)."),
    text("Report any misuse of social media promptly to your line manager (para 22): ", Code("/report"), "."),
    text("Act within the law: inappropriate use can lead to legal action against you and the council (para 21)."),
    text("Never bring the council, service users or partners into disrepute online (para 18)."),
    text("Keep to the duty to safeguard children, young people and vulnerable adults (para 16)."),
    text("Stay politically neutral when using social media for work (para 17)."),
    text("Use only council accounts authorised by Communications and Marketing with your Corporate Director's "
         "approval (para 19): ", Code("/request-account"), "."),
    text("If you manage people, make sure your team knows the policy and acts by it (para 23)."),
    text("A breach may lead to the disciplinary procedure (para 24)."),
))


def training_nudge(campaign: TrainingCampaign, overdue_days: int, from_manager: bool = False) -> Message:
    due = campaign.due_date.strftime("%A %d %B %Y")
    name = Strong(campaign.name)
    if overdue_days > 0:
        lead = text(Icon("warning"), " Your social media awareness training, ", name, f", was due on {due}.")
    elif overdue_days == 0:
        lead = text("Your social media awareness training, ", name, ", is due ", Strong("today"), ".")
    else:
        lead = text("Please complete the social media awareness training, ", name, f", by {due}.")
    if from_manager:
        lead = text("Your line manager asked me to remind you. ", *lead)
    body = text(*lead, " HR provide it for all staff (para 26); it takes about 30 minutes. When you've done "
                "it, press ", Strong("I've completed it"), ".")
    value = str(campaign.id)
    return Message(summary=plain(body).strip(), blocks=(
        Paragraph(body),
        Actions(group=f"training_{campaign.id}", actions=(
            Action(OPEN, "Open the training", value, url=campaign.url, primary=True),
            Action(DONE, "I've completed it", value),
            Action(SNOOZE, "Remind me tomorrow", value)))))


def escalation(person: StaffMember, campaign: TrainingCampaign, overdue_days: int) -> Message:
    body = text(f"{person.name} ({person.email}) in your team has not completed the social media awareness "
                "training ", Strong(campaign.name), f", which was due {overdue_days} days ago. As their line "
                "manager you make sure your team knows the policy and acts by it (para 23); please talk to them.")
    return Message(summary=plain(body), blocks=(Paragraph(body),))


def acknowledgement_request(document: Document, policy_url: str | None, primary: bool = True) -> Message:
    """HR's request to read and acknowledge one version of `document`; the duties under the Social Media
    Policy are listed when it is the bot's own policy (`primary`)."""
    version = f" (version {document.version})" if document.version else ""
    para = " (para 22)" if primary else ""
    intro = text("HR ask every member of staff to read and understand the ", Strong(document.title),
                 f"{version}{para}. Please read it, then press ", Strong("I have read and understood it"), ".")
    # With POLICYBOT_POLICY_URL the button opens the intranet page of the policy; otherwise the document itself.
    actions = (Action(READ_POLICY, "Read it", document.checksum[:64], url=(policy_url or None) if primary else None),
               Action(ACKNOWLEDGE, "I have read and understood it", document.checksum, primary=True))
    blocks = [Paragraph(intro)]
    if primary:
        blocks.append(DUTIES)
    blocks += [Context(text("Questions about it? Ask me: ", Code("/policy"), " and your question.")),
               Actions(group="policy_ack", actions=actions)]
    return Message(summary=f"Please read and acknowledge the {document.title}{para}.", blocks=tuple(blocks))


def digest(team: list[tuple[StaffMember, TrainingAssignment, TrainingCampaign]], acknowledged: set[int] | None,
           today: date) -> Message:
    """A line manager's weekly view of their team (para 23). `acknowledged`: who has acknowledged what HR are
    asking for (None: nothing is being asked)."""
    def order(row):
        person, assignment, campaign = row
        overdue = assignment.status == "not_started" and campaign.due_date < today
        return (not overdue, assignment.status != "not_started", person.name.lower())

    items, overdue = [], 0
    for person, assignment, campaign in sorted(team, key=order):
        late = assignment.status == "not_started" and campaign.due_date < today
        overdue += late
        status = text(Icon("overdue"), " ", Strong("Overdue")) if late else {
            "completed": text(Icon("done"), " Completed"), "exempt": text("Exempt")}.get(
            assignment.status, text("Not started"))
        ack = "" if acknowledged is None else \
            " · acknowledged" if person.id in acknowledged else " · not yet acknowledged"
        items.append(text(f"{person.name} · {campaign.name} · ", *status, ack))
    title = Strong("Your team's social media training")
    head = text(title, f" (para 23): {overdue} overdue of {len(team)}.") if overdue else \
        text(title, " (para 23): nobody overdue. Thank you!")
    blocks = [Paragraph(head), Bullets(tuple(items))]
    if overdue:
        blocks.append(Actions(group="digest", actions=(
            Action(NUDGE_TEAM, "Nudge my overdue team", "team", primary=True),)))
    return Message(summary=f"Your team's social media training: {overdue} overdue of {len(team)}.",
                   blocks=tuple(blocks))


def my_training(rows, acknowledgements: list[tuple[str, bool]], today, status_labels: dict[str, str]) -> Message:
    """A member of staff's own training and acknowledgements ("my training"). `rows`: (assignment, campaign)."""
    blocks: list = []
    if not rows:
        blocks.append(Paragraph(text("You have no social media training assigned at the moment.")))
    for assignment, campaign in rows:
        status = status_labels.get(assignment.status, assignment.status)
        if assignment.status == "not_started" and campaign.due_date < today:
            status = "Overdue"
        blocks.append(Paragraph(text(Strong(campaign.name), f" · due {campaign.due_date.strftime('%d %b %Y')} · "
                                     f"{status}")))
        if assignment.status == "not_started":
            value = str(campaign.id)
            blocks.append(Actions((Action(OPEN, "Open the training", value, url=campaign.url),
                                   Action(DONE, "I've completed it", value)), group=f"my_training_{campaign.id}"))
    for title, acknowledged in acknowledgements[:10]:
        blocks.append(Context(text(f"{title}: ", *((Icon("done"), " acknowledged") if acknowledged else
                                                   ("not yet acknowledged; I'll send it to you to read",)))))
    return Message(summary="Your social media training", blocks=tuple(blocks))
