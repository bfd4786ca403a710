"""Answer a question from the indexed documents: quoted paragraphs with citations, or a polite decline.

Answers are extractive by default: the one to three most relevant passages, quoted and trimmed, each
with its citation. With `POLICYBOT_LLM_MODEL` set, a model may phrase the answer from the same passages
(`knowledge.generate`); whatever it says is checked and the extractive answer is kept when it fails.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

from knowledge.retrieval import Hit, KnowledgeIndex, SearchResult

MAX_QUESTION_CHARS = 2000
MAX_QUOTE_CHARS = 700
MAX_ITEMS_QUOTED = 3
COMMS = "Communications and Marketing"

DECLINE_TEXT = (
    "The council documents I can search don't cover that, so I can't give you an answer I can stand behind. "
    f"For anything about social media, ask {COMMS}; for other questions (pay, leave, IT, buildings) "
    "the intranet or the service concerned is the place to ask."
)
INJECTION_TEXT = (
    "I can only answer questions about the council's Social Media Policy and related guidance, "
    "and I don't follow instructions contained in a question. Please ask your question about the policy."
)

_DOCUMENT_NAME_RE = re.compile(
    r"(?<![A-Za-z])((?:(?!(?:Policy|Guidelines|Strategy|Protocols?)\b)[A-Z][A-Za-z]+(?: and | & | ))*"
    r"(?:Policy|Guidelines|Strategy|Protocols?)"
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

    def to_json(self) -> dict:
        return {"document": self.document, "section": self.section, "heading": self.heading,
                "score": round(self.score, 4), "label": self.label, "version": self.version, "quote": self.quote}


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
    """The passage as quoted in an answer: its lead text, and its best-matching list items when it has many."""
    passage = hit.passage
    items = passage.items
    lead = _trim(passage.lead)
    if not items:
        return lead
    if len(items) <= MAX_ITEMS_QUOTED:
        chosen = list(range(len(items)))
    else:
        chosen = sorted(hit.best_items[:MAX_ITEMS_QUOTED]) or list(range(MAX_ITEMS_QUOTED))
    lines = [lead] + [f"• {_trim(items[i], 400)}" for i in chosen]
    if len(chosen) < len(items):
        lines.append(f"• … ({len(items) - len(chosen)} more in the paragraph)")
    return "\n".join(lines)


def referenced_documents(hits: list[Hit], known_titles: set[str]) -> list[str]:
    """Documents the cited passages send the reader to that are not in the knowledge base."""
    names: list[str] = []
    known = {title.lower() for title in known_titles}
    for hit in hits:
        for match in _DOCUMENT_NAME_RE.finditer(hit.passage.text):
            name_words = match.group(1).split()
            while name_words and name_words[0] in _NOT_A_NAME_START:
                name_words = name_words[1:]
            name = " ".join(name_words)
            if len(name_words) < 2 or name.lower() in known or name.lower() == hit.passage.document.lower():
                continue
            if name not in names:
                names.append(name)
    return names


def citations_for(hits: list[Hit]) -> list[Citation]:
    return [Citation(document=h.passage.document, section=h.passage.section, heading=h.passage.heading,
                     score=h.score, label=h.passage.label, quote=quote_for(h), version=h.passage.version,
                     passage_id=h.passage.id) for h in hits]


def extractive_text(citations: list[Citation], referenced: list[str]) -> str:
    parts = [f"{c.quote}\n— {c.label}" for c in citations]
    if referenced:
        parts.append(referenced_note(referenced))
    return "\n\n".join(parts)


def referenced_note(referenced: list[str]) -> str:
    listed = _join_names(referenced)
    verb = "is" if len(referenced) == 1 else "are"
    return (f"This refers you to {listed}, which {verb} not in the documents I can search: "
            f"ask {COMMS} or look on the intranet for {'it' if len(referenced) == 1 else 'them'}.")


def _join_names(names: list[str]) -> str:
    named = [f"the {n}" for n in names]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


class Answerer:
    """Answers questions from a `KnowledgeIndex`, optionally phrasing them with a language model."""

    def __init__(self, index: KnowledgeIndex, generator=None):
        self.index = index
        self.generator = generator

    @property
    def retrieval_mode(self) -> str:
        return getattr(self.index, "retrieval_mode", "lexical")

    def search(self, question: str, context: str | None = None) -> SearchResult:
        return self.index.search(question, k=3, context=context)

    def answer(self, raw_question: str, context: str | None = None) -> Answer:
        question = clean_question(raw_question)
        result = self.search(question, context)
        if result.injection:
            return Answer(question, False, INJECTION_TEXT, decline_reason="instructions",
                          retrieval=self.retrieval_mode)
        if not result.covered:
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
