"""Questions in Slack, end to end: signed requests to the bot's HTTP endpoint, the real Bolt app, a stand-in
Web API, and the rows the bot stores. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest

from bot.outbox import Outbox
from handlers.slack.sender import SlackSender
from storage.models import AnswerVote, Handoff, OutboxMessage, Question, SlackEvent
from tests.support.slack_requests import (
    block_action,
    event_body,
    mention_event,
    message_event,
    signed_headers,
)


def _wait_event_done(bot, timeout=5.0):
    """Until the first event's claim is marked done (its handling has finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and bot.rows(SlackEvent)[0].status != "done":
        time.sleep(0.02)


def _wait_rows(bot, model, count=1, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = bot.rows(model)
        if len(rows) >= count:
            return rows
        time.sleep(0.01)
    raise AssertionError(f"expected {count} {model.__name__} rows, found {len(bot.rows(model))}")


def _wait_sent(bot, timeout=5.0):
    """The stand-in records a call when it arrives; the bot marks the message sent once Slack has answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = bot.rows(OutboxMessage)
        if rows and all(row.status == "sent" for row in rows):
            return rows
        time.sleep(0.01)
    raise AssertionError(f"outbox not sent: {[(r.id, r.status, r.last_error) for r in bot.rows(OutboxMessage)]}")


def test_a_direct_message_is_answered_in_the_dm(slack_bot, fake_slack):
    response = slack_bot.event(message_event("Who has to approve a new council Facebook page?"))
    assert response.status_code == 200
    post = fake_slack.wait_for("chat.postMessage")[0]
    assert post.params["channel"] == "D100" and not post.params.get("thread_ts")
    assert post.token == "xoxb-test-token"
    assert "Social Media Policy · para 19 · Principles and commitments" in post.text
    assert "approval from the relevant Corporate Director" in post.text
    actions = [e["action_id"] for b in post.blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["answer_helpful", "answer_not_helpful", "answer_ask_comms"]
    question = _wait_rows(slack_bot, Question)[0]
    assert (question.surface, question.user_id, question.answered) == ("dm", "U100", True)
    assert question.citations.split(",")[0] == "19"
    assert [row.status for row in _wait_sent(slack_bot)] == ["sent"]


def test_a_mention_is_answered_in_a_thread_and_follow_ups_use_the_thread(slack_bot, fake_slack):
    slack_bot.event(mention_event("Can my team open a new Instagram account?", ts="1700000200.000100"))
    first = fake_slack.wait_for("chat.postMessage")[0]
    assert first.params["channel"] == "C100" and first.params["thread_ts"] == "1700000200.000100"
    assert "para 19" in first.text
    slack_bot.event(message_event("and who signs it off in the end?", channel="C100", channel_type="channel",
                                  ts="1700000210.000100", thread_ts="1700000200.000100"))
    follow_up = fake_slack.wait_for("chat.postMessage", 2)[1]
    assert follow_up.params["thread_ts"] == "1700000200.000100" and "para 19" in follow_up.text
    questions = _wait_rows(slack_bot, Question, 2)
    assert [q.surface for q in questions] == ["mention", "thread"]
    assert questions[1].context == "Can my team open a new Instagram account?"


def test_messages_the_bot_must_ignore(slack_bot, fake_slack):
    ignored = [
        message_event("Who approves pages?", user="UBOT"),  # the bot itself
        message_event("Who approves pages?", bot_id="B999"),  # another bot
        message_event("Who approves pages?", subtype="message_changed"),  # an edit
        message_event("", subtype="message_deleted"),
        message_event("random chat", channel="C100", channel_type="channel", ts="1.2", thread_ts="1.1"),  # not ours
        message_event("top-level channel chatter", channel="C100", channel_type="channel"),
    ]
    for event in ignored:
        assert slack_bot.event(event).status_code == 200
    slack_bot.event(message_event("How much sick pay do I get?"))  # a real one, to know processing finished
    fake_slack.wait_for("chat.postMessage")
    slack_bot.idle()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert len(slack_bot.rows(Question)) == 1


def test_a_retry_of_a_handled_event_is_not_answered_twice(slack_bot, fake_slack):
    event = message_event("Who approves a new YouTube channel?")
    assert slack_bot.event(event, event_id="EvSAME").status_code == 200
    fake_slack.wait_for("chat.postMessage")
    retry = slack_bot.event(event, event_id="EvSAME", headers={"X-Slack-Retry-Num": "1",
                                                               "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    _wait_event_done(slack_bot)
    slack_bot.idle()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert [(e.event_id, e.status) for e in slack_bot.rows(SlackEvent)] == [("EvSAME", "done")]


def test_a_retry_whose_first_delivery_was_never_handled_is_answered(slack_bot, fake_slack):
    from datetime import timedelta

    from sqlmodel import Session

    from storage.models import utcnow

    with Session(slack_bot.services.engine) as session:  # a first delivery claimed by a process that then died
        session.add(SlackEvent(event_id="EvLOST", event_type="message", claimed_at=utcnow() - timedelta(minutes=2)))
        session.commit()
    response = slack_bot.event(message_event("Who approves a new YouTube channel?"), event_id="EvLOST",
                               headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})
    assert response.status_code == 200
    assert "para 19" in fake_slack.wait_for("chat.postMessage")[0].text


def test_unsigned_stale_and_tampered_requests_are_refused(slack_bot, fake_slack):
    body = event_body(message_event("Who approves pages?"))
    assert slack_bot.post(body, "application/json", signed=False).status_code == 401
    stale = signed_headers(body, timestamp=int(time.time()) - 600)
    assert slack_bot.http.post("/slack/events", content=body, headers=stale).status_code == 401
    tampered = signed_headers(body)
    assert slack_bot.http.post("/slack/events", content=body.replace("pages", "PAGES"),
                               headers=tampered).status_code == 401
    wrong_secret = signed_headers(body, secret="not-the-secret")
    assert slack_bot.http.post("/slack/events", content=body, headers=wrong_secret).status_code == 401
    slack_bot.idle()
    assert fake_slack.calls == [] and slack_bot.rows(Question) == [] and slack_bot.rows(SlackEvent) == []


def test_slash_command_answers_privately_and_can_be_shared(slack_bot, fake_slack):
    response = slack_bot.command("/policy", "could I get sued?")
    assert response.status_code == 200
    assert "Looking that up" in response.text
    reply = fake_slack.wait_for("response_url")[0]
    assert reply.params["response_type"] == "ephemeral" and reply.params["replace_original"] is True
    assert "para 21" in reply.text
    share = [e for b in reply.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "answer_share"]
    assert share
    question_id = share[0]["value"]

    slack_bot.action(block_action("answer_share", question_id, user="U999"))
    refused = fake_slack.wait_for("response_url", 2)[1]
    assert "Only the person who asked" in refused.text

    slack_bot.action(block_action("answer_share", question_id, user="U100"))
    shared, confirmation = fake_slack.wait_for("response_url", 4)[2:4]
    assert shared.params["response_type"] == "in_channel"
    assert "<@U100> shared this answer" in shared.text and "para 21" in shared.text
    assert "Shared in the channel" in confirmation.text
    assert slack_bot.rows(Question)[0].shared_by == "U100"


def test_policy_help_and_empty_explain_the_bot(slack_bot, fake_slack):
    for text in ("", "help"):
        response = slack_bot.command("/policy", text)
        assert response.status_code == 200
        assert "I answer questions about the council's Social Media Policy" in response.text
    slack_bot.idle()
    assert fake_slack.calls_to("response_url") == [] and slack_bot.rows(Question) == []


def test_votes_are_one_per_person_and_changeable(slack_bot, fake_slack):
    slack_bot.command("/policy", "Who approves a new Facebook page?")
    fake_slack.wait_for("response_url")
    question_id = str(_wait_rows(slack_bot, Question)[0].id)
    slack_bot.action(block_action("answer_helpful", question_id, user="U100"))
    assert "your vote (helpful) is recorded" in fake_slack.wait_for("response_url", 2)[1].text
    slack_bot.action(block_action("answer_helpful", question_id, user="U100"))
    assert "You already marked this helpful" in fake_slack.wait_for("response_url", 3)[2].text
    slack_bot.action(block_action("answer_not_helpful", question_id, user="U100"))
    assert "not helpful" in fake_slack.wait_for("response_url", 4)[3].text
    votes = slack_bot.rows(AnswerVote)
    assert [(v.user_id, v.helpful) for v in votes] == [("U100", False)]


def test_ask_comms_posts_the_question_to_the_comms_channel(slack_bot, fake_slack):
    slack_bot.event(message_event("How much sick pay do I get?"))
    decline = fake_slack.wait_for("chat.postMessage")[0]
    assert "don't cover" in decline.text
    question_id = [e for b in decline.blocks if b["type"] == "actions" for e in b["elements"]][0]["value"]
    slack_bot.action(block_action("answer_ask_comms", question_id, user="U100", channel="D100"))
    to_comms = fake_slack.wait_for("chat.postMessage", 2)[1]
    assert to_comms.params["channel"] == "CCOMMS"
    assert "<@U100>" in to_comms.text and "How much sick pay do I get?" in to_comms.text
    assert "passed your question to Communications and Marketing" in fake_slack.wait_for("response_url")[0].text
    assert len(slack_bot.rows(Handoff)) == 1
    slack_bot.action(block_action("answer_ask_comms", question_id, user="U100", channel="D100"))
    assert "already passed" in fake_slack.wait_for("response_url", 2)[1].text
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_nobody_votes_on_or_passes_on_another_persons_private_question(slack_bot, fake_slack):
    slack_bot.event(message_event("How much sick pay do I get?"))  # U100's DM
    fake_slack.wait_for("chat.postMessage")
    question_id = str(_wait_rows(slack_bot, Question)[0].id)
    slack_bot.action(block_action("answer_ask_comms", question_id, user="U999", channel="D999"))
    assert "no longer on record" in fake_slack.wait_for("response_url")[0].text
    slack_bot.action(block_action("answer_helpful", question_id, user="U999", channel="D999"))
    assert "no longer on record" in fake_slack.wait_for("response_url", 2)[1].text
    for crafted in ("not-a-number", "12;DROP", ""):
        response = slack_bot.action(block_action("answer_ask_comms", crafted, user="U100", channel="D100"))
        assert response.status_code == 200
    fake_slack.wait_for("response_url", 5)
    assert slack_bot.rows(Handoff) == [] and slack_bot.rows(AnswerVote) == []
    assert fake_slack.calls_to("chat.postMessage")[1:] == []  # nothing reached the Comms channel


def test_user_text_cannot_ping_a_channel(slack_bot, fake_slack):
    slack_bot.event(message_event("<!channel> <@U0ADMIN> who approves a new <https://evil|Facebook> page?"))
    post = fake_slack.wait_for("chat.postMessage")[0]
    payload = json.dumps(post.blocks) + (post.params.get("text") or "")
    assert "<!channel>" not in payload and "<@U0ADMIN>" not in payload and "<https://evil" not in payload
    assert "&lt;!channel&gt;" in payload


def test_app_home_is_published_when_opened(slack_bot, fake_slack):
    slack_bot.event({"type": "app_home_opened", "user": "U100", "channel": "D100", "tab": "home"})
    publish = fake_slack.wait_for("views.publish")[0]
    assert publish.params["user_id"] == "U100"
    view = publish.json("view")
    assert view["type"] == "home"
    assert "Who has to approve a new council Facebook page?" in publish.text
    assert {"home_report", "home_request_account", "home_training"} <= {
        e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]}


def test_an_answer_slack_refuses_is_kept_and_sent_by_the_outbox_job(slack_bot, fake_slack):
    fake_slack.fail("chat.postMessage", status=503, error="service_unavailable", retry_after=None, times=2)
    slack_bot.event(message_event("Who approves a new Facebook page?"))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        rows = slack_bot.rows(OutboxMessage)
        if rows and rows[0].attempts >= 1 and rows[0].status == "pending":
            break
        time.sleep(0.02)
    message = slack_bot.rows(OutboxMessage)[0]
    assert message.status == "pending" and message.last_error
    assert len(fake_slack.calls_to("chat.postMessage")) == 2  # first try and the client's own retry
    from datetime import timedelta

    from storage.models import utcnow

    later = Outbox(slack_bot.services.engine, {"slack": SlackSender(slack_bot.services.client)},
                   clock=lambda: utcnow() + timedelta(hours=1))
    report = later.deliver_due()
    assert report.sent == 1
    assert slack_bot.rows(OutboxMessage)[0].status == "sent"
    assert "para 19" in fake_slack.calls_to("chat.postMessage")[-1].text


def test_rate_limited_sends_wait_for_retry_after(slack_bot, fake_slack):
    fake_slack.fail("chat.postMessage", status=429, error="ratelimited", retry_after=1, times=1)
    slack_bot.event(message_event("Who approves a new Facebook page?"))
    calls = fake_slack.wait_for("chat.postMessage", 2, timeout=8)
    assert calls[1].at - calls[0].at >= 0.9
    assert [row.status for row in _wait_sent(slack_bot)] == ["sent"]


def test_healthz_reports_database_and_index(slack_bot):
    response = slack_bot.http.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["index"] == "ok" and body["passages"] == 32
    assert body["retrieval"].startswith("lexical")


def test_healthz_answers_even_when_the_database_hangs(slack_bot, monkeypatch):
    import threading

    from bot import server

    released = threading.Event()

    def hung(services):  # a database that holds the connection without answering
        released.wait(10)
        return True, {}

    assert server.HEALTH_TIMEOUT_S <= 2.0
    monkeypatch.setattr(server, "health", hung)
    monkeypatch.setattr(server, "HEALTH_TIMEOUT_S", 0.3)  # the same wait, shorter, so the test is quick
    try:
        response = slack_bot.http.get("/healthz")
        assert response.status_code == 503 and response.json()["database"] == "no answer within 0.3 s"
    finally:
        released.set()


def test_an_event_the_database_cannot_claim_in_time_gets_503_and_its_retry_is_answered_once(
        slack_bot, fake_slack, monkeypatch):
    """Slack waits 3 s: with the database holding the claim, the bot answers 503 within its deadline (so Slack
    retries) instead of hanging; when the first delivery finishes after all, the retry is not answered again."""
    import threading

    from bot import server
    from handlers.slack import app as slack

    real_claim = slack.claim_event
    released = threading.Event()

    def held(*args, **kwargs):  # a database that holds the connection, then answers
        released.wait(10)
        return real_claim(*args, **kwargs)

    assert server.ACK_DEADLINE_S < 3  # inside Slack's 3 seconds
    monkeypatch.setattr(slack, "claim_event", held)
    monkeypatch.setattr(server, "ACK_DEADLINE_S", 0.5)  # the same deadline, shorter, so the test is quick
    event = message_event("Who approves a new YouTube channel?")
    started = time.monotonic()
    try:
        first = slack_bot.event(event, event_id="EvHELD")
        waited = time.monotonic() - started
        assert first.status_code == 503 and waited < 3.0
        assert fake_slack.calls_to("chat.postMessage") == []
    finally:
        released.set()
    assert "para 19" in fake_slack.wait_for("chat.postMessage")[0].text  # the first delivery, finished late
    monkeypatch.setattr(slack, "claim_event", real_claim)
    retry = slack_bot.event(event, event_id="EvHELD", headers={"X-Slack-Retry-Num": "1",
                                                               "X-Slack-Retry-Reason": "http_error"})
    assert retry.status_code == 200
    _wait_event_done(slack_bot)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_slow_generative_answers_show_a_looking_up_message_first(slack_settings, fake_slack):
    """With a model configured the DM first shows "Looking that up…", then that message becomes the answer."""
    from bot.server import prepare
    from bot.services import Services
    from handlers.slack.app import create_app
    from tests.support.openai_api import FakeOpenAI
    from tests.support.slack_requests import event_body, signed_headers

    with FakeOpenAI() as llm:
        llm.reply_with(json.dumps({"answer": "Comms authorise accounts with the Corporate Director's approval.",
                                   "citations": ["19"]}))
        settings = slack_settings.model_copy(update={"llm_model": "council-gpt", "openai_base_url": llm.base_url})
        services = Services(settings)
        prepare(services)
        app = create_app(services)
        from slack_bolt.request import BoltRequest

        body = event_body(message_event("Who approves a new Facebook page?"))
        response = app.dispatch(BoltRequest(body=body, headers=signed_headers(body)))
        assert response.status == 200
        placeholder = fake_slack.wait_for("chat.postMessage")[0]
        assert "Looking that up" in placeholder.text
        update = fake_slack.wait_for("chat.update")[0]
        assert update.params["ts"] == "1700000000.000001" and update.params["channel"] == "D100"
        assert "Comms authorise accounts" in update.text and "para 19" in update.text
        services.engine.dispose()


@pytest.mark.parametrize("body,headers", [
    (b"{not json", {}),
    ("caf\xe9 policy".encode("latin-1"), {}),
    (b'{"type": "url_verification"}', {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"}),
    (b"payload=%7B%22type", {"Content-Type": "application/x-www-form-urlencoded"}),
])
def test_malformed_unsigned_bodies_are_refused_before_anything_reads_them(slack_bot, fake_slack, body, headers):
    response = slack_bot.http.post("/slack/events", content=body,
                                   headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 401 and "Traceback" not in response.text
    assert slack_bot.rows(Question) == [] and slack_bot.rows(SlackEvent) == [] and fake_slack.calls == []


def test_an_oversized_body_is_refused_unread(slack_bot, fake_slack):
    body = event_body(message_event("x" * (1024 * 1024 + 10)))
    response = slack_bot.http.post("/slack/events", content=body, headers=signed_headers(body))
    assert response.status_code == 413
    assert slack_bot.rows(Question) == [] and fake_slack.calls == []


def _wait_outbox(slack_bot, condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = slack_bot.rows(OutboxMessage)
        if rows and condition(rows[0]):
            return rows[0]
        time.sleep(0.02)
    raise AssertionError(f"outbox never reached the state: {slack_bot.rows(OutboxMessage)}")


def test_a_policy_answer_that_slack_refuses_for_now_is_sent_again_from_the_outbox(slack_bot, fake_slack):
    from datetime import timedelta

    from storage.models import utcnow

    fake_slack.fail("response_url", status=500, error="internal_error", retry_after=None, times=1)
    slack_bot.command("/policy", "could I get sued?")
    message = _wait_outbox(slack_bot, lambda row: row.attempts >= 1 and row.status == "pending")
    assert message.method == "respond" and message.purpose == "answer" and "response_url" in message.response_url
    assert slack_bot.rows(Question)[0].surface == "slash"  # the question was stored with its answer queued
    later = Outbox(slack_bot.services.engine, {"slack": SlackSender(slack_bot.services.client)},
                   clock=lambda: utcnow() + timedelta(hours=1))
    assert later.deliver_due().sent == 1
    delivered = fake_slack.calls_to("response_url")[-1]
    assert delivered.params["replace_original"] is True and "para 21" in delivered.text
    assert slack_bot.rows(OutboxMessage)[0].status == "sent"


def test_an_expired_response_url_is_not_tried_again(slack_bot, fake_slack):
    fake_slack.fail("response_url", status=404, error="expired_url", retry_after=None, times=5)
    slack_bot.command("/policy", "could I get sued?")
    message = _wait_outbox(slack_bot, lambda row: row.status == "failed")
    assert message.attempts == 1 and message.last_error == "response_url_404"
