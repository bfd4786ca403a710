"""Alembic migrations on SQLite and PostgreSQL: upgrade, idempotence, downgrade, and the models match."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from storage.db import get_engine
from storage.migrate import _head_from_files, current_revision, downgrade, head_revision, upgrade
from storage.models import PassageEmbedding

TABLES = {"document", "passage", "passage_embedding"}


def test_upgrade_creates_the_tables_and_is_idempotent(database_url):
    upgrade(database_url)
    upgrade(database_url)
    engine = get_engine(database_url)
    assert TABLES <= set(inspect(engine).get_table_names())
    assert current_revision(database_url) == head_revision(database_url)
    assert _head_from_files() == head_revision(database_url)


def test_models_and_migrations_agree(database_url):
    upgrade(database_url)
    with get_engine(database_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_removes_the_tables(database_url):
    upgrade(database_url)
    downgrade(database_url, "base")
    assert not (TABLES & set(inspect(get_engine(database_url)).get_table_names()))


def test_embeddings_are_unique_per_model_and_checksum(engine):
    with Session(engine) as session:
        session.add(PassageEmbedding(model="m", checksum="c", dimensions=1, vector=b"\0\0\0\0"))
        session.commit()
        session.add(PassageEmbedding(model="m", checksum="c", dimensions=1, vector=b"\0\0\0\0"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_acknowledgements_already_asked_for_become_a_running_campaign(database_url):
    """0008: a deployment that has asked staff to acknowledge a version keeps its reminders and buttons
    working; a version nobody was asked about starts no campaign."""
    from sqlalchemy import text

    upgrade(database_url, "0007")
    engine = get_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO document (id, source_path, title, version, checksum, revision, passage_count, indexed_at,"
            " structure, warnings) VALUES (1, '/p.txt', 'Social Media Policy', '3.0', 'abc', 1, 32, "
            "'2026-11-01 09:00:00', 'numbered', ''), (2, '/g.md', 'Guidance', NULL, 'def', 1, 3, "
            "'2026-11-01 09:00:00', 'headed', '')"))
        connection.execute(text(
            "INSERT INTO staff_member (id, email, name, directorate, service, roles, active, imported_at) VALUES "
            "(1, 'a@x.gov.uk', 'A', '', '', '', true, '2026-11-01 09:00:00')"))
        connection.execute(text(
            "INSERT INTO nudge (kind, subject, staff_id, step, claimed_at) VALUES "
            "('ack', 'abc', 1, 'ask', '2026-11-02 10:00:00'), ('ack', 'old', 1, 'ask', '2026-10-01 10:00:00')"))
    upgrade(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT document_id, document_title, document_checksum, document_version, status "
            "FROM acknowledgement_campaign")).all()
        nudges = connection.execute(text("SELECT count(*) FROM nudge")).scalar()
    assert [tuple(r) for r in rows] == [(1, "Social Media Policy", "abc", "3.0", "running")]
    assert nudges == 2


def test_messages_queued_before_neutral_content_keep_their_blocks(database_url):
    """0009: a message waiting in the outbox keeps its text and blocks and is sent to Slack as before."""
    from sqlalchemy import text

    upgrade(database_url, "0008")
    engine = get_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO outbox_message (id, created_at, method, channel, text, blocks, purpose, status, attempts, "
            "next_attempt_at) VALUES (7, '2026-11-30 10:00:00', 'chat.postMessage', 'UMGR', 'Case NCC-1', "
            "'[{\"type\": \"section\"}]', 'report-case:dm', 'pending', 2, '2026-11-30 10:05:00')"))
    upgrade(database_url)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT id, channel, text, blocks, status, attempts, content, platform "
                                      "FROM outbox_message")).one()
    assert tuple(row) == (7, "UMGR", "Case NCC-1", '[{"type": "section"}]', "pending", 2, None, "slack")
