"""Stored questions, votes and hand-offs, and the `policybot questions` report (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlmodel import Session, select

from bot.questions import answer_and_record, list_questions, questions_csv, record_handoff, record_vote
from knowledge.answer import Answerer
from storage.models import AnswerVote, Handoff


def test_questions_votes_and_handoffs_are_recorded(engine, policy_index):
    answerer = Answerer(policy_index)
    asked = answer_and_record(engine, answerer, "Who approves a new Facebook page?", surface="mention",
                              user_id="U1", channel_id="C1")
    declined = answer_and_record(engine, answerer, "How much sick pay do I get?", surface="dm", user_id="U2")
    assert asked.question.id and asked.question.citations.startswith("19")
    assert not declined.question.answered and declined.question.decline_reason == "elsewhere"  # sick pay

    assert record_vote(engine, asked.question.id, "U1", True)[1] is True
    assert record_vote(engine, asked.question.id, "U1", True)[1] is False  # same vote again: no change
    assert record_vote(engine, asked.question.id, "U1", False)[1] is True  # changed
    record_vote(engine, asked.question.id, "U3", True)  # a mention's answer is in the channel for all to see
    assert record_vote(engine, declined.question.id, "U3", True) == (None, False)  # U2's DM: U3 never saw it
    with Session(engine) as session:
        votes = session.exec(select(AnswerVote).order_by(AnswerVote.user_id)).all()
        assert [(v.user_id, v.helpful) for v in votes] == [("U1", False), ("U3", True)]
        assert record_handoff(session, declined.question.id, "U3") == (None, False)
        assert record_handoff(session, declined.question.id, "U2")[1] is True
        assert record_handoff(session, declined.question.id, "U2")[1] is False
        session.commit()
        assert len(session.exec(select(Handoff)).all()) == 1

    rows = list_questions(engine)
    assert [r.question for r in rows] == ["Who approves a new Facebook page?", "How much sick pay do I get?"]
    assert (rows[0].helpful, rows[0].not_helpful) == (1, 1)
    unanswered = list_questions(engine, unanswered=True)
    assert [r.question for r in unanswered] == ["How much sick pay do I get?"] and unanswered[0].handed_off
    assert list_questions(engine, since=date.today() + timedelta(days=1)) == []
    parsed = list(csv.DictReader(io.StringIO(questions_csv(rows))))
    assert parsed[1]["answered"] == "no" and parsed[1]["handed_to_comms"] == "yes"
    assert parsed[0]["citations"].split(",")[0] == "19"
