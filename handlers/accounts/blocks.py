"""Block Kit for account requests and the register, as pure functions. Everything a person typed is escaped."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (ActionsBlock, ButtonElement, CheckboxesElement, ContextBlock, DatePickerElement,
                                     InputBlock, MarkdownTextObject, Option, PlainTextInputElement, SectionBlock,
                                     StaticSelectElement, UserMultiSelectElement)
from slack_sdk.models.views import View

from bot.accounts import ACCOUNT_STATUS, PLATFORMS, STATUS_LABELS
from handlers.reports.blocks import when
from handlers.text import clip, escape, quote, split_text
from storage.models import AccountRequest, RegisteredAccount

REQUEST_VIEW = "account_request_submit"
REASON_VIEW = "account_reason"
ANSWER_VIEW = "account_answer_submit"
DETAILS_VIEW = "account_details_submit"
RECOMMEND = "account_recommend"
MORE_INFO = "account_more_info"
DECLINE = "account_decline"
APPROVE = "account_approve"
REJECT = "account_reject"
ANSWER = "account_answer"
ADD_DETAILS = "account_add_details"
EDIT = "account_edit"
SUSPEND = "account_suspend"
CLOSE = "account_close"
REACTIVATE = "account_reactivate"
REQUEST_ACTIONS = (RECOMMEND, MORE_INFO, DECLINE, APPROVE, REJECT, ANSWER)
REGISTER_ACTIONS = (ADD_DETAILS, EDIT, SUSPEND, CLOSE, REACTIVATE)
FIELD_BLOCKS = {"platform": "platform", "handle": "handle", "service": "service", "directorate": "directorate",
                "purpose": "purpose", "business_case": "business_case", "staff": "staff",
                "monitoring_hours": "monitoring_hours", "training": "training"}


def _option(value: str, label: str) -> Option:
    return Option(value=value[:150], label=label[:75])


def _people(user_ids: str) -> str:
    return ", ".join(f"<@{escape(u)}>" for u in user_ids.split(",") if u) or "—"


def versioned(request: AccountRequest) -> str:
    return f"{request.id}:{request.version}"


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


SHOWN = 2000  # the longest reason shown inside a section, after escaping


def request_text(request: AccountRequest) -> str:
    return (f"{request.reference}: {escape(request.platform)} account {escape(request.handle)} "
            f"({STATUS_LABELS[request.status]})")


def request_blocks(request: AccountRequest, events: list[tuple], account: RegisteredAccount | None,
                   zone: ZoneInfo) -> list[dict]:
    """The request message in the Comms channel, updated in place at every step."""
    head = (f"*{request.reference}* · new *{escape(request.platform)}* account *{escape(request.handle)}*\n"
            f"*Service:* {escape(request.service)} · *Directorate:* {escape(request.directorate)}\n"
            f"*Requested by:* <@{escape(request.requester_user_id)}> · {when(request.created_at, zone)}")
    blocks = [SectionBlock(text=MarkdownTextObject(text=head))]
    body = (f"*Purpose and audience*\n{quote(request.purpose)}\n*Business case*\n{quote(request.business_case)}\n"
            f"*Run by:* {_people(request.staff_user_ids)}\n*Monitored:* {escape(request.monitoring_hours)}\n"
            f"*Training done:* {'yes' if request.training_confirmed else 'no'}")
    blocks += [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(body)]
    state = f"*Status:* {STATUS_LABELS[request.status]}"
    if request.status == "director_review" and request.director_user_id:
        state += f" (<@{escape(request.director_user_id)}>)"
    if request.decided_by:
        state += f" · by <@{escape(request.decided_by)}> {when(request.decided_at, zone)}"
    if request.decision_reason:
        state += f"\n*Reason:* {clip(request.decision_reason, SHOWN)}"
    if account is not None:
        where = account.handle or account.url
        state += (f"\n*Register:* {escape(where)}" if where else
                  "\n*Register:* entry created; Comms to add the handle or URL once the account exists")
    blocks += [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(state)]
    if events:
        history = "\n".join(f"{when(at, zone)} · {escape(action)}" + (f" · <@{escape(actor)}>" if actor else "")
                            for at, actor, action, _ in events[-8:])
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=history)]))
    if request.status == "comms_review":
        value = versioned(request)
        blocks.append(ActionsBlock(block_id=f"request_{request.id}", elements=[
            ButtonElement(text="Recommend to director", action_id=RECOMMEND, value=value, style="primary"),
            ButtonElement(text="Ask for more information", action_id=MORE_INFO, value=value),
            ButtonElement(text="Decline", action_id=DECLINE, value=value, style="danger"),
        ]))
    elif request.status == "more_info":
        blocks.append(ActionsBlock(block_id=f"request_{request.id}", elements=[
            ButtonElement(text="Decline", action_id=DECLINE, value=versioned(request), style="danger")]))
    elif request.status == "approved" and account is not None and not (account.handle or account.url):
        blocks.append(ActionsBlock(block_id=f"register_{account.id}", elements=[
            ButtonElement(text="Add account details", action_id=ADD_DETAILS, value=str(account.id))]))
    return [block.to_dict() for block in blocks]


def director_text(request: AccountRequest) -> str:
    return (f"<@{request.director_user_id}>: Communications and Marketing recommend {request.reference} "
            f"({escape(request.platform)} account {escape(request.handle)}) for your approval (para 19).")


def director_blocks(request: AccountRequest, previous: list | None, zone: ZoneInfo) -> list[dict]:
    """The message in the thread asking the director to decide; after the decision it shows the outcome."""
    lines = (f"<@{escape(request.director_user_id or '')}>: Communications and Marketing "
             f"(<@{escape(request.recommended_by or '')}>) recommend *{request.reference}*, a new "
             f"*{escape(request.platform)}* account *{escape(request.handle)}* for {escape(request.service)}, "
             "for your approval (para 19). Only the Corporate Director for "
             f"{escape(request.directorate)} (or a named deputy) can decide.")
    blocks = [SectionBlock(text=MarkdownTextObject(text=lines))]
    if request.status == "director_review":
        value = versioned(request)
        blocks.append(ActionsBlock(block_id=f"decide_{request.id}", elements=[
            ButtonElement(text="Approve", action_id=APPROVE, value=value, style="primary"),
            ButtonElement(text="Reject", action_id=REJECT, value=value, style="danger"),
        ]))
    else:
        outcome = STATUS_LABELS[request.status]
        if request.decided_by:
            outcome += f" by <@{escape(request.decided_by)}> {when(request.decided_at, zone)}"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"*Decision:* {outcome}")]))
    return [block.to_dict() for block in blocks]


def receipt_text(request: AccountRequest) -> str:
    return (f"Thank you. Your request *{request.reference}* for a {escape(request.platform)} account "
            f"*{escape(request.handle)}* is with Communications and Marketing. They will review it and, if they "
            f"recommend it, the Corporate Director for {escape(request.directorate)} decides (para 19). "
            "Please don't open the account until it is approved; I'll message you at each step.")


def question_text(request: AccountRequest, asker: str, question: str) -> str:
    return (f"<@{request.requester_user_id}>: Communications and Marketing (<@{asker}>) need more information "
            f"about {request.reference}:\n{quote(question)}")


def question_blocks(request: AccountRequest, asker: str, question: str) -> list[dict]:
    return [*[SectionBlock(text=MarkdownTextObject(text=piece)).to_dict()
              for piece in split_text(question_text(request, asker, question))],
            ActionsBlock(elements=[ButtonElement(text="Answer", action_id=ANSWER, value=str(request.id),
                                                 style="primary")]).to_dict()]


def answer_text(request: AccountRequest, answer: str) -> str:
    return f"<@{request.requester_user_id}> answered for {request.reference}:\n{quote(answer)}"


def decision_text(request: AccountRequest) -> str:
    text = f"{request.reference}: {STATUS_LABELS[request.status]} by <@{request.decided_by}>."
    if request.decision_reason:
        text += f"\nReason: {escape(request.decision_reason)}"
    if request.status == "approved":
        text += ("\nIt is now in the register of authorised accounts (para 28). Communications and Marketing: "
                 "add the account's handle or URL once it exists.")
    return text


def decision_blocks(request: AccountRequest, account: RegisteredAccount | None) -> list[dict]:
    blocks = [SectionBlock(text=MarkdownTextObject(text=decision_text(request))).to_dict()]
    if account is not None:
        blocks.append(ActionsBlock(elements=[ButtonElement(text="Add account details", action_id=ADD_DETAILS,
                                                           value=str(account.id))]).to_dict())
    return blocks


def requester_decision_text(request: AccountRequest) -> str:
    if request.status == "approved":
        return (f"Good news: *{request.reference}* is approved. Communications and Marketing will set up access "
                "and add the account to the register; the people running it will be reminded before its yearly "
                "review.")
    reason = f"\nReason: {escape(request.decision_reason)}" if request.decision_reason else ""
    return f"*{request.reference}* was {STATUS_LABELS[request.status].lower()}.{reason}"


def reminder_text(request: AccountRequest, waiting_on: str, days: int) -> str:
    return (f":alarm_clock: {request.reference} has been waiting for {waiting_on} for {days} working days "
            f"({STATUS_LABELS[request.status].lower()}).")


def overdue_text(request: AccountRequest, waiting_on: str, days: int) -> str:
    return (f":warning: {request.reference} ({escape(request.platform)} account {escape(request.handle)}) has been "
            f"waiting for {waiting_on} for {days} working days. Please pick it up in its thread.")


def review_text(account: RegisteredAccount) -> str:
    return (f"The authorisation of the council's {escape(account.platform)} account "
            f"*{escape(account.handle or account.name)}* is due for review on "
            f"{account.review_due.strftime('%d %B %Y')}. Communications and Marketing will be in touch; if the "
            "account is no longer needed, or who runs it has changed, tell them now.")


def leavers_text(account: RegisteredAccount) -> str:
    return (f":warning: Everyone named as running the {escape(account.platform)} account "
            f"*{escape(account.handle or account.name)}* ({escape(account.service)}) has left the council. "
            "Name new staff, or suspend or close the account.")


def leavers_blocks(account: RegisteredAccount) -> list[dict]:
    return [SectionBlock(text=MarkdownTextObject(text=leavers_text(account))).to_dict(),
            ActionsBlock(elements=[ButtonElement(text="Edit", action_id=EDIT, value=str(account.id)),
                                   ButtonElement(text="Suspend", action_id=SUSPEND, value=str(account.id)),
                                   ButtonElement(text="Close", action_id=CLOSE, value=str(account.id),
                                                 style="danger")]).to_dict()]


# ----------------------------------------------------------------------------------------------- modals

REASONS = {
    MORE_INFO: ("Ask for more information", "What do you need to know?", "Ask"),
    DECLINE: ("Decline the request", "Reason (the requester is told it)", "Decline"),
    REJECT: ("Reject the request", "Reason (the requester is told it)", "Reject"),
    SUSPEND: ("Suspend the account", "Reason (kept in the register)", "Suspend"),
    CLOSE: ("Close the account", "Reason (kept in the register)", "Close"),
    REACTIVATE: ("Reactivate the account", "Reason (kept in the register)", "Reactivate"),
}


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
