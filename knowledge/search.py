"""Choose and build the retrieval the deployment is configured for."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.settings import Settings
from knowledge.embeddings import make_embedder, unit_vectors
from knowledge.retrieval import HybridIndex, KnowledgeIndex, iter_units, load_passages


def build_index(engine: Engine, settings: Settings) -> KnowledgeIndex:
    """Lexical, or hybrid when embeddings are configured: stored vectors are loaded, and any unit that
    has none yet (a document indexed before embeddings were switched on) is embedded now."""
    passages = load_passages(engine)
    embedder = make_embedder(settings)
    if embedder is None or not passages:
        return KnowledgeIndex(passages)
    vectors, _ = unit_vectors(engine, embedder, list(iter_units(passages)))
    return HybridIndex(passages, embedder, vectors)
