"""The Comms hand-off loop in Slack, end to end: signed requests to the real Bolt app, the stand-in Web API,
and the rows the bot stores (SQLite and PostgreSQL). Decline → hand-off → Answer by Comms → the asker is told →
the next similar question is answered from the saved answer, citing it."""

from __future__ import annotations

import json
import time

import pytest

from bot.scheduler import run_job
from storage.models import Document, Handoff, OutboxMessage, Question, SavedAnswer
from tests.support import slack_requests as rq
from tests.support.directory import load_council

SICK_PAY = "How much sick pay do I get when I'm off ill?"
ANSWER = "Sick pay is set out in the Attendance Management Policy on the intranet: <!channel> see section 4."


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def buttons(call) -> dict[str, str]:
    return {e["action_id"]: e.get("value", "") for b in call.blocks or [] if b["type"] == "actions"
            for e in b["elements"]}


@pytest.fixture
def council(slack_bot, fake_slack, tmp_path):
    load_council(slack_bot.services.engine, fake_slack, tmp_path)
    slack_bot.services.settings.knowledge_reload_seconds = 0  # check the knowledge base on every question
    return slack_bot


def hand_off(bot, fake, text=SICK_PAY, user="USAM", channel="DSAM"):
    """Ask in a DM, get the decline, press Ask Comms and Marketing: the hand-off message as Comms got it."""
    posts, replies = len(fake.calls_to("chat.postMessage")), len(fake.calls_to("response_url"))
    bot.event(rq.message_event(text, user=user, channel=channel))
    decline = fake.wait_for("chat.postMessage", posts + 1)[posts]
    assert "don't cover" in decline.text
    bot.action(rq.block_action("answer_ask_comms", buttons(decline)["answer_ask_comms"], user=user, channel=channel))
    to_comms = fake.wait_for("chat.postMessage", posts + 2)[posts + 1]
    assert to_comms.params["channel"] == "CCOMMS"
    assert "passed your question" in fake.wait_for("response_url", replies + 1)[replies].text
    return to_comms


def reply(fake, number: int) -> str:
    """The text of the `number`th private reply after the hand-off's own confirmation (1 = the first)."""
    return fake.wait_for("response_url", number + 1)[number].text


def sent_ts(bot) -> str:
    """Where Slack put the hand-off message (as the outbox recorded it)."""
    return wait_until(lambda: [r.sent_ts for r in bot.rows(OutboxMessage) if r.purpose == "handoff" and r.sent_ts])[0]


def submit_answer(bot, value, *, user="UCOMMS", answer=ANSWER, save=True, wording=None, sources=()):
    values = {"answer": rq.text_input(answer), "save": rq.checkboxes(["save"] if save else []),
              "wording": rq.text_input(wording if wording is not None else SICK_PAY),
              "sources": {"type": "multi_static_select", "selected_options": [{"value": s} for s in sources]}}
    return bot.action(rq.view_submission("handoff_answer_view", values, user=user,
                                         private_metadata=json.dumps({"handoff": value})))


def test_the_whole_loop_answer_goes_back_and_the_next_asker_gets_the_saved_answer(council, fake_slack):
    to_comms = hand_off(council, fake_slack)
    assert "<@USAM>" in to_comms.text and "How much sick pay" in to_comms.text
    assert "could not answer" in to_comms.text and "waiting" in to_comms.text
    value = buttons(to_comms)["handoff_answer"]
    assert set(buttons(to_comms)) == {"handoff_answer", "handoff_assign", "handoff_not_for_us"}

    # Comms press Answer: the form opens, prefilled with the question as the wording to save.
    posted_at = sent_ts(council)
    council.action(rq.block_action("handoff_answer", value, user="UCOMMS", channel="CCOMMS",
                                   message_ts=posted_at))
    form = fake_slack.wait_for("views.open")[0].params["view"]
    form = json.loads(form) if isinstance(form, str) else form
    assert form["callback_id"] == "handoff_answer_view"
    wording = [b for b in form["blocks"] if b.get("block_id") == "wording"][0]["element"]
    assert wording["initial_value"] == SICK_PAY

    response = submit_answer(council, value)
    assert response.status_code == 200 and response.json()["response_action"] == "update"
    # The asker gets the answer in their DM, naming Comms; the hand-off message is updated for everyone.
    reply = wait_until(lambda: [c for c in fake_slack.calls_to("chat.postMessage")
                                if c.params["channel"] == "DSAM" and "answered your question" in c.text])[0]
    assert "Casey Comms" in json.dumps(reply.blocks)
    update = fake_slack.wait_for("chat.update")[0]
    assert update.params["ts"] == posted_at and "Answered by" in json.dumps(update.blocks)
    assert buttons(update) == {}
    (handoff,) = council.rows(Handoff)
    assert (handoff.status, handoff.answered_by) == ("answered", "UCOMMS")
    (saved,) = council.rows(SavedAnswer)
    assert (saved.question, saved.status, saved.approved_by_name) == (SICK_PAY, "active", "Casey Comms")
    assert any(d.title == "Comms and Marketing answers" for d in council.rows(Document))

    # Everything Comms typed is escaped: "<!channel>" in the answer pings nobody.
    payloads = json.dumps(reply.blocks) + reply.text + json.dumps(update.blocks)
    assert "<!channel>" not in payloads and "&lt;!channel&gt;" in payloads

    # The next person asking much the same gets the saved answer, cited as Comms' answer.
    before = len(fake_slack.calls_to("chat.postMessage"))
    council.event(rq.message_event("how much sick pay will I get if I am ill?", user="UALEX", channel="DALEX"))
    answer = fake_slack.wait_for("chat.postMessage", before + 1)[before]
    assert "Comms and Marketing answer · " in answer.text and "approved by Casey Comms" in json.dumps(answer.blocks)
    assert "Attendance Management Policy" in json.dumps(answer.blocks)
    asked = [q for q in council.rows(Question) if q.user_id == "UALEX"][0]
    assert asked.answered and asked.citations.startswith("A")


def test_only_comms_may_answer_and_a_second_press_or_a_stale_message_changes_nothing(council, fake_slack):
    to_comms = hand_off(council, fake_slack)
    value = buttons(to_comms)["handoff_answer"]
    council.action(rq.block_action("handoff_answer", value, user="USAM", channel="CCOMMS"))
    assert "Only Communications and Marketing" in reply(fake_slack, 1)
    response = submit_answer(council, value, user="UALEX")  # a crafted submission from someone else
    assert response.json()["response_action"] == "errors"
    assert "Only Communications and Marketing" in response.json()["errors"]["answer"]
    assert council.rows(SavedAnswer) == [] and council.rows(Handoff)[0].status == "waiting"
    assert fake_slack.calls_to("views.open") == []

    council.action(rq.block_action("handoff_assign", value, user="UCOMMS", channel="CCOMMS"))
    assert "Assigned to you" in reply(fake_slack, 2)
    assert council.rows(Handoff)[0].status == "assigned"
    # The original message's buttons carry the old version: a press on it is refused.
    stale = submit_answer(council, value)
    assert "out of date" in stale.json()["errors"]["answer"]
    current = f"{council.rows(Handoff)[0].id}.{council.rows(Handoff)[0].version}"
    assert submit_answer(council, current).json()["response_action"] == "update"
    again = submit_answer(council, current)
    assert "already been answered" in again.json()["errors"]["answer"]
    assert len(council.rows(SavedAnswer)) == 1


def test_bad_answers_are_refused_field_by_field(council, fake_slack):
    to_comms = hand_off(council, fake_slack)
    value = buttons(to_comms)["handoff_answer"]
    empty = submit_answer(council, value, answer="  ").json()
    assert empty["response_action"] == "errors" and "answer" in empty["errors"]
    long = submit_answer(council, value, answer="x" * 3001).json()
    assert "3,000" in long["errors"]["answer"]
    no_wording = submit_answer(council, value, wording="").json()
    assert "wording" in no_wording["errors"]
    crafted = submit_answer(council, value, sources=["1; DROP TABLE"]).json()
    assert crafted["response_action"] == "errors"
    assert council.rows(SavedAnswer) == [] and council.rows(Handoff)[0].status == "waiting"


def test_not_for_us_points_the_asker_elsewhere(council, fake_slack):
    to_comms = hand_off(council, fake_slack)
    value = buttons(to_comms)["handoff_not_for_us"]
    council.action(rq.block_action("handoff_not_for_us", value, user="UCOMMS", channel="CCOMMS"))
    assert fake_slack.wait_for("views.open")[0]
    response = council.action(rq.view_submission("handoff_not_for_us_view", {"redirect": rq.radio("hr")},
                                                 user="UCOMMS", private_metadata=json.dumps({"handoff": value})))
    assert response.json()["response_action"] == "update"
    told = wait_until(lambda: [c for c in fake_slack.calls_to("chat.postMessage")
                               if c.params["channel"] == "DSAM" and "HR" in c.text])
    assert "HR can help" in json.dumps(told[0].blocks)
    assert council.rows(Handoff)[0].status == "not_for_us" and council.rows(SavedAnswer) == []


def test_an_unanswered_hand_off_is_reminded_once_even_with_two_schedulers(council, fake_slack):
    from datetime import timedelta

    from bot.services import Services
    from tests.support.services import Clock

    hand_off(council, fake_slack)
    wait_until(lambda: all(r.status == "sent" for r in council.rows(OutboxMessage)))
    (handoff,) = council.rows(Handoff)
    later = Clock(handoff.remind_at.replace(tzinfo=handoff.remind_at.tzinfo or __import__("datetime").timezone.utc)
                  + timedelta(minutes=1))
    first = council.services
    second = Services(first.settings)
    first.clock = second.clock = later
    assert run_job(first, "handoff-reminders") == "1 hand-off(s) reminded"
    assert run_job(second, "handoff-reminders") == "0 hand-off(s) reminded"
    reminders = [r for r in council.rows(OutboxMessage) if r.purpose == "handoff-reminder"]
    assert len(reminders) == 1 and reminders[0].channel == "CCOMMS" and reminders[0].thread_ts
    wait_until(lambda: [c for c in fake_slack.calls_to("chat.postMessage") if "has waited more" in c.text])
    second.engine.dispose()


def test_a_retired_answer_is_no_longer_used(council, fake_slack):
    to_comms = hand_off(council, fake_slack)
    submit_answer(council, buttons(to_comms)["handoff_answer"])
    (saved,) = wait_until(lambda: council.rows(SavedAnswer))
    council.action(rq.block_action("saved_answer_retire", str(saved.id), user="USAM", channel="DSAM"))
    wait_until(lambda: [c for c in fake_slack.calls_to("chat.postMessage") if "Only Communications" in c.text])
    assert council.rows(SavedAnswer)[0].status == "active"
    council.action(rq.block_action("saved_answer_retire", str(saved.id), user="UCOMMS", channel="DCOMMS"))
    wait_until(lambda: council.rows(SavedAnswer)[0].status == "retired")
    before = len(fake_slack.calls_to("chat.postMessage"))
    council.event(rq.message_event("how much sick pay will I get if I am ill?", user="UALEX", channel="DALEX"))
    answer = wait_until(lambda: [c for c in fake_slack.calls_to("chat.postMessage")[before:]
                                 if c.params["channel"] == "DALEX"])[0]
    assert "Comms and Marketing answer" not in answer.text


def test_comms_edit_a_saved_answer_from_the_app_home_and_nobody_else_can(council, fake_slack):
    to_comms = hand_off(council, fake_slack)
    submit_answer(council, buttons(to_comms)["handoff_answer"])
    (saved,) = wait_until(lambda: council.rows(SavedAnswer))
    council.event({"type": "app_home_opened", "user": "UCOMMS", "channel": "DCOMMS", "tab": "home"})
    home = fake_slack.wait_for("views.publish")[0]
    view = home.json("view")
    assert "Saved answers" in json.dumps(view) and "saved_answer_edit" in json.dumps(view)
    council.event({"type": "app_home_opened", "user": "USAM", "channel": "DSAM", "tab": "home"})
    staff_home = fake_slack.wait_for("views.publish", 2)[1].json("view")
    assert "saved_answer_edit" not in json.dumps(staff_home)

    council.action(rq.block_action("saved_answer_edit", str(saved.id), user="UCOMMS", channel="DCOMMS"))
    form = fake_slack.wait_for("views.open")[0].json("view")
    assert form["callback_id"] == "saved_answer_edit_view" and form["private_metadata"] == str(saved.id)
    values = {"wording": rq.text_input("How much sick pay do staff get?"),
              "answer": rq.text_input("See the Attendance Management Policy, section 4.")}
    refused = council.action(rq.view_submission("saved_answer_edit_view", values, user="USAM",
                                                private_metadata=str(saved.id)))
    assert "Only Communications and Marketing" in refused.json()["errors"]["answer"]
    assert council.rows(SavedAnswer)[0].answer == ANSWER
    done = council.action(rq.view_submission("saved_answer_edit_view", values, user="UCOMMS",
                                             private_metadata=str(saved.id)))
    assert done.json()["response_action"] == "update"
    edited = council.rows(SavedAnswer)[0]
    assert (edited.question, edited.answer) == ("How much sick pay do staff get?",
                                                "See the Attendance Management Policy, section 4.")
