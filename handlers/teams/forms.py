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


def error_lines(message: str | None) -> list[dict]:
    """What to fix, in red under a field or at the foot of a form (nothing when there is nothing)."""
    return [{"type": "TextBlock", "text": escape(message), "color": "Attention", "wrap": True,
             "size": "Small"}] if message else []


def _error(errors: dict, field: str) -> list[dict]:
    return error_lines(errors.get(field))


def _head(title: str, explanation: str, errors: dict) -> list[dict]:
    """A form's title, what happens to what is sent, and (after a refused submission) the note to look below."""
    head = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "wrap": True, "isSubtle": True, "text": explanation}]
    if errors:
        head.append({"type": "TextBlock", "text": "Please check the fields marked below.", "color": "Attention",
                     "wrap": True})
    return head


def report_card(values: dict | None = None, errors: dict | None = None, *, dialog: bool = False,
                source: dict | None = None) -> dict:
    """The report form; `values` refill it and `errors` (field → message) show under their fields. In a dialog
    (the "Report this message" action) it submits with Action.Submit and carries the reported message."""
    values, errors = values or {}, errors or {}

    def value(field: str) -> dict:
        found = str(values.get(field) or "")
        return {"value": found} if found else {}

    body = _head("Report a concern", "Misuse goes to your line manager (para 22), reputational issues to "
                 "Communications and Marketing (para 30), safeguarding concerns to the safeguarding team as well "
                 "(para 16). You get a reference and updates here.", errors)
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
                 text(Code("request account"), ": ask for a new council social media account (para 19)"),
                 text(Code("home"), ": what I do, and what is waiting for you"),
                 text(Code("saved answers"), ": Communications and Marketing's saved answers, to edit or retire"),
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


# ------------------------------------------------------------------------------------ account requests

ACCOUNT_SUBMIT = "account_request_submit"
ACCOUNT_OPEN = "account_request_open"
ACCOUNT_FIELDS = ("platform", "handle", "service", "directorate", "purpose", "business_case", "staff",
                  "monitoring_hours", "training")
REASON_SUBMIT = "account_reason_submit"
ANSWER_ACCOUNT_SUBMIT = "account_answer_submit"
DETAILS_SUBMIT = "account_details_submit"


def _card(body: list[dict], actions: list[dict]) -> dict:
    return {"type": "AdaptiveCard", "version": "1.5", "$schema": SCHEMA, "body": body, "actions": actions}


def _text_input(field: str, label: str, values: dict, *, limit: int, required: bool = True, multiline: bool = False,
                placeholder: str | None = None, error: str | None = None) -> dict:
    found = str(values.get(field) or "")[:limit]
    return {"type": "Input.Text", "id": field, "label": label, "maxLength": limit, "isMultiline": multiline,
            "isRequired": required, **({"errorMessage": error} if error and required else {}),
            **({"placeholder": placeholder} if placeholder else {}), **({"value": found} if found else {})}


def account_request_launcher() -> dict:
    """What `request account` answers: what happens to a request, and the button that opens its form."""
    return _card([
        {"type": "TextBlock", "text": "Request a new council social media account", "weight": "Bolder",
         "size": "Medium", "wrap": True},
        {"type": "TextBlock", "wrap": True, "text": "Communications and Marketing review the request and the "
         "Corporate Director for the directorate decides (para 19); approved accounts go in the council's "
         "register (para 28). You'll need the account's name, its purpose and audience, the business case, "
         "the council emails of at least two people who will run it, and when it will be monitored."}],
        [{"type": "Action.Submit", "title": "Open the request form",
          "data": {"msteams": {"type": "task/fetch"}, "verb": ACCOUNT_OPEN, "value": ""}}])


def account_request_card(directorates: list[str], values: dict | None = None, errors: dict | None = None,
                         dialog: bool = False) -> dict:
    """A new council social media account (para 19): the same questions as Slack's form; `errors` under their
    fields. People are named by their council email, as Teams cards cannot pick a person the bot would know."""
    from bot.account_terms import PLATFORMS
    from bot.accounts.intake import MAX_TEXT

    values, errors = values or {}, errors or {}
    body = _head("Request a new council social media account", "Communications and Marketing review it and the "
                 "Corporate Director for the directorate decides (para 19). Approved accounts go in the council's "
                 "register (para 28).", errors)
    chosen = str(values.get("platform") or "")
    body += [{"type": "Input.ChoiceSet", "id": "platform", "label": "Platform", "isRequired": True,
              "errorMessage": "Choose the platform.", "choices": [{"title": p, "value": p} for p in PLATFORMS],
              **({"value": chosen} if chosen in PLATFORMS else {})}]
    body += _error(errors, "platform")
    body += [_text_input("handle", "Proposed name or handle", values, limit=100, placeholder="@NottsLibraries",
                         error="Give the account's name or handle.")]
    body += _error(errors, "handle")
    body += [_text_input("service", "Service", values, limit=200, error="Say which service it is for.")]
    body += _error(errors, "service")
    directorate = str(values.get("directorate") or "")
    if directorates:
        body += [{"type": "Input.ChoiceSet", "id": "directorate", "label": "Directorate", "isRequired": True,
                  "errorMessage": "Choose the directorate.",
                  "choices": [{"title": d[:100], "value": d[:100]} for d in directorates[:500]],
                  **({"value": directorate} if directorate else {})}]
    else:
        body += [_text_input("directorate", "Directorate", values, limit=100, error="Name the directorate.")]
    body += _error(errors, "directorate")
    body += [_text_input("purpose", "Purpose and audience", values, limit=MAX_TEXT, multiline=True,
                         error="Describe the purpose and audience.")]
    body += _error(errors, "purpose")
    body += [_text_input("business_case", "Business case", values, limit=MAX_TEXT, multiline=True,
                         error="Describe the business case.")]
    body += _error(errors, "business_case")
    body += [_text_input("staff", "Who will run it: council emails of at least two people", values, limit=1000,
                         placeholder="sam.staff@council.gov.uk, alex.colleague@council.gov.uk",
                         error="Name at least two people by email.")]
    body += _error(errors, "staff")
    body += [_text_input("monitoring_hours", "When it will be monitored", values, limit=300,
                         placeholder="Mon–Fri 9am–5pm", error="Say when it will be monitored.")]
    body += _error(errors, "monitoring_hours")
    body += [{"type": "Input.Toggle", "id": "training", "title": "Everyone running it has completed the social "
              "media awareness training (para 26)", "valueOn": "true", "valueOff": "false",
              **({"value": "true"} if values.get("training") == "true" else {})}]
    body += _error(errors, "training")
    send = {"type": "Action.Submit", "title": "Send the request", "data": {"verb": ACCOUNT_SUBMIT}} if dialog else \
        {"type": "Action.Execute", "title": "Send the request", "verb": ACCOUNT_SUBMIT, "data": {"verb": ACCOUNT_SUBMIT}}
    return _card(body, [send])


def reason_card(action: str, value: str, summary: str, error: str | None = None, typed: str = "") -> dict:
    """A reason or question for an account request or register entry (Comms' question, a decline, a director's
    rejection, suspending or closing an account)."""
    from bot.account_messages import REASONS

    title, label, submit = REASONS[action]
    body = [{"type": "TextBlock", "text": escape(title), "weight": "Bolder", "wrap": True}]
    if summary:
        body.append({"type": "TextBlock", "text": escape(summary[:500]), "wrap": True, "isSubtle": True})
    body += [_text_input("text", label, {"text": typed}, limit=3000, multiline=True, error="This can't be empty.")]
    body += error_lines(error)
    return _card(body, [{"type": "Action.Execute", "title": submit, "verb": REASON_SUBMIT,
                         "data": {"verb": REASON_SUBMIT, "value": value, "action": action}}])


def account_answer_card(request, error: str | None = None, typed: str = "") -> dict:
    """The requester's answer to Comms' question."""
    body = [{"type": "TextBlock", "text": f"{escape(request.reference)}: Communications and Marketing asked",
             "weight": "Bolder", "wrap": True},
            {"type": "Container", "style": "emphasis", "items": [
                {"type": "TextBlock", "text": escape((request.info_question or "")[:2000]), "wrap": True}]},
            _text_input("text", "Your answer", {"text": typed}, limit=3000, multiline=True,
                        error="Write your answer.")]
    body += error_lines(error)
    return _card(body, [{"type": "Action.Execute", "title": "Send", "verb": ANSWER_ACCOUNT_SUBMIT,
                         "data": {"verb": ANSWER_ACCOUNT_SUBMIT, "value": str(request.id)}}])


def details_card(account, *, full: bool, values: dict | None = None, error: str | None = None) -> dict:
    """A register entry's handle and web address (and, to edit it, its service and who runs it by email)."""
    values = values if values is not None else {"handle": account.handle or "", "url": account.url or "",
                                                "service": account.service}
    body = [{"type": "TextBlock", "text": f"{escape(account.platform)} account {escape(account.name)} "
             f"({escape(account.service)})", "weight": "Bolder", "wrap": True},
            _text_input("handle", "Handle", values, limit=200, required=False, placeholder="@NottsLibraries"),
            {**_text_input("url", "Web address", values, limit=500, required=False, placeholder="https://"),
             "style": "Url"}]
    if full:
        body += [_text_input("service", "Service", values, limit=200, error="Say which service it is for."),
                 _text_input("staff", "Who runs it: council emails (leave empty to keep them)", values, limit=1000,
                             required=False)]
    body += error_lines(error)
    data = {"verb": DETAILS_SUBMIT, "value": str(account.id), "full": "true" if full else "false"}
    return _card(body, [{"type": "Action.Execute", "title": "Save", "verb": DETAILS_SUBMIT, "data": data}])


# ------------------------------------------------------------------------------------------ saved answers

SAVED_EDIT = "saved_answer_edit"
SAVED_EDIT_SUBMIT = "saved_answer_edit_submit"
SAVED_RETIRE = "saved_answer_retire"
SAVED_RETIRE_CONFIRM = "saved_answer_retire_confirm"
SAVED_VERBS = {SAVED_EDIT, SAVED_EDIT_SUBMIT, SAVED_RETIRE, SAVED_RETIRE_CONFIRM}


def _button(title: str, verb: str, value: str, style: str | None = None) -> dict:
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": {"verb": verb, "value": value},
            **({"style": style} if style else {})}


def saved_answers_card(answers, note: str | None = None) -> dict:
    """Comms only: the latest saved answers, each with Edit and Retire (Teams' counterpart of the App Home list)."""
    body: list[dict] = [{"type": "TextBlock", "text": "Saved answers (Communications and Marketing)",
                         "weight": "Bolder", "size": "Medium", "wrap": True}]
    if note:
        body.append({"type": "TextBlock", "text": escape(note), "wrap": True, "color": "Good"})
    if not answers:
        body.append({"type": "TextBlock", "wrap": True, "text": "None yet: answer a hand-off in the Comms channel "
                     "and keep Save for future questions on."})
    for answer in answers[:10]:
        flag = " ⚠️ source changed: review" if answer.review_flagged_at else ""
        body.append({"type": "Container", "separator": True, "items": [
            {"type": "TextBlock", "wrap": True, "weight": "Bolder",
             "text": f"#{answer.id} {escape(answer.question[:300])}{flag}"},
            {"type": "TextBlock", "wrap": True, "text": escape(answer.answer[:400])},
            {"type": "ActionSet", "actions": [_button("Edit", SAVED_EDIT, str(answer.id)),
                                              _button("Retire", SAVED_RETIRE, str(answer.id), "destructive")]}]})
    return _card(body, [])


def saved_answer_edit_card(answer, values: dict | None = None, error: str | None = None) -> dict:
    from bot.saved_answers import ANSWER_LIMIT, QUESTION_LIMIT

    values = values if values is not None else {"wording": answer.question, "answer": answer.answer}
    body = [{"type": "TextBlock", "text": f"Edit saved answer #{answer.id}", "weight": "Bolder", "wrap": True},
            _text_input("wording", "Question it is found for", values, limit=QUESTION_LIMIT,
                        error="Give the question it should be found for."),
            _text_input("answer", "Answer", values, limit=ANSWER_LIMIT, multiline=True, error="Write the answer.")]
    body += error_lines(error)
    return _card(body, [_button("Save", SAVED_EDIT_SUBMIT, str(answer.id), "positive")])


def saved_answer_retire_card(answer) -> dict:
    body = [{"type": "TextBlock", "text": f"Retire saved answer #{answer.id}?", "weight": "Bolder", "wrap": True},
            {"type": "TextBlock", "wrap": True, "text": escape(answer.question[:300])},
            {"type": "TextBlock", "wrap": True, "isSubtle": True,
             "text": "The bot stops using it at once. It stays on record."}]
    return _card(body, [_button("Retire", SAVED_RETIRE_CONFIRM, str(answer.id), "destructive")])


# ------------------------------------------------------------------------------------------ HR's campaigns

TRAINING_START = "training_start"
TRAINING_START_SUBMIT = "training_start_submit"
ACK_START = "acknowledgement_start"
ACK_CHOOSE = "acknowledgement_choose"
ACK_CONFIRM = "acknowledgement_confirm"
EVERYONE = "*"


def _submit(label: str, verb: str, **data) -> dict:
    return {"type": "Action.Submit", "title": label, "data": {"verb": verb, **data}}


def training_start_card(directorates: list[str], values: dict | None = None, error: str | None = None) -> dict:
    """HR: a training campaign (para 26): its name, the e-learning link, the due date, and who it covers."""
    values = values or {}
    chosen = str(values.get("directorate") or EVERYONE)
    body = [{"type": "TextBlock", "text": "Start a training campaign", "weight": "Bolder", "size": "Medium",
             "wrap": True},
            _text_input("name", "Campaign name", values, limit=200, placeholder="Social media awareness 2027",
                        error="Give the campaign a name."),
            {**_text_input("url", "E-learning link", values, limit=500, placeholder="https://",
                           error="Give the e-learning link."), "style": "Url"},
            {"type": "Input.Date", "id": "due", "label": "Due date", "isRequired": True,
             "errorMessage": "Choose the due date.", **({"value": str(values["due"])} if values.get("due") else {})},
            {"type": "Input.ChoiceSet", "id": "directorate", "label": "Who it covers", "value": chosen,
             "choices": [{"title": "Everyone in the staff directory", "value": EVERYONE}]
             + [{"title": d[:100], "value": d[:100]} for d in directorates[:500]]}]
    body += error_lines(error)
    return _card(body, [_submit("Start the campaign", TRAINING_START_SUBMIT)])


def acknowledgement_choose_card(titles: list[str], error: str | None = None, chosen: str = "") -> dict:
    """HR: which indexed document staff must acknowledge (para 22); the next step shows who will be asked."""
    body = [{"type": "TextBlock", "text": "Ask staff to acknowledge a document", "weight": "Bolder",
             "size": "Medium", "wrap": True},
            {"type": "Input.ChoiceSet", "id": "document", "label": "Document", "isRequired": True,
             "errorMessage": "Choose the document.", **({"value": chosen} if chosen in titles else {}),
             "choices": [{"title": t[:100], "value": t[:300]} for t in titles[:200]]}]
    body += error_lines(error)
    return _card(body, [_submit("See who will be asked", ACK_CHOOSE)])


def acknowledgement_confirm_card(title: str, version: str | None, checksum: str, to_ask: int, staff: int) -> dict:
    version_text = f" (version {escape(version)})" if version else ""
    body = [{"type": "TextBlock", "text": f"Ask staff to acknowledge {escape(title)}{version_text}?",
             "weight": "Bolder", "wrap": True},
            {"type": "TextBlock", "wrap": True, "text": f"{to_ask:,} of the {staff:,} active staff have not "
             "acknowledged this version and will be asked, with the next nudges in working time. Nothing is "
             "sent until you confirm."}]
    return _card(body, [_submit(f"Ask {to_ask:,} people", ACK_CONFIRM, title=title, checksum=checksum)])
