"""Embeddings: the local model offline, an OpenAI-compatible endpoint, storage keyed by text checksum
(re-indexing embeds only what changed), and hybrid retrieval built from them. SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from bot.settings import load_settings
from knowledge import bert_numpy, embeddings
from knowledge.embeddings import EmbeddingError, LocalEmbedder, OpenAIEmbedder, refresh_embeddings
from knowledge.indexer import index_paths
from knowledge.search import build_index
from tests.conftest import POLICY_FILE, ROOT
from tests.support.openai_api import FakeOpenAI

# One worker runs these tests, so the module's embedder computes each text once (the same policy is embedded
# on SQLite and PostgreSQL) and the two tests that import sentence-transformers pay for it once.
pytestmark = pytest.mark.xdist_group("embeddings")


class Counting:
    """A real embedder that counts the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.texts: list[str] = []

    def embed(self, texts):
        self.texts.extend(texts)
        return self.inner.embed(texts)


class Remembering:
    """The real local embedder, computing each distinct text once for the whole module (the same policy
    is embedded on SQLite and PostgreSQL); its `path` and `name` are the embedder's own."""

    def __init__(self, inner):
        self.inner = inner
        self.path, self.name = inner.path, inner.name
        self._vectors: dict[str, np.ndarray] = {}

    def embed(self, texts):
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, self.inner.embed(missing)))
        return np.vstack([self._vectors[t] for t in texts]) if texts else self.inner.embed(texts)


@pytest.fixture(scope="module")
def local():
    return LocalEmbedder()


@pytest.fixture(scope="module")
def remembered(local):
    return Remembering(local)


def test_the_bundled_model_loads_offline_and_ranks_by_meaning(local):
    vectors = local.embed(["Can I put up pictures of the kids from the fun day?",
                           "Use of social media will be consistent with the duty to safeguard children.",
                           "How much sick pay will I get when I am ill?"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert local.name == "local:all-MiniLM-L6-v2"


def test_the_numpy_forward_pass_matches_sentence_transformers(local, monkeypatch):
    # Texts of every length, in several batches: one word, sentences, a paragraph, one cut at 256 tokens.
    monkeypatch.setattr(bert_numpy, "BATCH", 3)
    texts = ["Who approves a new council TikTok account?", "TikTok", "Council social media accounts will only be "
             "authorised by the Council’s Communication and Marketing service.", "photos " * 400,
             *[f"Paragraph {n}: staff must not share personal data about service users online. " * (1 + n % 3)
               for n in range(4)]]
    ours = local.embed(texts)
    theirs = embeddings._load_sentence_transformer(str(local.path)).encode(texts, normalize_embeddings=True)
    assert ours.shape == theirs.shape == (len(texts), 384) and ours.dtype == np.float32
    assert np.all(np.sum(ours * theirs, axis=1) > 0.9999)


def test_the_bundled_model_embeds_without_importing_torch(tmp_path):
    # Indexing and answering with the bundled model never pay the seconds torch takes to import.
    script = ("import sys; from knowledge.embeddings import LocalEmbedder; e = LocalEmbedder(); e.warm(); "
              "v = e.embed(['Who approves a new account?'] * 50); "
              "print(v.shape, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(50, 384) False False"


def test_a_model_the_numpy_pass_cannot_run_is_run_by_sentence_transformers(local, monkeypatch):
    texts = ["Can I post photos of children from the fun day?", "Who approves a new council TikTok account?"]
    ours = local.embed(texts)
    monkeypatch.setattr(embeddings, "_load_numpy_bert", lambda path: None)  # as for a non-BERT model
    other = embeddings.LocalEmbedder(local.path)
    other.warm()
    theirs = other.embed(texts)
    assert theirs.shape == (2, 384) and theirs.dtype == np.float32
    assert np.all(np.sum(ours * theirs, axis=1) > 0.9999)


def test_thousands_of_texts_at_once_are_embedded_by_sentence_transformers(local, monkeypatch):
    # (The threshold lowered here: four texts stand for a first index of thousands of passages.)
    texts = ["Who approves a new council TikTok account?", "Can I post photos of children from the fun day?",
             "A journalist rang me about a complaint.", "Report misuse to your line manager."]
    ours = local.embed(texts)
    used: list[int] = []
    numpy_model = embeddings._load_numpy_bert(str(local.path))
    monkeypatch.setattr(numpy_model, "embed", lambda batch: used.append(len(batch)) or ours)
    monkeypatch.setattr(embeddings.LocalEmbedder, "LARGE_BATCH", 4)
    theirs = local.embed(texts)
    assert used == []  # sentence-transformers did it
    assert np.all(np.sum(ours * theirs, axis=1) > 0.9999)
    local.embed(texts[:3])
    assert used == [3]  # fewer: the NumPy pass


def test_reindexing_embeds_only_what_changed(engine, tmp_path, remembered, monkeypatch):
    path = tmp_path / "policy.txt"
    shutil.copy(POLICY_FILE, path)
    index_paths(engine, [path])
    counting = Counting(remembered)
    monkeypatch.setattr(embeddings, "make_embedder", lambda settings: counting)
    settings = load_settings(embeddings="local")
    first = refresh_embeddings(engine, settings)
    # 32 paragraphs, and the 27 list items and 6 opening sentences of the paragraphs that have lists
    assert first == f"Embeddings ({remembered.name}): 65 computed, 0 reused"
    assert len(counting.texts) == 65
    assert refresh_embeddings(engine, settings) == f"Embeddings ({remembered.name}): 0 computed, 65 reused"
    assert len(counting.texts) == 65
    path.write_text(path.read_text(encoding="utf-8").replace("relevant Corporate Director.",
                                                             "relevant Corporate Director or their deputy."),
                    encoding="utf-8")
    index_paths(engine, [path])
    assert refresh_embeddings(engine, settings) == f"Embeddings ({remembered.name}): 1 computed, 64 reused"
    assert "their deputy" in counting.texts[-1]
    index = build_index(engine, settings)
    assert index.retrieval_mode == "hybrid" and len(counting.texts) == 66  # start-up loads, embeds nothing
    result = index.search("Who has to approve a new council Facebook page?")
    assert result.covered and result.hits[0].passage.section == "19"
    assert not index.search("How much sick pay do I get?").covered


def test_openai_compatible_embeddings(engine, tmp_path):
    with FakeOpenAI() as server:
        embedder = OpenAIEmbedder("text-embedding-3-small", "sk-test", server.base_url)
        vectors = embedder.embed([f"text number {i}" for i in range(150)] + ["text number 1"])
        assert vectors.shape == (151, 64)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert np.allclose(vectors[1], vectors[150])
        batches = [r for r in server.requests if r["path"].endswith("/embeddings")]
        assert [len(r["body"]["input"]) for r in batches] == [100, 51]
        assert batches[0]["body"]["model"] == "text-embedding-3-small"

        settings = load_settings(embeddings="openai", openai_base_url=server.base_url, openai_api_key="sk-test")
        shutil.copy(POLICY_FILE, tmp_path / "policy.txt")
        index_paths(engine, [tmp_path / "policy.txt"])
        assert refresh_embeddings(engine, settings) == \
            "Embeddings (openai:text-embedding-3-small): 65 computed, 0 reused"
        index = build_index(engine, settings)
        assert index.retrieval_mode == "hybrid"
        # The stand-in's vectors are hashed words, not meanings: the passage is found, not necessarily first.
        assert "19" in [h.passage.section for h in index.search("who approves a new council facebook account").hits]

        server.embed_handler = None  # the fake now answers 500 for embeddings
        asked = len(server.requests)
        with pytest.raises(EmbeddingError, match="the embeddings endpoint failed"):
            OpenAIEmbedder("m", "k", server.base_url).embed(["x"])
        assert len(server.requests) - asked == 3  # tried, then retried twice


def test_modes_default_and_refuse_what_cannot_work(monkeypatch):
    assert embeddings.resolve_mode(load_settings()) == "local"  # the semantic extra is installed here
    assert embeddings.resolve_mode(load_settings(embeddings="none")) == "none"
    monkeypatch.setattr(embeddings, "semantic_available", lambda: False)
    assert embeddings.resolve_mode(load_settings()) == "none"
    with pytest.raises(EmbeddingError, match="needs the semantic extra"):
        embeddings.resolve_mode(load_settings(embeddings="local"))
    with pytest.raises(EmbeddingError, match="needs OPENAI_BASE_URL or OPENAI_API_KEY"):
        embeddings.resolve_mode(load_settings(embeddings="openai"))
    assert embeddings.retrieval_description(load_settings(embeddings="none")).startswith("lexical")


def test_a_question_naming_no_document_leans_to_the_bots_own_policy(engine, tmp_path, remembered, monkeypatch):
    from knowledge import search

    monkeypatch.setattr(search, "make_embedder", lambda settings: remembered)
    # Two policies that say the same about who they cover: the bot's own one is cited first.
    shared = ("Agency workers and contractors doing work for the Council are expected to follow this policy "
              "in the same way as employees.")
    others = ["Mediation with a colleague can be arranged by HR.", "Parking permits are issued by Facilities.",
              "Expenses are claimed through the payroll system.", "Rooms are booked on the intranet."]
    for name, title in (("a.md", "Policy A"), ("b.md", "Policy B")):
        body = "".join(f"## Section {n}\n\n{text}\n\n" for n, text in enumerate(others))
        (tmp_path / name).write_text(f"# {title}\n\n## Who it covers\n\n{shared}\n\n{body}", encoding="utf-8")
    (tmp_path / "b.md").write_text((tmp_path / "b.md").read_text(encoding="utf-8")
                                   + "## Complaints\n\nA complaint about bullying goes to your manager.\n",
                                   encoding="utf-8")
    assert not index_paths(engine, [tmp_path]).failed

    def first(primary, question="Do agency workers have to follow this?"):
        return build_index(engine, load_settings(embeddings="local", primary_document=primary)) \
            .search(question).hits[0].passage.document

    assert first("Policy A") == "Policy A"
    assert first("Policy B") == "Policy B"
    # A question that belongs to the other document still goes there.
    assert first("Policy A", "Who do I complain to about bullying?") == "Policy B"
