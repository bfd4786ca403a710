"""The training and acknowledgement workflow at the service level: a controlled clock, a recording sender in
place of the outbox's delivery, and the platform-neutral messages it queues (who gets what, with which
buttons). No HTTP and no chat platform; the Slack surface has its own tests. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, select

from bot import training_messages as say
from bot.messages import Action, Actions, Bullets, Message, Paragraph, Strong, plain
from storage.models import StaffMember
from tests.support.directory import PEOPLE
from tests.support.services import SLACK_ID, buttons, council_services

MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def desk(engine, tmp_path):
    people = [list(p) for p in PEOPLE]
    people[3][1] = "Sam <!channel> Staff"  # a name as typed in the directory, markup and all
    return council_services(engine, tmp_path, MONDAY_10AM, [tuple(p) for p in people]).training


def start_training(desk, **kwargs):
    options = {"name": "Awareness 2026", "url": "https://learning.example.gov.uk/42", "due": date(2026, 12, 18),
               "directorate": "Place", "created_by": "UHR"} | kwargs
    return desk.start(**options)


def test_a_campaign_nudges_everyone_it_covers_with_the_training_buttons(desk):
    campaign, assigned = start_training(desk)
    assert assigned == 5  # the Place directorate
    report = desk.run_nudges()
    assert (report.training, report.acknowledgement) == (5, 0)  # nothing to acknowledge until HR start it
    sender = desk.services.outbox
    assert sorted(channel for channel, _ in sender.messages()) == sorted(
        SLACK_ID[p[0]] for p in PEOPLE if p[2] == "Place")
    nudge = sender.to("UMGR")[0]
    assert buttons(nudge) == {say.OPEN: str(campaign.id), say.DONE: str(campaign.id), say.SNOOZE: str(campaign.id)}
    assert "by Friday 18 December 2026" in nudge.summary and "*" not in nudge.summary
    assert Strong("Awareness 2026") in nudge.blocks[0].text
    assert desk.run_nudges().training == 0  # claimed: never twice


def test_overdue_training_is_escalated_to_the_line_manager_once(desk):
    start_training(desk, due=date(2026, 12, 1))
    desk.services.clock.now = datetime(2026, 12, 16, 10, 0, tzinfo=timezone.utc)  # 15 days overdue
    report = desk.run_nudges()
    assert report.escalations == 5  # everyone in Place has a line manager to tell
    escalations = [m for m in desk.services.outbox.to("UMGR") if "has not completed" in m.summary]
    names = sorted(plain(m.blocks[0].text).split(" (")[0] for m in escalations)
    assert names == ["Alex Colleague", "Sam <!channel> Staff"]  # kept as typed: the renderer escapes it
    assert "15 days ago" in escalations[0].summary
    assert desk.run_nudges().escalations == 0


def test_the_digest_lists_the_overdue_first_with_a_nudge_button(desk):
    start_training(desk, due=date(2026, 12, 1))
    desk.services.clock.now = datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc)  # the next Monday: overdue
    with Session(desk.engine) as session:
        sam = session.exec(select(StaffMember).where(StaffMember.email == "sam@notts.gov.uk")).one()
        campaign_id = desk.running(session)[0].id
    desk.self_declare(campaign_id, "USAM")
    count, _ = desk.run_digests()
    assert count == 3  # Morgan (Sam, Alex), Dana (Morgan, Olly) and the chief executive (Dana)
    digest = desk.services.outbox.to("UMGR")[0]
    items = next(b for b in digest.blocks if isinstance(b, Bullets)).items
    assert [plain(item).split(" · ")[0] for item in items] == ["Alex Colleague", sam.name]
    assert "Overdue" in plain(items[0]) and "Completed" in plain(items[1])
    assert " · acknowledged" not in plain(items[0])  # nothing is being asked to acknowledge
    assert buttons(digest) == {say.NUDGE_TEAM: "team"}


def test_acknowledgement_asks_everyone_once_hr_start_it_with_the_duties_for_the_policy(desk):
    assert desk.run_nudges().acknowledgement == 0
    campaign, to_ask = desk.start_acknowledgement("Social Media Policy", "UHR")
    assert to_ask == len(PEOPLE)
    assert desk.run_nudges().acknowledgement == len(PEOPLE)
    ask = desk.services.outbox.to("USAM")[0]
    assert buttons(ask)[say.ACKNOWLEDGE] == campaign.document_checksum
    assert say.DUTIES in ask.blocks and "(para 22)" in ask.summary
    assert desk.acknowledge(campaign.document_checksum, "USAM").startswith("Thank you")
    desk.services.clock.now = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
    assert desk.run_nudges().acknowledgement == len(PEOPLE) - 1  # the first reminder, not for Sam


def test_neutral_messages_survive_the_outbox_and_are_escaped_when_drawn_for_slack():
    from handlers.slack.render import render

    message = Message(summary="Hi <!channel> & all", blocks=(
        Paragraph((Strong("Sam <!channel>"), " is overdue")),
        Bullets(items=tuple(((f"item {n} " + "x" * 200),) for n in range(40))),
        Actions(group="g", actions=(Action("a", "Go", "1", primary=True),))))
    again = Message.from_json(message.to_json())
    assert again == message
    text, blocks = render(again)
    assert text == "Hi &lt;!channel&gt; &amp; all"
    assert blocks[0]["text"]["text"] == "*Sam &lt;!channel&gt;* is overdue"
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) >= 4 and all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert blocks[-1] == {"type": "actions", "block_id": "g", "elements": [
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Go", "emoji": True},
         "value": "1", "style": "primary"}]}
