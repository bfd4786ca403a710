"""The engine's guards against a database that stops answering."""

from __future__ import annotations

from sqlalchemy import text

from storage.db import POOL_TIMEOUT_S, get_engine


def test_connections_carry_timeouts_and_keep_the_urls_options(database_url):
    engine = get_engine(database_url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
            return
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "30s"
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "10s"
        assert connection.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "1min"
        # The test's own schema, given in the URL's options, is still the search path.
        assert connection.execute(text("SHOW search_path")).scalar().startswith("t_")
    assert engine.pool.timeout() == POOL_TIMEOUT_S
