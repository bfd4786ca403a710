"""Scheduled work on cases: reminders and escalation of unacknowledged cases, routing cases left
unrouted, and anonymising closed cases after the retention period."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from bot import staff
from bot import report_messages as say
from bot.reports.access import _aware, assignments
from bot.reports.routing import Target, _involved, _manager_target
from storage.models import OutboxMessage, Report, ReportAssignment, ReportEvent

log = logging.getLogger(__name__)

MAX_REMINDER_STEPS = 6


class CaseJobs:
    """The scheduled side of the reports workflow: reminders, escalation up the management chain, retention.
    Mixed into `CaseDesk`, whose messages and routing it uses."""

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
            ids.append(self.enqueue(session, platform=row.platform, channel=row.sent_channel or row.channel,
                                    content=message,
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
                                                   start=report.escalation_level + 1,
                                                   preference=self.settings.platforms)
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
