"""Indexing into the database, on SQLite and PostgreSQL: idempotent, transactional, failure-safe."""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import Session, select

from knowledge.indexer import NothingToIndex, index_paths
from knowledge.retrieval import KnowledgeIndex
from storage.models import Document, Passage
from tests.conftest import POLICY_FILE


def _passages(engine):
    with Session(engine) as session:
        return session.exec(select(Passage).order_by(Passage.ordinal)).all()


def test_indexing_the_policy_stores_document_and_32_passages(engine, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(POLICY_FILE, folder / POLICY_FILE.name)
    report = index_paths(engine, [folder])
    assert report.summary() == "1 added"
    with Session(engine) as session:
        document = session.exec(select(Document)).one()
    assert document.title == "Social Media Policy"
    assert document.passage_count == 32 and len(document.checksum) == 64
    passages = _passages(engine)
    assert [p.label for p in passages][18] == "Social Media Policy, para 19"
    assert passages[18].heading == "Principles and commitments"


def test_reindexing_an_unchanged_file_does_nothing(engine, tmp_path):
    path = tmp_path / "policy.txt"
    shutil.copy(POLICY_FILE, path)
    index_paths(engine, [path])
    before = [(p.id, p.checksum) for p in _passages(engine)]
    report = index_paths(engine, [path])
    assert report.summary() == "1 unchanged" and not report.changed
    assert [(p.id, p.checksum) for p in _passages(engine)] == before


def test_a_changed_file_replaces_its_passages(engine, tmp_path):
    path = tmp_path / "policy.txt"
    shutil.copy(POLICY_FILE, path)
    index_paths(engine, [path])
    path.write_text(path.read_text(encoding="utf-8").replace(
        "with approval from the relevant Corporate Director.", "with approval from the Chief Executive."),
        encoding="utf-8")
    report = index_paths(engine, [path])
    assert report.summary() == "1 updated"
    passages = _passages(engine)
    assert len(passages) == 32
    assert "Chief Executive" in passages[18].text
    with Session(engine) as session:
        assert session.exec(select(Document)).one().revision == 2


def test_a_file_that_fails_to_parse_leaves_the_previous_index_intact(engine, tmp_path):
    path = tmp_path / "policy.txt"
    shutil.copy(POLICY_FILE, path)
    index_paths(engine, [path])
    path.write_bytes(b"\xff\xfe broken \x81 bytes")
    report = index_paths(engine, [path])
    assert report.count("failed") == 1 and "policy.txt: not UTF-8" in report.failed[0].error
    assert len(_passages(engine)) == 32
    assert KnowledgeIndex.load(engine).search("Who approves a new Facebook page?").hits[0].passage.section == "19"


def test_an_empty_folder_is_reported(engine, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NothingToIndex, match="no documents to index"):
        index_paths(engine, [empty])


def test_removed_files_are_pruned_from_a_folder_index(engine, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(POLICY_FILE, folder / "policy.txt")
    (folder / "extra.md").write_text("# Extra\n\n## One\n\nSome text about hashtags.\n", encoding="utf-8")
    index_paths(engine, [folder], prune=True)
    (folder / "extra.md").unlink()
    report = index_paths(engine, [folder], prune=True)
    assert report.count("removed") == 1
    with Session(engine) as session:
        assert [d.title for d in session.exec(select(Document)).all()] == ["Social Media Policy"]
        assert len(session.exec(select(Passage)).all()) == 32
