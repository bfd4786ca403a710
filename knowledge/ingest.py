"""Turn knowledge documents (.txt, .md, .pdf, .docx, .html) into citable passages.

Every format is first read into a flat list of blocks (heading, paragraph line, bullet), then one
structurer turns the blocks into passages:

* a document with numbered paragraphs ("1.", "2.", … in sequence) gives one passage per paragraph,
  with its bullets, labelled "Social Media Policy, para 19" and carrying the heading above it;
* any other document gives one passage per heading section.

Text extracted from PDFs (such as the bundled policy) carries page-break debris: blank lines inside
sentences, bullets split across pages, stray page numbers. The line reader below repairs those.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm"}
BULLET_CHARS = "•●▪■◦‣∙·*-–—o"
BULLET_RE = re.compile(r"^\s*(?:[•●▪■◦‣∙·]|[-*–—](?=\s)|o(?=\s{1,3}[A-Z]))\s*(?P<text>.*)$")
NUMBERED_RE = re.compile(r"^\s*(?P<number>\d{1,3})[.)]\s+(?P<text>\S.*)$")
PAGE_DEBRIS_RE = re.compile(r"^\s*(?:page\s+\d+(?:\s+of\s+\d+)?|\d{1,3}|-\s*\d{1,3}\s*-)\s*$", re.IGNORECASE)
VERSION_RE = re.compile(r"\bversion\s*(?:no\.?|number)?\s*[:\-]?\s*(?P<version>v?\d+(?:\.\d+)*)\b", re.IGNORECASE)
DATE_RE = re.compile(
    r"\b(?:effective|date of issue|issued|approved|published|review(?:ed)?)(?:\s+(?:date|from|on))?\s*[:\-]?\s*"
    r"(?P<date>\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})",
    re.IGNORECASE,
)
MAX_HEADING_CHARS = 90


class IngestError(Exception):
    """A document could not be read or has no usable text; the message names the file."""


@dataclass
class Block:
    kind: str  # "heading", "text" or "bullet"
    text: str
    level: int = 1


@dataclass
class ParsedPassage:
    section: str
    heading: str
    text: str
    ordinal: int = 0

    @property
    def checksum(self) -> str:
        return hashlib.sha256(f"{self.section}\n{self.heading}\n{self.text}".encode()).hexdigest()


@dataclass
class ParsedDocument:
    title: str
    passages: list[ParsedPassage]
    numbered: bool
    version: str | None = None
    effective_date: date | None = None
    source_path: str = ""
    checksum: str = ""
    extra: dict = field(default_factory=dict)

    def label(self, passage: ParsedPassage) -> str:
        if self.numbered:
            return f"{self.title}, para {passage.section}"
        return f"{self.title}, {passage.section}"


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def clean_inline(text: str) -> str:
    """Normalise Unicode, drop control characters and squeeze whitespace; keeps curly quotes as written."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


# ---------------------------------------------------------------------------------------------- readers

def _read_text_file(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise IngestError(f"{path.name}: not UTF-8 text (byte {error.start}); save it as UTF-8 and index again") from None


def _looks_like_heading(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_HEADING_CHARS:
        return False
    if not stripped[0].isupper() or stripped[-1] in ".,;:!?)" or BULLET_RE.match(stripped):
        return False
    return NUMBERED_RE.match(stripped) is None


def blocks_from_plain_text(text: str) -> list[Block]:
    """Read PDF-extracted or plain text into blocks, repairing page-break debris.

    A heading is a short capitalised line without closing punctuation that stands alone before a numbered
    paragraph, a bullet list or a blank line followed by body text; the first such line is the title.
    A line that starts in lower case or with "(" continues the sentence above it, even across blank lines.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    lines = [clean_inline(line) for line in text.split("\n")]
    lines = ["" if PAGE_DEBRIS_RE.match(line) else line for line in lines]
    blocks: list[Block] = []
    blank_before = True

    def next_content(index: int) -> str:
        for later in lines[index + 1:]:
            if later:
                return later
        return ""

    for index, line in enumerate(lines):
        if not line:
            blank_before = True
            continue
        previous = blocks[-1] if blocks else None
        bullet = BULLET_RE.match(line)
        if bullet and bullet.group("text"):
            blocks.append(Block("bullet", bullet.group("text")))
        elif _starts_numbered_paragraph(line, blocks):
            blocks.append(Block("text", line))
        elif _looks_like_heading(line) and (previous is None or (
                (blank_before or previous.kind == "heading") and _heading_context(next_content(index), blocks))):
            blocks.append(Block("heading", line, level=1 if previous is None else 2))
        elif previous is not None and previous.kind != "heading" and (
                line[0].islower() or line[0] in "(,;&" or not blank_before
                or not re.search(r"[.:;!?]['’\")]?$", previous.text)):
            joiner = "" if re.search(r"[A-Za-z]-$", previous.text) else " "
            previous.text = f"{previous.text}{joiner}{line}"
        else:
            blocks.append(Block("text", line))
        blank_before = False
    return blocks


def _starts_numbered_paragraph(line: str, blocks: list[Block]) -> bool:
    match = NUMBERED_RE.match(line)
    if not match:
        return False
    last = _last_number(blocks)
    return last is None or int(match.group("number")) == last + 1


def _last_number(blocks: list[Block]) -> int | None:
    for block in reversed(blocks):
        if block.kind == "text" and (match := NUMBERED_RE.match(block.text)):
            return int(match.group("number"))
    return None


def _heading_context(following: str, blocks: list[Block]) -> bool:
    if not following:
        return False
    if _starts_numbered_paragraph(following, blocks) or BULLET_RE.match(following):
        return True
    return following[0].isupper() and len(following) > MAX_HEADING_CHARS // 2


def blocks_from_markdown(text: str) -> list[Block]:
    blocks: list[Block] = []
    body: list[str] = []
    for raw_line in text.replace("\r\n", "\n").split("\n"):
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", raw_line)
        if heading:
            blocks.extend(blocks_from_plain_text("\n".join(body)) if body else [])
            body = []
            blocks.append(Block("heading", _strip_markdown(heading.group(2)), level=len(heading.group(1))))
        else:
            body.append(_strip_markdown(raw_line))
    if body:
        blocks.extend(blocks_from_plain_text("\n".join(body)))
    # Plain-text reading of a Markdown body must not promote body lines to headings.
    return [Block("text", b.text) if b.kind == "heading" and b.level != 1 and not _was_markdown_heading(b, text)
            else b for b in blocks]


def _was_markdown_heading(block: Block, text: str) -> bool:
    return re.search(rf"^#{{1,6}}\s+{re.escape(block.text)}", text, re.MULTILINE) is not None


def _strip_markdown(line: str) -> str:
    line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
    line = re.sub(r"(?<!\w)([*_])(?!\s)(.+?)(?<!\s)\1(?!\w)", r"\2", line)
    return line.replace("`", "")


def blocks_from_pdf(path: Path) -> tuple[list[Block], dict]:
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata = reader.metadata or {}
        meta = {"title": (metadata.get("/Title") or "").strip()}
    except Exception as error:  # pypdf raises many types for damaged files
        raise IngestError(f"{path.name}: cannot read this PDF (damaged, encrypted or not a PDF: "
                          f"{type(error).__name__})") from None
    return blocks_from_plain_text("\n\n".join(pages)), meta


def blocks_from_docx(path: Path) -> tuple[list[Block], dict]:
    try:
        import docx

        document = docx.Document(str(path))
    except Exception as error:
        raise IngestError(f"{path.name}: cannot read this Word document ({type(error).__name__})") from None
    blocks: list[Block] = []
    for paragraph in document.paragraphs:
        text = clean_inline(paragraph.text)
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style == "Title":
            blocks.append(Block("heading", text, level=0))
        elif style.startswith("Heading"):
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            blocks.append(Block("heading", text, level=level))
        elif "List" in style or BULLET_RE.match(text):
            match = BULLET_RE.match(text)
            blocks.append(Block("bullet", match.group("text") if match else text))
        else:
            blocks.append(Block("text", text))
    meta = {"title": (document.core_properties.title or "").strip()}
    return blocks, meta


def blocks_from_html(text: str) -> tuple[list[Block], dict]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "template"]):
        tag.decompose()
    blocks: list[Block] = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "blockquote", "pre"]):
        if element.name in {"p", "td"} and element.find_parent(["li"]):
            continue
        content = clean_inline(element.get_text(" "))
        if not content:
            continue
        if element.name.startswith("h"):
            blocks.append(Block("heading", content, level=int(element.name[1])))
        elif element.name == "li" and element.find_parent("ol") is None:
            blocks.append(Block("bullet", content))
        else:
            blocks.append(Block("text", content))
    title = soup.title.get_text(" ").strip() if soup.title else ""
    return blocks, {"title": clean_inline(title)}


# ------------------------------------------------------------------------------------------- structurer

def _numbered_paragraph_starts(blocks: list[Block]) -> list[int]:
    """Indexes of blocks that open paragraphs 1, 2, 3, … in sequence (a stray number does not count)."""
    starts: list[int] = []
    expected = None
    for index, block in enumerate(blocks):
        if block.kind != "text":
            continue
        match = NUMBERED_RE.match(block.text)
        if not match:
            continue
        number = int(match.group("number"))
        if expected is None or number == expected:
            starts.append(index)
            expected = number + 1
    return starts


def _join(parts: list[Block]) -> str:
    lines: list[str] = []
    for block in parts:
        if block.kind == "bullet":
            lines.append(f"• {block.text}")
        elif lines and not lines[-1].startswith("• "):
            lines[-1] = f"{lines[-1]} {block.text}"
        else:
            lines.append(block.text)
    return "\n".join(lines).strip()


def structure(blocks: list[Block], fallback_title: str) -> ParsedDocument:
    title = ""
    headings = [b for b in blocks if b.kind == "heading"]
    if headings and (blocks[0].kind == "heading"):
        title = headings[0].text
        blocks = blocks[1:]
    title = title or fallback_title
    starts = _numbered_paragraph_starts(blocks)
    passages: list[ParsedPassage] = []
    if len(starts) >= 3:
        heading = ""
        for block in blocks[:starts[0]]:
            if block.kind == "heading":
                heading = block.text
        for position, start in enumerate(starts):
            end = starts[position + 1] if position + 1 < len(starts) else len(blocks)
            match = NUMBERED_RE.match(blocks[start].text)
            assert match is not None
            body = [Block("text", match.group("text"))]
            next_heading = heading
            for block in blocks[start + 1:end]:
                if block.kind == "heading":
                    next_heading = block.text
                else:
                    body.append(block)
            passages.append(ParsedPassage(section=match.group("number"), heading=heading, text=_join(body)))
            heading = next_heading
        numbered = True
    else:
        current_heading = ""
        body: list[Block] = []

        def flush() -> None:
            text = _join(body)
            if text:
                section = current_heading or title
                passages.append(ParsedPassage(section=section, heading=current_heading, text=text))

        for block in blocks:
            if block.kind == "heading":
                flush()
                current_heading, body = block.text, []
            else:
                body.append(block)
        flush()
        numbered = False
        _disambiguate_sections(passages)
    for ordinal, passage in enumerate(passages, start=1):
        passage.ordinal = ordinal
    return ParsedDocument(title=title, passages=passages, numbered=numbered)


def _disambiguate_sections(passages: list[ParsedPassage]) -> None:
    seen: dict[str, int] = {}
    for passage in passages:
        count = seen.get(passage.section, 0) + 1
        seen[passage.section] = count
        if count > 1:
            passage.section = f"{passage.section} ({count})"


def _find_version_and_date(text: str) -> tuple[str | None, date | None]:
    head = text[:4000] + "\n" + text[-2000:]
    version = None
    if match := VERSION_RE.search(head):
        version = match.group("version")
    effective = None
    if match := DATE_RE.search(head):
        raw = re.sub(r"(\d)(st|nd|rd|th)", r"\1", match.group("date"))
        for fmt in ("%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%d/%m/%Y"):
            try:
                effective = datetime.strptime(raw, fmt).date()
                break
            except ValueError:
                continue
    return version, effective


def parse_file(path: Path) -> ParsedDocument:
    """Read one document into passages, or raise `IngestError` naming the file and what is wrong."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{path.name}: unsupported file type {suffix or '(none)'}; "
                          f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    meta: dict = {}
    if suffix in {".txt"}:
        raw_text = _read_text_file(path)
        blocks = blocks_from_plain_text(raw_text)
    elif suffix in {".md", ".markdown"}:
        raw_text = _read_text_file(path)
        blocks = blocks_from_markdown(raw_text)
    elif suffix == ".pdf":
        blocks, meta = blocks_from_pdf(path)
        raw_text = "\n".join(b.text for b in blocks)
    elif suffix == ".docx":
        blocks, meta = blocks_from_docx(path)
        raw_text = "\n".join(b.text for b in blocks)
    else:
        raw_text = _read_text_file(path)
        blocks, meta = blocks_from_html(raw_text)
    fallback_title = meta.get("title") or path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    document = structure(blocks, fallback_title)
    if meta.get("title") and not document.title:
        document.title = meta["title"]
    if not document.passages:
        raise IngestError(f"{path.name}: no text found to index (is it empty, or a scanned image?)")
    document.version, document.effective_date = _find_version_and_date(raw_text)
    document.source_path = str(path.resolve())
    document.checksum = file_checksum(path)
    return document
