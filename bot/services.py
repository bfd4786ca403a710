"""Everything a Slack listener or a job needs, built once per process from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from bot.runtime import Runtime
from bot.settings import Settings
from storage.models import utcnow

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    runtime: Runtime | None = None
    clock: object = field(default=utcnow)
    bot_user_id: str | None = None

    def __post_init__(self):
        import threading

        if self.runtime is None:
            self.runtime = Runtime(self.settings)
        self._ack_lock = threading.Lock()
        self._deferred: set = set()  # deferred work not yet finished

    @property
    def engine(self):
        return self.runtime.engine

    @property
    def answerer(self):
        return self.runtime.current_answerer()

    @cached_property
    def client(self):
        from handlers.slack.app import make_web_client

        return make_web_client(self.settings)

    @cached_property
    def directory(self):
        if not self.settings.slack_bot_token:  # a Teams-only council: nobody to ask on Slack
            from bot.identities import KnownOnly

            return KnownOnly(self.engine)
        from handlers.slack.directory import SlackDirectory

        # Slack's lookups of people by email and by user id; what it learns is kept in the identity table.
        return SlackDirectory(self.engine, self.client, clock=lambda: self.clock())

    @cached_property
    def outbox(self):
        from bot.outbox import Outbox
        from handlers.slack.sender import SlackSender

        # Each platform's sender draws neutral messages for it when they are sent.
        senders = {"slack": SlackSender(self.client, names=self.names)}
        if self.settings.teams_enabled:
            try:
                from handlers.teams.sender import TeamsSender
            except ImportError as error:
                raise RuntimeError("TEAMS_APP_ID is set but the Microsoft Teams SDK is not installed: "
                                   "pip install 'policybot[teams]'") from error

            senders["teams"] = TeamsSender(self.settings, self.engine)
        return Outbox(self.engine, senders, clock=lambda: self.clock(), alert_targets=self.admin_targets)

    def names(self, user_ids) -> dict[str, str]:
        """Directory names of people by their id on any platform."""
        from sqlmodel import Session

        from bot import identities

        with Session(self.engine) as session:
            return identities.names(session, user_ids)

    def notify(self, channel: str, text: str, blocks: list | None = None, purpose: str = "notice") -> None:
        """Send a message through the outbox (kept and retried if Slack is unavailable); a user id is a DM."""
        from sqlmodel import Session

        from bot.outbox import enqueue

        with Session(self.engine) as session:
            message_id = enqueue(session, channel=channel, text=text, blocks=blocks, purpose=purpose,
                                 at=self.clock()).id
            session.commit()
        self.outbox.deliver([message_id])

    def admin_targets(self, session) -> list[str]:
        """Where problems for the bot's operators go: the admin channel, else each admin by DM."""
        if self.settings.admin_channel:
            return [self.settings.admin_channel]
        from bot import identities
        from bot.staff import with_role

        ids = identities.user_ids(session, [person.id for person in with_role(session, "admin")])
        return list(ids.values())

    @cached_property
    def teams_roster(self):
        from handlers.teams.roster import TeamsRoster

        return TeamsRoster(self)

    @cached_property
    def accounts(self):
        from bot.accounts import AccountDesk

        return AccountDesk(self)

    @cached_property
    def training(self):
        from bot.training import TrainingDesk

        return TrainingDesk(self)

    @cached_property
    def questions(self):
        from bot.questions import QuestionDesk

        return QuestionDesk(self)

    @cached_property
    def handoffs(self):
        from bot.handoffs import HandoffDesk

        return HandoffDesk(self)

    @cached_property
    def cases(self):
        from bot.reports import CaseDesk

        return CaseDesk(self)

    @cached_property
    def executor(self):
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="policybot-work")

    def close(self) -> None:
        """Let deferred work that has started finish, then close the database connections."""
        if "executor" in self.__dict__:
            self.executor.shutdown(wait=True)
        if "engine" in self.runtime.__dict__:  # opened (and migrated) on first use only
            self.engine.dispose()

    def defer(self, function, /, *args, **kwargs):
        """Run slow work (answering, posting) after the acknowledgement, in the bot's worker threads.

        The work gets only what it needs from the payload, so nothing is copied on the request thread;
        a failure is logged with the function's name and never reaches Slack's request."""

        def run():
            self.wait_for_acknowledgements()
            try:
                return function(*args, **kwargs)
            except Exception:
                log.exception("deferred work failed", extra={"work": getattr(function, "__name__", "work")})

        future = self.executor.submit(run)
        with self._ack_lock:
            self._deferred.add(future)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, future) -> None:
        with self._ack_lock:
            self._deferred.discard(future)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until all deferred work has finished, including work it deferred in turn; False if some is
        still running after `timeout` seconds."""
        import time
        from concurrent.futures import wait

        deadline = time.monotonic() + timeout
        while True:
            with self._ack_lock:
                pending = set(self._deferred)
            if not pending:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            wait(pending, timeout=left)

    # Requests being acknowledged right now (counted by the HTTP endpoint). Deferred work waits for them, up to
    # ACK_PRIORITY_WAIT, so a burst of requests is acknowledged before the answers to it are worked out.
    ACK_PRIORITY_WAIT = 0.25
    _acknowledging = 0

    def acknowledging(self, delta: int) -> None:
        with self._ack_lock:
            self._acknowledging += delta

    def wait_for_acknowledgements(self) -> None:
        import time

        deadline = time.monotonic() + self.ACK_PRIORITY_WAIT
        while self._acknowledging > 0 and time.monotonic() < deadline:
            time.sleep(0.002)

    def respond_to(self, response_url: str):
        """A `respond` for a slash command or action, posting to its response_url."""
        from slack_bolt.context.respond import Respond

        return Respond(response_url=response_url, proxy=None, ssl=None)

    def identify_bot(self) -> None:
        """Learn the bot's own user id (auth.test), so its own messages are ignored."""
        if self.bot_user_id or not self.settings.slack_bot_token:
            return
        try:
            self.bot_user_id = self.client.auth_test().get("user_id")
        except Exception as error:  # the app still runs; bot_id on its messages filters them too
            log.warning("auth.test failed; relying on bot_id to ignore the bot's own messages",
                        extra={"error": type(error).__name__})

    def finish_event(self, event_id: str | None) -> None:
        if event_id:
            from handlers.slack.app import finish_event

            finish_event(self.engine, event_id, clock=self.clock)
