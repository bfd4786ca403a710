"""Build the generated documents of the kb-services held-out set from the sources beside this script.

    python knowledge/eval/kb-services/build/make_docs.py

writes docs/information-security.docx (python-docx) from information-security.txt, and
docs/freedom-of-information.txt from freedom-of-information.txt, laid out the way text copied out of a
PDF looks: lines wrapped at about 90 characters, no blank lines, numbers and headings at the start of
lines, and a "Page N of M" footer line every 46 lines (falling wherever it falls, mid-paragraph included).
docs/complaints-procedure.md is written by hand and is its own source.

Mark-up: information-security.txt uses TITLE:, TABLE … ENDTABLE ("Field | Value" rows), "# " for
Heading 1 (typed with its number), "- " for List Bullet and plain lines for Normal paragraphs (clauses
typed "3.2 …"). freedom-of-information.txt uses TITLE:/ORG:/VERSION:, "## " for a heading, "N. " for a
numbered paragraph, "(a) " for a lettered sub-point and plain lines for continuation text.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # knowledge/eval, for the shared Word writer
from word import make_docx  # noqa: E402

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
WIDTH = 90
LINES_PER_PAGE = 46


def pdf_like_text(source: Path) -> str:
    body: list[str] = []
    for raw in source.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        for prefix in ("TITLE:", "ORG:", "VERSION:"):
            if line.startswith(prefix):
                body.extend(textwrap.wrap(line[len(prefix):].strip(), WIDTH))
                break
        else:
            if line.startswith("## "):
                body.append(line[3:].strip())
            else:
                # numbered paragraphs, sub-points and continuation text all wrap flush left,
                # as pypdf gives them: the hanging indent of the original is lost
                body.extend(textwrap.wrap(line, WIDTH, break_on_hyphens=False))
    pages = [body[i:i + LINES_PER_PAGE] for i in range(0, len(body), LINES_PER_PAGE)]
    out: list[str] = []
    for number, page in enumerate(pages, 1):
        out.extend(page)
        out.append(f"Page {number} of {len(pages)}")
    return "\n".join(out) + "\n"


def main() -> None:
    make_docx(HERE / "information-security.txt", DOCS / "information-security.docx")
    (DOCS / "freedom-of-information.txt").write_text(pdf_like_text(HERE / "freedom-of-information.txt"),
                                                     encoding="utf-8")
    for name in ("information-security.docx", "freedom-of-information.txt"):
        print("wrote", DOCS / name)


if __name__ == "__main__":
    main()
