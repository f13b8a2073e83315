"""Retrieval quality on a BEIR-format data set (e.g. SciFact), through the product's own code.

The corpus is ingested with :meth:`~hub.ingestion.IngestionService.ingest_records` into a hub data
directory (throw-away unless one is given), then every query of a split is run through
:meth:`~hub.retrieval.HybridRetriever.retrieve`. Retrieved chunks are mapped back to BEIR document
ids (chunk id ``{version_id}-{seq:05d}``, version id -> document key = BEIR id), each document
keeps its best rank, and ``ranx`` computes nDCG@10, Recall@10, Recall@100 and MRR@10.

BEIR layout::

    DIR/corpus.jsonl        {"_id", "title", "text"} per line
    DIR/queries.jsonl       {"_id", "text"} per line
    DIR/qrels/SPLIT.tsv     query-id <TAB> corpus-id <TAB> score, after a header line (LF or CRLF)

The data sets are licensed for evaluation only: nothing here copies them anywhere but the
throw-away data directory.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.reporting import percentile

if TYPE_CHECKING:
    from hub.retrieval import Fusion

METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")
DEPTH = 100  # documents kept per query: enough for Recall@100 and the TREC run file

# Published and previously measured SciFact nDCG@10, drawn as reference lines in the report.
SCIFACT_REFERENCES: list[tuple[str, float]] = [
    ("BM25, BEIR paper", 0.665),
    ("BM25, Anserini flat", 0.679),
    ("all-MiniLM-L6-v2", 0.645),
    ("bge-small-en-v1.5", 0.713),
    ("bge-base-en-v1.5", 0.740),
    ("BM25 + MiniLM cross-encoder", 0.688),
    ("measured: bm25s + Snowball", 0.687),
    ("measured: exact dense MiniLM", 0.645),
    ("measured: RRF(k=60) of the two", 0.716),
]


class BeirFormatError(ValueError):
    """A BEIR file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class BeirDataset:
    """One split of a BEIR data set: the corpus, the split's queries and their judgements."""

    name: str
    split: str
    corpus: dict[str, tuple[str, str]]  # doc id -> (title, text)
    queries: dict[str, str]  # query id -> text, only queries judged in this split
    qrels: dict[str, dict[str, int]]  # query id -> doc id -> relevance


# --- loading -------------------------------------------------------------------------------------


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise BeirFormatError(f"{path} not found; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BeirFormatError(f"{path}:{n}: not a JSON line ({exc.msg})") from exc
            if not isinstance(row, dict) or "_id" not in row:
                raise BeirFormatError(f"{path}:{n}: each line must be an object with an '_id'")
            yield n, row


def read_corpus(path: Path, limit: int | None = None) -> Iterator[tuple[str, str, str]]:
    """``(id, title, text)`` per document of a BEIR ``corpus.jsonl``, in file order (at most ``limit``)."""
    for count, (_, row) in enumerate(_jsonl(path), start=1):
        yield str(row["_id"]), str(row.get("title") or ""), str(row.get("text") or "")
        if limit and count >= limit:
            return


def read_queries(path: Path) -> dict[str, str]:
    """Query id -> text of a BEIR ``queries.jsonl``."""
    return {str(row["_id"]): str(row.get("text") or "") for _, row in _jsonl(path)}


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``query-id corpus-id score`` rows (tab-separated) after an optional header; LF or CRLF."""
    if not path.is_file():
        raise BeirFormatError(f"{path} not found; qrels live in DIR/qrels/<split>.tsv")
    qrels: dict[str, dict[str, int]] = {}
    # splitlines() accepts \n, \r\n and \r alike, so files written on Windows read the same.
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 3:
            raise BeirFormatError(f"{path}:{n}: expected 'query-id<TAB>corpus-id<TAB>score'")
        qid, did, score = fields[0].strip(), fields[1].strip(), fields[-1].strip()
        try:
            rel = int(float(score))
        except ValueError as exc:
            if n == 1:  # the header line ("query-id corpus-id score")
                continue
            raise BeirFormatError(f"{path}:{n}: score '{score}' is not a number") from exc
        qrels.setdefault(qid, {})[did] = rel
    return qrels


def load_beir(directory: Path, split: str = "test", *, limit_docs: int | None = None) -> BeirDataset:
    """Read a BEIR folder; only the split's judged queries are kept.

    ``limit_docs`` keeps a smaller corpus for quick runs: every document judged in the split
    first, then others in file order up to the limit. Queries left with no relevant document in
    the smaller corpus are dropped, so the metrics stay comparable between limits.
    """
    qrels = read_qrels(directory / "qrels" / f"{split}.tsv")
    corpus = {doc_id: (title, text) for doc_id, title, text in read_corpus(directory / "corpus.jsonl")}
    all_queries = read_queries(directory / "queries.jsonl")
    missing = sorted(q for q in qrels if q not in all_queries)
    if missing:
        raise BeirFormatError(f"{directory}: {len(missing)} judged queries are not in queries.jsonl, e.g. {missing[0]}")
    if limit_docs is not None and limit_docs < len(corpus):
        judged = [d for rels in qrels.values() for d, r in rels.items() if r > 0 and d in corpus]
        keep = list(dict.fromkeys(judged))[:limit_docs]
        keep += [d for d in corpus if d not in set(keep)][: max(0, limit_docs - len(keep))]
        corpus = {d: corpus[d] for d in keep}
    qrels = {q: {d: r for d, r in rels.items() if d in corpus} for q, rels in qrels.items()}
    qrels = {q: rels for q, rels in qrels.items() if any(r > 0 for r in rels.values())}
    queries = {q: all_queries[q] for q in qrels}
    return BeirDataset(directory.name, split, corpus, queries, qrels)


# --- indexing and searching ----------------------------------------------------------------------


def records(dataset: BeirDataset) -> Iterator[Any]:
    """Each BEIR document as an approved ``TextRecord`` keyed by its BEIR id."""
    from hub.ingestion import TextRecord
    from ingest.metadata import DocType, DocumentMetadata

    for doc_id, (title, text) in dataset.corpus.items():
        meta = DocumentMetadata(title=(title or doc_id)[:300], doc_type=DocType.other, version="1.0")
        yield TextRecord(
            key=doc_id, title=(title or doc_id)[:300], text=text or title, meta=meta, file_name=f"{doc_id}.txt"
        )


MANIFEST = "beir-index.json"


def index_manifest(hub: Any, dataset: BeirDataset) -> dict[str, Any]:
    """What an index depends on: reusing a data dir built otherwise would measure the wrong thing."""
    s = hub.settings
    return {
        "dataset": dataset.name,
        "chunk_max_words": s.chunk.max_words,
        "chunk_overlap_sentences": s.chunk.overlap_sentences,
        "chunk_table_max_words": s.chunk.table_max_words,
        "embedding_model": str(s.embedding.model or "default"),
        "embedding_max_tokens": s.embedding.max_tokens,
    }


def check_manifest(hub: Any, dataset: BeirDataset) -> None:
    """Refuse a data dir indexed with other chunking or model settings; record them in a new one."""
    path = hub.settings.data_dir / MANIFEST
    want = index_manifest(hub, dataset)
    if path.is_file():
        have = json.loads(path.read_text())
        if have != want:
            diff = ", ".join(f"{k}: {have.get(k)} -> {v}" for k, v in want.items() if have.get(k) != v)
            raise BeirFormatError(
                f"{hub.settings.data_dir} was indexed with other settings ({diff}); use a new --index-dir"
            )
    elif hub.vectors.count():
        raise BeirFormatError(f"{hub.settings.data_dir} holds an index of unknown settings; use a new --index-dir")
    else:
        path.write_text(json.dumps(want, indent=2) + "\n")


def index_dataset(hub: Any, dataset: BeirDataset, on_docs: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Ingest the corpus through the product's bulk path; documents already there are skipped."""
    check_manifest(hub, dataset)
    t = time.perf_counter()
    stats = hub.ingestion.ingest_records(records(dataset), batch_docs=256, on_batch=on_docs)
    t_lex = time.perf_counter()
    hub.lexical.snapshot()  # build the BM25 index now, not inside the first timed query
    stats["seconds"]["lexical_build"] = time.perf_counter() - t_lex
    stats["seconds"] = {k: round(v, 2) for k, v in stats["seconds"].items()}
    stats["total_seconds"] = round(time.perf_counter() - t, 2)
    stats["index_chunks"] = hub.vectors.count()
    return stats


def chunk_version(chunk_id: str) -> str:
    """``{version_id}-{seq:05d}`` -> version id."""
    return chunk_id.rsplit("-", 1)[0]


def docs_from_chunks(
    hits: Iterable[tuple[str, float]], keys: dict[str, str], depth: int = DEPTH
) -> list[tuple[str, float]]:
    """Ranked chunks -> ranked documents, each document at the rank of its best chunk."""
    out: dict[str, float] = {}
    for cid, score in hits:
        doc = keys.get(chunk_version(cid))
        if doc is not None and doc not in out:
            out[doc] = score
            if len(out) >= depth:
                break
    return list(out.items())


@dataclass
class ModeRun:
    """One configuration's ranked documents per query, with timings."""

    name: str
    run: dict[str, list[tuple[str, float]]]
    latencies_ms: list[float]
    stages_ms: dict[str, list[float]] = field(default_factory=dict)

    def latency(self) -> dict[str, Any]:
        """p50 / mean / p95 of the whole call, and the mean of each stage the retriever timed."""

        def mean(values: list[float]) -> float:
            return round(sum(values) / max(1, len(values)), 2)

        return {
            "p50": round(percentile(self.latencies_ms, 50), 2),
            "mean": mean(self.latencies_ms),
            "p95": round(percentile(self.latencies_ms, 95), 2),
            "stages_mean": {k: mean(v) for k, v in self.stages_ms.items()},
        }


def chunk_depth(hub: Any, docs: int = DEPTH) -> int:
    """Chunks to ask for so that ``docs`` distinct documents are almost always filled."""
    n_docs = max(1, len(hub.catalog.document_keys_by_version()))
    per_doc = hub.vectors.count() / n_docs
    return max(docs, math.ceil(docs * max(1.0, per_doc) * 1.5))


def search_all(
    hub: Any,
    dataset: BeirDataset,
    mode: str,
    *,
    today: dt.date,
    on_query: Callable[[], None] | None = None,
    depth: int = DEPTH,
) -> ModeRun:
    """Run every query of the split through the retriever in ``mode``; documents keep their best rank.

    The timed call asks for ``retriever.candidates`` chunks, so fusion runs at exactly the depth an
    answer uses and the head of the ranking (all the @10 metrics) is what the product would rank.
    A chunk-level top-k holds fewer documents than chunks, so when the head has fewer than
    ``depth`` documents an untimed deeper call fills the tail with the documents not yet ranked.
    """
    from hub.vector_index import QueryFilters

    keys = hub.catalog.document_keys_by_version()
    head_k = max(1, int(getattr(hub.retriever, "candidates", depth)))
    deep_k = chunk_depth(hub, depth)
    filters = QueryFilters(today)
    run: dict[str, list[tuple[str, float]]] = {}
    latencies: list[float] = []
    stages: dict[str, list[float]] = {}
    for qid, text in dataset.queries.items():
        t = time.perf_counter()
        head = hub.retriever.retrieve(text, filters, k=head_k, mode=mode)
        latencies.append((time.perf_counter() - t) * 1000)
        for stage, ms in head.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
        docs = docs_from_chunks(((h.chunk_id, h.score) for h in head.hits), keys, depth)
        if len(docs) < depth and deep_k > head_k:
            deep = _retrieve_again(hub.retriever, text, head.query_vector, filters, deep_k, mode)
            seen = {d for d, _ in docs}
            tail = docs_from_chunks(((h.chunk_id, h.score) for h in deep.hits), keys, depth + len(seen))
            docs += [(d, sc) for d, sc in tail if d not in seen][: depth - len(docs)]
        run[qid] = docs
        if on_query:
            on_query()
    return ModeRun(mode, run, latencies, stages)


class _KnownVector:
    """Hands the retriever a query vector it already computed (the untimed deeper call)."""

    def __init__(self, vector: Any) -> None:
        self.vector = vector

    def encode_query(self, text: str) -> Any:
        return self.vector


def _retrieve_again(retriever: Any, text: str, vector: Any, filters: Any, k: int, mode: str) -> Any:
    if vector is None or not hasattr(retriever, "encoder"):
        return retriever.retrieve(text, filters, k=k, mode=mode)
    encoder, retriever.encoder = retriever.encoder, _KnownVector(vector)
    try:
        return retriever.retrieve(text, filters, k=k, mode=mode)
    finally:
        retriever.encoder = encoder


# --- scoring -------------------------------------------------------------------------------------


def score_run(qrels: dict[str, dict[str, int]], run: dict[str, list[tuple[str, float]]]) -> dict[str, float]:
    """nDCG@10, Recall@10, Recall@100 and MRR@10 with ``ranx``, over every judged query.

    ranx sorts by score, so each document is scored by its rank (``1/rank``): the order measured
    is exactly the order retrieved, even where the retriever's own scores tie. A query that
    retrieved nothing counts as zero.
    """
    from ranx import Qrels, Run, evaluate

    rank_scored = {q: {d: 1.0 / r for r, (d, _s) in enumerate(run.get(q, []), start=1)} for q in qrels}
    # ranx rejects empty queries; a sentinel non-relevant document keeps them (scoring zero).
    rank_scored = {q: docs or {"__none__": 0.0} for q, docs in rank_scored.items()}
    result = evaluate(Qrels(qrels), Run(rank_scored), list(METRICS), make_comparable=True)
    return {m: round(float(result[m]), 4) for m in METRICS}


def write_trec_run(path: Path, run: dict[str, list[tuple[str, float]]], tag: str) -> None:
    """TREC run file: ``qid Q0 docid rank score tag``, top documents per query in rank order.

    The score column is ``1/rank``: trec_eval orders by score, and the fused scores of the head and
    the tail (two fusion depths, see :func:`search_all`) are not on one scale.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for qid, docs in run.items():
            for rank, (doc, _score) in enumerate(docs, start=1):
                fh.write(f"{qid} Q0 {doc} {rank} {1 / rank:.6f} {tag}\n")


# --- tuning on a training split ------------------------------------------------------------------
#
# Tuning never re-encodes: dense candidates are computed once per split and cached as JSON in the
# index directory; each BM25 variant rebuilds only the in-memory lexical index (seconds). Fusion is
# replayed offline with :func:`hub.retrieval.fuse`, the same function the product calls.

Candidates = dict[str, list[tuple[str, float]]]

BM25_GRID = {"k1": (0.9, 1.2, 1.5, 2.0), "b": (0.5, 0.75, 0.9, 1.0), "title_weight": (1, 2, 3)}
RRF_K_GRID = (5, 10, 20, 30, 60, 100)
LEXICAL_WEIGHT_GRID = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)  # with dense_weight 1.0
CONVEX_LEXICAL_GRID = (0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)  # dense_weight = 1 - this
DEPTH_GRID = (50, 100, 300)


def _cache_load(path: Path) -> Candidates | None:
    if not path.is_file():
        return None
    return {q: [(c, float(s)) for c, s in hits] for q, hits in json.loads(path.read_text()).items()}


def _cache_save(path: Path, candidates: Candidates) -> None:
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(candidates))
    tmp.replace(path)


def dense_candidates(
    hub: Any, dataset: BeirDataset, depth: int, *, today: dt.date, cache_dir: Path | None = None
) -> Candidates:
    """Top ``depth`` chunks per query from the vector index (cached per split and depth)."""
    from hub.vector_index import QueryFilters

    cache = cache_dir / f"candidates-dense-{dataset.split}-{depth}.json" if cache_dir else None
    if cache and (hit := _cache_load(cache)) is not None and set(hit) >= set(dataset.queries):
        return hit
    qids = list(dataset.queries)
    vectors = hub.embedder().encode([dataset.queries[q] for q in qids])
    filters = QueryFilters(today)
    out = {q: hub.vectors.search(v, depth, filters) for q, v in zip(qids, vectors, strict=True)}
    if cache:
        _cache_save(cache, out)
    return out


def lexical_candidates(
    hub: Any, dataset: BeirDataset, depth: int, *, today: dt.date, k1: float, b: float, title_weight: int
) -> tuple[Candidates, float]:
    """Top ``depth`` chunks per query from a BM25 index built with these parameters; ms/query."""
    from hub.lexical_index import BM25Index
    from hub.vector_index import QueryFilters

    index = BM25Index(hub.catalog, k1=k1, b=b, title_weight=title_weight)
    index.snapshot()
    filters = QueryFilters(today)
    t = time.perf_counter()
    out = {q: index.search(text, depth, filters) for q, text in dataset.queries.items()}
    return out, (time.perf_counter() - t) * 1000 / max(1, len(out))


def replay(
    dense: Candidates,
    lexical: Candidates,
    keys: dict[str, str],
    *,
    mode: str = "hybrid",
    depth: int = 100,
    fusion: Fusion = "rrf",
    rrf_k: int = 60,
    dense_weight: float = 1.0,
    lexical_weight: float = 1.0,
    out_chunks: int | None = None,
) -> dict[str, list[tuple[str, float]]]:
    """What :class:`~hub.retrieval.HybridRetriever` returns from these candidate lists, as documents."""
    from hub.retrieval import fuse

    run = {}
    for qid in dense.keys() | lexical.keys():
        d, lx = dense.get(qid, [])[:depth], lexical.get(qid, [])[:depth]
        if mode == "dense":
            fused = dict(d)
        elif mode == "lexical":
            fused = dict(lx)
        else:
            fused = fuse(
                d,
                lx,
                fusion=fusion,
                rrf_k=rrf_k,
                dense_weight=dense_weight,
                lexical_weight=lexical_weight,
            )
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[: out_chunks or len(fused)]
        run[qid] = docs_from_chunks(ranked, keys)
    return run


def tune(
    hub: Any,
    dataset: BeirDataset,
    *,
    today: dt.date,
    cache_dir: Path | None = None,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Grid search on ``dataset`` (a training split): BM25 parameters, then fusion. Returns every row."""
    import itertools

    step = on_step or (lambda _msg: None)
    keys = hub.catalog.document_keys_by_version()
    max_depth = max(DEPTH_GRID)
    step("dense candidates")
    dense = dense_candidates(hub, dataset, max_depth, today=today, cache_dir=cache_dir)
    rows: list[dict[str, Any]] = [
        {
            "stage": "dense",
            "mode": "dense",
            **score_run(dataset.qrels, replay(dense, {}, keys, mode="dense", depth=max_depth)),
        }
    ]
    lexical: dict[tuple[float, float, int], Candidates] = {}
    for k1, b, title_weight in itertools.product(BM25_GRID["k1"], BM25_GRID["b"], BM25_GRID["title_weight"]):
        tw = int(title_weight)
        step(f"bm25 k1={k1} b={b} title_weight={tw}")
        lex, ms = lexical_candidates(hub, dataset, max_depth, today=today, k1=k1, b=b, title_weight=tw)
        lexical[(k1, b, tw)] = lex
        bm25 = {"k1": k1, "b": b, "title_weight": tw}
        rows.append(
            {
                "stage": "bm25",
                "mode": "lexical",
                **bm25,
                "lexical_ms": round(ms, 2),
                **score_run(dataset.qrels, replay({}, lex, keys, mode="lexical", depth=max_depth)),
            }
        )
        rows.append(
            {
                "stage": "bm25",
                "mode": "hybrid",
                **bm25,
                "fusion": "rrf",
                "rrf_k": 60,
                "depth": 100,
                "dense_weight": 1.0,
                "lexical_weight": 1.0,
                **score_run(dataset.qrels, replay(dense, lex, keys, depth=100)),
            }
        )
    # Fusion grid on the three BM25 settings that fused best with the default RRF.
    best = sorted((r for r in rows if r["stage"] == "bm25" and r["mode"] == "hybrid"), key=lambda r: -r["ndcg@10"])[:3]
    for r in best:
        bm25 = {"k1": r["k1"], "b": r["b"], "title_weight": r["title_weight"]}
        lex = lexical[(r["k1"], r["b"], r["title_weight"])]
        step(f"fusion grid for {bm25}")
        for depth in DEPTH_GRID:
            for rrf_k, lw in itertools.product(RRF_K_GRID, LEXICAL_WEIGHT_GRID):
                fused = replay(dense, lex, keys, depth=depth, rrf_k=rrf_k, lexical_weight=lw)
                rows.append(
                    {
                        "stage": "fusion",
                        "mode": "hybrid",
                        **bm25,
                        "fusion": "rrf",
                        "rrf_k": rrf_k,
                        "depth": depth,
                        "dense_weight": 1.0,
                        "lexical_weight": lw,
                        **score_run(dataset.qrels, fused),
                    }
                )
            for lw in CONVEX_LEXICAL_GRID:
                fused = replay(
                    dense, lex, keys, depth=depth, fusion="convex", dense_weight=round(1 - lw, 2), lexical_weight=lw
                )
                rows.append(
                    {
                        "stage": "fusion",
                        "mode": "hybrid",
                        **bm25,
                        "fusion": "convex",
                        "depth": depth,
                        "dense_weight": round(1 - lw, 2),
                        "lexical_weight": lw,
                        **score_run(dataset.qrels, fused),
                    }
                )
    return {"dataset": dataset.name, "split": dataset.split, "queries": len(dataset.queries), "rows": rows}
