"""``hub bench scale``: how the hub behaves as the collection grows, in both storage modes.

For each size, a synthetic collection is written straight into the stores (random unit vectors
and generated text: embedding a million real chunks would take hours here and measures the
encoder, not the hub). Then, per mode (embedded: SQLite + Chroma ``PersistentClient``; servers:
PostgreSQL + ``chroma run``, both started on loopback by :mod:`evals.servers`) and worker count:

* start-up: ``hub serve`` launched until its first answered question (model load, index builds);
* ask p50/p95 at 1 and 8 concurrent clients;
* RSS of each worker process after the load;
* refresh after one new version: the upload's own time, how long until answers from every
  worker can cite the new version, and the slowest question asked meanwhile.

Embedded mode runs one worker only: an embedded Chroma cannot be opened by two processes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from evals.servers import ChromaServer, PostgresServer, free_port
from hub.server_process import served

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DIMS = 384
CHUNKS_PER_VERSION = 50
WORDS = [
    "dose",
    "infusion",
    "maintenance",
    "induction",
    "trough",
    "clearance",
    "hepatic",
    "renal",
    "neutropenia",
    "infection",
    "tuberculosis",
    "biologic",
    "placebo",
    "efficacy",
    "endpoint",
    "remission",
    "psoriasis",
    "plaque",
    "pruritus",
    "erythema",
    "interleukin",
    "antibody",
    "subcutaneous",
    "intravenous",
    "titration",
    "monitoring",
    "contraindication",
    "warning",
    "pregnancy",
    "lactation",
    "pediatric",
    "geriatric",
    "interaction",
    "cytochrome",
    "exposure",
    "half-life",
    "bioavailability",
    "injection",
    "syringe",
    "storage",
    "label",
    "response",
    "week",
    "baseline",
    "score",
    "severity",
    "adverse",
    "serious",
    "hypersensitivity",
    "anaphylaxis",
    "laboratory",
]
MARKER = "zyxquartile"


def synthetic_text(rng: np.random.Generator, words: int = 60) -> str:
    picks = rng.choice(len(WORDS), size=words)
    return " ".join(WORDS[i] for i in picks) + "."


def questions(rng: np.random.Generator, n: int = 40) -> list[str]:
    return [f"What is the {WORDS[a]} {WORDS[b]} for {WORDS[c]}?" for a, b, c in rng.choice(len(WORDS), (n, 3))]


def fill(database_url: str, chroma: Any, collection: str, n_chunks: int, seed: int = 0) -> dict[str, float]:
    """Write ``n_chunks`` approved chunks (50 per version, one version per document) into both stores."""
    from sqlalchemy import insert, update

    from hub.catalog import Catalog, ChunkRow, Document, IndexState, Version, make_engine

    rng = np.random.default_rng(seed)
    engine = make_engine(database_url)
    Catalog(engine)  # migrates
    coll = chroma.get_or_create_collection(collection, embedding_function=None, metadata={"hnsw:space": "cosine"})
    now = dt.datetime.now(dt.UTC)
    t_sql = t_chroma = 0.0
    batch_versions = 80  # 4,000 chunks per round trip: Chroma's add limit is about 5k
    n_versions = max(1, n_chunks // CHUNKS_PER_VERSION)
    for start in range(0, n_versions, batch_versions):
        docs, versions, chunks, ids, texts, metas = [], [], [], [], [], []
        for v in range(start, min(n_versions, start + batch_versions)):
            doc_id, version_id = f"sd{v:07d}", f"sv{v:07d}"
            product = f"Product{v % 20}"
            docs.append({"id": doc_id, "title": f"Synthetic {v}", "title_key": f"synthetic {v}", "created_at": now})
            versions.append(
                dict(
                    id=version_id, document_id=doc_id, version_label="1.0", sha256=f"{v:064d}",
                    source_file=f"s{v}.txt", media_type="txt", doc_type="publication", product=product,
                    therapeutic_area="Dermatology", approval_id="", owner="bench", status="approved",
                    status_reason="", effective_date=None, expiry_date=None, page_count=1,
                    chunk_count=CHUNKS_PER_VERSION, embedding_model="synthetic", created_at=now,
                    status_changed_at=now,
                )
            )  # fmt: skip
            for seq in range(CHUNKS_PER_VERSION):
                cid = f"{version_id}-{seq:05d}"
                body = synthetic_text(rng)
                chunks.append(dict(id=cid, version_id=version_id, seq=seq, page=1, section="", kind="text", text=body))
                ids.append(cid)
                texts.append(f"Synthetic {v}\n{body}")
                metas.append(
                    {"version_id": version_id, "live": 1, "eff": 0, "exp": 99991231, "product": product.lower(),
                     "doc_type": "publication", "therapeutic_area": "dermatology"}
                )  # fmt: skip
        t = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(Document), docs)
            conn.execute(insert(Version), versions)
            conn.execute(insert(ChunkRow), chunks)
        t_sql += time.perf_counter() - t
        vectors = rng.normal(size=(len(ids), DIMS)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        t = time.perf_counter()
        coll.add(ids=ids, embeddings=vectors, documents=texts, metadatas=metas)
        t_chroma += time.perf_counter() - t
    with engine.begin() as conn:
        conn.execute(update(IndexState).values(generation=IndexState.generation + 1))
    engine.dispose()
    return {"sql_s": round(t_sql, 1), "chroma_s": round(t_chroma, 1)}


@contextmanager
def serve(env: dict[str, str], workers: int, log_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port(int(os.environ["HUB_BENCH_PORT"]) if os.environ.get("HUB_BENCH_PORT") else None)
    # No wait for /healthz: the start-up time up to the first answer is what is measured.
    args = ["--no-ui", "--workers", str(workers)]
    with served(port, args=args, env=env, cwd=ROOT, log=log_path, wait=None, stop_within=60) as server:
        yield server.url, server.process


def _first_answer(url: str, key: str, proc: subprocess.Popen, question: str, timeout: float) -> float:
    import httpx

    started = time.perf_counter()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"hub serve exited with code {proc.returncode}")
        try:
            resp = httpx.post(
                f"{url}/api/ask", json={"question": question}, headers={"Authorization": f"Bearer {key}"}, timeout=600
            )
            if resp.status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"no answer from hub serve within {timeout:.0f} s")
        time.sleep(0.5)


def worker_rss_mb(proc: subprocess.Popen, workers: int) -> list[float]:
    """RSS of the processes that answer questions (the server itself, or its N worker children)."""
    import psutil

    root = psutil.Process(proc.pid)
    if workers == 1:
        return [round(root.memory_info().rss / 2**20, 1)]
    children = [p for p in root.children(recursive=True) if p.memory_info().rss > 200 * 2**20]
    return sorted(round(p.memory_info().rss / 2**20, 1) for p in children)


def refresh_after_upload(url: str, owner_key: str, msl_key: str, label: str, limit_s: float = 300) -> dict[str, Any]:
    """Upload one new version; ask about it until answers cite it from every worker several times over."""
    import httpx

    # A word of its own per run: an earlier run's upload in the same store must not answer this one's question.
    word = f"{MARKER}{uuid.uuid4().hex[:6]}"
    text_body = f"The {word} dose of Refreshol is 42 mg once weekly according to study {label}."
    meta = {"title": f"Refreshol {label}", "doc_type": "label", "version": "1.0", "product": "Refreshol"}
    t0 = time.perf_counter()
    resp = httpx.post(
        f"{url}/api/documents",
        headers={"Authorization": f"Bearer {owner_key}"},
        files={"file": (f"refreshol-{label}.txt", text_body.encode(), "text/plain")},
        data={"metadata": json.dumps(meta)},
        timeout=600,
    )
    upload_s = time.perf_counter() - t0
    if resp.status_code != 201:
        raise RuntimeError(f"upload failed: HTTP {resp.status_code} {resp.text[:300]}")
    version_id = resp.json().get("version_id")
    latencies: list[float] = []
    streak, visible_at = 0, None
    headers = {"Authorization": f"Bearer {msl_key}"}
    while time.perf_counter() - t0 < limit_s:
        t = time.perf_counter()
        # A new connection per question, so that every worker process gets asked (keep-alive would pin one).
        answer = httpx.post(
            f"{url}/api/ask", headers=headers, json={"question": f"What is the {word} dose of Refreshol?"}, timeout=600
        ).json()
        latencies.append((time.perf_counter() - t) * 1000)
        cited = {c["version_id"] for c in answer.get("citations", [])}
        if version_id in cited:
            streak += 1
            visible_at = visible_at or (time.perf_counter() - t0)
            if streak >= 8:  # several in a row, over fresh connections: every worker answers with it
                break
        else:
            streak, visible_at = 0, None
    return {
        "upload_s": round(upload_s, 2),
        "visible_everywhere_s": round(visible_at, 2) if visible_at else None,
        "max_ask_ms_meanwhile": round(max(latencies), 1) if latencies else None,
    }


def run(
    sizes: Sequence[int],
    modes: Sequence[str],
    workers: Sequence[int],
    work_dir: Path,
    requests: int = 40,
) -> dict[str, Any]:
    """The whole benchmark; returns one row per (size, mode, workers)."""
    from evals.bench import _load_level, add_user

    rows: list[dict[str, Any]] = []
    rng = np.random.default_rng(1)
    qs = questions(rng)
    pg = chroma = None
    try:
        if "servers" in modes:
            pg = PostgresServer.start(
                int(os.environ["HUB_BENCH_PG_PORT"]) if os.environ.get("HUB_BENCH_PG_PORT") else None
            )
            chroma = ChromaServer.start(
                int(os.environ["HUB_BENCH_CHROMA_PORT"]) if os.environ.get("HUB_BENCH_CHROMA_PORT") else None
            )
        for size in sizes:
            for mode in modes:
                rows += _one(size, mode, workers, work_dir, qs, requests, pg, chroma, _load_level, add_user)
    finally:
        if chroma:
            chroma.stop()
        if pg:
            pg.stop()
    return {"rows": rows, "questions": len(qs), "requests_per_level": requests}


def _one(size, mode, workers, work_dir, qs, requests, pg, chroma, load_level, add_user) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from hub.vector_index import make_chroma_client

    tag = f"s{size}{mode[0]}{uuid.uuid4().hex[:6]}"
    data_dir = work_dir / tag
    data_dir.mkdir(parents=True)
    env = {**os.environ, "HUB_DATA_DIR": str(data_dir), "HUB_COLLECTION": tag}
    if mode == "servers":
        env |= {"HUB_DATABASE_URL": pg.create_database(tag), "HUB_CHROMA_HOST": "127.0.0.1"}
        env["HUB_CHROMA_PORT"] = str(chroma.port)
        client = make_chroma_client(data_dir, "127.0.0.1", chroma.port)
    else:
        env["HUB_DATABASE_URL"] = f"sqlite:///{data_dir / 'hub.sqlite3'}"
        client = make_chroma_client(data_dir)
    log.info("filling %d chunks (%s)", size, mode)
    fill_times = fill(env["HUB_DATABASE_URL"], client, tag, size)
    del client
    msl = add_user(data_dir, f"msl-{tag}", "msl", env)
    owner = add_user(data_dir, f"owner-{tag}", "content_owner", env)
    out = []
    for n_workers in workers:
        if mode == "embedded" and n_workers > 1:
            continue
        row: dict[str, Any] = {"chunks": size, "mode": mode, "workers": n_workers, "fill": fill_times}
        with serve(env, n_workers, work_dir / f"{tag}-serve.log") as (url, proc):
            row["startup_s"] = round(_first_answer(url, msl, proc, qs[0], 3600), 1)
            for clients in (1, 8):
                level = load_level(url, qs, clients, requests if clients == 1 else requests * 2, 2, 600, msl)
                row[f"p50_ms_{clients}c"], row[f"p95_ms_{clients}c"] = level["p50_ms"], level["p95_ms"]
                row[f"errors_{clients}c"] = level["errors"]
            row["rss_mb_per_worker"] = worker_rss_mb(proc, n_workers)
            row["refresh"] = refresh_after_upload(url, owner, msl, f"{tag}w{n_workers}")
        log.info("scale row: %s", row)
        out.append(row)
    return out


def to_markdown(report: dict[str, Any]) -> str:
    lines = [
        "| chunks | mode | workers | start-up s | ask p50/p95 ms, 1 client | 8 clients | RSS MB per worker "
        "| upload s | new version visible everywhere s | slowest ask meanwhile ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        ref = r["refresh"]
        lines.append(
            f"| {r['chunks']:,} | {r['mode']} | {r['workers']} | {r['startup_s']} "
            f"| {r['p50_ms_1c']} / {r['p95_ms_1c']} | {r['p50_ms_8c']} / {r['p95_ms_8c']} "
            f"| {', '.join(str(x) for x in r['rss_mb_per_worker'])} | {ref['upload_s']} "
            f"| {ref['visible_everywhere_s']} | {ref['max_ask_ms_meanwhile']} |"
        )
    return "\n".join(lines)
