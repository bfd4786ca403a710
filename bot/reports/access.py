"""Who may see or do what with a case: the people and teams it is assigned to handle it, the reporter sees
their own case's progress, admins its status only; nobody else learns that it exists."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import or_
from sqlmodel import Session, select

from bot import staff
from bot.reports.intake import REFERENCE_RE
from storage.models import Report, ReportAssignment

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------- access

def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def assignments(session: Session, report_id: int) -> list[ReportAssignment]:
    return list(session.exec(select(ReportAssignment).where(ReportAssignment.report_id == report_id)
                             .order_by(ReportAssignment.id)).all())


def case_rows(engine, *, open_only: bool = False) -> list[tuple[Report, list[ReportAssignment]]]:
    """Every case (or the open ones) with who handles it, oldest first: for exports."""
    with Session(engine, expire_on_commit=False) as session:
        query = select(Report).order_by(Report.created_at)
        if open_only:
            query = query.where(Report.status != "closed")
        return [(report, assignments(session, report.id)) for report in session.exec(query).all()]


def access(session: Session, report: Report, user_id: str) -> str | None:
    """"handler", "reporter", "admin" (status only) or None (may not know the case exists)."""
    roles = staff.roles_of_user(session, user_id)
    person = staff.by_user_id(session, user_id)
    left = person is not None and not person.active  # a manager who has left no longer handles their cases
    for assignment in assignments(session, report.id):
        if (assignment.kind == "user" and assignment.target == user_id and not left) or \
                (assignment.kind == "role" and assignment.target in roles):
            return "handler"
    if report.reporter_user_id == user_id:
        return "reporter"
    if "admin" in roles:
        return "admin"
    return None


def find(session: Session, reference: str) -> Report | None:
    match = REFERENCE_RE.search(reference or "")
    if not match:
        return None
    normalised = f"{match.group(1).upper()}-{match.group(2)}-{int(match.group(3)):04d}"
    return session.exec(select(Report).where(Report.reference == normalised)).first()


def open_cases_for(session: Session, user_id: str, limit: int = 20) -> list[Report]:
    """Cases not closed that this person handles (directly or through a team role)."""
    roles = staff.roles_of_user(session, user_id)
    condition = (ReportAssignment.kind == "user") & (ReportAssignment.target == user_id)
    if roles:
        condition = or_(condition, (ReportAssignment.kind == "role") & (ReportAssignment.target.in_(sorted(roles))))
    ids = select(ReportAssignment.report_id).where(condition)
    return list(session.exec(select(Report).where(Report.id.in_(ids)).where(Report.status != "closed")
                             .order_by(Report.urgent.desc(), Report.created_at).limit(limit)).all())


def reports_by(session: Session, user_id: str, limit: int = 10) -> list[Report]:
    return list(session.exec(select(Report).where(Report.reporter_user_id == user_id)
                             .order_by(Report.created_at.desc()).limit(limit)).all())
