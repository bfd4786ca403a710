"""The App Home tab: what the bot does, example questions, and the actions staff can take."""

from __future__ import annotations

from slack_sdk.models.blocks import (ActionsBlock, ButtonElement, ContextBlock, DividerBlock, HeaderBlock,
                                     MarkdownTextObject, SectionBlock)
from slack_sdk.models.views import View

EXAMPLES = ("Who has to approve a new council Facebook page?",
            "Can I post photos of children from our event?",
            "Could I get in trouble for something I post?",
            "Is what I post on my own account covered?")
ACTION_REPORT = "home_report"
ACTION_REQUEST_ACCOUNT = "home_request_account"
ACTION_TRAINING = "home_training"
HOME_ACTIONS = (ACTION_REPORT, ACTION_REQUEST_ACCOUNT, ACTION_TRAINING)


def home_view(user_id: str, extra_blocks: list[dict] | None = None) -> dict:
    examples = "\n".join(f"• _{e}_" for e in EXAMPLES)
    blocks = [
        HeaderBlock(text="Social Media Policy assistant"),
        SectionBlock(text=MarkdownTextObject(text=(
            "I help you follow the council's *Social Media Policy*. Ask me anything about it and I quote the "
            "paragraphs that answer you; if the documents don't cover it, I say so and can pass your question "
            "to Communications and Marketing."))),
        SectionBlock(text=MarkdownTextObject(text=(
            "*Ask me*\n• Message me here (the Messages tab)\n• Mention me in a channel: I answer in a thread\n"
            f"• Type `/policy` and your question: I answer privately\n\n*For example*\n{examples}"))),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text="*Things you can do*")),
        ActionsBlock(block_id="home_actions", elements=[
            ButtonElement(text="Report a concern", action_id=ACTION_REPORT, value="report"),
            ButtonElement(text="Request a social media account", action_id=ACTION_REQUEST_ACCOUNT, value="account"),
            ButtonElement(text="My social media training", action_id=ACTION_TRAINING, value="training"),
        ]),
        ContextBlock(elements=[MarkdownTextObject(
            text="Answers come from the council's own documents; they are guidance, not legal advice.")]),
    ]
    view = View(type="home", blocks=blocks).to_dict()
    view["blocks"] += extra_blocks or []
    return view


def publish(services, user_id: str) -> None:
    """Draw and publish this person's App Home."""
    from bot.home import home_for
    from handlers.slack.reports.blocks import home_case_lines, home_my_reports
    from handlers.slack.handoffs.forms import home_blocks
    from handlers.slack.training.blocks import progress_blocks

    home = home_for(services, user_id)
    zone = services.settings.working_time.zone
    extra = home_case_lines(home.cases, zone) + home_my_reports(home.my_reports, zone)
    if home.progress is not None:
        extra += progress_blocks(home.progress, can_start=home.can_start_campaigns,
                                 acknowledgements=home.acknowledgements)
    if home.saved_answers is not None:
        extra += home_blocks(home.saved_answers)
    services.client.views_publish(user_id=user_id, view=home_view(user_id, extra))


def _publish_home(services, user_id: str, event_claim: str | None) -> None:
    try:
        publish(services, user_id)
    finally:
        services.finish_event(event_claim)


def home_opened(ack, event, context):
    ack()
    services = context["services"]
    services.defer(_publish_home, services, event["user"], context.get("event_claim"))


def _not_yet(services, user_id: str) -> None:
    """Account requests need the Comms channel; without it, say where to go instead."""
    services.notify(user_id, (
        "Account requests aren't set up in Slack yet (the bot has no Communications and Marketing channel). "
        "Please ask Communications and Marketing directly: new council accounts need their authorisation and "
        "your Corporate Director's approval (para 19)."))


def _show_training(services, user_id: str) -> None:
    from handlers.slack.training import my_training_message

    text, blocks = my_training_message(services, user_id)
    services.notify(user_id, text, blocks, purpose="my-training")


def _open_account_form(services, trigger_id: str) -> None:
    from handlers.slack.accounts.blocks import request_modal

    services.client.views_open(trigger_id=trigger_id, view=request_modal(services.accounts.directorates()))


def home_action(ack, body, context):
    ack()
    services = context["services"]
    action_id = body["actions"][0]["action_id"]
    if action_id == ACTION_REPORT:
        from handlers.slack.reports.blocks import report_modal

        services.defer(services.client.views_open, trigger_id=body["trigger_id"], view=report_modal())
    elif action_id == ACTION_TRAINING:
        services.defer(_show_training, services, body["user"]["id"])
    elif action_id == ACTION_REQUEST_ACCOUNT and services.settings.comms_channel:
        services.defer(_open_account_form, services, body["trigger_id"])
    else:
        services.defer(_not_yet, services, body["user"]["id"])


def register(app) -> None:
    app.event("app_home_opened")(home_opened)
    app.registry.events.add("app_home_opened")
    for action_id in HOME_ACTIONS:
        app.action(action_id)(home_action)
        app.registry.actions.add(action_id)
