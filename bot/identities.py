"""Who people are on each chat platform: the identity table, keyed by staff member and platform.

A person is the staff directory's person. Each platform's id for them (a Slack user id; a Teams user id and the
reference of their personal chat) is one `Identity` row. A row with no user id records that the platform was
asked and does not know them, so nobody is looked up twice. Platform lookups (Slack's `users.lookupByEmail`)
live with each platform's handlers and record what they find here.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import Identity, StaffMember

SLACK = "slack"
TEAMS = "teams"
PLATFORMS = (SLACK, TEAMS)


def of(session: Session, staff_id: int, platform: str = SLACK) -> Identity | None:
    return session.exec(select(Identity).where(Identity.staff_id == staff_id)
                        .where(Identity.platform == platform)).first()


def user_id(session: Session, staff_id: int, platform: str = SLACK) -> str | None:
    """The person's id on `platform`, or None when it is not known (yet, or at all)."""
    found = of(session, staff_id, platform)
    return found.user_id if found is not None else None


def names(session: Session, user_ids) -> dict[str, str]:
    """Directory names of people by their id on any platform (those the directory knows)."""
    wanted = list(user_ids)
    if not wanted:
        return {}
    rows = session.exec(select(Identity.user_id, StaffMember.name).join(StaffMember, StaffMember.id == Identity.staff_id)
                        .where(Identity.user_id.in_(wanted))).all()
    return {user: name for user, name in rows}


def all_user_ids(session: Session, staff_id: int) -> set[str]:
    """The person's ids on every platform that knows them."""
    return {user for user in session.exec(select(Identity.user_id).where(Identity.staff_id == staff_id)
                                          .where(Identity.user_id.is_not(None))).all()}


def user_ids(session: Session, staff_ids, platform: str = SLACK) -> dict[int, str]:
    """Staff id → id on `platform`, for those of `staff_ids` the platform knows."""
    wanted = list(staff_ids)
    if not wanted:
        return {}
    rows = session.exec(select(Identity.staff_id, Identity.user_id).where(Identity.platform == platform)
                        .where(Identity.user_id.is_not(None)).where(Identity.staff_id.in_(wanted))).all()
    return dict(rows)


def person(session: Session, user_id: str, platform: str | None = None) -> StaffMember | None:
    """The directory entry of a chat user (an active entry first, should a leaver have had the id). Slack and
    Teams ids never look alike ("U…" and "29:…"), so without a `platform` any platform's id is matched."""
    query = select(StaffMember).join(Identity, Identity.staff_id == StaffMember.id).where(Identity.user_id == user_id)
    if platform is not None:
        query = query.where(Identity.platform == platform)
    return session.exec(query.order_by(StaffMember.active.desc())).first()


def known(platform: str | None = SLACK):
    """A condition on `StaffMember`: the platform (any platform, with None) knows them."""
    query = select(Identity.staff_id).where(Identity.user_id.is_not(None))
    if platform is not None:
        query = query.where(Identity.platform == platform)
    return StaffMember.id.in_(query)


def _conversation_id(conversation: str | None) -> str | None:
    try:
        return (json.loads(conversation or "{}") or {}).get("conversation_id")
    except (ValueError, AttributeError):
        return None


def _address(row: Identity) -> str | None:
    """Where a direct message to this identity goes: a Slack user id (the sender opens the DM), or the Teams
    personal chat recorded when they first talked to the bot or it was installed for them."""
    return row.user_id if row.platform != TEAMS else _conversation_id(row.conversation)


def mark_unreachable(session: Session, platform: str, address: str, at: datetime) -> bool:
    """Flag the identity a direct message to `address` was for as unreachable on `platform`, in the caller's
    transaction. True the first time (the admins are told once), False when already flagged or unknown."""
    query = select(Identity).where(Identity.platform == platform).where(Identity.unreachable_at.is_(None))
    if platform == TEAMS:
        query = query.where(Identity.conversation.contains(json.dumps({"conversation_id": address})[1:-1]))
    else:
        query = query.where(Identity.user_id == address)
    row = session.exec(query).first()
    if row is None:
        return False
    return bool(session.execute(update(Identity).where(Identity.id == row.id)
                                .where(Identity.unreachable_at.is_(None)).values(unreachable_at=at)).rowcount)


def is_teams_user(user_id: str) -> bool:
    """A Teams user id ("29:…"), as activities name the sender; Slack's are "U…" or "W…"."""
    return (user_id or "").startswith("29:")


def is_teams_channel(conversation_id: str) -> bool:
    """A Teams channel or group chat ("19:…@thread…"), as settings may name one for a team."""
    return (conversation_id or "").startswith("19:")


def address_of(session: Session, user_id: str) -> tuple[str, str] | None:
    """Where a direct message to this platform user goes: (platform, address); None when unknown."""
    row = session.exec(select(Identity).where(Identity.user_id == user_id)).first()
    address = _address(row) if row is not None else None
    return (row.platform, address) if address else None


def preferred_user_id(session: Session, staff_id: int, preference: tuple[str, ...]) -> str | None:
    """The person's id on the first platform of `preference` that knows them."""
    found = reach(session, [staff_id], preference).get(staff_id)
    if found is None:
        return None
    return user_id(session, staff_id, found[0])


def reach(session: Session, staff_ids, preference: tuple[str, ...] = (SLACK, TEAMS)) -> dict[int, tuple[str, str]]:
    """Staff id → (platform, address) for a direct message, on the first platform of `preference` that can
    reach them; people no platform can reach are left out."""
    wanted = list(staff_ids)
    if not wanted:
        return {}
    rank = {platform: n for n, platform in enumerate(preference)}
    rows = session.exec(select(Identity.staff_id, Identity.platform, Identity.user_id, Identity.conversation)
                        .where(Identity.staff_id.in_(wanted)).where(Identity.platform.in_(list(rank)))
                        .where(Identity.user_id.is_not(None)).where(Identity.unreachable_at.is_(None))).all()
    found: dict[int, tuple[str, str]] = {}
    for staff_id, platform, user, conversation in sorted(rows, key=lambda r: rank[r[1]]):
        if staff_id in found:
            continue
        address = user if platform != TEAMS else _conversation_id(conversation)
        if address:
            found[staff_id] = (platform, address)
    return found


def unchecked(platform: str = SLACK):
    """A condition on `StaffMember`: the platform has not been asked about them yet."""
    return StaffMember.id.not_in(select(Identity.staff_id).where(Identity.platform == platform))


def checked(session: Session, staff_id: int, platform: str = SLACK) -> bool:
    return of(session, staff_id, platform) is not None


def record(session: Session, staff_id: int, user_id: str | None, at: datetime, platform: str = SLACK,
           conversation: str | None = None) -> None:
    """Keep what the platform said about a person (found or not), in the caller's transaction. Safe when two
    processes record the same person at once: the second updates the row the first wrote."""
    values = {"user_id": user_id, "checked_at": at}
    if conversation is not None:
        values["conversation"] = conversation
        values["unreachable_at"] = None  # they have talked to the bot (or it was installed for them) again
    changed = session.execute(update(Identity).where(Identity.staff_id == staff_id)
                              .where(Identity.platform == platform).values(**values)).rowcount
    if changed:
        return
    try:
        with session.begin_nested():
            session.add(Identity(staff_id=staff_id, platform=platform, **values))
    except IntegrityError:  # recorded by another process meanwhile
        session.execute(update(Identity).where(Identity.staff_id == staff_id)
                        .where(Identity.platform == platform).values(**values))


class Directory(Protocol):
    """A platform's lookups of people (Slack's: handlers.slack.directory.SlackDirectory)."""

    platform: str

    def user_id(self, person: StaffMember, session: Session | None = None) -> str | None:
        """The person's id on the platform, looked up once and recorded; None when the platform lacks them."""

    def person(self, user_id: str) -> StaffMember | None:
        """The directory entry of a platform user."""


class KnownOnly:
    """The directory when no platform is there to look people up (Slack not configured): only what the identity
    table already holds (Teams identities come from installs and the roster, not from here)."""

    platform = SLACK
    looks_up = False  # nobody to ask: callers need not gather the people it would look up

    def __init__(self, engine):
        self.engine = engine

    def user_id(self, person: StaffMember, session: Session | None = None) -> str | None:
        if session is not None:
            return user_id(session, person.id, self.platform)
        with Session(self.engine) as own:
            return user_id(own, person.id, self.platform)

    def person(self, user_id: str) -> StaffMember | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return person(session, user_id)

    def resolve_all(self, people) -> tuple[int, int]:
        return 0, 0
