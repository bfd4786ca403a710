"""The reports workflow at the service level: routing (the line manager, skipping a manager who is involved,
up the chain, HR when there is nobody), who may act on a case, in-place updates and escalation, with a
controlled clock and a recording sender. No HTTP; the Slack surface has its own tests. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from bot import report_messages as say
from bot import reports
from bot.messages import Fields, Icon, Mention, Paragraph, plain
from bot.reports import ReportError, ReportInput
from storage.models import OutboxMessage, ReportAssignment, ReportEvent
from tests.support.services import buttons, council_services

MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
MISUSE = ReportInput(kind="misuse", platform="Facebook", link="https://facebook.com/p/1",
                     description="Rude replies to residents from the library page.", happened_on=None)


@pytest.fixture
def services(engine, tmp_path):
    return council_services(engine, tmp_path, MONDAY_10AM, comms_channel="CCOMMS")


def submit(services, data=MISUSE, reporter="USAM"):
    report = reports.submit(services.engine, data, reporter_user_id=reporter, clock=services.clock)
    services.outbox.deliver(services.cases.route(report.id))
    return report


def fields(message) -> dict[str, str]:
    rows = next(b for b in message.blocks if isinstance(b, Fields)).rows
    return {label: plain(value) for label, value in rows}


def test_misuse_goes_to_the_reporters_line_manager_with_the_case_buttons(services):
    report = submit(services)
    case = services.outbox.to("UMGR")[0]
    assert buttons(case) == {action: str(report.id) for action in
                             (say.ACK, say.REFER_HR, say.REFER_LEGAL, say.CLOSE)}  # the reporter is shown
    assert fields(case)["Reported by"] == "@USAM" and fields(case)["Where"] == "Facebook"
    assert case.summary == f"{report.reference}: Misuse of social media by a colleague (Waiting for the handler)"
    receipt = services.outbox.to("USAM")[0].summary
    assert report.reference in receipt and "It has gone to your line manager." in receipt
    with Session(services.engine) as session:
        assert [(a.kind, a.target, a.reason) for a in session.exec(select(ReportAssignment)).all()] == [
            ("user", "UMGR", "line manager")]


def test_a_manager_who_is_involved_is_skipped_for_the_next_one_up(services):
    data = ReportInput(**{**vars(MISUSE), "involved_users": ["UMGR"]})
    report = submit(services, data)
    assert services.outbox.to("UMGR") == []
    assert services.outbox.to("UDIR")[0].summary.startswith(report.reference)
    with Session(services.engine) as session:
        routed = session.exec(select(ReportEvent).where(ReportEvent.action == "sent to handlers")).one()
    assert routed.detail == "Dana Director (line manager's manager); Morgan Manager is among the people involved"


def test_a_reporter_with_no_line_manager_goes_to_hr(engine, tmp_path):
    services = council_services(engine, tmp_path, MONDAY_10AM, hr_channel="CHR")
    report = submit(services, reporter="UCEO")  # the chief executive has no line manager in the directory
    assert services.outbox.to("CHR")[0].summary.startswith(report.reference)
    with Session(services.engine) as session:
        assert [(a.kind, a.target) for a in session.exec(select(ReportAssignment)).all()] == [("role", "hr")]


def test_a_reputational_issue_goes_to_comms_without_the_reporters_name_when_confidential(services):
    data = ReportInput(**{**vars(MISUSE), "kind": "reputational", "confidential": True})
    report = submit(services, data)
    case = services.outbox.to("CCOMMS")[0]
    assert fields(case)["Reported by"] == "shown only to the people handling this case"
    assert not any(isinstance(part, Mention) and part.user_id == "USAM"
                   for block in case.blocks if isinstance(block, (Paragraph, Fields))
                   for part in (block.text if isinstance(block, Paragraph) else
                                [p for _, value in block.rows for p in value]))
    assert say.SHOW_REPORTER in buttons(case) and report.confidential


def test_only_a_handler_may_acknowledge_and_every_copy_is_updated(services):
    report = submit(services)
    with pytest.raises(ReportError, match="Only the people handling this case"):
        services.cases.acknowledge(report.id, "UALEX")
    outcome = services.cases.acknowledge(report.id, "UMGR")
    services.outbox.deliver(outcome.outbox_ids)
    assert outcome.changed and "The reporter has been told" in outcome.message
    with Session(services.engine) as session:
        update = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "report-case-update")).all()
        first = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "report-case:dm")).one()
    # The first copy had not been sent yet (the recording sender sends nothing): it goes out up to date.
    assert update == [] and "Being handled" in first.text
    assert say.ACK not in buttons(say.Message.from_json(first.content))
    assert services.outbox.to("USAM")[-1].summary == (f"Your report {report.reference} has been acknowledged by "
                                                      "@UMGR and is being handled.")
    assert "already acknowledged" in services.cases.acknowledge(report.id, "UMGR").message


def test_an_unacknowledged_case_is_escalated_up_the_chain_with_a_header(services):
    report = submit(services)
    services.clock.now = MONDAY_10AM + timedelta(days=1)  # past the working hours allowed: a reminder
    reminded, escalations, ids = services.cases.run_reminders()
    services.outbox.deliver(ids)
    assert (reminded, escalations) == (1, 0) and services.outbox.to("UDIR") == []
    assert "has not been acknowledged yet" in services.outbox.to("UMGR")[-1].summary
    services.clock.now = MONDAY_10AM + timedelta(days=2)  # as long again: the next manager up
    reminded, escalations, ids = services.cases.run_reminders()
    services.outbox.deliver(ids)
    assert (reminded, escalations) == (0, 1)
    escalated = services.outbox.to("UDIR")
    assert len(escalated) == 1 and escalated[0].summary.startswith(report.reference)
    header = escalated[0].blocks[0].text
    assert header[0] == Icon("escalated") and "Escalated to you:" in plain(header)
