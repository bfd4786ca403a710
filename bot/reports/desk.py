"""The reports workflow's actions: routing a new case, acknowledging, referring, closing, and what the
reporter and handlers are shown."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from bot import identities, staff
from bot.desk import Desk
from bot import report_messages as say
from bot.reports.access import _aware, access, assignments, find, reports_by
from bot.reports.intake import ReportError
from bot.reports.jobs import CaseJobs
from bot.reports.routing import Target, plan_route
from bot.report_terms import OUTCOMES, TEAM_NAMES
from storage.models import OutboxMessage, Report, ReportAssignment, ReportEvent

log = logging.getLogger(__name__)

ROUTING_CLAIM_TIMEOUT = timedelta(minutes=2)


# ----------------------------------------------------------------------------------------- the workflow

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


class CaseDesk(CaseJobs, Desk):
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
            self.directory.user_id(person, session)  # looked up on Slack once, by email
            user_id = identities.preferred_user_id(session, person.id, self.settings.platforms)
            if user_id:
                ids.append(self._queue_case(session, report, user_id, "report-case:dm", private=True, header=header))
                sent = True
        if not sent:
            ids += self._alert_admins(session, f"{report.reference} should go to {TEAM_NAMES.get(target.target)}, "
                                               f"but no channel is set (POLICYBOT_"
                                               f"{target.target.upper()}_CHANNEL) and nobody in the staff directory "
                                               "with that role can be reached on Slack or Teams.", report)
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
        """Bring every copy of the case message up to date (`Desk.redraw`)."""
        ids: list[int] = []
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.ref_type == "report")
                            .where(OutboxMessage.ref_id == report.id)
                            .where(OutboxMessage.purpose.in_(["report-case:dm", "report-case:channel"]))).all()
        for row in rows:
            private = row.purpose == "report-case:dm" or not report.confidential
            message = self.case_message(session, report, private=private)
            queued = self.redraw(session, row, message, "report-case-update")
            if queued is not None:
                ids.append(queued)
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
            targets, notes, level = plan_route(session, self.directory, report, reporter, self.settings.platforms)
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
        with Session(self.engine) as session:
            name = self._person_name(session, report.acknowledged_by, unknown="")
        return f"{report.reference} was already acknowledged{f' by {name}' if name else ''}."

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
                                         reason=f"referred by {self._person_name(session, user_id)}",
                                         assigned_at=now))
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

    def reporter_of(self, report_id: int, user_id: str) -> tuple[str, str]:
        """For a handler in a channel where the reporter is hidden: the case's reference and who reported it
        (their platform id; the viewing is recorded)."""
        self.identify(user_id)
        with Session(self.engine) as session:
            report = self._load_for_action(session, report_id, user_id)
            session.add(ReportEvent(report_id=report.id, at=self.clock(), actor=user_id, action="reporter viewed"))
            session.commit()
            return report.reference, report.reporter_user_id
