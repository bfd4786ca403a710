"""What a person's home view holds, whatever the platform draws it as: the cases they handle, their own
reports, and for HR and Comms the training and acknowledgement progress."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from bot import staff
from bot.reports import open_cases_for, reports_by
from storage.models import Report


@dataclass
class Home:
    cases: list[Report]            # open cases this person handles
    my_reports: list[Report]       # their own latest reports
    roles: set[str]
    progress: list[dict] | None = None   # for HR and Comms: training and acknowledgement by directorate
    acknowledgements: tuple = field(default_factory=lambda: ([], []))  # campaigns, new versions waiting
    saved_answers: list | None = None  # for Comms: the latest saved answers, to edit or retire

    @property
    def can_start_campaigns(self) -> bool:
        return "hr" in self.roles


def home_for(services, user_id: str) -> Home:
    services.cases.identify(user_id)
    with Session(services.engine, expire_on_commit=False) as session:
        home = Home(cases=list(open_cases_for(session, user_id)), my_reports=list(reports_by(session, user_id, limit=5)),
                    roles=staff.roles_of_user(session, user_id))
        if home.roles & {"hr", "comms"}:
            home.progress = services.training.progress(session)
    if home.progress is not None:
        home.acknowledgements = services.training.acknowledgement_status()
    if "comms" in home.roles:
        from bot.saved_answers import list_answers

        home.saved_answers = list_answers(services.engine, limit=10)
    return home


HOME_REPORT = "home_report"
HOME_REQUEST_ACCOUNT = "home_request_account"
HOME_TRAINING = "home_training"
HOME_SAVED_ANSWERS = "home_saved_answers"
HOME_START_TRAINING = "training_start"
HOME_START_ACKNOWLEDGEMENT = "acknowledgement_start"


def home_message(home: Home, zone=None):
    """The home view as a platform-neutral message (platforms without a home tab send it when asked)."""
    from bot.messages import (Action, Actions, Bullets, Context, Icon, Message, Paragraph, Strong, text)
    from bot.report_messages import DISPLAY_ZONE, when
    from bot.report_terms import KINDS, STATUS_LABELS

    zone = zone or DISPLAY_ZONE
    blocks: list = [
        Paragraph(text(Strong("I help you follow the council's Social Media Policy."), " Ask me anything about it "
                       "and I quote the paragraphs that answer you; if the documents don't cover it, I say so and "
                       "can pass your question to Communications and Marketing.")),
    ]
    if home.cases:
        blocks.append(Bullets(tuple(text(*((Icon("urgent"), " ") if c.urgent else ()), Strong(c.reference),
                                         f" · {KINDS.get(c.kind, c.kind)} · {STATUS_LABELS.get(c.status, c.status)}"
                                         f" · since {when(c.created_at, zone)}") for c in home.cases[:20]),
                              title=text(Strong("Cases you handle"))))
    if home.my_reports:
        blocks.append(Bullets(tuple(text(Strong(r.reference), f" · {KINDS.get(r.kind, r.kind)} · "
                                         f"{STATUS_LABELS.get(r.status, r.status)} · {when(r.created_at, zone)}")
                                    for r in home.my_reports), title=text(Strong("Your reports"))))
    if home.progress:
        rows = []
        for row in home.progress[:30]:
            done = f"{row['completion_rate']:.0%}" if row["completion_rate"] is not None else "—"
            ack = f"{row['acknowledgement_rate']:.0%}" if row["acknowledgement_rate"] is not None else "—"
            rows.append(text(Strong(row["directorate"] or "(no directorate)"), f": training {done} "
                             f"({row['completed']}/{row['assigned'] - row['exempt']}), acknowledged {ack} "
                             f"({row['acknowledged']}/{row['staff']})"))
        blocks.append(Bullets(tuple(rows), title=text(Strong("Training and acknowledgement"))))
    campaigns, waiting = home.acknowledgements
    for found in waiting[:10]:
        version = f" ({found['version']})" if found["version"] else ""
        blocks.append(Paragraph(text(Icon("warning"), " A new version of ", Strong(found["document"]), version,
                                     " is indexed; staff will be asked to acknowledge it when HR start it.")))
    actions = [Action(HOME_REPORT, "Report a concern", "report", dialog=True),
               Action(HOME_REQUEST_ACCOUNT, "Request a social media account", "account", dialog=True),
               Action(HOME_TRAINING, "My social media training", "training")]
    if home.saved_answers is not None:
        actions.append(Action(HOME_SAVED_ANSWERS, f"Saved answers ({len(home.saved_answers)})", "saved"))
    if home.can_start_campaigns:
        actions += [Action(HOME_START_TRAINING, "Start a training campaign", "start", dialog=True),
                    Action(HOME_START_ACKNOWLEDGEMENT, "Ask staff to acknowledge a document", "start", dialog=True)]
    blocks.append(Actions(tuple(actions), group="home_actions"))
    blocks.append(Context(text("Answers come from the council's own documents; they are guidance, not legal "
                               "advice.")))
    return Message(summary="Social Media Policy assistant", blocks=tuple(blocks))
