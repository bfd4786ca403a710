"""Slack listeners of the Comms hand-off loop, at module level: each takes the bot's services from the
request's context (put there by the app's middleware), acknowledges at once, and leaves the rules to
`bot.handoffs` and `bot.saved_answers` (who may act is checked there, on every press and every submission)."""

from __future__ import annotations

import json
import logging

from bot import saved_answers
from bot.handoffs import AnswerFormError, HandoffError
from handlers.slack.home import publish as publish_home
from handlers.slack.handoffs import forms

log = logging.getLogger(__name__)
EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}


def _value(body) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")


def _metadata(view) -> str:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return ""
    return str(data.get("handoff") or "") if isinstance(data, dict) else ""


def _selected(values, block: str) -> list[str]:
    element = (values.get(block) or {}).get("value") or {}
    return [str(o.get("value", "")) for o in element.get("selected_options") or []]


def _typed(values, block: str) -> str:
    return str(((values.get(block) or {}).get("value") or {}).get("value") or "")


# ------------------------------------------------------------------------------------------- buttons

def answer_pressed(ack, body, context, client):
    ack()
    services = context["services"]
    services.defer(_open_answer_form, services, client, body["user"]["id"], _value(body), body.get("trigger_id"),
                   services.respond_to(body["response_url"]))


def _open_answer_form(services, client, user: str, value: str, trigger_id: str, respond) -> None:
    try:
        form = services.handoffs.answer_form(value, user)
    except HandoffError as error:
        respond(text=str(error), **EPHEMERAL)
        return
    client.views_open(trigger_id=trigger_id, view=forms.answer_modal(form))


def assign_pressed(ack, body, context):
    ack()
    services = context["services"]
    services.defer(_assign, services, body["user"]["id"], _value(body), services.respond_to(body["response_url"]))


def _assign(services, user: str, value: str, respond) -> None:
    try:
        outcome = services.handoffs.assign(value, user)
    except HandoffError as error:
        respond(text=str(error), **EPHEMERAL)
        return
    services.outbox.deliver(outcome.outbox_ids)
    respond(text=outcome.message, **EPHEMERAL)


def not_for_us_pressed(ack, body, context, client):
    ack()
    services = context["services"]
    services.defer(_open_not_for_us, services, client, body["user"]["id"], _value(body), body.get("trigger_id"),
                   services.respond_to(body["response_url"]))


def _open_not_for_us(services, client, user: str, value: str, trigger_id: str, respond) -> None:
    try:
        services.handoffs.check(value, user)
    except HandoffError as error:
        respond(text=str(error), **EPHEMERAL)
        return
    client.views_open(trigger_id=trigger_id, view=forms.not_for_us_modal(value))


# -------------------------------------------------------------------------------------------- forms

def answer_submitted(ack, body, view, context):
    services = context["services"]
    values = view["state"]["values"]
    try:
        outcome = services.handoffs.answer(
            _metadata(view), body["user"]["id"], answer=_typed(values, "answer"),
            save=forms.SAVE in _selected(values, "save"), wording=_typed(values, "wording"),
            sources=_selected(values, "sources"))
    except AnswerFormError as error:
        shown = {forms.FIELD_BLOCKS.get(k, "answer"): v[:150] for k, v in error.errors.items()}
        if "sources" in shown and "sources" not in values:
            shown["answer"] = shown.pop("sources")
        ack(response_action="errors", errors=shown)
        return
    except HandoffError as error:
        ack(response_action="errors", errors={"answer": str(error)[:150]})
        return
    ack(response_action="update", view=forms.done_modal("Answer sent", outcome.message))
    services.defer(services.outbox.deliver, outcome.outbox_ids)


def not_for_us_submitted(ack, body, view, context):
    services = context["services"]
    element = ((view["state"]["values"].get("redirect") or {}).get("value") or {})
    redirect = str((element.get("selected_option") or {}).get("value") or "")
    try:
        outcome = services.handoffs.not_for_us(_metadata(view), body["user"]["id"], redirect)
    except HandoffError as error:
        ack(response_action="errors", errors={"redirect": str(error)[:150]})
        return
    ack(response_action="update", view=forms.done_modal("Not for us", outcome.message))
    services.defer(services.outbox.deliver, outcome.outbox_ids)


# ------------------------------------------------------------------------- saved answers (App Home)

def _answer_id(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


def edit_pressed(ack, body, context, client):
    ack()
    services = context["services"]
    user, answer_id = body["user"]["id"], _answer_id(_value(body))
    if not services.handoffs.is_comms(user):
        services.notify(user, "Only Communications and Marketing can change saved answers.")
        return
    saved = saved_answers.get(services.engine, answer_id) if answer_id else None
    if saved is None or saved.status != "active":
        services.notify(user, "That saved answer is no longer in use.")
        return
    client.views_open(trigger_id=body["trigger_id"], view=forms.edit_modal(saved.id, saved.question, saved.answer))


def edit_submitted(ack, body, view, context):
    services = context["services"]
    user = body["user"]["id"]
    answer_id = _answer_id(str(view.get("private_metadata") or ""))
    values = view["state"]["values"]
    if not services.handoffs.is_comms(user):
        ack(response_action="errors", errors={"answer": "Only Communications and Marketing can change saved "
                                                        "answers."})
        return
    if answer_id is None:
        ack(response_action="errors", errors={"answer": "This form is out of date: close it and press Edit again."})
        return
    person = services.handoffs.identify(user)
    try:
        saved_answers.edit(services.engine, answer_id, actor=user, actor_name=person.name if person else "",
                           question=_typed(values, "wording"), answer=_typed(values, "answer"),
                           at=services.clock())
    except saved_answers.SavedAnswerError as error:
        ack(response_action="errors", errors={"answer": f"Not saved: {error}."[:150]})
        return
    ack(response_action="update", view=forms.done_modal("Saved", f"Saved answer #{answer_id} is updated; the bot "
                                                                  "uses the new wording within a minute."))
    services.defer(publish_home, services, user)


def retire_pressed(ack, body, context):
    ack()
    services = context["services"]
    services.defer(_retire, services, body["user"]["id"], _answer_id(_value(body)))


def _retire(services, user: str, answer_id: int | None) -> None:
    if not services.handoffs.is_comms(user):
        services.notify(user, "Only Communications and Marketing can retire saved answers.")
        return
    try:
        saved_answers.retire(services.engine, answer_id or 0, actor=user, at=services.clock())
    except saved_answers.SavedAnswerError as error:
        services.notify(user, f"Nothing changed: {error}.")
        return
    services.notify(user, f"Saved answer #{answer_id} is retired: the bot no longer uses it.")
    publish_home(services, user)
