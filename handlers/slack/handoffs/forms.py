"""Block Kit forms of the Comms hand-off loop: Answer, Not for us, a saved answer's Edit, and the App Home
section where Comms see recent saved answers. Everything people typed is sent as plain_text (never read as
mrkdwn) or escaped."""

from __future__ import annotations

import json

from bot.handoff_messages import REDIRECTS
from bot.handoffs import AnswerForm
from bot.saved_answers import ANSWER_LIMIT, QUESTION_LIMIT
from handlers.slack.render import ICONS
from handlers.text import clip

ANSWER_VIEW = "handoff_answer_view"
NOT_FOR_US_VIEW = "handoff_not_for_us_view"
EDIT_VIEW = "saved_answer_edit_view"
EDIT = "saved_answer_edit"
RETIRE = "saved_answer_retire"
VIEWS = (ANSWER_VIEW, NOT_FOR_US_VIEW, EDIT_VIEW)
FIELD_BLOCKS = {"answer": "answer", "wording": "wording", "sources": "sources", "save": "save",
                "redirect": "redirect"}
SAVE = "save"
OPTION_TEXT = 75


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text[:150] or " ", "emoji": False}


def _option(value: str, label: str) -> dict:
    return {"text": _plain(label[:OPTION_TEXT]), "value": value[:150]}


def answer_modal(form: AnswerForm) -> dict:
    save_option = _option(SAVE, "Save for future questions")
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Question*\n" + clip(form.question, 2800)}},
        {"type": "input", "block_id": "answer", "label": _plain("Your answer"),
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                     "max_length": ANSWER_LIMIT}},
        {"type": "input", "block_id": "save", "optional": True, "label": _plain("Keep it"),
         "element": {"type": "checkboxes", "action_id": "value", "options": [save_option],
                     "initial_options": [save_option]}},
        {"type": "input", "block_id": "wording", "optional": True,
         "label": _plain("Question it should be found for"),
         "hint": _plain("Others asking something like this get your answer. Edit it to the general question."),
         "element": {"type": "plain_text_input", "action_id": "value", "max_length": QUESTION_LIMIT,
                     **({"initial_value": form.wording} if form.wording else {})}},
    ]
    if form.sources:
        options = [_option(value, label) for value, label in form.sources[:100]]
        element = {"type": "multi_static_select", "action_id": "value", "options": options,
                   "placeholder": _plain("Paragraphs your answer relies on")}
        chosen = [o for o in options if o["value"] in set(form.chosen)]
        if chosen:
            element["initial_options"] = chosen
        blocks.append({"type": "input", "block_id": "sources", "optional": True,
                       "label": _plain("Documents or paragraphs it relies on"), "element": element})
    return {"type": "modal", "callback_id": ANSWER_VIEW, "title": _plain("Answer the question"),
            "submit": _plain("Send answer"), "close": _plain("Cancel"),
            "private_metadata": json.dumps({"handoff": f"{form.handoff_id}.{form.version}"}), "blocks": blocks}


def not_for_us_modal(value: str) -> dict:
    options = [_option(key, f"{where[0][0].upper()}{where[0][1:]}") for key, where in REDIRECTS.items()]
    return {"type": "modal", "callback_id": NOT_FOR_US_VIEW, "title": _plain("Not for us"),
            "submit": _plain("Tell the asker"), "close": _plain("Cancel"),
            "private_metadata": json.dumps({"handoff": value}),
            "blocks": [{"type": "input", "block_id": "redirect", "label": _plain("Where should they go instead?"),
                        "element": {"type": "radio_buttons", "action_id": "value", "options": options}}]}


def done_modal(title: str, text: str) -> dict:
    return {"type": "modal", "title": _plain(title), "close": _plain("Close"),
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 2900)}}]}


def edit_modal(answer_id: int, question: str, answer: str) -> dict:
    return {"type": "modal", "callback_id": EDIT_VIEW, "title": _plain(f"Edit saved answer #{answer_id}"[:24]),
            "submit": _plain("Save"), "close": _plain("Cancel"), "private_metadata": str(answer_id),
            "blocks": [
                {"type": "input", "block_id": "wording", "label": _plain("Question it is found for"),
                 "element": {"type": "plain_text_input", "action_id": "value", "max_length": QUESTION_LIMIT,
                             "initial_value": question[:QUESTION_LIMIT]}},
                {"type": "input", "block_id": "answer", "label": _plain("Answer"),
                 "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                             "max_length": ANSWER_LIMIT, "initial_value": answer[:ANSWER_LIMIT]}}]}


def home_blocks(answers) -> list[dict]:
    """Comms only: the latest saved answers, with Edit and Retire."""
    blocks: list[dict] = [{"type": "divider"}, {"type": "section", "text": {
        "type": "mrkdwn", "text": "*Saved answers* (Communications and Marketing)\n" + (
            "Answers you saved for future questions; the bot cites them like the documents." if answers else
            "None yet: answer a hand-off in the Comms channel and tick *Save for future questions*.")}}]
    for answer in answers[:10]:
        flag = f" {ICONS['warning']} _source changed: review_" if answer.review_flagged_at else ""
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
            f"*#{answer.id}* {clip(answer.question, 300)}{flag}\n{clip(answer.answer, 400)}")}})
        blocks.append({"type": "actions", "block_id": f"saved_answer_{answer.id}", "elements": [
            {"type": "button", "action_id": EDIT, "text": _plain("Edit"), "value": str(answer.id)},
            {"type": "button", "action_id": RETIRE, "text": _plain("Retire"), "value": str(answer.id),
             "style": "danger", "confirm": {"title": _plain("Retire this answer?"),
                                            "text": _plain("The bot stops using it at once. It stays on record."),
                                            "confirm": _plain("Retire"), "deny": _plain("Keep it")}}]})
    return blocks
