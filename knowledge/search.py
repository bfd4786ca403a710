"""Choose and build the retrieval the deployment is configured for."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.settings import Settings
from knowledge.retrieval import KnowledgeIndex


def build_index(engine: Engine, settings: Settings) -> KnowledgeIndex:
    return KnowledgeIndex.load(engine)
