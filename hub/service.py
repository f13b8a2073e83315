"""The hub service: where a question becomes an answer.

:class:`Hub` builds every component once from :class:`~hub.settings.Settings` (the only place
backends are chosen) and exposes the operations the API, CLI and UI call:

    ask(question, filters)  ->  retrieve (dense + lexical, filtered)  ->  compose (extractive)
    ingest_*                ->  parse -> chunk -> embed -> write -> publish
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.answering import Answer, AnswerComposer, ComposerConfig, today_utc
from hub.catalog import Catalog, make_engine
from hub.embedding import Embedder
from hub.errors import InvalidInput
from hub.ingestion import IngestionService
from hub.lexical_index import BM25Index
from hub.retrieval import HybridRetriever
from hub.settings import Settings
from hub.vector_index import ChromaVectorIndex, QueryFilters, make_chroma_client
from ingest.chunking import ChunkingConfig
from ingest.metadata import DocType

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class AskFilters:
    product: str | None = None
    doc_type: str | None = None
    therapeutic_area: str | None = None


class Hub:
    """All service objects, built once at start-up and shared by API, CLI and UI."""

    def __init__(
        self, settings: Settings, *, clock: Callable[[], dt.date] = today_utc, embedder: Embedder | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(make_engine(settings.resolved_database_url()))
        self.vectors = ChromaVectorIndex(
            make_chroma_client(settings.data_dir, settings.chroma_host, settings.chroma_port), settings.collection
        )
        self.lexical = BM25Index(self.catalog)
        self._embedder: Embedder | None = embedder
        self._embedder_lock = threading.Lock()
        self._composer: AnswerComposer | None = None
        self.retriever = HybridRetriever(
            self._lazy_encoder(), self.vectors, self.lexical, mode=settings.retrieval_mode,
            candidates=settings.retrieval_candidates, rrf_k=settings.rrf_k,
            dense_weight=settings.dense_weight, lexical_weight=settings.lexical_weight,
            fusion=settings.retrieval_fusion,
        )
        self.ingestion = IngestionService(
            self.catalog, self.embedder, self.vectors, files_dir=settings.data_dir / "files",
            chunking=ChunkingConfig(settings.chunk_max_words, settings.chunk_overlap_sentences,
                                    settings.chunk_table_max_words),
            max_bytes=int(settings.max_upload_mb * 2**20),
        )

    def embedder(self) -> Embedder:
        """The encoder, loaded on first use (so commands that do not embed start fast)."""
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    self._embedder = Embedder.from_settings(self.settings)
        return self._embedder

    def _lazy_encoder(self) -> _LazyEncoder:
        return _LazyEncoder(self)

    def composer(self) -> AnswerComposer:
        """The answer composer (one per hub: it caches sentence vectors)."""
        if self._composer is None:
            self._composer = self._make_composer()
        return self._composer

    def _make_composer(self) -> AnswerComposer:
        s = self.settings
        return AnswerComposer(
            self.embedder(),
            self.lexical,
            ComposerConfig(max_sentences=s.answer_max_sentences, max_words=s.answer_max_words,
                           threshold=s.refusal_threshold, min_ratio=s.sentence_min_ratio,
                           w_sentence=s.support_w_sentence, w_chunk=s.support_w_chunk,
                           w_coverage=s.support_w_coverage, w_focus=s.support_w_focus),
        )

    def warm_up(self) -> None:
        """Load the model and build the lexical index now rather than on the first question."""
        self.embedder().encode(["warm up"])
        self.lexical.snapshot()

    def ask(self, question: str, filters: AskFilters | None = None) -> Answer:
        """Answer from approved, current content only, or refuse with the reason."""
        question = " ".join((question or "").split())
        if not question:
            raise InvalidInput("the question is empty; type a question", field="question")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidInput(f"the question is longer than {MAX_QUESTION_CHARS} characters; shorten it", field="question")
        filters = filters or AskFilters()
        if filters.doc_type and filters.doc_type not in DocType.__members__:
            allowed = ", ".join(DocType.__members__)
            raise InvalidInput(f"doc_type '{filters.doc_type}' is unknown; use one of {allowed}", field="doc_type")
        query_filters = QueryFilters(self.clock(), filters.product or None, filters.doc_type or None,
                                     filters.therapeutic_area or None)
        t0 = time.perf_counter()
        retrieval = self.retriever.retrieve(question, query_filters, k=self.settings.answer_chunks)
        chunks = self.catalog.chunks(h.chunk_id for h in retrieval.hits)
        vector = retrieval.query_vector if retrieval.query_vector is not None else self.embedder().encode_query(question)
        t1 = time.perf_counter()
        answer = self.composer().compose(question, vector, retrieval.hits, chunks, query_filters)
        answer.timings_ms = {**{k: round(v, 2) for k, v in retrieval.timings_ms.items()},
                             "retrieve": round((t1 - t0) * 1000, 2),
                             "compose": round((time.perf_counter() - t1) * 1000, 2)}
        return answer


class _LazyEncoder:
    """Lets the retriever be built before the model is loaded."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def encode_query(self, text: str):  # type: ignore[no-untyped-def]
        return self.hub.embedder().encode_query(text)
