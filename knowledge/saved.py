"""Answers Communications and Marketing saved for future questions, as a document of the knowledge base.

Every active saved answer is one passage of the built-in document "Comms and Marketing answers": its saved
question is the passage's heading (a field of its own in retrieval) and its answer the text, so both count
when a question is matched, and it takes part in declines like any passage. The document is rewritten in the
same transaction as the change to the saved answers; every running process sees the new revision of the
knowledge base (`knowledge_stamp`) and reloads its index.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, func
from sqlmodel import Session, select

from storage.models import Document, Passage, SavedAnswer, utcnow

ANSWERS_TITLE = "Comms and Marketing answers"
ANSWERS_SOURCE = "policybot:comms-and-marketing-answers"  # not a file: never pruned or read from disk
ANSWERS_STRUCTURE = "answers"
QUESTION_LIMIT = 300  # the saved wording (a passage heading)
ANSWER_LIMIT = 3000


def label_for(answer: SavedAnswer) -> str:
    """How an answer is cited: "Comms and Marketing answer · 2026-11-25 · approved by Jo Bloggs"."""
    approved = f" · approved by {answer.approved_by_name}" if answer.approved_by_name else ""
    return f"Comms and Marketing answer · {answer.updated_at:%Y-%m-%d}{approved}"[:500]


def section_for(answer_id: int) -> str:
    return f"A{answer_id}"


def answer_id_of(section: str) -> int | None:
    return int(section[1:]) if section.startswith("A") and section[1:].isdigit() else None


def sources_of(answer: SavedAnswer) -> list[dict]:
    try:
        found = json.loads(answer.sources or "[]")
    except ValueError:
        return []
    return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []


def sync_document(session: Session) -> Document | None:
    """Rewrite the built-in document from the active saved answers, in the caller's transaction (nothing
    changes when they are the same as last time). None when there are none and never were."""
    answers = session.exec(select(SavedAnswer).where(SavedAnswer.status == "active")
                           .order_by(SavedAnswer.id)).all()
    document = session.exec(select(Document).where(Document.source_path == ANSWERS_SOURCE)).first()
    if document is None and not answers:
        return None
    rows = [(section_for(a.id), a.question.strip()[:QUESTION_LIMIT], label_for(a), a.answer.strip())
            for a in answers]
    checksum = hashlib.sha256(json.dumps(rows).encode("utf-8")).hexdigest()
    if document is not None and document.checksum == checksum:
        return document
    if document is None:
        document = Document(source_path=ANSWERS_SOURCE, title=ANSWERS_TITLE, checksum=checksum,
                            structure=ANSWERS_STRUCTURE, owner="Communications and Marketing")
    else:
        session.execute(delete(Passage).where(Passage.document_id == document.id))
        document.revision += 1
    document.checksum = checksum
    document.passage_count = len(rows)
    document.indexed_at = utcnow()
    session.add(document)
    session.flush()
    for ordinal, (section, question, label, text) in enumerate(rows, start=1):
        passage_sum = hashlib.sha256(f"{section}\n{question}\n{text}".encode("utf-8")).hexdigest()
        session.add(Passage(document_id=document.id, ordinal=ordinal, section=section, heading=question,
                            kind="answer", label=label, text=text, checksum=passage_sum))
    session.flush()
    return document


def knowledge_stamp(session: Session) -> tuple:
    """Changes whenever any document is added, changed or removed (saved answers included)."""
    count, revisions, latest = session.exec(select(func.count(Document.id), func.sum(Document.revision),
                                                   func.max(Document.indexed_at))).one()
    return count, revisions, str(latest)
