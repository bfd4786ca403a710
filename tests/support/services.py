"""For service-level tests: a council in the database, a controlled clock, and a recording sender in place of
the outbox's delivery, so a workflow runs with no HTTP and no chat platform."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.messages import Actions, Message
from bot.services import Services
from bot.settings import load_settings
from bot import identities
from bot.staff import by_email, import_staff
from knowledge.indexer import index_paths
from storage.models import OutboxMessage
from tests.conftest import POLICY_FILE
from tests.support.directory import PEOPLE, staff_csv

SLACK_ID = {email: user_id for email, *_, user_id in PEOPLE}
NOWHERE = "http://127.0.0.1:9/api/"  # a Web API that refuses at once: services here must never call it


class RecordingSender:
    """Stands in for the outbox's delivery: records what the workflow queued, sends nothing."""

    def __init__(self, engine):
        self.engine = engine
        self.ids: list[int] = []

    def deliver(self, ids):
        self.ids += list(ids)

    def rows(self) -> list[OutboxMessage]:
        with Session(self.engine) as session:
            return list(session.exec(select(OutboxMessage).where(OutboxMessage.id.in_(self.ids or [0]))
                                     .order_by(OutboxMessage.id)).all())

    def messages(self) -> list[tuple[str, Message]]:
        return [(row.channel, Message.from_json(row.content)) for row in self.rows() if row.content]

    def to(self, channel: str) -> list[Message]:
        return [message for to, message in self.messages() if to == channel]


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def council_services(engine, folder, now: datetime, people=PEOPLE, **settings) -> Services:
    """Services over `engine` with the bundled policy indexed, the test council's staff (with their Slack ids)
    and a recording sender."""
    index_paths(engine, [POLICY_FILE])
    assert import_staff(engine, staff_csv(folder / "staff.csv", people)).applied
    with Session(engine) as session:
        for email, user_id in SLACK_ID.items():
            person = by_email(session, email)
            if person is not None:
                identities.record(session, person.id, user_id, now)
        session.commit()
    url = engine.url.render_as_string(hide_password=False)
    services = Services(load_settings(database_url=url, embeddings="none", slack_bot_token="xoxb-none",
                                      slack_api_url=NOWHERE, **settings), clock=Clock(now))
    services.__dict__["outbox"] = RecordingSender(engine)  # a cached property: the recording sender instead
    return services


def buttons(message: Message) -> dict[str, str]:
    return {a.id: a.value for block in message.blocks if isinstance(block, Actions) for a in block.actions}
