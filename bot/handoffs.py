"""Questions handed to Communications and Marketing, and their answers back to the asker.

A hand-off is posted in the Comms channel with Answer / Assign to me / Not for us. Only Comms may press
them (checked here, on every action). An answer goes back to the person who handed the question over where they
asked it (the DM, or the thread of their mention; a `/policy` asker by DM), the hand-off message is updated in
place for everyone, and, unless Comms untick it, the answer is saved as a passage of the knowledge base
(`bot.saved_answers`). Each change is claimed with the hand-off's version, so a second press or a press on an
out-of-date message changes nothing and says so. An unanswered hand-off is reminded once in the Comms channel
after `POLICYBOT_HANDOFF_REMIND_HOURS` working hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from bot import handoff_messages as say
from bot import saved_answers
from bot.desk import Desk
from bot.questions import record_handoff
from storage.models import Handoff, OutboxMessage, Passage, Question

VALUE_RE = re.compile(r"^(\d{1,18})\.(\d{1,9})$")
OPEN = ("waiting", "assigned")
SOURCE_CHOICES = 20  # passages offered as sources in the Answer form


class HandoffError(Exception):
    """A press or form that cannot be acted on: the message says why (nothing changed)."""


class AnswerFormError(Exception):
    """Bad input in the Answer form: field name → message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def parse_value(value) -> tuple[int, int] | None:
    """A button's (hand-off id, version), or None for a crafted or damaged value."""
    found = VALUE_RE.match(str(value or ""))
    return (int(found.group(1)), int(found.group(2))) if found else None


@dataclass
class Outcome:
    """What to tell the person who acted, and the queued messages to send (after the acknowledgement)."""

    message: str
    outbox_ids: list[int]


@dataclass
class AnswerForm:
    """What the Answer form opens with."""

    handoff_id: int
    version: int
    question: str
    wording: str
    sources: list[tuple[str, str]]  # (passage id, how it is cited), the bot's citations first
    chosen: list[str]


class HandoffDesk(Desk):
    # ------------------------------------------------------------------------------- handing off

    def hand_off(self, question_id: int | None, user: str) -> str:
        """Pass the question to Communications and Marketing (once); what to tell the person who pressed."""
        channel = self.settings.comms_channel
        if not channel:
            return ("No Communications and Marketing channel is set up for the bot yet (POLICYBOT_COMMS_CHANNEL). "
                    "Please contact Communications and Marketing directly.")
        now = self.clock()
        with Session(self.engine) as session:
            question, created = (None, False) if question_id is None else record_handoff(session, question_id, user)
            if question is None:
                return "That question is no longer on record."
            if not created:
                return ("You already passed this question to Communications and Marketing; I'll bring you their "
                        "answer here.")
            handoff = session.exec(select(Handoff).where(Handoff.question_id == question.id)
                                   .where(Handoff.user_id == user)).one()
            handoff.created_at = now
            handoff.remind_at = self.wt.add(now, self.settings.handoff_remind_hours)
            session.add(handoff)
            comms_id = self.enqueue(session, channel=channel, content=say.handoff_message(
                handoff, question, now, self.zone), purpose="handoff", ref_type="handoff", ref_id=handoff.id).id
            session.commit()
        self.services.outbox.deliver([comms_id])
        return ("I've passed your question to Communications and Marketing with my answer. When they answer, "
                "I'll bring it to you here.")

    # ------------------------------------------------------------------------------------ access

    def is_comms(self, user: str) -> bool:
        person = self.identify(user)
        return person is not None and person.active and "comms" in person.role_set

    def _open_handoff(self, session: Session, value, user: str) -> tuple[Handoff, Question]:
        parsed = parse_value(value)
        if not self.is_comms(user):
            raise HandoffError("Only Communications and Marketing can act on hand-offs. Nothing was changed.")
        handoff = session.get(Handoff, parsed[0]) if parsed else None
        if handoff is None:
            raise HandoffError("That hand-off is no longer on record. Nothing was changed.")
        if handoff.status not in OPEN:
            raise HandoffError(self._settled_text(handoff))
        if handoff.version != parsed[1]:
            raise HandoffError("This message is out of date: it has changed since it was drawn. Nothing was "
                               "changed; look at the latest message.")
        return handoff, session.get(Question, handoff.question_id)

    def _settled_text(self, handoff: Handoff) -> str:
        if handoff.status == "answered":
            return "This question has already been answered. Nothing was changed."
        return "This question has already been passed elsewhere. Nothing was changed."

    def _claim(self, session: Session, handoff: Handoff, **values) -> bool:
        """Move the hand-off on from the version the press saw; False when someone else got there first."""
        done = session.execute(update(Handoff).where(Handoff.id == handoff.id)
                               .where(Handoff.version == handoff.version).where(Handoff.status.in_(OPEN))
                               .values(version=handoff.version + 1, **values)).rowcount
        if done:
            session.refresh(handoff)
        return bool(done)

    # ------------------------------------------------------------------------------------ actions

    def check(self, value, user: str) -> None:
        """Raise HandoffError unless `user` may act on this hand-off now (before a form is opened)."""
        with Session(self.engine) as session:
            self._open_handoff(session, value, user)

    def assign(self, value, user: str) -> Outcome:
        with Session(self.engine) as session:
            handoff, question = self._open_handoff(session, value, user)
            if handoff.assigned_to == user:
                return Outcome("This question is already assigned to you.", [])
            if not self._claim(session, handoff, status="assigned", assigned_to=user, assigned_at=self.clock()):
                raise HandoffError("Someone changed this hand-off a moment ago. Nothing was changed; look at the "
                                   "latest message.")
            ids = self._refresh(session, handoff, question)
            session.commit()
        return Outcome("Assigned to you. Press Answer when you have a reply.", ids)

    def not_for_us(self, value, user: str, redirect: str) -> Outcome:
        if redirect not in say.REDIRECTS:
            raise HandoffError("Choose where the question should go instead.")
        with Session(self.engine) as session:
            handoff, question = self._open_handoff(session, value, user)
            if not self._claim(session, handoff, status="not_for_us", redirect=redirect, answered_by=user,
                               answered_at=self.clock()):
                raise HandoffError("Someone changed this hand-off a moment ago. Nothing was changed.")
            ids = self._refresh(session, handoff, question)
            ids += self._tell_asker(session, handoff, question, say.redirected(question.text, redirect))
            session.commit()
        return Outcome(f"Done: the asker has been pointed to {say.REDIRECTS[redirect][0]}.", ids)

    def answer_form(self, value, user: str) -> AnswerForm:
        """What the Answer form opens with (Comms only; an open hand-off only)."""
        with Session(self.engine) as session:
            handoff, question = self._open_handoff(session, value, user)
            cited = [s for s in (question.citations or "").split(",") if s]
        choices: list[tuple[str, str]] = []
        chosen: list[str] = []
        seen: set[int] = set()
        try:
            hits = self.services.answerer.search(question.text).hits[:SOURCE_CHOICES]
        except Exception:  # the form still opens: sources are optional
            hits = []
        for hit in hits:
            passage = hit.passage
            if passage.id in seen or passage.document == saved_answers.ANSWERS_TITLE:
                continue
            seen.add(passage.id)
            choices.append((str(passage.id), passage.label[:75]))
            if passage.section in cited:
                chosen.append(str(passage.id))
        return AnswerForm(handoff.id, handoff.version, question.text,
                          question.text.strip()[:saved_answers.QUESTION_LIMIT], choices, chosen)

    def answer(self, value, user: str, *, answer: str, save: bool, wording: str,
               sources: list[str] | None = None) -> Outcome:
        """Comms' answer: to the asker, onto the hand-off message, and (when `save`) into the knowledge base.
        Bad input raises AnswerFormError; a stale or second press HandoffError; either way nothing changes."""
        answer = (answer or "").strip()
        wording = (wording or "").strip()
        errors = {}
        if not answer:
            errors["answer"] = "Write the answer the asker will get."
        elif len(answer) > saved_answers.ANSWER_LIMIT:
            errors["answer"] = f"Please keep the answer to {saved_answers.ANSWER_LIMIT:,} characters."
        if save and not wording:
            errors["wording"] = "Give the question this answer should be found for (or untick Save)."
        elif len(wording) > saved_answers.QUESTION_LIMIT:
            errors["wording"] = f"Please keep the question to {saved_answers.QUESTION_LIMIT} characters."
        passage_ids = []
        for raw in sources or []:
            if not str(raw).isdigit() or len(str(raw)) > 18:
                errors["sources"] = "Pick the sources from the list."
                break
            passage_ids.append(int(raw))
        if errors:
            raise AnswerFormError(errors)
        person = self.identify(user)
        name = person.name if person is not None else ""
        now = self.clock()
        with Session(self.engine) as session:
            handoff, question = self._open_handoff(session, value, user)
            passages = session.exec(select(Passage).where(Passage.id.in_(passage_ids))).all() if passage_ids else []
            if len(passages) != len(set(passage_ids)):
                raise AnswerFormError({"sources": "A source you picked is no longer in the index: pick again."})
            if not self._claim(session, handoff, status="answered", answered_by=user, answered_at=now,
                               answer_text=answer):
                raise HandoffError("This question was answered or changed a moment ago. Nothing was changed.")
            if save:
                saved = saved_answers.save(session, question=wording, answer=answer, passages=passages, actor=user,
                                           actor_name=name, at=now, origin="handoff")
                handoff.saved_answer_id = saved.id
                session.add(handoff)
                session.flush()
                message = say.answer_for_asker(question.text, answer, name)
            else:
                message = say.answer_for_asker_unsaved(question.text, answer, name)
            ids = self._refresh(session, handoff, question)
            ids += self._tell_asker(session, handoff, question, message)
            session.commit()
        return Outcome("Thank you: the answer has gone to the asker" +
                       (" and is saved for future questions." if save else "."), ids)

    # ------------------------------------------------------------------------------------ delivery

    def _tell_asker(self, session: Session, handoff: Handoff, question: Question, message) -> list[int]:
        """Where the person who handed it over asked: the DM or the mention's thread; otherwise by DM."""
        about = {"ref_type": "handoff", "ref_id": handoff.id, "purpose": "handoff-reply"}
        if handoff.user_id == question.user_id and question.surface in {"dm", "mention", "thread"} \
                and question.channel_id:
            thread = question.thread_ts if question.surface != "dm" else None
            return [self.enqueue(session, channel=question.channel_id, thread_ts=thread, content=message,
                                 platform=question.chat_platform or "slack", **about).id]
        if not handoff.user_id:
            return []
        return [self.enqueue(session, channel=handoff.user_id, content=message, **about).id]

    def _refresh(self, session: Session, handoff: Handoff, question: Question) -> list[int]:
        """Bring the hand-off message up to date in place: a sent one by an update, a queued one as it waits."""
        message = say.handoff_message(handoff, question, self.clock(), self.zone)
        ids = []
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.ref_type == "handoff")
                            .where(OutboxMessage.ref_id == handoff.id)
                            .where(OutboxMessage.purpose == "handoff")).all()
        for row in rows:
            queued = self.redraw(session, row, message, "handoff-update")
            if queued is not None:
                ids.append(queued)
        return ids

    # ------------------------------------------------------------------------------------ reminders

    def run_reminders(self) -> tuple[int, list[int]]:
        """`handoff-reminders`: each open hand-off past its reminder time, once (claimed, so two schedulers
        send one reminder)."""
        now = self.clock()
        channel = self.settings.comms_channel
        if not channel:
            return 0, []
        ids: list[int] = []
        count = 0
        with Session(self.engine) as session:
            due = session.exec(select(Handoff).where(Handoff.status.in_(OPEN)).where(Handoff.reminded_at.is_(None))
                               .where(Handoff.remind_at.is_not(None)).where(Handoff.remind_at <= now)
                               .order_by(Handoff.id)).all()
            for handoff in due:
                claimed = session.execute(update(Handoff).where(Handoff.id == handoff.id)
                                          .where(Handoff.reminded_at.is_(None)).values(reminded_at=now)).rowcount
                if not claimed:
                    continue
                posted = session.exec(select(OutboxMessage).where(OutboxMessage.ref_type == "handoff")
                                      .where(OutboxMessage.ref_id == handoff.id)
                                      .where(OutboxMessage.purpose == "handoff")
                                      .where(OutboxMessage.sent_ts.is_not(None))).first()
                thread = {"thread_ts": posted.sent_ts} if posted is not None else {}
                ids.append(self.enqueue(session, channel=(posted.sent_channel if posted else None) or channel,
                                        content=say.reminder(handoff, self.settings.handoff_remind_hours),
                                        purpose="handoff-reminder", ref_type="handoff", ref_id=handoff.id,
                                        **thread).id)
                count += 1
            session.commit()
        return count, ids

    def run_reviews(self) -> tuple[int, list[int]]:
        """`saved-answer-reviews`: saved answers whose sources changed, flagged to Comms once each."""
        channel = self.settings.comms_channel
        now = self.clock()
        ids: list[int] = []
        with Session(self.engine) as session:
            flagged = saved_answers.flag_changed(session, now)
            if channel:
                for answer, changes in flagged:
                    ids.append(self.enqueue(session, channel=channel, content=say.review_needed(answer, changes),
                                            purpose="saved-answer-review", ref_type="saved_answer",
                                            ref_id=answer.id).id)
            session.commit()
        return len(flagged), ids
