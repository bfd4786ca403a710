"""Microsoft Teams, end to end: activities posted to the bot's real `/api/messages` endpoint as Teams sends them
(signed with a Bot Framework JWT by the stand-in's key), the stand-in Bot Connector at the activity's
serviceUrl, and the rows the bot stores. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest

from storage.models import AnswerVote, Handoff, Identity, OutboxMessage, Question, TeamsConversation
from tests.support.bot_connector import (APP_ID, FakeConnector, card_action, channel_mention, install,
                                         personal_message)
from tests.support.directory import staff_csv
from tests.support.serving import client

FACEBOOK = "Who has to approve a new council Facebook page?"


class TeamsBot:
    def __init__(self, services, connector, url):
        self.services, self.connector = services, connector
        self.http = client(url)

    def post(self, activity: dict, *, token: str | None = "sign", headers: dict | None = None):
        sent = dict(headers or {})
        if token == "sign":
            token = self.connector.sign(service_url=activity.get("serviceUrl"))
        if token:
            sent["Authorization"] = f"Bearer {token}"
        response = self.http.post("/api/messages", content=json.dumps(activity), headers={
            "Content-Type": "application/json", **sent})
        if response.headers.get("content-type", "").startswith("application/json"):
            from tests.support.cards import cards_in, problems

            found = [p for card in cards_in(response.json()) for p in problems(card)]
            assert not found, f"the bot answered with an invalid card: {found}"
        return response

    def rows(self, model):
        from sqlmodel import Session, select

        with Session(self.services.engine) as session:
            return list(session.exec(select(model).order_by(*model.__table__.primary_key.columns)).all())

    def idle(self) -> None:
        """Until the bot has finished the work the activities so far handed to its worker threads."""
        assert self.services.wait_idle(timeout=15.0), "the bot's deferred work did not finish"


@pytest.fixture
def connector():
    with FakeConnector() as fake:
        yield fake
        assert not fake.card_problems, f"the bot sent invalid cards: {fake.card_problems}"


@pytest.fixture
def teams_bot(served_database_url, connector, fake_slack, tmp_path):
    bots = _teams_bot(served_database_url, connector, fake_slack, tmp_path)
    bot = next(bots)
    yield bot
    bot.close()


def _teams_bot(database_url, connector, fake_slack, tmp_path, comms_channel="CCOMMS", slack=True, **extra):
    from bot.server import create_web_app, prepare
    from bot.services import Services
    from bot.settings import load_settings
    from bot.staff import import_staff
    from handlers.slack.app import create_app
    from tests.support.serving import ServedApp
    from tests.support.slack_requests import SIGNING_SECRET

    on_slack = dict(slack_bot_token="xoxb-test-token", slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=fake_slack.base_url) if slack else {}
    settings = load_settings(database_url=database_url, embeddings="none", **on_slack,
                             comms_channel=comms_channel, admin_channel="CADMIN", teams_app_id=APP_ID,
                             teams_app_password="app-password",
                             teams_keys_url=connector.keys_url, teams_token_url=connector.token_url, **extra)
    services = Services(settings)
    prepare(services)
    assert import_staff(services.engine, staff_csv(tmp_path / "staff.csv")).applied
    connector.add_member("29:sam", "sam@notts.gov.uk", "Sam Staff")
    served = ServedApp(create_web_app(services, create_app(services) if slack else None))
    bot = TeamsBot(services, connector, served.url)

    def close():
        bot.http.close()
        served.stop()
        services.close()

    bot.close = close
    yield bot


def _routed_case(bot, connector, reporter: str, description: str, platform: str = "Facebook"):
    """A misuse report by `reporter`, routed; the case card that reached the manager's Teams chat."""
    from bot import reports
    from bot.reports import ReportInput

    services = bot.services
    report = reports.submit(services.engine, ReportInput(kind="misuse", platform=platform, link=None,
                                                         description=description, happened_on=None),
                            reporter_user_id=reporter, reporter_name="Sam Staff")
    services.outbox.deliver(services.cases.route(report.id))
    (case,) = connector.wait_for(lambda c: c.method == "POST" and c.conversation == "a:personal-mgr"
                                 and report.reference in c.text)
    return report, case


def posted(connector, conversation: str):
    return connector.wait_for(lambda c: c.method == "POST" and c.path.endswith("/activities")
                              and c.conversation == conversation)


def test_a_personal_question_is_answered_with_a_card_and_the_asker_is_matched_to_the_directory(teams_bot,
                                                                                                connector):
    response = teams_bot.post(personal_message(FACEBOOK, service_url=connector.service_url))
    assert response.status_code == 200
    (reply,) = posted(connector, "a:personal-sam")
    card = reply.card
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert "Social Media Policy · para 19" in reply.text and "Corporate Director" in reply.text
    verbs = [a["verb"] for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    assert verbs == ["answer_helpful", "answer_not_helpful", "answer_ask_comms"]
    assert reply.token == "connector-token"  # the bot's own token for the Bot Connector
    assert len(json.dumps(card).encode()) < 28_000
    (question,) = teams_bot.rows(Question)
    assert (question.surface, question.user_id, question.chat_platform) == ("dm", "29:sam", "teams")
    (conversation,) = teams_bot.rows(TeamsConversation)
    assert conversation.service_url == connector.service_url and conversation.user_id == "29:sam"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not teams_bot.rows(Identity):
        time.sleep(0.01)
    (identity,) = [i for i in teams_bot.rows(Identity) if i.platform == "teams"]
    assert identity.user_id == "29:sam" and "a:personal-sam" in identity.conversation
    deadline = time.monotonic() + 5  # the connector has the card; the bot marks it sent when the call returns
    while time.monotonic() < deadline and [r.status for r in teams_bot.rows(OutboxMessage)] != ["sent"]:
        time.sleep(0.01)
    assert [r.status for r in teams_bot.rows(OutboxMessage)] == ["sent"]


def test_unsigned_wrongly_signed_and_foreign_activities_are_refused_and_change_nothing(teams_bot, connector):
    from cryptography.hazmat.primitives.asymmetric import rsa

    activity = personal_message(FACEBOOK, service_url=connector.service_url)
    assert teams_bot.post(activity, token=None).status_code == 401
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert teams_bot.post(activity, token=connector.sign(key=other_key)).status_code == 401
    assert teams_bot.post(activity, token=connector.sign(audience="someone-else")).status_code == 401
    assert teams_bot.post(activity, token=connector.sign(expires_in=-3600)).status_code == 401
    # A token issued for another service URL does not vouch for this activity's.
    assert teams_bot.post(activity, token=connector.sign(service_url="https://evil.example/")).status_code == 401
    assert teams_bot.http.post("/api/messages", content="not json", headers={
        "Authorization": f"Bearer {connector.sign()}"}).status_code == 400
    assert teams_bot.rows(Question) == [] and teams_bot.rows(TeamsConversation) == []
    assert connector.calls == []
    # A token already checked is trusted again only for the service URL it names.
    token = connector.sign()
    assert teams_bot.post(activity, token=token).status_code == 200
    moved = personal_message(FACEBOOK, service_url="https://evil.example/")
    assert teams_bot.post(moved, token=token).status_code == 401
    posted(connector, "a:personal-sam")  # the accepted activity, answered
    assert [c.service_url for c in teams_bot.rows(TeamsConversation)] == [connector.service_url]


def test_a_redelivered_activity_is_answered_once(teams_bot, connector):
    activity = personal_message(FACEBOOK, service_url=connector.service_url, activity_id="act-1")
    assert teams_bot.post(activity).status_code == 200
    assert teams_bot.post(activity).status_code == 200
    posted(connector, "a:personal-sam")
    teams_bot.idle()
    assert len(teams_bot.rows(Question)) == 1
    assert len([c for c in connector.calls if c.method == "POST" and c.path.endswith("/activities")]) == 1


def test_a_channel_mention_is_answered_in_its_thread_without_the_mention_text(teams_bot, connector):
    activity = channel_mention("who signs off a new Instagram account?", service_url=connector.service_url)
    assert teams_bot.post(activity).status_code == 200
    (reply,) = posted(connector, "19:general@thread.tacv2;messageid=1700000000001")
    assert "para 19" in reply.text
    (question,) = teams_bot.rows(Question)
    assert question.text == "who signs off a new Instagram account?" and question.surface == "mention"


def test_a_vote_updates_the_card_in_place_and_is_kept_once_per_person(teams_bot, connector):
    teams_bot.post(personal_message(FACEBOOK, service_url=connector.service_url))
    posted(connector, "a:personal-sam")
    question_id = str(teams_bot.rows(Question)[0].id)
    response = teams_bot.post(card_action("answer_helpful", question_id, service_url=connector.service_url))
    assert response.status_code == 200
    body = response.json()
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "your vote (helpful) is recorded" in json.dumps(body["value"])
    again = teams_bot.post(card_action("answer_helpful", question_id, service_url=connector.service_url)).json()
    assert "already marked this helpful" in json.dumps(again["value"])
    assert [(v.user_id, v.helpful) for v in teams_bot.rows(AnswerVote)] == [("29:sam", True)]
    # Someone else cannot vote on Sam's private answer; a crafted value changes nothing.
    other = teams_bot.post(card_action("answer_helpful", question_id, user="29:alex",
                                       service_url=connector.service_url)).json()
    assert "no longer on record" in other["value"]
    crafted = teams_bot.post(card_action("answer_helpful", "1;DROP", service_url=connector.service_url)).json()
    assert "no longer on record" in crafted["value"]
    assert len(teams_bot.rows(AnswerVote)) == 1


def test_ask_comms_from_teams_reaches_the_comms_channel(teams_bot, connector, fake_slack):
    teams_bot.post(personal_message("How much sick pay do I get?", service_url=connector.service_url))
    posted(connector, "a:personal-sam")
    question_id = str(teams_bot.rows(Question)[0].id)
    body = teams_bot.post(card_action("answer_ask_comms", question_id, service_url=connector.service_url)).json()
    assert "passed your question" in body["value"]
    to_comms = fake_slack.wait_for("chat.postMessage")[0]
    assert to_comms.params["channel"] == "CCOMMS" and "Sam Staff passed on a question" in to_comms.text  # named: Slack cannot mention a Teams user
    assert "<@29:sam>" not in to_comms.text
    assert len(teams_bot.rows(Handoff)) == 1


def test_install_records_the_person_and_sends_a_welcome_card(teams_bot, connector):
    assert teams_bot.post(install(service_url=connector.service_url)).status_code == 200
    (welcome,) = posted(connector, "a:personal-sam")
    assert "Social Media Policy assistant" in welcome.body.get("summary", "") or "Social Media Policy" in welcome.text
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not teams_bot.rows(Identity):
        time.sleep(0.01)
    assert [(i.platform, i.user_id) for i in teams_bot.rows(Identity)] == [("teams", "29:sam")]


def test_throttling_is_retried_and_a_blocked_user_is_failed_for_good(teams_bot, connector):
    connector.fail("POST", 429, retry_after=0)
    teams_bot.post(personal_message(FACEBOOK, service_url=connector.service_url))
    posts = connector.wait_for(lambda c: c.method == "POST" and c.path.endswith("/activities") and c.card)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(posts) < 2:
        posts = [c for c in connector.calls if c.method == "POST" and c.path.endswith("/activities")]
        time.sleep(0.01)
    assert len(posts) == 2  # the 429, then the answer
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and teams_bot.rows(OutboxMessage)[0].status != "sent":
        time.sleep(0.01)
    assert teams_bot.rows(OutboxMessage)[0].status == "sent"

    connector.fail("POST", 403)
    teams_bot.post(personal_message("Can I post photos of children?", service_url=connector.service_url))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(r.status == "failed" for r in teams_bot.rows(OutboxMessage)):
        time.sleep(0.01)
    failed = [r for r in teams_bot.rows(OutboxMessage) if r.status == "failed"]
    assert len(failed) == 1 and "403" in failed[0].last_error and failed[0].attempts == 1
    (sam,) = [i for i in teams_bot.rows(Identity) if i.platform == "teams"]
    assert sam.unreachable_at is not None  # flagged: nudges no longer go to this chat
    alerts = [r for r in teams_bot.rows(OutboxMessage) if r.purpose == "admin-alert"]
    assert len(alerts) >= 1 and all("cannot be reached there" in r.text for r in alerts)
    connector.fail("POST", 403)
    from sqlmodel import Session

    from bot.messages import Message

    services = teams_bot.services
    with Session(services.engine) as session:  # a message the bot starts (a reminder), to the flagged person
        proactive = services.cases.enqueue(session, channel="29:sam", content=Message(summary="A reminder"),
                                           purpose="reminder").id
        session.commit()
    services.outbox.deliver([proactive])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sum(r.status == "failed" for r in teams_bot.rows(OutboxMessage)) < 2:
        time.sleep(0.01)
    assert sum(r.status == "failed" for r in teams_bot.rows(OutboxMessage)) == 2
    # Flagged once: the later failure raised no new alert.
    assert [r.id for r in teams_bot.rows(OutboxMessage) if r.purpose == "admin-alert"] == [r.id for r in alerts]
    teams_bot.post(install(service_url=connector.service_url))  # they open the bot again: reachable once more
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and [i for i in teams_bot.rows(Identity) if i.platform == "teams"][0].unreachable_at:
        time.sleep(0.01)
    assert [i for i in teams_bot.rows(Identity) if i.platform == "teams"][0].unreachable_at is None


def test_the_teams_endpoint_is_off_without_an_app_id(slack_bot):
    response = slack_bot.http.post("/api/messages", content="{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 404


def test_a_training_nudge_reaches_a_person_known_only_on_teams_and_their_press_completes_it(teams_bot, connector,
                                                                                          fake_slack):
    from datetime import date, datetime, timezone

    from bot.scheduler import run_job
    from storage.models import TrainingAssignment
    from tests.support.services import Clock

    fake_slack.unknown_email("sam@notts.gov.uk")  # Sam is on Teams only; everyone else is on Slack
    assert teams_bot.post(install(service_url=connector.service_url)).status_code == 200
    posted(connector, "a:personal-sam")  # the welcome card
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not teams_bot.rows(Identity):
        time.sleep(0.01)
    services = teams_bot.services
    services.clock = Clock(datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc))  # a Monday, in working hours
    campaign, assigned = services.training.start(name="Social media awareness 2026", url="https://learn.example/sm",
                                                 due=date(2026, 12, 14), directorate=None, created_by="UHR")
    assert assigned > 1
    run_job(services, "training-nudges")
    nudges = [r for r in teams_bot.rows(OutboxMessage) if r.purpose == "nudge-training"]
    assert [(r.platform, r.channel) for r in nudges if r.platform == "teams"] == [("teams", "a:personal-sam")]
    assert len(nudges) == assigned and all(r.channel.startswith("U") for r in nudges if r.platform == "slack")
    (card,) = connector.wait_for(lambda c: c.method == "POST" and "completed" in c.text)
    verbs = {a.get("verb"): a.get("data", {}).get("value") for b in card.card["body"] if b["type"] == "ActionSet"
             for a in b["actions"]}
    assert verbs.get("training_done") == str(campaign.id)
    done = teams_bot.post(card_action("training_done", str(campaign.id), service_url=connector.service_url)).json()
    assert done["statusCode"] == 200 and "Thank" in done["value"]
    sam = [a for a in teams_bot.rows(TrainingAssignment) if a.status == "completed"]
    assert len(sam) == 1 and sam[0].completed_via
    other = teams_bot.post(card_action("training_done", str(campaign.id), user="29:stranger",
                                       service_url=connector.service_url)).json()
    assert "Thank" not in other["value"]


def test_a_case_reaches_a_line_manager_on_teams_who_acknowledges_and_closes_it_there(teams_bot, connector,
                                                                                   fake_slack):
    from storage.models import Report

    for email in ("sam@notts.gov.uk", "mgr@notts.gov.uk"):
        fake_slack.unknown_email(email)  # both on Teams only
    connector.add_member("29:mgr", "mgr@notts.gov.uk", "Morgan Manager")
    for user, chat in (("29:sam", "a:personal-sam"), ("29:mgr", "a:personal-mgr")):
        teams_bot.post(install(user=user, conversation=chat, service_url=connector.service_url))
        posted(connector, chat)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(teams_bot.rows(Identity)) < 2:
        time.sleep(0.01)
    report, case = _routed_case(teams_bot, connector, "29:sam", "A colleague posted a resident's address.")
    verbs = _verbs(case.card)
    assert {"report_acknowledge", "report_close_open"} <= set(verbs)
    (close_button,) = [a for b in case.card["body"] if b["type"] == "ActionSet" for a in b["actions"]
                       if a["type"] == "Action.Submit"]
    assert close_button["data"]["msteams"] == {"type": "task/fetch"}  # Close opens a dialog
    assert connector.wait_for(lambda c: c.method == "POST" and c.conversation == "a:personal-sam"
                              and report.reference in c.text)  # the receipt, in the reporter's chat

    refused = teams_bot.post(card_action("report_acknowledge", str(report.id), user="29:sam",
                                         service_url=connector.service_url)).json()
    assert teams_bot.rows(Report)[0].status == "open" and "acknowledged" not in refused["value"].lower()[:12]
    done = teams_bot.post(card_action("report_acknowledge", str(report.id), user="29:mgr",
                                      conversation="a:personal-mgr", service_url=connector.service_url)).json()
    assert teams_bot.rows(Report)[0].status == "acknowledged", done
    assert connector.wait_for(lambda c: c.method == "PUT" and c.conversation == "a:personal-mgr")  # in place

    refused = _dialog(teams_bot, connector, "task/fetch", close_button["data"])  # Sam does not handle the case
    assert refused["task"]["type"] == "message"
    opened = _dialog(teams_bot, connector, "task/fetch", close_button["data"], user="29:mgr",
                     conversation="a:personal-mgr")
    form = opened["task"]["value"]["card"]["content"]
    choices = [c["value"] for b in form["body"] if b["type"] == "Input.ChoiceSet" for c in b["choices"]]
    (submit,) = form["actions"]
    again = _dialog(teams_bot, connector, "task/submit", {**submit["data"], "outcome": ""}, user="29:mgr",
                    conversation="a:personal-mgr")
    assert "Choose an outcome" in json.dumps(again) and teams_bot.rows(Report)[0].status == "acknowledged"
    closed = _dialog(teams_bot, connector, "task/submit", {**submit["data"], "outcome": choices[0],
                                                           "notes": "Spoken to; post removed."},
                     user="29:mgr", conversation="a:personal-mgr")
    assert closed["task"]["type"] == "message" and teams_bot.rows(Report)[0].status == "closed"


def test_commands_and_the_report_form_with_field_errors_and_one_case_per_submission(teams_bot, connector):
    from storage.models import Report

    for command, expected in (("help", "Commands"), ("my training", "no social media training"),
                              ("accounts @NottsCC", "No authorised council account"),
                              ("request account", "Request a new council social media account")):
        teams_bot.post(personal_message(command, service_url=connector.service_url))
        connector.wait_for(lambda c, expected=expected: c.method == "POST" and expected in c.text)
    teams_bot.post(personal_message("report", service_url=connector.service_url))
    (form,) = connector.wait_for(lambda c: c.method == "POST" and "Report a concern" in c.text)
    ids = [b.get("id") for b in form.card["body"]]
    assert {"kind", "description", "link", "happened_on"} <= set(ids)
    assert teams_bot.rows(Question) == []  # commands are not questions

    bad = card_action("report_submit", "", service_url=connector.service_url)
    bad["value"]["action"]["data"].update({"kind": "misuse", "description": "", "link": "not a link",
                                           "happened_on": "2999-01-01"})
    shown = teams_bot.post(bad).json()
    assert shown["type"] == "application/vnd.microsoft.card.adaptive"
    errors = [b["text"] for b in shown["value"]["body"] if b.get("color") == "Attention"]
    assert any("Say what happened" in e for e in errors) and any("web link" in e for e in errors)
    assert any("future" in e for e in errors) and teams_bot.rows(Report) == []

    good = card_action("report_submit", "", service_url=connector.service_url)
    good["value"]["action"]["data"].update({"kind": "reputational", "platform": "Facebook",
                                            "description": "A fake council page <b>is</b> asking for bank details."})
    thanks = teams_bot.post(good).json()
    assert "is received" in thanks["value"]
    assert "already received" in teams_bot.post(good).json()["value"]  # the same submission again
    (report,) = teams_bot.rows(Report)
    assert (report.kind, report.reporter_user_id) == ("reputational", "29:sam")


def test_report_this_message_opens_a_prefilled_dialog_and_saves_the_case_with_the_message(teams_bot, connector):
    from storage.models import Report
    from tests.support.bot_connector import message_action

    opened = teams_bot.post(message_action("composeExtension/fetchTask", service_url=connector.service_url)).json()
    card = opened["task"]["value"]["card"]["content"]
    assert "resident" in json.dumps(card) and "<b>" not in json.dumps(card)
    (submit,) = card["actions"]
    assert submit["type"] == "Action.Submit"
    data = {**submit["data"], "kind": "misuse", "description": ""}
    again = teams_bot.post(message_action("composeExtension/submitAction", data=data,
                                          service_url=connector.service_url)).json()
    assert again["task"]["type"] == "continue" and "Say what happened" in json.dumps(again)
    data["description"] = "A colleague shared a resident's address in a public channel."
    done = teams_bot.post(message_action("composeExtension/submitAction", data=data,
                                         service_url=connector.service_url)).json()
    assert done["task"]["type"] == "message" and "is received" in done["task"]["value"]
    (report,) = teams_bot.rows(Report)
    assert report.source_permalink == "https://teams.microsoft.com/l/message/x/1"
    assert "12 High St" in report.source_text and report.reporter_user_id == "29:sam"


def test_comms_in_a_teams_channel_answer_a_teams_askers_question_and_it_is_saved(
        served_database_url, connector, fake_slack, tmp_path):
    from storage.models import SavedAnswer
    from tests.support.bot_connector import APP_ID as BOT

    comms_channel = "19:comms@thread.tacv2"
    bot = next(_teams_bot(served_database_url, connector, fake_slack, tmp_path, comms_channel=comms_channel))
    try:
        connector.add_member("29:casey", "casey@notts.gov.uk", "Casey Comms")
        bot.post({"type": "conversationUpdate", "id": "cu-1", "serviceUrl": connector.service_url,
                  "channelId": "msteams", "from": {"id": "29:casey"}, "recipient": {"id": "28:" + BOT},
                  "membersAdded": [{"id": "28:" + BOT}],
                  "conversation": {"id": comms_channel, "conversationType": "channel", "tenantId": "tenant-1"}})
        bot.post(install(user="29:casey", conversation="a:personal-casey", service_url=connector.service_url))
        posted(connector, "a:personal-casey")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not bot.rows(Identity):
            time.sleep(0.01)
        bot.post(personal_message("How much sick pay do I get?", service_url=connector.service_url))
        posted(connector, "a:personal-sam")
        question_id = str(bot.rows(Question)[0].id)
        bot.post(card_action("answer_ask_comms", question_id, service_url=connector.service_url))
        (handoff_card,) = connector.wait_for(lambda c: c.method == "POST" and c.conversation == comms_channel
                                             and "Assign to me" in c.text)
        value = {a["verb"]: a["data"]["value"] for b in handoff_card.card["body"] if b["type"] == "ActionSet"
                 for a in b["actions"]}["handoff_answer"]
        refused = bot.post(card_action("handoff_answer", value, user="29:sam", conversation=comms_channel,
                                       service_url=connector.service_url)).json()
        assert "Only Communications and Marketing" in refused["value"]
        form = bot.post(card_action("handoff_answer", value, user="29:casey", conversation=comms_channel,
                                    service_url=connector.service_url)).json()
        assert form["type"] == "application/vnd.microsoft.card.adaptive"
        submit = card_action("handoff_answer_submit", value, user="29:casey", conversation=comms_channel,
                             service_url=connector.service_url)
        submit["value"]["action"]["data"].update({"answer": "", "save": "true", "wording": "sick pay"})
        again = bot.post(submit).json()
        assert "Write the answer" in json.dumps(again["value"])
        submit["value"]["action"]["data"].update({"answer": "See the Attendance Management Policy, section 4."})
        done = bot.post(submit).json()
        assert "saved for future questions" in done["value"]
        reply = connector.wait_for(lambda c: c.method == "POST" and c.conversation == "a:personal-sam"
                                   and "answered your question" in c.text)
        assert "Attendance Management Policy" in reply[0].text
        assert connector.wait_for(lambda c: c.method == "PUT" and c.conversation == comms_channel)
        assert [s.approved_by_name for s in bot.rows(SavedAnswer)] == ["Casey Comms"]

        # Comms keep saved answers from Teams too: Edit and Retire, for Comms only.
        (saved,) = bot.rows(SavedAnswer)
        bot.post(personal_message("saved answers", user="29:casey", conversation="a:personal-casey",
                                  service_url=connector.service_url))
        (listed,) = connector.wait_for(lambda c: c.method == "POST" and c.conversation == "a:personal-casey"
                                       and "Saved answers" in c.text)
        buttons = {a["verb"]: a["data"]["value"] for b in listed.card["body"] if b["type"] == "Container"
                   for i in b["items"] if i["type"] == "ActionSet" for a in i["actions"]}
        assert buttons == {"saved_answer_edit": str(saved.id), "saved_answer_retire": str(saved.id)}

        def press(verb, user="29:casey", **data):
            activity = card_action(verb, str(saved.id), user=user, conversation="a:personal-casey",
                                   service_url=connector.service_url)
            activity["value"]["action"]["data"].update(data)
            return bot.post(activity).json()

        assert "Only Communications and Marketing" in press("saved_answer_retire_confirm", user="29:sam")["value"]
        assert "sick pay" in json.dumps(press("saved_answer_edit")["value"])
        bad = press("saved_answer_edit_submit", wording="sick pay", answer="")
        assert "Not saved" in json.dumps(bad["value"]) and bot.rows(SavedAnswer)[0].answer.startswith("See the")
        edited = press("saved_answer_edit_submit", wording="How much sick pay do I get?",
                       answer="See the Attendance Management Policy, section 5.")
        assert "is updated" in json.dumps(edited["value"])
        assert bot.rows(SavedAnswer)[0].answer.endswith("section 5.")
        assert "Retire saved answer" in json.dumps(press("saved_answer_retire")["value"])
        assert bot.rows(SavedAnswer)[0].status == "active"  # asked to confirm first
        assert "is retired" in json.dumps(press("saved_answer_retire_confirm")["value"])
        assert bot.rows(SavedAnswer)[0].status == "retired"
        assert "no longer in use" in press("saved_answer_retire_confirm")["value"]
    finally:
        bot.close()


def test_a_mention_later_in_the_thread_is_a_follow_up_with_the_threads_question(teams_bot, connector):
    first = channel_mention("Can my team open a new Instagram account?", service_url=connector.service_url,
                            activity_id="1700000000100")
    teams_bot.post(first)
    posted(connector, "19:general@thread.tacv2;messageid=1700000000100")
    follow = channel_mention("and who signs it off in the end?", service_url=connector.service_url,
                             activity_id="1700000000200")
    follow["conversation"]["id"] = "19:general@thread.tacv2;messageid=1700000000100"  # a reply in that thread
    teams_bot.post(follow)
    replies = connector.wait_for(lambda c: c.method == "POST" and c.path.endswith("/activities")
                                 and c.conversation == "19:general@thread.tacv2;messageid=1700000000100")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(replies) < 2:
        replies = [c for c in connector.calls if c.method == "POST" and c.path.endswith("/activities")
                   and c.conversation == "19:general@thread.tacv2;messageid=1700000000100"]
        time.sleep(0.01)
    assert len(replies) == 2 and "para 19" in replies[1].text
    questions = sorted(teams_bot.rows(Question), key=lambda q: q.id)
    assert [q.surface for q in questions] == ["mention", "thread"]
    assert questions[1].context == "Can my team open a new Instagram account?"


def test_the_roster_job_opens_chats_with_staff_the_bot_has_not_met(teams_bot, connector):
    from bot.scheduler import run_job
    from tests.support.bot_connector import APP_ID as BOT

    teams_bot.post({"type": "conversationUpdate", "id": "cu-team", "serviceUrl": connector.service_url,
                    "channelId": "msteams", "from": {"id": "29:someone"}, "recipient": {"id": "28:" + BOT},
                    "membersAdded": [{"id": "28:" + BOT}],
                    "conversation": {"id": "19:team@thread.tacv2", "conversationType": "channel",
                                     "tenantId": "tenant-1"}})
    connector.wait_for(lambda c: c.method == "POST" and c.conversation == "19:team@thread.tacv2")  # welcome
    connector.add_member("29:mgr", "mgr@notts.gov.uk", "Morgan Manager")
    connector.add_member("29:alex", "alex@notts.gov.uk", "Alex Colleague")
    connector.add_member("29:visitor", "visitor@elsewhere.example", "A Visitor")  # not in the directory
    connector.blocked.add("29:alex")
    summary = run_job(teams_bot.services, "teams-roster")
    assert "4 team member(s) read, 3 matched" in summary and "2 personal chat(s) created, 1 not reachable" in summary
    teams = {i.user_id: i for i in teams_bot.rows(Identity) if i.platform == "teams"}
    assert set(teams) == {"29:sam", "29:mgr", "29:alex"}
    assert "a:chat-29:mgr" in teams["29:mgr"].conversation and teams["29:alex"].conversation is None
    # Sent to the manager's new chat, found through the identity table.
    from bot.identities import reach
    from sqlmodel import Session

    with Session(teams_bot.services.engine) as session:
        found = reach(session, [teams["29:mgr"].staff_id], ("teams",))
    assert found == {teams["29:mgr"].staff_id: ("teams", "a:chat-29:mgr")}
    again = run_job(teams_bot.services, "teams-roster")
    assert "0 personal chat(s) created, 1 not reachable" in again  # the chats are kept; Alex is tried again


def test_with_graph_the_roster_job_reaches_staff_in_no_team_the_bot_is_in(
        served_database_url, connector, fake_slack, tmp_path):
    from bot.scheduler import run_job

    bot = next(_teams_bot(served_database_url, connector, fake_slack, tmp_path, teams_graph_url=connector.graph_url))
    try:
        bot.post(install(service_url=connector.service_url))  # Sam opens the bot: where Teams is, is known
        posted(connector, "a:personal-sam")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not bot.rows(Identity):
            time.sleep(0.01)
        connector.add_member("29:olly", "olly@notts.gov.uk", "Olly Other")  # in Entra, in no team with the bot
        connector.add_member("29:alex", "alex@notts.gov.uk", "Alex Colleague")
        connector.blocked.add("29:alex")  # the app is not installed for Alex
        summary = run_job(bot.services, "teams-roster")
        assert "Microsoft Graph: 2 found by email, 9 not found" in summary, summary
        teams = {i.user_id: i for i in bot.rows(Identity) if i.platform == "teams"}
        olly = teams["29:olly"]  # the Teams id read back from the new chat
        assert json.loads(olly.conversation)["conversation_id"] == "a:chat-" + connector.members["29:olly"]["aadObjectId"]
        assert "29:alex" not in teams
        lookups = [c.path for c in connector.calls if c.path.startswith("/graph/users/")]
        assert "/graph/users/olly@notts.gov.uk" in lookups and "/graph/users/sam@notts.gov.uk" not in lookups
        again = run_job(bot.services, "teams-roster")
        assert "Microsoft Graph: 1 found by email" in again  # only Alex is looked up again
    finally:
        bot.close()


def _meet(bot, connector, fake_slack, people: dict[str, tuple[str, str]]) -> None:
    """Each person (Teams id → email, name) opens the bot's personal chat in Teams; none of them is on Slack."""
    for user, (email, name) in people.items():
        fake_slack.unknown_email(email)
        connector.add_member(user, email, name)
        chat = "a:personal-" + user.split(":")[1]
        bot.post(install(user=user, conversation=chat, service_url=connector.service_url))
        posted(connector, chat)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len([i for i in bot.rows(Identity) if i.platform == "teams"]) < len(people):
        time.sleep(0.01)


def _verbs(card: dict) -> dict[str, str]:
    """Each button's verb and value (a dialog button, Action.Submit with task/fetch, carries them in its data)."""
    return {a.get("verb") or a["data"]["verb"]: a["data"]["value"] for b in card["body"] if b["type"] == "ActionSet"
            for a in b["actions"]}


def _dialog(bot, connector, name: str, data: dict, user: str = "29:sam", conversation: str = "a:personal-sam"):
    """A `task/fetch` or `task/submit` invoke, as Teams sends it for a dialog opened from a card."""
    activity = card_action("", "", user=user, conversation=conversation, service_url=connector.service_url)
    activity["name"], activity["value"] = name, {"data": data}
    return bot.post(activity).json()


def test_an_account_request_in_teams_is_reviewed_by_comms_and_decided_by_the_director_alone(
        served_database_url, connector, fake_slack, tmp_path):
    from storage.models import AccountRequest, RegisteredAccount
    from tests.support.bot_connector import APP_ID as BOT

    comms = "19:comms@thread.tacv2"
    bot = next(_teams_bot(served_database_url, connector, fake_slack, tmp_path, comms_channel=comms))
    try:
        bot.post({"type": "conversationUpdate", "id": "cu-comms", "serviceUrl": connector.service_url,
                  "channelId": "msteams", "from": {"id": "29:casey"}, "recipient": {"id": "28:" + BOT},
                  "membersAdded": [{"id": "28:" + BOT}],
                  "conversation": {"id": comms, "conversationType": "channel", "tenantId": "tenant-1"}})
        _meet(bot, connector, fake_slack, {"29:sam": ("sam@notts.gov.uk", "Sam Staff"),
                                           "29:casey": ("casey@notts.gov.uk", "Casey Comms"),
                                           "29:dir": ("dir.place@notts.gov.uk", "Dana Director"),
                                           "29:alex": ("alex@notts.gov.uk", "Alex Colleague")})

        def act(verb, value, user="29:sam", conversation="a:personal-sam", **data):
            activity = card_action(verb, value, user=user, conversation=conversation,
                                   service_url=connector.service_url)
            activity["value"]["action"]["data"].update(data)
            return bot.post(activity).json()

        bot.post(personal_message("request account", service_url=connector.service_url))
        (launcher,) = connector.wait_for(lambda c: c.method == "POST" and "Request a new council" in c.text)
        (open_form,) = launcher.card["actions"]
        opened = _dialog(bot, connector, "task/fetch", open_form["data"])
        form = opened["task"]["value"]["card"]["content"]  # the form, in a dialog
        directorates = [c["value"] for b in form["body"] if b.get("id") == "directorate" for c in b["choices"]]
        assert "Place" in directorates
        (send,) = form["actions"]
        fields = dict(platform="Instagram", handle="@NottsHighways <!channel>", service="Highways",
                      directorate="place", purpose="Roadworks news for residents.", business_case="Fewer calls.",
                      staff="sam@notts.gov.uk, nobody@notts.gov.uk", monitoring_hours="Mon–Fri 9–5", training="false")
        shown = _dialog(bot, connector, "task/submit", {**send["data"], **fields})
        errors = " ".join(b["text"] for b in shown["task"]["value"]["card"]["content"]["body"]
                          if b.get("color") == "Attention")
        assert "nobody@notts.gov.uk" in errors and "training" in errors and bot.rows(AccountRequest) == []
        fields.update(staff="sam@notts.gov.uk; alex@notts.gov.uk", training="true")
        done = _dialog(bot, connector, "task/submit", {**send["data"], **fields})
        assert done["task"]["type"] == "message" and "is with Communications and Marketing" in done["task"]["value"]
        (request,) = bot.rows(AccountRequest)
        assert (request.requester_user_id, request.directorate, request.staff_user_ids) == \
            ("29:sam", "Place", "29:sam,29:alex")
        (review,) = connector.wait_for(lambda c: c.method == "POST" and c.conversation == comms
                                       and request.reference in c.text)
        assert "!channel" in review.text and "<!channel>" not in json.dumps(review.card)  # shown as typed, escaped
        value = _verbs(review.card)["account_recommend"]

        assert "Only Communications and Marketing" in act("account_recommend", value, conversation=comms)["value"]
        asked = act("account_more_info", value, user="29:casey", conversation=comms)
        assert asked["type"] == "application/vnd.microsoft.card.adaptive"
        empty = act("account_reason_submit", value, user="29:casey", conversation=comms, action="account_more_info",
                    text="")
        assert "can't be empty" in json.dumps(empty["value"])
        act("account_reason_submit", value, user="29:casey", conversation=comms, action="account_more_info",
            text="Who covers weekends?")
        (question,) = connector.wait_for(lambda c: c.method == "POST" and c.conversation == "a:personal-sam"
                                         and "Who covers weekends?" in c.text)
        answer_form = act("account_answer", _verbs(question.card)["account_answer"])
        assert "Who covers weekends?" in json.dumps(answer_form["value"])
        assert "with Communications" in act("account_answer_submit", str(request.id), text="Alex, on a rota.")["value"]

        (current,) = [r for r in bot.rows(AccountRequest)]
        recommended = act("account_recommend", f"{request.id}:{current.version}", user="29:casey",
                          conversation=comms)
        assert "recommended to Dana Director" in recommended["value"]
        (ask,) = connector.wait_for(lambda c: c.method == "POST" and c.conversation.startswith(comms + ";messageid=")
                                    and "for your approval" in c.text)
        assert "account_approve" not in _verbs(ask.card)  # everyone sees the card without the director's buttons
        assert ask.card["refresh"]["userIds"] == ["29:dir"]
        mention = ask.card["msteams"]["entities"][0]
        assert mention["mentioned"] == {"id": "29:dir", "name": "Dana Director"}
        refresh = ask.card["refresh"]["action"]["data"]["value"]
        assert "account_approve" not in _verbs(act("card_refresh", refresh, user="29:alex", conversation=comms)["value"])
        decide = _verbs(act("card_refresh", refresh, user="29:dir", conversation=comms)["value"])
        assert set(decide) == {"account_approve", "account_reject"}
        elsewhere = act("card_refresh", refresh, user="29:dir", conversation="a:personal-dir")
        assert elsewhere["type"] == "application/vnd.microsoft.activity.message"  # another chat's message: nothing
        receipt = next(c for c in connector.calls if c.method == "POST" and c.conversation == "a:personal-sam"
                       and "is with Communications" in c.text)
        assert receipt.card.get("refresh") is None  # no refresh on cards without buttons for certain people

        refused = act("account_approve", decide["account_approve"], user="29:casey", conversation=comms)
        assert "Only the Corporate Director for Place" in refused["value"]
        assert bot.rows(AccountRequest)[0].status == "director_review"
        assert "approved" in act("account_approve", decide["account_approve"], user="29:dir",
                                 conversation=comms)["value"]
        again = act("account_approve", decide["account_approve"], user="29:dir", conversation=comms)
        assert "already approved by Dana Director" in again["value"]
        (decided,) = bot.rows(AccountRequest)
        assert (decided.status, decided.decided_by) == ("approved", "29:dir")
        (entry,) = bot.rows(RegisteredAccount)
        assert entry.staff_user_ids == "29:sam,29:alex" and entry.approval_reference == request.reference
        assert connector.wait_for(lambda c: c.method == "POST" and c.conversation == "a:personal-sam"
                                  and "Good news" in c.text)
        assert connector.wait_for(lambda c: c.method == "PUT" and c.conversation.startswith(comms))  # in place
    finally:
        bot.close()


def test_one_case_between_a_reporter_on_slack_and_a_manager_on_teams(teams_bot, connector, fake_slack):
    from storage.models import Report

    fake_slack.set_user("USAM", "sam@notts.gov.uk", "Sam Staff")  # the reporter is on Slack
    _meet(teams_bot, connector, fake_slack, {"29:mgr": ("mgr@notts.gov.uk", "Morgan Manager")})
    report, case = _routed_case(teams_bot, connector, "USAM", "A colleague is posting about residents.",
                                platform="X (Twitter)")
    assert "report_acknowledge" in _verbs(case.card)
    done = teams_bot.post(card_action("report_acknowledge", str(report.id), user="29:mgr",
                                      conversation="a:personal-mgr", service_url=connector.service_url)).json()
    assert "acknowledged" in done["value"] and teams_bot.rows(Report)[0].acknowledged_by == "29:mgr"
    deadline = time.monotonic() + 10
    told = []
    while time.monotonic() < deadline and not told:
        told = [c for c in fake_slack.calls_to("chat.postMessage") if "has been acknowledged" in c.text]
        time.sleep(0.01)
    (update,) = told
    assert "Morgan Manager" in update.text and "29:mgr" not in update.text  # named, as Slack cannot mention them
    assert "already acknowledged by Morgan Manager" in teams_bot.post(card_action(
        "report_acknowledge", str(report.id), user="29:mgr", conversation="a:personal-mgr",
        service_url=connector.service_url)).json()["value"]


def test_home_shows_a_persons_reports_and_its_buttons_open_the_forms(teams_bot, connector):
    from bot import reports
    from bot.reports import ReportInput

    report = reports.submit(teams_bot.services.engine, ReportInput(
        kind="reputational", platform="Facebook", link=None, description="A fake council page.", happened_on=None),
        reporter_user_id="29:sam", reporter_name="Sam Staff")
    teams_bot.post(personal_message("home", service_url=connector.service_url))
    (home,) = connector.wait_for(lambda c: c.method == "POST" and "Your reports" in c.text)
    assert report.reference in home.text and "Saved answers" not in home.text  # Sam is not in Comms
    verbs = _verbs(home.card)
    assert set(verbs) == {"home_report", "home_request_account", "home_training"}
    opened = _dialog(teams_bot, connector, "task/fetch", {"verb": "home_report", "value": verbs["home_report"]})
    form = opened["task"]["value"]["card"]["content"]
    assert [b.get("id") for b in form["body"] if b.get("id")][:1] == ["kind"]  # the report form, in a dialog
    account = _dialog(teams_bot, connector, "task/fetch", {"verb": "home_request_account", "value": "account"})
    assert account["task"]["value"]["title"] == "Request a social media account"
    training = teams_bot.post(card_action("home_training", "training", service_url=connector.service_url)).json()
    assert "training" in json.dumps(training["value"]).lower()


def test_a_council_on_teams_alone_needs_no_slack(served_database_url, connector, fake_slack, tmp_path):
    from datetime import date, datetime, timezone

    from bot.scheduler import run_job
    from tests.support.services import Clock

    bot = next(_teams_bot(served_database_url, connector, fake_slack, tmp_path, comms_channel="19:comms@thread.tacv2",
                          slack=False))
    try:
        assert bot.http.post("/slack/events", content=b"{}").status_code == 404  # nothing to verify Slack with
        assert bot.post(install(service_url=connector.service_url)).status_code == 200
        posted(connector, "a:personal-sam")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not bot.rows(Identity):
            time.sleep(0.01)
        services = bot.services
        services.clock = Clock(datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc))  # a Monday, in working hours
        services.training.start(name="Social media awareness 2026", url="https://learn.example/sm",
                                due=date(2026, 12, 14), directorate=None, created_by="29:harper")
        summary = run_job(services, "training-nudges")
        assert summary.startswith("1 training nudge(s)"), summary  # Sam, the one person known on Teams
        assert connector.wait_for(lambda c: c.method == "POST" and c.conversation == "a:personal-sam"
                                  and "completed" in c.text)
        assert fake_slack.calls == []  # nobody was looked up on Slack
    finally:
        bot.close()


def test_a_dialog_opened_from_a_card_takes_a_report(teams_bot, connector):
    from storage.models import Report

    def invoke(name, data=None):
        activity = card_action("report_open", "", service_url=connector.service_url)
        activity["name"], activity["value"] = name, ({"data": data} if data is not None else {})
        return teams_bot.post(activity).json()

    opened = invoke("task/fetch")
    assert opened["task"]["type"] == "continue"
    form = opened["task"]["value"]["card"]["content"]
    assert {"kind", "description"} <= {b.get("id") for b in form["body"]}
    assert "Say what happened" in json.dumps(invoke("task/submit", {"kind": "misuse", "description": ""}))
    assert teams_bot.rows(Report) == []
    done = invoke("task/submit", {"kind": "misuse", "description": "A colleague posted a resident's photo."})
    assert done["task"]["type"] == "message" and "is received" in done["task"]["value"]
    assert [r.reporter_user_id for r in teams_bot.rows(Report)] == ["29:sam"]


def test_hr_starts_a_training_campaign_and_an_acknowledgement_from_teams_dialogs(teams_bot, connector, fake_slack):
    from datetime import datetime, timedelta, timezone

    from storage.models import AcknowledgementCampaign, TrainingCampaign

    _meet(teams_bot, connector, fake_slack, {"29:harper": ("harper@notts.gov.uk", "Harper HR")})
    teams_bot.post(personal_message("home", user="29:harper", conversation="a:personal-harper",
                                    service_url=connector.service_url))
    (home,) = connector.wait_for(lambda c: c.method == "POST" and c.conversation == "a:personal-harper"
                                 and "Start a training campaign" in c.text)
    assert {"training_start", "acknowledgement_start"} <= set(_verbs(home.card))

    def hr(name, data, user="29:harper"):
        return _dialog(teams_bot, connector, name, data, user=user, conversation="a:personal-harper")

    assert "Only HR" in hr("task/fetch", {"verb": "training_start", "value": "start"}, user="29:sam")["task"]["value"]
    form = hr("task/fetch", {"verb": "training_start", "value": "start"})["task"]["value"]["card"]["content"]
    (start,) = form["actions"]
    fields = {"name": "Social media awareness 2027", "url": "https://learn.example/sm", "directorate": "*"}
    past = hr("task/submit", {**start["data"], **fields, "due": "2020-01-01"})
    assert "in the past" in json.dumps(past) and teams_bot.rows(TrainingCampaign) == []
    due = (datetime.now(timezone.utc) + timedelta(days=30)).date().isoformat()
    started = hr("task/submit", {**start["data"], **fields, "due": due})
    assert "people assigned" in started["task"]["value"]
    assert [c.name for c in teams_bot.rows(TrainingCampaign)] == ["Social media awareness 2027"]

    chooser = hr("task/fetch", {"verb": "acknowledgement_start", "value": "start"})["task"]["value"]["card"]["content"]
    (choose,) = chooser["actions"]
    shown = hr("task/submit", {**choose["data"], "document": "Social Media Policy"})
    confirm_card = shown["task"]["value"]["card"]["content"]
    assert "will be asked" in json.dumps(confirm_card) and teams_bot.rows(AcknowledgementCampaign) == []
    (confirm,) = confirm_card["actions"]
    assert "will be asked to acknowledge" in hr("task/submit", confirm["data"])["task"]["value"]
    assert "Nothing was started" in hr("task/submit", confirm["data"])["task"]["value"]  # the same again
    assert [c.status for c in teams_bot.rows(AcknowledgementCampaign)] == ["running"]


def test_a_failure_behind_a_button_is_told_plainly_not_answered_500(teams_bot, connector):
    def broken(user):
        raise RuntimeError("database went away")

    teams_bot.services.training.is_hr = broken
    response = teams_bot.post({**card_action("", "", service_url=connector.service_url), "name": "task/fetch",
                               "value": {"data": {"verb": "training_start", "value": "start"}}})
    assert response.status_code == 200
    assert "Sorry, that didn't work" in response.json()["task"]["value"]


def test_malformed_activities_get_a_clear_answer_and_change_nothing(teams_bot, connector):
    base = personal_message("hello", service_url=connector.service_url)
    shapes = [
        {**base, "conversation": "not an object"},
        {**base, "from": ["a", "list"]},
        {**base, "conversation": {"id": ""}},
        {**card_action("answer_helpful", "1", service_url=connector.service_url), "value": ["not", "an", "object"]},
        {**card_action("answer_helpful", "1", service_url=connector.service_url), "value": {"action": "text"}},
        {**card_action("account_approve", "x:y:z", service_url=connector.service_url)},
        {**card_action("report_acknowledge", "9" * 40, service_url=connector.service_url)},
        {**card_action("card_refresh", "-1", service_url=connector.service_url)},
        {**card_action("", "", service_url=connector.service_url), "name": "task/submit", "value": {"data": "text"}},
        {**card_action("", "", service_url=connector.service_url), "name": "task/fetch", "value": None},
    ]
    for activity in shapes:
        response = teams_bot.post(activity)
        assert response.status_code in (200, 400), (activity, response.status_code, response.text[:200])
    assert teams_bot.rows(Question) == [] and teams_bot.rows(AnswerVote) == []
