"""Corporate social media accounts in Slack: `/request-account` and the App Home button, the request's
buttons in the Comms channel and its thread, the requester's answer, and `/accounts` for the register.

Listeners acknowledge at once; the workflow (`bot.accounts`) checks who may do what on every press.
"""

from __future__ import annotations

import json
import logging

from bot import accounts
from bot.accounts import AccountError, RequestInput
from handlers.slack.app import claim_once
from handlers.slack.accounts import blocks as ui

log = logging.getLogger(__name__)
EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}
STALE_FORM = "This form is out of date: close it and press the button on the message again."


def _split(value: str) -> tuple[int, int | None]:
    request_id, _, version = value.partition(":")
    return int(request_id), int(version) if version else None


def _metadata(raw) -> dict:
    """A form's private metadata as the bot wrote it, or {} when it is not (a crafted or damaged payload)."""
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _whole(value) -> int | None:
    """A positive whole number, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


def open_request_form(services, trigger_id: str) -> None:
    services.client.views_open(trigger_id=trigger_id, view=ui.request_modal(services.accounts.directorates()))


# --------------------------------------------------------------------------- /request-account


def request_command(ack, command, context):
    services = context["services"]
    text = (command.get("text") or "").strip()
    if text.lower() in {"help", "?"}:
        ack(text=ui.accounts_help())
        return
    if text.lower().startswith("status"):
        ack()
        services.defer(request_status, services, command["user_id"], text[6:].strip(),
                       services.respond_to(command["response_url"]))
        return
    if not services.settings.comms_channel:
        ack(text="Account requests aren't set up yet: the bot has no Communications and Marketing channel "
                 "(POLICYBOT_COMMS_CHANNEL). Please contact Communications and Marketing directly.")
        return
    ack()
    services.defer(open_request_form, services, command["trigger_id"])


def request_status(services, user_id: str, reference: str, respond) -> None:
    request = services.accounts.visible_request(user_id, reference)
    if request is None:
        respond(text=f"I can't find an account request {ui.escape(reference[:40])} that you can see. "
                     "References look like SMA-2026-0007.", **EPHEMERAL)
        return
    respond(text=ui.status_summary(request, services.accounts.zone), **EPHEMERAL)


def request_submitted(ack, body, view, context):
    services = context["services"]
    values = ui.read_request(view["state"]["values"])
    data = RequestInput(**values)
    errors = accounts.validate(data, services.accounts.directorates() or None)
    if errors:
        ack(response_action="errors", errors={ui.FIELD_BLOCKS[k]: v for k, v in errors.items()})
        return
    if not claim_once(services.engine, f"view:{view.get('id') or ''}:{body['user']['id']}", "account_request"):
        ack()  # the same modal submitted again (a replayed request): one request per form
        return
    try:
        request, ids = services.accounts.submit(data, body["user"]["id"])
    except AccountError as error:
        ack(response_action="errors", errors={"platform": str(error)[:150]})
        return
    ack(response_action="clear")
    services.defer(deliver_request, services, request.id, ids)
    log.info("account requested", extra={"reference": request.reference})


def deliver_request(services, request_id: int, ids: list[int]) -> None:
    services.outbox.deliver(ids)
    services.accounts.remember_people(request_id)


# ------------------------------------------------------------------------------ request buttons


def button(ack, body, context):
    services = context["services"]
    ack()
    action = body["actions"][0]
    services.defer(pressed, services, action["action_id"], action["value"], body["user"]["id"],
                   body.get("trigger_id"),
                   services.respond_to(body["response_url"]) if body.get("response_url") else None,
                   (body.get("channel") or {}).get("id"))


def pressed(services, action_id, value, user_id, trigger_id, respond, channel):
    def tell(text: str) -> None:
        if respond is not None:
            respond(text=text, **EPHEMERAL)
        elif channel:
            services.client.chat_postEphemeral(channel=channel, user=user_id, text=text)

    work = services.accounts
    try:
        if action_id in (ui.RECOMMEND, ui.APPROVE):
            request_id, version = _split(value)
            outcome = (work.recommend if action_id == ui.RECOMMEND else work.approve)(request_id, version, user_id)
            services.outbox.deliver(outcome.outbox_ids)
            tell(outcome.message)
        elif action_id in (ui.MORE_INFO, ui.DECLINE, ui.REJECT):
            request_id, version = _split(value)
            # Comms ask or decline; only the deciders get the rejection form.
            request = work.for_reason(request_id, version, user_id, "reject" if action_id == ui.REJECT else "comms")
            services.client.views_open(trigger_id=trigger_id, view=ui.reason_modal(
                action_id, request_id, version, ui.status_summary(request, work.zone)))
        elif action_id == ui.ANSWER:
            services.client.views_open(trigger_id=trigger_id,
                                       view=ui.answer_modal(work.awaiting_answer(int(value), user_id)))
        else:
            account = work.account_for_comms(int(value), user_id)
            if action_id in (ui.ADD_DETAILS, ui.EDIT):
                services.client.views_open(trigger_id=trigger_id,
                                           view=ui.details_modal(account, full=action_id == ui.EDIT))
            else:
                services.client.views_open(trigger_id=trigger_id, view=ui.reason_modal(
                    action_id, account.id, None, f"*{ui.escape(account.handle or account.name)}* on "
                                                 f"{ui.escape(account.platform)}"))
    except AccountError as error:
        tell(str(error))


# --------------------------------------------------------------------------------- the modals


def reason_submitted(ack, body, view, context):
    services = context["services"]
    meta = _metadata(view.get("private_metadata"))
    text = (((view["state"]["values"].get("text") or {}).get("value") or {}).get("value") or "").strip()
    if not text:
        ack(response_action="errors", errors={"text": "This can't be empty."})
        return
    user_id = body["user"]["id"]
    work = services.accounts
    action, target, version = meta.get("action"), _whole(meta.get("id")), meta.get("version")
    if target is None or not (version is None or isinstance(version, int)):
        ack(response_action="errors", errors={"text": STALE_FORM})
        return
    try:
        if action == ui.MORE_INFO:
            outcome = work.ask_for_information(target, version, user_id, text)
        elif action == ui.DECLINE:
            outcome = work.decline(target, version, user_id, text)
        elif action == ui.REJECT:
            outcome = work.reject(target, version, user_id, text)
        else:
            status = {ui.SUSPEND: "suspended", ui.CLOSE: "closed", ui.REACTIVATE: "active"}[action]
            outcome = work.set_status(target, user_id, status, text)
    except (AccountError, KeyError) as error:
        ack(response_action="errors", errors={"text": str(error)[:150]})
        return
    ack()
    services.defer(services.outbox.deliver, outcome.outbox_ids)
    services.defer(services.notify, user_id, outcome.message)


def answer_submitted(ack, body, view, context):
    services = context["services"]
    text = (((view["state"]["values"].get("text") or {}).get("value") or {}).get("value") or "").strip()
    try:
        request_id = _whole(view.get("private_metadata"))
        if request_id is None:
            raise AccountError(STALE_FORM)
        outcome = services.accounts.answer(request_id, body["user"]["id"], text)
    except AccountError as error:
        ack(response_action="errors", errors={"text": str(error)[:150]})
        return
    ack()
    services.defer(services.outbox.deliver, outcome.outbox_ids)
    services.defer(services.notify, body["user"]["id"], outcome.message)


def details_submitted(ack, body, view, context):
    services = context["services"]
    values = ui.read_details(view["state"]["values"])
    try:
        account_id = _whole(view.get("private_metadata"))
        if account_id is None:
            raise AccountError(STALE_FORM)
        outcome = services.accounts.update_entry(account_id, body["user"]["id"], **values)
    except AccountError as error:
        field = "url" if "URL" in str(error) else "staff" if "two members" in str(error) else "handle"
        ack(response_action="errors", errors={field: str(error)[:150]})
        return
    ack()
    services.defer(services.outbox.deliver, outcome.outbox_ids)
    services.defer(services.notify, body["user"]["id"], outcome.message)


# ------------------------------------------------------------------------------------ /accounts


def accounts_command(ack, command, context):
    services = context["services"]
    query = (command.get("text") or "").strip()
    if not query or query.lower() in {"help", "?"}:
        ack(text=ui.accounts_help())
        return
    ack()
    services.defer(answer_lookup, services, command["user_id"], query, services.respond_to(command["response_url"]))


def answer_lookup(services, user_id: str, query: str, respond) -> None:
    found, comms = services.accounts.look_up(user_id, query)
    text, blocks = ui.lookup_blocks(query, found, comms=comms, zone=services.accounts.zone)
    respond(text=text, blocks=blocks, **EPHEMERAL)


def register(app) -> None:
    registry = app.registry
    app.command("/request-account")(request_command)
    registry.commands.add("/request-account")
    app.view(ui.REQUEST_VIEW)(request_submitted)
    registry.views.add(ui.REQUEST_VIEW)
    for action_id in ui.REQUEST_ACTIONS + ui.REGISTER_ACTIONS:
        app.action(action_id)(button)
        registry.actions.add(action_id)
    for callback, listener in ((ui.REASON_VIEW, reason_submitted), (ui.ANSWER_VIEW, answer_submitted),
                               (ui.DETAILS_VIEW, details_submitted)):
        app.view(callback)(listener)
        registry.views.add(callback)
    app.command("/accounts")(accounts_command)
    registry.commands.add("/accounts")
