"""`/accounts` lookup figures, against a real `policybot serve` process and a stand-in Web API on loopback.

A register of 5,000 entries is written to the bot's database; then signed `/accounts` commands (handles,
web addresses, names and misses, from staff and from Comms) are sent one at a time. For each: the time
to the HTTP acknowledgement, and the time until the answer reaches the stand-in (the command's
response_url). p50/p95 of both.

    .venv/bin/python bench/accounts.py [--entries 5000] [--lookups 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, on_database, percentile, serving, write_results  # noqa: E402

from tests.support import slack_requests as rq  # noqa: E402 - after sys.path
from tests.support.slack_api import FakeSlack  # noqa: E402

from common import POLICYBOT  # noqa: E402
PLATFORMS = ["Facebook", "X (Twitter)", "Instagram", "LinkedIn", "YouTube", "TikTok", "Flickr", "Nextdoor"]
WORDS = ["libraries", "highways", "schools", "adoption", "fostering", "recycling", "countryside", "museums",
         "archives", "trading", "registrars", "youth", "parks", "transport", "care", "jobs", "events", "heritage"]


def populate(url: str, entries: int) -> list[tuple[str, str]]:
    """Write `entries` register entries; return (handle, url) pairs to look up."""
    from sqlmodel import Session

    from bot.accounts import search_key
    from storage.db import get_engine
    from storage.migrate import upgrade
    from storage.models import RegisteredAccount

    upgrade(url)
    engine = get_engine(url)
    rng = random.Random(11)
    pairs = []
    with Session(engine) as session:
        for n in range(entries):
            word = rng.choice(WORDS)
            handle = f"@Notts{word.capitalize()}{n}"
            platform = rng.choice(PLATFORMS)
            link = f"https://www.{platform.split()[0].lower()}.com/notts{word}{n}"
            account = RegisteredAccount(platform=platform, name=handle, handle=handle, url=link,
                                        service=word.capitalize(), directorate=f"D{n % 10}",
                                        staff_user_ids="UA,UB", approval_reference=f"SMA-2026-{n:04d}",
                                        approved_by="UDIR", approved_at=datetime.now(timezone.utc),
                                        review_due=date(2027, 11, 1), status="active" if n % 20 else "suspended")
            account.search_key = search_key(account)
            session.add(account)
            pairs.append((handle, link))
        session.commit()
    engine.dispose()
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--database-url", default=None,
                        help="A PostgreSQL server URL: the run creates a database of its own there and drops it.")
    args = parser.parse_args()
    return on_database(run, args)


def run(args, database_url: str | None) -> int:
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as data:
        url = database_url or f"sqlite:///{data}/policybot.db"
        pairs = populate(url, args.entries)
        staff_csv = Path(data) / "staff.csv"
        staff_csv.write_text("email,name,directorate,service,line_manager_email,roles\n"
                             "comms@bench.gov.uk,Comms,D0,Comms,,comms\nstaff@bench.gov.uk,Staff,D0,S,comms@bench.gov.uk,\n")
        fake.set_user("UCOMMS", "comms@bench.gov.uk", "Comms")
        fake.set_user("USTAFF", "staff@bench.gov.uk", "Staff")
        port = free_port()
        env = {**os.environ, "POLICYBOT_DATA_DIR": data, "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-bench",
               "SLACK_SIGNING_SECRET": rq.SIGNING_SECRET, "SLACK_API_URL": fake.base_url,
               "POLICYBOT_EMBEDDINGS": "none", "POLICYBOT_PORT": str(port), "POLICYBOT_COMMS_CHANNEL": "CCOMMS"}
        subprocess.run([POLICYBOT, "staff", "import", str(staff_csv), "--no-slack"], env=env, check=True,
                       capture_output=True)
        with serving(env, port):
            rng = random.Random(3)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            acks: list[float] = []
            answers: list[float] = []
            kinds: dict[str, int] = {}
            for i in range(args.lookups + 10):  # the first 10 warm up and are not counted
                handle, link = rng.choice(pairs)
                kind = rng.choice(["handle", "url", "name", "miss"])
                query = {"handle": handle, "url": link, "name": rng.choice(WORDS),
                         "miss": f"@FakeNottsCouncil{rng.randint(0, 10**6)}"}[kind]
                user = "UCOMMS" if i % 4 == 0 else "USTAFF"
                body = rq.command_body("/accounts", query, user=user, response_url=fake.response_url)
                headers = rq.signed_headers(body, content_type="application/x-www-form-urlencoded")
                before = len(fake.calls_to("response_url"))
                started = time.monotonic()
                connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
                response = connection.getresponse()
                response.read()
                acked = time.monotonic()
                answer = fake.wait_for("response_url", before + 1, timeout=30)[before]
                if i >= 10:
                    acks.append(acked - started)
                    answers.append(answer.at - started)
                    kinds[kind] = kinds.get(kind, 0) + 1
            connection.close()
    figures = {"database": "postgresql" if database_url else "sqlite", "entries": args.entries,
               "lookups": len(answers), "queries": kinds,
               "ack_p50_ms": round(percentile(acks, 50) * 1000, 1), "ack_p95_ms": round(percentile(acks, 95) * 1000, 1),
               "answer_p50_ms": round(percentile(answers, 50) * 1000, 1),
               "answer_p95_ms": round(percentile(answers, 95) * 1000, 1)}
    write_results(f"accounts_{figures['database']}", figures)
    print(json.dumps(figures, indent=1))
    print(f"| `/accounts` over {args.entries:,} register entries ({figures['database']}, {len(answers)} lookups) | "
          f"acknowledged p95 {figures['ack_p95_ms']} ms; answered p50 {figures['answer_p50_ms']} ms, "
          f"p95 {figures['answer_p95_ms']} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
