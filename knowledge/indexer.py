"""Index knowledge documents into the database.

Re-indexing an unchanged file does nothing (its checksum matches); a changed file has its passages
replaced in one transaction; a file that cannot be parsed is reported by name and leaves whatever was
indexed before untouched. A document indexed before documents recorded their structure (migration 0006)
is read again even if unchanged, so its passages gain their kind and context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import select

from knowledge.ingest import SUPPORTED_SUFFIXES, IngestError, file_checksum, parse_file
from storage.db import session_scope
from storage.models import Document, Passage, utcnow


@dataclass
class FileResult:
    path: Path
    status: str  # "added", "updated", "unchanged", "failed", "removed"
    title: str = ""
    passages: int = 0
    error: str = ""
    warnings: list[str] = field(default_factory=list)  # what the reader noticed, as recorded at indexing


@dataclass
class IndexReport:
    results: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [result for result in self.results if result.status == "failed"]

    @property
    def changed(self) -> bool:
        return any(result.status in {"added", "updated", "removed"} for result in self.results)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("added", "updated", "unchanged", "removed", "failed")
                 if self.count(s)]
        return ", ".join(parts) or "nothing to index"


class NothingToIndex(Exception):
    """The paths given hold no document the bot can read."""


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the supported files inside them (sorted); files are taken as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            found.append(path)
    return found


def index_paths(engine: Engine, paths: Iterable[Path], *, prune: bool = False,
                progress: Callable[[Path], None] | None = None) -> IndexReport:
    """Index every document under `paths`. With `prune`, documents under those folders whose files are gone
    are removed from the index."""
    paths = [Path(p) for p in paths]
    missing = [p for p in paths if not p.exists()]
    files = discover(p for p in paths if p.exists())
    report = IndexReport()
    for path in missing:
        report.results.append(FileResult(path, "failed", error=f"{path}: no such file or folder"))
    if not files and not missing:
        raise NothingToIndex("no documents to index in " + ", ".join(str(p) for p in paths) +
                             f" (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})")
    for path in files:
        if progress:
            progress(path)
        report.results.append(index_file(engine, path))
    if prune:
        report.results.extend(_prune(engine, [p for p in paths if p.is_dir()], files))
    return report


def index_file(engine: Engine, path: Path) -> FileResult:
    source = str(path.resolve())
    try:
        checksum = file_checksum(path)
    except OSError as error:
        return FileResult(path, "failed", error=f"{path.name}: cannot read ({error.strerror or error})")
    with session_scope(engine) as session:
        existing = session.exec(select(Document).where(Document.source_path == source)).first()
        if existing is not None and existing.checksum == checksum and existing.structure:
            return FileResult(path, "unchanged", existing.title, existing.passage_count,
                              warnings=existing.warnings.splitlines())
    try:
        parsed = parse_file(path)
    except IngestError as error:
        return FileResult(path, "failed", error=str(error))
    with session_scope(engine) as session:
        document = session.exec(select(Document).where(Document.source_path == source)).first()
        status = "updated" if document is not None else "added"
        if document is None:
            document = Document(source_path=source, title=parsed.title, checksum=parsed.checksum)
        else:
            session.execute(delete(Passage).where(Passage.document_id == document.id))
            document.revision += 1
        document.title = parsed.title
        document.version = parsed.version
        document.effective_date = parsed.effective_date
        document.owner = parsed.owner
        document.structure = parsed.structure
        document.warnings = "\n".join(parsed.warnings)
        document.checksum = parsed.checksum
        document.passage_count = len(parsed.passages)
        document.indexed_at = utcnow()
        session.add(document)
        session.flush()
        for passage in parsed.passages:
            session.add(Passage(document_id=document.id, ordinal=passage.ordinal, section=passage.section,
                                heading=passage.heading, context=passage.context, kind=passage.kind,
                                label=parsed.label(passage), text=passage.text, checksum=passage.checksum))
    return FileResult(path, status, parsed.title, len(parsed.passages), warnings=parsed.warnings)


def _prune(engine: Engine, folders: list[Path], present: list[Path]) -> list[FileResult]:
    if not folders:
        return []
    roots = [str(folder.resolve()) for folder in folders]
    keep = {str(path.resolve()) for path in present}
    removed: list[FileResult] = []
    with session_scope(engine) as session:
        for document in session.exec(select(Document)).all():
            inside = any(document.source_path.startswith(root.rstrip("/") + "/") for root in roots)
            if inside and document.source_path not in keep and not Path(document.source_path).exists():
                removed.append(FileResult(Path(document.source_path), "removed", document.title))
                session.delete(document)
    return removed


def list_documents(engine: Engine) -> list[Document]:
    with session_scope(engine) as session:
        return list(session.exec(select(Document).order_by(Document.title)).all())


class UnknownDocument(Exception):
    """No indexed document has the title asked for; the message lists the titles there are."""


def document_outlines(engine: Engine, title: str) -> list[tuple[Document, list[Passage]]]:
    """Each indexed document titled `title` (in any case; two files may share a title) with its passages in
    order."""
    with session_scope(engine) as session:
        documents = session.exec(select(Document).order_by(Document.title, Document.source_path)).all()
        wanted = title.strip().casefold()
        matches = [document for document in documents if document.title.casefold() == wanted]
        if not matches:
            titles = "; ".join(document.title for document in documents) or "none yet (run: policybot index)"
            raise UnknownDocument(f"no indexed document is titled {title!r}. Indexed documents: {titles}")
        return [(document, list(session.exec(select(Passage).where(Passage.document_id == document.id)
                                             .order_by(Passage.ordinal)).all()))
                for document in matches]
