"""What the reports workflow says (paras 16, 22 and 30), as platform-neutral messages (`bot.messages`): the case
message the handlers act on, sent to a line manager or a team and updated in place as the case moves on.
The action ids are the bot's own; every platform sends them back when a button is pressed."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.messages import (Action, Actions, Code, Confirm, Context, Excerpt, Fields, Icon, Inline, Link,  # noqa: F401
                          Mention, Message, Paragraph, Quote, Strong, Text, plain, text)
from bot.report_terms import KINDS, OUTCOMES, STATUS_LABELS, TEAM_NAMES
from storage.models import Report

ACK = "report_acknowledge"
REFER_HR = "report_refer_hr"
REFER_LEGAL = "report_refer_legal"
CLOSE = "report_close_open"
SHOW_REPORTER = "report_show_reporter"
CASE_ACTIONS = (ACK, REFER_HR, REFER_LEGAL, CLOSE, SHOW_REPORTER)
DISPLAY_ZONE = ZoneInfo("Europe/London")
LINK_SHOWN, INVOLVED_SHOWN, HISTORY_STEPS = 600, 1500, 8


def when(moment: datetime | None, zone: ZoneInfo = DISPLAY_ZONE) -> str:
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone).strftime("%a %d %b %Y, %H:%M")


def handler(kind: str, target: str) -> Inline:
    """Who handles a case: a person (by their platform id) or a team by name."""
    return Mention(target) if kind == "user" else TEAM_NAMES.get(target, target)


def joined(parts: list[Inline], separator: str = ", ") -> Text:
    out: list[Inline] = []
    for n, part in enumerate(parts):
        if n:
            out.append(separator)
        out.append(part)
    return tuple(out)


def history(events: list[tuple], zone: ZoneInfo, *, shown=lambda actor: True, details: bool = True) -> Context:
    """The latest steps of a case or request, one a line: when · what · who (where `shown`) · detail."""
    parts: list[Inline] = []
    for n, (at, actor, action, detail) in enumerate(events[-HISTORY_STEPS:]):
        parts += (["\n"] if n else []) + [f"{when(at, zone)} · {action}"]
        parts += [" · ", Mention(actor)] if actor and shown(actor) else []
        parts += [f" · {detail}"] if details and detail else []
    return Context(tuple(parts), tail=True)


def case_summary(report: Report) -> str:
    urgent = "URGENT " if report.urgent else ""
    return f"{urgent}{report.reference}: {KINDS.get(report.kind, report.kind)} ({STATUS_LABELS.get(report.status)})"


def case_message(report: Report, *, show_reporter: bool, assigned: list[Inline], events: list[tuple] = (),
                 header: Text | None = None, zone: ZoneInfo = DISPLAY_ZONE) -> Message:
    """The message handlers see (in a DM or a team channel). `assigned`: who handles it; `events`: (when,
    actor, action, detail) for the history line; `header`: why this copy was sent (an escalation, a referral)."""
    kind = KINDS.get(report.kind, report.kind)
    if report.anonymised_at is not None:
        return Message(summary=case_summary(report), blocks=(Paragraph(text(
            Strong(report.reference), f" · {kind} · closed {when(report.closed_at, zone)}\n"
            "Details removed under the retention policy.")),))
    flag = (Icon("urgent"), " ", Strong("URGENT"), " · ") if report.urgent else ()
    title = text(*flag, Strong(report.reference), f" · {kind}")
    blocks: list = [Paragraph(text(*header, "\n", *title) if header else title),
                    Quote(report.description, heading=text(Strong("What happened")))]
    if report.source_permalink:
        blocks.append(Context(text("Reported from a Slack message: ", Link(report.source_permalink, "open it"))))
    rows: list[tuple[str, Text]] = []
    if report.platform:
        rows.append(("Where", text(report.platform)))
    if report.link:
        rows.append(("Link", text(Excerpt(report.link, LINK_SHOWN))))
    if report.happened_on:
        rows.append(("When", text(report.happened_on.strftime("%a %d %b %Y"))))
    involved: list[Inline] = [Mention(u) for u in report.involved_users.split(",") if u]
    if report.involved_text:
        involved.append(Excerpt(report.involved_text, INVOLVED_SHOWN))
    if involved:
        rows.append(("Involved", joined(involved)))
    if show_reporter:
        rows.append(("Reported by", text(Mention(report.reporter_user_id), " (asked for their name to be shown "
                                         "only to case handlers)" if report.confidential else "")))
    else:
        rows.append(("Reported by", text("shown only to the people handling this case")))
    rows.append(("Reported", text(when(report.created_at, zone))))
    blocks.append(Fields(tuple(rows)))

    state: list[Inline] = [Strong("Status:"), f" {STATUS_LABELS.get(report.status, report.status)}"]
    if report.acknowledged_at and report.status != "closed":
        state += [" · acknowledged by ", Mention(report.acknowledged_by or ""), f" {when(report.acknowledged_at, zone)}"]
    if report.status == "closed":
        state += [f" · {OUTCOMES.get(report.outcome or '', report.outcome or '')} · closed by ",
                  Mention(report.closed_by or ""), f" {when(report.closed_at, zone)}"]
    state += ["\n", Strong("Handled by:"), " ", *(joined(assigned) if assigned else ("—",))]
    blocks.append(Paragraph(tuple(state)))
    if events:
        # The reporter's own steps do not name them where they are hidden.
        blocks.append(history(events, zone, shown=lambda actor: show_reporter or actor != report.reporter_user_id))
    if report.status != "closed":
        value = str(report.id)
        buttons = [Action(ACK, "Acknowledge", value, primary=True)] if report.status in ("open", "submitted") else []
        buttons += [Action(REFER_HR, "Refer to HR", value), Action(REFER_LEGAL, "Refer to Legal", value),
                    Action(CLOSE, "Close…", value, dialog=True)]
        if not show_reporter:
            buttons.append(Action(SHOW_REPORTER, "Show reporter", value, confirm=Confirm(
                "Show the reporter?", "The reporter's name is shown only to you, and the viewing is recorded on "
                "the case.", "Show me", "Cancel")))
        blocks.append(Actions(tuple(buttons), group=f"case_{report.id}"))
    return Message(summary=case_summary(report), blocks=tuple(blocks))


def update_for_reporter(*parts: Inline) -> Message:
    """A short message to the person who reported (received, acknowledged, passed on, closed)."""
    body = text(*parts)
    return Message(summary=plain(body), blocks=(Paragraph(body),))


def receipt(report: Report, routed_to: Text) -> Message:
    return update_for_reporter(
        "Thank you. Your report ", Strong(report.reference), f" ({KINDS[report.kind]}) has been received.\n",
        *routed_to, "\nI'll message you when its status changes; ", Code(f"/report status {report.reference}"),
        " shows it at any time.", "\nIf anyone is in immediate danger, call 999." if report.kind == "safeguarding"
        else "")


def route_description(handlers: list[Inline]) -> Text:
    """Where a case has gone, in the reporter's words ("It has gone to your line manager.")."""
    if not handlers:
        return text("It is being passed to the right people now.")
    return text("It has gone to ", *joined(list(dict.fromkeys(handlers)), " and "), ".")


def reminder(report: Report, reported: str, hours: float) -> Message:
    body = text(Icon("reminder"), " ", Strong(report.reference), f" has not been acknowledged yet (reported "
                f"{reported}). Please acknowledge it, or refer it on. It will be escalated after another {hours:g} "
                "working hours.")
    return Message(summary=plain(body).strip(), blocks=(Paragraph(body),))


def admin_alert(words: str) -> Message:
    """A problem for the bot's operators (routing that found nobody, a case that could not be processed)."""
    body = text(Icon("warning"), " ", words)
    return Message(summary=words, blocks=(Paragraph(body),))
