"""Score answers on a question file: hit@1, hit@3, declines, per document and for two-document questions.

A question file has one JSON object a line: `{"q": "...", "expect": ["<document title>|<section>", ...]}`
for a question the documents answer (any section listed is a right answer; a question that needs two
documents lists sections of both), or `{"q": "...", "expect": "decline"}` for one they don't cover. An
expectation without a title ("19") matches that section in any document.

A citation matches an expectation when the titles match (case, spacing and punctuation ignored) and the
sections match: numbered sections by number, where a whole section ("6", "6. Gifts") counts for a clause
inside it (6.8) and a clause counts for its section; heading sections by heading text, against the
citation's section or its heading. Hits count only when the bot answered.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

DECLINE = "decline"
_NUMBER_RE = re.compile(r"^\s*(?:(?:para(?:graph)?|section|clause|§)\.?\s*)?(\d+(?:\.\d+)*)(?!\d)", re.I)
_WHOLE_NUMBER_RE = re.compile(r"^\s*(?:(?:para(?:graph)?|section|clause|§)\.?\s*)?\d+(?:\.\d+)*\.?\s*"
                              r"(?:\([a-z]{1,4}\))*\s*$", re.I)


def norm_text(text: str) -> str:
    """Lower case, curly quotes straightened, punctuation and spacing ignored."""
    text = str(text or "").replace("\u2019", "'").replace("\u2018", "'").lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _number(text: str) -> tuple[int, ...] | None:
    match = _NUMBER_RE.match(str(text or ""))
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def _heading_text(text: str) -> str:
    return norm_text(re.sub(r"^\s*\d+(?:\.\d+)*\.?\s+", "", str(text or "")))


@dataclass(frozen=True)
class Expectation:
    raw: str
    title: str  # "" matches any document
    section: str

    @classmethod
    def parse(cls, raw) -> "Expectation":
        raw = str(raw)
        title, _, section = raw.rpartition("|")
        return cls(raw, title.strip(), section.strip())

    @property
    def document(self) -> str:
        return norm_text(self.title)

    def matches(self, citation: dict) -> bool:
        if self.title and norm_text(citation.get("document", "")) != self.document:
            return False
        cited_section = str(citation.get("section", ""))
        if _WHOLE_NUMBER_RE.match(self.section):
            wanted, cited = _number(self.section), _number(cited_section)
            if wanted is None or cited is None:
                return False
            shorter = min(len(wanted), len(cited))
            return wanted[:shorter] == cited[:shorter]
        wanted_heading = _heading_text(self.section)
        return wanted_heading in {_heading_text(cited_section), _heading_text(citation.get("heading", ""))}


@dataclass
class Case:
    question: str
    expect: list[Expectation] | None  # None: the documents do not cover it and the bot should decline
    answered: bool = False
    citations: list[dict] = field(default_factory=list)

    @property
    def documents(self) -> dict[str, list[Expectation]]:
        grouped: dict[str, list[Expectation]] = {}
        for expectation in self.expect or []:
            grouped.setdefault(expectation.title, []).append(expectation)
        return grouped

    def hit(self, k: int, expectations: list[Expectation] | None = None) -> bool:
        if not self.answered or self.expect is None:
            return False
        wanted = expectations if expectations is not None else self.expect
        return any(e.matches(c) for e in wanted for c in self.citations[:k])

    @property
    def ok(self) -> bool:
        return not self.answered if self.expect is None else self.hit(3)

    @property
    def cited(self) -> list[str]:
        return [f"{c.get('document', '?')}|{c.get('section', '?')}" for c in self.citations]


@dataclass
class DocumentFigures:
    title: str
    questions: int = 0
    answered: int = 0
    hit1: int = 0
    hit3: int = 0


@dataclass
class EvalReport:
    cases: list[Case]

    @property
    def in_scope(self) -> list[Case]:
        return [c for c in self.cases if c.expect is not None]

    @property
    def out_of_scope(self) -> list[Case]:
        return [c for c in self.cases if c.expect is None]

    @property
    def two_document(self) -> list[Case]:
        return [c for c in self.in_scope if len(c.documents) > 1]

    @staticmethod
    def _rate(hits: int, total: int) -> float:
        return hits / total if total else 0.0

    @property
    def hit1(self) -> float:
        return self._rate(sum(c.hit(1) for c in self.in_scope), len(self.in_scope))

    @property
    def hit3(self) -> float:
        return self._rate(sum(c.hit(3) for c in self.in_scope), len(self.in_scope))

    @property
    def answered_in_scope(self) -> int:
        return sum(c.answered for c in self.in_scope)

    @property
    def declined_out_of_scope(self) -> int:
        return sum(not c.answered for c in self.out_of_scope)

    @property
    def two_document_both_found(self) -> int:
        return sum(all(c.hit(3, exps) for exps in c.documents.values()) for c in self.two_document)

    def per_document(self) -> list[DocumentFigures]:
        rows: dict[str, DocumentFigures] = {}
        for case in self.in_scope:
            for title, expectations in case.documents.items():
                row = rows.setdefault(norm_text(title), DocumentFigures(title or "(any document)"))
                row.questions += 1
                row.answered += case.answered
                row.hit1 += case.hit(1, expectations)
                row.hit3 += case.hit(3, expectations)
        return sorted(rows.values(), key=lambda row: row.title.lower())

    def lines(self, verbose: bool = False) -> list[str]:
        out = []
        for number, case in enumerate(self.cases, start=1):
            if not verbose and case.ok:
                continue
            verdict = "MISS" if not case.ok else ("ok  " if case.expect is None or case.hit(1) else "ok@3")
            expected = "decline" if case.expect is None else [e.raw for e in case.expect]
            out.append(f"{verdict} {number:>3} {case.question!r}\n         expect={expected} "
                       f"answered={case.answered} cited={case.cited[:3]}")
        return out

    def summary(self) -> str:
        n_in, n_out = len(self.in_scope), len(self.out_of_scope)
        text = (f"hit@1 {self.hit1:.2f}; hit@3 {self.hit3:.2f}; in-scope answered {self.answered_in_scope}/{n_in}; "
                f"out-of-scope declined {self.declined_out_of_scope}/{n_out}")
        if self.two_document:
            text += f"; two-document questions with both in the top 3 {self.two_document_both_found}/" \
                    f"{len(self.two_document)}"
        return text

    def table(self) -> list[str]:
        rows = self.per_document()
        if len(rows) < 2:
            return []
        width = max(len(row.title) for row in rows + [DocumentFigures("out of scope")])
        out = [f"{'per document':<{width}}  questions  answered  hit@1  hit@3"]
        for row in rows:
            out.append(f"{row.title:<{width}}  {row.questions:>9}  {row.answered:>8}  "
                       f"{row.hit1 / row.questions:>5.2f}  {row.hit3 / row.questions:>5.2f}")
        if self.out_of_scope:
            out.append(f"{'out of scope':<{width}}  {len(self.out_of_scope):>9}  declined "
                       f"{self.declined_out_of_scope}/{len(self.out_of_scope)}")
        return out

    def to_json(self) -> dict:
        return {"questions": len(self.cases), "hit1": round(self.hit1, 4), "hit3": round(self.hit3, 4),
                "in_scope": len(self.in_scope), "answered_in_scope": self.answered_in_scope,
                "out_of_scope": len(self.out_of_scope), "declined_out_of_scope": self.declined_out_of_scope,
                "two_document": len(self.two_document), "two_document_both_found": self.two_document_both_found,
                "per_document": {row.title: {"questions": row.questions, "hit1": round(row.hit1 / row.questions, 4),
                                             "hit3": round(row.hit3 / row.questions, 4)}
                                 for row in self.per_document()}}


def load_cases(path: Path) -> list[Case]:
    cases: list[Case] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            question, expect = row["q"], row["expect"]
            if not isinstance(question, str) or not question.strip():
                raise TypeError("no question")
            if expect == DECLINE:
                cases.append(Case(question, None))
            elif isinstance(expect, list) and expect:
                cases.append(Case(question, [Expectation.parse(e) for e in expect]))
            else:
                raise TypeError('"expect" must be a list of sections or "decline"')
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"{Path(path).name} line {number}: not a question line ({error})") from None
    return cases


def evaluate_cases(answerer, cases: list[Case]) -> EvalReport:
    for case in cases:
        answer = answerer.answer(case.question)
        case.answered = answer.answered
        case.citations = [{"document": c.document, "section": c.section, "heading": c.heading}
                          for c in answer.citations]
    return EvalReport(cases)


def evaluate_file(answerer, path: Path) -> EvalReport:
    return evaluate_cases(answerer, load_cases(path))
