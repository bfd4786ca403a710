"""Answers Communications and Marketing saved for future questions: saving, editing, retiring, the CSV
export and import, and flagging answers whose sources changed.

Every change rewrites the knowledge base's built-in "Comms and Marketing answers" document in the same
transaction (knowledge.saved) and is kept in the answer's history; every running process reloads its index
within `POLICYBOT_KNOWLEDGE_RELOAD_SECONDS`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.export import write_csv
from knowledge.saved import ANSWER_LIMIT, ANSWERS_TITLE, QUESTION_LIMIT, sources_of, sync_document  # noqa: F401
from storage.models import Document, Passage, SavedAnswer, SavedAnswerEvent, utcnow

CSV_COLUMNS = ("question", "answer", "source")


class SavedAnswerError(Exception):
    """A saved answer that cannot be changed as asked (unknown, retired, bad text): nothing changed."""


def _source(passage: Passage, title: str) -> dict:
    return {"document": title, "section": passage.section, "checksum": passage.checksum,
            "label": passage.label}


def _check(question: str, answer: str) -> None:
    if not question.strip():
        raise SavedAnswerError("the question is empty")
    if len(question.strip()) > QUESTION_LIMIT:
        raise SavedAnswerError(f"the question is longer than {QUESTION_LIMIT} characters")
    if not answer.strip():
        raise SavedAnswerError("the answer is empty")
    if len(answer.strip()) > ANSWER_LIMIT:
        raise SavedAnswerError(f"the answer is longer than {ANSWER_LIMIT:,} characters")


def save(session: Session, *, question: str, answer: str, passages: list[Passage], actor: str, actor_name: str,
         at: datetime, origin: str = "handoff", sources: list[dict] | None = None, sync: bool = True) -> SavedAnswer:
    """Add a saved answer (in the caller's transaction) and put it in the knowledge base."""
    _check(question, answer)
    titles = {d.id: d.title for d in session.exec(select(Document).where(
        Document.id.in_({p.document_id for p in passages}))).all()} if passages else {}
    found = sources if sources is not None else [_source(p, titles.get(p.document_id, "")) for p in passages]
    saved = SavedAnswer(question=question.strip(), answer=answer.strip(), sources=json.dumps(found),
                        origin=origin, approved_by=actor[:64], approved_by_name=actor_name[:200], created_at=at,
                        updated_at=at)
    session.add(saved)
    session.flush()
    session.add(SavedAnswerEvent(answer_id=saved.id, at=at, actor=actor[:64], action="saved"))
    if sync:
        sync_document(session)
    return saved


def edit(engine: Engine, answer_id: int, *, actor: str, actor_name: str = "", question: str | None = None,
         answer: str | None = None, at: datetime | None = None) -> SavedAnswer:
    """Change a saved answer's wording or text; the previous version is kept in its history."""
    at = at or utcnow()
    with Session(engine, expire_on_commit=False) as session:
        saved = session.get(SavedAnswer, answer_id)
        if saved is None:
            raise SavedAnswerError(f"no saved answer #{answer_id}")
        if saved.status != "active":
            raise SavedAnswerError(f"saved answer #{answer_id} is retired")
        new_question = saved.question if question is None else question.strip()
        new_answer = saved.answer if answer is None else answer.strip()
        _check(new_question, new_answer)
        if (new_question, new_answer) == (saved.question, saved.answer):
            return saved
        session.add(SavedAnswerEvent(answer_id=saved.id, at=at, actor=actor[:64], action="edited",
                                     detail=json.dumps({"question": saved.question, "answer": saved.answer},
                                                       ensure_ascii=False)))
        saved.question, saved.answer, saved.updated_at = new_question, new_answer, at
        if actor_name:
            saved.approved_by, saved.approved_by_name = actor[:64], actor_name[:200]
        saved.review_flagged_at = None
        saved.review_note = None
        session.add(saved)
        session.flush()
        sync_document(session)
        session.commit()
        return saved


def retire(engine: Engine, answer_id: int, *, actor: str, reason: str = "", at: datetime | None = None) -> SavedAnswer:
    """Stop using a saved answer (it stays on record, with its history)."""
    at = at or utcnow()
    with Session(engine, expire_on_commit=False) as session:
        saved = session.get(SavedAnswer, answer_id)
        if saved is None:
            raise SavedAnswerError(f"no saved answer #{answer_id}")
        if saved.status == "retired":
            raise SavedAnswerError(f"saved answer #{answer_id} is already retired")
        saved.status, saved.retired_at = "retired", at
        session.add(saved)
        session.add(SavedAnswerEvent(answer_id=saved.id, at=at, actor=actor[:64], action="retired",
                                     detail=reason[:500] or None))
        session.flush()
        sync_document(session)
        session.commit()
        return saved


def list_answers(engine: Engine, *, include_retired: bool = False, limit: int | None = None) -> list[SavedAnswer]:
    with Session(engine, expire_on_commit=False) as session:
        query = select(SavedAnswer).order_by(SavedAnswer.updated_at.desc(), SavedAnswer.id.desc())
        if not include_retired:
            query = query.where(SavedAnswer.status == "active")
        if limit:
            query = query.limit(limit)
        return list(session.exec(query).all())


@dataclass
class AnswerRecord:
    answer: SavedAnswer
    events: list[SavedAnswerEvent]
    sources: list[dict]


def show(engine: Engine, answer_id: int) -> AnswerRecord | None:
    with Session(engine, expire_on_commit=False) as session:
        saved = session.get(SavedAnswer, answer_id)
        if saved is None:
            return None
        events = list(session.exec(select(SavedAnswerEvent).where(SavedAnswerEvent.answer_id == answer_id)
                                   .order_by(SavedAnswerEvent.id)).all())
        return AnswerRecord(saved, events, sources_of(saved))


def get(engine: Engine, answer_id: int) -> SavedAnswer | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(SavedAnswer, answer_id)


def source_text(saved: SavedAnswer) -> str:
    return "; ".join(s.get("label") or f"{s.get('document')} {s.get('section')}" for s in sources_of(saved))


def export_csv(engine: Engine) -> str:
    buffer = io.StringIO()
    rows = list_answers(engine, include_retired=True)
    write_csv(buffer, ["id", "status", "question", "answer", "source", "approved_by", "updated_at"],
              [[a.id, a.status, a.question, a.answer, source_text(a), a.approved_by_name or a.approved_by,
                a.updated_at.isoformat(timespec="seconds")] for a in reversed(rows)])
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------- import

@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    errors: list[str] = field(default_factory=list)
    applied: bool = False


class AnswerImportError(Exception):
    """The file cannot be read as saved answers at all."""


def import_csv(engine: Engine, path: Path, *, actor: str, partial: bool = False,
               at: datetime | None = None) -> ImportReport:
    """Saved answers from a CSV (`question,answer[,source]`), e.g. a council's existing FAQ. A file with any bad
    row changes nothing unless `partial`, when the good rows are added and the bad ones reported by line."""
    at = at or utcnow()
    try:
        raw = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise AnswerImportError(f"cannot read {path}: {error}") from error
    reader = csv.DictReader(io.StringIO(raw))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "question" not in header or "answer" not in header:
        raise AnswerImportError(f"{path}: the first line must name the columns question,answer (and optionally "
                                "source)")
    report = ImportReport()
    good: list[tuple[str, str, str]] = []
    for number, row in enumerate(reader, start=2):
        report.rows += 1
        row = {(k or "").strip().lower(): (v or "") for k, v in row.items() if k is not None}
        question, answer, source = row.get("question", "").strip(), row.get("answer", "").strip(), \
            row.get("source", "").strip()
        try:
            _check(question, answer)
            if len(source) > 500:
                raise SavedAnswerError("the source is longer than 500 characters")
        except SavedAnswerError as error:
            report.errors.append(f"line {number}: {error}")
            continue
        good.append((question, answer, source))
    if report.errors and not partial:
        return report
    with Session(engine) as session:
        for question, answer, source in good:
            save(session, question=question, answer=answer, passages=[], actor=actor, actor_name="", at=at,
                 origin="import", sources=[{"label": source}] if source else [], sync=False)
            report.added += 1
        sync_document(session)
        session.commit()
    report.applied = True
    return report


# ------------------------------------------------------------------------------------------- review

def flag_changed(session: Session, at: datetime) -> list[tuple[SavedAnswer, list[str]]]:
    """Active answers relying on a passage that changed or went since they were saved, not yet flagged: each
    is flagged (in the caller's transaction) and returned with what changed."""
    current: dict[tuple[str, str], str] = {}
    for title, section, checksum in session.exec(
            select(Document.title, Passage.section, Passage.checksum)
            .join(Passage, Passage.document_id == Document.id)
            .where(Document.title != ANSWERS_TITLE)).all():
        current[(title.casefold(), section)] = checksum
    flagged = []
    for saved in session.exec(select(SavedAnswer).where(SavedAnswer.status == "active")
                              .where(SavedAnswer.review_flagged_at.is_(None))).all():
        changes = []
        for source in sources_of(saved):
            if not source.get("checksum"):
                continue  # an imported source named in words: nothing to compare
            now = current.get((str(source.get("document", "")).casefold(), str(source.get("section", ""))))
            name = source.get("label") or f"{source.get('document')} {source.get('section')}"
            if now is None:
                changes.append(f"{name} is no longer in the documents")
            elif now != source["checksum"]:
                changes.append(f"{name} has changed")
        if not changes:
            continue
        note = "; ".join(changes)[:500]
        claimed = session.execute(update(SavedAnswer).where(SavedAnswer.id == saved.id)
                                  .where(SavedAnswer.review_flagged_at.is_(None))
                                  .values(review_flagged_at=at, review_note=note)).rowcount
        if not claimed:  # flagged by another process meanwhile
            continue
        saved.review_flagged_at, saved.review_note = at, note
        session.add(SavedAnswerEvent(answer_id=saved.id, at=at, action="flagged for review",
                                     detail=saved.review_note))
        flagged.append((saved, changes))
    session.flush()
    return flagged
