"""Speed benchmarks: ingest throughput (``hub bench ingest``) and ask latency (``hub bench ask``).

Ingest
    For a folder of files (``ingest_paths``) and for a BEIR corpus (``ingest_records``), each in a
    throw-away data directory: documents, pages and chunks per second, seconds by stage (parse,
    chunk, embed, write), and - measured in the same run, with the same encoder, texts and batch
    size - the raw encoder throughput, so ``pipeline / raw`` says how much the pipeline costs on top
    of the model. Optionally: other encoder variants on the same texts (docs/s, cosine to torch,
    dense nDCG@10) and the default llama-index pipeline side by side (in its own process).

Ask
    Latency percentiles of ``POST /api/ask`` against a running server (or one started here on a
    free loopback port) at several client concurrencies, after warm-up requests. Traffic goes to
    loopback only.

Reports: JSON + Markdown + PNG plots through :mod:`evals.reporting`. No number here is asserted by a
test; targets are read from the reports.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from evals.beir import read_corpus, read_qrels, read_queries
from evals.reporting import machine, markdown_table, percentile
from hub.server_process import free_port, served

log = logging.getLogger(__name__)

STAGES = ("parse", "chunk", "embed", "write")
LLAMAINDEX_MEASURED_ELSEWHERE_S = 210.0  # DESIGN.md: default llama-index pipeline on full SciFact


# --- resources ------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    return round(psutil.Process().memory_info().rss / 2**20, 1)


# --- BEIR helpers ---------------------------------------------------------------------------------


def load_beir_corpus(beir: Path, limit: int | None = None) -> list[tuple[str, str, str]]:
    """``(id, title, text)`` per document of ``beir/corpus.jsonl``, in file order."""
    return list(read_corpus(beir / "corpus.jsonl", limit))


def load_qrels(path: Path, doc_ids: set[str] | None = None) -> dict[str, dict[str, int]]:
    """Positive relevance judgements; with ``doc_ids``, only those documents (and queries left with any)."""
    qrels: dict[str, dict[str, int]] = {}
    for qid, rels in read_qrels(path).items():
        kept = {d: r for d, r in rels.items() if r > 0 and (doc_ids is None or d in doc_ids)}
        if kept:
            qrels[qid] = kept
    return qrels


def ndcg_at_10(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> float:
    from ranx import Qrels, Run, evaluate

    run = {q: (r or {"__none__": 0.0}) for q, r in run.items() if q in qrels}
    return round(float(evaluate(Qrels(qrels), Run(run), "ndcg@10")), 4)


def dense_ndcg(embedder: Any, beir: Path, doc_of_row: list[str], vectors: np.ndarray) -> float | None:
    """Exact dense search (best chunk per document) over ``vectors`` for the test queries."""
    qrels_file = beir / "qrels" / "test.tsv"
    if not qrels_file.is_file() or not (beir / "queries.jsonl").is_file():
        return None
    qrels = load_qrels(qrels_file, set(doc_of_row))
    queries = {q: t for q, t in read_queries(beir / "queries.jsonl").items() if q in qrels}
    if not queries:
        return None
    qids = list(queries)
    qvecs = embedder.encode([queries[q] for q in qids])
    docs = np.array(doc_of_row)
    scores = qvecs @ vectors.T
    run: dict[str, dict[str, float]] = {}
    for i, qid in enumerate(qids):
        best: dict[str, float] = {}
        for j in np.argsort(-scores[i])[:100]:
            best.setdefault(str(docs[j]), float(scores[i, j]))
        run[qid] = dict(list(best.items())[:10])
    return ndcg_at_10(qrels, run)


# --- ingest ---------------------------------------------------------------------------------------


def _encoder_settings(overrides: dict[str, Any]) -> Any:
    from hub.settings import Settings

    return Settings.model_validate(overrides)


def _records(docs: list[tuple[str, str, str]]) -> list[Any]:
    from hub.ingestion import TextRecord
    from ingest.metadata import parse_metadata

    meta = parse_metadata({"title": "benchmark", "doc_type": "publication", "status": "approved"})
    return [TextRecord(key=did, title=title, text=text, meta=meta, file_name=f"{did}.txt") for did, title, text in docs]


def _record_chunk_texts(records: list[Any], settings: Any) -> tuple[list[str], list[str]]:
    """The texts the bulk path embeds for ``records`` (same normalisation and chunking), and the
    record key of each."""
    from ingest.chunking import ChunkingConfig, chunk_document
    from ingest.model import Block, ParsedDocument
    from ingest.normalize import collapse_whitespace, normalize_text

    config = ChunkingConfig(settings.chunk.max_words, settings.chunk.overlap_sentences, settings.chunk.table_max_words)
    texts, keys = [], []
    for r in records:
        doc = ParsedDocument(
            r.file_name, "txt", "page", 1, [Block(1, "paragraph", collapse_whitespace(normalize_text(r.text)))]
        )
        for c in chunk_document(doc, config):
            texts.append(c.index_text(r.title or r.key))
            keys.append(r.key)
    return texts, keys


def _file_chunk_texts(results: list[Any], corpus: Path, settings: Any) -> list[str]:
    from ingest.chunking import ChunkingConfig, chunk_document
    from ingest.files import expand_paths
    from ingest.loaders import load_document
    from ingest.metadata import load_sidecar, parse_metadata

    config = ChunkingConfig(settings.chunk.max_words, settings.chunk.overlap_sentences, settings.chunk.table_max_words)
    ingested = {r.file for r in results if r.outcome == "ingested"}
    texts = []
    for path, _ in expand_paths([corpus]):
        raw = load_sidecar(path)
        if path.name in ingested and raw is not None:  # as ingestion does: no sidecar, not ingested
            meta = parse_metadata(raw, file=path.name)
            texts += [
                c.index_text(meta.title) for c in chunk_document(load_document(path.read_bytes(), path.name), config)
            ]
    return texts


def _timed_encode(embedder: Any, texts: list[str]) -> tuple[float, np.ndarray]:
    t = time.perf_counter()
    vectors = embedder.encode(texts)
    return time.perf_counter() - t, vectors


def bench_files(corpus: Path, embedder: Any, overrides: dict[str, Any]) -> dict[str, Any]:
    """Ingest a folder of files (with sidecars) into a throw-away data dir, then time the raw encoder."""
    from hub.service import Hub
    from hub.settings import Settings

    with tempfile.TemporaryDirectory(prefix="hub-bench-files-") as tmp:
        settings = Settings.model_validate({**overrides, "data_dir": Path(tmp)})
        hub = Hub(settings, embedder=embedder)
        t = time.perf_counter()
        results = hub.ingestion.ingest_paths([corpus])
        seconds = time.perf_counter() - t
        texts = _file_chunk_texts(results, corpus, settings)
    failed = [f"{r.file}: {r.message}" for r in results if r.outcome == "failed"]
    ingested = [r for r in results if r.outcome == "ingested"]
    stages = {s: round(sum(r.seconds.get(s, 0.0) for r in ingested), 3) for s in STAGES}
    raw_seconds, _ = _timed_encode(embedder, texts)
    docs, pages, chunks = len(ingested), sum(r.pages for r in ingested), sum(r.chunks for r in ingested)
    return {
        "name": f"files: {corpus}",
        "documents": docs,
        "pages": pages,
        "chunks": chunks,
        "failed": failed,
        "seconds": round(seconds, 3),
        "stages": stages,
        "docs_per_s": round(docs / seconds, 2) if seconds else None,
        "pages_per_s": round(pages / seconds, 2) if seconds else None,
        "chunks_per_s": round(chunks / seconds, 2) if seconds else None,
        "raw_encoder": {
            "texts": len(texts),
            "seconds": round(raw_seconds, 3),
            "chunks_per_s": round(len(texts) / raw_seconds, 2) if raw_seconds else None,
        },
        "pipeline_over_raw": round(raw_seconds / seconds, 3) if seconds else None,
    }


def bench_records(
    beir: Path, limit: int | None, embedder: Any, overrides: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ingest a BEIR corpus with ``ingest_records`` in a throw-away data dir, then time the raw
    encoder on the very texts the pipeline embedded. Returns the report row and the texts/vectors
    (for encoder comparisons)."""
    from hub.service import Hub
    from hub.settings import Settings

    records = _records(load_beir_corpus(beir, limit))
    with tempfile.TemporaryDirectory(prefix="hub-bench-beir-") as tmp:
        settings = Settings.model_validate({**overrides, "data_dir": Path(tmp)})
        hub = Hub(settings, embedder=embedder)
        t = time.perf_counter()
        stats = hub.ingestion.ingest_records(records)
        seconds = time.perf_counter() - t
    texts, keys = _record_chunk_texts(records, settings)
    raw_seconds, vectors = _timed_encode(embedder, texts)
    docs, chunks = stats["documents"], stats["chunks"]
    row = {
        "name": f"records: {beir.name}",
        "documents": docs,
        "pages": docs,
        "chunks": chunks,
        "failed": [],
        "seconds": round(seconds, 3),
        "stages": {s: round(v, 3) for s, v in stats["seconds"].items()},
        "docs_per_s": round(docs / seconds, 2) if seconds else None,
        "pages_per_s": round(docs / seconds, 2) if seconds else None,
        "chunks_per_s": round(chunks / seconds, 2) if seconds else None,
        "raw_encoder": {
            "texts": len(texts),
            "seconds": round(raw_seconds, 3),
            "docs_per_s": round(docs / raw_seconds, 2) if raw_seconds else None,
            "chunks_per_s": round(len(texts) / raw_seconds, 2) if raw_seconds else None,
        },
        "pipeline_over_raw": round(raw_seconds / seconds, 3) if seconds else None,
        "dense_ndcg@10": dense_ndcg(embedder, beir, keys, vectors),
    }
    return row, {"texts": texts, "keys": keys, "vectors": vectors}


def compare_encoders(
    variants: list[str], beir: Path, docs: int, texts: list[str], keys: list[str], overrides: dict[str, Any]
) -> list[dict[str, Any]]:
    """Raw throughput, cosine to the torch vectors and dense nDCG@10 of each ``backend[:precision]``
    variant on the same texts. The torch variant (if listed) is the cosine reference."""
    from hub.embedding import Embedder

    rows, vectors_of = [], {}
    ordered = sorted(variants, key=lambda v: v != "torch")  # torch first: the reference
    for variant in ordered:
        backend, _, precision = variant.partition(":")
        settings = _encoder_settings(
            {**overrides, "embedding_backend": backend, **({"embedding_precision": precision} if precision else {})}
        )
        t = time.perf_counter()
        embedder = Embedder.from_settings(settings)
        load = time.perf_counter() - t
        embedder.encode(texts[:64])  # warm up
        seconds, vectors = _timed_encode(embedder, texts)
        vectors_of[variant] = vectors
        ref = vectors_of.get("torch")
        cos = np.sum(vectors * ref, axis=1) if ref is not None else None
        rows.append(
            {
                "variant": variant,
                "model_id": embedder.model_id,
                "active_backend": embedder.active_backend,
                "precision": embedder.precision,
                "fallback": embedder.fallback_reason,
                "load_seconds": round(load, 1),
                "docs_per_s": round(docs / seconds, 2),
                "chunks_per_s": round(len(texts) / seconds, 2),
                "cosine_min": round(float(cos.min()), 5) if cos is not None else None,
                "cosine_mean": round(float(cos.mean()), 6) if cos is not None else None,
                "dense_ndcg@10": dense_ndcg(embedder, beir, keys, vectors),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
        del embedder
    return rows


def run_llamaindex_baseline(beir: Path, limit: int | None) -> dict[str, Any]:
    """The default llama-index pipeline in a child process (its own memory and threads)."""
    cmd = [sys.executable, "-m", "evals.llamaindex_baseline", "--beir", str(beir)]
    if limit:
        cmd += ["--limit", str(limit)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(Path(__file__).resolve().parents[1]))
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout)[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_ingest(
    corpus: Path | None,
    beir: Path | None,
    *,
    limit: int | None = None,
    overrides: dict[str, Any] | None = None,
    baseline_llamaindex: bool = False,
    encoders: list[str] | None = None,
) -> dict[str, Any]:
    """The ``hub bench ingest`` report."""
    from hub.embedding import Embedder

    overrides = dict(overrides or {})
    settings = _encoder_settings(overrides)
    t = time.perf_counter()
    embedder = Embedder.from_settings(settings)
    load_seconds = time.perf_counter() - t
    embedder.encode(["warm up"] * 8)
    report: dict[str, Any] = {
        "encoder": {**embedder.describe(), "load_seconds": round(load_seconds, 2)},
        "settings": {k: str(v) for k, v in overrides.items()},
        "runs": [],
        "machine": machine(),
        "limit": limit,
    }
    if corpus is not None:
        report["runs"].append(bench_files(corpus, embedder, overrides))
    if beir is not None:
        row, data = bench_records(beir, limit, embedder, overrides)
        report["runs"].append(row)
        if encoders:
            report["encoders"] = compare_encoders(
                encoders, beir, row["documents"], data["texts"], data["keys"], overrides
            )
        if baseline_llamaindex:
            base = run_llamaindex_baseline(beir, limit)
            report["llamaindex"] = base
            if "seconds" in base:
                report["speedup_vs_llamaindex"] = round(base["seconds"] / row["seconds"], 2)
                if base.get("ndcg@10") is not None and row.get("dense_ndcg@10") is not None:
                    report["ndcg_delta_vs_llamaindex"] = round(row["dense_ndcg@10"] - base["ndcg@10"], 4)
    report["peak_rss_mb"] = peak_rss_mb()
    report["rss_mb"] = rss_mb()
    return report


def ingest_markdown(report: dict[str, Any]) -> str:
    enc = report["encoder"]
    lines = [
        "# Ingest benchmark",
        "",
        f"Encoder: `{enc['model_id']}` ({enc['active_backend']}, {enc['precision']}, batch {enc['batch_size']}"
        + (f"; fell back: {enc['fallback_reason']}" if enc.get("fallback_reason") else "")
        + ").",
        "",
    ]
    rows = []
    for r in report["runs"]:
        rows.append(
            {
                "run": r["name"],
                "docs": r["documents"],
                "pages": r["pages"],
                "chunks": r["chunks"],
                "seconds": r["seconds"],
                "docs/s": r["docs_per_s"],
                "pages/s": r["pages_per_s"],
                "chunks/s": r["chunks_per_s"],
                "raw chunks/s": r["raw_encoder"]["chunks_per_s"],
                "pipeline/raw": r["pipeline_over_raw"],
                "dense nDCG@10": r.get("dense_ndcg@10"),
                **{f"{s} s": r["stages"].get(s) for s in STAGES},
            }
        )
    lines.append(
        markdown_table(
            rows,
            [
                "run",
                "docs",
                "pages",
                "chunks",
                "seconds",
                "docs/s",
                "pages/s",
                "chunks/s",
                "raw chunks/s",
                "pipeline/raw",
                "dense nDCG@10",
                *[f"{s} s" for s in STAGES],
            ],
        )
    )
    for r in report["runs"]:
        if r["failed"]:
            lines += ["", f"Failed in {r['name']}: " + "; ".join(r["failed"])]
    if report.get("encoders"):
        lines += [
            "",
            "## Encoders on the same texts",
            "",
            markdown_table(
                report["encoders"],
                [
                    "variant",
                    "model_id",
                    "active_backend",
                    "docs_per_s",
                    "chunks_per_s",
                    "cosine_min",
                    "cosine_mean",
                    "dense_ndcg@10",
                    "load_seconds",
                ],
            ),
        ]
    if report.get("llamaindex"):
        base = report["llamaindex"]
        if "error" in base:
            lines += ["", f"llama-index baseline failed: {base['error'][-500:]}"]
        else:
            lines += [
                "",
                "## Default llama-index pipeline (same documents, own process)",
                "",
                markdown_table(
                    [base],
                    ["documents", "chunks", "seconds", "docs_per_s", "ndcg@10", "peak_rss_mb", "embed_batch_size"],
                ),
                "",
                f"Hub pipeline is **{report.get('speedup_vs_llamaindex')}x** faster; dense nDCG@10 delta "
                f"{report.get('ndcg_delta_vs_llamaindex')} (hub minus llama-index).",
            ]
    lines += [
        "",
        f"Peak RSS of the bench process: {report['peak_rss_mb']} MB. "
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, {report['machine']['when']}.",
    ]
    return "\n".join(lines)


def plot_ingest(report: dict[str, Any], path: Path) -> Path | None:
    """Stacked seconds by stage per run, next to the raw encoder time."""
    if not report["runs"]:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 1.6 + 1.1 * len(report["runs"])))
    labels = []
    for i, r in enumerate(report["runs"]):
        left = 0.0
        other = max(r["seconds"] - sum(r["stages"].values()), 0.0)
        for stage, colour in zip(
            (*STAGES, "other"), ("#4c72b0", "#55a868", "#c44e52", "#8172b2", "#bbbbbb"), strict=True
        ):
            value = r["stages"].get(stage, other if stage == "other" else 0.0)
            ax.barh(2 * i, value, left=left, color=colour, label=stage if i == 0 else None)
            left += value
        ax.barh(2 * i + 0.8, r["raw_encoder"]["seconds"], color="#dd8452", label="raw encoder" if i == 0 else None)
        labels += [(2 * i, r["name"]), (2 * i + 0.8, "raw encoder, same texts")]
    ax.set_yticks([y for y, _ in labels], [t for _, t in labels], fontsize=8)
    ax.set_xlabel("seconds")
    ax.set_title("Ingest time by stage")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --- ask ------------------------------------------------------------------------------------------


def check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("127."):
        raise ValueError(f"{url}: the ask benchmark only sends traffic to loopback (127.0.0.1 / localhost)")


@dataclass(frozen=True)
class StartedServer:
    url: str
    api_key: str  # of an ``msl`` user created for the run (every /api route needs a key)


def add_user(data_dir: Path, name: str, role: str, env: dict[str, str] | None = None) -> str:
    """``hub users add`` in ``data_dir``; returns the new API key (printed once on stdout)."""
    child_env = {**os.environ, **(env or {}), "HUB_DATA_DIR": str(data_dir)}
    proc = subprocess.run(
        [sys.executable, "-m", "mslhub", "users", "add", name, "--role", role],
        env=child_env,
        cwd=str(Path(__file__).resolve().parents[1]),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"hub users add {name} failed: {(proc.stderr or proc.stdout)[-800:]}")
    return proc.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def started_server(
    data_dir: Path,
    *,
    corpus: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300.0,
    log_path: Path | None = None,
) -> Iterator[StartedServer]:
    """``hub serve`` on a free loopback port over ``data_dir`` (after ``hub ingest corpus`` when
    given), as a child process, with a fresh ``msl`` user; yields once /healthz answers and stops
    the server afterwards."""

    child_env = {**os.environ, **(env or {}), "HUB_DATA_DIR": str(data_dir)}
    root = str(Path(__file__).resolve().parents[1])
    if corpus is not None:
        proc = subprocess.run(
            [sys.executable, "-m", "mslhub", "ingest", str(corpus), "--json"],
            env=child_env,
            cwd=root,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"hub ingest {corpus} failed: {(proc.stderr or proc.stdout)[-1500:]}")
    api_key = add_user(data_dir, f"bench-{uuid.uuid4().hex[:8]}", "msl", env)
    if log_path is not None:
        log_path.write_bytes(b"")  # this run's output only
    with served(free_port(), env=child_env, cwd=Path(root), log=log_path, wait=timeout) as server:
        yield StartedServer(server.url, api_key)


def _load_level(
    url: str,
    questions: list[str],
    concurrency: int,
    requests: int,
    warmup: int,
    timeout: float,
    api_key: str | None = None,
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    spans: list[tuple[float, float]] = []  # measured requests only, for the throughput
    counter = iter(range(requests))
    lock = threading.Lock()

    def worker(slot: int) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
        with httpx.Client(base_url=url, timeout=timeout, headers=headers) as client:
            for i in range(warmup if slot == 0 else 0):  # warm-up, not measured
                client.post("/api/ask", json={"question": questions[i % len(questions)]})
            barrier.wait()
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                t = time.perf_counter()
                try:
                    resp = client.post("/api/ask", json={"question": questions[n % len(questions)]})
                    ok = resp.status_code == 200
                    detail = f"HTTP {resp.status_code}"
                except httpx.HTTPError as exc:
                    ok, detail = False, f"{type(exc).__name__}: {exc}"
                end = time.perf_counter()
                ms = (end - t) * 1000
                with lock:
                    spans.append((t, end))
                    if ok:
                        latencies.append(ms)
                    else:
                        errors.append(detail)

    barrier = threading.Barrier(concurrency)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    wall = (max(e for _, e in spans) - min(s for s, _ in spans)) if spans else 0.0
    return {
        "concurrency": concurrency,
        "requests": requests,
        "ok": len(latencies),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "mean_ms": round(float(np.mean(latencies)), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "throughput_rps": round(len(latencies) / wall, 2) if wall else None,
        "latencies_ms": [round(x, 2) for x in latencies],
    }


def load_question_texts(path: Path) -> list[str]:
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            texts.append(raw["question"] if isinstance(raw, dict) else str(raw))
    if not texts:
        raise ValueError(f"{path} holds no questions")
    return texts


def bench_ask(
    url: str,
    questions: Path,
    *,
    concurrency: list[int],
    requests: int,
    warmup: int | None = None,
    timeout: float = 60.0,
    api_key: str | None = None,
) -> dict[str, Any]:
    """The ``hub bench ask`` report against the server at ``url`` (loopback only), as the ``msl``
    user whose ``api_key`` is given.

    ``warmup`` unmeasured requests precede each level; by default one pass over the question set,
    so every level sees the same warm caches (the answer composer caches sentence vectors)."""
    import httpx

    check_loopback(url)
    texts = load_question_texts(questions)
    warmup = len(texts) if warmup is None else warmup
    health = httpx.get(f"{url}/healthz", timeout=10).json()
    levels = [_load_level(url, texts, c, requests, warmup, timeout, api_key) for c in concurrency]
    return {
        "url": url,
        "questions_file": str(questions),
        "questions": len(texts),
        "warmup": warmup,
        "server": health,
        "levels": levels,
        "machine": machine(),
    }


def ask_markdown(report: dict[str, Any]) -> str:
    rows = [{k: v for k, v in lvl.items() if k != "latencies_ms"} for lvl in report["levels"]]
    lines = [
        "# Ask latency benchmark",
        "",
        f"`POST /api/ask` at {report['url']}, {report['questions']} questions from `{report['questions_file']}` "
        f"in rotation, {report['warmup']} warm-up requests per level. Server catalog: "
        + ", ".join(f"{k} {v}" for k, v in report["server"].items() if k != "status")
        + ".",
        "",
        markdown_table(
            rows,
            [
                "concurrency",
                "requests",
                "ok",
                "errors",
                "p50_ms",
                "p95_ms",
                "p99_ms",
                "mean_ms",
                "max_ms",
                "throughput_rps",
            ],
        ),
        "",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, {report['machine']['when']}.",
    ]
    for lvl in report["levels"]:
        if lvl["error_examples"]:
            lines.append(f"Errors at concurrency {lvl['concurrency']}: " + "; ".join(lvl["error_examples"]))
    return "\n".join(lines)


def plot_ask(report: dict[str, Any], path: Path) -> Path | None:
    """Latency distribution per concurrency level (box plot with the points)."""
    levels = [lvl for lvl in report["levels"] if lvl["latencies_ms"]]
    if not levels:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    data = [lvl["latencies_ms"] for lvl in levels]
    ax.boxplot(data, whis=(1, 99), showfliers=False)
    for i, values in enumerate(data, start=1):
        jitter = np.random.default_rng(i).uniform(-0.15, 0.15, len(values))
        ax.scatter(np.full(len(values), i) + jitter, values, s=6, alpha=0.4)
    ax.set_xticks(range(1, len(levels) + 1), [f"{lvl['concurrency']} client(s)" for lvl in levels])
    ax.set_ylabel("latency, ms")
    ax.set_title("POST /api/ask latency (whiskers p1-p99)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
