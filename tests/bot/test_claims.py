"""Claims that must hold when several bot processes share one database (SQLite and PostgreSQL):
an event is answered by one process only, and an outbox message is sent once."""

from __future__ import annotations

import threading

from slack_sdk import WebClient
from sqlmodel import Session

from bot.outbox import Outbox, enqueue
from bot.slack import claim_event
from tests.support.slack_api import FakeSlack


def _race(target, count=8):
    barrier = threading.Barrier(count)
    results = []
    lock = threading.Lock()

    def run():
        barrier.wait()
        value = target()
        with lock:
            results.append(value)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_an_event_is_claimed_by_exactly_one_of_many_concurrent_deliveries(engine):
    results = _race(lambda: claim_event(engine, "EvRACE", "message"))
    assert sorted(results) == [False] * 7 + [True]


def test_an_outbox_message_is_sent_once_when_several_deliverers_race(engine):
    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url)
        with Session(engine) as session:
            for i in range(5):
                enqueue(session, channel="C1", text=f"message {i}")
            session.commit()
        outboxes = [Outbox(engine, client) for _ in range(6)]
        counter = iter(range(100))
        lock = threading.Lock()

        def deliver():
            with lock:
                outbox = outboxes[next(counter) % len(outboxes)]
            return outbox.deliver_due().sent

        sent = _race(deliver, count=6)
        assert sum(sent) == 5
        texts = sorted(call.params["text"] for call in fake.calls_to("chat.postMessage"))
        assert texts == [f"message {i}" for i in range(5)]
