"""What the Comms hand-off loop says (platform-neutral messages, `bot.messages`): the hand-off message in the
Communications and Marketing channel with Answer / Assign to me / Not for us, updated in place as it moves on;
the answer or the pointer elsewhere that goes back to the person who asked; the reminder; the review flag of a
saved answer whose source changed."""

from __future__ import annotations

from datetime import datetime

from bot.messages import Action, Actions, Context, Excerpt, Icon, Mention, Message, Paragraph, Quote, Strong, text
from bot.report_messages import when
from storage.models import Handoff, Question, SavedAnswer

ANSWER = "handoff_answer"
ASSIGN = "handoff_assign"
NOT_FOR_US = "handoff_not_for_us"
ACTIONS = (ANSWER, ASSIGN, NOT_FOR_US)
# Where Comms may send a question that is not theirs (para 30: they signpost HR and Legal).
REDIRECTS = {
    "hr": ("HR", "HR can help with this: contact your HR business partner or the HR service desk."),
    "ict": ("ICT", "ICT can help with this: raise it with the ICT service desk."),
    "legal": ("Legal", "Legal Services can advise on this: ask your line manager to refer it to Legal."),
    "service": ("your service", "This is one for your own service: ask your line manager or service lead."),
    "other": ("another team", "Communications and Marketing are not the right team for this."),
}
STATE_LABELS = {"waiting": "waiting", "assigned": "assigned", "answered": "answered", "not_for_us": "not for us"}
QUESTION_SHOWN, ANSWER_SHOWN = 2900, 2900


def button_value(handoff: Handoff) -> str:
    """What each button carries: the hand-off and the version it was drawn at (a later press on an older
    message is refused)."""
    return f"{handoff.id}.{handoff.version}"


def cited(question: Question) -> str:
    sections = [s for s in (question.citations or "").split(",") if s]
    return ", ".join(f"para {s}" if s.isdigit() else s for s in sections)


def waited(created: datetime, now: datetime) -> str:
    if created.tzinfo is None and now.tzinfo is not None:
        created = created.replace(tzinfo=now.tzinfo)
    minutes = max(0, int((now - created).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def handoff_message(handoff: Handoff, question: Question, now: datetime, zone) -> Message:
    """The hand-off as Comms see it: the question, who asked, what the bot said and cited, how long it has
    waited, and (until it is settled) the buttons."""
    status = "The bot answered:" if question.answered else "The bot could not answer from the documents:"
    blocks: list = [
        Paragraph(text(Icon("handoff"), " ", Mention(handoff.user_id), " passed on a question for "
                       "Communications and Marketing to answer.")),
        Quote(question.text), Quote(question.answer_text, heading=text(status)),
    ]
    sources = cited(question)
    details = [f"Question #{question.id}"]
    if sources:
        details.append(f"cited {sources}")
    if handoff.status == "answered":
        blocks.append(Quote(handoff.answer_text or "", heading=text("Answer from Communications and Marketing:")))
        saved = " · saved for future questions" if handoff.saved_answer_id else ""
        blocks.append(Context(text(Icon("done"), " Answered by ", Mention(handoff.answered_by or ""),
                                   f" at {when(handoff.answered_at, zone)}{saved}")))
    elif handoff.status == "not_for_us":
        where = REDIRECTS.get(handoff.redirect or "other", REDIRECTS["other"])[0]
        blocks.append(Context(text(Icon("done"), " Not for us: ", Mention(handoff.answered_by or ""),
                                   f" pointed the asker to {where} at {when(handoff.answered_at, zone)}")))
    else:
        details.append(f"waiting {waited(handoff.created_at, now)}")
        if handoff.status == "assigned" and handoff.assigned_to:
            blocks.append(Context(text("Assigned to ", Mention(handoff.assigned_to),
                                       f" at {when(handoff.assigned_at, zone)}")))
        value = button_value(handoff)
        blocks.append(Actions((Action(ANSWER, "Answer", value, primary=True),
                               Action(ASSIGN, "Assign to me", value),
                               Action(NOT_FOR_US, "Not for us", value)), group=f"handoff_{handoff.id}"))
    blocks.insert(3, Context(text(" · ".join(details))))
    state = STATE_LABELS.get(handoff.status, handoff.status)
    return Message(summary=f"A question passed on for Communications and Marketing ({state})", blocks=tuple(blocks))


def answer_for_asker(question_text: str, answer_text: str, name: str) -> Message:
    """The answer Comms wrote, back where the question was asked, naming them as its source."""
    by = f" ({name})" if name else ""
    return Message(summary="Communications and Marketing answered your question", blocks=(
        Paragraph(text(Icon("done"), " ", Strong("Communications and Marketing answered your question:"))),
        Quote(question_text, heading=text("You asked:")),
        Paragraph(text(Excerpt(answer_text, ANSWER_SHOWN))),
        Context(text(f"Answer from Communications and Marketing{by}. It is kept for others who ask the same.")),
    ))


def answer_for_asker_unsaved(question_text: str, answer_text: str, name: str) -> Message:
    message = answer_for_asker(question_text, answer_text, name)
    by = f" ({name})" if name else ""
    return Message(summary=message.summary, blocks=message.blocks[:-1] + (
        Context(text(f"Answer from Communications and Marketing{by}.")),))


def redirected(question_text: str, redirect: str) -> Message:
    where, advice = REDIRECTS.get(redirect, REDIRECTS["other"])
    return Message(summary=f"Communications and Marketing passed your question to {where}", blocks=(
        Paragraph(text(Strong("About your question to Communications and Marketing:"))),
        Quote(question_text, heading=text("You asked:")),
        Paragraph(text(advice)),
    ))


def reminder(handoff: Handoff, hours: float) -> Message:
    return Message(summary="A question for Communications and Marketing is still waiting", blocks=(
        Paragraph(text(Icon("overdue"), " This question from ", Mention(handoff.user_id),
                       f" has waited more than {hours:g} working hours for an answer. Press ",
                       Strong("Answer"), " on the message above, or ", Strong("Not for us"),
                       " to point them elsewhere.")),))


def review_needed(answer: SavedAnswer, changes: list[str]) -> Message:
    return Message(summary=f"Saved answer #{answer.id} relies on a paragraph that changed", blocks=(
        Paragraph(text(Icon("warning"), " ", Strong(f"Saved answer #{answer.id} may be out of date:"),
                       " a paragraph it relies on has changed. Check it with ",
                       Strong(f"policybot answers show {answer.id}"), ", then edit or retire it.")),
        Quote(answer.question, heading=text("Saved for:")),
        Context(text("Changed: " + "; ".join(changes))),
    ))
