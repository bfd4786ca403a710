"""Block Kit for what only Slack shows of account requests and the register: the forms, the register lookup and
status lines, as pure functions. Everything a person typed is escaped."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (ActionsBlock, ButtonElement, CheckboxesElement, DatePickerElement,
                                     InputBlock, MarkdownTextObject, Option, PlainTextInputElement, SectionBlock,
                                     StaticSelectElement, UserMultiSelectElement)
from slack_sdk.models.views import View

# The request, decision and register messages are platform-neutral (bot.account_messages, drawn by
# handlers.slack.render); their buttons' ids are the bot's own.
from bot.account_messages import (ADD_DETAILS, ANSWER, APPROVE, CLOSE, DECLINE, EDIT, MORE_INFO,  # noqa: F401
                                  REACTIVATE, REASONS, RECOMMEND, REGISTER_ACTIONS, REJECT, REQUEST_ACTIONS, SHOWN,
                                  SUSPEND,
                                  versioned, when)
from bot.accounts import ACCOUNT_STATUS, PLATFORMS, STATUS_LABELS
from handlers.text import escape, quote, split_text
from storage.models import AccountRequest, RegisteredAccount

REQUEST_VIEW = "account_request_submit"
REASON_VIEW = "account_reason"
ANSWER_VIEW = "account_answer_submit"
DETAILS_VIEW = "account_details_submit"
FIELD_BLOCKS = {"platform": "platform", "handle": "handle", "service": "service", "directorate": "directorate",
                "purpose": "purpose", "business_case": "business_case", "staff": "staff",
                "monitoring_hours": "monitoring_hours", "training": "training"}


def _option(value: str, label: str) -> Option:
    return Option(value=value[:150], label=label[:75])


def _people(user_ids: str) -> str:
    return ", ".join(f"<@{escape(u)}>" for u in user_ids.split(",") if u) or "—"


# ------------------------------------------------------------------------------------------- the request

MAX_OPTIONS = 100  # Block Kit's limit for a static select


def request_modal(directorates: list[str]) -> dict:
    if 0 < len(directorates) <= MAX_OPTIONS:
        directorate = StaticSelectElement(action_id="value", placeholder="Choose a directorate",
                                          options=[_option(d, d) for d in directorates])
    else:  # too many to list (or no directory yet): typed, and checked against the directory
        directorate = PlainTextInputElement(action_id="value", max_length=200,
                                            placeholder="As in the staff directory, e.g. "
                                                        + (directorates[0][:40] if directorates else "Place"))
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=(
            "Council social media accounts are authorised by Communications and Marketing with the approval of "
            "the relevant Corporate Director (para 19), and services get their own account only with a valid "
            "business case (para 29). Comms review this request; the director decides it in Slack."))),
        InputBlock(block_id="platform", label="Platform", element=StaticSelectElement(
            action_id="value", placeholder="Choose a platform", options=[_option(p, p) for p in PLATFORMS])),
        InputBlock(block_id="handle", label="Proposed account name or handle", element=PlainTextInputElement(
            action_id="value", max_length=100, placeholder="@NottsLibraries")),
        InputBlock(block_id="service", label="Service it is for", element=PlainTextInputElement(
            action_id="value", max_length=200)),
        InputBlock(block_id="directorate", label="Directorate", element=directorate),
        InputBlock(block_id="purpose", label="Purpose and audience", element=PlainTextInputElement(
            action_id="value", multiline=True, max_length=3000,
            placeholder="What the account is for, and who it is meant to reach")),
        InputBlock(block_id="business_case", label="Business case", element=PlainTextInputElement(
            action_id="value", multiline=True, max_length=3000,
            placeholder="Why the service needs it, and why the existing corporate accounts will not do")),
        InputBlock(block_id="staff", label="Who will run it (at least two people)", element=UserMultiSelectElement(
            action_id="value", placeholder="Choose people", max_selected_items=10)),
        InputBlock(block_id="monitoring_hours", label="When it will be monitored", element=PlainTextInputElement(
            action_id="value", max_length=300, placeholder="Mon–Fri 9am–5pm, and out of hours during incidents")),
        InputBlock(block_id="training", label="Training", element=CheckboxesElement(action_id="value", options=[
            _option("yes", "The people running it have done the social media awareness training")])),
    ]
    return View(type="modal", callback_id=REQUEST_VIEW, title="Request an account", submit="Send request",
                close="Cancel", blocks=blocks).to_dict()


def read_request(values: dict) -> dict:
    def get(block: str) -> dict:
        return (values.get(block) or {}).get("value") or {}

    directorate = get("directorate")
    return {
        "platform": (get("platform").get("selected_option") or {}).get("value"),
        "handle": get("handle").get("value"),
        "service": get("service").get("value"),
        "directorate": (directorate.get("selected_option") or {}).get("value") or directorate.get("value"),
        "purpose": get("purpose").get("value"),
        "business_case": get("business_case").get("value"),
        "staff_user_ids": list(get("staff").get("selected_users") or []),
        "monitoring_hours": get("monitoring_hours").get("value"),
        "training_confirmed": any(o.get("value") == "yes" for o in get("training").get("selected_options") or []),
    }


# ----------------------------------------------------------------------------------------------- modals



def reason_modal(action: str, target_id: int, version: int | None, summary: str) -> dict:
    title, label, submit = REASONS[action]
    return View(type="modal", callback_id=REASON_VIEW, title=title, submit=submit, close="Cancel",
                private_metadata=json.dumps({"action": action, "id": target_id, "version": version}), blocks=[
                    SectionBlock(text=MarkdownTextObject(text=summary)),
                    InputBlock(block_id="text", label=label, element=PlainTextInputElement(
                        action_id="value", multiline=True, max_length=3000)),
                ]).to_dict()


def answer_modal(request: AccountRequest) -> dict:
    return View(type="modal", callback_id=ANSWER_VIEW, title="Answer Comms", submit="Send", close="Cancel",
                private_metadata=str(request.id), blocks=[
                    *[SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(
                        f"*{request.reference}*: Communications and Marketing asked:\n"
                        f"{quote(request.info_question or '')}")],
                    InputBlock(block_id="text", label="Your answer", element=PlainTextInputElement(
                        action_id="value", multiline=True, max_length=3000)),
                ]).to_dict()


def details_modal(account: RegisteredAccount, *, full: bool) -> dict:
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"*{escape(account.platform)}* account *{escape(account.name)}* "
                                                  f"({escape(account.service)})")),
        InputBlock(block_id="handle", label="Handle", optional=True, element=PlainTextInputElement(
            action_id="value", max_length=200, initial_value=account.handle or None, placeholder="@NottsLibraries")),
        InputBlock(block_id="url", label="Web address", optional=True, element=PlainTextInputElement(
            action_id="value", max_length=500, initial_value=account.url or None, placeholder="https://")),
    ]
    if full:
        blocks += [
            InputBlock(block_id="service", label="Service", element=PlainTextInputElement(
                action_id="value", max_length=200, initial_value=account.service)),
            InputBlock(block_id="staff", label="Who runs it (at least two people)", element=UserMultiSelectElement(
                action_id="value", max_selected_items=10,
                initial_users=[u for u in account.staff_user_ids.split(",") if u])),
            InputBlock(block_id="review_due", label="Next review", element=DatePickerElement(
                action_id="value", initial_date=account.review_due.isoformat())),
        ]
    return View(type="modal", callback_id=DETAILS_VIEW, title="Register entry", submit="Save", close="Cancel",
                private_metadata=str(account.id), blocks=blocks).to_dict()


def read_details(values: dict) -> dict:
    def get(block: str) -> dict:
        return (values.get(block) or {}).get("value") or {}

    review = get("review_due").get("selected_date")
    return {"handle": get("handle").get("value"), "url": get("url").get("value"),
            "service": get("service").get("value") if "service" in values else None,
            "staff_user_ids": list(get("staff").get("selected_users") or []) if "staff" in values else None,
            "review_due": date.fromisoformat(review) if review else None}


# ---------------------------------------------------------------------------------------------- /accounts

def lookup_blocks(query: str, accounts: list[RegisteredAccount], *, comms: bool, zone: ZoneInfo) -> tuple[str, list]:
    shown = escape(query.strip()[:100])
    if not accounts:
        text = (f":warning: No authorised council account matches “{shown}”. If an account claims to speak for "
                "the council, report it: `/report` → *Phishing, hacked or fake account*.")
        return text, [SectionBlock(text=MarkdownTextObject(text=text)).to_dict()]
    active = [a for a in accounts if a.status == "active"]
    head = (f":white_check_mark: {len(active)} authorised council account{'s' if len(active) != 1 else ''} "
            f"match “{shown}”." if active else f":warning: “{shown}” matches no active council account.")
    blocks = [SectionBlock(text=MarkdownTextObject(text=head)).to_dict()]
    for account in accounts:
        label = escape(account.handle or account.name)
        status = "" if account.status == "active" else f" · *{ACCOUNT_STATUS[account.status].upper()}*"
        line = f"*{label}* on {escape(account.platform)} · {escape(account.service)} ({escape(account.directorate)}){status}"
        if account.url:
            line += f"\n{escape(account.url)}"
        if comms:
            line += (f"\nRun by {_people(account.staff_user_ids)} · approved {account.approval_reference or '—'} by "
                     f"{'<@' + escape(account.approved_by) + '>' if account.approved_by else '—'} "
                     f"{when(account.approved_at, zone) if account.approved_at else ''} · review due "
                     f"{account.review_due.strftime('%d %b %Y')}")
            if account.status_reason and account.status != "active":
                line += f"\nReason: {escape(account.status_reason)}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=line)).to_dict())
        if comms:
            buttons = [ButtonElement(text="Edit", action_id=EDIT, value=str(account.id))]
            if account.status == "active":
                buttons.append(ButtonElement(text="Suspend", action_id=SUSPEND, value=str(account.id)))
            else:
                buttons.append(ButtonElement(text="Reactivate", action_id=REACTIVATE, value=str(account.id)))
            if account.status != "closed":
                buttons.append(ButtonElement(text="Close", action_id=CLOSE, value=str(account.id), style="danger"))
            blocks.append(ActionsBlock(block_id=f"account_{account.id}", elements=buttons).to_dict())
    return head, blocks[:50]


def accounts_help() -> str:
    return ("*Is this account ours?*\n• `/accounts @NottsLibraries`, `/accounts https://facebook.com/...` or "
            "`/accounts libraries`: check the register of authorised council accounts (para 28)\n"
            "• `/request-account`: ask for a new council account (para 19)")


def status_summary(request: AccountRequest, zone: ZoneInfo) -> str:
    return (f"*{request.reference}* · {escape(request.platform)} account {escape(request.handle)} · "
            f"{STATUS_LABELS[request.status]} · requested {when(request.created_at, zone)}")
