"""Reports through the real Bolt app over Slack-signed HTTP, with the stand-in Web API: the modal, inline
validation, each route, the handlers' buttons and who may press them, the shortcut, status and App Home;
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import Session, select

from storage.models import OutboxMessage, Report, ReportAssignment, ReportEvent
from tests.support import slack_requests as rq
from tests.support.directory import load_council


@pytest.fixture
def council(slack_bot, tmp_path):
    load_council(slack_bot.services.engine, slack_bot.fake, tmp_path)
    return slack_bot


def submit(bot, *, user="USAM", kind="misuse", description="A colleague posted a photo of a resident's home "
           "with abusive comments.", link="https://www.facebook.com/some.page/posts/123", involved=(), urgent=False,
           confidential=False, platform="Facebook", happened_on="2026-11-20", metadata="", view_id=None):
    values = {"kind": rq.radio(kind) if kind else {"type": "radio_buttons", "selected_option": None},
              "platform": rq.select(platform) if platform else {"type": "static_select", "selected_option": None},
              "link": rq.text_input(link), "description": rq.text_input(description),
              "happened_on": rq.date_input(happened_on), "involved_users": rq.users_input(list(involved)),
              "involved_text": rq.text_input(None), "urgency": rq.radio("urgent" if urgent else "routine"),
              "confidential": rq.checkboxes(["yes"] if confidential else [])}
    return bot.action(rq.view_submission("report_submit", values, user=user, private_metadata=metadata,
                                         view_id=view_id))


def dms_to(fake, user: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == "D" + user]


def posts_to(fake, channel: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def wait_until(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def settled(bot):
    """Wait until the outbox has nothing left in flight."""
    def idle():
        with Session(bot.services.engine) as session:
            return not session.exec(select(OutboxMessage).where(OutboxMessage.status.in_(["pending", "sending"]))
                                    ).first()
    return wait_until(idle)


def press(bot, action_id: str, report_id: int, user: str, channel: str = "DX"):
    return bot.action(rq.block_action(action_id, str(report_id), user=user, channel=channel))


def ephemerals(fake) -> list[str]:
    return [c.params.get("text", "") for c in fake.calls_to("response_url")]


# ------------------------------------------------------------------------------------------ making one

def test_report_command_opens_the_modal(council):
    response = council.command("/report", "", user="USAM")
    assert response.status_code == 200
    call = council.fake.wait_for("views.open")[0]
    view = call.json("view")
    assert view["callback_id"] == "report_submit" and call.params["trigger_id"]
    assert {b.get("block_id") for b in view["blocks"]} >= {"kind", "platform", "link", "description", "happened_on",
                                                          "involved_users", "urgency", "confidential"}


def test_bad_input_is_shown_inline_and_nothing_is_saved(council):
    response = submit(council, link="not a link", description="   ")
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"link", "description"}
    assert "https://" in body["errors"]["link"]
    too_long = submit(council, description="x" * 3001).json()
    assert too_long["response_action"] == "errors" and "3,000" in too_long["errors"]["description"]
    future = submit(council, happened_on="2099-01-01").json()
    assert "future" in future["errors"]["happened_on"]
    no_kind = submit(council, kind=None).json()
    assert "kind" in no_kind["errors"]
    assert council.rows(Report) == []
    assert council.fake.calls_to("chat.postMessage") == []


def test_misuse_goes_to_the_line_manager_with_a_receipt_for_the_reporter(council):
    response = submit(council)
    body = response.json()
    assert body["response_action"] == "update"
    (report,) = council.rows(Report)
    assert report.reference.startswith("SMR-") and report.reference.endswith("-0001")
    assert report.reference in json.dumps(body["view"])
    manager_dm = wait_until(lambda: dms_to(council.fake, "UMGR"))[0]
    assert report.reference in manager_dm.text and "abusive comments" in manager_dm.text
    assert "<@USAM>" in manager_dm.text  # the handler sees who reported it
    actions = [e["action_id"] for b in manager_dm.blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["report_acknowledge", "report_refer_hr", "report_refer_legal", "report_close_open"]
    receipt = wait_until(lambda: dms_to(council.fake, "USAM"))[0]
    assert report.reference in receipt.text and "line manager" in receipt.text
    settled(council)
    (stored,) = council.rows(Report)
    assert stored.status == "open" and stored.next_reminder_at is not None
    assert [(a.kind, a.target) for a in council.rows(ReportAssignment)] == [("user", "UMGR")]
    # the case message went out only after the report was committed: its outbox row refers to it
    assert {m.ref_id for m in council.rows(OutboxMessage)} == {stored.id}


def test_misuse_skips_a_manager_who_is_involved(council):
    submit(council, involved=["UMGR"])
    wait_until(lambda: dms_to(council.fake, "UDIR"))
    settled(council)
    assert dms_to(council.fake, "UMGR") == []
    (event,) = [e for e in council.rows(ReportEvent) if e.action == "sent to handlers"]
    assert "Morgan Manager is among the people involved" in event.detail


def test_a_reporter_outside_the_directory_goes_to_hr(council):
    council.fake.set_user("UTEMP", "temp@agency.example.com", "Agency Worker")
    submit(council, user="UTEMP")
    hr_post = wait_until(lambda: posts_to(council.fake, "CHR"))[0]
    assert "SMR-" in hr_post.text
    settled(council)
    assert [(a.kind, a.target) for a in council.rows(ReportAssignment)] == [("role", "hr")]


@pytest.mark.parametrize("kind, channels, urgent", [
    ("reputational", ["CCOMMS"], False),
    ("safeguarding", ["CSAFE", "DUMGR"], True),
    ("security", ["CICT", "CCOMMS"], False),
])
def test_each_kind_takes_its_route(council, kind, channels, urgent):
    submit(council, kind=kind)
    for channel in channels:
        wait_until(lambda channel=channel: posts_to(council.fake, channel))
    settled(council)
    (report,) = council.rows(Report)
    assert report.urgent is urgent
    case_posts = [c for c in council.fake.calls_to("chat.postMessage") if c.params["channel"] != "DUSAM"]
    assert sorted(c.params["channel"] for c in case_posts) == sorted(channels)
    if urgent:
        assert all("URGENT" in c.text for c in case_posts)


def test_a_confidential_reporter_is_hidden_in_channels(council):
    submit(council, kind="reputational", confidential=True)
    post = wait_until(lambda: posts_to(council.fake, "CCOMMS"))[0]
    assert "<@USAM>" not in post.text and "shown only to the people handling this case" in post.text
    (report,) = council.rows(Report)
    settled(council)
    press(council, "report_show_reporter", report.id, "UCOMMS", "CCOMMS")
    wait_until(lambda: ephemerals(council.fake))
    assert "<@USAM>" in ephemerals(council.fake)[0]
    press(council, "report_show_reporter", report.id, "UOTHER", "CCOMMS")
    wait_until(lambda: len(ephemerals(council.fake)) == 2)
    assert "<@USAM>" not in ephemerals(council.fake)[1]
    assert [e.actor for e in council.rows(ReportEvent) if e.action == "reporter viewed"] == ["UCOMMS"]


# ------------------------------------------------------------------------------------ handler buttons

def test_acknowledge_updates_the_message_and_tells_the_reporter_and_others_cannot(council):
    submit(council)
    wait_until(lambda: dms_to(council.fake, "UMGR"))
    settled(council)
    (report,) = council.rows(Report)
    council.fake.clear()

    press(council, "report_acknowledge", report.id, "UOTHER")
    wait_until(lambda: ephemerals(council.fake))
    assert "Only the people handling this case" in ephemerals(council.fake)[0]
    assert council.rows(Report)[0].status == "open"

    press(council, "report_acknowledge", report.id, "UMGR")
    update = council.fake.wait_for("chat.update")[0]
    assert "Being handled" in update.text and "report_acknowledge" not in json.dumps(update.blocks)
    told = wait_until(lambda: dms_to(council.fake, "USAM"))[0]
    assert report.reference in told.text and "acknowledged" in told.text
    stored = council.rows(Report)[0]
    assert (stored.status, stored.acknowledged_by, stored.next_reminder_at) == ("acknowledged", "UMGR", None)

    press(council, "report_acknowledge", report.id, "UMGR")
    wait_until(lambda: len(ephemerals(council.fake)) == 3)
    assert "already acknowledged" in ephemerals(council.fake)[2]
    assert len(council.fake.calls_to("chat.update")) == 1


def test_refer_to_hr_and_legal_posts_to_their_channels_and_lets_them_act(council):
    submit(council, kind="reputational")
    wait_until(lambda: posts_to(council.fake, "CCOMMS"))
    settled(council)
    (report,) = council.rows(Report)
    press(council, "report_refer_hr", report.id, "UHR", "CCOMMS")  # HR is not on the case yet
    wait_until(lambda: ephemerals(council.fake))
    assert "Only the people handling" in ephemerals(council.fake)[0]

    press(council, "report_refer_hr", report.id, "UCOMMS", "CCOMMS")
    hr_post = wait_until(lambda: posts_to(council.fake, "CHR"))[0]
    assert "Referred to HR by <@UCOMMS>" in hr_post.text
    press(council, "report_refer_legal", report.id, "UHR", "CHR")  # now HR may act
    wait_until(lambda: posts_to(council.fake, "CLEGAL"))
    press(council, "report_refer_hr", report.id, "UCOMMS", "CCOMMS")
    wait_until(lambda: any("already with HR" in t for t in ephemerals(council.fake)))
    settled(council)
    assert sorted(a.target for a in council.rows(ReportAssignment)) == ["comms", "hr", "legal"]
    actions = [e.action for e in council.rows(ReportEvent)]
    assert actions.count("referred to HR") == 1 and actions.count("referred to Legal") == 1
    assert len(posts_to(council.fake, "CHR")) == 1


def test_close_asks_for_the_outcome_then_closes_for_good(council):
    submit(council)
    wait_until(lambda: dms_to(council.fake, "UMGR"))
    settled(council)
    (report,) = council.rows(Report)
    press(council, "report_close_open", report.id, "UOTHER")
    wait_until(lambda: ephemerals(council.fake))
    assert council.fake.calls_to("views.open") == []

    press(council, "report_close_open", report.id, "UMGR")
    modal = council.fake.wait_for("views.open")[0].json("view")
    assert modal["callback_id"] == "report_close" and modal["private_metadata"] == str(report.id)

    values = {"outcome": rq.select("advice"), "notes": rq.text_input("Spoke to them; post removed.")}
    refused = council.action(rq.view_submission("report_close", values, user="UOTHER",
                                                private_metadata=str(report.id))).json()
    assert refused["response_action"] == "errors" and "Only the people handling" in refused["errors"]["outcome"]
    assert council.rows(Report)[0].status == "open"

    done = council.action(rq.view_submission("report_close", values, user="UMGR", private_metadata=str(report.id)))
    assert done.status_code == 200 and done.content in (b"", b"{}") or "errors" not in done.text
    update = council.fake.wait_for("chat.update")[0]
    assert "Closed" in update.text and "Advice given" in update.text and update.blocks[-1]["type"] != "actions"
    told = wait_until(lambda: [c for c in dms_to(council.fake, "USAM") if "closed" in c.text])[0]
    assert "Advice given" in told.text and "post removed" not in told.text  # notes stay on the record
    stored = council.rows(Report)[0]
    assert (stored.status, stored.outcome, stored.outcome_notes) == ("closed", "advice", "Spoke to them; post removed.")
    press(council, "report_acknowledge", report.id, "UMGR")
    wait_until(lambda: any("already closed" in t for t in ephemerals(council.fake)))


# -------------------------------------------------------------------------------- shortcut and status

def test_report_this_message_prefills_the_link_and_the_quote(council):
    payload = rq.message_shortcut("report_message", user="USAM", channel="C777", message_user="UALEX",
                                  message_text="Look at this <script> from the council page")
    assert council.action(payload).status_code == 200
    council.fake.wait_for("chat.getPermalink")
    view = council.fake.wait_for("views.open")[0].json("view")
    text = json.dumps(view["blocks"])  # what the reporter sees
    assert "https://council.slack.com/archives/C777/p1700000400000100" in text
    assert "&lt;script&gt;" in text and "<script>" not in text and "<@UALEX>" in text
    link_block = next(b for b in view["blocks"] if b.get("block_id") == "link")
    assert link_block["element"]["initial_value"].startswith("https://council.slack.com/archives/C777/")
    metadata = json.loads(view["private_metadata"])
    assert metadata["permalink"].endswith("p1700000400000100")
    submit(council, link=metadata["permalink"], metadata=view["private_metadata"])
    wait_until(lambda: dms_to(council.fake, "UMGR"))
    assert council.rows(Report)[0].source_permalink == metadata["permalink"]


@pytest.mark.parametrize("user, sees", [
    ("USAM", "reporter"), ("UMGR", "handler"), ("UOTHER", "nothing"), ("UHR", "nothing"), ("UADMIN", "status"),
])
def test_report_status_shows_each_person_only_what_they_may_see(council, user, sees):
    submit(council, description="Details only handlers should read.")
    wait_until(lambda: dms_to(council.fake, "UMGR"))
    settled(council)
    reference = council.rows(Report)[0].reference
    council.fake.clear()
    council.command("/report", f"status {reference.lower()}", user=user)
    text = wait_until(lambda: council.fake.calls_to("response_url"))[0].text
    if sees == "nothing":
        assert "can't find a report" in text and "Details only" not in text
    elif sees == "status":
        assert reference in text and "Details only" not in text and "status only" in text
    elif sees == "reporter":
        assert reference in text and "Waiting for the handler" in text and "Morgan" not in text
    else:
        assert reference in text and "Details only handlers should read" in text
    council.command("/report", "status SMR-2026-9999", user=user)
    wait_until(lambda: len(council.fake.calls_to("response_url")) == 2)
    assert "can't find a report" in council.fake.calls_to("response_url")[1].text


def test_app_home_lists_the_cases_a_handler_has(council):
    submit(council, kind="reputational")
    wait_until(lambda: posts_to(council.fake, "CCOMMS"))
    settled(council)
    reference = council.rows(Report)[0].reference
    council.event({"type": "app_home_opened", "user": "UCOMMS", "tab": "home"})
    home = council.fake.wait_for("views.publish")[0]
    assert "Cases you handle" in home.text and reference in home.text
    council.event({"type": "app_home_opened", "user": "UOTHER", "tab": "home"})
    other = council.fake.wait_for("views.publish", 2)[1]
    assert reference not in other.text
    council.event({"type": "app_home_opened", "user": "USAM", "tab": "home"})
    reporter = council.fake.wait_for("views.publish", 3)[2]
    assert "Your reports" in reporter.text and reference in reporter.text and "Cases you handle" not in reporter.text
    council.action(rq.block_action("home_report", "report", user="UOTHER"))
    assert council.fake.wait_for("views.open")[0].json("view")["callback_id"] == "report_submit"


def test_report_help_and_unknown_subcommands_explain_the_command(council):
    response = council.command("/report", "help", user="USAM")
    assert "/report status" in response.text
    response = council.command("/report", "frobnicate", user="USAM")
    assert "I don't know" in response.text


def test_a_replayed_submission_saves_one_report(council):
    first = submit(council, view_id="VREPLAY1")
    assert first.status_code == 200 and first.json()["response_action"] == "update"
    again = submit(council, view_id="VREPLAY1")  # the same signed request, sent again
    assert again.status_code == 200 and again.text == ""
    wait_until(lambda: dms_to(council.fake, "UMGR"))
    settled(council)
    assert len(council.rows(Report)) == 1 and len(dms_to(council.fake, "UMGR")) == 1
    submit(council)  # a new form is a new report
    wait_until(lambda: len(council.rows(Report)) == 2)


@pytest.mark.parametrize("metadata", ["not json {", "12abc", "-1", ""])
def test_a_crafted_close_form_changes_nothing(council, metadata):
    submit(council)
    wait_until(lambda: dms_to(council.fake, "UMGR"))
    settled(council)
    values = {"outcome": rq.select("advice"), "notes": rq.text_input("Nothing to see.")}
    response = council.action(rq.view_submission("report_close", values, user="UMGR", private_metadata=metadata))
    assert response.status_code == 200 and response.json()["response_action"] == "errors"
    assert council.rows(Report)[0].status != "closed"
