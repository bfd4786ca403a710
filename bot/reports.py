"""Reports (cases): misuse of social media, reputational issues, safeguarding concerns and security problems.

The rules of the policy live here, in one place:

* Misuse goes to the reporter's line manager (para 22). If that manager is among the people involved, has
  left, or is not on Slack, it goes to the next manager up; with nobody left, to HR.
* A reputational issue goes to Communications and Marketing (para 30), who can bring in HR and Legal.
* A safeguarding concern goes to the safeguarding team as well as the reporter's line manager, marked
  urgent (para 16).
* Phishing, a hacked or a fake account goes to ICT and to Communications and Marketing.

Every change is committed together with the messages it causes (the outbox), and only then sent.
Who may see or do what is decided by `access`: the people a case is assigned to (a person, or everyone
with a team's role) handle it; the reporter sees their own case's progress; admins see its status only;
nobody else learns anything about it, not even that it exists.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlparse

from sqlalchemy import or_, update
from sqlmodel import Session, select

from bot import identities, staff
from bot.desk import Desk
from bot import report_messages as say
from bot.references import next_reference
from bot.report_terms import KINDS, OUTCOMES, PLATFORMS, STATUS_LABELS, TEAM_NAMES  # noqa: F401 (used by handlers)
from storage.models import OutboxMessage, Report, ReportAssignment, ReportEvent, utcnow

log = logging.getLogger(__name__)

PREFIX = "SMR"
MAX_DESCRIPTION = 3000
MAX_FIELD = 500
MAX_REMINDER_STEPS = 6
ROUTING_CLAIM_TIMEOUT = timedelta(minutes=2)
REFERENCE_RE = re.compile(r"\b(SMR)-(\d{4})-(\d{4,})\b", re.IGNORECASE)


class ReportError(Exception):
    """An action that cannot be taken; the message says why, for the person who tried."""


# ------------------------------------------------------------------------------------------ validation

@dataclass
class ReportInput:
    kind: str | None
    platform: str | None
    link: str | None
    description: str | None
    happened_on: date | None
    involved_users: list[str] = field(default_factory=list)
    involved_text: str | None = None
    urgent: bool = False
    confidential: bool = False
    source_permalink: str | None = None
    source_text: str | None = None


def valid_link(link: str) -> bool:
    parsed = urlparse(link)
    return parsed.scheme in {"http", "https"} and bool(parsed.netloc) and "." in parsed.netloc and " " not in link


def validate(data: ReportInput, today: date) -> dict[str, str]:
    """Errors by field name, in words the reporter can act on; empty when the report can be saved."""
    errors: dict[str, str] = {}
    if data.kind not in KINDS:
        errors["kind"] = "Choose what kind of concern this is."
    if data.platform is not None and data.platform not in PLATFORMS:
        errors["platform"] = "Choose a platform from the list (or Other)."
    if data.link:
        if len(data.link) > 2000:
            errors["link"] = "That link is too long: paste the address of the post or account (up to 2,000 characters)."
        elif not valid_link(data.link):
            errors["link"] = "That doesn't look like a web link. Paste the full address, starting https://"
    description = (data.description or "").strip()
    if not description:
        errors["description"] = "Say what happened: what was posted or done, and why it concerns you."
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = (f"Please keep this to {MAX_DESCRIPTION:,} characters (it is {len(description):,}); "
                                 "the handler can ask you for more.")
    if data.happened_on is not None and data.happened_on > today:
        errors["happened_on"] = "That date is in the future: when did it happen (or when did you see it)?"
    if data.involved_text and len(data.involved_text) > MAX_FIELD:
        errors["involved_text"] = f"Please keep this to {MAX_FIELD} characters."
    if len(data.involved_users) > 10:
        errors["involved_users"] = "Choose up to 10 people; describe any others in the box below."
    return errors


# ------------------------------------------------------------------------------------------- submitting

def submit(engine, data: ReportInput, *, reporter_user_id: str, reporter_name: str = "", clock=utcnow) -> Report:
    """Save a report (committed before anyone is told anything). Routing follows in `route`."""
    now = clock()
    with Session(engine, expire_on_commit=False) as session:
        reference = next_reference(session, PREFIX, now.astimezone(timezone.utc).year)
        report = Report(reference=reference, kind=data.kind, status="submitted",
                        urgent=data.urgent or data.kind == "safeguarding", confidential=data.confidential,
                        platform=data.platform or "", link=data.link or None,
                        description=(data.description or "").strip(), happened_on=data.happened_on,
                        involved_users=",".join(data.involved_users), involved_text=data.involved_text or None,
                        source_permalink=data.source_permalink, source_text=data.source_text,
                        reporter_user_id=reporter_user_id, reporter_name=reporter_name[:200], created_at=now)
        session.add(report)
        session.flush()
        session.add(ReportEvent(report_id=report.id, at=now, actor=reporter_user_id, action="submitted",
                                detail=KINDS[data.kind]))
        session.commit()
        return report


# ------------------------------------------------------------------------------------------------ routing

@dataclass
class Target:
    kind: str  # user, role
    target: str  # Slack user id, or role
    reason: str


def _involved(report: Report) -> set[str]:
    return {user for user in report.involved_users.split(",") if user}


def _manager_target(session: Session, directory: identities.Directory, chain, involved: set[str],
                    start: int = 0) -> tuple[Target | None, int, list[str]]:
    """The first manager in `chain[start:]` who can take the case. Returns it, its level and notes."""
    notes: list[str] = []
    for level in range(start, len(chain)):
        manager = chain[level]
        if not manager.active:
            notes.append(f"{manager.name} has left the council")
            continue
        user_id = directory.user_id(manager, session)
        if user_id is None:
            notes.append(f"{manager.name} is not on Slack")
            continue
        if user_id in involved:
            notes.append(f"{manager.name} is among the people involved")
            continue
        reason = "line manager" if level == 0 else f"manager {level + 1} levels up" if level > 1 else \
            "line manager's manager"
        return Target("user", user_id, reason), level, notes
    return None, len(chain), notes


def plan_route(session: Session, directory: identities.Directory, report: Report,
               reporter: staff.StaffMember | None) -> tuple[list[Target], list[str], int]:
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
        target, level, skipped = _manager_target(session, directory, chain, involved)
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


# ----------------------------------------------------------------------------------------------- access

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


# ----------------------------------------------------------------------------------------- the workflow

def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


@dataclass
class Outcome:
    """What an action did: a message for the person who pressed, and the outbox messages to send."""

    message: str
    outbox_ids: list[int] = field(default_factory=list)
    changed: bool = False


@dataclass
class CaseStatus:
    seen_as: str                 # "handler", "reporter" or "admin"
    report: Report
    events: list[tuple]          # (when, actor, action, detail)
    message: object = None       # for a handler: the case message (bot.messages.Message)


class CaseDesk(Desk):
    """The reports workflow, for Slack listeners, jobs and the CLI alike (it never reads Slack payloads)."""

    # -------------------------------------------------------------------------------------- messages

    def _events(self, session: Session, report: Report) -> list[tuple]:
        rows = session.exec(select(ReportEvent).where(ReportEvent.report_id == report.id)
                            .order_by(ReportEvent.id)).all()
        return [(_aware(e.at), e.actor, e.action, e.detail) for e in rows]

    def _assigned(self, session: Session, report: Report) -> list:
        return [say.handler(a.kind, a.target) for a in assignments(session, report.id)]

    def case_message(self, session: Session, report: Report, *, private: bool, header=None) -> say.Message:
        """The case as its handlers see it (`private`: with the reporter's name), platform-neutral."""
        return say.case_message(report, show_reporter=private, assigned=self._assigned(session, report),
                                events=self._events(session, report), header=header, zone=self.zone)

    def _queue_case(self, session: Session, report: Report, channel: str, purpose: str, *, private: bool,
                    header=None) -> int:
        message = self.case_message(session, report, private=private, header=header)
        return self.enqueue(session, channel=channel, content=message, purpose=purpose, ref_type="report",
                            ref_id=report.id).id

    def _post_case(self, session: Session, report: Report, target: Target, header=None) -> list[int]:
        """Send the case to a person (DM) or a team (its channel, else a DM to each member)."""
        ids: list[int] = []
        if target.kind == "user":
            ids.append(self._queue_case(session, report, target.target, "report-case:dm", private=True,
                                        header=header))
            return ids
        channel = self.settings.team_channel(target.target)
        if channel:
            ids.append(self._queue_case(session, report, channel, "report-case:channel",
                                        private=not report.confidential, header=header))
            return ids
        sent = False
        for person in staff.with_role(session, target.target):
            user_id = self.directory.user_id(person, session)
            if user_id:
                ids.append(self._queue_case(session, report, user_id, "report-case:dm", private=True, header=header))
                sent = True
        if not sent:
            ids += self._alert_admins(session, f"{report.reference} should go to {TEAM_NAMES.get(target.target)}, "
                                               f"but no channel is set (POLICYBOT_"
                                               f"{target.target.upper()}_CHANNEL) and nobody in the staff directory "
                                               "has that role on Slack.", report)
        return ids

    def _alert_admins(self, session: Session, text: str, report: Report | None = None) -> list[int]:
        log.error("admin alert", extra={"alert": text})
        if report is not None:
            session.add(ReportEvent(report_id=report.id, at=self.clock(), action="admins alerted", detail=text))
        channel = self.settings.admin_channel
        ref = {"ref_type": "report", "ref_id": report.id} if report is not None else {}
        alert = say.admin_alert(text)
        if channel:
            return [self.enqueue(session, channel=channel, content=alert, purpose="admin-alert", **ref).id]
        ids = []
        admins = staff.with_role(session, "admin")
        for user_id in identities.user_ids(session, [person.id for person in admins]).values():
            ids.append(self.enqueue(session, channel=user_id, content=alert, purpose="admin-alert", **ref).id)
        return ids

    def _tell_reporter(self, session: Session, report: Report, message: say.Message) -> list[int]:
        if not report.reporter_user_id:
            return []
        return [self.enqueue(session, channel=report.reporter_user_id, content=message, purpose="report-update",
                             ref_type="report", ref_id=report.id).id]

    def _refresh_case_messages(self, session: Session, report: Report) -> list[int]:
        """Bring every copy of the case message up to date: sent ones by chat.update, queued ones in place."""
        ids: list[int] = []
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.ref_type == "report")
                            .where(OutboxMessage.ref_id == report.id)
                            .where(OutboxMessage.purpose.in_(["report-case:dm", "report-case:channel"]))).all()
        for row in rows:
            private = row.purpose == "report-case:dm" or not report.confidential
            message = self.case_message(session, report, private=private)
            if row.status == "sent" and row.sent_ts:
                ids.append(self.enqueue(session, method="chat.update", channel=row.sent_channel or row.channel,
                                        ts=row.sent_ts, content=message, purpose="report-case-update",
                                        ref_type="report", ref_id=report.id).id)
            elif row.status == "pending":  # not sent yet: it goes out up to date
                session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                                .where(OutboxMessage.status == "pending")
                                .values(text=message.summary, blocks=None, content=message.to_json()))
        return ids

    def ack_hours(self, report: Report) -> float:
        """Working hours a case may wait for acknowledgement: half as long when it is urgent."""
        return self.settings.report_ack_hours / (2 if report.urgent else 1)

    def describe_route(self, session: Session, report: Report) -> say.Text:
        """Where the case has gone, for its reporter (a team by name; a manager by their part, not by name)."""
        return say.route_description([
            TEAM_NAMES.get(a.target, a.target) if a.kind == "role" else "your line manager"
            if a.reason == "line manager" else "a senior manager" for a in assignments(session, report.id)])

    def _handler_name(self, session: Session, kind: str, target: str) -> str:
        """A handler as the case history names them: a team, or a person by their directory name."""
        if kind != "user":
            return TEAM_NAMES.get(target, target)
        person = staff.by_user_id(session, target)
        return person.name if person is not None else target

    # --------------------------------------------------------------------------------------- routing

    def _claim_routing(self, report_id: int) -> bool:
        now = self.clock()
        with Session(self.engine) as session:
            result = session.execute(
                update(Report).where(Report.id == report_id).where(Report.routed_at.is_(None))
                .where(or_(Report.routing_claimed_at.is_(None),
                           Report.routing_claimed_at < now - ROUTING_CLAIM_TIMEOUT))
                .values(routing_claimed_at=now))
            session.commit()
            return result.rowcount == 1

    def route(self, report_id: int) -> list[int]:
        """Route a submitted case: assign its handlers, post it to them and send the receipt, in one commit.
        Returns the outbox ids to deliver (empty if another process routed it)."""
        if not self._claim_routing(report_id):
            return []
        with Session(self.engine, expire_on_commit=False) as session:
            report = session.get(Report, report_id)
        reporter = self.directory.person(report.reporter_user_id) if report.reporter_user_id else None
        now = self.clock()
        ids: list[int] = []
        with Session(self.engine, expire_on_commit=False) as session:
            report = session.get(Report, report_id)
            if report.routed_at is not None:
                return []
            targets, notes, level = plan_route(session, self.directory, report, reporter)
            for target in targets:
                session.add(ReportAssignment(report_id=report.id, kind=target.kind, target=target.target,
                                             reason=target.reason, assigned_at=now))
            report.status = "open"
            report.routed_at = now
            report.escalation_level = level
            report.next_reminder_at = self.settings.working_time.add(now, self.ack_hours(report))
            session.add(report)
            session.add(ReportEvent(report_id=report.id, at=now, action="sent to handlers", detail="; ".join(
                [f"{self._handler_name(session, t.kind, t.target)} ({t.reason})" for t in targets] + notes)))
            session.flush()
            for target in targets:
                ids += self._post_case(session, report, target)
            ids += self._tell_reporter(session, report, say.receipt(report, self.describe_route(session, report)))
            session.commit()
        return ids

    def route_pending(self, older_than: timedelta = timedelta(seconds=60)) -> list[int]:
        """Route cases whose first routing never finished (the process stopped after saving them)."""
        cutoff = self.clock() - older_than
        with Session(self.engine) as session:
            waiting = session.exec(select(Report.id).where(Report.routed_at.is_(None))
                                   .where(Report.created_at < cutoff)).all()
        ids: list[int] = []
        for report_id in waiting:
            ids += self._isolated(report_id, "routing", lambda: self.route(report_id)) or []
        return ids

    def _isolated(self, report_id: int, step: str, work):
        """Run one case's step of a job so that a case that cannot be processed never stops the others:
        its error is logged and the admins are told once. Returns what `work` returns, or None."""
        try:
            return work()
        except Exception:  # any failure of this one case; the job goes on with the next
            log.exception("case not processed", extra={"report_id": report_id, "step": step})
        with Session(self.engine) as session:
            report = session.get(Report, report_id)
            already = session.exec(select(ReportEvent.id).where(ReportEvent.report_id == report_id)
                                   .where(ReportEvent.action == "processing failed")).first()
            if report is None or already is not None:
                return None
            session.add(ReportEvent(report_id=report_id, at=self.clock(), action="processing failed", detail=step))
            # Queued for the outbox job, which sends whatever is pending.
            self._alert_admins(session, f"{report.reference} could not be processed ({step}); the bot will try "
                                        "again at its next run. The error is in the logs.", report)
            session.commit()
        return None

    # --------------------------------------------------------------------------------------- actions

    def _load_for_action(self, session: Session, report_id: int, user_id: str) -> Report:
        report = session.get(Report, report_id)
        if report is None or access(session, report, user_id) != "handler":
            raise ReportError("Only the people handling this case can do that. If you think you should be "
                              "handling it, ask HR.")
        return report

    def acknowledge(self, report_id: int, user_id: str) -> Outcome:
        self.identify(user_id)
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            report = self._load_for_action(session, report_id, user_id)
            result = session.execute(update(Report).where(Report.id == report_id)
                                     .where(Report.status.in_(["open", "submitted"]))
                                     .values(status="acknowledged", acknowledged_at=now, acknowledged_by=user_id,
                                             next_reminder_at=None))
            if result.rowcount != 1:
                session.rollback()
                session.refresh(report)
                return Outcome(self._already(report))
            session.refresh(report)
            session.add(ReportEvent(report_id=report.id, at=now, actor=user_id, action="acknowledged"))
            session.flush()
            ids = self._refresh_case_messages(session, report)
            who = () if report.confidential else (" by ", say.Mention(user_id))
            ids += self._tell_reporter(session, report, say.update_for_reporter(
                "Your report ", say.Strong(report.reference), " has been acknowledged", *who, " and is being handled."))
            session.commit()
        return Outcome(f"You've acknowledged {report.reference}. The reporter has been told.", ids, True)

    def _already(self, report: Report) -> str:
        if report.status == "closed":
            return f"{report.reference} is already closed ({OUTCOMES.get(report.outcome or '', '')})."
        return f"{report.reference} was already acknowledged by <@{report.acknowledged_by}>."

    def refer(self, report_id: int, user_id: str, team: str) -> Outcome:
        self.identify(user_id)
        if team not in ("hr", "legal"):
            raise ReportError("Cases can be referred to HR or Legal.")
        now = self.clock()
        name = TEAM_NAMES[team]
        with Session(self.engine, expire_on_commit=False) as session:
            report = self._load_for_action(session, report_id, user_id)
            if report.status == "closed":
                return Outcome(self._already(report))
            if any(a.kind == "role" and a.target == team for a in assignments(session, report.id)):
                return Outcome(f"{report.reference} is already with {name}.")
            session.add(ReportAssignment(report_id=report.id, kind="role", target=team,
                                         reason=f"referred by <@{user_id}>", assigned_at=now))
            if report.status in ("open", "submitted"):
                report.status, report.acknowledged_at, report.acknowledged_by = "acknowledged", now, user_id
                report.next_reminder_at = None
            session.add(report)
            session.add(ReportEvent(report_id=report.id, at=now, actor=user_id, action=f"referred to {name}"))
            session.flush()
            ids = self._refresh_case_messages(session, report)
            ids += self._post_case(session, report, Target("role", team, "referred"),
                                   header=say.text(f"Referred to {name} by ", say.Mention(user_id)))
            ids += self._tell_reporter(session, report, say.update_for_reporter(
                "Your report ", say.Strong(report.reference), f" has been passed to {name} as well."))
            session.commit()
        return Outcome(f"{report.reference} has been referred to {name}.", ids, True)

    def close(self, report_id: int, user_id: str, outcome: str, notes: str | None) -> Outcome:
        self.identify(user_id)
        if outcome not in OUTCOMES:
            raise ReportError("Choose an outcome.")
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            report = self._load_for_action(session, report_id, user_id)
            result = session.execute(update(Report).where(Report.id == report_id).where(Report.status != "closed")
                                     .values(status="closed", closed_at=now, closed_by=user_id, outcome=outcome,
                                             outcome_notes=(notes or "").strip() or None, next_reminder_at=None))
            if result.rowcount != 1:
                session.rollback()
                session.refresh(report)
                return Outcome(self._already(report))
            session.refresh(report)
            session.add(ReportEvent(report_id=report.id, at=now, actor=user_id, action="closed",
                                    detail=OUTCOMES[outcome]))
            session.flush()
            ids = self._refresh_case_messages(session, report)
            ids += self._tell_reporter(session, report, say.update_for_reporter(
                "Your report ", say.Strong(report.reference), f" has been closed: {OUTCOMES[outcome]}. Thank you "
                "for raising it."))
            session.commit()
        return Outcome(f"{report.reference} is closed ({OUTCOMES[outcome]}).", ids, True)

    def my_reports(self, user_id: str) -> list[Report]:
        """The reports this person made, newest first."""
        self.identify(user_id)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(reports_by(session, user_id))

    def status_for(self, user_id: str, reference: str) -> CaseStatus | None:
        """A case as this person may see it: in full for its handlers (the neutral case message), its steps for
        the reporter, a status line for admins; None when they may not know it exists."""
        self.identify(user_id)
        with Session(self.engine, expire_on_commit=False) as session:
            report = find(session, reference)
            seen_as = access(session, report, user_id) if report is not None else None
            if seen_as is None:
                return None
            message = self.case_message(session, report, private=True) if seen_as == "handler" else None
            return CaseStatus(seen_as, report, self._events(session, report), message)

    def closing(self, report_id: int, user_id: str) -> Report:
        """The case a handler is about to close (the outcome form follows); ReportError if they may not, or
        if it is already closed."""
        self.identify(user_id)
        with Session(self.engine, expire_on_commit=False) as session:
            report = self._load_for_action(session, report_id, user_id)
        if report.status == "closed":
            raise ReportError(self._already(report))
        return report

    def reporter_of(self, report_id: int, user_id: str) -> str:
        """For a handler in a channel where the reporter is hidden: who reported it (recorded)."""
        self.identify(user_id)
        with Session(self.engine) as session:
            report = self._load_for_action(session, report_id, user_id)
            session.add(ReportEvent(report_id=report.id, at=self.clock(), actor=user_id, action="reporter viewed"))
            session.commit()
            return f"{report.reference} was reported by <@{report.reporter_user_id}>."

    # ------------------------------------------------------------------------------------- reminders

    def run_reminders(self) -> tuple[int, int, list[int]]:
        """Remind and escalate cases nobody has acknowledged. Each step is claimed with a conditional
        UPDATE (step n → n+1) in the transaction that queues its messages, so two processes never both act."""
        ids = self.route_pending()
        now = self.clock()
        with Session(self.engine) as session:
            due = session.exec(select(Report.id, Report.reminder_step, Report.urgent).where(Report.status == "open")
                               .where(Report.next_reminder_at <= now).order_by(Report.next_reminder_at)).all()
        counts = {"reminded": 0, "escalated": 0}
        for report_id, step, urgent in due:
            done = self._isolated(report_id, "reminder",
                                  lambda: self._remind_or_escalate(report_id, step, urgent, now))
            if done:
                kind, queued = done
                counts[kind] += 1
                ids += queued
        return counts["reminded"], counts["escalated"], ids

    def _remind_or_escalate(self, report_id: int, step: int, urgent: bool, now: datetime):
        """One case's next reminder step, claimed so that two processes never both take it: returns
        ("reminded" or "escalated", outbox ids), or None when another process took it."""
        wt = self.settings.working_time
        with Session(self.engine, expire_on_commit=False) as session:
            new_step = step + 1
            hours = self.settings.report_ack_hours / (2 if urgent else 1)
            following = wt.add(now, hours) if new_step < MAX_REMINDER_STEPS else None
            claimed = session.execute(update(Report).where(Report.id == report_id)
                                      .where(Report.reminder_step == step).where(Report.status == "open")
                                      .values(reminder_step=new_step, next_reminder_at=following))
            if claimed.rowcount != 1:
                session.rollback()
                return None
            report = session.get(Report, report_id)
            if new_step % 2 == 1:
                kind, ids = "reminded", self._remind(session, report)
            else:
                kind, ids = "escalated", self._escalate(session, report)
            if following is None:
                ids += self._alert_admins(session, f"{report.reference} has still not been acknowledged after "
                                                   f"{new_step} reminders and escalations.", report)
            session.commit()
            return kind, ids

    def _remind(self, session: Session, report: Report) -> list[int]:
        hours = self.ack_hours(report)
        reported = _aware(report.created_at).astimezone(self.zone).strftime("%a %d %b, %H:%M")
        message = say.reminder(report, reported, hours)
        ids: list[int] = []
        for row in session.exec(select(OutboxMessage).where(OutboxMessage.ref_type == "report")
                                .where(OutboxMessage.ref_id == report.id)
                                .where(OutboxMessage.purpose.in_(["report-case:dm", "report-case:channel"]))).all():
            ids.append(self.enqueue(session, channel=row.sent_channel or row.channel, content=message,
                                    thread_ts=row.sent_ts if row.status == "sent" else None, purpose="report-reminder",
                                    ref_type="report", ref_id=report.id).id)
        session.add(ReportEvent(report_id=report.id, at=self.clock(), action="reminder sent"))
        return ids

    def _escalate(self, session: Session, report: Report) -> list[int]:
        """Bring in the next manager up the reporter's chain (or HR when the chain is exhausted); for
        team-routed cases, each member of the team is messaged directly."""
        now = self.clock()
        current = assignments(session, report.id)
        has_manager_route = report.kind in ("misuse", "safeguarding")
        target: Target | None = None
        notes: list[str] = []
        if has_manager_route:
            reporter = staff.by_user_id(session, report.reporter_user_id) if report.reporter_user_id else None
            chain = staff.manager_chain(session, reporter) if reporter else []
            assigned_users = {a.target for a in current if a.kind == "user"}
            target, level, notes = _manager_target(session, self.directory, chain, _involved(report) | assigned_users,
                                                   start=report.escalation_level + 1)
            if target is not None:
                report.escalation_level = level
                target.reason = "escalated: not acknowledged in time"
            elif not any(a.kind == "role" and a.target == "hr" for a in current):
                target = Target("role", "hr", "escalated: no manager left in the chain")
        ids: list[int] = []
        header = say.text(say.Icon("escalated"), " ", say.Strong("Escalated to you:"), " nobody has acknowledged "
                          f"this case within {2 * self.ack_hours(report):g} working hours.")
        recipients: list[str] = []
        if target is not None:
            session.add(ReportAssignment(report_id=report.id, kind=target.kind, target=target.target,
                                         reason=target.reason, assigned_at=now))
            session.add(report)
            detail = "; ".join([self._handler_name(session, target.kind, target.target)] + notes)
        else:
            # Team cases (and chains with nobody left): each member of the teams is told directly.
            for assignment in current:
                if assignment.kind == "role":
                    for person in staff.with_role(session, assignment.target):
                        user_id = self.directory.user_id(person, session)
                        if user_id and user_id not in recipients:
                            recipients.append(user_id)
            detail = ", ".join(self._handler_name(session, "user", user_id) for user_id in recipients) \
                or "nobody further to escalate to"
        session.add(ReportEvent(report_id=report.id, at=now, action="escalated", detail=detail))
        session.flush()
        ids += self._refresh_case_messages(session, report)  # before the new messages, which carry a header
        if target is not None:
            ids += self._post_case(session, report, target, header=header)
        for user_id in recipients:
            ids.append(self._queue_case(session, report, user_id, "report-case:dm", private=True, header=header))
        if target is None and not recipients:
            ids += self._alert_admins(session, f"{report.reference} is unacknowledged and there is nobody "
                                               "further to escalate it to.", report)
        return ids

    # ------------------------------------------------------------------------------------- retention

    def run_retention(self) -> tuple[int, list[int]]:
        """Anonymise cases closed more than POLICYBOT_REPORT_RETENTION_DAYS ago: the reference, kind, dates
        and outcome stay for statistics; everything that could identify anyone is removed, including the
        text of the messages the bot sent about the case (and those messages are edited in Slack)."""
        cutoff = self.clock() - timedelta(days=self.settings.report_retention_days)
        with Session(self.engine) as session:
            due = session.exec(select(Report.id).where(Report.status == "closed").where(Report.closed_at < cutoff)
                               .where(Report.anonymised_at.is_(None))).all()
        ids: list[int] = []
        done = 0
        for report_id in due:
            with Session(self.engine, expire_on_commit=False) as session:
                now = self.clock()
                claimed = session.execute(update(Report).where(Report.id == report_id)
                                          .where(Report.anonymised_at.is_(None)).values(
                    anonymised_at=now, description="", link=None, platform="", involved_users="",
                    involved_text=None, source_permalink=None, source_text=None, reporter_user_id="",
                    reporter_name="", outcome_notes=None, acknowledged_by=None, closed_by=None, happened_on=None))
                if claimed.rowcount != 1:
                    session.rollback()
                    continue
                session.execute(update(ReportEvent).where(ReportEvent.report_id == report_id)
                                .values(actor=None, detail=None))
                session.execute(update(ReportAssignment).where(ReportAssignment.report_id == report_id)
                                .where(ReportAssignment.kind == "user").values(target="(removed)", reason=""))
                report = session.get(Report, report_id)
                edits = self._refresh_case_messages(session, report)
                session.execute(update(OutboxMessage).where(OutboxMessage.ref_type == "report")
                                .where(OutboxMessage.ref_id == report_id).where(OutboxMessage.id.notin_(edits or [0]))
                                .values(text="(removed under the retention policy)", blocks=None))
                ids += edits
                session.add(ReportEvent(report_id=report_id, at=now, action="anonymised"))
                session.commit()
                done += 1
        return done, ids
