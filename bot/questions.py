"""Questions asked in chat (and the CLI): answered, stored, voted on, shared and handed to Comms and Marketing.

Plain Python: no chat payloads here. The listeners in `handlers/questions` call `QuestionDesk` and these
functions; every answer is stored with its question and queued in the outbox in one transaction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import question_messages as say
from bot.desk import Desk
from bot.export import write_csv
from knowledge.answer import Answer, Answerer, QuestionError
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


class QuestionDesk(Desk):
    """Answering in a conversation, privately (`/policy`), sharing and handing off, with the outbox."""

    def answer_in_conversation(self, *, surface: str, user: str, channel: str, text: str, thread_ts: str | None,
                               context: str | None) -> None:
        """Answer in the conversation (a DM, or a mention's thread). With a model configured, "Looking that
        up…" goes first and becomes the answer."""
        outbox = self.services.outbox
        placeholder_id = None
        if self.services.answerer.generator is not None:
            with Session(self.engine) as session:
                placeholder_id = self.enqueue(session, channel=channel, thread_ts=thread_ts,
                                              content=say.looking_up(text), purpose="answer-placeholder").id
                session.commit()
            outbox.deliver([placeholder_id])
        try:
            answer = self.services.answerer.answer(text, context=context)
        except QuestionError as error:
            with Session(self.engine) as session:
                error_id = self.enqueue(session, channel=channel, thread_ts=thread_ts, text=str(error),
                                        purpose="question-error").id
                session.commit()
            outbox.deliver([error_id])
            return
        with Session(self.engine, expire_on_commit=False) as session:
            question = record_question(session, answer=answer, surface=surface, user_id=user, channel_id=channel,
                                       thread_ts=thread_ts, context=context)
            content = say.answer_message(question.id, answer)
            placeholder = outbox.get(placeholder_id) if placeholder_id else None
            if placeholder is not None and placeholder.sent_ts:
                message = self.enqueue(session, method="chat.update", channel=placeholder.sent_channel or channel,
                                       ts=placeholder.sent_ts, content=content, purpose="answer",
                                       ref_type="question", ref_id=question.id)
            else:
                message = self.enqueue(session, channel=channel, thread_ts=thread_ts, content=content,
                                       purpose="answer", ref_type="question", ref_id=question.id)
            session.commit()
        outbox.deliver([message.id])

    def answer_privately(self, *, user: str, channel: str, text: str, response_url: str | None) -> None:
        """A `/policy` answer, only for the asker: it replaces "Looking that up…" at the response_url,
        through the outbox (written with the question in one commit, retried on rate limits and server errors)."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                answer = self.services.answerer.answer(text)
            except QuestionError as error:
                reply, content, purpose, about = str(error), None, "question-error", {}
            else:
                question = record_question(session, answer=answer, surface="slash", user_id=user, channel_id=channel)
                reply, purpose = "", "answer"
                content = say.answer_message(question.id, answer, ephemeral=True)
                about = {"ref_type": "question", "ref_id": question.id}
            message_id = self.enqueue(session, method="respond", channel=channel or user, user=user, text=reply,
                                      content=content, purpose=purpose, response_url=response_url, **about).id
            session.commit()
        self.services.outbox.deliver([message_id])

    def hand_off(self, question_id: int | None, user: str) -> str:
        """Pass the question to Communications and Marketing (once); what to tell the person who pressed."""
        channel = self.settings.comms_channel
        if not channel:
            return ("No Communications and Marketing channel is set up for the bot yet (POLICYBOT_COMMS_CHANNEL). "
                    "Please contact Communications and Marketing directly.")
        with Session(self.engine) as session:
            question, created = (None, False) if question_id is None else record_handoff(session, question_id, user)
            if question is None:
                return "That question is no longer on record."
            if not created:
                return ("You already passed this question to Communications and Marketing; they will reply to you "
                        "directly.")
            comms_id = self.enqueue(session, channel=channel, content=say.handoff(
                question.text, question.user_id or user, question.answer_text, question.answered, question.id),
                purpose="handoff", ref_type="question", ref_id=question.id).id
            session.commit()
        self.services.outbox.deliver([comms_id])
        return ("I've passed your question to Communications and Marketing with my answer. Someone from the team "
                "will reply to you directly.")

    def share(self, question_id: int | None, user: str) -> tuple[Question, Answer] | None:
        """The asker's answer to post in the channel (recorded as shared); None for anyone else."""
        question = get_question(self.engine, question_id) if question_id is not None else None
        if question is None or question.user_id != user:
            return None
        answer = self.services.answerer.answer(question.text, context=question.context)
        with Session(self.engine) as session:
            stored = session.get(Question, question_id)
            stored.shared_by = user
            session.add(stored)
            session.commit()
        return question, answer
