"""CSV exports never hand a spreadsheet a formula from text that staff typed."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from bot.export import safe_cell, write_csv
from bot.questions import QuestionRow, questions_csv


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x.test","click")', "+1+1", "-2+3", "@SUM(A1:A2)",
                                   "\t=1", "\r=1"])
def test_text_that_a_spreadsheet_would_run_is_written_as_text(typed):
    assert safe_cell(typed) == "'" + typed


@pytest.mark.parametrize("value", ["Who approves a page?", "", 42, -3, 1.5, None, "a=b", "x-y"])
def test_other_cells_are_written_as_they_are(value):
    assert safe_cell(value) == value


def test_a_question_export_neutralises_formulas():
    row = QuestionRow(1, datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc), "dm", "U1",
                      '=HYPERLINK("http://evil.test","Who approves?")', True, "19", 0, 0, False)
    cells = list(csv.reader(io.StringIO(questions_csv([row]))))[1]
    assert cells[4] == '\'=HYPERLINK("http://evil.test","Who approves?")'
    assert cells[0] == "1" and cells[5] == "yes"


def test_write_csv_keeps_the_header_and_numbers():
    out = io.StringIO()
    write_csv(out, ["name", "count"], [["-minus", -1], ["plain", 2]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["name", "count"], ["'-minus", "-1"], ["plain", "2"]]
