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
        if self.runtime is None:
            self.runtime = Runtime(self.settings)

    @property
    def engine(self):
        return self.runtime.engine

    @property
    def answerer(self):
        return self.runtime.answerer

    @cached_property
    def client(self):
        from bot.slack import make_web_client

        return make_web_client(self.settings)

    @cached_property
    def outbox(self):
        from bot.outbox import Outbox

        return Outbox(self.engine, self.client, clock=self.clock)

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
            from bot.slack import finish_event

            finish_event(self.engine, event_id, clock=self.clock)
