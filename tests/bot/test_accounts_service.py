"""Account authorisation at the service level (paras 19 and 28): Comms review, the directorate's Corporate
Director decides, nobody decides their own request, stale presses change nothing, and an approval enters the
register; a controlled clock and a recording sender, no HTTP. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from bot import account_messages as say
from bot.accounts import AccountError, RequestInput
from bot.messages import Mention, Paragraph
from storage.models import AccountRequest, RegisteredAccount
from tests.support.services import buttons, council_services

MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
TIKTOK = RequestInput(platform="TikTok", handle="@NottsYouth <!channel>", service="Youth service",
                      directorate="Place", purpose="Reach young people about youth clubs.",
                      business_case="Young people are on TikTok, not Facebook.", staff_user_ids=["USAM", "UALEX"],
                      monitoring_hours="Weekdays 9 to 5", training_confirmed=True)


@pytest.fixture
def desk(engine, tmp_path):
    return council_services(engine, tmp_path, MONDAY_10AM, comms_channel="CCOMMS").accounts


def submitted(desk, requester="USAM"):
    request, ids = desk.submit(TIKTOK, requester)
    desk.services.outbox.deliver(ids)
    return request


def version(desk, request_id: int) -> int:
    with Session(desk.engine) as session:
        return session.get(AccountRequest, request_id).version


def test_a_request_reaches_comms_with_the_review_buttons_and_the_requester_a_receipt(desk):
    request = submitted(desk)
    posted = desk.services.outbox.to("CCOMMS")[0]
    value = f"{request.id}:{request.version}"
    assert buttons(posted) == {say.RECOMMEND: value, say.MORE_INFO: value, say.DECLINE: value}
    assert "@NottsYouth <!channel>" in posted.summary  # kept as typed: the renderer escapes it
    assert "is with Communications and Marketing" in desk.services.outbox.to("USAM")[0].summary


def test_comms_recommend_and_only_the_directorates_director_decides(desk):
    request = submitted(desk)
    with pytest.raises(AccountError):
        desk.recommend(request.id, request.version, "USAM")  # not Comms
    outcome = desk.recommend(request.id, request.version, "UCOMMS")
    desk.services.outbox.deliver(outcome.outbox_ids)
    assert outcome.changed and "Dana Director" in outcome.message
    ask = next(m for m in desk.services.outbox.to("CCOMMS") if say.APPROVE in buttons(m))
    assert Mention("UDIR") in next(b for b in ask.blocks if isinstance(b, Paragraph)).text
    current = version(desk, request.id)
    with pytest.raises(AccountError):
        desk.approve(request.id, current, "UMGR")  # a manager, not the Corporate Director
    with pytest.raises(AccountError, match="out of date.*Nothing has changed"):
        desk.approve(request.id, current - 1, "UDIR")  # a stale press
    approved = desk.approve(request.id, current, "UDIR")
    desk.services.outbox.deliver(approved.outbox_ids)
    assert approved.changed
    with Session(desk.engine) as session:
        entry = session.exec(select(RegisteredAccount)).one()
        decided = session.get(AccountRequest, request.id)
    assert (entry.platform, entry.approved_by, decided.status) == ("TikTok", "UDIR", "approved")
    assert desk.services.outbox.to("USAM")[-1].summary.startswith(f"Good news: {request.reference} is approved")


def test_nobody_recommends_or_approves_their_own_request(desk):
    own = submitted(desk, requester="UCOMMS")
    with pytest.raises(AccountError, match="You asked for .* another member of Communications"):
        desk.recommend(own.id, own.version, "UCOMMS")
    directors = submitted(desk, requester="UDIR")
    desk.recommend(directors.id, directors.version, "UCOMMS")
    with pytest.raises(AccountError, match="You asked for"):
        desk.approve(directors.id, version(desk, directors.id), "UDIR")


def test_a_director_on_another_platform_than_the_comms_channel_is_asked_in_their_own_chat_too(engine, tmp_path):
    import json

    from bot import identities
    from bot.staff import by_email
    from storage.models import Identity

    desk = council_services(engine, tmp_path, MONDAY_10AM, comms_channel="CCOMMS",
                            teams_app_id="00000000-0000-4000-8000-00000000b07a").accounts  # Slack and Teams
    with Session(desk.engine) as session:  # Dana Director uses Teams only; the Comms channel is in Slack
        director = by_email(session, "dir.place@notts.gov.uk")
        identities.record(session, director.id, None, MONDAY_10AM, identities.SLACK)  # Slack: not found
        identities.record(session, director.id, "29:dir", MONDAY_10AM, identities.TEAMS,
                          conversation=json.dumps({"conversation_id": "a:personal-dir"}))
        session.commit()
        assert {(i.platform, i.user_id) for i in session.exec(select(Identity).where(Identity.staff_id == director.id))} \
            == {(identities.TEAMS, "29:dir"), (identities.SLACK, None)}
    request = submitted(desk)
    outcome = desk.recommend(request.id, request.version, "UCOMMS")
    desk.services.outbox.deliver(outcome.outbox_ids)
    (in_thread,) = [m for m in desk.services.outbox.to("CCOMMS") if say.APPROVE in buttons(m)]
    (in_chat,) = desk.services.outbox.to("a:personal-dir")
    assert in_chat == in_thread and buttons(in_chat)[say.APPROVE] == f"{request.id}:{version(desk, request.id)}"
    outcome = desk.approve(request.id, version(desk, request.id), "29:dir")
    desk.services.outbox.deliver(outcome.outbox_ids)
    updated = desk.services.outbox.to("a:personal-dir")[-1]  # the chat's copy brought up to date in place
    assert say.APPROVE not in buttons(updated) and "Approved" in updated.summary + str(updated.blocks)
