"""Claims that must hold when several bot processes share one database (SQLite and PostgreSQL):
an event is answered by one process only, and an outbox message is sent once."""

from __future__ import annotations

import threading

from slack_sdk import WebClient
from sqlmodel import Session

from bot.outbox import Outbox, enqueue
from handlers.slack.app import claim_event
from handlers.slack.sender import SlackSender
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
        outboxes = [Outbox(engine, {"slack": SlackSender(client)}) for _ in range(6)]
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


def test_a_claim_that_has_aged_is_renewed_or_given_up(sqlite_engine):
    """A chunk slowed by rate limits renews each claim before sending; if another process has taken the
    message over since (its claim went stale), this one does not send it."""
    from datetime import timedelta

    from sqlalchemy import update
    from sqlmodel import Session

    from bot.outbox import CLAIM_TIMEOUT, Outbox, enqueue
    from storage.models import OutboxMessage, utcnow

    class Clock:
        now = utcnow()

        def __call__(self):
            return self.now

    clock = Clock()
    outbox = Outbox(sqlite_engine, {}, clock=clock)
    with Session(sqlite_engine) as session:
        ids = [enqueue(session, channel="C1", text=f"m{n}").id for n in range(2)]
        session.commit()
    first, second = outbox._claim(ids)
    clock.now += CLAIM_TIMEOUT * 0.6  # the chunk has been slow
    assert outbox._still_ours(first)  # renewed
    with Session(sqlite_engine) as session:  # another process took the second one over (attempts went up)
        session.execute(update(OutboxMessage).where(OutboxMessage.id == second.id)
                        .values(attempts=OutboxMessage.attempts + 1, claimed_at=clock.now))
        session.commit()
    assert not outbox._still_ours(second)
    with Session(sqlite_engine) as session:
        renewed = session.get(OutboxMessage, first.id)
    assert abs((renewed.claimed_at.replace(tzinfo=clock.now.tzinfo) - clock.now)) < timedelta(seconds=1)


def _timed_out_post(engine, fake, **message):
    """A post that Slack accepted but answered only after the client gave up."""
    client = WebClient(token="xoxb-test", base_url=fake.base_url, timeout=0.3)
    client.retry_handlers.clear()
    with Session(engine) as session:
        message_id = enqueue(session, channel="C1", text="Your case NCC-1 was routed.", **message).id
        session.commit()
    outbox = Outbox(engine, {"slack": SlackSender(client)})
    fake.slow("chat.postMessage", 1.0)
    first = outbox.deliver([message_id])
    return outbox, message_id, first


def test_a_post_whose_answer_timed_out_is_read_back_not_sent_twice(engine):
    from storage.models import OutboxMessage

    with FakeSlack() as fake:
        outbox, message_id, first = _timed_out_post(engine, fake)
        assert first.retried == 1 and outbox.get(message_id).last_error.startswith("uncertain: ")
        assert len(fake.posted["C1"]) == 1  # it did arrive
        again = outbox.deliver([message_id])
        assert again.sent == 1
        assert len(fake.calls_to("chat.postMessage")) == 1 and len(fake.calls_to("conversations.history")) == 1
        sent = outbox.get(message_id)
        assert (sent.status, sent.sent_ts) == ("sent", fake.posted["C1"][0]["ts"])
        assert fake.calls_to("chat.postMessage")[0].params["metadata"]["event_payload"] == {"outbox_id": message_id}
        assert isinstance(sent, OutboxMessage)


def test_a_post_that_timed_out_and_never_arrived_is_sent_again_in_its_thread(engine):
    with FakeSlack() as fake:
        outbox, message_id, _ = _timed_out_post(engine, fake, thread_ts="1700000000.000001")
        fake.posted["C1"].clear()  # lost on the way after all
        assert outbox.deliver([message_id]).sent == 1
        assert len(fake.calls_to("conversations.replies")) == 1 and len(fake.calls_to("chat.postMessage")) == 2
        assert len(fake.posted["C1"]) == 1 and outbox.get(message_id).status == "sent"


def test_a_message_is_queued_on_the_workflows_clock_and_due_by_it(engine):
    """A workflow run on a controlled clock (a job catching up, a test) queues messages at its own time, so an
    outbox on the same clock finds them due; without `at` the real time is used."""
    from datetime import datetime, timezone

    past = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url)
        with Session(engine) as session:
            queued = enqueue(session, channel="C1", text="Reminder", at=past)
            real = enqueue(session, channel="C1", text="Now")
            session.commit()
            ids = (queued.id, real.id)
        outbox = Outbox(engine, {"slack": SlackSender(client)}, clock=lambda: past)
        message = outbox.get(ids[0])
        assert message.created_at.replace(tzinfo=timezone.utc) == past
        assert outbox.deliver_due().sent == 1  # the one queued on this clock; the other is not due until later
        assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["Reminder"]


def test_each_platform_sends_through_its_own_sender_and_one_without_a_sender_fails_for_good(engine):
    from bot.messages import Message, Paragraph

    class Recording:  # a platform's sender: takes the neutral message as stored
        def __init__(self):
            self.sent = []

        def send(self, message):
            self.sent.append((message.channel, Message.from_json(message.content)))
            return message.channel, f"m{message.id}"

    hello = Message(summary="Hello", blocks=(Paragraph(("Hello",)),))
    other = Recording()
    with Session(engine) as session:
        ours = enqueue(session, channel="conversation-1", content=hello, platform="other").id
        lost = enqueue(session, channel="C2", text="x", platform="fax").id
        session.commit()
    outbox = Outbox(engine, {"other": other})
    report = outbox.deliver([ours, lost])
    assert (report.sent, report.failed) == (1, 1)
    assert other.sent == [("conversation-1", hello)] and outbox.get(ours).sent_ts == f"m{ours}"
    failed = outbox.get(lost)
    assert failed.status == "failed" and "no sender for platform 'fax'" in failed.last_error


def test_only_a_failed_message_is_put_back_in_the_queue(engine):
    from sqlalchemy import update as sql_update

    from bot.outbox import requeue, unsent
    from storage.models import OutboxMessage

    with Session(engine) as session:
        failed = enqueue(session, channel="C1", text="gave up").id
        waiting = enqueue(session, channel="C1", text="queued").id
        session.execute(sql_update(OutboxMessage).where(OutboxMessage.id == failed).values(status="failed", attempts=8))
        session.commit()
    assert [m.id for m in unsent(engine, failed_only=True)] == [failed]
    assert requeue(engine, waiting) is False and requeue(engine, 12345) is False
    assert requeue(engine, failed) is True
    again = next(m for m in unsent(engine) if m.id == failed)
    assert (again.status, again.attempts) == ("pending", 0) and unsent(engine, failed_only=True) == []


def test_retries_back_off_with_jitter_and_never_before_the_platforms_retry_after():
    import random

    from bot.outbox import retry_delay

    rng = random.Random(7)
    first = [retry_delay(1, rng=rng) for _ in range(200)]
    assert 24 <= min(first) < 27 and 33 < max(first) <= 36 and len({round(d, 3) for d in first}) > 150  # spread
    assert all(2880 <= retry_delay(8, rng=rng) <= 3600 * 1.2 for _ in range(50))  # capped near an hour
    assert all(retry_delay(1, 120, rng=rng) == 120 for _ in range(20))  # Retry-After: 120 is honoured
    assert retry_delay(1, 99999, rng=rng) >= 3600
