"""The test doubles themselves: the stand-in Web API answers a real slack_sdk WebClient as Slack does, and the
signed request builders produce what a real Bolt app accepts."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.fakes import slack_signing as s
from tests.fakes.slack_api import FakeSlack

TOKEN = "xoxb-test"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Policy* answer"}},
          {"type": "actions", "elements": [{"type": "button", "action_id": "helpful", "value": "yes",
                                            "text": {"type": "plain_text", "text": "Helpful"}}]}]


@pytest.fixture
def fake():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(fake):
    return WebClient(base_url=fake.base_url, token=TOKEN, timeout=10)


# ------------------------------------------------------------------------------------------------ Web API

def test_post_message_with_blocks_is_recorded_with_decoded_params(fake, client):
    assert fake.base_url.startswith("http://127.0.0.1:") and fake.base_url.endswith("/api/")

    first = client.chat_postMessage(channel="C1", text="Answer", blocks=BLOCKS, thread_ts="1700000000.000001")
    second = client.chat_postMessage(channel="C1", text="Again")

    [call, _] = fake.wait_for("chat.postMessage", count=2)
    assert call.method == "chat.postMessage"
    assert call.token == TOKEN
    assert call.params["channel"] == "C1" and call["text"] == "Answer"
    assert call.decoded["blocks"] == BLOCKS == call.blocks
    assert "*Policy* answer" in call.text and "Helpful" in call.text
    assert call.status == 200 and isinstance(call.at, float)
    assert first["ok"] and first["channel"] == "C1"
    assert first["ts"] == "1700000000.000100" and second["ts"] == "1700000000.000200"
    assert first["message"]["text"] == "Answer" and first["message"]["blocks"] == BLOCKS
    assert first["message"]["thread_ts"] == "1700000000.000001"


def test_form_encoded_methods_and_default_answers(fake, client):
    me = client.auth_test()
    assert (me["user_id"], me["bot_id"], me["team_id"]) == ("UBOT", "BBOT", "T1") and me["url"]

    opened = client.conversations_open(users=["U100"])
    assert opened["channel"]["id"] == "DU100"
    link = client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")
    assert link["permalink"].endswith("/archives/C1/p1700000000000100")
    info = client.users_info(user="U100")
    assert info["user"]["id"] == "U100" and info["user"]["name"] and "email" in info["user"]["profile"]
    assert client.reactions_add(channel="C1", timestamp="1.2", name="eyes")["ok"]
    with pytest.raises(SlackApiError) as again:
        client.reactions_add(channel="C1", timestamp="1.2", name="eyes")
    assert again.value.response["error"] == "already_reacted"
    assert client.chat_postEphemeral(channel="C1", user="U100", text="only you")["message_ts"]
    updated = client.chat_update(channel="C1", ts="1700000000.000100", text="edited")
    assert (updated["channel"], updated["ts"], updated["text"]) == ("C1", "1700000000.000100", "edited")
    assert client.api_call("team.info")["ok"]  # anything else: {"ok": true}

    form = fake.last("users.info")
    assert form.params["user"] == "U100" and form.token == TOKEN
    assert fake.last("conversations.open").params["users"] == "U100"
    assert [c.method for c in fake.calls][:3] == ["auth.test", "conversations.open", "chat.getPermalink"]


def test_json_encoded_fields_sent_as_strings_are_decoded_on_request(fake, client):
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(BLOCKS)})  # form body

    call = fake.last("chat.postMessage")
    assert isinstance(call.params["blocks"], str)  # left as sent
    assert call.json("blocks") == BLOCKS == call.decoded["blocks"] == call.blocks


def test_views_echo_the_view_with_an_id(fake, client):
    view = {"type": "modal", "callback_id": "report", "title": {"type": "plain_text", "text": "Report"},
            "blocks": BLOCKS, "private_metadata": "C1|1.2"}
    opened = client.views_open(trigger_id="123.456.abc", view=view)
    assert opened["view"]["id"].startswith("V") and opened["view"]["callback_id"] == "report"
    updated = client.views_update(view_id=opened["view"]["id"], view=view)
    assert updated["view"]["id"] == opened["view"]["id"]
    home = client.views_publish(user_id="U100", view={"type": "home", "blocks": BLOCKS})
    assert home["view"]["type"] == "home"
    assert fake.last("views.open").view["callback_id"] == "report"
    assert fake.last("views.open").blocks == BLOCKS


def test_rate_limit_is_retried_after_retry_after(fake, client):
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    fake.fail("chat.postMessage", error="ratelimited", status=429, retry_after=1)

    started = time.monotonic()
    response = client.chat_postMessage(channel="C1", text="hello")

    assert response["ok"]
    calls = fake.calls_to("chat.postMessage")
    assert len(calls) == 2
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0
    assert time.monotonic() - started >= 1.0


def test_rate_limit_without_a_retry_handler_raises_with_retry_after(fake, client):
    fake.fail("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="hello")

    assert error.value.response.status_code == 429
    assert error.value.response["error"] == "ratelimited"
    assert error.value.response.headers["Retry-After"] == "7"
    assert client.chat_postMessage(channel="C1", text="hello")["ok"]  # only the next call failed


def test_ok_false_and_server_errors_raise_slack_api_error(fake, client):
    fake.fail("chat.postMessage", error="channel_not_found", status=200, times=2)
    fake.fail("users.info", status=503)

    for _ in range(2):
        with pytest.raises(SlackApiError) as error:
            client.chat_postMessage(channel="CGONE", text="hello")
        assert error.value.response.status_code == 200
        assert error.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="hello")["ok"]
    with pytest.raises(SlackApiError) as error:
        client.users_info(user="U1")
    assert error.value.response.status_code == 503
    assert [c.status for c in fake.calls] == [200, 200, 200, 503]


def test_wrong_or_missing_token_is_invalid_auth():
    with FakeSlack(expected_token="xoxb-right") as fake:
        with pytest.raises(SlackApiError) as error:
            WebClient(base_url=fake.base_url, token="xoxb-wrong").chat_postMessage(channel="C1", text="x")
        assert error.value.response["error"] == "invalid_auth"
        with pytest.raises(SlackApiError) as error:
            WebClient(base_url=fake.base_url).auth_test()
        assert error.value.response["error"] == "invalid_auth"
        assert WebClient(base_url=fake.base_url, token="xoxb-right").auth_test()["ok"]
        assert [c.token for c in fake.calls] == ["xoxb-wrong", None, "xoxb-right"]


def test_lookup_by_email(fake, client):
    fake.unknown_email("gone@council.gov.uk")
    fake.set_user("Jo.Bloggs@council.gov.uk", "U777", real_name="Jo Bloggs")

    with pytest.raises(SlackApiError) as error:
        client.users_lookupByEmail(email="gone@council.gov.uk")
    assert error.value.response["error"] == "users_not_found"

    known = client.users_lookupByEmail(email="jo.bloggs@council.gov.uk")["user"]
    assert known["id"] == "U777" and known["real_name"] == "Jo Bloggs"
    assert known["profile"]["email"] == "Jo.Bloggs@council.gov.uk"

    derived = client.users_lookupByEmail(email="sam@council.gov.uk")["user"]
    assert derived["id"] == FakeSlack.user_id_for("sam@council.gov.uk") == FakeSlack.user_id_for("SAM@council.gov.uk")
    assert client.users_lookupByEmail(email="sam@council.gov.uk")["user"]["id"] == derived["id"]
    assert client.users_info(user=derived["id"])["user"]["profile"]["email"] == "sam@council.gov.uk"


def test_respond_overrides_next_or_every_answer(fake, client):
    fake.respond("conversations.info", {"ok": True, "channel": {"id": "C1", "is_private": True}})
    fake.respond("conversations.info", {"ok": False, "error": "channel_not_found"}, times=1)
    fake.respond("chat.postMessage", lambda call: {"ok": True, "ts": "9.9", "channel": call.params["channel"]})

    with pytest.raises(SlackApiError):
        client.conversations_info(channel="C1")
    assert client.conversations_info(channel="C1")["channel"]["is_private"]
    assert client.conversations_info(channel="C1")["channel"]["is_private"]
    assert client.chat_postMessage(channel="C9", text="x")["channel"] == "C9"


def test_replies_are_settable(fake, client):
    assert client.conversations_replies(channel="C1", ts="1.0")["messages"] == []
    thread = [{"type": "message", "user": "U100", "text": "question", "ts": "1.0"},
              {"type": "message", "user": "UBOT", "text": "answer", "ts": "1.1", "thread_ts": "1.0"}]
    fake.set_replies(thread, channel="C1", thread_ts="1.0")
    assert client.conversations_replies(channel="C1", ts="1.0")["messages"] == thread
    assert client.conversations_replies(channel="C2", ts="2.0")["messages"] == []


def test_latency_wait_for_and_clear(fake, client):
    fake.set_latency(0.3)
    sender = threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C1", "text": "later"}, daemon=True)
    started = time.monotonic()
    sender.start()

    [call] = fake.wait_for("chat.postMessage", timeout=2)  # recorded on arrival, before the delay
    assert call.params["text"] == "later"
    sender.join(timeout=5)
    assert time.monotonic() - started >= 0.3
    with pytest.raises(AssertionError, match=r"chat.postMessage x1"):
        fake.wait_for("views.open", timeout=0.1)
    fake.set_latency(0)
    fake.clear()
    assert fake.calls == []
    fake.assert_not_called("chat.postMessage")


def test_file_upload_v2_goes_through_the_fake(fake, client):
    result = client.files_upload_v2(channel="C1", content="report body", filename="report.txt", title="Report")
    assert result["ok"]
    upload = fake.last("upload")
    assert upload.body == b"report body"
    assert fake.last("files.completeUploadExternal").json("files")[0]["title"] == "Report"


# ------------------------------------------------------------------------------------------------- signing

def test_signed_body_verifies_and_tampering_does_not():
    body, content_type = s.event_body(s.message_event("hello"))
    headers = s.sign(body, s.SIGNING_SECRET)
    verifier = SignatureVerifier(s.SIGNING_SECRET)

    assert content_type == "application/json"
    assert set(headers) == {"X-Slack-Request-Timestamp", "X-Slack-Signature"}
    assert headers["X-Slack-Signature"].startswith("v0=")
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body.replace("hello", "hullo"), headers)
    assert not verifier.is_valid_request(body, {**headers, "X-Slack-Request-Timestamp": str(int(time.time()) - 1)})
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)
    stale = s.sign(body, s.SIGNING_SECRET, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)


def test_builders_drive_a_real_bolt_app(fake):
    seen: dict[str, object] = {}
    app = App(signing_secret=s.SIGNING_SECRET, token=TOKEN,
              client=WebClient(base_url=fake.base_url, token=TOKEN), process_before_response=True)

    @app.event("app_mention")
    def mention(event, say):
        seen["mention"] = event["text"]
        say(text="hi", thread_ts=event["ts"])

    @app.event("message")
    def message(event):
        seen["message"] = (event["channel_type"], event["text"])

    @app.command("/policy")
    def command(ack, command, respond):
        ack()
        seen["command"] = (command["text"], command["user_id"], command["channel_id"])
        respond(text="answer")

    @app.action("helpful")
    def action(ack, body, action, client):
        ack()
        seen["action"] = (action["value"], body["user"]["id"], body["container"]["channel_id"])
        client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text="thanks")

    @app.view("report")
    def submission(ack, view, body):
        ack()
        values = view["state"]["values"]
        seen["view"] = (values["what"]["text"]["value"], values["where"]["channel"]["selected_conversation"],
                        view["private_metadata"], body["user"]["id"])

    @app.shortcut("report_message")
    def shortcut(ack, shortcut, client):
        ack()
        seen["shortcut"] = (shortcut["message"]["text"], shortcut["channel"]["id"])
        client.views_open(trigger_id=shortcut["trigger_id"], view={"type": "modal", "callback_id": "report",
                                                                   "title": {"type": "plain_text", "text": "R"},
                                                                   "blocks": []})

    def dispatch(body_and_type, headers=None):
        body, content_type = body_and_type
        return app.dispatch(BoltRequest(body=body, headers=headers or s.signed_headers(body, content_type)))

    challenge = dispatch(s.url_verification_body("abc"))
    assert challenge.status == 200 and "abc" in challenge.body

    assert dispatch(s.event_body(s.app_mention_event("can I post?", channel="C5", ts="1.5"))).status == 200
    assert seen["mention"] == "<@UBOT> can I post?"
    said = fake.wait_for("chat.postMessage")[0]
    assert (said["channel"], said["thread_ts"]) == ("C5", "1.5")
    assert dispatch(s.event_body(s.message_event("hello", user="U100"))).status == 200
    assert seen["message"] == ("im", "hello")

    assert dispatch(s.command_body("/policy", "can I?", "U100", "C100", response_url=fake.response_url)).status == 200
    assert seen["command"] == ("can I?", "U100", "C100")
    assert fake.wait_for("response_url")[0].params["text"] == "answer"

    assert dispatch(s.interaction_body(s.block_action("helpful", "yes", "U100", channel_id="C7"))).status == 200
    assert seen["action"] == ("yes", "U100", "C7")
    assert fake.last("chat.update")["text"] == "thanks"

    submitted = s.view_submission("report", {"what": {"text": "a post"},
                                             "where": {"channel": s.conversations_select_value("C9")}},
                                  "U100", private_metadata="meta")
    assert dispatch(s.interaction_body(submitted)).status == 200
    assert seen["view"] == ("a post", "C9", "meta", "U100")

    shortcut_payload = s.message_shortcut("report_message", "bad post", channel_id="C3", user_id="U100")
    assert dispatch(s.interaction_body(shortcut_payload)).status == 200
    assert seen["shortcut"] == ("bad post", "C3")
    assert fake.last("views.open")["trigger_id"] == shortcut_payload["trigger_id"]

    body, content_type = s.event_body(s.message_event("forged"))
    forged = dispatch((body, content_type), headers={"Content-Type": content_type, **s.sign(body, "wrong-secret")})
    assert forged.status == 401


def test_fake_ignores_token_for_response_url():
    with FakeSlack(expected_token="xoxb-right") as fake:
        request = urllib.request.Request(fake.response_url, data=b'{"text": "hi"}', method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200 and json.load(response)["ok"]
        assert fake.last("response_url")["text"] == "hi"
