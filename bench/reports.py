"""Report figures, measured against a real `policybot serve` process and a stand-in Web API on loopback.

* Latency: signed `view_submission`s of the report modal, one at a time; p50/p95 of the time from sending
  the submission to the line manager's DM (`chat.postMessage`) arriving at the stand-in.
* Load: 1,000 reports submitted by 20 concurrent clients; then the number of cases stored, distinct
  references, receipts sent to reporters and case messages sent to managers (all must be 1,000).

    .venv/bin/python bench/reports.py [--single 200] [--reports 1000] [--clients 20] [--database-url URL]
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
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import POLICYBOT, free_port, on_database, percentile, serving, write_results  # noqa: E402

from tests.support import slack_requests as rq  # noqa: E402 - after sys.path
from tests.support.slack_api import FakeSlack  # noqa: E402



def council(size: int) -> list[tuple[str, str, str, str, str, str, str]]:
    """A chief executive, 10 directors, managers with 8 staff each: (email, name, directorate, service,
    manager, roles, Slack id)."""
    people = [("ceo@bench.gov.uk", "Chief", "CEO", "Office", "", "", "UCEO")]
    for d in range(10):
        people.append((f"dir{d}@bench.gov.uk", f"Director {d}", f"D{d}", "Directorate", "ceo@bench.gov.uk",
                       "director", f"UDIR{d}"))
    index = 0
    while len(people) < size:
        d = index % 10
        manager = f"mgr{index}@bench.gov.uk"
        people.append((manager, f"Manager {index}", f"D{d}", f"S{index}", f"dir{d}@bench.gov.uk", "", f"UMGR{index}"))
        for s in range(8):
            people.append((f"staff{index}_{s}@bench.gov.uk", f"Staff {index}.{s}", f"D{d}", f"S{index}", manager, "",
                           f"USTAFF{index}X{s}"))
        index += 1
    return people


def submission(user: str) -> str:
    values = {"kind": rq.radio("misuse"), "platform": rq.select("Facebook"),
              "link": rq.text_input("https://www.facebook.com/groups/123/posts/456"),
              "description": rq.text_input("A colleague has been posting abusive comments about residents."),
              "happened_on": rq.date_input("2026-11-20"), "involved_users": rq.users_input([]),
              "involved_text": rq.text_input(None), "urgency": rq.radio("routine"), "confidential": rq.checkboxes([])}
    return rq.interaction_body(rq.view_submission("report_submit", values, user=user))


def post(connection: http.client.HTTPConnection, body: str) -> dict:
    headers = rq.signed_headers(body, content_type="application/x-www-form-urlencoded")
    connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
    response = connection.getresponse()
    payload = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {payload[:200]!r}")
    return json.loads(payload)


def reference_of(response: dict) -> str:
    text = json.dumps(response["view"])
    start = text.index("SMR-")
    return text[start:start + 13]


def wait_for_text(fake: FakeSlack, channel: str, needle: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in reversed(fake.calls_to("chat.postMessage")):
            if call.params.get("channel") == channel and needle in (call.params.get("text") or ""):
                return call
        time.sleep(0.002)
    raise AssertionError(f"no message to {channel} with {needle}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=200)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--database-url", default=None,
                        help="A PostgreSQL server URL: the run creates a database of its own there and drops it.")
    args = parser.parse_args()
    return on_database(run, args)


def run(args, database_url: str | None) -> int:
    people = council(500)
    staff = [p for p in people if p[0].startswith("staff")]
    managers = {p[6]: next(m[6] for m in people if m[0] == p[4]) for p in staff}
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as data:
        for email, name, *_, user_id in people:
            fake.set_user(user_id, email, name)
        csv_path = Path(data) / "staff.csv"
        csv_path.write_text("email,name,directorate,service,line_manager_email,roles\n" +
                            "".join(",".join(p[:6]) + "\n" for p in people))
        port = free_port()
        env = {**os.environ, "POLICYBOT_DATA_DIR": data, "SLACK_BOT_TOKEN": "xoxb-bench",
               "SLACK_SIGNING_SECRET": rq.SIGNING_SECRET, "SLACK_API_URL": fake.base_url,
               "POLICYBOT_EMBEDDINGS": "none", "POLICYBOT_PORT": str(port), "POLICYBOT_COMMS_CHANNEL": "CCOMMS",
               "POLICYBOT_HR_CHANNEL": "CHR", "POLICYBOT_WORKERS": "4"}
        if database_url:
            env["DATABASE_URL"] = database_url
        subprocess.run([POLICYBOT, "staff", "import", str(csv_path), "--no-slack"], env=env, check=True,
                       capture_output=True)
        with serving(env, port):
            rng = random.Random(5)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            latencies: list[float] = []
            for i in range(args.single + 10):  # the first 10 warm up (and look up Slack ids) and are not counted
                reporter = rng.choice(staff)[6]
                started = time.monotonic()
                reference = reference_of(post(connection, submission(reporter)))
                dm = wait_for_text(fake, "D" + managers[reporter], reference)
                if i >= 10:
                    latencies.append(dm.at - started)
            connection.close()
            time.sleep(1.0)  # the last receipts of this phase arrive before the stand-in's record is cleared
            fake.clear()

            per_client = args.reports // args.clients
            barrier = threading.Barrier(args.clients)
            references: list[str] = []
            failures: list[str] = []
            lock = threading.Lock()

            def client(number: int) -> None:
                own = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                mine = [staff[(number * per_client + k) % len(staff)][6] for k in range(per_client)]
                barrier.wait()
                for reporter in mine:
                    try:
                        reference = reference_of(post(own, submission(reporter)))
                        with lock:
                            references.append(reference)
                    except Exception as error:  # counted, and the figure says so
                        with lock:
                            failures.append(f"{type(error).__name__}: {error}")
                own.close()

            started = time.monotonic()
            threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            submitted_in = time.monotonic() - started
            expected = per_client * args.clients
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                receipts = [c for c in fake.calls_to("chat.postMessage") if "has been received" in (c.params.get("text") or "")]
                if len(receipts) >= expected:
                    break
                time.sleep(0.2)
            time.sleep(1.0)  # anything late or duplicated would arrive now
            drained_in = time.monotonic() - started
            receipts = [c for c in fake.calls_to("chat.postMessage") if "has been received" in (c.params.get("text") or "")]
            case_messages = [c for c in fake.calls_to("chat.postMessage")
                             if (c.params.get("text") or "").startswith("SMR-") and c.params["channel"].startswith("DUMGR")]
            listed = subprocess.run([POLICYBOT, "reports", "--csv"], env=env, check=True, capture_output=True, text=True)
            stored = [line.split(",")[0] for line in listed.stdout.strip().splitlines()[1:]]
    load_cases = len(stored) - args.single - 10
    figures = {
        "database": "postgresql" if database_url else "sqlite",
        "single_reports": len(latencies),
        "to_manager_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "to_manager_p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "load_reports": expected, "load_clients": args.clients, "load_failures": len(failures),
        "load_cases_stored": load_cases, "load_distinct_references": len(set(references)),
        "load_receipts": len(receipts), "load_distinct_receipts": len({c.params["text"] for c in receipts}),
        "load_case_messages": len(case_messages), "load_submit_s": round(submitted_in, 1),
        "load_all_delivered_s": round(drained_in, 1),
        "all_references_unique": len(set(stored)) == len(stored),
    }
    write_results(f"reports_{figures['database']}", figures)
    print(json.dumps(figures, indent=1))
    print(f"| view_submission to the line manager's DM ({figures['database']}, {len(latencies)} reports) | "
          f"p50 {figures['to_manager_p50_ms']} ms, p95 {figures['to_manager_p95_ms']} ms |")
    print(f"| {expected} reports from {args.clients} concurrent clients ({figures['database']}) | "
          f"{load_cases} cases, {len(set(references))} distinct references, {len(receipts)} receipts, "
          f"{len(case_messages)} manager DMs, {len(failures)} failures; submitted in {submitted_in:.1f} s, "
          f"all delivered in {drained_in:.1f} s |")
    return 0 if not failures and load_cases == expected == len(receipts) == len(case_messages) else 1


if __name__ == "__main__":
    sys.exit(main())
