"""Check a held-out set: every document opens, and every expected section exists in its document.

    python knowledge/eval/check_set.py SET_DIR [--show-first-page]

SET_DIR is a set's folder, such as knowledge/eval/kb-hr. The documents are read with the libraries a real
reader would use (python-docx, pypdf, BeautifulSoup, plain text), independently of policybot's own
ingestion, so a failure here is a fault in the set, not in the bot. Exit status 1 on any problem.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

NUMBERED_PARA = re.compile(r"^(\d{1,2})\.\s+\S")
CLAUSE = re.compile(r"^(\d{1,2})\.(\d{1,2})\s+\S")
SECTION_HEADING = re.compile(r"^(\d{1,2})\.\s+\S")


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def sequential(numbers: list[int], name: str, problems: list[str]) -> None:
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"{name}: paragraph numbers are not 1..N in order: {numbers}")


def read_docx(path: Path, problems: list[str]) -> dict:
    from docx import Document

    document = Document(str(path))
    title = next((p.text.strip() for p in document.paragraphs if p.style.name == "Title"), "")
    sections, clauses = set(), set()
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if paragraph.style.name == "Heading 1" and (m := SECTION_HEADING.match(text)):
            sections.add(m.group(1))
        elif paragraph.style.name == "Normal" and (m := CLAUSE.match(text)):
            if m.group(1) not in sections:
                problems.append(f"{path.name}: clause {m.group(0)[:6]} outside its section")
            clauses.add(f"{m.group(1)}.{m.group(2)}")
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    words = sum(len(p.text.split()) for p in document.paragraphs)
    words += sum(len(cell.split()) for table in tables for row in table for cell in row)
    styles = Counter(p.style.name for p in document.paragraphs)
    return {"title": title, "numbered": True, "sections": sections | clauses, "words": words,
            "detail": f"{len(sections)} sections, {len(clauses)} clauses, tables={tables}, styles={dict(styles)},"
                      f" core title={document.core_properties.title!r}"}


def read_pdf(path: Path, problems: list[str], show: bool) -> dict:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [page.extract_text() or "" for page in reader.pages]
    for number, text in enumerate(pages, 1):
        if f"Page {number} of {len(pages)}" not in text:
            problems.append(f"{path.name}: page {number} has no 'Page {number} of {len(pages)}' footer")
    lines = [line.strip() for text in pages for line in text.splitlines()]
    numbers = [int(m.group(1)) for line in lines if (m := NUMBERED_PARA.match(line))]
    sequential(numbers, path.name, problems)
    if show:
        print(f"----- {path.name}: first page as pypdf extracts it -----\n{pages[0]}\n-----")
    title = (reader.metadata or {}).get("/Title", "") or ""
    return {"title": str(title), "numbered": True, "sections": {str(n) for n in numbers},
            "words": sum(len(t.split()) for t in pages),
            "detail": f"{len(pages)} pages, paragraphs 1-{max(numbers)}"}


def read_html(path: Path, problems: list[str]) -> dict:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for name in ("nav", "script", "footer"):
        if not soup.find(name):
            problems.append(f"{path.name}: no <{name}>")
    if not soup.find("table"):
        problems.append(f"{path.name}: no <table>")
    for tag in soup(["nav", "script", "style", "footer", "header", "aside"]):
        tag.decompose()
    h1 = soup.find("h1")
    headings = [h.get_text(" ", strip=True) for h in soup.find_all(["h2", "h3"])]
    body = soup.find("main") or soup.body
    return {"title": h1.get_text(" ", strip=True) if h1 else "", "numbered": False,
            "sections": {norm(h) for h in headings}, "words": len(body.get_text(" ").split()),
            "detail": f"{len(headings)} headings: {headings}"}


def read_markdown(path: Path, problems: list[str]) -> dict:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        text = text[text.index("\n---\n", 4) + 5:]
    title, headings = "", []
    for line in text.splitlines():
        if m := re.match(r"^(#{1,6})\s+(.*)$", line):
            if len(m.group(1)) == 1 and not title:
                title = m.group(2).strip()
            else:
                headings.append(m.group(2).strip())
    if "**Version:**" not in text:
        problems.append(f"{path.name}: no **Version:** line")
    steps = len(re.findall(r"^\d+\.\s", text, flags=re.M))
    return {"title": title, "numbered": False, "sections": {norm(h) for h in headings},
            "words": len(text.split()), "detail": f"{len(headings)} headings, {steps} numbered steps: {headings}"}


def read_text(path: Path, problems: list[str]) -> dict:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    numbers = [int(m.group(1)) for line in lines if (m := NUMBERED_PARA.match(line))]
    sequential(numbers, path.name, problems)
    footers = [line for line in lines if re.fullmatch(r"Page \d+ of \d+", line)]
    return {"title": lines[0], "numbered": True, "sections": {str(n) for n in numbers},
            "words": sum(len(line.split()) for line in lines),
            "detail": f"paragraphs 1-{max(numbers)}, {len(footers)} page footers, {len(lines)} lines"}


def main(argv: list[str]) -> int:
    show = "--show-first-page" in argv
    args = [a for a in argv if not a.startswith("--")]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    set_dir = Path(args[0])
    problems: list[str] = []
    documents = {}
    for path in sorted((set_dir / "docs").iterdir()):
        reader = {".docx": lambda p: read_docx(p, problems), ".pdf": lambda p: read_pdf(p, problems, show),
                  ".html": lambda p: read_html(p, problems), ".md": lambda p: read_markdown(p, problems),
                  ".txt": lambda p: read_text(p, problems)}[path.suffix]
        info = reader(path)
        documents[norm(info["title"])] = info
        print(f"{path.name}: {info['title']!r}, {info['words']} words; {info['detail']}")
        if not 1500 <= info["words"] <= 3600:
            problems.append(f"{path.name}: {info['words']} words")

    per_document: Counter = Counter()
    kinds: Counter = Counter()
    lines = (set_dir / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"questions.jsonl:{number}: {error}")
            continue
        if set(item) != {"q", "expect"} or not item["q"].strip():
            problems.append(f"questions.jsonl:{number}: keys {sorted(item)}")
            continue
        if item["expect"] == "decline":
            kinds["decline"] += 1
            continue
        titles = set()
        for entry in item["expect"]:
            title, _, section = entry.partition("|")
            info = documents.get(norm(title))
            if info is None:
                problems.append(f"questions.jsonl:{number}: unknown document {title!r}")
                continue
            titles.add(info["title"])
            key = section.strip() if info["numbered"] else norm(section)
            if key not in info["sections"]:
                problems.append(f"questions.jsonl:{number}: {title!r} has no section {section!r}")
        kinds["two documents" if len(titles) > 1 else "one document"] += 1
        per_document.update(titles)
    print(f"\n{len(lines)} questions: {dict(kinds)}")
    for title, count in sorted(per_document.items()):
        print(f"  {title}: {count} (counting each document a question lists)")
    for problem in problems:
        print("PROBLEM:", problem)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
