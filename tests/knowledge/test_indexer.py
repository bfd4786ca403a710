"""Indexing into the database, on SQLite and PostgreSQL: idempotent, transactional, failure-safe."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from knowledge.indexer import NothingToIndex, UnknownDocument, document_outlines, index_paths
from knowledge.retrieval import KnowledgeIndex
from storage.models import Document, Passage
from tests.conftest import POLICY_FILE, ROOT


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


KB_DEV = ROOT / "knowledge" / "eval" / "kb-dev" / "docs"


def test_structure_owner_warnings_context_and_kind_are_stored(engine, tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(KB_DEV, folder)
    (folder / "notes.txt").write_text("We met about the car park. The barrier is broken.\n\n"
                                      "Facilities will fix it next week.\n", encoding="utf-8")
    report = index_paths(engine, [folder])
    assert report.summary() == "4 added"
    assert {r.path.name: r.warnings for r in report.results}["notes.txt"] == [
        'no headings or numbered paragraphs found: indexed as 2 paragraphs (cited as "Paragraph 1" …)']
    with Session(engine) as session:
        documents = {d.title: d for d in session.exec(select(Document)).all()}
        passages = {(p.document_id, p.section): p for p in session.exec(select(Passage)).all()}
    dignity = documents["Dignity at Work Policy"]
    assert (dignity.structure, dignity.version, dignity.owner, dignity.warnings) == (
        "clauses", "4.0", "HR Policy and Employee Relations", "")
    clause = passages[(dignity.id, "3.2")]
    assert (clause.kind, clause.heading, clause.label) == ("clause", "What is bullying and harassment",
                                                          "Dignity at Work Policy, 3.2")
    guidance = documents["Data Protection: Guidance for Staff"]
    step = passages[(guidance.id, "What to do straight away")]
    assert (guidance.structure, step.kind, step.context) == ("headed", "section", "Data breaches")
    protocol = documents["Media Relations Protocol"]
    assert (protocol.structure, passages[(protocol.id, "13")].kind) == ("numbered", "paragraph")
    assert documents["Notes"].warnings.startswith("no headings or numbered paragraphs found")


def test_unchanged_files_indexed_before_structure_was_recorded_are_read_again(engine, tmp_path):
    path = tmp_path / "policy.txt"
    shutil.copy(POLICY_FILE, path)
    index_paths(engine, [path])
    with Session(engine) as session:  # as a row migrated by 0006 looks: server defaults in the new columns
        session.execute(update(Document).values(structure="", owner=None))
        session.execute(update(Passage).values(kind="", context=""))
        session.commit()
    assert index_paths(engine, [path]).summary() == "1 updated"
    with Session(engine) as session:
        assert session.exec(select(Document)).one().structure == "numbered"
        assert {p.kind for p in session.exec(select(Passage)).all()} == {"paragraph"}
    assert index_paths(engine, [path]).summary() == "1 unchanged"


def test_document_outlines_match_titles_in_any_case(engine, tmp_path):
    shutil.copy(POLICY_FILE, tmp_path / "policy.txt")
    index_paths(engine, [tmp_path / "policy.txt"])
    [(document, passages)] = document_outlines(engine, "  social MEDIA policy ")
    assert document.title == "Social Media Policy" and [p.ordinal for p in passages] == list(range(1, 33))
    with pytest.raises(UnknownDocument, match=r"no indexed document is titled 'Sick pay'\. "
                                              r"Indexed documents: Social Media Policy"):
        document_outlines(engine, "Sick pay")


# ------------------------------------------------------------------------------ policybot index and docs

@pytest.fixture
def cli(monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("POLICYBOT_EMBEDDINGS", "none")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_index_prints_each_files_warnings_and_docs_outline_prints_what_is_cited(cli, tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(KB_DEV, folder)
    (folder / "travel.md").write_text("# Travel Guide\n\n## Trains\n\nBook through the portal.\n\n## Planes\n",
                                      encoding="utf-8")
    indexed = cli("index", str(folder))
    assert indexed.exit_code == 0, indexed.output
    assert "travel.md: warning: section 'Planes' has no text under its heading: skipped" in indexed.stdout
    assert sum("warning:" in line for line in indexed.stdout.splitlines()) == 1

    outline = cli("docs", "--outline", "dignity at work POLICY")
    assert outline.exit_code == 0, outline.output
    lines = outline.stdout.splitlines()
    assert lines[0] == "Dignity at Work Policy"
    assert "Version: 4.0 · Effective: 2024-12-11 · Owner: HR Policy and Employee Relations" in outline.stdout
    assert "Structure: numbered sections with dotted clauses" in outline.stdout and "45 passages" in outline.stdout
    assert "Warnings: none" in outline.stdout
    # ordinal, citation, heading, context ("—": none), kind, characters
    assert re.search(r"^ *8 +Dignity at Work Policy, 3\.2 +What is bullying and harassment +— +clause +415$",
                     outline.stdout, re.MULTILINE)

    guidance = cli("docs", "--outline", "Data Protection: Guidance for Staff")
    assert re.search(r"Guidance for Staff, What to do straight away +What to do straight away +Data breaches +"
                     r"section +929$", guidance.stdout, re.MULTILINE)
    travel = cli("docs", "--outline", "Travel Guide")
    assert "Warnings: 1\n    - section 'Planes' has no text under its heading: skipped" in travel.stdout

    # The installed command, whose entry point turns errors into one line and an exit code.
    missing = subprocess.run([str(ROOT / ".venv" / "bin" / "policybot"), "docs", "--outline", "Sick pay"],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1
    assert missing.stderr.startswith("policybot: no indexed document is titled 'Sick pay'. Indexed documents: "
                                     "Data Protection: Guidance for Staff; Dignity at Work Policy; ")

    listing = cli("docs")
    assert listing.exit_code == 0 and "Owner" in listing.stdout and "Information Governance team" in listing.stdout
