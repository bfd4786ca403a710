"""Passage embeddings (filled in by the semantic retrieval work); lexical retrieval needs none."""

from __future__ import annotations


def retrieval_description(settings) -> str:
    return "lexical (BM25 with staff-vocabulary expansion)"


def refresh_embeddings(engine, settings, console=None) -> str | None:
    return None
