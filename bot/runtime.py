"""Wiring shared by every entry point: settings → database (migrated) → knowledge index → answerer."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine, make_url

from bot.settings import Settings

log = logging.getLogger(__name__)


def redact_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL is reported as given, minus anything after '@'
        return url.split("@")[-1]


@dataclass
class Runtime:
    settings: Settings
    _stamp: tuple | None = field(default=None, init=False, repr=False)
    _checked: float = field(default=0.0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @cached_property
    def engine(self) -> Engine:
        from storage.db import get_engine
        from storage.migrate import upgrade

        url = self.settings.resolved_database_url
        upgrade(url)
        return get_engine(url)

    def ensure_indexed(self, notify=None) -> bool:
        """Index the knowledge folders when nothing has been indexed yet. Returns True when it indexed."""
        from sqlmodel import Session, select

        from knowledge.indexer import index_paths
        from storage.models import Document

        from knowledge.saved import ANSWERS_SOURCE

        with Session(self.engine) as session:  # saved answers alone are not the council's documents
            if session.exec(select(Document.id).where(Document.source_path != ANSWERS_SOURCE).limit(1)).first():
                return False
        if notify:
            notify("Indexing the knowledge documents for the first time…")
        report = index_paths(self.engine, self.settings.knowledge_dirs, prune=True)
        for failure in report.failed:
            log.warning("document not indexed: %s", failure.error)
        return True

    @cached_property
    def index(self):
        from knowledge.search import build_index

        # The knowledge stamp is read before the passages, so a change made while the index is built is
        # seen at the next check; the first question does not build the index again.
        stamp = self._knowledge_stamp()
        index = build_index(self.engine, self.settings)
        self._stamp = stamp
        return index

    def _knowledge_stamp(self) -> tuple:
        from sqlmodel import Session

        from knowledge.saved import knowledge_stamp

        with Session(self.engine) as session:
            return knowledge_stamp(session)

    @cached_property
    def answerer(self):
        from knowledge.answer import Answerer
        from knowledge.generate import GenerativeAnswerer
        from knowledge.rewrite import QueryRewriter

        return Answerer(self.index, GenerativeAnswerer.from_settings(self.settings),
                        QueryRewriter.from_settings(self.settings))

    def current_answerer(self):
        """The answerer over the knowledge base as it is now: every `knowledge_reload_seconds` the database's
        knowledge stamp is read, and the index rebuilt when another process (or this one) has changed a
        document or a saved answer since it was built."""
        with self._lock:
            now = time.monotonic()
            if "answerer" not in self.__dict__ or now - self._checked >= self.settings.knowledge_reload_seconds:
                self._checked = now
                stamp = self._knowledge_stamp()
                if stamp != self._stamp:
                    if self._stamp is not None:
                        log.info("knowledge base changed: reloading the index")
                    self.reload_index()
                    self._stamp = stamp
            return self.answerer

    def reload_index(self) -> None:
        self.__dict__.pop("index", None)
        self.__dict__.pop("answerer", None)
