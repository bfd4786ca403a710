"""Where a case goes (paras 16, 22 and 30): the reporter's line manager (skipping one who is involved, has
left or cannot be reached), up the chain, HR; and the teams each kind of report goes to."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from bot import identities, staff
from storage.models import Report

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------ routing

@dataclass
class Target:
    kind: str  # user, role
    target: str  # Slack user id, or role
    reason: str


def _involved(report: Report) -> set[str]:
    return {user for user in report.involved_users.split(",") if user}


def _manager_target(session: Session, directory: identities.Directory, chain, involved: set[str],
                    start: int = 0, preference: tuple[str, ...] = (identities.SLACK, identities.TEAMS)
                    ) -> tuple[Target | None, int, list[str]]:
    """The first manager in `chain[start:]` who can take the case. Returns it, its level and notes."""
    notes: list[str] = []
    for level in range(start, len(chain)):
        manager = chain[level]
        if not manager.active:
            notes.append(f"{manager.name} has left the council")
            continue
        directory.user_id(manager, session)  # looked up on Slack once, by email
        user_id = identities.preferred_user_id(session, manager.id, preference)
        if user_id is None:
            notes.append(f"{manager.name} cannot be reached on Slack or Teams")
            continue
        if user_id in involved:
            notes.append(f"{manager.name} is among the people involved")
            continue
        reason = "line manager" if level == 0 else f"manager {level + 1} levels up" if level > 1 else \
            "line manager's manager"
        return Target("user", user_id, reason), level, notes
    return None, len(chain), notes


def plan_route(session: Session, directory: identities.Directory, report: Report,
               reporter: staff.StaffMember | None,
               preference: tuple[str, ...] = (identities.SLACK, identities.TEAMS)) -> tuple[list[Target], list[str], int]:
    """Where a new case goes. Returns the targets, notes for the timeline, and the manager level used."""
    involved = _involved(report)
    targets: list[Target] = []
    notes: list[str] = []
    level = 0

    def manager_route():
        nonlocal level
        if reporter is None:
            notes.append("the reporter is not in the staff directory, so there is no line manager to tell")
            targets.append(Target("role", "hr", "no line manager"))
            return
        chain = staff.manager_chain(session, reporter)
        if not chain:
            notes.append("the reporter has no line manager in the staff directory")
        target, level, skipped = _manager_target(session, directory, chain, involved, preference=preference)
        notes.extend(skipped)
        if target is None:
            targets.append(Target("role", "hr", "no line manager could take it"))
        else:
            targets.append(target)

    if report.kind == "misuse":
        manager_route()
    elif report.kind == "reputational":
        targets.append(Target("role", "comms", "reputational issue (para 30)"))
    elif report.kind == "safeguarding":
        targets.append(Target("role", "safeguarding", "safeguarding concern (para 16)"))
        manager_route()
    elif report.kind == "security":
        targets.append(Target("role", "ict", "phishing, hacked or fake account"))
        targets.append(Target("role", "comms", "an account speaking for the council may be affected"))
    return targets, notes, level
