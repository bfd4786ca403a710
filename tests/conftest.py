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
        import httpx

        self.services = services
        self.fake = fake
        self.url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=10)

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
            return list(session.exec(select(model)).all())


@pytest.fixture
def fake_slack():
    from tests.support.slack_api import FakeSlack

    with FakeSlack(expected_token="xoxb-test-token") as fake:
        yield fake


@pytest.fixture
def slack_settings(database_url, fake_slack, tmp_path):
    from bot.settings import load_settings
    from tests.support.slack_requests import SIGNING_SECRET

    return load_settings(database_url=database_url, slack_bot_token="xoxb-test-token",
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
    services.engine.dispose()
