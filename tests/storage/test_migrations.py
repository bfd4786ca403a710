"""Alembic migrations on SQLite and PostgreSQL: upgrade, idempotence, downgrade, and the models match."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select
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


def test_the_suites_fast_head_databases_match_the_migrations(migrated_database_url):
    """The fixtures' copied or replayed databases (tests/conftest.py HeadDatabases) are what upgrade makes."""
    assert current_revision(migrated_database_url) == head_revision(migrated_database_url)
    with get_engine(migrated_database_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
        assert set(inspect(connection).get_table_names()) == set(SQLModel.metadata.tables) | {"alembic_version"}
        for table in SQLModel.metadata.sorted_tables:
            assert connection.execute(select(func.count()).select_from(table)).scalar() == 0, table.name
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


def test_slack_ids_move_to_the_identity_table_and_back(database_url):
    """0010: everyone already looked up keeps their Slack id (or the answer "not on Slack"); nobody is asked
    twice; downgrading puts the ids back on the staff rows."""
    from sqlalchemy import text

    upgrade(database_url, "0009")
    engine = get_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO staff_member (id, email, name, directorate, service, roles, active, imported_at, "
            "slack_user_id, slack_checked_at) VALUES "
            "(1, 'a@x.gov.uk', 'A', '', '', '', true, '2026-11-01 09:00:00', 'UAAA', '2026-11-02 09:00:00'), "
            "(2, 'b@x.gov.uk', 'B', '', '', '', true, '2026-11-01 09:00:00', NULL, '2026-11-03 09:00:00'), "
            "(3, 'c@x.gov.uk', 'C', '', '', '', true, '2026-11-01 09:00:00', NULL, NULL), "
            "(4, 'd@x.gov.uk', 'D', '', '', '', false, '2026-11-01 09:00:00', 'UDDD', NULL)"))
        connection.execute(text(
            "INSERT INTO question (id, asked_at, surface, user_id, channel_id, thread_ts, text, answered, mode, "
            "retrieval, citations, answer_text) VALUES (5, '2026-11-04 09:00:00', 'mention', 'UAAA', 'C1', "
            "'111.222', 'q', true, 'extractive', 'lexical', '19', 'a')"))
    upgrade(database_url)
    with engine.connect() as connection:
        rows = [(r[0], r[1], r[2], str(r[3])[:16]) for r in connection.execute(text(
            "SELECT staff_id, platform, user_id, checked_at FROM identity ORDER BY staff_id"))]
        question = tuple(connection.execute(text(
            "SELECT user_id, channel_id, thread_ts, chat_platform FROM question")).one())
    assert rows == [(1, "slack", "UAAA", "2026-11-02 09:00"), (2, "slack", None, "2026-11-03 09:00"),
                    (4, "slack", "UDDD", "2026-11-01 09:00")]
    assert question == ("UAAA", "C1", "111.222", "slack")
    downgrade(database_url, "0009")
    with engine.connect() as connection:
        back = [tuple(r) for r in connection.execute(text(
            "SELECT id, slack_user_id, slack_checked_at IS NOT NULL FROM staff_member ORDER BY id"))]
    assert back == [(1, "UAAA", True), (2, None, True), (3, None, False), (4, "UDDD", True)]


def test_queued_messages_keep_their_meaning_under_neutral_method_names(database_url):
    """0012: a queued post, update and ephemeral message are still sent as such; downgrading restores the names."""
    from sqlalchemy import text

    upgrade(database_url, "0011")
    engine = get_engine(database_url)
    with engine.begin() as connection:
        for n, method in enumerate(("chat.postMessage", "chat.update", "chat.postEphemeral", "respond"), start=1):
            connection.execute(text(
                "INSERT INTO outbox_message (id, created_at, method, channel, text, purpose, status, attempts, "
                f"next_attempt_at, platform) VALUES ({n}, '2026-11-30 10:00:00', '{method}', 'C1', 't', 'p', "
                "'pending', 0, '2026-11-30 10:00:00', 'slack')"))
    upgrade(database_url)
    with engine.connect() as connection:
        methods = [r[0] for r in connection.execute(text("SELECT method FROM outbox_message ORDER BY id"))]
    assert methods == ["post", "update", "ephemeral", "respond"]
    downgrade(database_url, "0011")
    with engine.connect() as connection:
        methods = [r[0] for r in connection.execute(text("SELECT method FROM outbox_message ORDER BY id"))]
    assert methods == ["chat.postMessage", "chat.update", "chat.postEphemeral", "respond"]


FROM_REVISION = "0007"  # the head before acknowledgement campaigns, neutral outbox content, identities, answers
MOVED = {("staff_member", "slack_user_id"), ("staff_member", "slack_checked_at")}  # to `identity` (0010)


def _sample(column, n: int):
    """A value for `column` in row `n` of a table, by its type (every row differs)."""
    from datetime import date, datetime

    from sqlalchemy import types

    kind = column["type"]
    if isinstance(kind, types.Boolean):
        return n % 2 == 0
    if isinstance(kind, types.Integer):
        return n
    if isinstance(kind, (types.Float, types.Numeric)):
        return n + 0.5
    if isinstance(kind, types.DateTime):
        return datetime(2026, 11, 1 + n, 9, 30)
    if isinstance(kind, types.Date):
        return date(2026, 11, 1 + n)
    if isinstance(kind, types.LargeBinary):
        return bytes([n, 1, 2, 3])
    length = getattr(kind, "length", None) or 40
    return f"{column['name'][:length - 3]}-{n}"[:length]


def test_upgrading_keeps_every_row_of_every_table(database_url):
    """A database at the previous head, every table filled, is upgraded: each row and each value survives."""
    from sqlalchemy import MetaData, insert, select

    upgrade(database_url, FROM_REVISION)
    engine = get_engine(database_url)
    before = MetaData()
    before.reflect(engine)
    order = [t for t in before.sorted_tables if t.name != "alembic_version"]
    written: dict[str, list[dict]] = {}
    with engine.begin() as connection:
        for table in order:
            columns = inspect(engine).get_columns(table.name)
            rows = []
            for n in (1, 2):
                row = {c["name"]: _sample(c, n) for c in columns}
                for fk in table.foreign_keys:  # point at row n of the referenced table
                    row[fk.parent.name] = n
                rows.append(row)
            connection.execute(insert(table), rows)
            written[table.name] = rows
    upgrade(database_url)
    after = MetaData()
    after.reflect(engine)
    with engine.connect() as connection:
        for name, rows in written.items():
            table = after.tables[name]
            found = [dict(r._mapping) for r in connection.execute(select(table).order_by(*table.primary_key))]
            assert len(found) == len(rows), name
            for old, new in zip(rows, found):
                for column, value in old.items():
                    if (name, column) in MOVED:
                        continue
                    got = new[column]
                    if hasattr(got, "tzinfo") and got is not None and getattr(got, "tzinfo", None) is not None:
                        got = got.replace(tzinfo=None)
                    assert got == value, (name, column, value, got)
    assert len(written) >= 15 and {"report", "account_request", "registered_account", "training_campaign",
                                   "outbox_message", "staff_member", "document"} <= set(written)
    assert {"acknowledgement_campaign"} <= set(after.tables)
    with engine.connect() as connection:
        platforms = {r[0] for r in connection.execute(select(after.tables["outbox_message"].c.platform))}
    assert platforms == {"slack"}  # every message already queued is still sent to Slack
    with engine.connect() as connection:
        moved = [tuple(r) for r in connection.execute(
            select(after.tables["identity"].c.staff_id, after.tables["identity"].c.platform,
                   after.tables["identity"].c.user_id).order_by(after.tables["identity"].c.staff_id))]
    assert moved == [(row["id"], "slack", row["slack_user_id"]) for row in written["staff_member"]]


def test_the_served_databases_hold_the_bundled_policy_as_the_bot_indexes_it(served_database_url, tmp_path):
    """The HTTP tests' databases (HeadDatabases with indexed=True) are what a first `prepare` leaves: the
    bundled policy's document and passages, nothing else, and the bot finds them unchanged."""
    from bot.settings import load_settings
    from knowledge.indexer import index_paths
    from storage.models import Document, Passage

    settings = load_settings(database_url=served_database_url, embeddings="none")
    served = get_engine(served_database_url)
    assert [r.status for r in index_paths(served, settings.knowledge_dirs, prune=True).results] == ["unchanged"]
    fresh_url = f"sqlite:///{(tmp_path / 'fresh.db').as_posix()}"
    upgrade(fresh_url)
    fresh = get_engine(fresh_url)
    index_paths(fresh, settings.knowledge_dirs, prune=True)

    def knowledge(engine):
        with Session(engine) as session:
            documents = [(d.title, d.source_path, d.checksum, d.version, d.passage_count, d.structure)
                         for d in session.scalars(select(Document).order_by(Document.id))]
            passages = [(p.ordinal, p.section, p.label, p.checksum)
                        for p in session.scalars(select(Passage).order_by(Passage.id))]
        return documents, passages

    assert knowledge(served) == knowledge(fresh) and len(knowledge(served)[1]) == 32
    with served.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in ("document", "passage"):
                assert connection.execute(select(func.count()).select_from(table)).scalar() == 0, table.name
