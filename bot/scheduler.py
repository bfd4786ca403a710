"""Scheduled jobs (APScheduler): the same functions run on a timer inside `policybot serve`, alone under
`policybot scheduler`, or once on demand with `policybot jobs run NAME`.

Every job is safe to run in several processes at once: work items are claimed in the database before
they are acted on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable  # run(services) -> str (a one-line summary)
    seconds: int | None = None  # interval trigger
    cron: dict | None = None  # cron trigger fields, in the council's time zone


def _outbox(services) -> str:
    report = services.outbox.deliver_due()
    return f"{report.sent} sent, {report.retried} to retry, {report.failed} failed"


def _report_reminders(services) -> str:
    reminded, escalated, ids = services.cases.run_reminders()
    report = services.outbox.deliver(ids)
    return f"{reminded} reminded, {escalated} escalated, {report.sent} messages sent"


def _retention(services) -> str:
    done, ids = services.cases.run_retention()
    services.outbox.deliver(ids)
    return f"{done} closed case(s) anonymised"


def _approval_reminders(services) -> str:
    reminded, flagged, ids = services.accounts.run_reminders()
    services.outbox.deliver(ids)
    return f"{reminded} reminded, {flagged} flagged to Comms"


def _account_reviews(services) -> str:
    reminded, flagged, ids = services.accounts.run_reviews()
    services.outbox.deliver(ids)
    return f"{reminded} review reminder(s), {flagged} account(s) flagged for leavers"


def _training_nudges(services) -> str:
    return str(services.training.run_nudges())


def _manager_digests(services) -> str:
    sent, _ = services.training.run_digests()
    return f"{sent} digest(s) sent"


def _handoff_reminders(services) -> str:
    reminded, ids = services.handoffs.run_reminders()
    services.outbox.deliver(ids)
    return f"{reminded} hand-off(s) reminded"


def _saved_answer_reviews(services) -> str:
    flagged, ids = services.handoffs.run_reviews()
    services.outbox.deliver(ids)
    return f"{flagged} saved answer(s) flagged for review"


def _teams_roster(services) -> str:
    if not services.settings.teams_enabled:
        return "Teams is not configured (TEAMS_APP_ID)"
    return str(services.teams_roster.sync())


JOBS: dict[str, Job] = {
    "outbox": Job("outbox", "Send queued Slack messages, retrying errors and rate limits with backoff", _outbox,
                  seconds=30),
    "report-reminders": Job("report-reminders", "Route stranded reports; remind and escalate unacknowledged ones",
                            _report_reminders, seconds=300),
    "approval-reminders": Job("approval-reminders", "Remind, then flag, account requests waiting on Comms or a "
                              "director", _approval_reminders, seconds=900),
    "account-reviews": Job("account-reviews", "Remind named staff before an account's yearly review; flag accounts "
                           "whose staff have all left", _account_reviews,
                           cron={"day_of_week": "mon-fri", "hour": 9, "minute": 30}),
    "training-nudges": Job("training-nudges", "Training nudges, policy acknowledgement requests and manager "
                           "escalations, in working time", _training_nudges, seconds=900),
    "manager-digests": Job("manager-digests", "Each line manager's weekly team digest (the week's first working "
                           "day)", _manager_digests, cron={"day_of_week": "mon-fri", "hour": 9, "minute": 5}),
    "handoff-reminders": Job("handoff-reminders", "Remind Comms, once, of questions handed to them and not answered "
                             "after POLICYBOT_HANDOFF_REMIND_HOURS working hours", _handoff_reminders, seconds=600),
    "saved-answer-reviews": Job("saved-answer-reviews", "Flag to Comms saved answers whose source paragraphs "
                                "changed", _saved_answer_reviews, seconds=3600),
    "teams-roster": Job("teams-roster", "Match the members of the teams the bot is in to the staff directory and "
                        "open a personal chat with each, so Teams users the bot has not met can be reached",
                        _teams_roster, cron={"hour": 6, "minute": 45}),
    "retention": Job("retention", "Anonymise closed reports past POLICYBOT_REPORT_RETENTION_DAYS", _retention,
                     cron={"hour": 2, "minute": 30}),
}


def trigger_for(job: Job, timezone: str):
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if job.cron is not None:
        return CronTrigger(timezone=timezone, **job.cron)
    return IntervalTrigger(seconds=job.seconds or 60, timezone=timezone)


def next_run(job: Job, timezone: str, now):
    """When the scheduler would next run `job`, counting from `now` (an aware datetime)."""
    return trigger_for(job, timezone).get_next_fire_time(None, now)


def run_job(services, name: str) -> str:
    if name not in JOBS:
        raise KeyError(name)
    return JOBS[name].run(services)


def build_scheduler(services, *, background: bool = True):
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler_class = BackgroundScheduler if background else BlockingScheduler
    scheduler = scheduler_class(timezone=getattr(services.settings, "timezone", "Europe/London"))
    for job in JOBS.values():
        def execute(job=job):
            try:
                summary = job.run(services)
                log.info("job finished", extra={"job": job.name, "summary": summary})
            except Exception:
                log.exception("job failed", extra={"job": job.name})

        # Interval jobs also run at start-up, so whatever a stopped process left (queued messages, reports
        # not yet routed, nudges due) goes out straight away rather than one interval later.
        first = {} if job.cron is not None else {"next_run_time": datetime.now(scheduler.timezone)}
        scheduler.add_job(execute, trigger_for(job, scheduler.timezone), id=job.name, name=job.name, coalesce=True,
                          max_instances=1, misfire_grace_time=3600 if job.cron is not None else None, **first)
    return scheduler
