"""Adaptive Card forms for Teams: the report form (sent as a card in the chat, submitted with Action.Execute,
shown again with each error under its field), and the command help."""

from __future__ import annotations

from datetime import date

from bot.messages import Bullets, Code, Context, Message, Paragraph, Strong, text
from bot.report_terms import KINDS, PLATFORMS
from handlers.teams.render import escape

REPORT_SUBMIT = "report_submit"
ANSWER_SUBMIT = "handoff_answer_submit"
NOT_FOR_US_SUBMIT = "handoff_not_for_us_submit"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
FIELDS = ("kind", "platform", "link", "description", "happened_on", "urgent", "confidential")


def _error(errors: dict, field: str) -> list[dict]:
    message = errors.get(field)
    return [{"type": "TextBlock", "text": escape(message), "color": "Attention", "wrap": True,
             "size": "Small"}] if message else []


def report_card(values: dict | None = None, errors: dict | None = None, *, dialog: bool = False,
                source: dict | None = None) -> dict:
    """The report form; `values` refill it and `errors` (field → message) show under their fields. In a dialog
    (the "Report this message" action) it submits with Action.Submit and carries the reported message."""
    values, errors = values or {}, errors or {}

    def value(field: str) -> dict:
        found = str(values.get(field) or "")
        return {"value": found} if found else {}

    body: list[dict] = [
        {"type": "TextBlock", "text": "Report a concern", "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "wrap": True, "isSubtle": True, "text": "Misuse goes to your line manager (para 22), "
         "reputational issues to Communications and Marketing (para 30), safeguarding concerns to the safeguarding "
         "team as well (para 16). You get a reference and updates here."},
    ]
    if errors:
        body.append({"type": "TextBlock", "text": "Please check the fields marked below.", "color": "Attention",
                     "wrap": True})
    body += [{"type": "Input.ChoiceSet", "id": "kind", "label": "What kind of concern?", "isRequired": True,
              "errorMessage": "Choose what kind of concern this is.",
              "choices": [{"title": label, "value": key} for key, label in KINDS.items()], **value("kind")}]
    body += _error(errors, "kind")
    body += [{"type": "Input.ChoiceSet", "id": "platform", "label": "Where? (optional)",
              "choices": [{"title": p, "value": p} for p in PLATFORMS], **value("platform")}]
    body += _error(errors, "platform")
    body += [{"type": "Input.Text", "id": "link", "label": "Link to the post or account (optional)",
              "maxLength": 2000, "style": "Url", **value("link")}]
    body += _error(errors, "link")
    body += [{"type": "Input.Text", "id": "description", "label": "What happened?", "isMultiline": True,
              "isRequired": True, "maxLength": 3000, "errorMessage": "Say what happened.", **value("description")}]
    body += _error(errors, "description")
    body += [{"type": "Input.Date", "id": "happened_on", "label": "When did it happen? (optional)",
              **value("happened_on")}]
    body += _error(errors, "happened_on")
    body += [{"type": "Input.Toggle", "id": "urgent", "title": "It is urgent (someone may be at risk)",
              "valueOn": "true", "valueOff": "false", **value("urgent")},
             {"type": "Input.Toggle", "id": "confidential", "title": "Keep it confidential (no case details in "
              "team channels)", "valueOn": "true", "valueOff": "false", **value("confidential")}]
    if source and source.get("source_text"):
        body.insert(2, {"type": "Container", "style": "emphasis", "items": [
            {"type": "TextBlock", "text": "The message you are reporting:", "weight": "Bolder", "wrap": True},
            {"type": "TextBlock", "text": escape(source["source_text"][:1000]), "wrap": True}]})
    data = {"verb": REPORT_SUBMIT, **(source or {})}
    action = {"type": "Action.Submit", "title": "Send the report", "data": data} if dialog else \
        {"type": "Action.Execute", "title": "Send the report", "verb": REPORT_SUBMIT, "data": data}
    return {"type": "AdaptiveCard", "version": "1.5", "$schema": SCHEMA, "body": body, "actions": [action]}


def parse_date(raw: str) -> tuple[date | None, str | None]:
    if not raw:
        return None, None
    try:
        return date.fromisoformat(raw[:10]), None
    except ValueError:
        return None, "Choose the date from the calendar."


def help_message() -> Message:
    return Message(summary="What I can do", blocks=(
        Paragraph(text(Strong("I answer questions about the council's Social Media Policy"), ", quoting the "
                       "paragraphs I rely on. Ask me here, or mention me in a channel.")),
        Bullets((text(Code("report"), ": report a concern about social media"),
                 text(Code("my training"), ": your social media training and policy acknowledgement"),
                 text(Code("accounts @handle"), ", a web address or a name: is it an authorised council account?"),
                 text(Code("home"), ": what I do, and what is waiting for you"),
                 text(Code("help"), ": this list")), title=text(Strong("Commands"))),
        Context(text("Answers come from the council's own documents; they are guidance, not legal advice.")),
    ))


def answer_card(form, values: dict | None = None, errors: dict | None = None) -> dict:
    """Comms' answer to a hand-off: the answer, what it relies on, and whether (and for which question) to keep
    it for future questions."""
    from bot.saved_answers import ANSWER_LIMIT, QUESTION_LIMIT

    values, errors = values or {}, errors or {}
    body: list[dict] = [
        {"type": "TextBlock", "text": "Answer the question", "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "Container", "style": "emphasis", "items": [
            {"type": "TextBlock", "text": escape(form.question[:2000]), "wrap": True}]},
        {"type": "Input.Text", "id": "answer", "label": "Your answer", "isMultiline": True, "isRequired": True,
         "maxLength": ANSWER_LIMIT, "errorMessage": "Write the answer the asker will get.",
         **({"value": str(values["answer"])[:ANSWER_LIMIT]} if values.get("answer") else {})},
    ]
    body += _error(errors, "answer")
    if form.sources:
        body.append({"type": "Input.ChoiceSet", "id": "sources", "label": "Documents or paragraphs it relies on",
                     "isMultiSelect": True, "choices": [{"title": label, "value": pid} for pid, label in form.sources],
                     "value": ",".join(form.chosen)})
        body += _error(errors, "sources")
    body += [{"type": "Input.Toggle", "id": "save", "title": "Save for future questions", "valueOn": "true",
              "valueOff": "false", "value": str(values.get("save") or "true")},
             {"type": "Input.Text", "id": "wording", "label": "Question it should be found for",
              "maxLength": QUESTION_LIMIT, "value": str(values.get("wording") or form.wording)[:QUESTION_LIMIT]}]
    body += _error(errors, "wording")
    value = f"{form.handoff_id}.{form.version}"
    return {"type": "AdaptiveCard", "version": "1.5", "$schema": SCHEMA, "body": body,
            "actions": [{"type": "Action.Execute", "title": "Send answer", "verb": ANSWER_SUBMIT,
                         "data": {"verb": ANSWER_SUBMIT, "value": value}}]}


def not_for_us_card(value: str) -> dict:
    from bot.handoff_messages import REDIRECTS

    return {"type": "AdaptiveCard", "version": "1.5", "$schema": SCHEMA, "body": [
        {"type": "TextBlock", "text": "Not for us: where should they go instead?", "weight": "Bolder", "wrap": True},
        {"type": "Input.ChoiceSet", "id": "redirect", "isRequired": True, "errorMessage": "Choose where.",
         "choices": [{"title": where[0][0].upper() + where[0][1:], "value": key}
                     for key, where in REDIRECTS.items()]}],
        "actions": [{"type": "Action.Execute", "title": "Tell the asker", "verb": NOT_FOR_US_SUBMIT,
                     "data": {"verb": NOT_FOR_US_SUBMIT, "value": value}}]}
