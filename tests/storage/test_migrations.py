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
