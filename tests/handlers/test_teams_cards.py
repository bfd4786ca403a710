"""The Teams renderer and sender on their own: every neutral message the workflows write drawn as a valid Adaptive
Card 1.5 within 28 KB, mentions, buttons meant for certain people, and pacing. No HTTP."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from bot.messages import Action, Actions, Context, Mention, Message, Paragraph, Quote, Strong, text
from handlers.teams.render import REFRESH, card, render
from handlers.teams.sender import Pacer
from tests.support.cards import problems


def test_the_card_checker_finds_what_teams_would_refuse():
    assert problems({"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Hi"}]}) == []
    assert problems({"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock"}]})  # no text
    assert problems({"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Input.Text"}]})  # no id
    assert problems({"type": "AdaptiveCard", "version": "1.5", "msteams": {"entities": [
        {"type": "mention", "text": "<at>Nobody</at>", "mentioned": {"id": "29:x", "name": "Nobody"}}]},
        "body": [{"type": "TextBlock", "text": "Hi"}]})  # a mention the card does not show
    big = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "x" * 30_000}]}
    assert any("over Teams'" in p for p in problems(big))


def test_every_workflow_message_is_a_valid_card_even_with_hostile_and_huge_text():
    from bot import account_messages, handoff_messages, report_messages  # noqa: F401  (the workflows' wording)
    from storage.models import AccountRequest

    hostile = "<at>x</at> **bold** [link](https://evil.example) <!channel> " + "é" * 5_000
    request = AccountRequest(id=7, reference="SMA-2026-0007", platform="Instagram", handle=hostile[:100],
                             service=hostile, directorate="Place", purpose=hostile, business_case=hostile * 3,
                             staff_user_ids="29:sam,USAM", monitoring_hours="9–5", training_confirmed=True,
                             requester_user_id="29:sam", status="director_review", director_user_id="29:dir",
                             recommended_by="29:casey", version=3, created_at=datetime(2026, 12, 1, tzinfo=timezone.utc))
    messages = [account_messages.request_message(request, [], None), account_messages.receipt(request),
                account_messages.director_message(request, deciders=("29:dir", "UDIR")),
                account_messages.question(request, "29:casey", hostile, answerable=True),
                Message(summary=hostile, blocks=(Paragraph(text(hostile)), Quote(hostile * 4), Context(text(hostile))))]
    names = {"29:sam": "Sam <Staff>", "29:dir": "Dana Director", "29:casey": "Casey Comms", "USAM": "Sam Staff"}
    for message in messages:
        summary, drawn = render(message, ref=41, names=names)
        assert problems(drawn) == [], message.summary[:60]
        assert "<!channel>" not in json.dumps(drawn) and "[link](https://evil" not in json.dumps(drawn)
        assert len(summary) <= 1000


def test_a_teams_mention_is_a_real_mention_and_anyone_else_is_named():
    message = Message(summary="s", blocks=(Paragraph(text(Mention("29:dir"), " and ", Mention("UCASEY"), " and ",
                                                          Mention("29:stranger"))),))
    drawn = card(message, names={"29:dir": "Dana [Director]", "UCASEY": "Casey Comms"})
    shown = drawn["body"][0]["text"]
    assert shown == "<at>Dana Director</at> and Casey Comms and a colleague"
    assert drawn["msteams"]["entities"] == [{"type": "mention", "text": "<at>Dana Director</at>",
                                             "mentioned": {"id": "29:dir", "name": "Dana Director"}}]
    assert problems(drawn) == []


def test_buttons_for_certain_people_are_left_out_and_refreshed_for_them_only():
    buttons = Actions((Action("account_approve", "Approve", "7:3", primary=True),
                       Action("account_reject", "Reject", "7:3", danger=True)), only_for=("29:dir", "UDIR", "29:dep"))
    message = Message(summary="Decide", blocks=(Paragraph(text(Strong("Decide"))), buttons))
    assert Message.from_json(message.to_json()) == message  # kept in the outbox as it is
    everyone = card(message, ref=41)
    assert not [b for b in everyone["body"] if b["type"] == "ActionSet"]
    assert everyone["refresh"]["userIds"] == ["29:dir", "29:dep"]  # Teams ids only
    assert everyone["refresh"]["action"]["data"] == {"verb": REFRESH, "value": "41"}
    decider = card(message, ref=41, reveal=True)
    (row,) = [b for b in decider["body"] if b["type"] == "ActionSet"]
    assert [a["verb"] for a in row["actions"]] == ["account_approve", "account_reject"]
    assert problems(everyone) == [] and problems(decider) == []
    assert "refresh" not in card(Message(summary="s", blocks=(Paragraph(text("x")),)), ref=41)


def test_sends_are_kept_within_teams_limits_per_conversation_and_across_the_tenant():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(per_conversation=7, overall=20, clock=lambda: now[0], sleep=sleep)
    for _ in range(7):
        pacer.wait("a:one")
        now[0] += 0.01
    assert slept == []  # seven in a second go at once
    pacer.wait("a:one")
    assert slept == [0.93]  # the eighth waits until the first is a second old
    slept.clear()
    now[0] += 10
    for n in range(20):
        pacer.wait(f"a:{n}")
    assert slept == []
    pacer.wait("a:twenty-first")
    assert slept == [1.0]  # the tenant's 20 a second, across conversations
    slept.clear()
    now[0] += 10
    assert pacer.wait("a:one") == 0 and slept == []  # an idle conversation is sent at once


def test_the_app_package_manifest_is_valid_against_the_teams_manifest_schema():
    import io
    import zipfile
    from pathlib import Path

    import jsonschema

    from handlers.teams.package import MANIFEST_VERSION, PackageOptions, build

    schema_file = Path(__file__).resolve().parents[1] / "support" / "schemas" / f"MicrosoftTeams.v{MANIFEST_VERSION}.schema.json"
    validator = jsonschema.Draft4Validator(json.loads(schema_file.read_text(encoding="utf-8")))
    packaged = build(PackageOptions(app_id="00000000-0000-4000-8000-00000000b07a", domain="policybot.notts.gov.uk",
                                    developer="Nottinghamshire County Council", privacy="https://notts.gov.uk/p",
                                    terms="https://notts.gov.uk/t", version="1.2.3"))
    with zipfile.ZipFile(io.BytesIO(packaged)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert [e.message for e in validator.iter_errors(manifest)] == []
    broken = json.loads(json.dumps(manifest))
    broken["bots"][0]["commandLists"][0]["commands"].append({"title": "x" * 40, "description": "too long a title"})
    del broken["developer"]["privacyUrl"]
    assert len(list(validator.iter_errors(broken))) >= 2  # the schema catches what Teams would refuse
