"""The bot's tables. Every change to them goes through an Alembic revision in `storage/migrations`."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Document(SQLModel, table=True):
    """One indexed knowledge document (a policy, guideline or procedure)."""

    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    source_path: str = Field(max_length=1024, unique=True)
    title: str = Field(max_length=300)
    version: str | None = Field(default=None, max_length=100)
    effective_date: date | None = None
    checksum: str = Field(max_length=64)
    revision: int = 1
    passage_count: int = 0
    indexed_at: datetime = Field(default_factory=utcnow)


class Passage(SQLModel, table=True):
    """A citable passage: a numbered paragraph, or for unnumbered documents a heading section."""

    __tablename__ = "passage"
    __table_args__ = (UniqueConstraint("document_id", "ordinal", name="uq_passage_document_ordinal"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(sa_column=Column(Integer, ForeignKey("document.id", ondelete="CASCADE"),
                                              nullable=False, index=True))
    ordinal: int
    section: str = Field(max_length=100)
    heading: str = Field(default="", max_length=300)
    label: str = Field(max_length=500)
    text: str = Field(sa_column=Column(Text, nullable=False))
    checksum: str = Field(max_length=64, index=True)


class PassageEmbedding(SQLModel, table=True):
    """A passage's embedding, keyed by the model that made it and the passage text's checksum,
    so re-indexing embeds only passages whose text changed."""

    __tablename__ = "passage_embedding"
    __table_args__ = (UniqueConstraint("model", "checksum", name="uq_passage_embedding_model_checksum"),)

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=300)
    checksum: str = Field(max_length=64)
    dimensions: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
