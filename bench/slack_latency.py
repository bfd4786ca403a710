"""Slack figures, measured against a real `policybot serve` process and a stand-in Web API on loopback.

* Acknowledgement: 50 concurrent signed `/policy` requests at a time (several rounds); p50/p99 of the time
  to the HTTP response, and the number of 5xx responses.
* Mention to posted answer (extractive): signed `app_mention` events; p50/p95 of the time from sending the
  event to the answer's `chat.postMessage` arriving at the stand-in Web API.

    .venv/bin/python bench/slack_latency.py [--rounds 5] [--mentions 100]
"""

from __future__ import annotations

import argparse
import os
import http.client
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, percentile, serving, write_results  # noqa: E402

from tests.support.slack_api import FakeSlack  # noqa: E402 - after sys.path
from tests.support.slack_requests import (SIGNING_SECRET, command_body, event_body, mention_event,  # noqa: E402
                                          signed_headers)



def burst_acks(port: int, question: str, response_url: str, concurrency: int, rounds: int):
    """`rounds` bursts of `concurrency` signed /policy requests sent at the same instant, each thread on its
    own keep-alive connection with its request signed beforehand; returns the response times and 5xx count."""
    barrier = threading.Barrier(concurrency)
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for round_number in range(rounds + 1):  # the first round warms up and is not counted
            body = command_body("/policy", question, user=f"U{i:05d}", response_url=response_url)
            headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
            payload = body.encode()
            barrier.wait()
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if round_number:
                with lock:
                    times.append(elapsed)
                    errors[0] += response.status >= 500
            time.sleep(1.0)  # the previous burst's answers finish; each burst starts fresh
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
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as data:
        port = free_port()
        env = {**os.environ, "POLICYBOT_DATA_DIR": data, "SLACK_BOT_TOKEN": "xoxb-bench",
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.base_url, "POLICYBOT_EMBEDDINGS": "none",
               "POLICYBOT_PORT": str(port), "POLICYBOT_COMMS_CHANNEL": "CCOMMS"}
        with serving(env, port):
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                  limits=httpx.Limits(max_connections=args.concurrency * 2))
            question = os.environ.get("BENCH_Q", "Who has to approve a new council Facebook page?")
            ack_times, errors = burst_acks(port, question, fake.response_url, args.concurrency, args.rounds)
            if os.environ.get("BENCH_Q") != "help":
                fake.wait_for("response_url", args.concurrency * (args.rounds + 1), timeout=120)

            fake.clear()
            latencies: list[float] = []
            for i in range(args.mentions):
                ts = f"1700001000.{i:06d}"
                body = event_body(mention_event("Can I post photos of the kids from the fun day?", user=f"U{i:05d}",
                                                channel="C100", ts=ts))
                started = time.monotonic()
                client.post("/slack/events", content=body, headers=signed_headers(body))
                posted = fake.wait_for("chat.postMessage", i + 1, timeout=30)[i]
                latencies.append(posted.at - started)
    figures = {
        "ack_requests": len(ack_times), "ack_concurrency": args.concurrency,
        "ack_p50_ms": round(percentile(ack_times, 50) * 1000, 1),
        "ack_p99_ms": round(percentile(ack_times, 99) * 1000, 1), "ack_5xx": errors,
        "mention_answers": len(latencies),
        "mention_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "mention_p95_ms": round(percentile(latencies, 95) * 1000, 1),
    }
    write_results("slack_latency", figures)
    print(f"| Slash-command acknowledgement, {args.concurrency} concurrent ({len(ack_times)} requests) | "
          f"p50 {figures['ack_p50_ms']} ms, p99 {figures['ack_p99_ms']} ms, {errors} × 5xx |")
    print(f"| Mention to posted answer, extractive ({len(latencies)} mentions) | "
          f"p50 {figures['mention_p50_ms']} ms, p95 {figures['mention_p95_ms']} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
