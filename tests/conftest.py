"""Shared fixtures.

Storage and knowledge tests run on SQLite always and on PostgreSQL when POLICYBOT_TEST_DATABASE_URL is
set: this run creates its own database there, gives each test its own schema, and drops both afterwards.
With POLICYBOT_FAIL_ON_SKIP=1 (as in CI) a skipped test fails the run.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POLICY_FILE = ROOT / "knowledge" / "documents" / "social-media-policy.txt"
DEV_QUESTIONS = SHARED / "eval" / "dev_questions.jsonl"
STAFF_QUESTIONS = ROOT / "tests" / "data" / "staff_questions.jsonl"
PG_ENV = "POLICYBOT_TEST_DATABASE_URL"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("POLICYBOT_FAIL_ON_SKIP") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, which this run does not allow: {reason}"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """Tests never read the developer's .env or data folder, and settings are re-read per test."""
    from bot import settings as settings_module

    for name in list(os.environ):
        if name.startswith(("SLACK_", "OPENAI_")) or (name.startswith("POLICYBOT_") and name not in {
                PG_ENV, "POLICYBOT_FAIL_ON_SKIP"}) or name == "DATABASE_URL":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLICYBOT_ENV", "test")
    monkeypatch.chdir(tmp_path)
    settings_module.get_settings.cache_clear()
    yield
    settings_module.get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres_database():
    """A PostgreSQL database of this test run's own, dropped at the end; None when no server is configured."""
    base = os.environ.get(PG_ENV)
    if not base:
        yield None
        return
    url = make_url(base)
    name = f"policybot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name)
    finally:
        from storage.db import get_engine

        get_engine.cache_clear()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, postgres_database):
    """A fresh, empty database URL: a SQLite file, or a new schema in this run's PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'policybot.db').as_posix()}"
        return
    if postgres_database is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_database)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = postgres_database.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        from storage.db import get_engine

        for engine_url in [url.render_as_string(hide_password=False)]:
            try:
                get_engine(engine_url).dispose()
            except Exception:
                pass
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url):
    from storage.db import get_engine
    from storage.migrate import upgrade

    upgrade(database_url)
    engine = get_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    from storage.db import get_engine
    from storage.migrate import upgrade

    url = f"sqlite:///{(tmp_path / 'single.db').as_posix()}"
    upgrade(url)
    engine = get_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def policy_index():
    """The bundled policy, parsed and indexed in memory (no database), for retrieval tests."""
    from knowledge.ingest import parse_file
    from knowledge.retrieval import KnowledgeIndex, PassageRecord

    document = parse_file(POLICY_FILE)
    records = [PassageRecord(id=p.ordinal, document_id=1, document=document.title, version=None, numbered=True,
                             section=p.section, heading=p.heading, label=document.label(p), text=p.text,
                             checksum=p.checksum) for p in document.passages]
    return KnowledgeIndex(records)
