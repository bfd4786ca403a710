"""The outbox: every message the bot owes someone, kept until the chat platform has taken it.

A workflow writes its change and its messages in one transaction (`enqueue`), commits, and then asks for
delivery (`Outbox.deliver`). Each message is claimed before it is sent (pending → sending, a conditional
UPDATE), so several processes delivering at once never send one twice. It is sent by its platform's sender
(`handlers/<platform>/sender.py`), which draws a neutral message for the platform and says whether a
failure is for good; otherwise the message goes back with exponential backoff, and after `MAX_ATTEMPTS` it
is marked failed and stays in the table for the operators (it is never dropped). A message claimed by a
process that died is released after `CLAIM_TIMEOUT`.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.identities import mark_unreachable
from storage.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=5)
CLAIM_CHUNK = 20


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


POST, UPDATE, EPHEMERAL, RESPOND = "post", "update", "ephemeral", "respond"
METHODS = (POST, UPDATE, EPHEMERAL, RESPOND)


def enqueue(session: Session, *, channel: str, text: str = "", blocks: list | None = None, method: str = POST,
            thread_ts: str | None = None, ts: str | None = None, user: str | None = None, purpose: str = "",
            ref_type: str | None = None, ref_id: int | None = None,
            response_url: str | None = None, at: datetime | None = None, content=None,
            platform: str = "slack") -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; it is sent once the caller commits. `method`
    is what to do on the platform: "post" a new message, "update" the message `ts` in place, an "ephemeral"
    message only `user` sees, or "respond": the private reply at a slash command's `response_url`. `at` is the workflow's
    own clock (queued and first due then); the real time when not given. `content` is a platform-neutral
    message (bot.messages.Message), drawn for the platform when it is sent; `text` is then its summary."""
    if method not in METHODS:
        raise ValueError(f"unknown outbox method {method!r}")
    now = at or utcnow()
    if content is not None:
        text, blocks = content.summary, None
    message = OutboxMessage(channel=channel, text=text, blocks=json.dumps(blocks) if blocks is not None else None,
                            content=content.to_json() if content is not None else None, platform=platform,
                            method=method, thread_ts=thread_ts, ts=ts, user=user, purpose=purpose,
                            ref_type=ref_type, ref_id=ref_id, response_url=response_url, created_at=now,
                            next_attempt_at=now)
    session.add(message)
    session.flush()
    return message


# A send whose answer never came may have arrived all the same: its error is recorded with this prefix, and
# the sender checks before sending it again (Slack reads the channel back for it).
UNCERTAIN = "uncertain: "


class DeliveryError(Exception):
    """A send that failed: `permanent` (never worth trying again) or not; `uncertain` when it may have arrived;
    `unreachable` when the platform says this person cannot be reached at all (they blocked the bot, or the app
    is not installed for them)."""

    def __init__(self, error: str, *, permanent: bool = False, uncertain: bool = False, unreachable: bool = False,
                 retry_after: float | None = None):
        super().__init__(error)
        self.error, self.permanent, self.uncertain = error, permanent, uncertain
        self.unreachable = unreachable
        self.retry_after = retry_after  # seconds the platform asked the bot to wait (Retry-After)


def retry_delay(attempts: int, retry_after: float | None = None, rng=random) -> float:
    """Seconds before a failed message is tried again: 30 s doubling with each attempt up to an hour, spread by
    ±20 % so messages throttled together are not all retried together, and never sooner than the platform's
    Retry-After."""
    base = min(30 * 2 ** max(attempts - 1, 0), 3600) * rng.uniform(0.8, 1.2)
    return max(base, min(float(retry_after), 3600.0)) if retry_after else base


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> tuple[str | None, str | None]:
        """Send `message`; the channel and message id it now has. Raises DeliveryError."""


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


class Outbox:
    def __init__(self, engine: Engine, senders: dict[str, Sender], clock=utcnow, alert_targets=None):
        self.engine = engine
        self.senders = dict(senders)  # platform → its sender
        self.clock = clock
        # alert_targets(session) -> channel or user ids told when a message fails for good (admins)
        self.alert_targets = alert_targets

    def _claim(self, message_ids: list[int]) -> list[OutboxMessage]:
        """Claim those of `message_ids` nobody else has (pending, or claimed by a process that died), in one
        conditional UPDATE … RETURNING; returns them in the order asked for."""
        now = self.clock()
        table = OutboxMessage.__table__
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            rows = connection.execute(
                update(table).where(table.c.id.in_(message_ids))
                .where(or_(table.c.status == "pending",
                           (table.c.status == "sending") & (table.c.claimed_at < now - CLAIM_TIMEOUT)))
                .values(status="sending", claimed_at=now, attempts=table.c.attempts + 1)
                .returning(*table.c)).all()
        claimed = {row.id: OutboxMessage(**row._mapping) for row in rows}
        return [claimed[message_id] for message_id in message_ids if message_id in claimed]

    def deliver(self, message_ids: Iterable[int]) -> DeliveryReport:
        """Send these messages now (those another process has claimed are left to it). Claimed a few at a
        time, so a long run of rate-limit pauses never leaves a claim to go stale."""
        report = DeliveryReport()
        ids = list(message_ids)
        for start in range(0, len(ids), CLAIM_CHUNK):
            claimed = self._claim(ids[start:start + CLAIM_CHUNK])
            self._prepare(claimed)
            for message in claimed:
                if self._still_ours(message):
                    self._send_claimed(message, report)
        return report

    def _prepare(self, messages: list[OutboxMessage]) -> None:
        """Let each platform's sender look up what a batch needs at once (Teams: the conversations' service URLs
        in one query rather than one a message)."""
        by_platform: dict[str, list[OutboxMessage]] = {}
        for message in messages:
            by_platform.setdefault(message.platform or "slack", []).append(message)
        for platform, batch in by_platform.items():
            prepare = getattr(self.senders.get(platform), "prepare", None)
            if prepare is not None:
                try:
                    prepare(batch)
                except Exception:  # only a shortcut: each message is still looked up as it is sent
                    log.warning("sender could not prepare a batch", extra={"platform": platform})

    def _still_ours(self, message: OutboxMessage) -> bool:
        """A claim older than half the timeout (a chunk slowed by rate limits) is renewed before sending, and
        only if no other process has taken the message over in the meantime."""
        claimed_at = _aware(message.claimed_at)
        now = self.clock()
        if claimed_at is None or now - claimed_at < CLAIM_TIMEOUT / 2:
            return True
        table = OutboxMessage.__table__
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            renewed = connection.execute(update(table).where(table.c.id == message.id)
                                         .where(table.c.status == "sending")
                                         .where(table.c.attempts == message.attempts)
                                         .values(claimed_at=now)).rowcount == 1
        message.claimed_at = now
        return renewed

    def _send_claimed(self, message: OutboxMessage, report: DeliveryReport) -> None:
        sender = self.senders.get(message.platform or "slack")
        try:
            if sender is None:
                raise DeliveryError(f"no sender for platform {message.platform!r}", permanent=True)
            channel, ts = sender.send(message)
        except DeliveryError as error:
            self._record_failure(message, (UNCERTAIN if error.uncertain else "") + error.error[:300],
                                 permanent=error.permanent, report=report, unreachable=error.unreachable,
                                 retry_after=error.retry_after)
            return
        table = OutboxMessage.__table__
        # One statement, committed on its own (no BEGIN/COMMIT round trips): recorded the moment Slack has it.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(update(table).where(table.c.id == message.id).values(
                status="sent", sent_at=self.clock(), sent_channel=channel, sent_ts=ts, last_error=None))
        message.status, message.sent_channel, message.sent_ts = "sent", channel, ts
        report.sent += 1

    def _record_failure(self, message: OutboxMessage, error: str, *, permanent: bool, report: DeliveryReport,
                        unreachable: bool = False, retry_after: float | None = None) -> None:
        attempts = message.attempts
        if (message.last_error or "").startswith(UNCERTAIN) and not error.startswith(UNCERTAIN):
            error = UNCERTAIN + error  # an earlier attempt may still have arrived: keep checking before resending
        failed = permanent or attempts >= MAX_ATTEMPTS
        delay = timedelta(seconds=retry_delay(attempts, retry_after))
        alerts: list[int] = []
        with Session(self.engine) as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(
                status="failed" if failed else "pending", last_error=error[:500],
                next_attempt_at=self.clock() + delay))
            # Someone the platform cannot reach is flagged once (and not sent to there again until they next talk
            # to the bot); a message to them that fails later raises no new alert.
            newly = unreachable and mark_unreachable(session, message.platform or "slack", message.channel,
                                                     self.clock())
            alert = failed and message.purpose != "admin-alert" and self.alert_targets is not None and \
                (newly or not unreachable)
            if alert:
                reason = " (this person cannot be reached there: the app is not installed for them, or they " \
                    "blocked it; they are flagged and not sent to there again until they next use the bot)" \
                    if newly else ""
                text = (f":warning: A message could not be delivered after {attempts} attempt(s) and needs "
                        f"attention: outbox #{message.id} ({message.purpose or 'message'}) to {message.channel}: "
                        f"{error[:200]}{reason}. It is kept; `policybot outbox --failed` lists such messages.")
                for target in self.alert_targets(session):
                    if target != message.channel:
                        alerts.append(enqueue(session, channel=target, text=text, purpose="admin-alert", at=self.clock(),
                                              ref_type="outbox", ref_id=message.id).id)
            session.commit()
        message.status = "failed" if failed else "pending"
        if alerts:
            self.deliver(alerts)
        if failed:
            report.failed += 1
            log.error("outbox message failed for good", extra={"outbox_id": message.id, "error": error,
                                                               "purpose": message.purpose})
        else:
            report.retried += 1
            log.warning("outbox message will be retried", extra={"outbox_id": message.id, "error": error})

    def deliver_due(self, limit: int = 500) -> DeliveryReport:
        """Send whatever is due: the `outbox` job."""
        now = self.clock()
        with Session(self.engine) as session:
            ids = session.exec(
                select(OutboxMessage.id)
                .where(or_((OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                           (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT)))
                .order_by(OutboxMessage.id).limit(limit)).all()
        return self.deliver(ids)

    def get(self, message_id: int) -> OutboxMessage | None:
        with Session(self.engine) as session:
            message = session.get(OutboxMessage, message_id)
            if message is not None:
                message.claimed_at = _aware(message.claimed_at)
            return message


def unsent(engine: Engine, *, failed_only: bool = False, limit: int = 500) -> list[OutboxMessage]:
    """Messages not yet delivered (or only those that failed for good), oldest first."""
    with Session(engine) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        query = query.where(OutboxMessage.status == "failed") if failed_only else \
            query.where(OutboxMessage.status != "sent")
        return list(session.exec(query.limit(limit)).all())


def requeue(engine: Engine, message_id: int, now: datetime | None = None) -> bool:
    """Put a message that failed for good back in the queue; False if it is not one."""
    with Session(engine) as session:
        result = session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                                 .where(OutboxMessage.status == "failed")
                                 .values(status="pending", attempts=0, next_attempt_at=now or utcnow()))
        session.commit()
    return result.rowcount == 1
