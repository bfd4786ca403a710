"""What the account requests workflow says (paras 19 and 28), as platform-neutral messages (`bot.messages`):
the request in the Comms channel (updated in place at every step), the director's decision in its thread,
questions and answers, decisions, reminders, yearly reviews and accounts whose people have left. The
action ids are the bot's own; every platform sends them back when a button is pressed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.account_terms import ACCOUNT_STATUS, STATUS_LABELS
from bot.messages import (Action, Actions, Context, Excerpt, Icon, Inline, Mention, Message, Paragraph, Quote,
                          Strong, Text, plain, text)
from bot.report_messages import DISPLAY_ZONE, history, joined, when
from storage.models import AccountRequest, RegisteredAccount

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
SHOWN = 2000  # the longest reason shown inside a message
# The forms that ask for a reason or a question: action → (title, what the box asks for, the submit button)
REASONS = {
    MORE_INFO: ("Ask for more information", "What do you need to know?", "Ask"),
    DECLINE: ("Decline the request", "Reason (the requester is told it)", "Decline"),
    REJECT: ("Reject the request", "Reason (the requester is told it)", "Reject"),
    SUSPEND: ("Suspend the account", "Reason (kept in the register)", "Suspend"),
    CLOSE: ("Close the account", "Reason (kept in the register)", "Close"),
    REACTIVATE: ("Reactivate the account", "Reason (kept in the register)", "Reactivate"),
}


def versioned(request: AccountRequest) -> str:
    """A button's value: the request and the version it was drawn at (a stale press is refused)."""
    return f"{request.id}:{request.version}"


def _people(user_ids: str) -> Text:
    return joined([Mention(u) for u in (user_ids or "").split(",") if u]) or ("—",)


def _message(body: Text, *blocks) -> Message:
    return Message(summary=plain(body).strip(), blocks=(Paragraph(body), *blocks))


def note(*parts: Inline) -> Message:
    """A one-paragraph message (to the requester, or in the request's thread)."""
    return _message(text(*parts))


def request_summary(request: AccountRequest) -> str:
    return f"{request.reference}: {request.platform} account {request.handle} ({STATUS_LABELS[request.status]})"


def request_message(request: AccountRequest, events: list[tuple], account: RegisteredAccount | None,
                    zone: ZoneInfo = DISPLAY_ZONE) -> Message:
    """The request message in the Comms channel, updated in place at every step."""
    head = text(Strong(request.reference), " · new ", Strong(request.platform), " account ", Strong(request.handle),
                "\n", Strong("Service:"), f" {request.service} · ", Strong("Directorate:"), f" {request.directorate}\n",
                Strong("Requested by:"), " ", Mention(request.requester_user_id), f" · {when(request.created_at, zone)}")
    blocks: list = [Paragraph(head), Quote(request.purpose, heading=text(Strong("Purpose and audience"))),
                    Quote(request.business_case, heading=text(Strong("Business case"))),
                    Paragraph(text(Strong("Run by:"), " ", *_people(request.staff_user_ids), "\n", Strong("Monitored:"),
                                   f" {request.monitoring_hours}\n", Strong("Training done:"),
                                   f" {'yes' if request.training_confirmed else 'no'}"))]
    state: list[Inline] = [Strong("Status:"), f" {STATUS_LABELS[request.status]}"]
    if request.status == "director_review" and request.director_user_id:
        state += [" (", Mention(request.director_user_id), ")"]
    if request.decided_by:
        state += [" · by ", Mention(request.decided_by), f" {when(request.decided_at, zone)}"]
    if request.decision_reason:
        state += ["\n", Strong("Reason:"), " ", Excerpt(request.decision_reason, SHOWN)]
    if account is not None:
        where = account.handle or account.url
        state += ["\n", Strong("Register:"), f" {where}" if where else
                  " entry created; Comms to add the handle or URL once the account exists"]
    blocks.append(Paragraph(tuple(state)))
    if events:
        blocks.append(history(events, zone, details=False))
    if request.status == "comms_review":
        value = versioned(request)
        blocks.append(Actions(group=f"request_{request.id}", actions=(
            Action(RECOMMEND, "Recommend to director", value, primary=True),
            Action(MORE_INFO, "Ask for more information", value),
            Action(DECLINE, "Decline", value, danger=True))))
    elif request.status == "more_info":
        blocks.append(Actions(group=f"request_{request.id}", actions=(
            Action(DECLINE, "Decline", versioned(request), danger=True),)))
    elif request.status == "approved" and account is not None and not (account.handle or account.url):
        blocks.append(Actions(group=f"register_{account.id}", actions=(
            Action(ADD_DETAILS, "Add account details", str(account.id)),)))
    return Message(summary=request_summary(request), blocks=tuple(blocks))


def director_message(request: AccountRequest, zone: ZoneInfo = DISPLAY_ZONE, deciders: tuple[str, ...] = ()) -> Message:
    """The message in the thread asking the director to decide; after the decision it shows the outcome.
    `deciders`: who may decide (the director and any deputies), the only people the buttons are for."""
    body = text(Mention(request.director_user_id or ""), ": Communications and Marketing (",
                Mention(request.recommended_by or ""), ") recommend ", Strong(request.reference), ", a new ",
                Strong(request.platform), " account ", Strong(request.handle), f" for {request.service}, for your "
                f"approval (para 19). Only the Corporate Director for {request.directorate} (or a named deputy) can "
                "decide.")
    if request.status == "director_review":
        value = versioned(request)
        decision = Actions(group=f"decide_{request.id}", actions=(
            Action(APPROVE, "Approve", value, primary=True), Action(REJECT, "Reject", value, danger=True)),
            only_for=tuple(sorted(deciders)))
    else:
        outcome: list[Inline] = [Strong("Decision:"), f" {STATUS_LABELS[request.status]}"]
        if request.decided_by:
            outcome += [" by ", Mention(request.decided_by), f" {when(request.decided_at, zone)}"]
        decision = Context(tuple(outcome))
    summary = (f"Communications and Marketing recommend {request.reference} ({request.platform} account "
               f"{request.handle}) for your approval (para 19).")
    return Message(summary=summary, blocks=(Paragraph(body), decision))


def receipt(request: AccountRequest) -> Message:
    return _message(text(
        "Thank you. Your request ", Strong(request.reference), f" for a {request.platform} account ",
        Strong(request.handle), " is with Communications and Marketing. They will review it and, if they recommend "
        f"it, the Corporate Director for {request.directorate} decides (para 19). Please don't open the account "
        "until it is approved; I'll message you at each step."))


def question(request: AccountRequest, asker: str, words: str, *, answerable: bool) -> Message:
    """Comms' question: in the request's thread, and to the requester with an Answer button (`answerable`)."""
    head = text(Mention(request.requester_user_id), ": Communications and Marketing (", Mention(asker),
                f") need more information about {request.reference}:")
    blocks: list = [Paragraph(head), Quote(words)]
    if answerable:
        blocks.append(Actions((Action(ANSWER, "Answer", str(request.id), primary=True),)))
    return Message(summary=f"Communications and Marketing need more information about {request.reference}.",
                   blocks=tuple(blocks))


def answer(request: AccountRequest, words: str) -> Message:
    head = text(Mention(request.requester_user_id), f" answered for {request.reference}:")
    return Message(summary=f"The requester answered for {request.reference}.", blocks=(Paragraph(head), Quote(words)))


def decision(request: AccountRequest, account: RegisteredAccount | None) -> Message:
    body: list[Inline] = [f"{request.reference}: {STATUS_LABELS[request.status]} by ", Mention(request.decided_by or ""),
                          "."]
    if request.decision_reason:
        body += [f"\nReason: {request.decision_reason}"]
    if request.status == "approved":
        body += ["\nIt is now in the register of authorised accounts (para 28). Communications and Marketing: add "
                 "the account's handle or URL once it exists."]
    buttons = (Actions((Action(ADD_DETAILS, "Add account details", str(account.id)),)),) if account is not None else ()
    return Message(summary=f"{request.reference}: {STATUS_LABELS[request.status]}.",
                   blocks=(Paragraph(tuple(body)), *buttons))


def requester_decision(request: AccountRequest) -> Message:
    if request.status == "approved":
        return _message(text("Good news: ", Strong(request.reference), " is approved. Communications and Marketing "
                             "will set up access and add the account to the register; the people running it will "
                             "be reminded before its yearly review."))
    reason = f"\nReason: {request.decision_reason}" if request.decision_reason else ""
    return _message(text(Strong(request.reference), f" was {STATUS_LABELS[request.status].lower()}.{reason}"))


def reminder(request: AccountRequest, waiting_on: Inline, days: int) -> Message:
    """`waiting_on`: the director (a mention) or "Communications and Marketing"."""
    return _message(text(Icon("reminder"), f" {request.reference} has been waiting for ", waiting_on, f" for {days} "
                         f"working days ({STATUS_LABELS[request.status].lower()})."))


def overdue(request: AccountRequest, waiting_on: Inline, days: int) -> Message:
    return _message(text(Icon("warning"), f" {request.reference} ({request.platform} account {request.handle}) has "
                         "been waiting for ", waiting_on, f" for {days} working days. Please pick it up in its "
                         "thread."))


def review(account: RegisteredAccount) -> Message:
    return _message(text(f"The authorisation of the council's {account.platform} account ",
                         Strong(account.handle or account.name), " is due for review on "
                         f"{account.review_due.strftime('%d %B %Y')}. Communications and Marketing will be in touch; "
                         "if the account is no longer needed, or who runs it has changed, tell them now."))


def leavers(account: RegisteredAccount) -> Message:
    return _message(text(Icon("warning"), f" Everyone named as running the {account.platform} account ",
                         Strong(account.handle or account.name), f" ({account.service}) has left the council. Name "
                         "new staff, or suspend or close the account."),
                    Actions((Action(EDIT, "Edit", str(account.id)), Action(SUSPEND, "Suspend", str(account.id)),
                             Action(CLOSE, "Close", str(account.id), danger=True))))


def lookup_message(query: str, accounts: list[RegisteredAccount], *, comms: bool) -> Message:
    """Whether an account is an authorised council one (the register lookup); Comms see who runs it."""
    shown = query.strip()[:100]
    if not accounts:
        return _message(text(Icon("warning"), f" No authorised council account matches “{shown}”. If an account "
                             "claims to speak for the council, report it (", Strong("report"),
                             " → Phishing, hacked or fake account)."))
    active = [a for a in accounts if a.status == "active"]
    head = text(Icon("done"), f" {len(active)} authorised council account{'s' if len(active) != 1 else ''} match "
                f"“{shown}”.") if active else text(Icon("warning"), f" “{shown}” matches no active council account.")
    blocks = []
    for account in accounts:
        status = "" if account.status == "active" else f" · {ACCOUNT_STATUS[account.status].upper()}"
        line: list = [Strong(account.handle or account.name), f" on {account.platform} · {account.service} "
                      f"({account.directorate}){status}"]
        if account.url:
            line.append(f"\n{account.url}")
        if comms:
            line += ["\nRun by ", *_people(account.staff_user_ids),
                     f" · approved {account.approval_reference or '—'} · review due "
                     f"{account.review_due.strftime('%d %b %Y')}"]
        blocks.append(Paragraph(tuple(line)))
    return _message(head, *blocks)
