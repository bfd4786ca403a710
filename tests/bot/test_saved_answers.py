"""Saved answers and the hand-off desk at the service level: the knowledge base picks saved answers up in every
process, retiring and editing keep the history, a changed source is flagged to Comms once, CSV imports report
bad rows by line and change nothing, and the gaps report groups what the documents lack. A controlled clock and
a recording sender, no HTTP. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from bot import saved_answers
from bot.handoffs import HandoffError
from bot.questions import answer_and_record, gaps, list_questions
from bot.runtime import Runtime
from knowledge.indexer import index_paths
from storage.models import Handoff, OutboxMessage, Passage, SavedAnswerEvent
from tests.support.services import buttons, council_services

MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
PARKING = "Can I get a staff parking permit for County Hall?"
PARKING_ANSWER = "Yes: apply to Facilities Management on the intranet; permits cost £5 a month."


@pytest.fixture
def services(engine, tmp_path):
    found = council_services(engine, tmp_path, MONDAY_10AM, comms_channel="CCOMMS", knowledge_reload_seconds=0)
    return found


def asked_and_handed_off(services, text=PARKING, user="USAM"):
    asked = answer_and_record(services.engine, services.answerer, text, surface="dm", user_id=user,
                              channel_id="DSAM")
    assert services.handoffs.hand_off(asked.question.id, user).startswith("I've passed your question")
    (message,) = services.outbox.to("CCOMMS")[-1:]
    return asked, buttons(message)["handoff_answer"]


def test_a_saved_answer_reaches_every_process_and_a_retired_one_leaves_it(services, engine):
    other = Runtime(services.settings)  # a second process on the same database
    assert not other.current_answerer().answer(PARKING).answered
    _, value = asked_and_handed_off(services)
    outcome = services.handoffs.answer(value, "UCOMMS", answer=PARKING_ANSWER, save=True, wording=PARKING)
    assert "saved for future questions" in outcome.message
    found = other.current_answerer().answer("how do I get a parking permit at county hall?")
    assert found.answered and found.citations[0].cite.startswith("Comms and Marketing answer · 2026-11-30")
    assert "approved by Casey Comms" in found.citations[0].cite and "£5 a month" in found.citations[0].quote
    (saved,) = saved_answers.list_answers(engine)
    saved_answers.retire(engine, saved.id, actor="UCOMMS", reason="permits withdrawn")
    after = other.current_answerer().answer("how do I get a parking permit at county hall?")
    assert all(c.document != saved_answers.ANSWERS_TITLE for c in after.citations)
    with Session(engine) as session:
        actions = session.exec(select(SavedAnswerEvent.action).where(SavedAnswerEvent.answer_id == saved.id)
                               .order_by(SavedAnswerEvent.id)).all()
    assert actions == ["saved", "retired"]
    with pytest.raises(saved_answers.SavedAnswerError):
        saved_answers.retire(engine, saved.id, actor="UCOMMS")


def test_editing_keeps_the_previous_wording_in_the_history(services, engine):
    _, value = asked_and_handed_off(services)
    services.handoffs.answer(value, "UCOMMS", answer=PARKING_ANSWER, save=True, wording=PARKING)
    (saved,) = saved_answers.list_answers(engine)
    saved_answers.edit(engine, saved.id, actor="UCOMMS", actor_name="Casey Comms",
                       answer="Permits are no longer sold: use the park and ride.")
    record = saved_answers.show(engine, saved.id)
    assert record.answer.answer.startswith("Permits are no longer sold")
    assert [e.action for e in record.events] == ["saved", "edited"]
    assert PARKING_ANSWER in record.events[1].detail
    with Session(engine) as session:
        texts = session.exec(select(Passage.text).where(Passage.kind == "answer")).all()
    assert texts == ["Permits are no longer sold: use the park and ride."]
    with pytest.raises(saved_answers.SavedAnswerError):
        saved_answers.edit(engine, saved.id, actor="UCOMMS", answer="x" * 3001)


def test_only_comms_act_and_an_unsaved_answer_still_reaches_the_asker(services, engine):
    asked, value = asked_and_handed_off(services)
    with pytest.raises(HandoffError, match="Only Communications and Marketing"):
        services.handoffs.assign(value, "USAM")
    with pytest.raises(HandoffError, match="Only Communications and Marketing"):
        services.handoffs.answer(value, "UALEX", answer="x", save=False, wording="")
    outcome = services.handoffs.answer(value, "UCOMMS", answer="Ask Facilities.", save=False, wording="")
    services.outbox.deliver(outcome.outbox_ids)
    (told,) = services.outbox.to("DSAM")[-1:]
    assert "Communications and Marketing answered your question" in told.summary
    assert saved_answers.list_answers(engine) == []
    with Session(engine) as session:
        handoff = session.exec(select(Handoff)).one()
    assert (handoff.status, handoff.saved_answer_id, handoff.answer_text) == ("answered", None, "Ask Facilities.")
    rows = list_questions(engine)
    assert rows[0].handoff_state == "answered" and rows[0].time_to_answer == timedelta(0)


def test_a_changed_source_paragraph_flags_the_answer_to_comms_once(services, engine, tmp_path):
    policy = tmp_path / "guidance.md"
    policy.write_text("# Parking guidance\n\n## Permits\n\nStaff permits are sold by Facilities Management.\n",
                      encoding="utf-8")
    index_paths(engine, [policy])
    _, value = asked_and_handed_off(services)
    form = services.handoffs.answer_form(value, "UCOMMS")
    permit = [pid for pid, label in form.sources if "Parking guidance" in label]
    assert permit, form.sources
    services.handoffs.answer(value, "UCOMMS", answer=PARKING_ANSWER, save=True, wording=PARKING,
                             sources=permit[:1])
    assert services.handoffs.run_reviews() == (0, [])
    policy.write_text("# Parking guidance\n\n## Permits\n\nStaff permits are no longer sold.\n", encoding="utf-8")
    index_paths(engine, [policy])
    flagged, ids = services.handoffs.run_reviews()
    assert flagged == 1 and len(ids) == 1
    services.outbox.deliver(ids)
    (message,) = services.outbox.to("CCOMMS")[-1:]
    assert "may be out of date" in " ".join(str(b) for b in message.blocks)
    assert services.handoffs.run_reviews() == (0, [])  # once
    (saved,) = saved_answers.list_answers(engine)
    assert "Parking guidance" in saved.review_note and saved.review_flagged_at is not None


def test_csv_import_reports_bad_rows_by_line_and_changes_nothing_unless_partial(services, engine, tmp_path):
    good = tmp_path / "faq.csv"
    good.write_text('question,answer,source\n"Where is the expenses form?","On the intranet, under HR.",HR\n'
                    ',"No question here",\n"Too long?","' + "x" * 3001 + '",\n', encoding="utf-8")
    report = saved_answers.import_csv(engine, good, actor="cli:test")
    assert not report.applied and report.added == 0
    assert report.errors == ["line 3: the question is empty", "line 4: the answer is longer than 3,000 characters"]
    assert saved_answers.list_answers(engine) == []
    partial = saved_answers.import_csv(engine, good, actor="cli:test", partial=True)
    assert partial.applied and partial.added == 1
    (saved,) = saved_answers.list_answers(engine)
    assert saved.origin == "import" and saved_answers.source_text(saved) == "HR"
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("q,a\nx,y\n", encoding="utf-8")
    with pytest.raises(saved_answers.AnswerImportError, match="question,answer"):
        saved_answers.import_csv(engine, wrong, actor="cli:test")
    exported = saved_answers.export_csv(engine)
    assert "Where is the expenses form?" in exported


def test_gaps_group_unanswered_questions_by_topic(services, engine):
    for text in ("Can I get a parking permit?", "How do parking permits work for staff?",
                 "What is the dress code at County Hall?"):
        answer_and_record(engine, services.answerer, text, surface="dm", user_id="USAM", channel_id="DSAM")
    found = gaps(engine, date(2026, 1, 1))
    assert [len(g.questions) for g in found] == [2, 1]
    assert "park" in found[0].topic and "permit" in found[0].topic


def test_two_schedulers_remind_an_unanswered_hand_off_once(services, engine):
    from bot.services import Services

    asked_and_handed_off(services)
    with Session(engine) as session:
        remind_at = session.exec(select(Handoff.remind_at)).one()
    later = remind_at.replace(tzinfo=remind_at.tzinfo or timezone.utc) + timedelta(minutes=1)
    services.clock.now = later
    second = Services(services.settings, clock=services.clock)
    second.__dict__["outbox"] = services.outbox
    assert services.handoffs.run_reminders()[0] == 1
    assert second.handoffs.run_reminders()[0] == 0
    with Session(engine) as session:
        reminders = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "handoff-reminder")).all()
    assert len(reminders) == 1
    # Eight working hours from Monday 10:00 is Tuesday 09:00 (a 9-to-5 day): not before.
    assert remind_at.replace(tzinfo=timezone.utc) > MONDAY_10AM + timedelta(hours=8)


@pytest.mark.parametrize("surface, channel, thread, expect_channel, expect_thread", [
    ("mention", "C100", "1700000200.000100", "C100", "1700000200.000100"),
    ("thread", "C100", "1700000200.000100", "C100", "1700000200.000100"),
    ("dm", "DSAM", None, "DSAM", None),
    ("slash", "C100", None, "USAM", None),  # a private /policy answer: the reply comes by DM
])
def test_the_answer_goes_back_where_the_question_was_asked(services, engine, surface, channel, thread,
                                                          expect_channel, expect_thread):
    asked = answer_and_record(engine, services.answerer, PARKING, surface=surface, user_id="USAM",
                              channel_id=channel, thread_ts=thread)
    services.handoffs.hand_off(asked.question.id, "USAM")
    value = buttons(services.outbox.to("CCOMMS")[-1])["handoff_answer"]
    outcome = services.handoffs.answer(value, "UCOMMS", answer=PARKING_ANSWER, save=False, wording="")
    with Session(engine) as session:
        (reply,) = session.exec(select(OutboxMessage).where(OutboxMessage.id.in_(outcome.outbox_ids))
                                .where(OutboxMessage.purpose == "handoff-reply")).all()
    assert (reply.channel, reply.thread_ts) == (expect_channel, expect_thread)


def test_the_index_built_at_start_up_serves_the_first_question_and_is_rebuilt_only_on_a_change(services):
    runtime = Runtime(services.settings)
    first = runtime.index  # as `prepare` builds it before serving
    assert runtime.current_answerer().answer(PARKING).answered is False
    assert runtime.current_answerer().index is first and runtime.index is first
    _, value = asked_and_handed_off(services)
    services.handoffs.answer(value, "UCOMMS", answer=PARKING_ANSWER, save=True, wording=PARKING)
    assert runtime.current_answerer().answer(PARKING).answered and runtime.index is not first
