"""Dense vectors in Chroma, through llama-index's ``ChromaVectorStore``.

This is the only module that talks to Chroma. Embeddings are always computed by the hub and
passed in, so Chroma never loads (or downloads) an embedding model of its own. Each chunk's
metadata mirrors the catalog fields retrieval filters on, so filtering happens inside the query:

* ``live``: 1 when the version is approved, else 0 (flipped when the lifecycle state changes);
* ``eff`` / ``exp``: effective and expiry dates as ``YYYYMMDD`` integers, compared with today;
* ``product``, ``doc_type``, ``therapeutic_area``: optional user filters.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

NO_START = 0
NO_END = 99991231


def date_int(day: dt.date | None, default: int) -> int:
    return int(day.strftime("%Y%m%d")) if day else default


@dataclass(frozen=True)
class VectorRecord:
    chunk_id: str
    version_id: str
    text: str
    vector: np.ndarray
    live: bool
    effective: dt.date | None
    expiry: dt.date | None
    product: str
    doc_type: str
    therapeutic_area: str


@dataclass(frozen=True)
class QueryFilters:
    """User-chosen filters (all optional) plus the day against which dates are checked."""

    today: dt.date
    product: str | None = None
    doc_type: str | None = None
    therapeutic_area: str | None = None

    def matches(self, product: str, doc_type: str, therapeutic_area: str) -> bool:
        return (
            (not self.product or self.product.lower() == product.lower())
            and (not self.doc_type or self.doc_type == doc_type)
            and (not self.therapeutic_area or self.therapeutic_area.lower() == therapeutic_area.lower())
        )


@dataclass(frozen=True)
class FilterColumns:
    """Per-chunk filter fields as arrays, so a query's filters become one boolean mask.

    Shared by the in-memory indexes (lexical and exact dense): both apply the same rules as the
    Chroma ``where`` filter below, inside scoring, never after the top-k is cut.
    """

    eff: np.ndarray
    exp: np.ndarray
    product: np.ndarray
    doc_type: np.ndarray
    area: np.ndarray

    @classmethod
    def of(cls, rows: Sequence[Any]) -> FilterColumns:
        """From rows with ``effective``, ``expiry``, ``product``, ``doc_type``, ``therapeutic_area``."""
        return cls(
            eff=np.array([date_int(r.effective, NO_START) for r in rows], dtype=np.int64),
            exp=np.array([date_int(r.expiry, NO_END) for r in rows], dtype=np.int64),
            product=np.array([r.product.lower() for r in rows], dtype=object),
            doc_type=np.array([r.doc_type for r in rows], dtype=object),
            area=np.array([r.therapeutic_area.lower() for r in rows], dtype=object),
        )

    def mask(self, filters: QueryFilters) -> np.ndarray:
        """True where a chunk is in date on ``filters.today`` and matches the user filters."""
        today = date_int(filters.today, NO_START)
        mask = (self.eff <= today) & (self.exp >= today)
        if filters.product:
            mask &= self.product == filters.product.lower()
        if filters.doc_type:
            mask &= self.doc_type == filters.doc_type
        if filters.therapeutic_area:
            mask &= self.area == filters.therapeutic_area.lower()
        return mask


def make_chroma_client(data_dir: Path, host: str | None = None, port: int = 8001) -> Any:
    """Embedded ``PersistentClient`` in ``data_dir/chroma``, or ``HttpClient`` when a host is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
    path = data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class ChromaVectorIndex:
    """Adds, flags and searches chunk vectors in one Chroma collection (cosine space)."""

    def __init__(self, client: Any, collection: str) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.collection = client.get_or_create_collection(
            collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    def add(self, records: Sequence[VectorRecord]) -> None:
        from llama_index.core.schema import BaseNode, TextNode

        nodes: list[BaseNode] = [
            TextNode(
                id_=r.chunk_id,
                text=r.text,
                embedding=r.vector.tolist(),
                metadata={
                    "version_id": r.version_id,
                    "live": int(r.live),
                    "eff": date_int(r.effective, NO_START),
                    "exp": date_int(r.expiry, NO_END),
                    "product": r.product.lower(),
                    "doc_type": r.doc_type,
                    "therapeutic_area": r.therapeutic_area.lower(),
                },
            )
            for r in records
        ]
        # Chroma caps one add at ~5k records; write in slices so large documents still go in.
        for start in range(0, len(nodes), 4000):
            self.store.add(nodes[start : start + 4000])

    def set_live(self, chunk_ids: Sequence[str], live: bool) -> None:
        for start in range(0, len(chunk_ids), 4000):
            part = list(chunk_ids[start : start + 4000])
            self.collection.update(ids=part, metadatas=[{"live": int(live)}] * len(part))

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids:
            self.store.delete_nodes(node_ids=list(chunk_ids))

    def live_flags(self, batch: int = 5000) -> dict[str, bool]:
        """Every stored chunk id with its ``live`` flag (read in pages; used by the start-up repair)."""
        out: dict[str, bool] = {}
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=batch, offset=offset)
            ids = got["ids"]
            if not ids:
                return out
            for cid, meta in zip(ids, got["metadatas"] or [{}] * len(ids), strict=True):
                out[cid] = bool((meta or {}).get("live"))
            offset += len(ids)

    def count(self) -> int:
        return int(self.collection.count())

    def vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by chunk id (ids Chroma does not hold are left out)."""
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(chunk_ids), 4000):
            got = self.collection.get(ids=list(chunk_ids[start : start + 4000]), include=["embeddings"])
            for cid, vec in zip(got["ids"], got["embeddings"], strict=True):
                out[cid] = np.asarray(vec, dtype=np.float32)
        return out

    def search(self, vector: np.ndarray, k: int, filters: QueryFilters) -> list[tuple[str, float]]:
        """Top-k ``(chunk_id, cosine)`` among live, in-date chunks matching the filters."""
        from llama_index.core.vector_stores import (
            FilterOperator,
            MetadataFilter,
            MetadataFilters,
            VectorStoreQuery,
        )

        today = date_int(filters.today, NO_START)
        conditions = [
            MetadataFilter(key="live", value=1, operator=FilterOperator.EQ),
            MetadataFilter(key="eff", value=today, operator=FilterOperator.LTE),
            MetadataFilter(key="exp", value=today, operator=FilterOperator.GTE),
        ]
        for key in ("product", "doc_type", "therapeutic_area"):
            value = getattr(filters, key)
            if value:
                conditions.append(MetadataFilter(key=key, value=value.lower() if key != "doc_type" else value))
        query = VectorStoreQuery(
            query_embedding=vector.tolist(), similarity_top_k=k, filters=MetadataFilters(filters=conditions)
        )
        result = self.store.query(query)
        # ChromaVectorStore reports exp(-distance); with cosine space, cosine = 1 - distance.
        return [
            (cid, 1.0 + math.log(max(sim, 1e-12)))
            for cid, sim in zip(result.ids or [], result.similarities or [], strict=False)
        ]
