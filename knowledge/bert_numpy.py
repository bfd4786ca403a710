"""A NumPy forward pass for BERT-family sentence-transformers models (such as all-MiniLM-L6-v2).

Embedding one question is a few milliseconds of matrix arithmetic, but importing torch and transformers
to do it costs several seconds, which `policybot ask` would pay on every start. This module computes the
same embedding (mean pooling, L2-normalised) from the model folder's `model.safetensors` and
`tokenizer.json` with NumPy and the `tokenizers` library only. `tests/knowledge/test_embeddings.py` checks
it against sentence-transformers. Models of other architectures use sentence-transformers itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MAX_TOKENS = 256
FEED_FORWARD_ROWS = 512  # rows of the feed-forward part at a time: its activations stay in cache
BATCH = 32  # sequences per pass: large enough for efficient matrix products, small enough to stay in cache


def supports(model_dir: Path) -> bool:
    """True for a BertModel with mean pooling, stored as safetensors with a fast tokenizer."""
    try:
        config = json.loads((model_dir / "config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and pooling.get("pooling_mode_mean_tokens") and not pooling.get("pooling_mode_cls_token")
            and (model_dir / "model.safetensors").is_file() and (model_dir / "tokenizer.json").is_file())


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU, x·Φ(x), with erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), enough in
    float32. Written as relu(x) − ½|x|·P(t)·exp(−x²/2), P the formula's polynomial, computed in place: the
    intermediate layer is the largest array of the forward pass."""
    magnitude = np.abs(x)
    t = magnitude * np.float32(0.3275911 / np.sqrt(2.0))
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * 1.061405429
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += coefficient
        poly *= t
    gaussian = np.square(x, out=t)
    gaussian *= -0.5
    np.exp(gaussian, out=gaussian)
    poly *= gaussian
    poly *= magnitude
    poly *= 0.5
    out = np.maximum(x, 0.0, out=magnitude)
    out -= poly
    return out


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


class NumpyBert:
    def __init__(self, model_dir: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config.get("layer_norm_eps", 1e-12)
        weights = load_file(str(model_dir / "model.safetensors"))
        # Linear weights are stored transposed and contiguous, so `x @ W` needs no copy per call.
        self.w = {key.removeprefix("bert."): np.ascontiguousarray(
            value.T if key.endswith(".weight") and ".encoder." in f".{key}" and value.ndim == 2 else value,
            dtype=np.float32) for key, value in weights.items()}
        for layer in range(self.layers):  # one matmul for the query, key and value projections
            p = f"encoder.layer.{layer}.attention.self."
            self.w[p + "qkv.weight"] = np.ascontiguousarray(np.concatenate(
                [self.w.pop(p + name + ".weight") for name in ("query", "key", "value")], axis=1))
            self.w[p + "qkv.bias"] = np.concatenate([self.w.pop(p + name + ".bias") for name in ("query", "key", "value")])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def _encode(self, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled, normalised embeddings of several token sequences at once: every token of the batch goes
        through each linear layer in one matrix product; attention is computed per sequence."""
        w = self.w
        lengths = [len(ids) for ids in batch]
        starts = np.cumsum([0, *lengths])
        ids_array = np.concatenate([np.asarray(ids) for ids in batch])
        positions = np.concatenate([np.arange(n) for n in lengths])
        hidden = (w["embeddings.word_embeddings.weight"][ids_array]
                  + w["embeddings.position_embeddings.weight"][positions]
                  + w["embeddings.token_type_embeddings.weight"][0])
        hidden = _layer_norm(hidden, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        tokens, size = hidden.shape
        head_size = size // self.heads
        scale = 1.0 / np.sqrt(head_size)
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."

            def linear(x, name, p=p):
                return x @ w[p + name + ".weight"] + w[p + name + ".bias"]

            qkv = linear(hidden, "attention.self.qkv").reshape(tokens, 3, self.heads, head_size)
            context = np.empty((tokens, size), dtype=np.float32)
            for start, end in zip(starts[:-1], starts[1:]):
                part = qkv[start:end].transpose(1, 2, 0, 3)
                q, k, v = part[0], part[1], part[2]
                scores = q @ k.transpose(0, 2, 1) * scale
                scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
                scores /= scores.sum(axis=-1, keepdims=True)
                context[start:end] = (scores @ v).transpose(1, 0, 2).reshape(end - start, size)
            hidden = _layer_norm(linear(context, "attention.output.dense") + hidden,
                                 w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                                 self.eps)
            # The feed-forward part a block of rows at a time, so its four-times-wider activations stay in cache.
            feed_forward = np.empty_like(hidden)
            for start in range(0, tokens, FEED_FORWARD_ROWS):
                block = hidden[start:start + FEED_FORWARD_ROWS]
                feed_forward[start:start + FEED_FORWARD_ROWS] = linear(_gelu(linear(block, "intermediate.dense")),
                                                                      "output.dense")
            hidden = _layer_norm(feed_forward + hidden,
                                 w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        pooled = np.add.reduceat(hidden, starts[:-1], axis=0) / np.asarray(lengths, dtype=np.float32)[:, None]
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        vectors = np.empty((len(texts), self.w["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            vectors[start:start + BATCH] = self._encode([e.ids for e in encodings[start:start + BATCH]])
        return vectors
