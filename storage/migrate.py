"""Run the Alembic migrations from code: `policybot db upgrade`, and on every start of the bot."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import inspect, text

from storage.db import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_REVISION_RE = re.compile(r"^revision: str = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_RE = re.compile(r"^down_revision: [^=]*= ['\"]([^'\"]+)['\"]", re.MULTILINE)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def current_revision(url: str) -> str | None:
    with get_engine(url).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@lru_cache(maxsize=1)
def _head_from_files() -> str | None:
    """The newest revision, read from the migration files (without importing Alembic: every start of the
    bot checks it). The test suite checks it against Alembic's own answer."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if match := _REVISION_RE.search(source):
            revisions.add(match.group(1))
            if down := _DOWN_RE.search(source):
                parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to `revision`; a no-op (one query, no Alembic import) when it is already there."""
    if revision == "head" and (head := _head_from_files()) is not None and current_revision(url) == head:
        return
    from alembic import command

    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
