"""Teams figures, measured against a real `policybot serve` process and a stand-in Bot Connector on loopback,
with activities signed as the Bot Framework signs them (so every one goes through the JWT check).

* Acknowledgement: bursts of 50 concurrent signed personal-chat messages; p50/p99 of the time to the HTTP
  response, and the number of 5xx responses.
* Mention to answer card: signed channel @mentions one at a time, across 20 team channels; p50/p95 of the time
  from sending the activity to the answer's POST arriving at the stand-in Bot Connector. (One channel takes at
  most 7 bot messages in any second, which the bot keeps to: mentions one after another in a single channel
  would measure that limit, not the bot.)

The Slack figures of the same run (`bench/slack_latency.py`) are the reference.

    .venv/bin/python bench/teams_latency.py [--rounds 5] [--mentions 100]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, percentile, serving, write_results  # noqa: E402

from tests.support.bot_connector import APP_ID, FakeConnector, channel_mention, personal_message  # noqa: E402
from tests.support.slack_api import FakeSlack  # noqa: E402


def burst_acks(port: int, connector: FakeConnector, concurrency: int, rounds: int):
    barrier = threading.Barrier(concurrency)
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    token = connector.sign()

    def client(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for round_number in range(rounds + 1):  # the first round warms up and is not counted
            activity = personal_message("Who has to approve a new council Facebook page?", user=f"29:user{i}",
                                        conversation=f"a:personal-{i}", service_url=connector.service_url)
            payload = json.dumps(activity).encode()
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            barrier.wait()
            started = time.perf_counter()
            connection.request("POST", "/api/messages", body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if round_number:
                with lock:
                    times.append(elapsed)
                    errors[0] += response.status >= 500
            time.sleep(1.0)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--mentions", type=int, default=100)
    args = parser.parse_args()
    with FakeConnector() as connector, FakeSlack() as fake, tempfile.TemporaryDirectory() as data:
        port = free_port()
        env = {**os.environ, "POLICYBOT_DATA_DIR": data, "SLACK_BOT_TOKEN": "xoxb-bench",
               "SLACK_SIGNING_SECRET": "bench-secret", "SLACK_API_URL": fake.base_url,
               "POLICYBOT_EMBEDDINGS": "none", "POLICYBOT_PORT": str(port), "TEAMS_APP_ID": APP_ID,
               "TEAMS_APP_PASSWORD": "bench", "POLICYBOT_TEAMS_KEYS_URL": connector.keys_url,
               "POLICYBOT_TEAMS_TOKEN_URL": connector.token_url}
        with serving(env, port):
            ack_times, errors = burst_acks(port, connector, args.concurrency, args.rounds)
            expected = args.concurrency * (args.rounds + 1)
            connector.wait_for(lambda c: len([x for x in connector.calls if x.method == "POST"]) >= expected,
                               timeout=180)
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
            latencies: list[float] = []
            for i in range(args.mentions):
                activity = channel_mention("Can I post photos of the kids from the fun day?", user=f"29:m{i}",
                                           channel=f"19:team{i % 20}@thread.tacv2",
                                           service_url=connector.service_url, activity_id=f"17000{i:08d}")
                started = time.monotonic()
                client.post("/api/messages", content=json.dumps(activity), headers={
                    "Content-Type": "application/json", "Authorization": f"Bearer {connector.sign()}"})
                want = f";messageid=17000{i:08d}"
                found = connector.wait_for(lambda c, want=want: c.method == "POST" and c.path.endswith("/activities")
                                           and c.conversation.endswith(want), timeout=30)
                latencies.append(found[0].at - started)
    figures = {"ack_requests": len(ack_times), "ack_concurrency": args.concurrency,
               "ack_p50_ms": round(percentile(ack_times, 50) * 1000, 1),
               "ack_p99_ms": round(percentile(ack_times, 99) * 1000, 1), "ack_5xx": errors,
               "mention_answers": len(latencies),
               "mention_p50_ms": round(percentile(latencies, 50) * 1000, 1),
               "mention_p95_ms": round(percentile(latencies, 95) * 1000, 1)}
    write_results("teams_latency", figures)
    print(f"| Teams activity acknowledgement, {args.concurrency} concurrent signed messages ({len(ack_times)}) | "
          f"p50 {figures['ack_p50_ms']} ms, p99 {figures['ack_p99_ms']} ms, {errors} × 5xx |")
    print(f"| Teams channel mention to answer card at the stand-in ({len(latencies)} mentions) | "
          f"p50 {figures['mention_p50_ms']} ms, p95 {figures['mention_p95_ms']} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
