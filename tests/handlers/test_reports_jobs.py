"""Reports over time, with a controlled clock: reminders and escalation in working hours, no double
reminders from two schedulers, delivery after Slack errors and after a crash, admins told of messages that
cannot be delivered, and retention; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from bot import reports
from bot.reports import ReportInput
from bot.scheduler import run_job
from storage.models import OutboxMessage, Report, ReportEvent
from tests.handlers.test_reports_slack import dms_to, posts_to, settled, submit, wait_until
from tests.support import slack_requests as rq
from tests.support.directory import load_council


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


FRIDAY_3PM = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)  # GMT, so 15:00 in London too


@pytest.fixture
def council(slack_bot, tmp_path):
    load_council(slack_bot.services.engine, slack_bot.fake, tmp_path)
    slack_bot.clock = Clock(FRIDAY_3PM)
    slack_bot.services.clock = slack_bot.clock
    return slack_bot


def reminders_to(fake, channel):
    return [c for c in fake.calls_to("chat.postMessage")
            if c.params.get("channel") == channel and "not been acknowledged" in c.params.get("text", "")]


def test_an_unacknowledged_case_is_reminded_then_escalated_in_working_hours(council):
    submit(council)
    manager_dm = wait_until(lambda: dms_to(council.fake, "UMGR"))[0]
    settled(council)
    (report,) = council.rows(Report)
    # 4 working hours from Friday 15:00 is Monday 11:00 (2 hours on Friday, 2 on Monday).
    assert report.next_reminder_at.replace(tzinfo=timezone.utc) == datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc)

    council.clock.now = datetime(2026, 11, 30, 10, 59, tzinfo=timezone.utc)
    assert run_job(council.services, "report-reminders").startswith("0 reminded, 0 escalated")
    council.clock.now = datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc)
    assert run_job(council.services, "report-reminders").startswith("1 reminded, 0 escalated")
    assert run_job(council.services, "report-reminders").startswith("0 reminded")  # nothing twice
    (reminder,) = reminders_to(council.fake, "DUMGR")
    (case_row,) = [m for m in council.rows(OutboxMessage) if m.purpose == "report-case:dm"]
    assert reminder.params["thread_ts"] == case_row.sent_ts  # in the thread of the case message
    assert report.reference in reminder.text and manager_dm.params["channel"] == "DUMGR"

    council.clock.now = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)  # another 4 working hours
    assert run_job(council.services, "report-reminders").startswith("0 reminded, 1 escalated")
    director_dm = wait_until(lambda: dms_to(council.fake, "UDIR"))[0]
    assert "Escalated to you" in director_dm.text and report.reference in director_dm.text
    assert council.fake.calls_to("chat.update"), "the manager's copy shows the escalation"
    escalated = [e for e in council.rows(ReportEvent) if e.action == "escalated"]
    assert len(escalated) == 1 and escalated[0].detail == "Dana Director"  # named in the case history

    # The director acknowledges: no more reminders.
    council.action(rq.block_action("report_acknowledge", str(report.id), user="UDIR", channel="DUDIR"))
    wait_until(lambda: council.rows(Report)[0].status == "acknowledged")
    council.clock.now = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
    assert run_job(council.services, "report-reminders").startswith("0 reminded, 0 escalated")


def test_team_cases_escalate_to_each_member_directly(council):
    submit(council, kind="reputational")
    wait_until(lambda: posts_to(council.fake, "CCOMMS"))
    settled(council)
    council.clock.now = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
    run_job(council.services, "report-reminders")  # reminder in the channel's thread
    assert len(reminders_to(council.fake, "CCOMMS")) == 1
    council.clock.now = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
    assert "1 escalated" in run_job(council.services, "report-reminders")
    assert "Escalated to you" in wait_until(lambda: dms_to(council.fake, "UCOMMS"))[0].text


def test_two_schedulers_at_once_send_one_reminder(council):
    submit(council)
    wait_until(lambda: dms_to(council.fake, "UMGR"))
    settled(council)
    council.clock.now = datetime(2026, 11, 30, 11, 30, tzinfo=timezone.utc)
    from bot.services import Services

    others = [Services(council.services.settings, council.services.runtime, clock=council.clock) for _ in range(4)]
    barrier = threading.Barrier(len(others))
    results: list[str] = []

    def run(services):
        barrier.wait()
        results.append(run_job(services, "report-reminders"))

    threads = [threading.Thread(target=run, args=(s,)) for s in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r.split(",")[0] for r in results) == ["0 reminded", "0 reminded", "0 reminded", "1 reminded"]
    assert len(reminders_to(council.fake, "DUMGR")) == 1
    assert [e.action for e in council.rows(ReportEvent)].count("reminder sent") == 1


def test_slack_errors_and_rate_limits_are_retried_until_the_manager_has_it(council):
    council.fake.fail("chat.postMessage", status=500, error="internal_error", times=2)  # client retries once
    submit(council)
    wait_until(lambda: any(m.status == "pending" and m.attempts == 1 for m in council.rows(OutboxMessage)))
    council.fake.fail("chat.postMessage", status=429, error="ratelimited", retry_after=0, times=3)
    council.clock.now += timedelta(minutes=2)
    run_job(council.services, "outbox")
    council.clock.now += timedelta(minutes=5)
    run_job(council.services, "outbox")
    assert dms_to(council.fake, "UMGR") and dms_to(council.fake, "USAM")
    assert {m.status for m in council.rows(OutboxMessage)} == {"sent"}


def test_a_report_saved_before_a_crash_is_routed_and_delivered_later(council):
    data = ReportInput(kind="misuse", platform="X (Twitter)", link=None, description="Abusive replies from a "
                       "colleague's account.", happened_on=None)
    report = reports.submit(council.services.engine, data, reporter_user_id="USAM", clock=council.clock)
    with Session(council.services.engine) as session:  # the receipt of another case, queued but never sent
        from bot.outbox import enqueue

        queued = enqueue(session, channel="USAM", text="queued before the crash", purpose="report-update")
        queued.next_attempt_at = council.clock.now  # queued at the test's time, not the machine's
        session.commit()
    assert council.fake.calls_to("chat.postMessage") == []
    council.clock.now += timedelta(seconds=30)
    run_job(council.services, "report-reminders")
    assert dms_to(council.fake, "UMGR") == []  # too recent: its own process may still be routing it
    council.clock.now += timedelta(minutes=2)
    run_job(council.services, "report-reminders")
    run_job(council.services, "outbox")
    assert report.reference in dms_to(council.fake, "UMGR")[0].text
    assert any("queued before the crash" in c.text for c in dms_to(council.fake, "USAM"))
    assert council.rows(Report)[0].status == "open"


def test_a_message_that_cannot_be_delivered_is_kept_and_flagged_to_admins(council):
    council.fake.fail("conversations.open", status=200, error="user_not_found")
    submit(council)
    alert = wait_until(lambda: posts_to(council.fake, "CADMIN"))[0]
    assert "could not be delivered" in alert.text and "report-case:dm" in alert.text
    failed = [m for m in council.rows(OutboxMessage) if m.status == "failed"]
    assert len(failed) == 1 and failed[0].last_error == "user_not_found"


def test_closed_cases_are_anonymised_after_the_retention_period(council):
    submit(council, description="Names and details that must not be kept.", involved=["UALEX"])
    wait_until(lambda: dms_to(council.fake, "UMGR"))
    settled(council)
    report = council.rows(Report)[0]
    outcome = council.services.cases.close(report.id, "UMGR", "advice", "Private notes")
    council.services.outbox.deliver(outcome.outbox_ids)
    submit(council, description="An open case stays as it is.")
    wait_until(lambda: len(council.rows(Report)) == 2 and council.rows(Report)[1].status == "open")
    settled(council)
    council.clock.now += timedelta(days=729)
    assert run_job(council.services, "retention") == "0 closed case(s) anonymised"
    council.clock.now += timedelta(days=2)
    council.fake.clear()
    assert run_job(council.services, "retention") == "1 closed case(s) anonymised"
    closed, still_open = sorted(council.rows(Report), key=lambda r: r.id)
    assert (closed.reference, closed.kind, closed.outcome) == (report.reference, "misuse", "advice")
    assert closed.created_at and closed.closed_at and closed.anonymised_at
    assert (closed.description, closed.reporter_user_id, closed.involved_users, closed.outcome_notes,
            closed.link) == ("", "", "", None, None)
    assert still_open.description == "An open case stays as it is."
    with Session(council.services.engine) as session:
        texts = [m.text + (m.blocks or "") for m in session.exec(select(OutboxMessage)
                 .where(OutboxMessage.ref_id == closed.id)).all() if m.purpose != "report-case-update"]
    assert texts and not any("Names and details" in t or "USAM" in t for t in texts)
    edit = council.fake.wait_for("chat.update")[0]
    assert "Details removed" in edit.text and "Names and details" not in edit.text
    assert all(e.detail is None and e.actor is None for e in council.rows(ReportEvent)
               if e.report_id == closed.id and e.action != "anonymised")


def test_urgent_cases_are_chased_twice_as_fast(council):
    submit(council, kind="safeguarding")
    wait_until(lambda: posts_to(council.fake, "CSAFE"))
    settled(council)
    (report,) = council.rows(Report)
    # 2 working hours (half of 4) from Friday 15:00: the end of Friday's working day.
    assert report.urgent and report.next_reminder_at.replace(tzinfo=timezone.utc) == datetime(
        2026, 11, 27, 17, 0, tzinfo=timezone.utc)
    council.clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    assert run_job(council.services, "report-reminders").startswith("1 reminded")
    assert council.rows(Report)[0].next_reminder_at.replace(tzinfo=timezone.utc) == datetime(
        2026, 11, 30, 11, 0, tzinfo=timezone.utc)


def test_a_manager_who_has_left_loses_access_to_their_cases(council):
    from bot.staff import by_user_id

    submit(council)
    wait_until(lambda: dms_to(council.fake, "UMGR"))
    settled(council)
    (report,) = council.rows(Report)
    with Session(council.services.engine) as session:
        assert reports.access(session, report, "UMGR") == "handler"
        manager = by_user_id(session, "UMGR")
        manager.active = False  # left the council (the next staff import without them)
        session.add(manager)
        session.commit()
        assert reports.access(session, report, "UMGR") is None
        assert reports.access(session, report, "USAM") == "reporter"


def test_a_case_that_cannot_be_processed_never_stops_the_others(council, monkeypatch):
    from bot import report_messages as say
    from storage.models import ReportEvent as Event

    data = ReportInput(kind="misuse", platform="X (Twitter)", link=None, description="Abusive replies.",
                       happened_on=None)
    broken = reports.submit(council.services.engine, data, reporter_user_id="USAM", clock=council.clock)
    fine = reports.submit(council.services.engine, data, reporter_user_id="USAM", clock=council.clock)
    real = say.case_message

    def case_message(report, **kwargs):
        if report.id == broken.id:
            raise ValueError("this case cannot be shown")
        return real(report, **kwargs)

    monkeypatch.setattr(say, "case_message", case_message)
    council.clock.now += timedelta(minutes=2)
    run_job(council.services, "report-reminders")
    run_job(council.services, "report-reminders")  # tried again; the admins are told once
    run_job(council.services, "outbox")
    rows = {r.id: r for r in council.rows(Report)}
    assert rows[fine.id].routed_at is not None and fine.reference in dms_to(council.fake, "UMGR")[0].text
    assert rows[broken.id].routed_at is None
    failures = [e for e in council.rows(Event) if e.action == "processing failed"]
    assert [e.report_id for e in failures] == [broken.id]
    alerts = [m for m in council.rows(OutboxMessage) if m.purpose == "admin-alert"]
    assert len(alerts) == 1 and broken.reference in alerts[0].text and alerts[0].channel == "CADMIN"
