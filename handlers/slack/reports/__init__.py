"""Reports in Slack: `/report`, the "Report this message" shortcut, the App Home button, the report modal,
and the buttons handlers press on a case (acknowledge, refer to HR or Legal, close, show reporter).

A submitted report is committed before the modal closes; routing and every message follow in the bot's
worker threads, through the outbox. Who may do what is checked by `bot.reports` on every action.
"""

from __future__ import annotations

import json
import logging

from bot import reports
from bot.reports import ReportError, ReportInput
from handlers.slack.app import claim_once
from handlers.slack.reports import blocks as ui
from handlers.slack.render import render

log = logging.getLogger(__name__)
EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}


def open_modal(services, trigger_id: str, view: dict) -> None:
    services.client.views_open(trigger_id=trigger_id, view=view)


# ------------------------------------------------------------------------------------- /report


def report_command(ack, command, context):
    services = context["services"]
    text = (command.get("text") or "").strip()
    words = text.split()
    if not words:
        ack()
        services.defer(open_modal, services, command["trigger_id"], ui.report_modal())
        return
    if words[0].lower() in {"help", "?"}:
        ack(text=ui.help_text())
        return
    if words[0].lower() == "status":
        ack()
        services.defer(show_status, services, command["user_id"], " ".join(words[1:]),
                       services.respond_to(command["response_url"]))
        return
    ack(text=f"I don't know `/report {text[:40]}`.\n\n" + ui.help_text())


def show_status(services, user_id: str, reference: str, respond) -> None:
    desk = services.cases
    if not reference:
        mine = desk.my_reports(user_id)
        if not mine:
            respond(text="You haven't made any reports. Use `/report` to make one.", **EPHEMERAL)
            return
        lines = [f"• *{r.reference}* · {reports.KINDS.get(r.kind, r.kind)} · "
                 f"{reports.STATUS_LABELS.get(r.status, r.status)} · {ui.when(r.created_at)}" for r in mine]
        respond(text="*Your reports*\n" + "\n".join(lines), **EPHEMERAL)
        return
    status = desk.status_for(user_id, reference)
    if status is None:
        respond(text=f"I can't find a report {ui.escape(reference[:40])} that you can see. References "
                     "look like SMR-2026-0042; `/report status` lists your own reports.", **EPHEMERAL)
        return
    report = status.report
    if status.seen_as == "handler":
        text, blocks = render(status.message)
        respond(text=text, blocks=blocks, **EPHEMERAL)
    elif status.seen_as == "reporter":
        respond(text=ui.case_text(report), blocks=ui.reporter_status_blocks(report, status.events, desk.zone),
                **EPHEMERAL)
    else:
        respond(text=ui.admin_status_text(report, desk.zone), **EPHEMERAL)


# ---------------------------------------------------------------------- shortcut and App Home


def report_message_shortcut(ack, shortcut, context):
    services = context["services"]
    ack()
    message = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id")
    services.defer(open_prefilled, services, shortcut["trigger_id"], channel, message.get("ts"),
                   message.get("text") or "",
                   message.get("user"))


def open_prefilled(services, trigger_id, channel, ts, text, author):
    permalink = None
    if channel and ts:
        try:
            permalink = services.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        except Exception as error:  # the form still opens, without the link
            log.warning("chat.getPermalink failed", extra={"error": type(error).__name__})
    open_modal(services, trigger_id,
               ui.report_modal(source_permalink=permalink, source_text=text, source_author=author))


# ------------------------------------------------------------------------------ submitting


def report_submitted(ack, body, view, context):
    services = context["services"]
    values = ui.read_submission(view["state"]["values"])
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    data = ReportInput(**values, source_permalink=metadata.get("permalink"), source_text=metadata.get("text"))
    today = services.clock().astimezone(services.settings.working_time.zone).date()
    errors = reports.validate(data, today)
    if errors:
        ack(response_action="errors", errors={ui.FIELD_BLOCKS[name]: message for name, message in errors.items()})
        return
    user = body["user"]
    # One report per modal: a second submission of the same view (a replayed request) saves nothing.
    if not claim_once(services.engine, f"view:{view.get('id') or ''}:{user['id']}", "report_submit"):
        ack()
        return
    report = reports.submit(services.engine, data, reporter_user_id=user["id"],
                            reporter_name=user.get("name") or user.get("username") or "", clock=services.clock)
    ack(response_action="update", view=ui.received_modal(
        report, "I'm passing it to the right people now; your receipt says who."))
    services.defer(route_and_send, services, report.id)


def route_and_send(services, report_id: int) -> None:
    services.outbox.deliver(services.cases.route(report_id))


# ------------------------------------------------------------------------------- case buttons


def case_action(ack, body, context):
    services = context["services"]
    ack()
    action = body["actions"][0]
    services.defer(act, services, action["action_id"], int(action["value"]), body["user"]["id"],
                   body.get("trigger_id"),
                   services.respond_to(body["response_url"]) if body.get("response_url") else None,
                   (body.get("channel") or {}).get("id"))


def act(services, action_id, report_id, user_id, trigger_id, respond, channel):
    def tell(text: str) -> None:
        if respond is not None:
            respond(text=text, **EPHEMERAL)
        elif channel:
            services.client.chat_postEphemeral(channel=channel, user=user_id, text=text)

    desk = services.cases
    desk.identify(user_id)
    try:
        if action_id == ui.ACK:
            outcome = desk.acknowledge(report_id, user_id)
        elif action_id == ui.REFER_HR:
            outcome = desk.refer(report_id, user_id, "hr")
        elif action_id == ui.REFER_LEGAL:
            outcome = desk.refer(report_id, user_id, "legal")
        elif action_id == ui.SHOW_REPORTER:
            reference, reporter = desk.reporter_of(report_id, user_id)
            tell(f"{reference} was reported by <@{reporter}>." if reporter else f"{reference} has no reporter "
                 "on record (anonymised).")
            return
        else:  # close: check first, then ask for the outcome
            open_modal(services, trigger_id, ui.close_modal(desk.closing(report_id, user_id)))
            return
    except ReportError as error:
        tell(str(error))
        return
    services.outbox.deliver(outcome.outbox_ids)
    tell(outcome.message)


def close_submitted(ack, body, view, context):
    services = context["services"]
    values = view["state"]["values"]
    outcome = ((values.get("outcome") or {}).get("value") or {}).get("selected_option") or {}
    notes = ((values.get("notes") or {}).get("value") or {}).get("value")
    if not outcome.get("value"):
        ack(response_action="errors", errors={"outcome": "Choose an outcome."})
        return
    if notes and len(notes) > 3000:
        ack(response_action="errors", errors={"notes": "Please keep the notes to 3,000 characters."})
        return
    report_id = str(view.get("private_metadata") or "")
    if not report_id.isdigit() or len(report_id) > 18:
        ack(response_action="errors", errors={"outcome": "This form is out of date: close it and press "
                                                         "Close… on the case again."})
        return
    try:
        result = services.cases.close(int(report_id), body["user"]["id"], outcome["value"], notes)
    except (ReportError, ValueError) as error:
        ack(response_action="errors", errors={"outcome": str(error)[:150]})
        return
    ack()
    services.defer(services.outbox.deliver, result.outbox_ids)
    if not result.changed:
        services.defer(services.notify, body["user"]["id"], result.message)


def register(app) -> None:
    registry = app.registry
    app.command("/report")(report_command)
    registry.commands.add("/report")
    app.shortcut(ui.SHORTCUT)(report_message_shortcut)
    registry.shortcuts.add(ui.SHORTCUT)
    app.view(ui.REPORT_VIEW)(report_submitted)
    registry.views.add(ui.REPORT_VIEW)
    for action_id in ui.CASE_ACTIONS:
        app.action(action_id)(case_action)
        registry.actions.add(action_id)
    app.view(ui.CLOSE_VIEW)(close_submitted)
    registry.views.add(ui.CLOSE_VIEW)
