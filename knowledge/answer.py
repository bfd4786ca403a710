"""Answer a question from the indexed documents: quoted paragraphs with citations, or a polite decline.

Answers are extractive by default: the one to three most relevant passages, quoted and trimmed, each
with its citation. With `POLICYBOT_LLM_MODEL` set, a model may phrase the answer from the same passages
(`knowledge.generate`); whatever it says is checked and the extractive answer is kept when it fails.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

from knowledge.retrieval import INJECTION_RE, ITEM_PREFIX, Hit, KnowledgeIndex, SearchResult
from knowledge.saved import ANSWERS_TITLE

MAX_QUESTION_CHARS = 2000
MAX_QUOTE_CHARS = 700
MAX_ITEMS_QUOTED = 3  # list items quoted from a long list: the best-matching ones
MAX_ITEMS_WHOLE = 5  # a short passage with at most this many items is quoted whole
COMMS = "Communications and Marketing"

DECLINE_TEXT = (
    "The council documents I can search don't cover that, so I can't give you an answer I can stand behind. "
    f"You can pass the question to {COMMS}; for questions about pay, leave, IT or buildings, "
    "the intranet or the service concerned is the place to ask."
)
INJECTION_TEXT = (
    "I can only answer questions from the council's policies and guidance, "
    "and I don't follow instructions contained in a question. Please ask your question about them."
)

_DOCUMENT_NAME_RE = re.compile(
    r"(?<![A-Za-z])((?:(?!(?:Policy|Guidelines|Strategy|Protocols?|Procedures?|Guidance)\b)[A-Z][A-Za-z]+"
    r"(?: and | & | at | of | for | in | on | to | ))*"
    r"(?:Policy|Guidelines|Strategy|Protocols?|Procedures?)"
    r"|(?:[A-Z][A-Za-z]+ )?Code of Conduct(?: for Members)?)")
_NOT_A_NAME_START = {"The", "This", "That", "These", "Council", "Our", "Any", "All", "Relevant"}


class QuestionError(ValueError):
    """The question cannot be asked as given; the message says why and what to do."""


def clean_question(raw: str) -> str:
    """Drop control characters and squeeze whitespace; refuse empty and over-long questions."""
    if raw is None:
        raise QuestionError("Please type a question, for example: Who has to approve a new council Facebook page?")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in raw)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QuestionError("Please type a question, for example: Who has to approve a new council Facebook page?")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"That question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}. "
                            "Please ask about one thing at a time, in a sentence or two.")
    return text


@dataclass
class Citation:
    document: str
    section: str
    heading: str
    score: float
    label: str
    quote: str
    version: str | None = None
    passage_id: int | None = None

    @property
    def cite(self) -> str:
        """How the answer names its source: "Dignity at Work Policy, 3.2 · What is bullying and harassment"."""
        if self.document == ANSWERS_TITLE:  # "Comms and Marketing answer · 2026-11-25 · approved by …"
            return self.label
        if self.heading and self.heading != self.section:
            return f"{self.label} · {self.heading}"
        return self.label

    def to_json(self) -> dict:
        return {"document": self.document, "section": self.section, "heading": self.heading,
                "score": round(self.score, 4), "label": self.label, "cite": self.cite, "version": self.version,
                "quote": self.quote}


@dataclass
class Answer:
    question: str
    answered: bool
    answer: str
    mode: str = "extractive"
    citations: list[Citation] = field(default_factory=list)
    referenced_documents: list[str] = field(default_factory=list)
    decline_reason: str | None = None
    retrieval: str = "lexical"

    def to_json(self) -> dict:
        return {"answered": self.answered, "answer": self.answer, "mode": self.mode,
                "citations": [c.to_json() for c in self.citations],
                "referenced_documents": self.referenced_documents, "decline_reason": self.decline_reason,
                "retrieval": self.retrieval}

    def as_dict(self) -> dict:
        return asdict(self)


def _trim(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    sentence_end = max(cut.rfind(". "), cut.rfind("; "))
    if sentence_end > limit // 2:
        return cut[: sentence_end + 1] + " …"
    return cut[: cut.rfind(" ")] + " …"


def quote_for(hit: Hit) -> str:
    """The passage as quoted in an answer: the whole of it when it is short; otherwise the paragraphs and
    list items that matched (each list item with the sentence that introduces it), in their order, with
    "…" where lines are left out. A long list is trimmed to its best-matching items."""
    lines = hit.passage.lines
    if not lines:
        return ""
    is_item = [line.startswith(ITEM_PREFIX) for line in lines]
    item_count = sum(is_item)
    if len(hit.passage.text) <= MAX_QUOTE_CHARS and item_count <= MAX_ITEMS_WHOLE:
        return "\n".join(lines)
    chosen: set[int] = set()
    budget = MAX_QUOTE_CHARS
    items_chosen = 0
    best = [n for n in hit.best_lines if 0 <= n < len(lines)] or [0]

    def take(number: int) -> bool:
        nonlocal budget
        if number in chosen:
            return True
        size = min(len(lines[number]), 400)
        if chosen and size > budget:
            return False
        chosen.add(number)
        budget -= size
        return True

    for number in best:
        if is_item[number]:
            if items_chosen >= MAX_ITEMS_QUOTED:
                continue
            lead_in = next((n for n in range(number - 1, -1, -1) if not is_item[n]), None)
            if lead_in is not None and not take(lead_in):
                break
            if not take(number):
                break
            items_chosen += 1
        elif not take(number):
            break
    if not any(not is_item[n] for n in chosen):
        # Items alone read oddly: lead with the passage's opening sentence when it fits.
        take(0)
    out: list[str] = []
    previous = -1
    for number in sorted(chosen):
        if number > previous + 1 and out and not (is_item[number] and all(is_item[previous + 1:number])):
            out.append("…")
        line = lines[number]
        out.append(f"{ITEM_PREFIX}{_trim(line[len(ITEM_PREFIX):], 400)}" if is_item[number] else _trim(line))
        previous = number
    skipped_items = item_count - sum(is_item[n] for n in chosen)
    if skipped_items and items_chosen:
        out.append(f"{ITEM_PREFIX}… ({skipped_items} more in the {_unit_name(hit)})")
    elif previous < len(lines) - 1:
        out.append("…")
    return "\n".join(out)


def _unit_name(hit: Hit) -> str:
    return {"clause": "clause", "section": "section", "chunk": "passage"}.get(hit.passage.kind, "paragraph")


def elsewhere_text(topic) -> str:
    """The decline for a question on a topic the documents don't cover, saying where to ask instead."""
    return (f"That sounds like a question about {topic.topic}, which the council documents I can search "
            f"don't cover, so I can't give you an answer I can stand behind. For {topic.topic}, ask {topic.ask}.")


def referenced_documents(hits: list[Hit], known_titles: set[str]) -> list[str]:
    """Documents the cited passages send the reader to that are not in the knowledge base."""
    names: list[str] = []
    known = {_name_key(title) for title in known_titles}
    for hit in hits:
        for match in _DOCUMENT_NAME_RE.finditer(hit.passage.text):
            name_words = match.group(1).split()
            while name_words and (name_words[0] in _NOT_A_NAME_START or name_words[0].islower()):
                name_words = name_words[1:]
            name = " ".join(name_words)
            key = _name_key(name)
            # "the Employee Code of Conduct" is known when a title is or ends with it ("… Code of Conduct").
            if len(name_words) < 2 or any(title == key or title.endswith(" " + key) for title in known) \
                    or key == _name_key(hit.passage.document):
                continue
            if name not in names:
                names.append(name)
    return names


def citations_for(hits: list[Hit]) -> list[Citation]:
    return [Citation(document=h.passage.document, section=h.passage.section, heading=h.passage.heading,
                     score=h.score, label=h.passage.label, quote=quote_for(h), version=h.passage.version,
                     passage_id=h.passage.id) for h in hits]


def extractive_text(citations: list[Citation], referenced: list[str]) -> str:
    parts = [f"{c.quote}\n— {c.cite}" for c in citations]
    if referenced:
        parts.append(referenced_note(referenced))
    return "\n\n".join(parts)


def referenced_note(referenced: list[str]) -> str:
    listed = _join_names(referenced)
    verb = "is" if len(referenced) == 1 else "are"
    return (f"This refers you to {listed}, which {verb} not in the documents I can search: "
            f"ask {COMMS} or look on the intranet for {'it' if len(referenced) == 1 else 'them'}.")


def _name_key(name: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", name.lower()))


def _join_names(names: list[str]) -> str:
    named = [f"the {n}" for n in names]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


class Answerer:
    """Answers questions from a `KnowledgeIndex`, optionally phrasing them with a language model."""

    def __init__(self, index: KnowledgeIndex, generator=None, rewriter=None):
        self.index = index
        self.generator = generator
        self.rewriter = rewriter

    @property
    def retrieval_mode(self) -> str:
        return getattr(self.index, "retrieval_mode", "lexical")

    def search(self, question: str, context: str | None = None) -> SearchResult:
        rewritten = None
        if self.rewriter is not None and INJECTION_RE.search(question) is None:
            asked = f"{context}\nFollow-up: {question}" if context else question
            rewritten = self.rewriter.rewrite(asked, sorted(set(self.index.documents.values())))
        return self.index.search(question, k=3, context=context, rewritten=rewritten)

    def answer(self, raw_question: str, context: str | None = None) -> Answer:
        question = clean_question(raw_question)
        result = self.search(question, context)
        if result.injection:
            return Answer(question, False, INJECTION_TEXT, decline_reason="instructions",
                          retrieval=self.retrieval_mode)
        if not result.covered:
            if result.elsewhere is not None:
                return Answer(question, False, elsewhere_text(result.elsewhere), decline_reason="elsewhere",
                              retrieval=self.retrieval_mode)
            return Answer(question, False, DECLINE_TEXT, decline_reason="not covered",
                          retrieval=self.retrieval_mode)
        citations = citations_for(result.hits)
        referenced = referenced_documents(result.hits, set(self.index.documents.values()))
        answer = Answer(question, True, extractive_text(citations, referenced), "extractive", citations, referenced,
                        retrieval=self.retrieval_mode)
        if self.generator is not None:
            generated = self.generator.generate(question, result.hits)
            if generated is not None:
                text, cited_sections = generated
                ordered = sorted(citations, key=lambda c: (c.section not in cited_sections,))
                answer.answer = text if not referenced else f"{text}\n\n{referenced_note(referenced)}"
                answer.mode = "generative"
                answer.citations = ordered
        return answer
