"""Training-nudge figures: a `training-nudges` run for 10,000 staff against the stand-in Web API.

First one run alone, with every Web API call timed where the bot makes it: the bot's own time (claiming,
queuing, rendering, bookkeeping) is the run's wall time less the time spent waiting on the stand-in, per
message. Then, on a fresh database, two runs at the same instant (two `Services`, each with its own Slack
client and connections, as two scheduler processes would have), with some `chat.postMessage` calls answered
HTTP 429 and Retry-After: 1: messages delivered, duplicates, and how long each limited message waited.

    .venv/bin/python bench/nudges.py [--staff 10000] [--rate-limits 3] [--database-url URL] [--platform teams]

With `--platform teams` everyone is known on Teams only (a personal chat each, as after the roster job), the
messages are Adaptive Cards sent to the stand-in Bot Connector, and the 429s are the connector's. The tenant-wide
pacing (POLICYBOT_TEAMS_TENANT_RATE, 40 a second by default) is raised for the run so the bot's own work is what
is measured; at the default a 10,000-person campaign's 20,000 cards take about 8 minutes to send, by design.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, on_database, write_results  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.support.bot_connector import APP_ID, FakeConnector  # noqa: E402
from tests.support.slack_api import FakeSlack  # noqa: E402

WORKING_MOMENT = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)  # a Tuesday morning


def timing(timer, owner, name: str) -> None:
    """Add the time `owner.name(...)` takes to `timer.waiting` (the stand-in's share of the run)."""
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timer.waiting += time.perf_counter() - started

    setattr(owner, name, timed)


class TimedClient:
    """Adds up the time a WebClient spends in Web API calls."""

    def __init__(self, client):
        self.waiting = 0.0
        timing(self, client, "api_call")


class TimedTeams:
    """Adds up the time the Teams sender spends in Bot Connector calls and pacing waits."""

    def __init__(self, sender):
        self.waiting = 0.0
        timing(self, sender.http, "request")
        timing(self, sender.pacer, "sleep")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=10000)
    parser.add_argument("--rate-limits", type=int, default=3, help="chat.postMessage calls answered with 429")
    parser.add_argument("--platform", choices=["slack", "teams"], default="slack")
    parser.add_argument("--database-url", default=None,
                        help="A PostgreSQL server URL: the run creates a database of its own there and drops it.")
    args = parser.parse_args()
    return on_database(run, args)


def teams_identities(engine, service_url: str) -> None:
    """Everyone known on Teams only, each with a personal chat the bot can post to."""
    import sqlalchemy
    from sqlmodel import Session

    from storage.models import Identity, StaffMember, TeamsConversation

    with Session(engine) as session:
        ids = [row for row in session.exec(sqlalchemy.select(StaffMember.id)).scalars()]
        session.execute(sqlalchemy.insert(Identity), [
            {"staff_id": i, "platform": "teams", "user_id": f"29:{i}", "checked_at": WORKING_MOMENT,
             "conversation": json.dumps({"conversation_id": f"a:chat-{i}", "service_url": service_url})}
            for i in ids])
        session.execute(sqlalchemy.insert(TeamsConversation), [
            {"conversation_id": f"a:chat-{i}", "service_url": service_url, "kind": "personal", "user_id": f"29:{i}",
             "updated_at": WORKING_MOMENT} for i in ids])
        session.commit()


def prepare(url: str, staff: int, fake, platform: str = "slack") -> object:
    """A database with the policy indexed, `staff` people (Slack ids known, as after `policybot staff import`)
    and a campaign just started; returns the settings to run against it."""
    import sqlalchemy
    from sqlalchemy import update
    from sqlmodel import Session

    from bot.services import Services
    from bot.settings import load_settings
    from bot.staff import import_staff
    from knowledge.indexer import index_paths
    from storage.db import get_engine
    from storage.migrate import upgrade
    from storage.models import StaffMember

    upgrade(url)
    engine = get_engine(url)
    index_paths(engine, [ROOT / "knowledge" / "documents"])
    with tempfile.TemporaryDirectory() as folder:
        lines = ["email,name,directorate,service,line_manager_email,roles", "ceo@bench.gov.uk,Chief,CEO,Office,,hr"]
        lines += [f"s{n}@bench.gov.uk,Staff {n},D{n % 10},S{n % 50},ceo@bench.gov.uk," for n in range(staff - 1)]
        (Path(folder) / "staff.csv").write_text("\n".join(lines) + "\n")
        import_staff(engine, Path(folder) / "staff.csv")
    if platform == "teams":
        teams_identities(engine, fake.service_url)
    else:
        with Session(engine) as session:  # everyone already known on Slack (ids as a directory lookup keeps them)
            try:
                from storage.models import Identity

                session.execute(sqlalchemy.insert(Identity).from_select(
                    ["staff_id", "platform", "user_id", "checked_at"],
                    sqlalchemy.select(StaffMember.id, sqlalchemy.literal("slack"),
                                      "U" + StaffMember.id.cast(sqlalchemy.String),
                                      sqlalchemy.literal(WORKING_MOMENT))))
            except ImportError:  # the code before the identity table, measured side by side
                session.execute(update(StaffMember).values(
                    slack_user_id="U" + StaffMember.id.cast(sqlalchemy.String), slack_checked_at=WORKING_MOMENT))
            session.commit()
    if platform == "teams":  # a Teams-only council
        settings = load_settings(database_url=url, embeddings="none", comms_channel="19:comms@thread.tacv2",
                                 teams_app_id=APP_ID, teams_app_password="bench", teams_token_url=fake.token_url,
                                 teams_keys_url=fake.keys_url, teams_tenant_rate=1000)
    else:
        settings = load_settings(database_url=url, slack_bot_token="xoxb-bench", slack_api_url=fake.base_url,
                                 embeddings="none", comms_channel="CCOMMS")
    desk = Services(settings, clock=lambda: WORKING_MOMENT).training
    desk.start(name="Awareness 2026", url="https://learning.example.gov.uk/42", due=date(2026, 12, 18),
               directorate=None, created_by="bench")
    desk.start_acknowledgement("Social Media Policy", "bench")  # HR asks everyone to acknowledge the policy
    return settings


def delivered_and_duplicates(fake) -> tuple[int, int, list]:
    if isinstance(fake, FakeConnector):
        posts = [(c.conversation, c.body.get("summary"), c.at, c.failed_with) for c in fake.calls
                 if c.method == "POST" and c.path.endswith("/activities")]
    else:
        posts = [(c.params["channel"], c.params.get("text"), c.at, c.failed_with)
                 for c in fake.calls_to("chat.postMessage")]
    accepted = Counter((channel, text) for channel, text, _, failed in posts if failed is None)
    duplicates = sum(count - 1 for count in accepted.values() if count > 1)
    retry_gaps = []  # each 429 answer, and how long the bot waited before sending that message again
    for index, (channel, text, at, failed) in enumerate(posts):
        if failed == 429:
            again = next((p for p in posts[index + 1:] if p[0] == channel and p[1] == text), None)
            retry_gaps.append(round(again[2] - at, 2) if again else None)
    return len(accepted), duplicates, retry_gaps


def run(args, database_url: str | None) -> int:
    from bot.scheduler import run_job
    from bot.services import Services
    from storage.db import get_engine

    clock = lambda: WORKING_MOMENT  # noqa: E731
    teams = args.platform == "teams"
    stand_in = FakeConnector if teams else FakeSlack
    with tempfile.TemporaryDirectory() as data:
        # One run alone: the bot's own time per message.
        with stand_in() as fake:
            url = database_url or f"sqlite:///{data}/single.db"
            settings = prepare(url, args.staff, fake, args.platform)
            services = Services(settings, clock=clock)
            timer = TimedTeams(services.outbox.senders["teams"]) if teams else TimedClient(services.client)
            started = time.perf_counter()
            single = run_job(services, "training-nudges")
            wall = time.perf_counter() - started
            single_delivered, single_duplicates, _ = delivered_and_duplicates(fake)
            get_engine(url).dispose()
        if database_url:  # a clean database for the second part
            from sqlalchemy import create_engine, text

            admin = create_engine(database_url)
            with admin.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            admin.dispose()
            get_engine.cache_clear()
        # Two runs at once (two schedulers), with rate limits: no duplicates, Retry-After honoured.
        with stand_in() as fake:
            url = database_url or f"sqlite:///{data}/double.db"
            settings = prepare(url, args.staff, fake, args.platform)
            runners = [Services(settings, clock=clock) for _ in range(2)]
            if teams:
                fake.fail("POST", 429, retry_after=1, times=args.rate_limits)
            else:
                fake.fail("chat.postMessage", status=429, error="ratelimited", retry_after=1, times=args.rate_limits)
            barrier = threading.Barrier(2)
            results: list[str] = []

            def go(services):
                barrier.wait()
                results.append(run_job(services, "training-nudges"))

            threads = [threading.Thread(target=go, args=(s,)) for s in runners]
            double_started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            double_wall = time.perf_counter() - double_started
            # A message throttled twice waits in the outbox for its backoff; the next delivery round sends it.
            from datetime import timedelta

            later = Services(settings, clock=lambda: WORKING_MOMENT + timedelta(hours=1))
            retried = later.outbox.deliver_due(limit=args.staff * 2)
            delivered, duplicates, retry_gaps = delivered_and_duplicates(fake)
            get_engine(url).dispose()
    figures = {
        "database": "postgresql" if database_url else "sqlite", "platform": args.platform, "staff": args.staff,
        "single_run": single, "single_delivered": single_delivered, "single_wall_s": round(wall, 2),
        "single_waiting_on_stand_in_s": round(timer.waiting, 2),
        "bot_ms_per_message": round((wall - timer.waiting) / max(single_delivered, 1) * 1000, 3),
        "concurrent_runs": results, "concurrent_delivered": delivered, "concurrent_duplicates": duplicates,
        "concurrent_wall_s": round(double_wall, 1), "rate_limited_answers": args.rate_limits,
        "retry_gaps_s": retry_gaps, "sent_by_the_next_delivery_round": retried.sent,
    }
    write_results(f"nudges_{figures['database']}" + ("_teams" if teams else ""), figures)
    print(json.dumps(figures, indent=1))
    print(f"| `training-nudges` for {args.staff:,} staff on {args.platform} ({figures['database']}) | one run: "
          f"{single_delivered:,} DMs "
          f"(training nudges and acknowledgement requests) in {wall:.1f} s, {timer.waiting:.1f} s of it waiting on "
          f"the stand-in: bot-side {figures['bot_ms_per_message']} ms per message. Two runs at once: {delivered:,} "
          f"DMs, {duplicates} duplicates; {args.rate_limits} × 429 (Retry-After: 1) retried after "
          f"{', '.join(str(g) for g in retry_gaps)} s |")
    honoured = all(gap is not None and gap >= 1.0 for gap in retry_gaps)
    expected = 2 * args.staff
    return 0 if (duplicates == 0 and single_duplicates == 0 and honoured and delivered == expected
                 and single_delivered == expected) else 1


if __name__ == "__main__":
    sys.exit(main())
