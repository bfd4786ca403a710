"""Scoring answers on multi-document question files: matching rules, per-document and two-document figures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from knowledge.evaluation import Expectation, evaluate_file, load_cases


@pytest.mark.parametrize("expected,citation,matches", [
    ("Dignity at Work Policy|3.2", {"document": "Dignity at Work Policy", "section": "3.2"}, True),
    ("Dignity at Work Policy|3.2", {"document": "dignity at work policy", "section": "3"}, True),  # whole section
    ("Dignity at Work Policy|3", {"document": "Dignity at Work Policy", "section": "3.4"}, True),  # a clause of it
    ("Dignity at Work Policy|3.2", {"document": "Dignity at Work Policy", "section": "3.3"}, False),
    ("Dignity at Work Policy|3.2", {"document": "Media Relations Protocol", "section": "3.2"}, False),
    ("Media Relations Protocol|14", {"document": "Media Relations Protocol", "section": "14(b)"}, True),
    ("Media Relations Protocol|14", {"document": "Media Relations Protocol", "section": "para 14"}, True),
    ("Media Relations Protocol|14", {"document": "Media Relations Protocol", "section": "1"}, False),
    ("Data Protection: Guidance for Staff|Subject access requests",
     {"document": "Data Protection - guidance for staff", "section": "subject access requests"}, True),
    ("Data Protection: Guidance for Staff|Data breaches",
     {"document": "Data Protection: Guidance for Staff", "section": "What to do straight away",
      "heading": "Data breaches"}, True),
    ("Data Protection: Guidance for Staff|Data breaches",
     {"document": "Data Protection: Guidance for Staff", "section": "Privacy notices"}, False),
    ("19", {"document": "Any Policy", "section": "19"}, True),  # no title: any document
])
def test_citations_match_expectations_by_number_or_heading(expected, citation, matches):
    assert Expectation.parse(expected).matches(citation) is matches


@dataclass
class _Citation:
    document: str
    section: str
    heading: str = ""


@dataclass
class _Answer:
    answered: bool
    citations: list = field(default_factory=list)


class _ScriptedAnswerer:
    def __init__(self, answers: dict):
        self.answers = answers

    def answer(self, question):
        return self.answers[question]


def test_figures_per_document_and_for_two_document_questions(tmp_path):
    path = tmp_path / "q.jsonl"
    rows = [{"q": "one", "expect": ["A Policy|1"]},
            {"q": "two", "expect": ["A Policy|2", "B Guide|Photos"]},
            {"q": "three", "expect": ["B Guide|Breaches"]},
            {"q": "four", "expect": "decline"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    answerer = _ScriptedAnswerer({
        "one": _Answer(True, [_Citation("A Policy", "1")]),
        "two": _Answer(True, [_Citation("A Policy", "2"), _Citation("A Policy", "3"), _Citation("B Guide", "Photos")]),
        "three": _Answer(False, [_Citation("B Guide", "Breaches")]),  # not answered: no hit
        "four": _Answer(False),
    })
    report = evaluate_file(answerer, path)
    assert (report.hit1, report.hit3) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert report.answered_in_scope == 2 and report.declined_out_of_scope == 1
    assert report.two_document_both_found == 1 and len(report.two_document) == 1
    by_title = {row.title: row for row in report.per_document()}
    assert (by_title["A Policy"].questions, by_title["A Policy"].hit3) == (2, 2)
    assert (by_title["B Guide"].questions, by_title["B Guide"].hit1, by_title["B Guide"].hit3) == (2, 0, 1)
    assert "two-document questions with both in the top 3 1/1" in report.summary()
    assert report.to_json()["per_document"]["B Guide"]["hit3"] == 0.5
    assert any(line.startswith("MISS") and "'three'" in line for line in report.lines())


@pytest.mark.parametrize("line,message", [("not json", "line 1: not a question line"),
                                          ('{"q": "x", "expect": []}', "must be a list"),
                                          ('{"expect": "decline"}', "line 1: not a question line")])
def test_bad_question_files_are_reported_by_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_cases(path)
