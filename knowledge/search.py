"""Choose and build the retrieval the deployment is configured for."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.settings import Settings
from knowledge.embeddings import make_embedder, unit_vectors
from knowledge.retrieval import HybridIndex, KnowledgeIndex, iter_units, load_passages
from knowledge.vocabulary import terms_for, topics_for


def build_index(engine: Engine, settings: Settings) -> KnowledgeIndex:
    """Lexical, or hybrid when embeddings are configured: stored vectors are loaded, and any unit that
    has none yet (a document indexed before embeddings were switched on) is embedded now. A lexical index
    built from exactly the same passages and vocabulary as the last one (a reload after a re-index that
    changed nothing) is that index again, not built a second time."""
    global _last_lexical
    passages = load_passages(engine)
    extra = str(settings.vocabulary_file) if settings.vocabulary_file else None
    terms, topics = terms_for(extra), topics_for(extra)
    embedder = make_embedder(settings)
    if embedder is None or not passages:
        last = _last_lexical
        if last is not None and last.terms is terms and last.topics is topics \
                and last.primary == (settings.primary_document or "").strip() and last.passages == passages:
            return last
        index = _last_lexical = KnowledgeIndex(passages, terms=terms, topics=topics,
                                               primary=settings.primary_document)
        return index
    vectors, _ = unit_vectors(engine, embedder, list(iter_units(passages)))
    return HybridIndex(passages, embedder, vectors, terms=terms, topics=topics,
                       primary=settings.primary_document)


# The last lexical index built in this process (indexes are never changed once built, so one can be shared;
# the reference is read and replaced whole, so threads need no lock).
_last_lexical: KnowledgeIndex | None = None
