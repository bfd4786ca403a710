"""Turn knowledge documents (.txt, .md, .pdf, .docx, .html) into citable passages.

Each format has a reader that turns the file into a flat list of blocks (heading, body paragraph, list
item, table row) and the document's metadata (title, version, effective date, owner). One structurer then
turns the blocks into passages, in one of four shapes:

* "numbered": paragraphs numbered 1, 2, 3 … through the document (the bundled Social Media Policy): one
  passage per paragraph, cited "Social Media Policy, para 19", carrying the heading above it;
* "clauses": dotted clauses ("3.2 …") under numbered headings ("3. What is bullying and harassment"): one
  passage per clause, cited "Dignity at Work Policy, 3.2"; a section's text before its first clause is
  cited by the section number ("…, 3");
* "headed": one passage per heading section, cited by its heading ("…, What to do straight away") with the
  headings above it as context ("Data breaches");
* "plain": no headings and no numbering: one passage per paragraph ("…, Paragraph 3"), with a warning.

Inside a passage each body paragraph and table row is a line, and every list item or lettered sub-point is
a line starting "• ", keeping its own marker ("• 1. Contain the breach…", "• (a) be courteous…").

Metadata comes from document-control lines near the top or bottom ("Version 3.1 | Owner: …",
"**Version:** 2.3 · **Last reviewed:** 4 September 2024", "Approved by … on 12 March 2024"), YAML front
matter, or a Word/HTML document-control table; those lines are not passages.

Text extracted from PDFs carries debris, which the line reader repairs: page furniture ("Page 2 of 5",
running headers and footers), blank lines inside sentences, bullets split across pages, and headings run
into the paragraph above them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm"}

# Limits: a file or its text beyond these is refused; fields beyond these are cut (or dropped).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
MAX_TITLE_CHARS = 300
MAX_HEADING_CHARS = 300      # a longer "heading" is read as body text
MAX_SECTION_CHARS = 100
MAX_CONTEXT_CHARS = 600
MAX_VERSION_CHARS = 100      # a longer version is dropped
MAX_OWNER_CHARS = 200
PLAIN_HEADING_CHARS = 90     # in plain or PDF text, a longer line is never a heading

BULLET_RE = re.compile(r"^\s*(?:[•●▪■◦‣∙·]|[-*–—](?=\s)|o(?=\s{1,3}[A-Z]))\s*(?P<text>.*)$")
NUMBERED_RE = re.compile(r"^\s*(?P<number>\d{1,3})[.)]\s+(?P<text>\S.*)$")
# "3.2 Harassment is …": a dotted clause number, then a sentence with a capital ("1.5 million" is not one).
CLAUSE_RE = re.compile(r"^(?P<number>\d{1,3}(?:\.\d{1,3})+)\.?\s+(?P<text>[A-Z“‘\"'(].*)$")
SUBPOINT_RE = re.compile(r"^\((?P<marker>[a-z]{1,2}|[ivx]{1,5})\)\s+(?P<text>\S.*)$")
# "3. What is bullying" or "3.2 Online": a heading's own number (a bare number needs its "." or ")").
HEADING_NUMBER_RE = re.compile(r"^(?P<number>\d{1,3}(?:\.\d{1,3})+|\d{1,3}(?=[.)]))[.)]?\s+(?P<text>\S.*)$")
PAGE_DEBRIS_RE = re.compile(
    r"^\s*(?:page\s+\d+(?:\s+(?:of|/)\s+\d+)?|\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?|[-–]\s*\d{1,3}\s*[-–])\s*$",
    re.IGNORECASE)
SENTENCE_END_RE = re.compile(r"[.!?]['’\"”)]?$")
LINE_END_RE = re.compile(r"[.:;!?]['’\")]?$")  # a line that ends a sentence, clause or lead-in

LETTERS = "abcdefghijklmnopqrstuvwxyz"
ROMANS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]


class IngestError(Exception):
    """A document could not be read or has no usable text; the message names the file."""


@dataclass
class Block:
    kind: str  # "heading", "text" (body paragraph), "bullet" (list item or sub-point) or "row" (table row)
    text: str
    level: int = 1  # headings: 0 for a Word Title, then 1 (outermost) to 6


@dataclass
class ParsedPassage:
    section: str
    heading: str
    text: str
    ordinal: int = 0
    context: str = ""       # the headings above `heading`, outermost first, joined with " › "
    kind: str = "section"   # "paragraph", "clause", "section" or "chunk"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(
            f"{self.section}\n{self.heading}\n{self.context}\n{self.kind}\n{self.text}".encode()).hexdigest()


@dataclass
class ParsedDocument:
    title: str
    passages: list[ParsedPassage]
    structure: str  # "numbered", "clauses", "headed" or "plain"
    version: str | None = None
    effective_date: date | None = None
    owner: str | None = None
    warnings: list[str] = field(default_factory=list)
    source_path: str = ""
    checksum: str = ""

    @property
    def numbered(self) -> bool:
        return self.structure == "numbered"

    def label(self, passage: ParsedPassage) -> str:
        if passage.kind == "paragraph":
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


def _one_line(text: str) -> str:
    """`clean_inline` for text whose line breaks are only layout (a Word paragraph, an HTML element)."""
    return clean_inline(re.sub(r"\s+", " ", text))


def _cap(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, marked with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-") + "…"


def _text_limit_error(name: str) -> IngestError:
    return IngestError(f"{name}: more than {MAX_TEXT_CHARS:,} characters of text, the limit for one "
                       f"document; split it into smaller documents")


# -------------------------------------------------------------------------------------------- metadata

# Document-control labels, matched against the whole label in lower case.
METADATA_LABEL_RE = re.compile(
    r"(?:document |policy )?(?:version|issue)(?: no\.?| number)?"
    r"|(?:document |policy |service |information )?owner|owned by|author|lead officer|responsible officer"
    r"|maintained by|title|status|classification|(?:document )?ref(?:erence)?\.?(?: no\.?| number)?"
    r"|department|directorate|service area|supersedes|replaces"
    r"|(?:date |last )?(?:effective|approved|agreed|adopted|ratified|issued|published|reviewed|revised"
    r"|updated)(?: (?:date|from|on|by|with)\b.*)?"
    r"|(?:last|next) (?:review|updated|revised)(?: date| on| due)?|review(?: date| due| by)?|due for review"
    r"|(?:effective|approval|issue|publication|review|start|commencement) date|in force from"
    r"|date(?: of (?:issue|approval|publication|effect|next review|last review))?")
VERSION_LABEL_RE = re.compile(r"(?:document |policy )?(?:version|issue)(?: no\.?| number)?")
OWNER_LABEL_RE = re.compile(r"(?:document |policy |service |information )?owner|owned by|maintained by"
                            r"|lead officer|responsible officer")
# Which dated label gives the date a document is in force from: lower ranks win; None is not such a date.
DATE_LABEL_RANKS: list[tuple[re.Pattern, int | None]] = [
    (re.compile(r"\b(?:next|due|until|expir\w*)\b|review date|review by"), None),
    (re.compile(r"effective|in force|commenc|start"), 0),
    (re.compile(r"approv|agreed|adopt|ratif"), 1),
    (re.compile(r"issue|publish"), 2),
    (re.compile(r"review|revis|updat"), 3),
    (re.compile(r"date"), 4),
]
# "Version 3.1 | Owner: …" and "Owner: … · Version: 2.3 · Last reviewed: …": segments of one metadata line.
SEGMENT_SPLIT_RE = re.compile(r"\s+[|·•]\s+")
LABELLED_RE = re.compile(r"(?P<label>[^:]{1,60}?)\s*:\s*(?P<value>.*)")
VERSION_PHRASE_RE = re.compile(r"(?:version|issue|v)\s*(?P<value>\d+(?:\.\d+)*[a-z]?)", re.IGNORECASE)
# "Approved by the Corporate Leadership Team on 12 March 2024": a dated phrase without a colon.
DATED_PHRASE_RE = re.compile(
    r"(?P<label>(?:last |date )?(?:effective|approved|agreed|adopted|ratified|issued|published|reviewed"
    r"|revised|updated)(?: by| from| on| with)?)\b(?P<value>[^.]{0,150})", re.IGNORECASE)
DATE_IN_TEXT_RE = re.compile(
    r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Z][a-z]{2,8}\.?,?\s+\d{4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{4}|[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})\b")
DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%B %d %Y", "%b %d %Y")
METADATA_HEAD_LINES = 12  # metadata lines are looked for among the first and last few lines of a document
METADATA_TAIL_LINES = 4


def parse_date(text: str) -> date | None:
    """The first full date written in `text` ("4 September 2024", "2024-09-04", "04/09/2024"), or None."""
    match = DATE_IN_TEXT_RE.search(text)
    if not match:
        return None
    raw = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", match.group())
    raw = re.sub(r"\bof\s+|,|(?<=[a-z])\.", "", raw).replace("Sept ", "Sep ")
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _label_key(label: str) -> str:
    return re.sub(r"[\s_-]+", " ", label.strip().rstrip(":").strip()).lower()


@dataclass
class Metadata:
    """What a document says about itself; the first value found for each field is kept."""

    title: str = ""
    version: str | None = None
    owner: str | None = None
    effective_date: date | None = None
    date_rank: int = 99  # rank (see DATE_LABEL_RANKS) of the label `effective_date` came from
    warnings: list[str] = field(default_factory=list)

    @staticmethod
    def is_label(label: str) -> bool:
        return METADATA_LABEL_RE.fullmatch(_label_key(label)) is not None

    def add(self, label: str, value: str) -> None:
        """Record one document-control pair such as ("Last reviewed", "4 September 2024")."""
        key, value = _label_key(label), clean_inline(value)
        if not value:
            return
        if VERSION_LABEL_RE.fullmatch(key):
            if len(value) > MAX_VERSION_CHARS:
                self.warnings.append(f"version is longer than {MAX_VERSION_CHARS} characters: ignored")
            elif self.version is None:
                self.version = value
        elif OWNER_LABEL_RE.fullmatch(key):
            self.owner = self.owner or _cap(value, MAX_OWNER_CHARS)
        elif key == "title":
            self.title = self.title or value
        else:
            rank = next((rank for pattern, rank in DATE_LABEL_RANKS if pattern.search(key)), None)
            found = parse_date(value) if rank is not None else None
            if found is not None and rank < self.date_rank:
                self.effective_date, self.date_rank = found, rank

    def read_line(self, text: str) -> bool:
        """Record a document-control line ("Version 3.1 | Owner: Press Office"); False (and nothing recorded)
        when any part of the line is not metadata."""
        pairs: list[tuple[str, str]] = []
        for segment in SEGMENT_SPLIT_RE.split(text.strip()):
            if (labelled := LABELLED_RE.fullmatch(segment)) and self.is_label(labelled["label"]):
                pairs.append((labelled["label"], labelled["value"]))
            elif version := VERSION_PHRASE_RE.fullmatch(segment):
                pairs.append(("version", version["value"]))
            elif (phrase := DATED_PHRASE_RE.fullmatch(segment)) and parse_date(phrase["value"]):
                pairs.append((phrase["label"], phrase["value"]))
            else:
                return False
        for label, value in pairs:
            self.add(label, value)
        return True

    def read_table(self, rows: list[list[str]]) -> bool:
        """Record a document-control table (label/value pairs, such as Version | 4.0); False, recording
        nothing, when the table is content."""
        pairs = []
        for row in rows:
            if len(row) % 2:
                return False
            pairs.extend(zip(row[0::2], row[1::2]))
        labelled = [(label, value) for label, value in pairs if label and self.is_label(label)]
        if not labelled or len(labelled) * 3 < len(pairs) * 2:  # two thirds of the rows are control labels
            return False
        trial = Metadata()
        for label, value in labelled:
            trial.add(label, value)
        if trial.version is None and trial.owner is None and trial.effective_date is None:
            return False
        for label, value in labelled:
            self.add(label, value)
        return True


def _metadata_positions(texts: list[str], meta: Metadata) -> set[int]:
    """Positions of the metadata lines among the first and last few non-empty `texts`, recorded in `meta`."""
    filled = [index for index, text in enumerate(texts) if text.strip()]
    candidates = dict.fromkeys(filled[:METADATA_HEAD_LINES] + filled[-METADATA_TAIL_LINES:])
    return {index for index in candidates if meta.read_line(texts[index])}


def _table_blocks(rows: list[list[str]], meta: Metadata) -> list[Block]:
    """A table as blocks: none for a document-control table (its values go to `meta`), else a "row" block for
    each row ("Cell A | Cell B")."""
    rows = [row for row in rows if any(row)]
    if not rows or meta.read_table(rows):
        return []
    return [Block("row", " | ".join(cell for cell in row if cell)) for row in rows]


# ------------------------------------------------------------------------------------- plain and PDF text

def _read_text_file(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise IngestError(f"{path.name}: not UTF-8 text (byte {error.start}); "
                          f"save it as UTF-8 and index again") from None
    if len(text) > MAX_TEXT_CHARS:
        raise _text_limit_error(path.name)
    return text


def _looks_like_heading(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > PLAIN_HEADING_CHARS:
        return False
    if not stripped[0].isupper() or stripped[-1] in ".,;:!?)" or BULLET_RE.match(stripped):
        return False
    return NUMBERED_RE.match(stripped) is None and CLAUSE_RE.match(stripped) is None


def _next_subpoint(previous: str | None, marker: str) -> bool:
    """Whether "(marker)" opens or continues a lettered (a, b, c) or roman (i, ii, iii) list."""
    if marker in ("a", "i"):
        return True
    if previous is None:
        return False
    follows_letter = (len(previous) == 1 and previous in LETTERS[:-1]
                      and marker == LETTERS[LETTERS.index(previous) + 1])
    follows_roman = previous in ROMANS[:-1] and marker == ROMANS[ROMANS.index(previous) + 1]
    return follows_letter or follows_roman


class _Draft:
    """A block being read line by line; its parts are joined once, so reading stays linear in the text."""

    def __init__(self, kind: str, line: str, level: int = 1, fragment: bool = False):
        self.kind = kind
        self.parts = [line]
        self.last_line = line
        self.level = level
        self.fragment = fragment  # a list item written as a lower-case fragment ("(a) be courteous, …")

    def append(self, line: str) -> None:
        """Continue the block with the next line; a word hyphenated across the break is rejoined."""
        self.parts.append(line if re.search(r"[A-Za-z]-$", self.last_line) else " " + line)
        self.last_line = line

    def block(self) -> Block:
        return Block(self.kind, "".join(self.parts), self.level)


class _LineReader:
    """Reads cleaned lines of plain or PDF-extracted text (page furniture already blanked) into blocks.

    A heading is a short capitalised line without closing punctuation that is the first line, or stands alone
    (after a blank line or another heading) before a numbered paragraph, a list or body text, or — where a PDF
    text layer has run it into the paragraph above — follows a finished sentence and stands before the next
    numbered paragraph or new body text. A line that starts in lower case or with "(" continues the sentence
    above it, even across blank lines; so does any line directly below, unless the line above finished a
    sentence and ended short (a paragraph's last line) or closed a list item written as a fragment.
    """

    RUN_IN_HEADING_SHARE = 0.75  # a run-in heading is at most this share of a full line
    PARAGRAPH_END_SHARE = 0.8    # a finished sentence ends a paragraph if the next word fits in this share

    def __init__(self, lines: list[str]):
        self.lines = lines
        lengths = sorted(len(line) for line in lines if line)
        self.width = lengths[int(len(lengths) * 0.9)] if lengths else 0  # a full line, in characters
        self.following = [""] * len(lines)  # the next non-empty line after each line
        upcoming = ""
        for index in range(len(lines) - 1, -1, -1):
            self.following[index] = upcoming
            upcoming = lines[index] or upcoming
        self.drafts: list[_Draft] = []
        self.paragraph: int | None = None  # number of the last numbered paragraph in sequence
        self.subpoint: str | None = None   # marker of the last lettered sub-point

    def read(self) -> list[Block]:
        blank_before = True
        for index, line in enumerate(self.lines):
            if not line:
                blank_before = True
                continue
            self._read_line(line, self.following[index], blank_before)
            blank_before = False
        return [draft.block() for draft in self.drafts]

    def _read_line(self, line: str, next_line: str, blank_before: bool) -> None:
        previous = self.drafts[-1] if self.drafts else None
        bullet = BULLET_RE.match(line)
        subpoint = SUBPOINT_RE.match(line)
        numbered = NUMBERED_RE.match(line)
        if bullet and bullet.group("text"):
            self._start("bullet", bullet.group("text"))
        elif subpoint and _next_subpoint(self.subpoint, subpoint["marker"]):
            self.subpoint = subpoint["marker"]
            self._start("bullet", line, fragment=subpoint["text"][0].islower())
        elif numbered and self._starts_numbered(int(numbered["number"]), previous):
            self._start("text", line)
        elif CLAUSE_RE.match(line):
            self._start("text", line)
        elif _looks_like_heading(line) and self._is_heading(line, next_line, previous, blank_before):
            self._start("heading", line, level=1 if previous is None else 2)
        elif previous is not None and previous.kind != "heading" and self._continues(line, previous,
                                                                                      blank_before):
            previous.append(line)
        else:
            self._start("text", line)

    def _start(self, kind: str, text: str, level: int = 1, fragment: bool = False) -> None:
        self.drafts.append(_Draft(kind, text, level, fragment))

    def _continues_sequence(self, number: int) -> bool:
        return self.paragraph is None or number == self.paragraph + 1

    def _starts_numbered(self, number: int, previous: _Draft | None) -> bool:
        """A numbered line opens a block when it continues the paragraph numbering, restarts a list at 1, or
        follows a finished line; only the paragraph sequence moves on."""
        if self._continues_sequence(number):
            self.paragraph = number
            return True
        return number == 1 or previous is None or LINE_END_RE.search(previous.last_line) is not None

    def _opens_body(self, following: str) -> bool:
        """Whether `following` could start what comes under a heading."""
        if not following:
            return False
        numbered = NUMBERED_RE.match(following)
        if (numbered and self._continues_sequence(int(numbered["number"]))) or BULLET_RE.match(following):
            return True
        # Body text: a capitalised line that is long, or that ends like a sentence or a lead-in ("… steps:").
        return following[0].isupper() and (len(following) > PLAIN_HEADING_CHARS // 2
                                            or not _looks_like_heading(following))

    def _is_heading(self, line: str, next_line: str, previous: _Draft | None, blank_before: bool) -> bool:
        if previous is None:
            return True
        if blank_before or previous.kind == "heading":
            return self._opens_body(next_line)
        # A heading run into the paragraph above it.
        short = len(line) <= self.RUN_IN_HEADING_SHARE * self.width
        if not short or not SENTENCE_END_RE.search(previous.last_line):
            return False
        numbered = NUMBERED_RE.match(next_line)
        if numbered:
            return self._continues_sequence(int(numbered["number"]))
        return next_line[:1].isupper()

    def _continues(self, line: str, previous: _Draft, blank_before: bool) -> bool:
        if line[0].islower() or line[0] in "(,;&":
            return True
        if blank_before:
            return not LINE_END_RE.search(previous.last_line)
        if not SENTENCE_END_RE.search(previous.last_line):
            return True
        first_word = line.split(" ", 1)[0]
        ended_short = len(previous.last_line) + 1 + len(first_word) <= self.PARAGRAPH_END_SHARE * self.width
        return not (ended_short or (previous.kind == "bullet" and previous.fragment))


def _plain_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    lines = (clean_inline(raw) for raw in text.split("\n"))
    return ["" if PAGE_DEBRIS_RE.match(line) else line for line in lines]


def _read_plain(lines: list[str]) -> tuple[list[Block], Metadata]:
    meta = Metadata()
    metadata_lines = _metadata_positions(lines, meta)
    lines = ["" if index in metadata_lines else line for index, line in enumerate(lines)]
    return _LineReader(lines).read(), meta


def _read_txt(path: Path) -> tuple[list[Block], Metadata]:
    return _read_plain(_plain_lines(_read_text_file(path)))


def _without_page_furniture(pages: list[list[str]]) -> list[str]:
    """The pages' lines, joined with blank lines, without page numbers or running headers and footers (a
    line, digits aside, at the top or bottom of most pages)."""
    pages = [["" if PAGE_DEBRIS_RE.match(line) else line for line in page] for page in pages]

    def edges(page: list[str]) -> list[int]:
        filled = [index for index, line in enumerate(page) if line]
        return filled[:2] + filled[-2:]

    def shape(line: str) -> str:
        return re.sub(r"\d+", "#", line.lower())

    if len(pages) >= 3:
        counts = Counter(found for page in pages for found in {shape(page[index]) for index in edges(page)})
        repeated = {line for line, count in counts.items() if count > len(pages) / 2}
        for page in pages:
            for index in edges(page):
                if shape(page[index]) in repeated:
                    page[index] = ""
    lines: list[str] = []
    for page in pages:
        lines.extend(page + ["", ""])
    return lines


def _read_pdf(path: Path) -> tuple[list[Block], Metadata]:
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        title = ((reader.metadata or {}).get("/Title") or "").strip()
        texts, total = [], 0
        for page in reader.pages:
            texts.append(page.extract_text() or "")
            total += len(texts[-1])
            if total > MAX_TEXT_CHARS:
                break
    except Exception as error:  # pypdf raises many types for damaged files
        raise IngestError(f"{path.name}: cannot read this PDF (damaged, encrypted or not a PDF: "
                          f"{type(error).__name__})") from None
    if total > MAX_TEXT_CHARS:
        raise _text_limit_error(path.name)
    blocks, meta = _read_plain(_without_page_furniture([_plain_lines(text) for text in texts]))
    meta.title = meta.title or title
    return blocks, meta


# --------------------------------------------------------------------------------------------- Markdown

MD_HEADING_RE = re.compile(r"^ {0,3}(?P<marks>#{1,6})(?:\s+(?P<text>.*?))?\s*#*\s*$")
MD_ITEM_RE = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*+•]|\d{1,3}[.)])\s+(?P<text>.*)$")
MD_RULE_RE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
MD_SETEXT_RE = re.compile(r"^ {0,3}(?P<underline>=+|-+)\s*$")
MD_FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")
MD_TABLE_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _strip_markdown(line: str) -> str:
    line = re.sub(r"<(https?://[^>\s]+)>", r"\1", line)
    line = re.sub(r"<!--.*?-->|</?[A-Za-z][^>]*>", "", line)
    line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
    line = re.sub(r"(?<!\w)([*_])(?!\s)(.+?)(?<!\s)\1(?!\w)", r"\2", line)
    line = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", line)
    return clean_inline(line.replace("`", ""))


def _front_matter(lines: list[str], meta: Metadata) -> int:
    """Read YAML front matter ("---" … "---") into `meta`; returns the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            for line in lines[1:index]:
                if (labelled := LABELLED_RE.fullmatch(line.strip())) and meta.is_label(labelled["label"]):
                    meta.add(labelled["label"], labelled["value"].strip().strip("\"'"))
            return index + 1
    return 0


def _table_cells(line: str) -> list[str]:
    return [_strip_markdown(cell) for cell in line.strip().strip("|").split("|")]


def _read_markdown(path: Path) -> tuple[list[Block], Metadata]:
    """`#` headings make sections; lists (bulleted or numbered) are list items of their section; a table is
    rows; a blank line ends a paragraph; metadata lines and front matter are read into the metadata."""
    lines = _read_text_file(path).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta = Metadata()
    start = _front_matter(lines, meta)
    lines = lines[start:]
    for index in _metadata_positions([_strip_markdown(line) for line in lines], meta):
        lines[index] = ""
    blocks: list[Block] = []
    paragraph: list[str] = []   # lines of the paragraph being read
    item: list[str] = []        # lines of the list item being read
    table: list[list[str]] = []
    fence: str | None = None

    def flush() -> None:
        if paragraph:
            blocks.append(Block("text", _strip_markdown(" ".join(paragraph))))
        if item:
            blocks.append(Block("bullet", _strip_markdown(" ".join(item))))
        if table:
            blocks.extend(_table_blocks(table, meta))
        paragraph.clear()
        item.clear()
        table.clear()

    for index, raw in enumerate(lines):
        line = raw.strip()
        next_raw = lines[index + 1] if index + 1 < len(lines) else ""
        if fence is not None:  # inside a fenced code block each line is kept as written
            if raw.lstrip().startswith(fence):
                fence = None
            elif line:
                blocks.append(Block("text", clean_inline(line)))
            continue
        if fenced := MD_FENCE_RE.match(raw):
            flush()
            fence = fenced.group(1)
        elif not line:
            if not (item and next_raw.strip() and next_raw.startswith((" ", "\t"))):
                flush()  # a blank line ends a paragraph; a list item goes on if the next line is indented
        elif heading := MD_HEADING_RE.match(raw):
            flush()
            if text := _strip_markdown(heading["text"] or ""):
                blocks.append(Block("heading", text, level=len(heading["marks"])))
        elif (setext := MD_SETEXT_RE.match(raw)) and len(paragraph) == 1 and not item:
            text = _strip_markdown(paragraph.pop())
            flush()
            blocks.append(Block("heading", text, level=1 if setext["underline"][0] == "=" else 2))
        elif MD_RULE_RE.match(raw):
            flush()
        elif line.startswith("|") or ("|" in line and (table or MD_TABLE_SEPARATOR_RE.match(next_raw))):
            if not table:
                flush()
            if not MD_TABLE_SEPARATOR_RE.match(line):
                table.append(_table_cells(line))
        elif list_item := MD_ITEM_RE.match(raw):
            flush()
            marker = list_item["marker"]
            item.append(list_item["text"] if marker in "-*+•" else f"{marker} {list_item['text']}")
        else:
            text = line.lstrip(">").strip() if line.startswith(">") else line
            if table:
                flush()
            (item if item else paragraph).append(text)
    flush()
    return blocks, meta


# ------------------------------------------------------------------------------------------------ Word

def _docx_style(paragraph) -> tuple[str, int]:
    """("title" | "subtitle" | "heading" | "list" | "", level) from a paragraph's style or the style it is
    based on."""
    style = paragraph.style
    for _ in range(5):
        if style is None:
            break
        name = style.name or ""
        if name in ("Title", "Subtitle"):
            return name.lower(), 0
        if match := re.fullmatch(r"Heading (\d)", name):
            return "heading", int(match.group(1))
        if "List" in name:
            return "list", 1
        style = style.base_style
    numbering = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    return ("list" if numbering else ""), 1


def _docx_items(document):
    """The body's paragraphs and tables in document order, including those inside content controls."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    def walk(element):
        for child in element.iterchildren():
            if child.tag == qn("w:p"):
                yield Paragraph(child, document)
            elif child.tag == qn("w:tbl"):
                yield Table(child, document)
            elif child.tag == qn("w:sdt") and (content := child.find(qn("w:sdtContent"))) is not None:
                yield from walk(content)

    yield from walk(document.element.body)


def _docx_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, elements = [], []
        for cell in row.cells:
            if elements and cell._tc is elements[-1]:  # a merged cell is listed once per column it spans
                continue
            elements.append(cell._tc)
            cells.append(_one_line(cell.text))
        rows.append(cells)
    return rows


MAX_DOCX_XML_BYTES = 100 * 1024 * 1024  # a Word file's unpacked XML: more is a damaged file or a zip bomb


def _docx_xml_size(path: Path) -> int:
    """How large the Word file's parts are once unpacked (read from the zip's directory, not unpacked)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist() if info.filename.endswith(".xml"))
    except (zipfile.BadZipFile, OSError):
        return 0  # not a zip: python-docx reports it below


def _read_docx(path: Path) -> tuple[list[Block], Metadata]:
    unpacked = _docx_xml_size(path)
    if unpacked > MAX_DOCX_XML_BYTES:
        raise IngestError(f"{path.name}: its text unpacks to {unpacked / 1024 / 1024:,.0f} MB, over the "
                          f"{MAX_DOCX_XML_BYTES // 1024 // 1024} MB limit for one Word document")
    try:
        import docx
        from docx.table import Table

        document = docx.Document(str(path))
    except Exception as error:
        raise IngestError(f"{path.name}: cannot read this Word document ({type(error).__name__})") from None
    meta = Metadata(title=(document.core_properties.title or "").strip())
    blocks: list[Block] = []
    total = 0
    for item in _docx_items(document):
        if isinstance(item, Table):
            blocks.extend(_table_blocks(_docx_rows(item), meta))
            continue
        text = _one_line(item.text)
        if not text:
            continue
        total += len(text)
        if total > MAX_TEXT_CHARS:
            raise _text_limit_error(path.name)
        style, level = _docx_style(item)
        if style == "subtitle":
            continue  # title-page text; as a one-line passage it would outrank the clauses it summarises
        if style in ("title", "heading"):
            blocks.append(Block("heading", text, level=level))
        elif style == "list" or BULLET_RE.match(text):
            bullet = BULLET_RE.match(text)
            blocks.append(Block("bullet", bullet.group("text") if bullet else text))
        else:
            blocks.append(Block("text", text))
    return _without_metadata(blocks, meta), meta


def _without_metadata(blocks: list[Block], meta: Metadata) -> list[Block]:
    """Body paragraphs near the top or bottom that are document-control lines, read into `meta`."""
    positions = _metadata_positions([b.text if b.kind == "text" else "" for b in blocks], meta)
    return [block for index, block in enumerate(blocks) if index not in positions]


# ------------------------------------------------------------------------------------------------ HTML

HTML_DROPPED = ["script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "head",
                "button", "iframe", "svg"]
HTML_TEXT = {"p", "blockquote", "pre", "dt", "dd", "figcaption", "caption", "address"}
HTML_INLINE = {"a", "abbr", "b", "strong", "i", "em", "span", "small", "sup", "sub", "code", "u", "mark",
               "time", "q", "cite", "s", "label", "font", "img", "br", "wbr"}


HTML_CHROME_RE = re.compile(r"cookie|consent|breadcrumb|skip-?link|banner|navigation|site-?(?:header|footer)",
                            re.IGNORECASE)


def _read_html(path: Path) -> tuple[list[Block], Metadata]:
    from bs4 import BeautifulSoup, NavigableString
    from bs4.element import Comment, Doctype

    soup = BeautifulSoup(_read_text_file(path), "html.parser")
    meta = Metadata(title=_one_line(soup.title.get_text()) if soup.title else "")
    for tag in soup(HTML_DROPPED):
        tag.decompose()
    # Site furniture that pages mark by name rather than by element: cookie banners, breadcrumbs, skip links.
    for tag in soup.find_all(lambda t: any(HTML_CHROME_RE.search(str(value)) for value in
                                           [t.get("id", ""), *(t.get("class") or []), t.get("role", "")])):
        if not tag.decomposed:
            tag.decompose()
    for line_break in soup("br"):
        line_break.replace_with(" ")
    blocks: list[Block] = []

    def list_items(element, ordered: bool) -> None:
        number = int(element.get("start", 1)) if str(element.get("start", "1")).isdigit() else 1
        for li in element.find_all("li", recursive=False):
            # The item's own text; its nested lists follow as items of their own.
            own = _one_line("".join(child.get_text() if getattr(child, "name", None) else str(child)
                                    for child in li.children
                                    if getattr(child, "name", None) not in ("ul", "ol")))
            if own:
                blocks.append(Block("bullet", f"{number}. {own}" if ordered else own))
            number += 1
            for nested in li.find_all(["ul", "ol"], recursive=False):
                list_items(nested, nested.name == "ol")

    def walk(element) -> None:
        inline: list[str] = []  # text written straight into a container, between its block elements

        def flush() -> None:
            if text := _one_line("".join(inline)):
                blocks.append(Block("text", text))
            inline.clear()

        for child in element.children:
            if isinstance(child, (Comment, Doctype)):
                continue
            if isinstance(child, NavigableString):
                inline.append(str(child))
            elif child.name in HTML_INLINE:
                inline.append(child.get_text())
            else:
                flush()
                if re.fullmatch(r"h[1-6]", child.name):
                    if text := _one_line(child.get_text()):
                        blocks.append(Block("heading", text, level=int(child.name[1])))
                elif child.name in HTML_TEXT:
                    if text := _one_line(child.get_text()):
                        blocks.append(Block("text", text))
                elif child.name in ("ul", "ol"):
                    list_items(child, child.name == "ol")
                elif child.name == "table":
                    rows = [[_one_line(cell.get_text()) for cell in row.find_all(["th", "td"])]
                            for row in child.find_all("tr")]
                    blocks.extend(_table_blocks(rows, meta))
                else:
                    walk(child)
        flush()

    # The page's own content, where it says which that is.
    walk(soup.find("main") or soup.find("article") or soup.body or soup)
    return _without_metadata(blocks, meta), meta


# ------------------------------------------------------------------------------------------- structurer

def _split_heading_number(text: str) -> tuple[str | None, str]:
    """("3", "What is bullying and harassment") from "3. What is bullying and harassment"; (None, text) when
    the heading has no number."""
    match = HEADING_NUMBER_RE.match(text)
    if not match:
        return None, text
    return match["number"], match["text"]


def _title_key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _take_title(blocks: list[Block], meta_title: str = "") -> tuple[str, list[Block]]:
    """The title: the first Word Title; else the line near the top that the file's own title names (a PDF's
    or Word file's title property, an HTML page's <title> less the site's name after "|" or " - "), with
    any short lines above it (the council's name) left out; else a first heading that is the only one at
    its level."""
    for index, block in enumerate(blocks):
        if block.kind == "heading" and block.level == 0:
            return block.text, blocks[:index] + blocks[index + 1:]
    if meta_title:
        wanted = {_title_key(meta_title), _title_key(re.split(r"\s+[|–—-]\s+", meta_title)[0])} - {""}
        for index, block in enumerate(blocks[:5]):
            key = _title_key(block.text)
            rest: list[Block] = []
            if key not in wanted:
                # PDF text can run the title into the heading below it ("Recruitment Procedure Shortlisting").
                prefix = next((w for w in wanted if key.startswith(w + " ")), None)
                tail = block.text[len(prefix):].strip() if prefix and block.text.lower().startswith(prefix) else ""
                if not tail or len(tail) > PLAIN_HEADING_CHARS or re.search(r"[.!?:;]$", tail):
                    continue
                rest = [Block("heading", tail, level=2)]
            title = block.text if not rest else block.text[:len(block.text) - len(rest[0].text)].strip()
            above = blocks[:index]
            if all(len(b.text) <= 80 and not re.search(r"[.!?]$", b.text) for b in above):
                return title, rest + blocks[index + 1:]
            return title, above + rest + blocks[index + 1:]
    if blocks and blocks[0].kind == "heading":
        level = blocks[0].level
        if sum(1 for b in blocks if b.kind == "heading" and b.level <= level) == 1:
            return blocks[0].text, blocks[1:]
    return "", blocks


def _numbered_paragraph_starts(blocks: list[Block]) -> list[int]:
    """Indexes of blocks that open paragraphs 1, 2, 3, … in sequence (a stray number does not count)."""
    starts: list[int] = []
    expected = None
    for index, block in enumerate(blocks):
        if block.kind != "text" or not (match := NUMBERED_RE.match(block.text)):
            continue
        number = int(match.group("number"))
        if expected is None or number == expected:
            starts.append(index)
            expected = number + 1
    return starts


def _is_paragraph_numbering(blocks: list[Block], starts: list[int]) -> bool:
    """Paragraph numbering rather than a numbered list: three or more paragraphs in sequence and, when
    there are headings, at least twice as many sections open with a numbered paragraph as with other text."""
    if len(starts) < 3:
        return False
    if not any(block.kind == "heading" for block in blocks):
        return True
    start_set = set(starts)
    openings: list[bool] = []
    awaiting = True  # at the top of the document or of a section, before its first body paragraph
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            awaiting = True
        elif block.kind == "text" and awaiting:
            openings.append(index in start_set)
            awaiting = False
    return openings.count(True) >= 2 * openings.count(False)


def _choose_structure(blocks: list[Block]) -> tuple[str, list[Block], set[int]]:
    """The document's shape, its blocks (numbered heading lines of a clause document become headings) and the
    indexes of the blocks that open numbered paragraphs."""
    clauses = sum(1 for block in blocks if block.kind == "text" and CLAUSE_RE.match(block.text))
    if clauses >= 2:
        return "clauses", [Block("heading", block.text, level=2)
                           if block.kind == "text" and (match := NUMBERED_RE.match(block.text))
                           and _looks_like_heading(match["text"]) else block for block in blocks], set()
    starts = _numbered_paragraph_starts(blocks)
    if _is_paragraph_numbering(blocks, starts):
        return "numbered", blocks, set(starts)
    if any(block.kind == "heading" for block in blocks):
        return "headed", blocks, set()
    return "plain", blocks, set()


@dataclass
class _Open:
    section: str
    heading: str
    context: str
    kind: str
    lines: list[str] = field(default_factory=list)


class _PassageBuilder:
    """Walks the blocks in order, keeping the headings open above the current position."""

    def __init__(self, shape: str, warnings: list[str]):
        self.shape = shape
        self.warnings = warnings
        self.headings: list[tuple[int, str, str | None]] = []  # (level, text without number, number)
        self.passages: list[ParsedPassage] = []
        self.current: _Open | None = None
        self.bare: tuple[int, str] | None = None  # the last heading, while nothing has come under it
        self.chunks = 0

    def heading(self, block: Block) -> None:
        self.close()
        self._check_bare(block.level)
        number, text = _split_heading_number(block.text)
        while self.headings and self.headings[-1][0] >= block.level:
            self.headings.pop()
        self.headings.append((block.level, text, number))
        self.bare = (block.level, block.text)

    def open(self, kind: str, section: str | None = None) -> None:
        """Start a passage under the current heading; a section passage is named after that heading."""
        self.close()
        self.bare = None
        level, heading, number = self.headings[-1] if self.headings else (0, "", None)
        if section is None:
            section = number or heading or "Introduction"
        context = " › ".join(text for _, text, _ in self.headings[:-1])
        self.current = _Open(_cap(section, MAX_SECTION_CHARS), heading, _cap(context, MAX_CONTEXT_CHARS),
                             kind)

    def add(self, line: str) -> None:
        if self.current is None:
            if self.shape == "plain":
                self.chunks += 1
                self.open("chunk", f"Paragraph {self.chunks}")
            else:
                self.open("section")
        assert self.current is not None
        self.current.lines.append(line)

    def close(self) -> None:
        if self.current is not None and self.current.lines:
            current = self.current
            self.passages.append(ParsedPassage(section=current.section, heading=current.heading,
                                               text="\n".join(current.lines), context=current.context,
                                               kind=current.kind))
        self.current = None

    def finish(self) -> list[ParsedPassage]:
        self.close()
        self._check_bare(0)
        return self.passages

    def _check_bare(self, next_level: int) -> None:
        """A heading followed by one at its own level or above (or the end) had no text: say so."""
        if self.bare is not None and next_level <= self.bare[0]:
            self.warnings.append(f"section {self.bare[1]!r} has no text under its heading: skipped")
        self.bare = None


def _disambiguate_sections(passages: list[ParsedPassage], warnings: list[str]) -> None:
    """Give repeated section names a count ("4.2", "4.2 (2)") so every citation is unique, and say so."""
    seen: Counter[str] = Counter()
    for passage in passages:
        seen[passage.section] += 1
        if seen[passage.section] > 1:
            passage.section = f"{_cap(passage.section, MAX_SECTION_CHARS - 5)} ({seen[passage.section]})"
    kinds = {passage.section: passage.kind for passage in passages}
    for section, count in seen.items():
        if count > 1:
            name = kinds[section] if kinds[section] in ("paragraph", "clause") else "section"
            repeats = f"'{section} (2)'" + (" onwards" if count > 2 else "")
            warnings.append(f"{name} '{section}' appears {count} times: the repeats are cited as {repeats}")


def structure(blocks: list[Block], meta: Metadata, fallback_title: str) -> ParsedDocument:
    """Turn a document's blocks into passages (see the module docstring for the four shapes)."""
    warnings = list(meta.warnings)
    blocks = list(blocks)
    for index, block in enumerate(blocks):
        if block.kind == "heading" and len(block.text) > MAX_HEADING_CHARS:
            warnings.append(f"a heading of {len(block.text):,} characters is over the {MAX_HEADING_CHARS}-"
                            f"character limit for headings: read as body text ({block.text[:40]}…)")
            blocks[index] = Block("text", block.text)
    title, blocks = _take_title(blocks, meta.title)
    # Sub-points written as paragraphs ("(a) …") are list items like bullets.
    blocks = [Block("bullet", b.text) if b.kind == "text" and SUBPOINT_RE.match(b.text) else b
              for b in blocks]
    shape, blocks, starts = _choose_structure(blocks)
    builder = _PassageBuilder(shape, warnings)
    for index, block in enumerate(blocks):
        numbered = NUMBERED_RE.match(block.text) if block.kind == "text" else None
        clause = CLAUSE_RE.match(block.text) if shape == "clauses" and block.kind == "text" else None
        if block.kind == "heading":
            builder.heading(block)
        elif index in starts:
            assert numbered is not None
            builder.open("paragraph", numbered["number"])
            builder.add(numbered["text"])
        elif clause:
            builder.open("clause", clause["number"])
            builder.add(clause["text"])
        elif block.kind == "bullet" or numbered:  # a numbered line that is not a paragraph is a list item
            builder.add(f"• {block.text}")
        else:
            if shape == "plain" and block.kind == "text":
                builder.close()  # each paragraph of an unstructured document is a passage of its own
            builder.add(block.text)
    passages = builder.finish()
    _disambiguate_sections(passages, warnings)
    if shape == "plain" and passages:
        count = f"{len(passages)} paragraph" + ("s" if len(passages) > 1 else "")
        warnings.append(f"no headings or numbered paragraphs found: indexed as {count} "
                        f"(cited as \"Paragraph 1\" …)")
    for ordinal, passage in enumerate(passages, start=1):
        passage.ordinal = ordinal
    meta_title = re.split(r"\s+[|–—]\s+", meta.title)[0] if meta.title else ""
    return ParsedDocument(title=_cap(title or meta_title or fallback_title, MAX_TITLE_CHARS),
                          passages=passages, structure=shape, version=meta.version,
                          effective_date=meta.effective_date, owner=meta.owner, warnings=warnings)


READERS: dict[str, Callable[[Path], tuple[list[Block], Metadata]]] = {
    ".txt": _read_txt, ".md": _read_markdown, ".markdown": _read_markdown, ".pdf": _read_pdf,
    ".docx": _read_docx, ".html": _read_html, ".htm": _read_html,
}


def parse_file(path: Path) -> ParsedDocument:
    """Read one document into passages, or raise `IngestError` naming the file and what is wrong."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{path.name}: unsupported file type {suffix or '(none)'}; "
                          f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise IngestError(f"{path.name}: {size / 1024 / 1024:.1f} MB is over the "
                          f"{MAX_FILE_BYTES // 1024 // 1024} MB limit for one document")
    blocks, meta = READERS[suffix](path)
    fallback_title = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    document = structure(blocks, meta, fallback_title)
    if not document.passages:
        if any(block.kind == "heading" for block in blocks):
            raise IngestError(f"{path.name}: no text found to index, only headings")
        raise IngestError(f"{path.name}: no text found to index (is it empty, or a scanned image?)")
    document.source_path = str(path.resolve())
    document.checksum = file_checksum(path)
    return document
