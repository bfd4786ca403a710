"""Training and acknowledgement in Slack: the nudge buttons (open, completed, remind me tomorrow), the policy
acknowledgement, a manager's "Nudge my overdue team", and HR's "Start a training campaign" form.

Listeners are module-level functions taking the bot's services from the request's context."""

from __future__ import annotations

import json
from datetime import date

from bot.training import TrainingError
from handlers.slack.training import blocks as ui

EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}


def link_pressed(ack):  # the browser opens the link; Slack still sends the press, which needs an answer
    ack()


def read_policy(ack, body, context):
    services = context["services"]
    ack()
    action = body["actions"][0]
    if not action.get("url"):
        services.defer(show_policy, services, body["trigger_id"], action.get("value", ""),
                       services.respond_to(body["response_url"]) if body.get("response_url") else None)


def show_policy(services, trigger_id: str, checksum: str, respond) -> None:
    found = services.training.reading(checksum)
    if found is None:
        if respond is not None:
            respond(text="That version has since been replaced, or staff are no longer asked to "
                         "acknowledge it. HR will send you the current one.", **EPHEMERAL)
        return
    services.client.views_open(trigger_id=trigger_id, view=ui.policy_modal(*found))


def button(ack, body, context):
    services = context["services"]
    ack()
    action = body["actions"][0]
    services.defer(pressed, services, action["action_id"], action.get("value", ""), body["user"]["id"],
                   body.get("trigger_id"), services.respond_to(body["response_url"]))


def pressed(services, action_id, value, user_id, trigger_id, respond):
    services.cases.identify(user_id)
    try:
        if action_id == ui.DONE:
            respond(text=services.training.self_declare(int(value), user_id), replace_original=True)
        elif action_id == ui.SNOOZE:
            respond(text=services.training.snooze(int(value), user_id), replace_original=True)
        elif action_id == ui.ACKNOWLEDGE:
            respond(text=services.training.acknowledge(value, user_id), replace_original=True)
        elif action_id == ui.NUDGE_TEAM:
            respond(text=services.training.nudge_team(user_id), **EPHEMERAL)
        elif action_id == ui.START:
            if not services.training.is_hr(user_id):
                raise TrainingError("Only HR can start a training campaign.")
            services.client.views_open(trigger_id=trigger_id, view=ui.start_modal(services.training.directorates()))
        elif action_id == ui.ACK_START:
            if not services.training.is_hr(user_id):
                raise TrainingError("Only HR can ask staff to acknowledge a document.")
            titles = services.training.documents_to_acknowledge()
            if not titles:
                raise TrainingError("No documents are indexed yet (policybot index).")
            services.client.views_open(trigger_id=trigger_id, view=ui.acknowledgement_start_modal(titles))
    except TrainingError as error:
        respond(text=str(error), **EPHEMERAL)


def start_submitted(ack, body, view, context):
    services = context["services"]
    user_id = body["user"]["id"]
    values = view["state"]["values"]

    def get(block):
        return (values.get(block) or {}).get("value") or {}

    if not services.training.is_hr(user_id):
        ack(response_action="errors", errors={"name": "Only HR can start a training campaign."})
        return
    due_raw = get("due").get("selected_date")
    try:
        due = date.fromisoformat(due_raw or "")
    except ValueError:
        ack(response_action="errors", errors={"due": "Choose the due date."})
        return
    chosen = get("directorate")
    directorate = (chosen.get("selected_option") or {}).get("value") or (chosen.get("value") or "").strip()
    if directorate and directorate != "*":
        named = services.training.directorate_named(directorate)
        if named is None:
            ack(response_action="errors", errors={"directorate": "Type a directorate as the staff directory "
                                                                 "names it, or leave it empty for everyone."})
            return
        directorate = named
    try:
        campaign, assigned = services.training.start(name=get("name").get("value") or "",
                                                     url=get("url").get("value") or "",
                                          due=due,
                                          directorate=None if directorate in (None, "*") else directorate,
                                          created_by=user_id)
    except TrainingError as error:
        field = "url" if "link" in str(error) else "due" if "due date" in str(error) else "name"
        ack(response_action="errors", errors={field: str(error)[:150]})
        return
    ack()
    services.defer(services.notify, user_id,
                   f"{campaign.name} has started: {assigned} people assigned. The first nudges go out with "
                   "the next training-nudges run in working hours.")


def acknowledgement_chosen(ack, body, view, context):
    """First step: the document chosen; the answer is the count of who will be asked, to confirm."""
    services = context["services"]
    user_id = body["user"]["id"]
    if not services.training.is_hr(user_id):
        ack(response_action="errors", errors={"document": "Only HR can ask staff to acknowledge a document."})
        return
    chosen = (view["state"]["values"].get("document") or {}).get("value") or {}
    title = ((chosen.get("selected_option") or {}).get("value") or chosen.get("value") or "").strip()
    try:
        preview = services.training.preview_acknowledgement(title)
    except TrainingError as error:
        ack(response_action="errors", errors={"document": str(error)[:150]})
        return
    if preview.running is not None:
        ack(response_action="errors", errors={"document": "Staff are already being asked to acknowledge "
                                                          "this version."})
        return
    document = preview.document
    ack(response_action="update", view=ui.acknowledgement_confirm_modal(
        document.title, document.version, document.checksum, preview.to_ask, preview.staff))


def acknowledgement_confirmed(ack, body, view, context):
    services = context["services"]
    user_id = body["user"]["id"]
    ack()  # the confirmation has no field to show an error against: the outcome comes by DM
    if not services.training.is_hr(user_id):
        services.defer(services.notify, user_id, "Nothing was started: only HR can ask staff to acknowledge "
                                                 "a document.")
        return
    try:
        chosen = json.loads(view.get("private_metadata") or "{}")
        title, checksum = str(chosen["title"]), str(chosen["checksum"])
    except (ValueError, KeyError, TypeError):
        return  # a form this bot did not build: nothing to start
    services.defer(confirm, services, user_id, title, checksum)


def confirm(services, user_id: str, title: str, checksum: str) -> None:
    try:
        campaign, to_ask = services.training.start_acknowledgement(title, user_id, checksum=checksum)
    except TrainingError as error:
        services.notify(user_id, f"Nothing was started: {error}")
        return
    services.notify(user_id, f"Staff will be asked to acknowledge the {campaign.document_title}: {to_ask} "
                             "people, with the next training-nudges run in working time.")


def register(app) -> None:
    registry = app.registry
    app.action(ui.OPEN)(link_pressed)
    registry.actions.add(ui.OPEN)
    app.action(ui.READ_POLICY)(read_policy)
    registry.actions.add(ui.READ_POLICY)
    for action_id in (ui.DONE, ui.SNOOZE, ui.ACKNOWLEDGE, ui.NUDGE_TEAM, ui.START, ui.ACK_START):
        app.action(action_id)(button)
        registry.actions.add(action_id)
    app.view(ui.START_VIEW)(start_submitted)
    registry.views.add(ui.START_VIEW)
    app.view(ui.ACK_START_VIEW)(acknowledgement_chosen)
    app.view(ui.ACK_CONFIRM_VIEW)(acknowledgement_confirmed)
    registry.views.update({ui.ACK_START_VIEW, ui.ACK_CONFIRM_VIEW})


def my_training_message(services, user_id: str) -> tuple[str, list[dict]]:
    """What the App Home's "My social media training" button shows a member of staff."""
    services.cases.identify(user_id)
    today = services.clock().astimezone(services.settings.working_time.zone).date()
    found = services.training.my_training(user_id)
    rows, acknowledgements = found if found is not None else ([], [])
    return ui.my_training(rows, acknowledgements, today)
