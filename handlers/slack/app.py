"""The Slack app: the Bolt `App`, its Web API client, and the rules every request goes through.

* Requests are verified with the signing secret (Bolt), and acknowledged before any slow work: listeners
  call ack() and hand the work to the bot's worker threads, so the acknowledgement never waits for
  retrieval, the database or a model.
* One central filter drops the bot's own messages, other bots' messages, edits, deletions and other
  message subtypes before any listener sees them.
* Events are claimed by event id in the database (`slack_event`, unique): a Slack retry of an event that
  was handled, or is being handled, is acknowledged and not answered again; a retry of an event whose first
  delivery was claimed but never finished (the process died) is answered once the claim is stale.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (ConnectionErrorRetryHandler, RateLimitErrorRetryHandler,
                                                   ServerErrorRetryHandler)
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.settings import Settings
from storage.models import SlackEvent, utcnow

log = logging.getLogger(__name__)

IGNORED_MESSAGE_SUBTYPES = {"message_changed", "message_deleted", "message_replied", "bot_message", "channel_join",
                            "channel_leave", "channel_topic", "channel_purpose", "channel_name", "pinned_item",
                            "unpinned_item", "ekm_access_denied", "me_message", "thread_broadcast",
                            "group_join", "group_leave", "assistant_app_thread"}
EVENT_CLAIM_STALE = timedelta(seconds=90)


def make_web_client(settings: Settings) -> WebClient:
    # 30 s: longer than Slack takes to answer even when slow, so a post that arrives is rarely taken for lost
    # (one that is, is read back before it is sent again: bot.outbox).
    kwargs = {"token": settings.slack_bot_token, "timeout": 30}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    client = WebClient(**kwargs)
    client.retry_handlers.extend([RateLimitErrorRetryHandler(max_retry_count=2),
                                  ServerErrorRetryHandler(max_retry_count=1),
                                  ConnectionErrorRetryHandler(max_retry_count=1)])
    return client


@dataclass
class Registry:
    """What the app handles, recorded as listeners are registered (checked against manifest.yml)."""

    commands: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    shortcuts: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)


def claim_event(engine, event_id: str, event_type: str, clock=utcnow) -> bool:
    """True when this process should handle the event: the first delivery, or a retry of one that was
    claimed but never finished and whose claim has gone stale."""
    now = clock()
    with Session(engine) as session:
        session.add(SlackEvent(event_id=event_id, event_type=event_type[:64], claimed_at=now))
        try:
            session.commit()
            return True
        except IntegrityError:
            session.rollback()
        result = session.execute(
            update(SlackEvent).where(SlackEvent.event_id == event_id).where(SlackEvent.status == "processing")
            .where(SlackEvent.claimed_at < now - EVENT_CLAIM_STALE)
            .values(claimed_at=now, attempts=SlackEvent.attempts + 1))
        session.commit()
        return result.rowcount == 1


def claim_once(engine, key: str, kind: str, clock=utcnow) -> bool:
    """True the first time `key` is claimed, by any process; False ever after (a replayed request)."""
    with Session(engine) as session:
        session.add(SlackEvent(event_id=key[:64], event_type=kind[:64], status="done", claimed_at=clock(),
                               done_at=clock()))
        try:
            session.commit()
            return True
        except IntegrityError:
            session.rollback()
            return False


def finish_event(engine, event_id: str, clock=utcnow) -> None:
    with Session(engine) as session:
        session.execute(update(SlackEvent).where(SlackEvent.event_id == event_id)
                        .values(status="done", done_at=clock()))
        session.commit()


def create_app(services) -> App:
    """Build the Bolt app for `services` (a `bot.services.Services`)."""
    settings = services.settings
    app = App(
        name="policybot",  # named, so Bolt does not inspect the call stack for a name (hundreds of ms)
        client=services.client,
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=False,
        # Listeners acknowledge inline and hand slow work to `services.defer` (the bot's worker threads), so
        # an acknowledgement never waits behind an answer. (Bolt's lazy listeners would do the same but copy
        # every request on the request thread first, which costs more than the acknowledgement itself.)
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )
    app.registry = Registry()  # type: ignore[attr-defined]

    @app.middleware
    def with_services(context, next):  # noqa: A002 - Bolt's name
        context["services"] = services  # module-level listeners find the bot's services here
        return next()

    @app.middleware
    def central_filter(body, next, logger):  # noqa: A002 - Bolt's name
        event = body.get("event") if isinstance(body, dict) else None
        if not event:
            return next()
        own_user = services.bot_user_id
        if event.get("bot_id") or event.get("subtype") in IGNORED_MESSAGE_SUBTYPES or \
                (own_user and event.get("user") == own_user) or event.get("hidden"):
            return BoltResponse(status=200, body="")
        if event.get("type") == "message" and event.get("subtype"):
            return BoltResponse(status=200, body="")
        return next()

    @app.middleware
    def deduplicate_events(body, next, context):  # noqa: A002 - Bolt's name
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if not event_id or body.get("type") != "event_callback":
            return next()
        if not claim_event(services.engine, event_id, str(body.get("event", {}).get("type", ""))):
            log.info("duplicate event acknowledged", extra={"event_id": event_id,
                                                           "retry": context.get("retry_num")})
            return BoltResponse(status=200, body="")
        context["event_claim"] = event_id
        return next()

    from handlers.slack import accounts, handoffs, home, questions, reports, training

    # Each feature registers its listeners explicitly; the manifest test reads what was registered.
    for feature in (questions, reports, accounts, training, home, handoffs):
        feature.register(app)
    return app
