"""References people can quote: SMR-2026-0042 for reports, SMA-2026-0007 for account requests."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from storage.models import ReferenceCounter


def next_reference(session: Session, prefix: str, year: int) -> str:
    """The next reference for `prefix` and `year`, in the caller's transaction.

    The counter row is locked by the UPDATE until the caller commits, so references never repeat across
    processes; call this first in the transaction (SQLite takes its write lock here)."""
    bind = session.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ReferenceCounter).values(prefix=prefix, year=year, value=0)
                    .on_conflict_do_nothing(index_elements=["prefix", "year"]))
    session.execute(update(ReferenceCounter).where(ReferenceCounter.prefix == prefix)
                    .where(ReferenceCounter.year == year).values(value=ReferenceCounter.value + 1))
    value = session.execute(select(ReferenceCounter.value).where(ReferenceCounter.prefix == prefix)
                            .where(ReferenceCounter.year == year)).scalar_one()
    return f"{prefix}-{year}-{value:04d}"
