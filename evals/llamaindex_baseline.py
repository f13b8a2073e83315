"""The default llama-index pipeline, as a baseline for ``hub bench ingest --baseline-llamaindex``.

What a developer gets by following llama-index's starter docs with the same local model:
``SentenceSplitter`` (its default chunk size 1024), ``HuggingFaceEmbedding`` pointed at the packaged
all-MiniLM-L6-v2 directory (its default batch size), a Chroma collection through
``ChromaVectorStore`` and ``VectorStoreIndex.from_documents``. Nothing is tuned.

Run in its own process (``python -m evals.llamaindex_baseline --beir DIR``) so its peak memory and
its threads are its own; prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def load_beir_docs(beir: Path, limit: int | None) -> list[dict[str, str]]:
    from evals.beir import read_corpus

    return [{"id": i, "title": title, "text": text} for i, title, text in read_corpus(beir / "corpus.jsonl", limit)]


def run(beir: Path, limit: int | None = None, *, queries: bool = True) -> dict[str, Any]:
    """Ingest the BEIR corpus with the default llama-index pipeline; optionally score dense nDCG@10."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from hub.embedding import default_model_path

    sampler = _PeakRss()
    docs = load_beir_docs(beir, limit)
    report: dict[str, Any] = {"pipeline": "llama-index default", "documents": len(docs)}
    with tempfile.TemporaryDirectory(prefix="hub-bench-llamaindex-") as tmp:
        t0 = time.perf_counter()
        embed_model = HuggingFaceEmbedding(model_name=str(default_model_path()), device="cpu")
        client = chromadb.PersistentClient(path=tmp, settings=ChromaSettings(anonymized_telemetry=False))
        store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("bench"))
        report["load_seconds"] = round(time.perf_counter() - t0, 2)
        documents = [Document(text=f"{d['title']} {d['text']}".strip(), id_=d["id"]) for d in docs]
        t0 = time.perf_counter()
        index = VectorStoreIndex.from_documents(
            documents,
            storage_context=StorageContext.from_defaults(vector_store=store),
            embed_model=embed_model,
            transformations=[SentenceSplitter(chunk_size=1024)],
        )
        seconds = time.perf_counter() - t0
        report.update(
            {
                "seconds": round(seconds, 2),
                "docs_per_s": round(len(docs) / seconds, 2),
                "chunks": store._collection.count(),
                "embed_batch_size": embed_model.embed_batch_size,
            }
        )
        if queries and (beir / "qrels" / "test.tsv").is_file():
            report["ndcg@10"] = _ndcg(index, beir, {d["id"] for d in docs})
    report["peak_rss_mb"] = sampler.stop()
    return report


class _PeakRss:
    """Samples this process's resident memory. (``ru_maxrss`` is no good in a child process: Linux
    carries the parent's high-water mark across fork and exec.)"""

    def __init__(self, interval: float = 0.2) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        try:
            import psutil
        except ImportError:
            return
        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, proc.memory_info().rss)
            self._stop.wait(interval)

    def stop(self) -> float | None:
        self._stop.set()
        self._thread.join()
        return round(self.peak / 2**20, 1) if self.peak else None


def _ndcg(index: Any, beir: Path, doc_ids: set[str]) -> float | None:
    from evals.beir import read_queries
    from evals.bench import load_qrels, ndcg_at_10

    qrels = load_qrels(beir / "qrels" / "test.tsv", doc_ids)
    queries = {qid: text for qid, text in read_queries(beir / "queries.jsonl").items() if qid in qrels}
    if not queries:
        return None
    retriever = index.as_retriever(similarity_top_k=10)
    run: dict[str, dict[str, float]] = {}
    for qid, text in queries.items():
        scores: dict[str, float] = {}
        for hit in retriever.retrieve(text):
            doc = hit.node.ref_doc_id or hit.node.node_id
            scores[doc] = max(scores.get(doc, float("-inf")), float(hit.score or 0.0))
        run[qid] = scores
    return ndcg_at_10(qrels, run)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, required=True, help="BEIR folder (corpus.jsonl, queries.jsonl, qrels/)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--no-queries", action="store_true", help="Skip the nDCG@10 scoring.")
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(run(args.beir, args.limit, queries=not args.no_queries)) + "\n")


if __name__ == "__main__":
    main()
