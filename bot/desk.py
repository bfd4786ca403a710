"""What every workflow (reports, account requests, training) shares: the services it runs on, the clock,
working time, and matching Slack users to the staff directory."""

from __future__ import annotations

from datetime import datetime

from bot import staff


class Desk:
    def __init__(self, services):
        self.services = services
        self.settings = services.settings
        self.engine = services.engine

    @property
    def directory(self):
        return self.services.directory

    def clock(self) -> datetime:
        return self.services.clock()  # read each time: jobs and tests may give the services another clock

    def enqueue(self, session, **message):
        """Queue a message in the caller's transaction, stamped with this workflow's clock. A direct message to
        a person known by their Teams id goes to their Teams personal chat."""
        from bot import identities
        from bot.outbox import enqueue

        channel = message.get("channel") or ""
        if "platform" not in message and identities.is_teams_user(channel):
            found = identities.address_of(session, channel)
            if found is not None:
                message["platform"], message["channel"] = found
        elif "platform" not in message and identities.is_teams_channel(channel):
            message["platform"] = identities.TEAMS  # a team channel set as, say, the Comms channel
        return enqueue(session, at=self.clock(), **message)

    def redraw(self, session, row, message, purpose: str) -> int | None:
        """Bring one posted copy of a message up to date: a sent one by an update on its platform (the outbox id
        returned), a still-queued one in place, so it goes out current."""
        from sqlalchemy import update

        from storage.models import OutboxMessage

        if row.status == "sent" and row.sent_ts:
            return self.enqueue(session, method="update", platform=row.platform,
                                channel=row.sent_channel or row.channel, ts=row.sent_ts, content=message,
                                purpose=purpose, ref_type=row.ref_type, ref_id=row.ref_id).id
        if row.status == "pending":
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                            .where(OutboxMessage.status == "pending")
                            .values(text=message.summary, blocks=None, content=message.to_json()))
        return None

    def directorates(self) -> list[str]:
        """The directorates of the staff directory (for a form's choices)."""
        from sqlmodel import Session

        from bot.accounts import directorates

        with Session(self.engine) as session:
            return directorates(session)

    @property
    def wt(self):
        return self.settings.working_time

    @property
    def zone(self):
        return self.wt.zone

    def identify(self, user_id: str) -> staff.StaffMember | None:
        """The Slack user's directory entry, matched by email the first time (so their team roles count)."""
        return self.directory.person(user_id) if user_id else None

    @staticmethod
    def _person_name(session, user_id: str | None, unknown: str = "someone outside the staff directory") -> str:
        """A person as the bot writes them into a record or a reply: their directory name, or `unknown`."""
        person = staff.by_user_id(session, user_id) if user_id else None
        return person.name if person is not None else unknown
