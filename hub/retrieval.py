"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates fused by weighted reciprocal rank.

Both retrievers filter inside the query (approved, in date, user filters), so the fused top-k is
made only of content that may be shown. The catalog is still checked once more when results are
turned into citations (see ``answering``), which closes the short window while a lifecycle change
is being mirrored into the indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from hub.settings import RetrievalSettings
from hub.vector_index import QueryFilters

# The settings tree holds every default: these are the values a bare Settings() retrieves with.
_DEFAULT = RetrievalSettings()

Mode = Literal["hybrid", "dense", "lexical"]
Fusion = Literal["rrf", "convex"]


class DenseSearch(Protocol):
    def search(self, vector: np.ndarray, k: int, filters: QueryFilters) -> list[tuple[str, float]]: ...


class LexicalSearch(Protocol):
    def search(self, query: str, k: int, filters: QueryFilters) -> list[tuple[str, float]]: ...


class Encoder(Protocol):
    def encode_query(self, text: str) -> np.ndarray: ...


@dataclass
class Hit:
    """One retrieved chunk with the evidence of each retriever."""

    chunk_id: str
    score: float
    dense: float | None = None
    lexical: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass
class Retrieval:
    hits: list[Hit]
    query_vector: np.ndarray | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)


def rrf_fuse(lists: list[tuple[list[tuple[str, float]], float]], k: int = 60) -> dict[str, float]:
    """Weighted reciprocal rank fusion: ``sum(w / (k + rank))`` over the lists a chunk appears in."""
    fused: dict[str, float] = {}
    for results, weight in lists:
        for rank, (cid, _score) in enumerate(results, start=1):
            fused[cid] = fused.get(cid, 0.0) + weight / (k + rank)
    return fused


def _minmax(results: list[tuple[str, float]]) -> dict[str, float]:
    if not results:
        return {}
    scores = [s for _, s in results]
    lo, hi = min(scores), max(scores)
    span = hi - lo
    return {cid: (s - lo) / span if span > 0 else 1.0 for cid, s in results}


def convex_fuse(lists: list[tuple[list[tuple[str, float]], float]]) -> dict[str, float]:
    """Weighted sum of min-max normalised scores (each list scaled to [0, 1] over its candidates).

    A chunk missing from a list gets 0 from it: the lowest score that list's candidates reach.
    Unlike RRF it keeps how far apart the scores are, not only their order.
    """
    fused: dict[str, float] = {}
    for results, weight in lists:
        for cid, s in _minmax(results).items():
            fused[cid] = fused.get(cid, 0.0) + weight * s
    return fused


def fuse(
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    *,
    fusion: Fusion = _DEFAULT.fusion,
    rrf_k: int = _DEFAULT.rrf_k,
    dense_weight: float = _DEFAULT.dense_weight,
    lexical_weight: float = _DEFAULT.lexical_weight,
) -> dict[str, float]:
    """Fused score per chunk from the dense and lexical candidate lists (best first)."""
    lists = [(dense, dense_weight), (lexical, lexical_weight)]
    if fusion == "convex":
        return convex_fuse(lists)
    return rrf_fuse(lists, rrf_k)


class HybridRetriever:
    """Dense + lexical retrieval, fused; either side alone for ``mode='dense'|'lexical'``."""

    def __init__(
        self,
        encoder: Encoder,
        dense: DenseSearch,
        lexical: LexicalSearch,
        *,
        mode: Mode = _DEFAULT.mode,
        candidates: int = _DEFAULT.candidates,
        rrf_k: int = _DEFAULT.rrf_k,
        dense_weight: float = _DEFAULT.dense_weight,
        lexical_weight: float = _DEFAULT.lexical_weight,
        fusion: Fusion = _DEFAULT.fusion,
    ) -> None:
        self.encoder, self.dense, self.lexical = encoder, dense, lexical
        self.mode, self.candidates, self.rrf_k = mode, candidates, rrf_k
        self.dense_weight, self.lexical_weight = dense_weight, lexical_weight
        self.fusion: Fusion = fusion

    def retrieve(self, question: str, filters: QueryFilters, k: int = 10, *, mode: Mode | None = None) -> Retrieval:
        import time

        mode = mode or self.mode
        timings: dict[str, float] = {}
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        vector = None
        n = max(k, self.candidates)
        t0 = time.perf_counter()
        if mode in ("hybrid", "dense"):
            vector = self.encoder.encode_query(question)
            t1 = time.perf_counter()
            timings["embed_query"] = (t1 - t0) * 1000
            dense = self.dense.search(vector, n, filters)
            timings["dense"] = (time.perf_counter() - t1) * 1000
        if mode in ("hybrid", "lexical"):
            t2 = time.perf_counter()
            lexical = self.lexical.search(question, n, filters)
            timings["lexical"] = (time.perf_counter() - t2) * 1000
        if mode == "dense":
            fused = {cid: s for cid, s in dense}
        elif mode == "lexical":
            fused = {cid: s for cid, s in lexical}
        else:
            fused = fuse(
                dense,
                lexical,
                fusion=self.fusion,
                rrf_k=self.rrf_k,
                dense_weight=self.dense_weight,
                lexical_weight=self.lexical_weight,
            )
        dense_info = {cid: (rank, s) for rank, (cid, s) in enumerate(dense, start=1)}
        lex_info = {cid: (rank, s) for rank, (cid, s) in enumerate(lexical, start=1)}
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        hits = []
        for cid, score in ranked:
            d = dense_info.get(cid)
            lx = lex_info.get(cid)
            hits.append(
                Hit(
                    cid,
                    score,
                    dense=d[1] if d else None,
                    lexical=lx[1] if lx else None,
                    dense_rank=d[0] if d else None,
                    lexical_rank=lx[0] if lx else None,
                )
            )
        return Retrieval(hits, vector, timings)
