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
