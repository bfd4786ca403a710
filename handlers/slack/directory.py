"""Slack identities: people's Slack user ids found by email, and people found by Slack user id.

What Slack answers is kept in the identity table (bot.identities), so each person is looked up once.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import identities
from bot.staff import by_email
from storage.models import StaffMember, utcnow

log = logging.getLogger(__name__)

NOT_FOUND = {"users_not_found", "user_not_found"}
SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


class SlackDirectory:
    """Finds people's Slack user ids by email and people by Slack user id, remembering what it learns."""

    platform = identities.SLACK
    looks_up = True  # people without a Slack id are looked up by email (KnownOnly: nobody to ask)
    UNKNOWN_FOR = 600  # seconds a Slack user found outside the directory is not asked about again

    def __init__(self, engine: Engine, client, clock=utcnow):
        self.engine = engine
        self.client = client
        self.clock = clock
        self._unknown: dict[str, float] = {}  # Slack user id → when users.info showed them outside the directory

    def user_id(self, person: StaffMember, session: Session | None = None) -> str | None:
        """The person's Slack user id, looked up by email once and kept; None if Slack does not know them.
        Pass the caller's `session` when it may hold a write transaction, so the result is kept in it."""
        if session is not None:
            return self._user_id(session, person)
        with Session(self.engine) as own:
            found = self._user_id(own, person)
            own.commit()
            return found

    def _user_id(self, session: Session, person: StaffMember) -> str | None:
        known = identities.of(session, person.id, self.platform)
        if known is not None:
            return known.user_id
        try:
            user_id = self.client.users_lookupByEmail(email=person.email)["user"]["id"]
        except SlackApiError as error:
            if error.response.get("error") not in NOT_FOUND:
                raise
            user_id = None
        identities.record(session, person.id, user_id, self.clock(), self.platform)
        return user_id

    def person(self, user_id: str) -> StaffMember | None:
        """The directory entry of a Slack user: by stored id, else by the email Slack has for them."""
        with Session(self.engine, expire_on_commit=False) as session:
            found = identities.person(session, user_id)  # known on any platform
            if found is not None:
                return found
        if not SLACK_ID.match(user_id or ""):
            return None  # another platform's user (a Teams id): that platform records who they are
        asked = self._unknown.get(user_id)
        if asked is not None and time.monotonic() - asked < self.UNKNOWN_FOR:
            return None
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError:
            log.warning("users.info failed", extra={"user": user_id})
            return None
        email = ((user.get("profile") or {}).get("email") or "").lower()
        with Session(self.engine, expire_on_commit=False) as session:
            found = by_email(session, email) if email else None
            if found is None:
                self._unknown[user_id] = time.monotonic()
                return None
            identities.record(session, found.id, user_id, self.clock(), self.platform)
            session.commit()
            session.refresh(found)
            return found

    def resolve_all(self, people: Iterable[StaffMember]) -> tuple[int, int]:
        """Look up everyone active not yet looked up. Returns (found, not on Slack)."""
        found = missing = 0
        with Session(self.engine) as session:
            for person in people:
                if not person.active or identities.checked(session, person.id, self.platform):
                    continue
                if self._user_id(session, person):
                    found += 1
                else:
                    missing += 1
                session.commit()  # each answer kept as it comes: an error later loses nothing
        return found, missing
