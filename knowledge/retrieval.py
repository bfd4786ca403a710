"""Find the passages that answer a question, across every indexed document.

Lexical retrieval is BM25 (bm25s, Snowball stems) over *units*: each passage as a whole, and, where a
passage has several lines, each of its paragraphs and list items on its own, so a question that one
list item answers finds it while the citation stays the passage. Three fields score each unit: its body,
its passage's headings (the heading and the headings above it) and its document's title, each with its
own weight. A question is searched with its own words and, at a lower weight, the documents' words for
the staff words it uses (`knowledge.vocabulary`).

Whether the documents cover a question at all is decided apart from ranking (`SearchResult.covered`),
from signals that hold for any documents: how much of the question's weight (its words, by rarity)
the best passage accounts for, and, with embeddings, how similar the best unit is in meaning. The
thresholds were calibrated on several sets of council documents and questions (see the README).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

import numpy as np
from sqlalchemy.engine import Engine

from knowledge import vocabulary
from knowledge.text import stem_all, tokens, words

# Words so common in council documents and staff questions that they say nothing about which passage
# answers, nor whether any does.
GENERIC_WORDS = frozenset(stem_all("""council county councils work working staff employee employees use used
using new time service services people person team day week year help need know tell say find make get
please question ask asking office job thing someone anyone""".split()))

INJECTION_RE = re.compile(
    r"ignore (?:all |any |the |your |my )?(?:previous |prior |above |earlier |system )?(?:instructions|prompts?|rules)|"
    r"disregard (?:all |any |the |your )?(?:previous |prior |above )?(?:instructions|rules)|system prompt|"
    r"you are now|pretend (?:to be|you are)|act as (?:a|an|my)|jailbreak|developer mode|reveal (?:your|the) (?:prompt|instructions)|"
    r"forget (?:your|all|the) (?:instructions|rules)",
    re.IGNORECASE)
# Requests for something other than an answer from the documents: a poem, a joke, an essay.
TASK_RE = re.compile(r"\b(?:write|compose|make up|tell|give|generate|draft)\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|some\s+)?"
                     r"(?:\w+\s+)?(?:poem|story|joke|song|limerick|haiku|essay|rap|riddle|recipe)s?\b", re.IGNORECASE)
ITEM_PREFIX = "• "
CANDIDATES = 12  # passages looked at beyond the k cited, for the second-document rule


@dataclass(frozen=True)
class Tuning:
    """The weights and thresholds of retrieval, in one place so they can be calibrated together."""

    expansion_weight: float = 0.45   # a vocabulary term counts this much of one of the question's own words
    unknown_span_weight: float = 0.8  # …and this much when the staff words it stands for are in no document
    context_weight: float = 0.6      # words of the question a follow-up follows
    rewrite_weight: float = 0.6      # words of the model's rewording of the question (when configured)
    generic_weight: float = 0.4      # words common to all council writing ("council", "staff", "people")
    line_weight: float = 0.85        # a paragraph or list item matched on its own, against its whole passage
    heading_weight: float = 0.5      # the headings field, against the body
    title_weight: float = 0.25       # the document title field, against the body
    cutoff: float = 0.45             # a passage after the first is cited at this share of the best score
    semantic_weight: float = 0.55    # hybrid: share of the fused score that is embedding similarity
    hybrid_cutoff: float = 0.6
    diversity: float = 0.6           # another document's best passage takes the last place from this share
    complement: float = 1.0          # …choosing, among those, the one that says most of what the first leaves out
    centroid_weight: float = 0.0     # hybrid: similarity to the document's mean vector, against the unit's
    unknown_weight: float = 0.5      # a word no document uses, as a share of the rarest known word's weight
    min_support: float = 0.25        # lexical: least share of the question's weight the best passage covers
    answer_similarity: float = 0.55  # hybrid: answered on meaning alone from this similarity
    supported_similarity: float = 0.2 # hybrid: least similarity at which lexical support can carry it
    hybrid_support: float = 0.0     # hybrid: the lexical support that, with that similarity, answers
    primary_weight: float = 0.1      # hybrid: a passage of the bot's own policy, beside the documents it points to
    lexical_primary_weight: float = 0.1  # lexical: the same, as a share added to its BM25 score
    answer_match: float = 0.6        # a saved Comms answer is cited only when its saved question says this share
    #                                  of the question's weight (its answer's words alone never bring it in)


DEFAULT_TUNING = Tuning()
# The bundled policy's title (knowledge/documents/); a deployment names its own with POLICYBOT_PRIMARY_DOCUMENT.
PRIMARY_DOCUMENT = "Social Media Policy"


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
    context: str = ""
    kind: str = ""

    @property
    def lines(self) -> list[str]:
        return [line for line in self.text.split("\n") if line.strip()]

    @property
    def items(self) -> list[str]:
        return [line[len(ITEM_PREFIX):] for line in self.lines if line.startswith(ITEM_PREFIX)]

    @property
    def lead(self) -> str:
        return "\n".join(line for line in self.lines if not line.startswith(ITEM_PREFIX))

    @property
    def headings(self) -> str:
        """The passage's heading and the headings above it, outermost first."""
        return " › ".join(part for part in (self.context, self.heading) if part)


@dataclass(frozen=True)
class Unit:
    """What retrieval matches: a passage as a whole (line -1) or one of its lines (a paragraph or item)."""

    position: int
    line: int
    lexical_text: str
    semantic_text: str

    @property
    def item(self) -> int:
        return self.line

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.semantic_text.encode("utf-8")).hexdigest()


def iter_units(passages: list[PassageRecord]):
    for position, passage in enumerate(passages):
        where = " – ".join(part for part in (passage.document, passage.headings) if part)
        yield Unit(position, -1, passage.text, f"{where}: {passage.text}")
        lines = passage.lines
        if len(lines) < 2:
            continue
        lead = ""
        for number, line in enumerate(lines):
            if line.startswith(ITEM_PREFIX):
                body = line[len(ITEM_PREFIX):]
                yield Unit(position, number, body, f"{where}: {lead[-200:]} {body}".strip())
            else:
                lead = line
                yield Unit(position, number, line, f"{where}: {line}")


@dataclass
class Hit:
    passage: PassageRecord
    score: float
    best_lines: list[int] = field(default_factory=list)  # lines of the passage that matched, best first
    position: int = -1  # the passage's place in the index

    @property
    def best_items(self) -> list[int]:
        """The list items that matched, best first, numbered among the passage's items."""
        item_numbers = {}
        for number, line in enumerate(self.passage.lines):
            if line.startswith(ITEM_PREFIX):
                item_numbers[number] = len(item_numbers)
        return [item_numbers[n] for n in self.best_lines if n in item_numbers]


@dataclass
class SearchResult:
    question: str
    hits: list[Hit]
    support: float = 0.0  # the largest share of the question's weight that one of the hits accounts for
    elsewhere: vocabulary.Topic | None = None  # a topic handled elsewhere that the question is about
    injection: bool = False
    task: bool = False  # asks for something other than an answer from the documents (a poem, a joke)
    semantic_score: float | None = None
    covered_override: bool | None = None
    tuning: Tuning = DEFAULT_TUNING
    groups: list = field(default_factory=list)  # the question's topic words (see `question_groups`)

    @property
    def covered(self) -> bool:
        if self.covered_override is not None:
            return self.covered_override
        if self.injection or self.task or not self.hits or self.elsewhere is not None:
            return False
        return self.support >= self.tuning.min_support


class _FieldIndex:
    """BM25 over one field's texts, scored one term at a time."""

    def __init__(self, texts: list[str]):
        import bm25s

        self.tokens = [tokens(text) for text in texts]
        self.vocabulary = {token for row in self.tokens for token in row}
        self._bm25 = None
        if any(self.tokens):
            self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
            self._bm25.index([row or ["\u2205"] for row in self.tokens], show_progress=False)
        self.size = len(texts)

    def scores(self, term: str) -> np.ndarray | None:
        if self._bm25 is None or term not in self.vocabulary:
            return None
        return self._bm25.get_scores([term])


class _Alternatives(set):
    """The terms that count as the documents saying one of the question's words: its own stem (`stem`) and
    the vocabulary's words for it."""

    stem = ""


class _SplitFieldIndex:
    """One field scored as two separate BM25 indexes, the council's documents and Comms' saved answers, so
    that however many answers are saved, the documents' term statistics (and so their ranking) stay as
    they are. Scores come back over all rows, in their order."""

    def __init__(self, texts: list[str], saved: np.ndarray):
        self.size = len(texts)
        self._parts = []
        for mask in (~saved, saved):
            rows = np.flatnonzero(mask)
            if len(rows):
                self._parts.append((rows, _FieldIndex([texts[r] for r in rows])))
        self.vocabulary = set().union(*(index.vocabulary for _, index in self._parts)) if self._parts else set()
        # The words of the documents alone (not of saved answers).
        self.document_vocabulary = next((index.vocabulary for rows, index in self._parts
                                         if not saved[rows[0]]), set())
        self.tokens = [[] for _ in texts]
        for rows, index in self._parts:
            for row, found in zip(rows, index.tokens):
                self.tokens[row] = found

    def scores(self, term: str) -> np.ndarray | None:
        if len(self._parts) == 1 and len(self._parts[0][0]) == self.size:  # no saved answers: one index
            return self._parts[0][1].scores(term)
        total = None
        for rows, index in self._parts:
            found = index.scores(term)
            if found is None:
                continue
            if total is None:
                total = np.zeros(self.size, dtype=np.float32)
            total[rows] = found
        return total


class KnowledgeIndex:
    """An in-memory index of every indexed passage, built from the database."""

    retrieval_mode = "lexical"

    def __init__(self, passages: list[PassageRecord], terms: tuple[vocabulary.Term, ...] | None = None,
                 tuning: Tuning = DEFAULT_TUNING, topics: tuple[vocabulary.Topic, ...] | None = None,
                 primary: str | None = PRIMARY_DOCUMENT):
        self.passages = passages
        self.terms = terms if terms is not None else vocabulary.terms_for()
        self.topics = topics if topics is not None else vocabulary.topics_for()
        self.tuning = tuning
        units = list(iter_units(passages))
        self._unit_passage = np.asarray([unit.position for unit in units], dtype=np.int64)
        self._unit_line = np.asarray([unit.line for unit in units], dtype=np.int64)
        self._passage_starts = np.searchsorted(self._unit_passage, np.arange(len(passages))) if passages else None
        document_ids = list(dict.fromkeys(p.document_id for p in passages))
        self._document_titles = [next(p.document for p in passages if p.document_id == d) for d in document_ids]
        position_of_document = {d: n for n, d in enumerate(document_ids)}
        self._passage_document = np.asarray([position_of_document[p.document_id] for p in passages], dtype=np.int64)
        # The policy the bot is about: a question that does not say which document it means ("is this
        # covered?", "what do I have to do?") is most often about it.
        self.primary = (primary or "").strip()
        self._unit_primary = np.asarray(
            [self._document_titles[self._passage_document[u.position]].casefold() == self.primary.casefold()
             for u in units], dtype=bool) if self.primary else np.zeros(len(units), dtype=bool)
        saved = np.asarray([p.kind == "answer" for p in passages], dtype=bool)
        self._saved_passage = saved
        self._body = _SplitFieldIndex([unit.lexical_text for unit in units], saved[self._unit_passage]
                                      if len(units) else np.zeros(0, dtype=bool))
        self._headings = _SplitFieldIndex([p.headings for p in passages], saved)
        saved_documents = np.zeros(len(document_ids), dtype=bool)
        for position in np.flatnonzero(saved):
            saved_documents[self._passage_document[position]] = True
        self._titles = _SplitFieldIndex(self._document_titles, saved_documents)
        self.vocabulary = self._body.vocabulary | self._headings.vocabulary | self._titles.vocabulary
        # Whether the documents use a staff word is decided by the documents alone, not by saved answers.
        self._document_vocabulary = (self._body.document_vocabulary | self._headings.document_vocabulary |
                                     self._titles.document_vocabulary)
        # What each passage says, in every field, for judging how much of a question it accounts for.
        self._passage_terms = [set(tokens(f"{p.document}\n{p.headings}\n{p.text}")) for p in passages]
        # Saved Comms answers (kind "answer"): matched on their saved question, like an FAQ entry.
        self._answer_questions = {n: {t for t in tokens(p.heading) if t not in GENERIC_WORDS}
                                  for n, p in enumerate(passages) if p.kind == "answer"}
        frequency: dict[str, int] = {}
        for terms_of_passage, is_saved in zip(self._passage_terms, saved):
            if is_saved:  # the documents' own statistics decide how rare a word is
                continue
            for term in terms_of_passage:
                frequency[term] = frequency.get(term, 0) + 1
        count = max(int((~saved).sum()), 1)
        self._idf = {term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}
        self._max_idf = math.log(1 + (count + 0.5) / 0.5)

    @classmethod
    def load(cls, engine: Engine, **options) -> "KnowledgeIndex":
        return cls(load_passages(engine), **options)

    def __len__(self) -> int:
        return len(self.passages)

    @cached_property
    def documents(self) -> dict[int, str]:
        return {p.document_id: p.document for p in self.passages}

    def retuned(self, **changes) -> "KnowledgeIndex":
        """The same index with other weights or thresholds (for calibration)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.tuning = replace(self.tuning, **changes)
        return clone

    # ------------------------------------------------------------------------------------------ query

    def weighted_terms(self, question: str, context: str | None = None,
                       rewritten: str | None = None) -> dict[str, float]:
        tuning = self.tuning
        weights: dict[str, float] = {}
        for term in tokens(question):
            weights[term] = tuning.generic_weight if term in GENERIC_WORDS else 1.0
        for term in tokens(rewritten or ""):
            weights.setdefault(term, tuning.rewrite_weight)
        for start, end, means in vocabulary.spans(question, self.terms):
            # Staff words the documents never use ("keep an eye on") are carried by their formal words
            # alone, at full weight; otherwise the formal words count less than the question's own.
            unknown = not any(term in self._document_vocabulary for term in tokens(question[start:end]))
            weight = tuning.unknown_span_weight if unknown else tuning.expansion_weight
            for term in tokens(means):
                term_weight = min(weight, tuning.generic_weight) if term in GENERIC_WORDS else weight
                weights[term] = max(weights.get(term, 0.0), term_weight)
        if context:
            for term in tokens(context):
                weights.setdefault(term, tuning.context_weight)
            for expansion in vocabulary.expand(context, self.terms):
                for term in tokens(expansion):
                    weights.setdefault(term, tuning.context_weight * tuning.expansion_weight)
        return weights

    def unit_scores(self, weights: dict[str, float]) -> np.ndarray:
        tuning = self.tuning
        total = np.zeros(len(self._unit_passage), dtype=np.float32)
        for term, weight in weights.items():
            body = self._body.scores(term)
            if body is not None:
                total += weight * body
            headings = self._headings.scores(term)
            if headings is not None:
                total += (weight * tuning.heading_weight) * headings[self._unit_passage]
            title = self._titles.scores(term)
            if title is not None:
                total += (weight * tuning.title_weight) * title[self._passage_document[self._unit_passage]]
        return np.where(self._unit_line >= 0, total * tuning.line_weight, total)

    def question_groups(self, question: str) -> list[tuple[float, set[str]]]:
        """The question's topic words, each with its weight (its rarity in the documents) and the terms
        that would count as the documents saying it: its own stem and the vocabulary's words for it."""
        matched = vocabulary.spans(question, self.terms)
        groups: list[tuple[float, set[str]]] = []
        seen: set[str] = set()
        for match in re.finditer(r"[A-Za-z0-9’']+", question):
            found = words(match.group())
            if not found:
                continue
            stem = stem_all(found)[:1][0]
            if stem in GENERIC_WORDS or stem in seen:
                continue
            seen.add(stem)
            alternatives = _Alternatives({stem})
            alternatives.stem = stem
            for start, end, means in matched:
                if start <= match.start() < end:
                    alternatives.update(tokens(means))
            if stem in self._idf:
                weight = self._idf[stem]
            elif known := [self._idf[t] for t in alternatives if t in self._idf]:
                weight = max(known)
            else:  # a word no document uses: a name, a typo, or the topic the documents lack
                weight = self.tuning.unknown_weight * self._max_idf
            groups.append((weight, alternatives))
        return groups

    def support(self, groups: list[tuple[float, set[str]]], hit: Hit) -> float:
        """The share of the question's weight that one passage accounts for."""
        if not groups:
            return 0.0
        said = self._passage_terms[hit.position]
        total = sum(weight for weight, _ in groups)
        return sum(weight for weight, alternatives in groups if alternatives & said) / total if total else 0.0

    def elsewhere(self, question: str, hits: list[Hit]) -> vocabulary.Topic | None:
        """A topic handled elsewhere (pay, leave, parking…) that the question asks about and that none of
        the hits mentions: the documents found share other words with the question, not its subject."""
        said = [self._passage_terms[hit.position] for hit in hits]
        for topic in self.topics:
            for match in topic.pattern.finditer(question):
                needed = {t for t in tokens(match.group()) if t not in GENERIC_WORDS}
                if needed and not any(needed <= terms for terms in said):
                    return topic
        return None

    def search(self, question: str, k: int = 3, context: str | None = None,
               rewritten: str | None = None) -> SearchResult:
        """The best passages for `question` (a follow-up searched with the question it follows as
        `context`; `rewritten` is the question in the documents' wording, searched beside it)."""
        prepared = self._prepare(f"{question}\n{rewritten}" if rewritten else question, context)
        result = SearchResult(question, [], injection=INJECTION_RE.search(question) is not None,
                              task=TASK_RE.search(question) is not None, tuning=self.tuning)
        if not self.passages:
            return result
        weights = self.weighted_terms(question, context, rewritten)
        lexical = self.unit_scores(weights) if weights else np.zeros(len(self._unit_passage), dtype=np.float32)
        # A follow-up ("and who decides that?") takes its topic from the question it follows.
        groups = result.groups = self.question_groups(f"{context}\n{question}" if context else question)
        self._score(result, lexical, prepared, k)
        if rewritten:  # the documents' wording of the question may show better that they cover it
            groups_rewritten = self.question_groups(rewritten)
        result.support = max((max(self.support(groups, hit),
                                  self.support(groups_rewritten, hit) if rewritten else 0.0)
                              for hit in result.hits), default=0.0)
        result.elsewhere = self.elsewhere(question, result.hits)
        self._decide(result)
        return result

    def _prepare(self, question: str, context: str | None):
        """Start any work the ranking needs besides BM25 (the hybrid index embeds the question)."""
        return None

    def _score(self, result: SearchResult, lexical: np.ndarray, prepared, k: int) -> None:
        if lexical.max(initial=0.0) > 0:
            if self.tuning.lexical_primary_weight:
                lexical = np.where(self._unit_primary, lexical * (1 + self.tuning.lexical_primary_weight), lexical)
            result.hits = self._rank(lexical, k, self.tuning.cutoff, result.groups)

    def _decide(self, result: SearchResult) -> None:
        """Lexical declines use `support` alone (see `SearchResult.covered`)."""

    def answer_match(self, groups, position: int) -> float:
        """How closely a saved answer's question and the question asked agree: the smaller of the share of
        the question's weight the saved question says and the share of the saved question's weight the
        question says (the rarer a word, the more it counts)."""
        total = sum(weight for weight, _ in groups)
        said = self._answer_questions[position]
        if not total or not said:
            return 0.0
        # The question's own word counts in full; a vocabulary word for it, half ("pics" for "photographs").
        def share(alternatives) -> float:
            stem = getattr(alternatives, "stem", "")
            return 1.0 if stem in said else 0.5 if alternatives & said else 0.0

        covered = sum(weight * share(alternatives) for weight, alternatives in groups)
        stems = {getattr(alternatives, "stem", "") for _, alternatives in groups}
        asked = set().union(*(alternatives for _, alternatives in groups))
        own = [self._idf.get(term, self.tuning.unknown_weight * self._max_idf) for term in said]
        matched = sum(w * (1.0 if term in stems else 0.5) for term, w in zip(said, own) if term in asked)
        return min(covered / total, matched / sum(own))

    def _rank(self, unit_scores: np.ndarray, k: int, cutoff: float, groups=None) -> list[Hit]:
        passage_scores = np.maximum.reduceat(unit_scores, self._passage_starts)
        if self._answer_questions:
            # A saved answer is cited only for much the same question (an FAQ match); then it ranks by how
            # closely the questions agree, against the best document passage: level with it at a match of
            # answer_match / 0.9, ahead of it above. Its own words never bring it in.
            passage_scores = passage_scores.copy()
            documents_best = float(np.max(passage_scores[~self._saved_passage], initial=0.0))
            for position in self._answer_questions:
                match = self.answer_match(groups, position) if groups and passage_scores[position] > 0 else 0.0
                if match < self.tuning.answer_match:
                    passage_scores[position] = 0.0
                else:
                    passage_scores[position] = max(float(passage_scores[position]),
                                                   documents_best * 0.9 * match / self.tuning.answer_match)
        count = min(max(k, 1) + CANDIDATES, len(passage_scores))
        # The best few without sorting every passage: all scores at least the count-th best, ties in order.
        threshold = np.partition(passage_scores, len(passage_scores) - count)[len(passage_scores) - count]
        candidates = np.flatnonzero(passage_scores >= threshold)
        ranked = candidates[np.argsort(-passage_scores[candidates], kind="stable")][:count]
        best = float(passage_scores[ranked[0]]) if len(ranked) else 0.0
        ranked = [int(p) for p in ranked if passage_scores[p] > 0]
        order = [p for p in ranked if passage_scores[p] >= cutoff * best][:max(k, 1)]
        # A question can span documents ("photos of children for a press release"): when every passage
        # chosen comes from one document, the best passage of another takes the last place if it scores
        # close enough to the best.
        if order and len({self._passage_document[p] for p in order}) == 1:
            others = [p for p in ranked if self._passage_document[p] != self._passage_document[order[0]]
                      and passage_scores[p] >= self.tuning.diversity * best]
            other = others[0] if others else None
            if others and groups and self.tuning.complement:
                # The other document's passage that best covers what the first passage leaves unsaid.
                first = self._passage_terms[order[0]]
                rest = [(w, alternatives) for w, alternatives in groups if not alternatives & first]
                if rest:
                    def adds(p: int) -> float:
                        return sum(w for w, alternatives in rest if alternatives & self._passage_terms[p])
                    other = max(others, key=lambda p: (adds(p), passage_scores[p]))
            if other is not None:
                order = (order if len(order) < max(k, 1) else order[:-1]) + [other]
                order.sort(key=lambda p: -passage_scores[p])
        hits: list[Hit] = []
        for position in order:
            score = float(passage_scores[position])
            start = self._passage_starts[position]
            end = self._passage_starts[position + 1] if position + 1 < len(self.passages) else len(unit_scores)
            line_units = [u for u in range(start, end) if self._unit_line[u] >= 0 and unit_scores[u] > 0]
            line_units.sort(key=lambda u: -unit_scores[u])
            hits.append(Hit(self.passages[position], score, [int(self._unit_line[u]) for u in line_units],
                            int(position)))
        return hits


def load_passages(engine: Engine) -> list[PassageRecord]:
    from sqlmodel import Session, select

    from storage.models import Document, Passage

    with Session(engine) as session:
        rows = session.exec(select(Passage, Document).join(Document, Passage.document_id == Document.id)
                            .order_by(Document.title, Document.id, Passage.ordinal)).all()
    return [PassageRecord(id=p.id, document_id=d.id, document=d.title, version=d.version,
                          numbered=(getattr(p, "kind", "") == "paragraph") or p.label.endswith(f"para {p.section}"),
                          section=p.section, heading=p.heading, label=p.label, text=p.text, checksum=p.checksum,
                          context=getattr(p, "context", "") or "", kind=getattr(p, "kind", "") or "")
            for p, d in rows]


@lru_cache(maxsize=1)
def _embedding_pool():
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="policybot-embed")


class HybridIndex(KnowledgeIndex):
    """BM25 and sentence embeddings together.

    Each unit's score is `semantic_weight` × its embedding similarity (rescaled so the query's median unit
    is 0 and its best is 1) plus the rest × its BM25 score (divided by the query's best). Whether to answer
    is decided on the best raw similarity together with the lexical support (see README).
    """

    retrieval_mode = "hybrid"

    def __init__(self, passages: list[PassageRecord], embedder, unit_vectors: np.ndarray, **options):
        super().__init__(passages, **options)
        if len(unit_vectors) != len(self._unit_passage):
            raise ValueError(f"{len(unit_vectors)} vectors for {len(self._unit_passage)} retrieval units")
        self.embedder = embedder
        self._vectors = np.ascontiguousarray(unit_vectors, dtype=np.float32)
        # Each document's mean unit vector: what the document as a whole is about.
        unit_document = self._passage_document[self._unit_passage]
        centroids = np.zeros((len(self._document_titles), self._vectors.shape[1] if len(self._vectors) else 1),
                             dtype=np.float32)
        if len(self._vectors):
            np.add.at(centroids, unit_document, self._vectors)
            centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-6)
        self._centroids = centroids
        self._unit_document = unit_document
        # Saved Comms answers take no part in the scales the documents' scores are measured on.
        self._unit_saved = self._saved_passage[self._unit_passage] if len(self._unit_passage) else \
            np.zeros(0, dtype=bool)

    def warm(self) -> None:
        """For long-running processes: load what makes each question fastest to embed."""
        if hasattr(self.embedder, "warm"):
            self.embedder.warm()

    def _prepare(self, question: str, context: str | None):
        # The question is embedded on a worker thread while BM25 scores it (NumPy releases the GIL).
        query = f"{context} {question}" if context else question
        return _embedding_pool().submit(self.embedder.embed, [query])

    def _score(self, result: SearchResult, lexical: np.ndarray, prepared, k: int) -> None:
        tuning = self.tuning
        query_vector = prepared.result()[0]
        similarity = self._vectors @ query_vector
        documents = ~self._unit_saved if self._unit_saved.any() and not self._unit_saved.all() else \
            np.ones(len(similarity), dtype=bool)
        best_similarity = float(similarity[documents].max())
        median = float(np.median(similarity[documents]))
        dense = np.clip((similarity - median) / max(best_similarity - median, 1e-6), 0.0, 1.0)
        dense = np.where(self._unit_line >= 0, dense * tuning.line_weight, dense)
        if tuning.primary_weight:
            lexical = np.where(self._unit_primary, lexical * (1 + 2 * tuning.primary_weight), lexical)
        top_lexical = float(lexical[documents].max(initial=0.0))
        if top_lexical <= 0:
            top_lexical = float(lexical.max(initial=0.0))
        sparse = np.minimum(lexical / top_lexical, 1.0) if top_lexical > 0 else lexical
        fused = tuning.semantic_weight * dense + (1 - tuning.semantic_weight) * sparse
        if tuning.centroid_weight and len(self._centroids) > 1:
            about = self._centroids @ query_vector
            about = (about - about.min()) / max(float(about.max() - about.min()), 1e-6)
            fused = fused + tuning.centroid_weight * about[self._unit_document]
        if tuning.primary_weight:
            fused = fused + tuning.primary_weight * self._unit_primary
        result.hits = self._rank(fused.astype(np.float32), k, tuning.hybrid_cutoff, result.groups)
        result.semantic_score = best_similarity
        for hit in result.hits:  # a saved answer cited (much the same question) counts with its own similarity
            if self._saved_passage[hit.position]:
                start = self._passage_starts[hit.position]
                end = self._passage_starts[hit.position + 1] if hit.position + 1 < len(self.passages) \
                    else len(similarity)
                result.semantic_score = max(result.semantic_score, float(similarity[start:end].max()))

    def _decide(self, result: SearchResult) -> None:
        tuning = self.tuning
        similarity = result.semantic_score or 0.0
        result.covered_override = not (result.injection or result.task) and bool(result.hits) \
            and result.elsewhere is None and (
            similarity >= tuning.answer_similarity
            or (similarity >= tuning.supported_similarity and result.support >= tuning.hybrid_support))
