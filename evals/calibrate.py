"""Calibrate the answer composer's support weights and refusal threshold on a question set.

Never run this on benchmark test data: it is meant for the sample corpus's own question set
(``evals/questions.jsonl``). Features of every candidate sentence are computed once; then a grid
of weights and thresholds is scored by balanced accuracy: the mean of (answerable questions
whose best sentence cites the gold page and clears the threshold) and (questions to refuse whose
best support stays below it). A split-half check (odd vs even question ids) guards against
over-fitting and is reported beside the full-set result.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from evals.qa import Question, load_corpus, load_questions


def collect_features(hub: Any, questions: list[Question]) -> list[dict[str, Any]]:
    """Per question: the candidates' features and whether each cites the gold page."""
    from hub.answering import _showable
    from hub.vector_index import QueryFilters

    composer = hub.composer()
    rows = []
    for q in questions:
        filters = QueryFilters(hub.clock())
        retrieval = hub.retriever.retrieve(q.question, filters, k=MAX_CHUNKS)
        chunks = hub.catalog.chunks(h.chunk_id for h in retrieval.hits)
        allowed = [
            (r, h, chunks[h.chunk_id])
            for r, h in enumerate(retrieval.hits)
            if h.chunk_id in chunks and _showable(chunks[h.chunk_id], filters)
        ]
        cands = composer.candidates(q.question, retrieval.query_vector, allowed) if allowed else []
        feats = (
            np.array([[c.sentence_cos, c.chunk_cos, c.coverage, -c.focus_loss] for c in cands])
            if cands
            else np.zeros((0, 4))
        )
        gold = np.array(
            [(c.chunk.version.source_file, c.chunk.page) == (q.source_file, q.page) for c in cands], dtype=bool
        )
        ranks = np.array([c.hit_rank for c in cands], dtype=int)
        rows.append({"q": q, "features": feats, "gold": gold, "ranks": ranks})
    return rows


MAX_CHUNKS = 12


def score_grid(
    rows: list[dict[str, Any]],
    weights: tuple[float, ...],
    threshold: float,
    *,
    chunks: int = 6,
    ratio: float = 0.85,
    sentences: int = 3,
) -> dict[str, float]:
    """Simulate the composer: read the top ``chunks`` chunks, cite up to ``sentences`` sentences
    scoring at least ``ratio`` of the best, refuse below ``threshold``."""
    w = np.array(weights)
    hits = refusals = n_ans = n_un = 0
    for row in rows:
        keep = row["ranks"] < chunks
        feats, gold = row["features"][keep], row["gold"][keep]
        best = -1.0
        hit = False
        if len(feats):
            scores = feats @ w
            order = np.argsort(-scores, kind="stable")
            best = float(scores[order[0]])
            chosen = [i for i in order[:sentences] if scores[i] >= ratio * best]
            hit = bool(gold[chosen].any())
        if row["q"].answerable:
            n_ans += 1
            hits += int(hit and best >= threshold)
        else:
            n_un += 1
            refusals += int(best < threshold)
    page_hit = hits / n_ans if n_ans else 0.0
    refusal = refusals / n_un if n_un else 0.0
    return {"page_hit": page_hit, "correct_refusal": refusal, "balanced": (page_hit + refusal) / 2}


def search(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    grid = np.round(np.arange(0.0, 1.01, 0.1), 2)
    thresholds = np.round(np.arange(0.20, 0.90, 0.01), 2)
    for ws, wc, wf, k, ratio in itertools.product(grid, grid, (0.0, 1.0), (6, 8), (0.8, 0.85)):
        wo = round(1.0 - ws - wc, 2)
        if wo < 0:
            continue
        for t in thresholds:
            results.append(
                {
                    "w_sentence": float(ws),
                    "w_chunk": float(wc),
                    "w_coverage": wo,
                    "w_focus": wf,
                    "chunks": k,
                    "ratio": ratio,
                    "threshold": float(t),
                    **score_grid(rows, (ws, wc, wo, wf), float(t), chunks=k, ratio=ratio),
                }
            )
    results.sort(key=lambda r: (-r["balanced"], -r["page_hit"], abs(r["w_sentence"] - 0.5)))
    return results


def calibrate(questions_file: Path, corpus: Path, data_dir: Path | None = None) -> dict[str, Any]:
    from hub.service import Hub
    from hub.settings import Settings

    questions = load_questions(questions_file)
    with tempfile.TemporaryDirectory(prefix="hub-calibrate-") as tmp:
        hub = Hub(Settings(data_dir=data_dir or Path(tmp)))
        if hub.catalog.counts()["versions"] == 0:
            load_corpus(hub, corpus)
        rows = collect_features(hub, questions)
    full = search(rows)
    odd = [r for i, r in enumerate(rows) if i % 2 == 0]
    even = [r for i, r in enumerate(rows) if i % 2 == 1]
    best_odd = search(odd)[0]
    w = (best_odd["w_sentence"], best_odd["w_chunk"], best_odd["w_coverage"], best_odd["w_focus"])
    held_out = score_grid(even, w, best_odd["threshold"], chunks=best_odd["chunks"], ratio=best_odd["ratio"])
    return {"best": full[0], "top10": full[:10], "split_half": {"fit_on_odd": best_odd, "even_with_odd_fit": held_out}}


if __name__ == "__main__":
    import json
    import sys

    report = calibrate(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
    print(json.dumps(report, indent=1))
