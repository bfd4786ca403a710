"""Questions asked in Slack (and the CLI): answered, stored, voted on, and handed to Comms and Marketing.

Plain Python: no Slack payloads here. The Slack listeners in `handlers/questions` call these functions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.export import write_csv
from knowledge.answer import Answer, Answerer
from storage.models import AnswerVote, Handoff, Question, utcnow


@dataclass
class AskedQuestion:
    question: Question
    answer: Answer


def record_question(session: Session, *, answer: Answer, surface: str, user_id: str, channel_id: str = "",
                    thread_ts: str | None = None, context: str | None = None) -> Question:
    question = Question(surface=surface, user_id=user_id, channel_id=channel_id, thread_ts=thread_ts,
                        text=answer.question, context=context, answered=answer.answered,
                        decline_reason=answer.decline_reason, mode=answer.mode, retrieval=answer.retrieval,
                        citations=",".join(c.section for c in answer.citations)[:500], answer_text=answer.answer)
    session.add(question)
    session.flush()
    return question


def previous_question(engine: Engine, channel_id: str, thread_ts: str) -> Question | None:
    """The first question asked in a Slack thread the bot answered, for a follow-up's context."""
    with Session(engine) as session:
        return session.exec(select(Question).where(Question.channel_id == channel_id)
                            .where(Question.thread_ts == thread_ts).order_by(Question.id)).first()


PRIVATE_SURFACES = {"dm", "slash"}  # answers only the asker saw (until they share one)


def visible_to(question: Question, user_id: str) -> bool:
    """Whether `user_id` saw this answer: anyone in the conversation for a mention or thread, only the
    asker for a direct message or a `/policy` answer that was not shared."""
    return question.surface not in PRIVATE_SURFACES or question.user_id == user_id or bool(question.shared_by)


def record_vote(engine: Engine, question_id: int, user_id: str, helpful: bool) -> tuple[Question | None, bool]:
    """One vote per person per answer; voting again changes it. Returns the question and whether it changed
    (None for an answer that does not exist or that this person never saw)."""
    with Session(engine) as session:
        question = session.get(Question, question_id)
        if question is None or not visible_to(question, user_id):
            return None, False
        vote = session.exec(select(AnswerVote).where(AnswerVote.question_id == question_id)
                            .where(AnswerVote.user_id == user_id)).first()
        changed = vote is None or vote.helpful != helpful
        if vote is None:
            vote = AnswerVote(question_id=question_id, user_id=user_id, helpful=helpful)
        vote.helpful, vote.voted_at = helpful, utcnow()
        session.add(vote)
        session.commit()
        return question, changed


def record_handoff(session: Session, question_id: int, user_id: str) -> tuple[Question | None, bool]:
    """Record that `user_id` passed the question to Comms; False when they already had. None for a question
    that does not exist or whose answer this person never saw: nobody passes on another's private question."""
    question = session.get(Question, question_id)
    if question is None or not visible_to(question, user_id):
        return None, False
    existing = session.exec(select(Handoff).where(Handoff.question_id == question_id)
                            .where(Handoff.user_id == user_id)).first()
    if existing is not None:
        return question, False
    session.add(Handoff(question_id=question_id, user_id=user_id))
    session.flush()
    return question, True


def get_question(engine: Engine, question_id: int) -> Question | None:
    with Session(engine) as session:
        return session.get(Question, question_id)


def answer_and_record(engine: Engine, answerer: Answerer, text: str, *, surface: str, user_id: str,
                      channel_id: str = "", thread_ts: str | None = None,
                      context: str | None = None) -> AskedQuestion:
    answer = answerer.answer(text, context=context)
    with Session(engine, expire_on_commit=False) as session:
        question = record_question(session, answer=answer, surface=surface, user_id=user_id,
                                   channel_id=channel_id, thread_ts=thread_ts, context=context)
        session.commit()
    return AskedQuestion(question, answer)


# ------------------------------------------------------------------------------------- reporting

@dataclass
class QuestionRow:
    id: int
    asked_at: datetime
    surface: str
    user_id: str
    question: str
    answered: bool
    citations: str
    helpful: int
    not_helpful: int
    handed_off: bool


def list_questions(engine: Engine, since: date | None = None, unanswered: bool = False) -> list[QuestionRow]:
    with Session(engine) as session:
        query = select(Question).order_by(Question.asked_at)
        if since is not None:
            query = query.where(Question.asked_at >= datetime.combine(since, time.min, tzinfo=timezone.utc))
        if unanswered:
            query = query.where(Question.answered == False)  # noqa: E712 - SQL comparison
        questions = session.exec(query).all()
        ids = [q.id for q in questions]
        votes = session.exec(select(AnswerVote).where(AnswerVote.question_id.in_(ids))).all() if ids else []
        handoffs = {h.question_id for h in session.exec(select(Handoff).where(Handoff.question_id.in_(ids))).all()} \
            if ids else set()
    helpful: dict[int, int] = {}
    unhelpful: dict[int, int] = {}
    for vote in votes:
        bucket = helpful if vote.helpful else unhelpful
        bucket[vote.question_id] = bucket.get(vote.question_id, 0) + 1
    return [QuestionRow(q.id, q.asked_at, q.surface, q.user_id, q.text, q.answered, q.citations,
                        helpful.get(q.id, 0), unhelpful.get(q.id, 0), q.id in handoffs) for q in questions]


def questions_csv(rows: list[QuestionRow]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, ["id", "asked_at", "surface", "user_id", "question", "answered", "citations", "helpful",
                       "not_helpful", "handed_to_comms"],
              [[row.id, row.asked_at.isoformat(timespec="seconds"), row.surface, row.user_id, row.question,
                "yes" if row.answered else "no", row.citations, row.helpful, row.not_helpful,
                "yes" if row.handed_off else "no"] for row in rows])
    return buffer.getvalue()
