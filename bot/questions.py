"""Questions asked in chat (and the CLI): answered, stored, voted on, shared and handed to Comms and Marketing.

Plain Python: no chat payloads here. The listeners in `handlers/slack/questions` call `QuestionDesk` and these
functions; every answer is stored with its question and queued in the outbox in one transaction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

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
                    thread_ts: str | None = None, context: str | None = None, platform: str = "slack") -> Question:
    question = Question(surface=surface, user_id=user_id, channel_id=channel_id, thread_ts=thread_ts,
                        chat_platform=platform,
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
    handoff_state: str = ""  # waiting, assigned, answered, not for us ("" when never handed off)
    time_to_answer: timedelta | None = None  # from the hand-off to Comms' answer


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
        handoffs: dict[int, Handoff] = {}
        for handoff in (session.exec(select(Handoff).where(Handoff.question_id.in_(ids))
                                     .order_by(Handoff.id)).all() if ids else []):
            handoffs.setdefault(handoff.question_id, handoff)
    helpful: dict[int, int] = {}
    unhelpful: dict[int, int] = {}
    for vote in votes:
        bucket = helpful if vote.helpful else unhelpful
        bucket[vote.question_id] = bucket.get(vote.question_id, 0) + 1
    rows = []
    for q in questions:
        handoff = handoffs.get(q.id)
        state = STATE_NAMES.get(handoff.status, handoff.status) if handoff else ""
        waited = None
        if handoff is not None and handoff.answered_at is not None:
            waited = _aware(handoff.answered_at) - _aware(handoff.created_at)
        rows.append(QuestionRow(q.id, q.asked_at, q.surface, q.user_id, q.text, q.answered, q.citations,
                                helpful.get(q.id, 0), unhelpful.get(q.id, 0), handoff is not None, state, waited))
    return rows


STATE_NAMES = {"waiting": "waiting", "assigned": "assigned", "answered": "answered", "not_for_us": "not for us"}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def duration(waited: timedelta | None) -> str:
    if waited is None:
        return ""
    minutes = int(waited.total_seconds() // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes / 60:.1f} h" if minutes < 2880 else \
        f"{minutes / 1440:.1f} days"


@dataclass
class Gap:
    """Questions of one topic the documents did not answer well: declined, or answered and voted not helpful."""

    topic: str
    questions: list[QuestionRow]

    @property
    def handed_off(self) -> int:
        return sum(1 for q in self.questions if q.handed_off)

    @property
    def answered_by_comms(self) -> int:
        return sum(1 for q in self.questions if q.handoff_state == "answered")


def gaps(engine: Engine, since: date) -> list[Gap]:
    """The unanswered and not-helpful questions since `since`, grouped by topic (questions sharing most of
    their content words), largest group first, so Comms see what the documents lack."""
    from knowledge.text import tokens

    rows = [r for r in list_questions(engine, since) if not r.answered or r.not_helpful > r.helpful]
    groups: list[tuple[set[str], list[QuestionRow], dict[str, int]]] = []
    for row in rows:
        words = set(tokens(row.question))
        best, best_overlap = None, 0.0
        for group in groups:
            shared = len(words & group[0])
            overlap = shared / max(1, min(len(words), len(group[0])))
            if shared and overlap >= 0.5 and overlap > best_overlap:
                best, best_overlap = group, overlap
        if best is None:
            best = (set(), [], {})
            groups.append(best)
        best[0].update(words)
        best[1].append(row)
        for word in words:
            best[2][word] = best[2].get(word, 0) + 1
    found = []
    for _, members, counts in groups:
        common = sorted(counts, key=lambda w: (-counts[w], w))[:3]
        found.append(Gap(" · ".join(common) or "(no words)", members))
    return sorted(found, key=lambda g: (-len(g.questions), g.topic))


def questions_csv(rows: list[QuestionRow]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, ["id", "asked_at", "surface", "user_id", "question", "answered", "citations", "helpful",
                       "not_helpful", "handed_to_comms", "handoff_state", "minutes_to_answer"],
              [[row.id, row.asked_at.isoformat(timespec="seconds"), row.surface, row.user_id, row.question,
                "yes" if row.answered else "no", row.citations, row.helpful, row.not_helpful,
                "yes" if row.handed_off else "no", row.handoff_state,
                int(row.time_to_answer.total_seconds() // 60) if row.time_to_answer is not None else ""]
               for row in rows])
    return buffer.getvalue()


class QuestionDesk(Desk):
    """Answering in a conversation, privately (`/policy`), sharing and handing off, with the outbox."""

    def answer_in_conversation(self, *, surface: str, user: str, channel: str, text: str, thread_ts: str | None,
                               context: str | None, platform: str = "slack") -> None:
        """Answer in the conversation (a DM, or a mention's thread). With a model configured, "Looking that
        up…" goes first and becomes the answer."""
        outbox = self.services.outbox

        def put(session, **message):  # every message of this answer goes to the platform it was asked on
            return self.enqueue(session, platform=platform, **message)

        placeholder_id = None
        if self.services.answerer.generator is not None:
            with Session(self.engine) as session:
                placeholder_id = put(session, channel=channel, thread_ts=thread_ts,
                                              content=say.looking_up(text), purpose="answer-placeholder").id
                session.commit()
            outbox.deliver([placeholder_id])
        try:
            answer = self.services.answerer.answer(text, context=context)
        except QuestionError as error:
            with Session(self.engine) as session:
                error_id = put(session, channel=channel, thread_ts=thread_ts, text=str(error),
                                        purpose="question-error").id
                session.commit()
            outbox.deliver([error_id])
            return
        with Session(self.engine, expire_on_commit=False) as session:
            question = record_question(session, answer=answer, surface=surface, user_id=user, channel_id=channel,
                                       thread_ts=thread_ts, context=context, platform=platform)
            content = say.answer_message(question.id, answer)
            placeholder = outbox.get(placeholder_id) if placeholder_id else None
            if placeholder is not None and placeholder.sent_ts:
                message = put(session, method="update", channel=placeholder.sent_channel or channel,
                                       ts=placeholder.sent_ts, content=content, purpose="answer",
                                       ref_type="question", ref_id=question.id)
            else:
                message = put(session, channel=channel, thread_ts=thread_ts, content=content,
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
