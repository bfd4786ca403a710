"""Build the binary documents of the kb-hr held-out set from the text sources beside this script.

    python knowledge/eval/kb-hr/build/make_docs.py

writes docs/code-of-conduct.docx (python-docx) and docs/recruitment-and-selection.pdf (reportlab).
docs/lone-working.html and docs/whistleblowing.md are written by hand and are their own sources.

Source mark-up (one paragraph a line, blank lines ignored):
  code-of-conduct.txt          TITLE: …   Title style
                               TABLE … ENDTABLE   rows "Field | Value" for the document-control table
                               # …        Heading 1 (typed with its number, "4. Gifts and hospitality")
                               - …        List Bullet
                               anything else: a Normal paragraph (clauses typed "4.3 …")
  recruitment-and-selection.txt ORG: / TITLE: / VERSION:   the title block
                               ## …       an unnumbered heading
                               N. …       a numbered paragraph (hanging number)
                               (a) …      a lettered sub-point
"""

from __future__ import annotations

import re
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # knowledge/eval, for the shared Word writer
from word import make_docx  # noqa: E402

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"


def make_pdf(source: Path, target: Path) -> None:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas as pdfcanvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from xml.sax.saxutils import escape

    class NumberedCanvas(pdfcanvas.Canvas):
        """Two-pass canvas so every page can say "Page N of M"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8.5)
                self.drawCentredString(A4[0] / 2, 1.3 * cm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    base = dict(fontName="Helvetica", fontSize=10.5, leading=14.5, spaceAfter=6)
    styles = {
        "org": ParagraphStyle("org", fontName="Helvetica-Bold", fontSize=11, leading=14, spaceAfter=4),
        "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=19, leading=24, spaceAfter=6),
        "version": ParagraphStyle("version", fontName="Helvetica", fontSize=8.5, leading=11, spaceAfter=14),
        "heading": ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=12, leading=15,
                                  spaceBefore=10, spaceAfter=5, keepWithNext=True),
        "para": ParagraphStyle("para", leftIndent=0.9 * cm, bulletIndent=0, **base),
        "sub": ParagraphStyle("sub", leftIndent=1.8 * cm, bulletIndent=0.9 * cm, **{**base, "spaceAfter": 3}),
        "body": ParagraphStyle("body", **base),
        "centre": ParagraphStyle("centre", alignment=TA_CENTER, **base),
    }
    story = []
    title = ""
    for raw in source.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("ORG:"):
            story.append(Paragraph(escape(line[4:].strip()), styles["org"]))
        elif line.startswith("TITLE:"):
            title = line[6:].strip()
            story.append(Paragraph(escape(title), styles["title"]))
        elif line.startswith("VERSION:"):
            story.append(Paragraph(escape(line[8:].strip()), styles["version"]))
        elif line.startswith("## "):
            story.append(Paragraph(escape(line[3:].strip()), styles["heading"]))
        elif match := re.match(r"^(\d+)\.\s+(.*)$", line):
            story.append(Paragraph(escape(match.group(2)), styles["para"], bulletText=f"{match.group(1)}."))
        elif match := re.match(r"^(\([a-z]\))\s+(.*)$", line):
            story.append(Paragraph(escape(match.group(2)), styles["sub"], bulletText=match.group(1)))
        else:
            story.append(Paragraph(escape(line), styles["body"]))
    story.append(Spacer(1, 12))
    target.parent.mkdir(parents=True, exist_ok=True)
    document = SimpleDocTemplate(
        str(target), pagesize=A4, leftMargin=2.3 * cm, rightMargin=2.3 * cm, topMargin=2.2 * cm,
        bottomMargin=2.4 * cm, title=title, author="Shireton County Council", subject=title,
    )
    document.build(story, canvasmaker=NumberedCanvas)


def main() -> None:
    make_docx(HERE / "code-of-conduct.txt", DOCS / "code-of-conduct.docx")
    make_pdf(HERE / "recruitment-and-selection.txt", DOCS / "recruitment-and-selection.pdf")
    for name in ("code-of-conduct.docx", "recruitment-and-selection.pdf"):
        print("wrote", DOCS / name)


if __name__ == "__main__":
    main()
