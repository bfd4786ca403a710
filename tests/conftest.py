"""Shared fixtures.

Storage and knowledge tests run on SQLite always and on PostgreSQL when POLICYBOT_TEST_DATABASE_URL is
set: this run creates its own database there, gives each test its own schema, and drops both afterwards.
With POLICYBOT_FAIL_ON_SKIP=1 (as in CI) a skipped test fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILE = ROOT / "knowledge" / "documents" / "social-media-policy.txt"
EVAL_DIR = ROOT / "knowledge" / "eval"
DEV_QUESTIONS = EVAL_DIR / "policy" / "questions.jsonl"
KB_DEV_DOCS = EVAL_DIR / "kb-dev" / "docs"
KB_DEV_QUESTIONS = EVAL_DIR / "kb-dev" / "questions.jsonl"
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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """`--dist loadgroup` sends the tests of one xdist_group (the embedding tests) to one worker, so the model
    is loaded and each text embedded once. pytest-xdist marks them by suffixing their node ids, written to an
    attribute that pytest 9.2 no longer reads; where its suffix did not take, it is set here."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if groups and "@" not in item.nodeid and hasattr(item, "_id"):
            from _pytest.nodeid import coerce_node_id

            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")


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


class HeadDatabases:
    """Databases at the migrations' head, made in milliseconds instead of the few hundred a fresh upgrade takes
    (most tests need one): the migrations run once per test process, into a SQLite file that each test gets a
    copy of, and into PostgreSQL schemas that are lent to one test at a time and emptied when it ends (every
    row deleted and every sequence restarted; a schema whose tables a test changed is dropped, not lent again).
    tests/storage/test_migrations.py runs the migrations themselves, and checks these match them.

    Served databases (`indexed=True`) also hold the bundled policy, indexed as `bot.server.prepare` leaves
    it, so each HTTP test's start-up finds it unchanged instead of parsing and storing it again; a schema
    whose documents a test changed is emptied and lent again as a plain one."""

    KNOWLEDGE_TABLES = ("document", "passage")

    def __init__(self, folder: Path, postgres_url):
        self.folder, self.postgres_url = folder, postgres_url
        self._sqlite_files: dict[bool, Path] = {}
        self._statements: list[tuple[str, object]] | None = None
        self._free: dict[bool, list[str]] = {False: [], True: []}
        self._knowledge: dict[str, tuple] = {}  # each served schema's document and passage rows as indexed
        self._admin = None

    def sqlite(self, target: Path, indexed: bool = False) -> str:
        if indexed not in self._sqlite_files:
            from storage.db import get_engine
            from storage.migrate import upgrade

            path = self.folder / ("head-indexed.db" if indexed else "head.db")
            url = f"sqlite:///{path.as_posix()}"
            if indexed:
                self.sqlite(path)
                _index_bundled(get_engine(url))
            else:
                upgrade(url)
            get_engine(url).dispose()
            self._sqlite_files[indexed] = path
        assert not target.exists(), f"{target} is not a fresh database"
        shutil.copyfile(self._sqlite_files[indexed], target)
        return f"sqlite:///{target.as_posix()}"

    def lend_postgres(self, indexed: bool = False) -> str:
        if self._free[indexed]:
            return self._free[indexed].pop()
        from storage.db import get_engine

        url = self.new_schema()
        engine = get_engine(url)
        with engine.begin() as connection:
            for statement, parameters in self._postgres_statements():
                connection.exec_driver_sql(statement, parameters)
        if indexed:
            _index_bundled(engine)
            with engine.connect() as connection:
                self._knowledge[url] = self._state(connection)[2:]
        engine.dispose()
        return url

    # One round trip: the schema's tables, its revision and a digest of its documents and passages.
    _STATE_SQL = (
        "SELECT (SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
        "WHERE table_schema = current_schema()), (SELECT string_agg(version_num, ',') FROM alembic_version), "
        + ", ".join(f"(SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r.id), '')) FROM \"{table}\" r)"
                    for table in KNOWLEDGE_TABLES))

    def _state(self, connection) -> tuple:
        """The schema's table names, its revision, and a digest of each of KNOWLEDGE_TABLES."""
        return tuple(connection.exec_driver_sql(self._STATE_SQL).one())

    def give_back(self, url: str, indexed: bool = False) -> None:
        """Empty the schema for the next test, or drop it if it is no longer exactly at head. A served schema
        keeps its documents if they are still exactly the bundled policy as indexed. Two round trips."""
        from sqlmodel import SQLModel

        from storage.db import get_engine
        from storage.migrate import _head_from_files

        engine = get_engine(url)
        tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
        expected = ",".join(sorted([*tables, "alembic_version"]))
        keep = unchanged = False
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                names, revision, *knowledge = self._state(connection)
                unchanged = names == expected and revision == _head_from_files()
                if unchanged:
                    keep = indexed and tuple(knowledge) == self._knowledge.get(url)
                    kept = self.KNOWLEDGE_TABLES if keep else ()
                    # Every row deleted and every sequence started again, except those of the rows kept.
                    connection.exec_driver_sql("; ".join([
                        *(f'DELETE FROM "{table}"' for table in tables if table not in kept),
                        "SELECT setval(s.oid, 1, false) FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace "
                        "WHERE s.relkind = 'S' AND n.nspname = current_schema() AND NOT EXISTS ("
                        "SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid "
                        "WHERE d.objid = s.oid AND d.deptype = 'a' AND t.relname IN ("
                        + ", ".join(f"'{table}'" for table in kept or ("",)) + "))"]))
        except Exception:
            unchanged = False
        finally:
            engine.dispose()
        if not (unchanged and keep):
            self._knowledge.pop(url, None)
        if unchanged:
            self._free[keep].append(url)
        else:
            self.drop(url)

    def close(self) -> None:
        for free in self._free.values():
            while free:
                self.drop(free.pop())
        if self._admin is not None:
            self._admin.dispose()

    def new_schema(self) -> str:
        """A new, empty schema in this run's PostgreSQL database (its URL)."""
        if self._admin is None:
            self._admin = create_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        return self.postgres_url.update_query_dict({"options": f"-csearch_path={schema}"}) \
            .render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        from storage.db import get_engine

        get_engine(url).dispose()
        schema = make_url(url).query["options"].removeprefix("-csearch_path=")
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    def _postgres_statements(self) -> list[tuple[str, object]]:
        """What `upgrade` sends to an empty schema, recorded once."""
        if self._statements is None:
            from sqlalchemy import event

            from storage.db import get_engine
            from storage.migrate import upgrade

            url = self.new_schema()
            recorded: list[tuple[str, object]] = []

            def record(connection, cursor, statement, parameters, context, executemany):
                recorded.append((statement, parameters))

            engine = get_engine(url)
            event.listen(engine, "before_cursor_execute", record)
            try:
                upgrade(url)
            finally:
                event.remove(engine, "before_cursor_execute", record)
                self.drop(url)
            self._statements = recorded
        return self._statements


@pytest.fixture(scope="session")
def head_databases(tmp_path_factory, postgres_database):
    databases = HeadDatabases(tmp_path_factory.mktemp("head"), postgres_database)
    yield databases
    databases.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, head_databases, postgres_database):
    """A fresh, empty database URL: a SQLite file, or a new schema in this run's PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'policybot.db').as_posix()}"
        return
    if postgres_database is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    url = head_databases.new_schema()
    try:
        yield url
    finally:
        head_databases.drop(url)


def _head_database(request, tmp_path, head_databases, postgres_database, indexed: bool):
    if request.param == "sqlite":
        yield head_databases.sqlite(tmp_path / "policybot.db", indexed=indexed)
        return
    if postgres_database is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    url = head_databases.lend_postgres(indexed=indexed)
    try:
        yield url
    finally:
        head_databases.give_back(url, indexed=indexed)


@pytest.fixture(params=["sqlite", "postgres"])
def migrated_database_url(request, tmp_path, head_databases, postgres_database):
    """A database at the migrations' head with no rows: a SQLite file, or a PostgreSQL schema of this run's."""
    yield from _head_database(request, tmp_path, head_databases, postgres_database, indexed=False)


@pytest.fixture(params=["sqlite", "postgres"])
def served_database_url(request, tmp_path, head_databases, postgres_database):
    """A database at head holding the bundled policy indexed (as `policybot serve` finds it after its first
    start) and nothing else: for tests of the served bot."""
    yield from _head_database(request, tmp_path, head_databases, postgres_database, indexed=True)


def _index_bundled(engine) -> None:
    from bot.settings import BUNDLED_KNOWLEDGE_DIR
    from knowledge.indexer import index_paths

    report = index_paths(engine, [BUNDLED_KNOWLEDGE_DIR], prune=True)
    assert not report.failed, report.failed


@pytest.fixture
def engine(migrated_database_url):
    from storage.db import get_engine

    engine = get_engine(migrated_database_url)
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


def parsed_records(paths) -> list:
    """Documents parsed and turned into the records retrieval uses, without a database."""
    from knowledge.ingest import parse_file
    from knowledge.retrieval import PassageRecord

    records = []
    for number, path in enumerate(paths, start=1):
        document = parse_file(path)
        records.extend(PassageRecord(id=number * 10_000 + p.ordinal, document_id=number, document=document.title,
                                     version=document.version, numbered=p.kind == "paragraph", section=p.section,
                                     heading=p.heading, label=document.label(p), text=p.text, checksum=p.checksum,
                                     context=p.context, kind=p.kind)
                       for p in document.passages)
    return records


@pytest.fixture(scope="session")
def policy_index():
    """The bundled policy, parsed and indexed in memory (no database), for retrieval tests."""
    from knowledge.retrieval import KnowledgeIndex

    return KnowledgeIndex(parsed_records([POLICY_FILE]))


@pytest.fixture(scope="session")
def kb_index():
    """The policy and the three kb-dev documents (PDF, Markdown, Word), indexed in memory."""
    from knowledge.retrieval import KnowledgeIndex

    return KnowledgeIndex(parsed_records([POLICY_FILE, *sorted(KB_DEV_DOCS.iterdir())]))


# ------------------------------------------------------------------------------------------------ Slack

class SlackBot:
    """The real Bolt app behind the bot's real HTTP endpoint (uvicorn on loopback), talking to a stand-in
    Slack Web API. `post_*` methods send requests signed as Slack signs them."""

    def __init__(self, services, fake, base_url: str):
        from tests.support.serving import client

        self.services = services
        self.fake = fake
        self.url = base_url
        self.http = client(base_url)

    def post(self, body: str, content_type: str, headers: dict | None = None, signed: bool = True):
        from tests.support.slack_requests import signed_headers

        all_headers = signed_headers(body, content_type=content_type) if signed else {"Content-Type": content_type}
        all_headers.update(headers or {})
        return self.http.post("/slack/events", content=body.encode("utf-8"), headers=all_headers)

    def event(self, event: dict, event_id: str | None = None, headers: dict | None = None):
        from tests.support.slack_requests import event_body

        return self.post(event_body(event, event_id), "application/json", headers)

    def command(self, command: str, text: str, **kwargs):
        from tests.support.slack_requests import command_body

        kwargs.setdefault("response_url", self.fake.response_url)
        return self.post(command_body(command, text, **kwargs), "application/x-www-form-urlencoded")

    def action(self, payload: dict):
        from tests.support.slack_requests import interaction_body

        payload.setdefault("response_url", self.fake.response_url)
        if not payload.get("response_url"):
            payload["response_url"] = self.fake.response_url
        return self.post(interaction_body(payload), "application/x-www-form-urlencoded")

    def rows(self, model):
        from sqlmodel import Session, select

        with Session(self.services.engine) as session:
            return list(session.exec(select(model).order_by(*model.__table__.primary_key.columns)).all())

    def idle(self) -> None:
        """Until the bot has finished all the work the requests so far handed to its worker threads (so a
        test can assert that something did not happen)."""
        assert self.services.wait_idle(timeout=15.0), "the bot's deferred work did not finish"


@pytest.fixture
def fake_slack():
    from tests.support.slack_api import FakeSlack

    with FakeSlack(expected_token="xoxb-test-token") as fake:
        yield fake


@pytest.fixture
def slack_settings(served_database_url, fake_slack, tmp_path):
    from bot.settings import load_settings
    from tests.support.slack_requests import SIGNING_SECRET

    return load_settings(database_url=served_database_url, slack_bot_token="xoxb-test-token",
                         slack_signing_secret=SIGNING_SECRET, slack_api_url=fake_slack.base_url,
                         comms_channel="CCOMMS", hr_channel="CHR", legal_channel="CLEGAL",
                         safeguarding_channel="CSAFE", ict_channel="CICT", admin_channel="CADMIN",
                         embeddings="none")


@pytest.fixture
def slack_bot(slack_settings, fake_slack):
    from bot.server import create_web_app, prepare
    from bot.services import Services
    from handlers.slack.app import create_app
    from tests.support.serving import ServedApp

    services = Services(slack_settings)
    prepare(services)
    served = ServedApp(create_web_app(services, create_app(services)))
    fake_slack.clear()
    bot = SlackBot(services, fake_slack, served.url)
    yield bot
    bot.http.close()
    served.stop()
    services.close()
