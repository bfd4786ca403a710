"""Score retrieval on a question file, the way `../shared/tools/dev_eval.py` does, without a subprocess."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Case:
    question: str
    expect: list[str] | None  # None: the documents do not cover it and the bot should decline
    answered: bool = False
    cited: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        if self.expect is None:
            return not self.answered
        return self.answered and bool(set(self.expect) & set(self.cited[:3]))


@dataclass
class EvalReport:
    cases: list[Case]

    @property
    def in_scope(self) -> list[Case]:
        return [c for c in self.cases if c.expect is not None]

    @property
    def out_of_scope(self) -> list[Case]:
        return [c for c in self.cases if c.expect is None]

    def _rate(self, hits: int, cases: list[Case]) -> float:
        return hits / len(cases) if cases else 0.0

    @property
    def hit1(self) -> float:
        return self._rate(sum(c.answered and c.cited[:1] and c.cited[0] in c.expect for c in self.in_scope),
                          self.in_scope)

    @property
    def hit3(self) -> float:
        return self._rate(sum(c.ok for c in self.in_scope), self.in_scope)

    @property
    def answered_in_scope(self) -> int:
        return sum(c.answered for c in self.in_scope)

    @property
    def declined_out_of_scope(self) -> int:
        return sum(not c.answered for c in self.out_of_scope)

    def lines(self, verbose: bool = False) -> list[str]:
        return [f"{'ok  ' if c.ok else 'MISS'} {c.question!r} expect={c.expect or 'decline'} "
                f"answered={c.answered} cited={c.cited[:3]}" for c in self.cases if verbose or not c.ok]

    def summary(self) -> str:
        n_in, n_out = len(self.in_scope), len(self.out_of_scope)
        return (f"hit@1 {self.hit1:.2f}; hit@3 {self.hit3:.2f}; in-scope answered {self.answered_in_scope}/{n_in}; "
                f"out-of-scope declined {self.declined_out_of_scope}/{n_out}")


def load_cases(path: Path) -> list[Case]:
    cases: list[Case] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            expect = row["expect"]
            cases.append(Case(row["q"], None if expect == "decline" else [str(e) for e in expect]))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"{path.name} line {number}: not a question line ({error})") from None
    return cases


def evaluate_cases(answerer, cases: list[Case]) -> EvalReport:
    for case in cases:
        answer = answerer.answer(case.question)
        case.answered = answer.answered
        case.cited = [c.section for c in answer.citations]
    return EvalReport(cases)


def evaluate_file(answerer, path: Path) -> EvalReport:
    return evaluate_cases(answerer, load_cases(path))
