"""CSV exports, safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel and LibreOffice as
a formula, so a question typed as `=HYPERLINK("http://…")` would run when Comms opens the export. Such text
cells are written with a leading apostrophe, which spreadsheets show as plain text (the OWASP advice for
CSV injection); numbers are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(stream: IO[str], header: list[str], rows: Iterable[Iterable]) -> None:
    writer = csv.writer(stream)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
