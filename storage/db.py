"""One engine per database URL and a session factory. Schema changes come from Alembic, never create_all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no branch - runs once per connection
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=POOL_TIMEOUT_S,
                         connect_args=_postgres_connect_args(url))


# A PostgreSQL server that stops answering (packets held, not refused) must not hold the bot up for ever:
# connecting gives up after 5 s, a statement after 30 s, a lock wait after 10 s, a connection idle in a
# transaction after 60 s; TCP keepalives notice a dead peer in about a minute; waiting for a free pooled
# connection gives up after 5 s.
CONNECT_TIMEOUT_S = 5
POOL_TIMEOUT_S = 5
SERVER_OPTIONS = ("-c statement_timeout=30000 -c lock_timeout=10000 "
                  "-c idle_in_transaction_session_timeout=60000")


def _postgres_connect_args(url: str) -> dict:
    # Options given in the URL (a search_path, say) are kept; the timeouts are added to them.
    given = make_url(url).query.get("options") or ""
    given = given if isinstance(given, str) else " ".join(given)
    return {"connect_timeout": CONNECT_TIMEOUT_S, "options": f"{given} {SERVER_OPTIONS}".strip(),
            "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends cleanly and rolls back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
