"""Training nudges, policy acknowledgement and managers' digests, with a controlled clock, through the real
Bolt app over signed HTTP and the stand-in Web API: cadence, working hours and holidays, snooze,
self-declaring, import, escalation, digests and "Nudge my overdue team", acknowledgement and
re-acknowledgement of a new version, and concurrent schedulers. On SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import threading
from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, select

from bot.scheduler import run_job
from storage.models import AcknowledgementCampaign, Nudge, PolicyAcknowledgement, StaffMember, TrainingAssignment, TrainingCampaign
from tests.conftest import POLICY_FILE
from tests.handlers.test_reports_jobs import Clock
from tests.handlers.test_reports_slack import dms_to, wait_until
from tests.support import slack_requests as rq
from tests.support.directory import PEOPLE, load_council

MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
EVERYONE = [p[6] for p in PEOPLE]


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def council(slack_bot, tmp_path):
    load_council(slack_bot.services.engine, slack_bot.fake, tmp_path)
    slack_bot.clock = Clock(MONDAY_10AM)
    slack_bot.services.clock = slack_bot.clock
    slack_bot.services.settings.holidays = "2026-12-25,2026-12-28"
    slack_bot.folder = tmp_path
    return slack_bot


def start(bot, **kwargs):
    options = {"name": "Social media awareness 2026", "url": "https://learning.notts.gov.uk/course/42",
               "due": date(2026, 12, 18), "directorate": None, "created_by": "UHR"} | kwargs
    return bot.services.training.start(**options)


def ask_to_acknowledge(bot, title="Social Media Policy", by="UHR"):
    return bot.services.training.start_acknowledgement(title, by)


def nudges_to(fake, user) -> list:
    return [c for c in dms_to(fake, user) if "awareness training" in c.text]


def asks_to(fake, user) -> list:
    return [c for c in dms_to(fake, user) if "I have read and understood it" in c.text]


def run(bot, when=None) -> str:
    if when is not None:
        bot.clock.now = when
    return run_job(bot.services, "training-nudges")


def press(bot, action_id, value, user):
    return bot.action(rq.block_action(action_id, value, user=user, channel="D" + user))


def responses(fake) -> list[str]:
    return [c.params.get("text", "") for c in fake.calls_to("response_url")]


def test_cadence_in_working_time_skipping_holidays_and_capped(council):
    council.services.settings.max_nudges = 4
    campaign, assigned = start(council)
    assert assigned == len(PEOPLE)
    assert run(council, utc(2026, 11, 30, 8, 59)) == "outside working time: nothing sent"
    assert council.fake.calls_to("chat.postMessage") == []
    first = run(council, utc(2026, 11, 30, 10, 0))
    # A directory and an indexed policy ask nobody to acknowledge anything until HR start it.
    assert first.startswith(f"{len(PEOPLE)} training nudge(s), 0 acknowledgement request(s)")
    nudge = nudges_to(council.fake, "USAM")[0]
    assert "by Friday 18 December 2026" in nudge.text and "learning.notts.gov.uk/course/42" in str(nudge.blocks)
    assert {e["action_id"] for b in nudge.blocks if b["type"] == "actions" for e in b["elements"]} == {
        "training_open", "training_done", "training_snooze"}
    assert run(council).startswith("0 training nudge(s), 0 acknowledgement")  # nothing twice
    assert run(council, utc(2026, 12, 11, 8, 59)).startswith("outside")
    assert run(council, utc(2026, 12, 10, 16, 59)).startswith("0 training")  # the day before: nothing new
    assert run(council, utc(2026, 12, 11, 9, 0)).startswith(f"{len(PEOPLE)} training")  # seven days before
    assert run(council, utc(2026, 12, 18, 9, 30)).startswith(f"{len(PEOPLE)} training")  # due today
    assert "is due *today*" in str(nudges_to(council.fake, "USAM")[-1].blocks)
    assert run(council, utc(2026, 12, 26, 11, 0)).startswith("outside")  # Saturday
    assert run(council, utc(2026, 12, 28, 11, 0)).startswith("outside")  # a holiday in the settings
    assert run(council, utc(2026, 12, 29, 9, 0)).startswith(f"{len(PEOPLE)} training")  # overdue, week 1
    assert "was due on" in nudges_to(council.fake, "USAM")[-1].text
    assert run(council, utc(2027, 1, 5, 10, 0)).startswith("0 training")  # the cap (4) is reached
    assert len(nudges_to(council.fake, "USAM")) == 4
    with Session(council.services.engine) as session:
        steps = sorted(session.exec(select(Nudge.step).where(Nudge.kind == "training")).all())
    assert set(steps) == {"assigned", "due-7", "due", "overdue-1"}


def test_self_declaring_and_snoozing(council):
    campaign, _ = start(council)
    run(council)
    press(council, "training_done", str(campaign.id), "USAM")
    wait_until(lambda: responses(council.fake))
    assert "recorded as completed" in responses(council.fake)[0]
    assert council.fake.calls_to("response_url")[0].params.get("replace_original") in (True, "true")
    with Session(council.services.engine) as session:
        sam = session.exec(select(StaffMember).where(StaffMember.email == "sam@notts.gov.uk")).one()
        done = session.exec(select(TrainingAssignment).where(TrainingAssignment.staff_id == sam.id)).one()
    assert (done.status, done.completed_via) == ("completed", "slack")

    run(council, utc(2026, 12, 11, 9, 0))  # Friday: due-7
    press(council, "training_snooze", str(campaign.id), "UALEX")
    wait_until(lambda: len(responses(council.fake)) == 2)
    assert "Monday at 09:00" in responses(council.fake)[1]
    before = len(nudges_to(council.fake, "UALEX"))
    run(council, utc(2026, 12, 11, 15, 0))
    assert len(nudges_to(council.fake, "UALEX")) == before
    run(council, utc(2026, 12, 14, 9, 0))  # Monday: the reminder they asked for
    run(council, utc(2026, 12, 14, 11, 0))
    assert len(nudges_to(council.fake, "UALEX")) == before + 1
    assert len(nudges_to(council.fake, "USAM")) == 1  # completed: no more nudges
    press(council, "training_done", str(campaign.id), "UOTHER")
    wait_until(lambda: len(responses(council.fake)) == 3)


def test_import_reports_bad_rows_and_records_completions(council):
    start(council)
    path = council.folder / "completions.csv"
    path.write_text("email,completed_at\nsam@notts.gov.uk,2026-11-20\nghost@notts.gov.uk,2026-11-20\n"
                    "alex@notts.gov.uk,yesterday\nolly@notts.gov.uk,2099-01-01\nsam@notts.gov.uk,2026-11-21\n",
                    encoding="utf-8")
    report = council.services.training.import_completions(path)
    assert [line for line, _ in report.errors] == [3, 4, 5, 6] and not report.applied
    assert "ghost@notts.gov.uk is not in the staff directory" in report.errors[0][1]
    with Session(council.services.engine) as session:
        assert {a.status for a in session.exec(select(TrainingAssignment)).all()} == {"not_started"}
    partial = council.services.training.import_completions(path, partial=True)
    assert partial.recorded == 1
    with Session(council.services.engine) as session:
        completed = session.exec(select(TrainingAssignment).where(TrainingAssignment.status == "completed")).all()
    assert len(completed) == 1 and completed[0].completed_via == "import"
    run(council)
    assert nudges_to(council.fake, "USAM") == [] and nudges_to(council.fake, "UALEX")


def test_import_reports_dates_no_clock_can_hold_by_line(council):
    start(council)
    path = council.folder / "completions.csv"
    path.write_text("email,completed_at\nsam@notts.gov.uk,0001-01-01T00:00+00:00\nalex@notts.gov.uk,1970-01-01\n"
                    "olly@notts.gov.uk,9999-12-31T23:59\n", encoding="utf-8")
    report = council.services.training.import_completions(path)
    assert [line for line, _ in report.errors] == [2, 3, 4] and not report.applied
    assert "before 2000" in report.errors[0][1] and "before 2000" in report.errors[1][1]
    assert "in the future" in report.errors[2][1] or "is not a date" in report.errors[2][1]
    with Session(council.services.engine) as session:
        assert {a.status for a in session.exec(select(TrainingAssignment)).all()} == {"not_started"}


def test_overdue_staff_are_escalated_to_their_line_manager_once(council):
    start(council)
    run(council)
    run(council, utc(2027, 1, 1, 10, 0))  # 14 days overdue
    tell = [c for c in dms_to(council.fake, "UMGR") if "in your team has not completed" in c.text]
    assert {("Sam Staff" in c.text, "Alex Colleague" in c.text) for c in tell} == {(True, False), (False, True)}
    run(council, utc(2027, 1, 4, 10, 0))
    assert len([c for c in dms_to(council.fake, "UMGR") if "in your team has not completed" in c.text]) == 2


def test_weekly_digest_and_nudge_my_overdue_team(council):
    campaign, _ = start(council)
    run(council)
    press(council, "training_done", str(campaign.id), "UALEX")
    wait_until(lambda: responses(council.fake))
    council.clock.now = utc(2026, 12, 21, 9, 5)  # Monday after the due date
    assert run_job(council.services, "manager-digests") == "3 digest(s) sent"  # the CEO, the director, Morgan
    assert run_job(council.services, "manager-digests") == "0 digest(s) sent"  # once a week
    digest = [c for c in dms_to(council.fake, "UMGR") if "Your team's social media training" in c.text][0]
    text = digest.text
    assert "1 overdue of 2" in text and text.index("Sam Staff") < text.index("Alex Colleague")
    assert "training_nudge_team" in str(digest.blocks)

    before = len(nudges_to(council.fake, "USAM"))
    press(council, "training_nudge_team", "team", "UMGR")
    wait_until(lambda: len(responses(council.fake)) == 2)
    assert "nudged 1 overdue member" in responses(council.fake)[1]
    assert len(nudges_to(council.fake, "USAM")) == before + 1
    assert "Your line manager asked me" in nudges_to(council.fake, "USAM")[-1].text
    assert len(nudges_to(council.fake, "UALEX")) == 1  # completed: not nudged
    press(council, "training_nudge_team", "team", "UMGR")
    wait_until(lambda: len(responses(council.fake)) == 3)
    assert "already been nudged today" in responses(council.fake)[2]
    assert len(nudges_to(council.fake, "USAM")) == before + 1


def test_acknowledgement_and_a_new_version_waits_for_hr(council, tmp_path):
    assert run(council).startswith("0 training nudge(s), 0 acknowledgement")
    campaign, to_ask = ask_to_acknowledge(council)
    assert to_ask == len(PEOPLE) and campaign.document_title == "Social Media Policy"
    assert run(council).startswith(f"0 training nudge(s), {len(PEOPLE)} acknowledgement")
    ask = asks_to(council.fake, "USAM")[0]
    checksum = next(e["value"] for b in ask.blocks if b["type"] == "actions" for e in b["elements"]
                    if e["action_id"] == "policy_acknowledge")
    assert "para 22" in ask.text and "Report any misuse" in str(ask.blocks) and "Social Media Policy" in ask.text
    press(council, "policy_read", checksum, "USAM")  # no intranet address set: the policy opens in Slack
    policy = council.fake.wait_for("views.open")[0].json("view")
    assert "*19.* Council social media accounts will only be authorised" in str(policy["blocks"])
    press(council, "policy_acknowledge", checksum, "USAM")
    wait_until(lambda: responses(council.fake))
    assert "recorded" in responses(council.fake)[0]
    press(council, "policy_acknowledge", checksum, "USAM")
    wait_until(lambda: len(responses(council.fake)) == 2)
    assert "already acknowledged" in responses(council.fake)[1]
    assert len(council.rows(PolicyAcknowledgement)) == 1
    run(council, utc(2026, 12, 7, 10, 0))  # a week on: a reminder for those who have not
    assert len(asks_to(council.fake, "UALEX")) == 2 and len(asks_to(council.fake, "USAM")) == 1

    # A new version of the policy is indexed: nobody is asked about it until HR start it, and it shows as
    # waiting; meanwhile the old version's buttons no longer count.
    from knowledge.indexer import index_paths

    changed = tmp_path / "policy-v2" / "social-media-policy.txt"
    changed.parent.mkdir()
    shutil.copy(POLICY_FILE, changed)
    changed.write_text(changed.read_text(encoding="utf-8").replace("Facebook, Twitter", "Facebook, X"),
                       encoding="utf-8")
    council.clock.now = utc(2026, 12, 8, 10, 0)
    index_paths(council.services.engine, [changed])
    assert run(council).startswith("0 training nudge(s), 0 acknowledgement")
    campaigns, waiting = council.services.training.acknowledgement_status()
    assert [w["document"] for w in waiting] == ["Social Media Policy"]
    assert campaigns[0]["state"] == "paused: a new version is indexed"
    press(council, "policy_acknowledge", checksum, "UALEX")
    wait_until(lambda: len(responses(council.fake)) == 3)
    assert "earlier version" in responses(council.fake)[2]
    assert len(council.rows(PolicyAcknowledgement)) == 1

    _, to_ask = ask_to_acknowledge(council)
    assert to_ask == len(PEOPLE)  # USAM acknowledged the old version only
    assert run(council).startswith(f"0 training nudge(s), {len(PEOPLE)} acknowledgement")
    assert len(asks_to(council.fake, "USAM")) == 2
    assert council.services.training.acknowledgement_status()[1] == []
    with pytest.raises(Exception, match="already being asked"):
        ask_to_acknowledge(council)


def test_acknowledgement_of_another_document_and_stopping(council, tmp_path):
    guidance = tmp_path / "guidance" / "media.md"
    guidance.parent.mkdir()
    guidance.write_text("# Media Relations Protocol\n\n**Version:** 2.1\n\n## Press enquiries\n\n"
                        "All press enquiries go to the press office.\n", encoding="utf-8")
    from knowledge.indexer import index_paths

    index_paths(council.services.engine, [guidance])
    from bot.training import TrainingError

    with pytest.raises(TrainingError, match="No indexed document is called 'Media Protocol'"):
        ask_to_acknowledge(council, "Media Protocol")
    ask_to_acknowledge(council, "media relations protocol")
    run(council)
    ask = asks_to(council.fake, "USAM")[0]
    assert "Media Relations Protocol* (version 2.1)" in str(ask.blocks) and "para 22" not in ask.text
    assert "Report any misuse" not in str(ask.blocks)  # the Social Media Policy's duties belong to it alone
    assert council.services.training.stop_acknowledgement("Media Relations Protocol") == 1
    checksum = next(e["value"] for b in ask.blocks if b["type"] == "actions" for e in b["elements"]
                    if e["action_id"] == "policy_acknowledge")
    press(council, "policy_acknowledge", checksum, "USAM")
    wait_until(lambda: responses(council.fake))
    assert "not being asked" in responses(council.fake)[0] and not council.rows(PolicyAcknowledgement)
    assert run(council, utc(2026, 12, 7, 10, 0)) == \
        "0 training nudge(s), 0 acknowledgement request(s), 0 manager escalation(s)"  # no reminders once stopped


def test_hr_asks_staff_to_acknowledge_from_the_app_home_after_seeing_the_count(council):
    press(council, "acknowledgement_start", "start", "USAM")
    wait_until(lambda: responses(council.fake))
    assert "Only HR" in responses(council.fake)[0]
    press(council, "acknowledgement_start", "start", "UHR")
    view = council.fake.wait_for("views.open")[0].json("view")
    assert view["callback_id"] == "acknowledgement_start_submit"
    assert [o["value"] for o in view["blocks"][0]["element"]["options"]] == ["Social Media Policy"]
    # Someone not in HR submitting the form is refused and nothing starts.
    refused = council.action(rq.view_submission("acknowledgement_start_submit",
                                                {"document": rq.select("Social Media Policy")}, user="USAM")).json()
    assert "Only HR" in refused["errors"]["document"]
    step = council.action(rq.view_submission("acknowledgement_start_submit",
                                             {"document": rq.select("Social Media Policy")}, user="UHR")).json()
    assert step["response_action"] == "update"
    confirm = step["view"]
    assert f"{len(PEOPLE)} of {len(PEOPLE)} people" in str(confirm["blocks"]) and not council.rows(AcknowledgementCampaign)
    # The confirmation replayed by someone not in HR starts nothing and says so.
    council.action(rq.view_submission("acknowledgement_confirm_submit", {}, user="USAM",
                                      private_metadata=confirm["private_metadata"]))
    assert wait_until(lambda: [c for c in dms_to(council.fake, "USAM") if "only HR" in c.text])
    assert not council.rows(AcknowledgementCampaign)
    done = council.action(rq.view_submission("acknowledgement_confirm_submit", {}, user="UHR",
                                             private_metadata=confirm["private_metadata"]))
    assert done.status_code == 200
    wait_until(lambda: council.rows(AcknowledgementCampaign))
    assert council.rows(AcknowledgementCampaign)[0].started_by == "UHR"
    notice = wait_until(lambda: [c for c in dms_to(council.fake, "UHR") if "will be asked to acknowledge" in c.text])
    assert f"{len(PEOPLE)} people" in notice[0].text
    assert run(council).startswith(f"0 training nudge(s), {len(PEOPLE)} acknowledgement")
    council.event({"type": "app_home_opened", "user": "UHR", "tab": "home"})
    home = council.fake.wait_for("views.publish")[0]
    assert "Social Media Policy" in str(home.json("view")) and "asking" in str(home.json("view"))


def test_two_schedulers_at_once_send_each_nudge_once(council):
    start(council)
    ask_to_acknowledge(council)
    from bot.services import Services

    others = [Services(council.services.settings, council.services.runtime, clock=council.clock) for _ in range(3)]
    barrier = threading.Barrier(len(others))

    def go(services):
        barrier.wait()
        run_job(services, "training-nudges")

    threads = [threading.Thread(target=go, args=(s,)) for s in others]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    for user in EVERYONE:
        assert len(nudges_to(council.fake, user)) == 1, user
        assert len(asks_to(council.fake, user)) == 1, user


def test_hr_starts_a_campaign_from_the_app_home_and_sees_progress(council):
    start(council, name="Earlier campaign")
    council.event({"type": "app_home_opened", "user": "UHR", "tab": "home"})
    home = council.fake.wait_for("views.publish")[0]
    assert "Training and acknowledgement" in home.text and "Place" in home.text
    assert "training_start" in str(home.json("view"))
    council.event({"type": "app_home_opened", "user": "UCOMMS", "tab": "home"})
    comms_home = council.fake.wait_for("views.publish", 2)[1]
    assert "Training and acknowledgement" in comms_home.text and "training_start" not in str(comms_home.json("view"))
    council.event({"type": "app_home_opened", "user": "USAM", "tab": "home"})
    assert "Training and acknowledgement" not in council.fake.wait_for("views.publish", 3)[2].text

    press(council, "training_start", "start", "USAM")
    wait_until(lambda: responses(council.fake))
    assert "Only HR" in responses(council.fake)[0]
    press(council, "training_start", "start", "UHR")
    assert council.fake.wait_for("views.open")[0].json("view")["callback_id"] == "training_start_submit"
    values = {"name": rq.text_input("Refresher for Place"), "url": rq.text_input("not a link"),
              "due": rq.date_input("2027-02-26"), "directorate": rq.select("Place")}
    bad = council.action(rq.view_submission("training_start_submit", values, user="UHR")).json()
    assert "url" in bad["errors"]
    values["url"] = rq.text_input("https://learning.notts.gov.uk/course/43")
    crafted = council.action(rq.view_submission("training_start_submit", {**values, "due": rq.date_input("soon")},
                                                user="UHR")).json()
    assert crafted["response_action"] == "errors" and "due" in crafted["errors"]
    typed = {**values, "directorate": rq.text_input("Atlantis")}  # a form with a typed directorate
    assert "directorate" in council.action(rq.view_submission("training_start_submit", typed,
                                                              user="UHR")).json()["errors"]
    assert [c.name for c in council.rows(TrainingCampaign)] == ["Earlier campaign"]  # nothing new
    assert council.action(rq.view_submission("training_start_submit", values, user="USAM")).json()[
        "response_action"] == "errors"
    council.action(rq.view_submission("training_start_submit", values, user="UHR"))
    started = wait_until(lambda: [c for c in dms_to(council.fake, "UHR") if "has started" in c.text])[0]
    assert "5 people assigned" in started.text  # the Place directorate


def test_my_training_button_shows_my_status(council):
    start(council)
    council.action(rq.block_action("home_training", "training", user="USAM"))
    message = wait_until(lambda: dms_to(council.fake, "USAM"))[0]
    assert "Social media awareness 2026" in message.text and "Not started" in message.text
