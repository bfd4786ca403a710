"""Wiring shared by every entry point: settings → database (migrated) → knowledge index → answerer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
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

        with Session(self.engine) as session:
            if session.exec(select(Document.id).limit(1)).first() is not None:
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

        return build_index(self.engine, self.settings)

    @cached_property
    def answerer(self):
        from knowledge.answer import Answerer
        from knowledge.generate import GenerativeAnswerer
        from knowledge.rewrite import QueryRewriter

        return Answerer(self.index, GenerativeAnswerer.from_settings(self.settings),
                        QueryRewriter.from_settings(self.settings))

    def reload_index(self) -> None:
        self.__dict__.pop("index", None)
        self.__dict__.pop("answerer", None)
