"""Exact dense search in memory over the vectors of approved chunks, filtered by a mask.

Why not Chroma's own query: a Chroma query with a metadata ``where`` filter (live, dates, user
filters) pre-filters through its metadata store and costs tens to hundreds of milliseconds once a
collection holds some 10k chunks (62 ms for 13k chunks here, against 5 ms unfiltered), while an
exact dot product over the same 13k x 384 matrix with a boolean mask takes under a millisecond and
can never miss a neighbour the way an approximate (HNSW) index can.

Chroma stays the vector store of record (writes, scale-out server mode); this index mirrors it
like the lexical index does: the catalog says which chunks are approved (SQL is the source of
truth), their vectors are fetched from Chroma once and kept, and the snapshot is rebuilt whenever
the catalog's generation counter moves. Vectors are cached by chunk id, so a rebuild fetches only
chunks it has not seen. Memory: 1.5 KB per chunk (384 float32), about 20 MB for SciFact; set
``HUB_RETRIEVAL_DENSE_SEARCH=chroma`` for collections too large to hold in memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from hub.catalog import Catalog, GenerationCache
from hub.vector_index import ChromaVectorIndex, FilterColumns, QueryFilters

log = logging.getLogger(__name__)


@dataclass
class _Snapshot:
    generation: int
    ids: list[str]
    matrix: np.ndarray  # (n, dims), rows L2-normalised
    columns: FilterColumns


class ExactDenseIndex:
    """Cosine top-k among approved, in-date chunks matching the filters (exact, in memory)."""

    def __init__(self, catalog: Catalog, store: ChromaVectorIndex) -> None:
        self.catalog = catalog
        self.store = store
        self._cache: dict[str, np.ndarray] = {}  # touched only inside _build, under the cache's lock
        self._snapshots = GenerationCache(catalog, self._build)

    def snapshot(self) -> _Snapshot:
        return self._snapshots.get()

    def _build(self, generation: int) -> _Snapshot:
        rows = self.catalog.approved_chunks()
        wanted = [r.chunk_id for r in rows]
        missing = [cid for cid in wanted if cid not in self._cache]
        if missing:
            self._cache.update(self.store.vectors(missing))
        # Drop vectors of chunks no longer approved, so the cache does not grow without bound.
        keep = set(wanted)
        for cid in [c for c in self._cache if c not in keep]:
            del self._cache[cid]
        # A chunk the catalog approves but Chroma does not hold (a half-finished write) is skipped.
        present = [r for r in rows if r.chunk_id in self._cache]
        if len(present) < len(rows):
            log.warning("dense index: %d approved chunks have no vector in Chroma", len(rows) - len(present))
        dims = next(iter(self._cache.values())).shape[0] if self._cache else 0
        matrix = (
            np.stack([self._cache[r.chunk_id] for r in present]) if present else np.zeros((0, dims), dtype=np.float32)
        )
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms > 0, norms, 1.0)
        log.info("dense index rebuilt: %d chunks (generation %d)", len(present), generation)
        return _Snapshot(
            generation, [r.chunk_id for r in present], matrix.astype(np.float32), FilterColumns.of(present)
        )

    def search(self, vector: np.ndarray, k: int, filters: QueryFilters) -> list[tuple[str, float]]:
        """Top-k ``(chunk_id, cosine)`` among in-date approved chunks matching the filters."""
        snap = self.snapshot()
        if not snap.ids:
            return []
        mask = snap.columns.mask(filters)
        allowed = np.flatnonzero(mask)
        if allowed.size == 0:
            return []
        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        scores = snap.matrix[allowed] @ q if allowed.size < len(snap.ids) else snap.matrix @ q
        k = min(k, scores.size)
        top = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
        top = top[np.argsort(-scores[top], kind="stable")]
        index = allowed if allowed.size < len(snap.ids) else np.arange(len(snap.ids))
        return [(snap.ids[index[i]], float(scores[i])) for i in top]
