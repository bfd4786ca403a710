"""Corporate social media accounts through the real Bolt app over Slack-signed HTTP, with the stand-in Web
API: request → recommend → approve → register entry; decline, reject, more information, wrong person,
double press and stale message; reminders with a controlled clock; the register lookup for staff and for
Comms; leaver flagging and review reminders. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timezone

import pytest

from bot.scheduler import run_job
from storage.models import AccountEvent, AccountRequest, OutboxMessage, RegisteredAccount
from tests.handlers.test_reports_jobs import Clock
from tests.handlers.test_reports_slack import dms_to, posts_to, settled, wait_until
from tests.support import slack_requests as rq
from tests.support.directory import PEOPLE, load_council, staff_csv

FRIDAY_3PM = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def council(slack_bot, tmp_path):
    load_council(slack_bot.services.engine, slack_bot.fake, tmp_path)
    slack_bot.clock = Clock(FRIDAY_3PM)
    slack_bot.services.clock = slack_bot.clock
    slack_bot.folder = tmp_path
    return slack_bot


def request_values(*, staff=("USAM", "UALEX"), training=True, purpose="Events and opening hours for library users.",
                   directorate="Place", handle="@NottsLibraries"):
    return {"platform": rq.select("Instagram"), "handle": rq.text_input(handle),
            "service": rq.text_input("Libraries"), "directorate": rq.select(directorate),
            "purpose": rq.text_input(purpose),
            "business_case": rq.text_input("Young people are on Instagram, not on the corporate Facebook page."),
            "staff": rq.users_input(list(staff)), "monitoring_hours": rq.text_input("Mon–Sat 9am–5pm"),
            "training": rq.checkboxes(["yes"] if training else [])}


def make_request(bot, user="USAM", **kwargs):
    response = bot.action(rq.view_submission("account_request_submit", request_values(**kwargs), user=user))
    return response


def request_row(bot) -> AccountRequest:
    (request,) = bot.rows(AccountRequest)
    return request


def press(bot, action_id, value, user, channel="CCOMMS"):
    return bot.action(rq.block_action(action_id, value, user=user, channel=channel))


def ephemerals(fake) -> list[str]:
    return [c.params.get("text", "") for c in fake.calls_to("response_url")]


def submit_reason(bot, user, action, target, version, text):
    meta = json.dumps({"action": action, "id": target, "version": version})
    return bot.action(rq.view_submission("account_reason", {"text": rq.text_input(text)}, user=user,
                                         private_metadata=meta))


def root_ts(bot) -> str:
    (row,) = [m for m in bot.rows(OutboxMessage) if m.purpose == "account-request"]
    return row.sent_ts


def submitted(bot) -> AccountRequest:
    make_request(bot)
    wait_until(lambda: posts_to(bot.fake, "CCOMMS"))
    settled(bot)
    return request_row(bot)


def recommended(bot) -> AccountRequest:
    request = submitted(bot)
    press(bot, "account_recommend", f"{request.id}:{request.version}", "UCOMMS")
    wait_until(lambda: request_row(bot).status == "director_review")
    settled(bot)
    wait_until(lambda: any("is recommended" in c.text for c in bot.fake.calls_to("response_url")))
    return request_row(bot)


# ----------------------------------------------------------------------------------------- requesting

def test_request_account_opens_the_form_with_the_directorates(council):
    council.command("/request-account", "", user="USAM")
    view = council.fake.wait_for("views.open")[0].json("view")
    assert view["callback_id"] == "account_request_submit"
    directorate = next(b for b in view["blocks"] if b.get("block_id") == "directorate")
    assert [o["value"] for o in directorate["element"]["options"]] == ["Chief Executive's", "People", "Place"]


def test_bad_requests_are_shown_inline_and_nothing_is_saved(council):
    body = make_request(council, staff=("USAM",), training=False, purpose=" ", handle="").json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"staff", "training", "purpose", "handle"}
    assert "at least two" in body["errors"]["staff"] and "para 26" in body["errors"]["training"]
    assert "directorate" in make_request(council, directorate="Nowhere").json()["errors"]
    assert council.rows(AccountRequest) == [] and council.fake.calls_to("chat.postMessage") == []


def test_request_recommend_approve_and_the_register_entry(council):
    make_request(council)
    root = wait_until(lambda: posts_to(council.fake, "CCOMMS"))[0]
    request = request_row(council)
    assert request.reference.startswith("SMA-2026-") and request.status == "comms_review"
    assert "@NottsLibraries" in root.text and "Recommend to director" in root.text
    receipt = wait_until(lambda: dms_to(council.fake, "USAM"))[0]
    assert request.reference in receipt.text and "don't open the account" in receipt.text
    settled(council)

    press(council, "account_recommend", f"{request.id}:{request.version}", "UCOMMS")
    ask = wait_until(lambda: [c for c in posts_to(council.fake, "CCOMMS") if c.params.get("thread_ts")])[0]
    assert ask.params["thread_ts"] == root_ts(council)
    assert "<@UDIR>" in ask.text and "Approve" in ask.text and "Reject" in ask.text
    update = council.fake.wait_for("chat.update")[0]
    assert update.params["ts"] == root_ts(council) and "With the Corporate Director" in update.text
    assert "account_recommend" not in json.dumps(update.blocks)
    settled(council)
    request = request_row(council)
    assert (request.status, request.director_user_id, request.recommended_by) == ("director_review", "UDIR", "UCOMMS")

    press(council, "account_approve", f"{request.id}:{request.version}", "UDIR")
    wait_until(lambda: council.rows(RegisteredAccount))
    settled(council)
    (entry,) = council.rows(RegisteredAccount)
    assert (entry.platform, entry.name, entry.service, entry.directorate) == ("Instagram", "@NottsLibraries",
                                                                            "Libraries", "Place")
    assert (entry.approval_reference, entry.approved_by, entry.staff_user_ids) == (request.reference, "UDIR",
                                                                                   "USAM,UALEX")
    assert entry.review_due == date(2027, 11, 27) and entry.status == "active"
    told = [c.text for c in dms_to(council.fake, "USAM")]
    assert any("is approved" in t for t in told)
    decision = [c for c in posts_to(council.fake, "CCOMMS") if "Approved by <@UDIR>" in c.text]
    assert decision and decision[0].params["thread_ts"] == root_ts(council)
    assert [e.action for e in council.rows(AccountEvent) if e.request_id] == ["requested", "recommended to director",
                                                                              "approved"]

    # Comms add the handle once the account exists.
    press(council, "account_add_details", str(entry.id), "UCOMMS")
    modal = council.fake.wait_for("views.open")[0].json("view")
    assert modal["callback_id"] == "account_details_submit"
    council.action(rq.view_submission("account_details_submit", {
        "handle": rq.text_input("@nottslibraries"), "url": rq.text_input("https://www.instagram.com/nottslibraries/")},
        user="UCOMMS", private_metadata=str(entry.id)))
    wait_until(lambda: council.rows(RegisteredAccount)[0].url)
    assert council.rows(RegisteredAccount)[0].handle == "@nottslibraries"


def test_only_the_right_people_can_act_and_nothing_changes_otherwise(council):
    request = submitted(council)
    press(council, "account_recommend", f"{request.id}:{request.version}", "UOTHER")
    wait_until(lambda: ephemerals(council.fake))
    assert "Only Communications and Marketing" in ephemerals(council.fake)[0]
    assert request_row(council).status == "comms_review"

    request = request_row(council)
    press(council, "account_recommend", f"{request.id}:{request.version}", "UCOMMS")
    wait_until(lambda: request_row(council).status == "director_review")
    request = request_row(council)
    for intruder in ("UCOMMS", "UOTHER", "USAM"):
        press(council, "account_approve", f"{request.id}:{request.version}", intruder)
    wait_until(lambda: len(ephemerals(council.fake)) >= 5)
    assert sum("Only the Corporate Director for Place can decide this" in t for t in ephemerals(council.fake)) == 3
    press(council, "account_reject", f"{request.id}:{request.version}", "UOTHER")
    wait_until(lambda: len(ephemerals(council.fake)) >= 6)
    assert council.fake.calls_to("views.open") == []  # no reject form for someone who cannot decide
    assert request_row(council).status == "director_review" and council.rows(RegisteredAccount) == []


def test_a_decision_is_final_and_stale_messages_change_nothing(council):
    request = recommended(council)
    value = f"{request.id}:{request.version}"
    press(council, "account_approve", value, "UDIR")
    wait_until(lambda: council.rows(RegisteredAccount))
    press(council, "account_approve", value, "UDIR")
    press(council, "account_reject", value, "UDIR")
    wait_until(lambda: sum("a decision is final" in t for t in ephemerals(council.fake)) == 2)
    assert len(council.rows(RegisteredAccount)) == 1 and request_row(council).status == "approved"


def test_a_press_on_an_out_of_date_message_is_refused(council):
    request = submitted(council)
    stale = f"{request.id}:{request.version}"
    press(council, "account_more_info", stale, "UCOMMS")
    council.fake.wait_for("views.open")
    submit_reason(council, "UCOMMS", "account_more_info", request.id, request.version, "Who covers weekends?")
    wait_until(lambda: request_row(council).status == "more_info")
    answered = council.action(rq.view_submission("account_answer_submit", {"text": rq.text_input("Two of us.")},
                                                 user="USAM", private_metadata=str(request.id)))
    assert answered.status_code == 200
    wait_until(lambda: request_row(council).status == "comms_review")
    press(council, "account_recommend", stale, "UCOMMS")
    wait_until(lambda: any("out of date" in t for t in ephemerals(council.fake)))
    assert request_row(council).status == "comms_review"


def test_more_information_goes_to_the_requester_and_their_answer_is_recorded(council):
    request = submitted(council)
    council.fake.clear()
    press(council, "account_more_info", f"{request.id}:{request.version}", "UCOMMS")
    form = council.fake.wait_for("views.open")[0].json("view")
    assert form["callback_id"] == "account_reason"
    empty = submit_reason(council, "UCOMMS", "account_more_info", request.id, request.version, " ").json()
    assert empty["response_action"] == "errors"
    submit_reason(council, "UCOMMS", "account_more_info", request.id, request.version,
                  "Who will cover the account at weekends?")
    ask = wait_until(lambda: [c for c in dms_to(council.fake, "USAM") if "weekends" in c.text])[0]
    assert "account_answer" in json.dumps(ask.blocks)
    assert any(c.params.get("thread_ts") == root_ts(council) and "weekends" in c.text
               for c in posts_to(council.fake, "CCOMMS"))
    press(council, "account_answer", str(request.id), "USAM", channel="DUSAM")
    assert council.fake.wait_for("views.open", 2)[1].json("view")["callback_id"] == "account_answer_submit"
    refused = council.action(rq.view_submission("account_answer_submit", {"text": rq.text_input("Me!")},
                                                user="UOTHER", private_metadata=str(request.id))).json()
    assert refused["response_action"] == "errors"
    council.action(rq.view_submission("account_answer_submit", {"text": rq.text_input("Alex and I on a rota.")},
                                      user="USAM", private_metadata=str(request.id)))
    wait_until(lambda: any("rota" in c.text and c.params.get("thread_ts") for c in posts_to(council.fake, "CCOMMS")))
    stored = request_row(council)
    assert stored.status == "comms_review"
    assert [(e.action, e.detail) for e in council.rows(AccountEvent)][-1] == ("answered", "Alex and I on a rota.")


def test_decline_and_reject_need_a_reason_and_tell_the_requester(council):
    request = submitted(council)
    submit_reason(council, "UCOMMS", "account_decline", request.id, request.version, "The corporate account covers it.")
    wait_until(lambda: request_row(council).status == "declined")
    assert any("corporate account covers it" in c.text for c in wait_until(
        lambda: [c for c in dms_to(council.fake, "USAM") if "declined" in c.text]))
    assert submit_reason(council, "UCOMMS", "account_decline", request.id, request.version + 1,
                         "again").json()["response_action"] == "errors"

    make_request(council, handle="@NottsYouth")
    second = wait_until(lambda: [r for r in council.rows(AccountRequest) if r.handle == "@NottsYouth"])[0]
    settled(council)
    press(council, "account_recommend", f"{second.id}:{second.version}", "UCOMMS")
    wait_until(lambda: [r for r in council.rows(AccountRequest) if r.id == second.id][0].status == "director_review")
    second = [r for r in council.rows(AccountRequest) if r.id == second.id][0]
    press(council, "account_reject", f"{second.id}:{second.version}", "UDIR")
    assert council.fake.wait_for("views.open")[0].json("view")["callback_id"] == "account_reason"
    refused = submit_reason(council, "UOTHER", "account_reject", second.id, second.version, "No").json()
    assert "Only the Corporate Director" in refused["errors"]["text"]
    submit_reason(council, "UDIR", "account_reject", second.id, second.version, "Not this year.")
    wait_until(lambda: [r for r in council.rows(AccountRequest) if r.id == second.id][0].status == "rejected")
    assert council.rows(RegisteredAccount) == []


def test_a_named_deputy_can_decide(council):
    council.services.settings.director_deputies = "Place=olly@notts.gov.uk"
    request = recommended(council)
    press(council, "account_approve", f"{request.id}:{request.version}", "UOTHER")
    wait_until(lambda: council.rows(RegisteredAccount))
    assert council.rows(RegisteredAccount)[0].approved_by == "UOTHER"


def test_nobody_recommends_or_approves_their_own_request(council):
    from bot.accounts import AccountError

    council.services.settings.director_deputies = "Place=olly@notts.gov.uk"
    make_request(council, user="UCOMMS")  # a member of Comms asks for an account
    wait_until(lambda: council.rows(AccountRequest))
    settled(council)
    request = request_row(council)
    accounts = council.services.accounts
    with pytest.raises(AccountError, match="another member of Communications and Marketing must review it"):
        accounts.recommend(request.id, request.version, "UCOMMS")
    assert request_row(council).status == "comms_review"

    with council.services.engine.begin() as connection:  # the directorate's director asks, and Comms recommend
        connection.exec_driver_sql("UPDATE account_request SET requester_user_id = 'UDIR'")
    accounts.recommend(request.id, request.version, "UCOMMS")
    request = request_row(council)
    assert request.status == "director_review"
    with pytest.raises(AccountError, match="cannot approve it yourself"):
        accounts.approve(request.id, request.version, "UDIR")
    assert request_row(council).status == "director_review" and council.rows(RegisteredAccount) == []
    accounts.approve(request.id, request.version, "UOTHER")  # the named deputy decides instead
    assert request_row(council).status == "approved"


# ------------------------------------------------------------------------------------------ reminders

def test_waiting_requests_are_reminded_in_the_thread_then_flagged(council):
    request = recommended(council)  # waiting on the director from Friday 15:00
    reminders = lambda: [c for c in posts_to(council.fake, "CCOMMS") if "has been waiting" in c.text]  # noqa: E731
    council.clock.now = datetime(2026, 12, 2, 14, 59, tzinfo=timezone.utc)  # Wednesday, 3 working days less 1 min
    assert run_job(council.services, "approval-reminders") == "0 reminded, 0 flagged to Comms"
    council.clock.now = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)
    assert run_job(council.services, "approval-reminders") == "1 reminded, 0 flagged to Comms"
    assert run_job(council.services, "approval-reminders") == "0 reminded, 0 flagged to Comms"
    (reminder,) = reminders()
    assert reminder.params["thread_ts"] == root_ts(council) and "<@UDIR>" in reminder.text
    council.clock.now = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # 3 more working days
    assert run_job(council.services, "approval-reminders") == "0 reminded, 1 flagged to Comms"
    flag = reminders()[1]
    assert not flag.params.get("thread_ts") and request.reference in flag.text and "6 working days" in flag.text


def test_two_schedulers_remind_once(council):
    submitted(council)
    council.clock.now = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
    from bot.services import Services

    others = [Services(council.services.settings, council.services.runtime, clock=council.clock) for _ in range(4)]
    barrier = threading.Barrier(len(others))
    results = []

    def run(services):
        barrier.wait()
        results.append(run_job(services, "approval-reminders"))

    threads = [threading.Thread(target=run, args=(s,)) for s in others]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert sorted(results) == ["0 reminded, 0 flagged to Comms"] * 3 + ["1 reminded, 0 flagged to Comms"]


# ------------------------------------------------------------------------------------------ the register

def approved(bot) -> RegisteredAccount:
    request = recommended(bot)
    press(bot, "account_approve", f"{request.id}:{request.version}", "UDIR")
    wait_until(lambda: bot.rows(RegisteredAccount))
    settled(bot)
    # The director's own confirmation comes last; wait for it, so it is not taken for the next reply.
    wait_until(lambda: any("is approved" in c.text for c in bot.fake.calls_to("response_url")))
    bot.fake.clear()
    return bot.rows(RegisteredAccount)[0]


def lookup(bot, user, text):
    bot.fake.clear()
    bot.command("/accounts", text, user=user)
    return wait_until(lambda: bot.fake.calls_to("response_url"))[0]


def test_accounts_lookup_for_staff_and_for_comms(council):
    entry = approved(council)
    staff_view = lookup(council, "UOTHER", "@NottsLibraries")
    assert "1 authorised council account" in staff_view.text and "Libraries" in staff_view.text
    assert "account_edit" not in json.dumps(staff_view.blocks) and "Run by" not in staff_view.text
    comms_view = lookup(council, "UCOMMS", "nottslibraries")
    assert "Run by <@USAM>, <@UALEX>" in comms_view.text and entry.approval_reference in comms_view.text
    assert {"account_edit", "account_suspend", "account_close"} <= {
        e["action_id"] for b in comms_view.blocks if b["type"] == "actions" for e in b["elements"]}
    unknown = lookup(council, "UOTHER", "https://www.facebook.com/NottsCouncilOfficial")
    assert "No authorised council account matches" in unknown.text and "/report" in unknown.text

    # Comms suspend it (with a reason); staff then see it is not active. Others cannot.
    council.fake.clear()
    press(council, "account_suspend", str(entry.id), "UOTHER")
    wait_until(lambda: ephemerals(council.fake))
    assert "Only Communications and Marketing" in ephemerals(council.fake)[0]
    refused = submit_reason(council, "UOTHER", "account_suspend", entry.id, None, "hm").json()
    assert refused["response_action"] == "errors"
    press(council, "account_suspend", str(entry.id), "UCOMMS")
    council.fake.wait_for("views.open")
    submit_reason(council, "UCOMMS", "account_suspend", entry.id, None, "Password shared outside the team.")
    wait_until(lambda: council.rows(RegisteredAccount)[0].status == "suspended")
    after = lookup(council, "UOTHER", "@NottsLibraries")
    assert "SUSPENDED" in after.text and "matches no active council account" in after.text
    assert [e.action for e in council.rows(AccountEvent) if e.account_id] == ["registered", "suspended"]


def test_the_register_answers_by_url_and_comms_can_edit(council):
    entry = approved(council)
    press(council, "account_edit", str(entry.id), "UCOMMS")
    assert council.fake.wait_for("views.open")[0].json("view")["callback_id"] == "account_details_submit"
    values = {"handle": rq.text_input("@NottsLibraries"), "url": rq.text_input("not a url"),
              "service": rq.text_input("Libraries and Archives"), "staff": rq.users_input(["USAM", "UALEX"]),
              "review_due": rq.date_input("2027-06-30")}
    bad = council.action(rq.view_submission("account_details_submit", values, user="UCOMMS",
                                            private_metadata=str(entry.id))).json()
    assert "url" in bad["errors"]
    values["url"] = rq.text_input("https://www.instagram.com/NottsLibraries/")
    council.action(rq.view_submission("account_details_submit", values, user="UCOMMS", private_metadata=str(entry.id)))
    wait_until(lambda: council.rows(RegisteredAccount)[0].service == "Libraries and Archives")
    assert council.rows(RegisteredAccount)[0].review_due == date(2027, 6, 30)
    by_url = lookup(council, "UOTHER", "instagram.com/nottslibraries")
    assert "1 authorised council account" in by_url.text


def test_leavers_are_flagged_and_named_staff_reminded_before_review(council):
    entry = approved(council)
    from bot.staff import import_staff

    remaining = [p for p in PEOPLE if p[6] not in ("USAM", "UALEX")]
    import_staff(council.services.engine, staff_csv(council.folder / "later.csv", remaining))
    assert run_job(council.services, "account-reviews") == "0 review reminder(s), 1 account(s) flagged for leavers"
    flag = wait_until(lambda: [c for c in posts_to(council.fake, "CCOMMS") if "has left the council" in c.text])[0]
    assert "@NottsLibraries" in flag.text and "account_edit" in json.dumps(flag.blocks)
    assert run_job(council.services, "account-reviews").endswith("0 account(s) flagged for leavers")

    council.clock.now = datetime(2027, 10, 27, 9, 30, tzinfo=timezone.utc)  # a month before 27 Nov 2027
    assert run_job(council.services, "account-reviews").startswith("1 review reminder(s)")
    assert run_job(council.services, "account-reviews").startswith("0 review reminder(s)")
    for user in ("USAM", "UALEX"):
        assert any("due for review on 27 November 2027" in c.text for c in dms_to(council.fake, user))
    assert entry.review_due == date(2027, 11, 27)


def test_the_app_home_button_opens_the_request_form(council):
    council.action(rq.block_action("home_request_account", "account", user="USAM"))
    assert council.fake.wait_for("views.open")[0].json("view")["callback_id"] == "account_request_submit"


def test_request_status_is_for_the_requester_comms_and_the_director(council):
    request = submitted(council)
    for user, sees in (("USAM", True), ("UCOMMS", True), ("UDIR", True), ("UOTHER", False)):
        council.fake.clear()
        council.command("/request-account", f"status {request.reference}", user=user)
        text = wait_until(lambda: council.fake.calls_to("response_url"))[0].text
        assert ("With Communications and Marketing" in text) is sees, user
        assert ("can't find" in text) is not sees, user


def test_a_reply_in_the_thread_by_the_requester_is_their_answer(council):
    request = submitted(council)
    submit_reason(council, "UCOMMS", "account_more_info", request.id, request.version, "Who covers weekends?")
    wait_until(lambda: request_row(council).status == "more_info")
    thread = root_ts(council)
    chatter = rq.message_event("Looks good to me", user="UOTHER", channel="CCOMMS", channel_type="channel",
                               ts="1700009000.000100", thread_ts=thread)
    council.event(chatter)
    reply = rq.message_event("Alex and I share weekends.", user="USAM", channel="CCOMMS", channel_type="channel",
                             ts="1700009000.000200", thread_ts=thread)
    council.event(reply)
    wait_until(lambda: request_row(council).status == "comms_review")
    answers = [(e.actor, e.detail) for e in council.rows(AccountEvent) if e.action == "answered"]
    assert answers == [("USAM", "Alex and I share weekends.")]
    assert wait_until(lambda: [c for c in posts_to(council.fake, "CCOMMS") if "Recorded as <@USAM>'s answer" in c.text])
