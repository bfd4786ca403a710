"""Find the passages that answer a question.

Lexical retrieval is BM25 (bm25s, Snowball stems) over *units*: each passage as a whole (with its heading
as context) and each of its list items on its own, so "phishing" finds para 7 through its fifth bullet
while the citation stays "para 7". A question is searched with its own words and, at a lower weight, the
document vocabulary that `knowledge.vocabulary` maps staff phrasing onto.

Whether the documents cover a question at all is judged separately from ranking (`SearchResult.covered`):
BM25 scores do not separate covered from uncovered questions, but the share of a question's topic words
that the documents (or the vocabulary) know does, together with whether it is about social media at all.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
from sqlalchemy.engine import Engine

from knowledge import vocabulary
from knowledge.text import stem_all, tokens, words

EXPANSION_WEIGHT = 0.45
CONTEXT_WEIGHT = 0.6
PLATFORM_WEIGHT = 0.3
ITEM_WEIGHT = 0.85  # a list item matched on its own counts a little less than its whole paragraph
RELATIVE_CUTOFF = 0.45  # a passage after the first is cited only when it scores at least this share of the best
MIN_SCORE = 0.5
SEMANTIC_WEIGHT = 0.2
HYBRID_CUTOFF = 0.6
ANSWER_SIMILARITY = 0.55  # best embedding similarity at which a question is answered on that alone
SUPPORTED_SIMILARITY = 0.15  # the least similarity at which lexical coverage can carry a question
# Words so common across council documents that they do not, on their own, show a question is covered.
GENERIC_WORDS = frozenset(stem_all("""council county councils work working staff employee employees use used
using new time service services people person team day week year help need know tell say find make get
please question ask asking nottinghamshire office""".split()))

INJECTION_RE = re.compile(
    r"ignore (?:all |any |the |your |my )?(?:previous |prior |above |earlier |system )?(?:instructions|prompts?|rules)|"
    r"disregard (?:all |any |the |your )?(?:previous |prior |above )?(?:instructions|rules)|system prompt|"
    r"you are now|pretend (?:to be|you are)|act as (?:a|an|my)|jailbreak|developer mode|reveal (?:your|the) (?:prompt|instructions)|"
    r"forget (?:your|all|the) (?:instructions|rules)",
    re.IGNORECASE)


@dataclass(frozen=True)
class PassageRecord:
    id: int
    document_id: int
    document: str
    version: str | None
    numbered: bool
    section: str
    heading: str
    label: str
    text: str
    checksum: str

    @property
    def items(self) -> list[str]:
        return [line[2:] for line in self.text.split("\n") if line.startswith("• ")]

    @property
    def lead(self) -> str:
        return "\n".join(line for line in self.text.split("\n") if not line.startswith("• "))


@dataclass(frozen=True)
class Unit:
    """What retrieval matches: a passage as a whole (item -1) or one of its list items."""

    position: int
    item: int
    lexical_text: str
    semantic_text: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.semantic_text.encode("utf-8")).hexdigest()


def iter_units(passages: list[PassageRecord]):
    for position, passage in enumerate(passages):
        context = f"{passage.document} – {passage.heading}" if passage.heading else passage.document
        yield Unit(position, -1, f"{passage.heading}\n{passage.text}", f"{context}: {passage.text}")
        for item_number, item in enumerate(passage.items):
            lead = passage.lead.split(". ")[-1][:200]
            yield Unit(position, item_number, item, f"{context}: {lead} {item}")


@dataclass
class Hit:
    passage: PassageRecord
    score: float
    best_items: list[int] = field(default_factory=list)


@dataclass
class SearchResult:
    question: str
    hits: list[Hit]
    coverage: float
    on_topic: bool
    injection: bool = False
    semantic_score: float | None = None
    covered_override: bool | None = None

    @property
    def covered(self) -> bool:
        if self.covered_override is not None:
            return self.covered_override
        if self.injection or not self.hits or self.hits[0].score < MIN_SCORE:
            return False
        return self.coverage >= 0.6 or (self.on_topic and self.coverage >= 0.25)


class KnowledgeIndex:
    """An in-memory index of every indexed passage, built from the database."""

    retrieval_mode = "lexical"

    def __init__(self, passages: list[PassageRecord]):
        import bm25s

        self.passages = passages
        units = list(iter_units(passages))
        unit_tokens = [tokens(unit.lexical_text) for unit in units]
        self._unit_passage = np.asarray([unit.position for unit in units], dtype=np.int64)
        self._unit_item = np.asarray([unit.item for unit in units], dtype=np.int64)
        self._passage_starts = np.searchsorted(self._unit_passage, np.arange(len(passages))) if passages else None
        self.vocabulary = {token for unit in unit_tokens for token in unit}
        self._bm25 = None
        if passages:
            self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
            self._bm25.index(unit_tokens, show_progress=False)
        self._domain = set(stem_all(list(vocabulary.DOMAIN_WORDS)))

    @classmethod
    def load(cls, engine: Engine) -> "KnowledgeIndex":
        return cls(load_passages(engine))

    def __len__(self) -> int:
        return len(self.passages)

    @cached_property
    def documents(self) -> dict[int, str]:
        return {p.document_id: p.document for p in self.passages}

    # ------------------------------------------------------------------------------------------ query

    def weighted_terms(self, question: str, context: str | None = None) -> dict[str, float]:
        weights: dict[str, float] = {}
        platform_weight = 1.0 if vocabulary.DEFINITION_RE.search(question) else PLATFORM_WEIGHT
        for word in words(question):
            term = stem_all([word])[0]
            weights[term] = max(weights.get(term, 0.0), platform_weight if word in vocabulary.PLATFORM_WORDS else 1.0)
        for expansion in vocabulary.expand(question):
            for term in tokens(expansion):
                weights[term] = max(weights.get(term, 0.0), EXPANSION_WEIGHT)
        if context:
            for term in tokens(context):
                weights.setdefault(term, CONTEXT_WEIGHT)
            for expansion in vocabulary.expand(context):
                for term in tokens(expansion):
                    weights.setdefault(term, CONTEXT_WEIGHT * EXPANSION_WEIGHT)
        return weights

    def unit_scores(self, weights: dict[str, float]) -> np.ndarray:
        assert self._bm25 is not None
        total = np.zeros(len(self._unit_passage), dtype=np.float32)
        for term, weight in weights.items():
            if term in self.vocabulary:
                total += weight * self._bm25.get_scores([term])
        return total

    def coverage(self, question: str) -> tuple[float, bool]:
        """The share of the question's topic words that the documents or the vocabulary know, and whether
        the question is about social media at all."""
        spans = [match.span() for rule in vocabulary.RULES for match in rule.pattern.finditer(question)]
        content: list[tuple[str, bool]] = []
        for match in re.finditer(r"[A-Za-z0-9’']+", question):
            word_list = words(match.group())
            if not word_list:
                continue
            stem = stem_all(word_list)[0]
            if stem in GENERIC_WORDS:
                continue
            in_rule = any(start <= match.start() < end or start < match.end() <= end for start, end in spans)
            content.append((stem, in_rule or stem in self.vocabulary or stem in self._domain))
        on_topic = any(stem in self._domain for stem, _ in content) or bool(
            re.search(r"social media|social network|online", question, re.IGNORECASE))
        if not content:
            return 0.0, on_topic
        return sum(known for _, known in content) / len(content), on_topic

    def search(self, question: str, k: int = 3, context: str | None = None) -> SearchResult:
        prepared = self._prepare(question, context)
        # A follow-up ("and who decides that?") takes its topic from the question it follows.
        coverage, on_topic = self.coverage(f"{context}\n{question}" if context else question)
        result = SearchResult(question, [], coverage, on_topic, INJECTION_RE.search(question) is not None)
        if not self.passages:
            return result
        weights = self.weighted_terms(question, context)
        lexical = self.unit_scores(weights) if weights else np.zeros(len(self._unit_passage), dtype=np.float32)
        lexical = np.where(self._unit_item >= 0, lexical * ITEM_WEIGHT, lexical)
        self._score(result, lexical, prepared)
        return result

    def _prepare(self, question: str, context: str | None):
        """Start any work the ranking needs besides BM25 (the hybrid index embeds the question)."""
        return None

    def _score(self, result: SearchResult, lexical: np.ndarray, prepared) -> None:
        if lexical.max(initial=0.0) > 0:
            result.hits = self._rank(lexical, 3)

    def _rank(self, unit_scores: np.ndarray, k: int, cutoff: float = RELATIVE_CUTOFF) -> list[Hit]:
        passage_scores = np.maximum.reduceat(unit_scores, self._passage_starts)
        count = min(max(k, 1), len(passage_scores))
        # The k best without sorting every passage: all scores at least the k-th best, ties kept in order.
        threshold = np.partition(passage_scores, len(passage_scores) - count)[len(passage_scores) - count]
        candidates = np.flatnonzero(passage_scores >= threshold)
        order = candidates[np.argsort(-passage_scores[candidates], kind="stable")][:count]
        hits: list[Hit] = []
        best = float(passage_scores[order[0]]) if len(order) else 0.0
        for position in order:
            score = float(passage_scores[position])
            if score <= 0 or (hits and score < cutoff * best):
                break
            start = self._passage_starts[position]
            end = self._passage_starts[position + 1] if position + 1 < len(self.passages) else len(unit_scores)
            units = range(start, end)
            item_units = [u for u in units if self._unit_item[u] >= 0 and unit_scores[u] > 0]
            item_units.sort(key=lambda u: -unit_scores[u])
            hits.append(Hit(self.passages[position], score, [int(self._unit_item[u]) for u in item_units]))
        return hits


def load_passages(engine: Engine) -> list[PassageRecord]:
    from sqlmodel import Session, select

    from storage.models import Document, Passage

    with Session(engine) as session:
        rows = session.exec(select(Passage, Document).join(Document, Passage.document_id == Document.id)
                            .order_by(Document.title, Document.id, Passage.ordinal)).all()
    return [PassageRecord(id=p.id, document_id=d.id, document=d.title, version=d.version,
                          numbered=p.label.endswith(f"para {p.section}"), section=p.section, heading=p.heading,
                          label=p.label, text=p.text, checksum=p.checksum) for p, d in rows]


@lru_cache(maxsize=1)
def _embedding_pool():
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="policybot-embed")


class HybridIndex(KnowledgeIndex):
    """BM25 and sentence embeddings together.

    Each unit's score is `SEMANTIC_WEIGHT` × its embedding similarity (rescaled so the query's median unit
    is 0 and its best is 1) plus the rest × its BM25 score (divided by the query's best). Whether to answer
    is decided on the best raw similarity, which separates covered from uncovered questions better than any
    BM25 figure, backed by the lexical coverage test for questions in between (see README).
    """

    retrieval_mode = "hybrid"

    def __init__(self, passages: list[PassageRecord], embedder, unit_vectors: np.ndarray):
        super().__init__(passages)
        if len(unit_vectors) != len(self._unit_passage):
            raise ValueError(f"{len(unit_vectors)} vectors for {len(self._unit_passage)} retrieval units")
        self.embedder = embedder
        self._vectors = np.ascontiguousarray(unit_vectors, dtype=np.float32)

    def warm(self) -> None:
        """For long-running processes: load what makes each question fastest to embed."""
        if hasattr(self.embedder, "warm"):
            self.embedder.warm()

    def _prepare(self, question: str, context: str | None):
        # The question is embedded on a worker thread while BM25 scores it (NumPy releases the GIL).
        query = f"{context} {question}" if context else question
        return _embedding_pool().submit(self.embedder.embed, [query])

    def _score(self, result: SearchResult, lexical: np.ndarray, prepared) -> None:
        query_vector = prepared.result()[0]
        similarity = self._vectors @ query_vector
        best_similarity = float(similarity.max())
        median = float(np.median(similarity))
        dense = np.clip((similarity - median) / max(best_similarity - median, 1e-6), 0.0, 1.0)
        dense = np.where(self._unit_item >= 0, dense * ITEM_WEIGHT, dense)
        top_lexical = float(lexical.max(initial=0.0))
        sparse = lexical / top_lexical if top_lexical > 0 else lexical
        fused = SEMANTIC_WEIGHT * dense + (1 - SEMANTIC_WEIGHT) * sparse
        result.hits = self._rank(fused.astype(np.float32), 3, cutoff=HYBRID_CUTOFF)
        result.semantic_score = best_similarity
        lexical_ok = bool(result.hits) and (result.coverage >= 0.6 or (result.on_topic and result.coverage >= 0.25))
        result.covered_override = not result.injection and bool(result.hits) and (
            best_similarity >= ANSWER_SIMILARITY or (lexical_ok and best_similarity >= SUPPORTED_SIMILARITY))
