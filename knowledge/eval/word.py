"""Word files for the evaluation sets, written from the text sources in each set's build/ folder.

Shared by the sets' build scripts (`knowledge/eval/<set>/build/make_docs.py`).
"""

from __future__ import annotations

from pathlib import Path


def make_docx(source: Path, target: Path, *, author: str = "Shireton County Council") -> None:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    lines = source.read_text(encoding="utf-8").splitlines()
    title = ""
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if not line:
            continue
        if line.startswith("TITLE:"):
            title = line[len("TITLE:"):].strip()
            document.add_paragraph(title, style="Title")
        elif line == "TABLE":
            rows = []
            while lines[index].strip() != "ENDTABLE":
                if lines[index].strip():
                    rows.append([cell.strip() for cell in lines[index].split("|", 1)])
                index += 1
            index += 1
            table = document.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for field, value in rows:
                cells = table.add_row().cells
                cells[0].text = field
                cells[1].text = value
                for run in cells[0].paragraphs[0].runs:
                    run.bold = True
            document.add_paragraph("")
        elif line.startswith("# "):
            document.add_paragraph(line[2:].strip(), style="Heading 1")
        elif line.startswith("- "):
            document.add_paragraph(line[2:].strip(), style="List Bullet")
        else:
            document.add_paragraph(line, style="Normal")
    properties = document.core_properties
    properties.title = title
    properties.author = author
    properties.subject = title
    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))
