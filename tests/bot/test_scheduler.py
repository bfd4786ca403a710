"""The scheduler runs every job on its trigger, in the council's time zone; interval jobs also run at
start-up so nothing a stopped process left waits an interval."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduler import JOBS, build_scheduler, next_run
from bot.services import Services
from bot.settings import load_settings


def test_every_job_is_scheduled_and_interval_jobs_start_at_once(tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 's.db'}")
    scheduler = build_scheduler(Services(settings))
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == set(JOBS) >= {"outbox", "report-reminders", "retention", "approval-reminders",
                                          "account-reviews", "training-nudges", "manager-digests"}
        now = datetime.now(ZoneInfo("Europe/London"))
        assert jobs["outbox"].next_run_time <= now + timedelta(seconds=1)
        assert jobs["retention"].next_run_time.hour == 2 and jobs["retention"].next_run_time > now
    finally:
        scheduler.shutdown(wait=False)


def test_digests_run_on_weekday_mornings_in_london_time():
    monday_night = datetime(2026, 6, 29, 23, 0, tzinfo=ZoneInfo("Europe/London"))
    run = next_run(JOBS["manager-digests"], "Europe/London", monday_night)
    assert (run.weekday(), run.hour, run.minute) == (1, 9, 5) and run.utcoffset() == timedelta(hours=1)
    friday_noon = datetime(2026, 7, 3, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    assert next_run(JOBS["manager-digests"], "Europe/London", friday_noon).weekday() == 0
