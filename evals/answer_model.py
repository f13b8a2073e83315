"""Fit the answer-support model and judge it on documents it did not see.

Every question of one or more question sets is asked of a hub holding its corpus; every quotable
unit the composer considers is kept with its features (:mod:`hub.support`) and a label: does it
hold the gold evidence (it sits on a gold page and holds at least half of the evidence's words,
or is a piece of the evidence)? Then:

* **leave one document out**: for each document, a logistic regression is fitted on the units of
  every question about the *other* documents, and the held-out document's questions are answered
  with it: the quotes it would choose are scored with the QA eval's measures (page hit, evidence
  quoted, false refusals). Unanswerable questions are held out with the document their best
  retrieved passage comes from. The refusal threshold of each fold is chosen without the fold
  too (nested: from held-out scores of the other documents), for at most ``max_false_refusal``
  false refusals;
* the **shipped model** is then fitted on everything and its threshold chosen from the
  leave-one-document-out scores; ``--write`` stores it as ``hub/answer_model.json``.

Only the leave-one-document-out figures say how the hub does on documents nobody tuned it on.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evals.qa import Question, _tokens, artefact_numbers, holds_evidence, load_corpus, load_questions
from evals.reporting import machine, markdown_table

MAX_FALSE_REFUSAL = 0.05


@dataclass
class Unit:
    feats: list[float]
    label: int
    source_file: str
    page: int
    text: str
    hit_rank: int
    rare: float = 0.0  # unused (kept for report compatibility)
    shape: str = "sentence"
    parts: tuple[str, ...] = ()
    chunk_id: str = ""
    score: float = 0.0  # set per fold before quotes are selected
    section: str = ""  # heading path of the unit's chunk


@dataclass
class Asked:
    question: Question
    set_name: str
    group: str  # the document it is held out with
    units: list[Unit] = field(default_factory=list)
    noise: set[str] = field(default_factory=set)
    specific: bool = False  # the question asks for a specific kind of fact
    values: frozenset[str] = frozenset()  # value kinds asked for (hub.question.QuestionIntent.values)
    unknown_medicine: bool = False  # names a medicine no approved content mentions (always refused)
    populations: frozenset[str] = frozenset()  # populations the question names (hub.question.populations)
    points: frozenset[tuple[str, str]] = frozenset()  # time points the question names


def _label(q: Question, source_file: str, page: int, text: str) -> int:
    if not q.answerable or not q.evidence or source_file != q.source_file or page not in q.pages:
        return 0
    gold = _tokens(q.evidence)
    got = _tokens(text)
    if not gold or not got:
        return 0
    gold_set, got_set = set(gold), set(got)
    inside = sum(t in got_set for t in gold) / len(gold)
    piece = sum(t in gold_set for t in got) / len(got)
    return int(inside >= 0.5 or (piece >= 0.8 and len(got) >= 6))


def collect(hub: Any, questions: list[Question], set_name: str) -> list[Asked]:
    """Ask each question up to the composer's candidates; keep every unit's features and label."""
    from evals.qa import _page_text_reader
    from hub.question import KIND_WORDS, populations, understand
    from hub.support import FEATURES
    from hub.vector_index import QueryFilters

    page_text = _page_text_reader(hub)
    composer = hub.composer()
    out = []
    for q in questions:
        retrieval, hits, chunks = hub.passages(q.question, QueryFilters(hub.clock()))
        allowed = [(r, h, chunks[h.chunk_id]) for r, h in enumerate(hits) if h.chunk_id in chunks]
        vector = retrieval.query_vector
        if vector is None:
            vector = hub.embedder().encode_query(q.question)
        intent = understand(q.question)
        cands = composer.candidates(q.question, vector, allowed, intent) if allowed else []
        group = q.source_file or (cands[0].chunk.version.source_file if cands else "none")
        asked = Asked(
            q,
            set_name,
            f"{set_name}:{group}",
            specific=intent.kind in KIND_WORDS,
            values=intent.values,
            unknown_medicine=bool(composer.unknown_medicines(q.question)),
            populations=frozenset(populations(q.question)),
            points=intent.points,
        )
        if q.answerable and q.evidence and q.page is not None:
            text = page_text(q.source_file or "", q.page)
            if text:
                asked.noise = artefact_numbers(q.evidence, text)
        for c in cands:
            v = c.chunk.version
            asked.units.append(
                Unit(
                    [float(c.feats[name]) for name in FEATURES],
                    _label(q, v.source_file, c.chunk.page, c.text),
                    v.source_file,
                    c.chunk.page,
                    c.text,
                    c.hit_rank,
                    0.0,
                    c.shape,
                    c.parts,
                    c.chunk_id,
                    section=c.chunk.section,
                )
            )
        out.append(asked)
    return out


def _question_row(a: Asked, scores: np.ndarray) -> list[float]:
    """Question-level features (hub.support.question_features) under these unit scores."""
    from hub.support import FEATURES, QUESTION_FEATURES, question_features

    if not len(scores):
        return [0.0] * len(QUESTION_FEATURES)
    order = np.argsort(-scores, kind="stable")
    ranked = [(float(scores[i]), dict(zip(FEATURES, a.units[int(i)].feats, strict=True))) for i in order]
    q = question_features(a.specific, ranked)
    return [q[name] for name in QUESTION_FEATURES]


def _fit_questions(rows: list[list[float]], labels: list[int]) -> tuple[np.ndarray, float] | None:
    from sklearn.linear_model import LogisticRegression

    if not rows or len(set(labels)) < 2:
        return None
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit(np.array(rows), np.array(labels))
    return model.coef_[0], float(model.intercept_[0])


def _p(params: tuple[np.ndarray, float], row: list[float]) -> float:
    w, b = params
    return float(1.0 / (1.0 + np.exp(-np.clip(np.array(row) @ w + b, -30, 30))))


def _fit(asked: list[Asked]) -> tuple[np.ndarray, float] | None:
    from sklearn.linear_model import LogisticRegression

    x = np.array([u.feats for a in asked for u in a.units])
    y = np.array([u.label for a in asked for u in a.units])
    if len(x) == 0 or y.min() == y.max():
        return None
    model = LogisticRegression(C=0.5, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


def _scores(params: tuple[np.ndarray, float], a: Asked) -> np.ndarray:
    if not a.units:
        return np.zeros(0)
    w, b = params
    z = np.array([u.feats for u in a.units]) @ w + b
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _threshold(best_answerable: list[float], max_false_refusal: float) -> float:
    """The highest threshold that refuses at most ``max_false_refusal`` of answerable questions."""
    if not best_answerable:
        return 0.5
    ranked = sorted(best_answerable)
    allowed = int(np.floor(max_false_refusal * len(ranked)))
    return float(ranked[allowed]) - 1e-6


def _compose(a: Asked, scores: np.ndarray, refused: bool, max_quotes: int = 3, min_ratio: float = 0.8) -> dict:
    """The answer the composer would give with these scores (the hub's own quote selection)."""
    from hub.answering import meet_constraints, select_quotes

    order = np.argsort(-scores, kind="stable") if len(scores) else np.array([], dtype=int)
    best = float(scores[order[0]]) if len(order) else 0.0
    # The composer's rules after the model, in its order: unknown medicines, then meet_constraints.
    refused = refused or not len(order) or a.unknown_medicine
    chosen: list[Unit] = []
    if not refused:
        ranked = []
        for i in order:
            u = a.units[int(i)]
            u.score = float(scores[int(i)])
            ranked.append(u)
        ranked, failed = meet_constraints(ranked, a.populations, a.values, a.points)
        refused = bool(failed)
    if not refused:
        chosen = select_quotes(ranked, max_quotes, 150, min_ratio)
    q = a.question
    row: dict[str, Any] = {"id": q.id, "set": a.set_name, "group": a.group, "refused": refused, "support": best}
    if q.answerable:
        row["page_hit"] = any(u.source_file == q.source_file and u.page in q.pages for u in chosen)
        evidence = q.evidence or ""
        row["evidence_quoted"] = bool(evidence) and any(holds_evidence(evidence, u.text) for u in chosen)
        row["evidence_quoted_clean"] = bool(evidence) and any(
            holds_evidence(evidence, u.text, ignore_numbers=a.noise) for u in chosen
        )
        row["false_refusal"] = refused
    else:
        row["correct_refusal"] = refused
        row["near_miss"] = q.near_miss
    return row


def _summary(rows: list[dict]) -> dict[str, Any]:
    ans = [r for r in rows if "page_hit" in r]
    un = [r for r in rows if "correct_refusal" in r]
    near = [r for r in un if r.get("near_miss")]

    def share(items: list[dict], key: str) -> float | None:
        return round(sum(bool(r[key]) for r in items) / len(items), 4) if items else None

    return {
        "questions": len(rows),
        "page_hit": share(ans, "page_hit"),
        "evidence_quoted": share(ans, "evidence_quoted"),
        "evidence_quoted_clean": share(ans, "evidence_quoted_clean"),
        "false_refusal": share(ans, "false_refusal"),
        "correct_refusal": share(un, "correct_refusal"),
        "correct_refusal_near_miss": share(near, "correct_refusal"),
    }


def _key(a: Asked) -> str:
    return f"{a.question.id}@{a.set_name}"


def leave_one_document_out(asked: list[Asked], max_false_refusal: float = MAX_FALSE_REFUSAL) -> dict[str, Any]:
    """Two stages, each judged on documents it did not see.

    1. The unit model is fitted without each document in turn; its scores for that document's
       questions are out of fold.
    2. The answerability model is fitted on question features computed from those out-of-fold
       scores, again without each document in turn; its refusal threshold is chosen (nested) from
       out-of-fold answerability of the other documents only.
    """
    groups = sorted({a.group for a in asked})
    oof: dict[str, np.ndarray] = {}
    for held in groups:
        params = _fit([a for a in asked if a.group != held])
        for a in asked:
            if a.group == held:
                oof[_key(a)] = _scores(params, a) if params is not None else np.zeros(len(a.units))
    qrows = {_key(a): _question_row(a, oof[_key(a)]) for a in asked}
    label = {_key(a): int(a.question.answerable) for a in asked}

    def fit_without(excluded: set[str]) -> tuple[np.ndarray, float] | None:
        keys = [_key(a) for a in asked if a.group not in excluded]
        return _fit_questions([qrows[k] for k in keys], [label[k] for k in keys])

    rows: list[dict] = []
    oof_answerable: dict[str, float] = {}
    for held in groups:
        qmodel = fit_without({held})
        if qmodel is None:
            continue
        inner: list[float] = []
        for other in sorted({a.group for a in asked} - {held}):
            m = fit_without({held, other})
            if m is not None:
                inner += [_p(m, qrows[_key(a)]) for a in asked if a.group == other and a.question.answerable]
        threshold = _threshold(inner, max_false_refusal)
        for a in asked:
            if a.group != held:
                continue
            p = _p(qmodel, qrows[_key(a)])
            oof_answerable[_key(a)] = p
            row = _compose(a, oof[_key(a)], p < threshold)
            row["answerable_p"] = round(p, 4)
            row["threshold"] = round(threshold, 4)
            rows.append(row)
    by_set: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_set[r["set"]].append(r)
    return {
        "summary": {name: _summary(items) for name, items in sorted(by_set.items())},
        "by_group": {g: _summary([r for r in rows if r["group"] == g]) for g in groups},
        "rows": rows,
        "qrows": qrows,
        "oof_answerable": oof_answerable,
    }


def fit_final(asked: list[Asked], lodo: dict[str, Any], max_false_refusal: float = MAX_FALSE_REFUSAL) -> dict:
    from hub.support import FEATURES, QUESTION_FEATURES

    params = _fit(asked)
    if params is None:
        raise RuntimeError("no positive or no negative units: cannot fit the answer model")
    keys = [_key(a) for a in asked]
    qmodel = _fit_questions([lodo["qrows"][k] for k in keys], [int(a.question.answerable) for a in asked])
    if qmodel is None:
        raise RuntimeError("no answerable or no unanswerable questions: cannot fit the answerability model")
    answerable_p = [
        lodo["oof_answerable"][_key(a)] for a in asked if a.question.answerable and _key(a) in lodo["oof_answerable"]
    ]
    w, b = params
    qw, qb = qmodel
    return {
        "weights": {name: round(float(v), 6) for name, v in zip(FEATURES, w, strict=True)},
        "bias": round(b, 6),
        "question_weights": {name: round(float(v), 6) for name, v in zip(QUESTION_FEATURES, qw, strict=True)},
        "question_bias": round(qb, 6),
        "threshold": round(_threshold(answerable_p, max_false_refusal), 4),
        "source": "fitted by `hub eval answer-model` on "
        + ", ".join(sorted({a.set_name for a in asked}))
        + f" ({sum(len(a.units) for a in asked)} units, {len(asked)} questions)",
    }


def run(
    sets: list[tuple[str, Path, Path]], data_root: Path | None = None, max_false_refusal: float = MAX_FALSE_REFUSAL
) -> dict[str, Any]:
    """``sets``: (name, questions file, corpus folder). Hubs are built in throw-away folders."""
    from hub.service import Hub
    from hub.settings import AnswerSettings, Settings
    from hub.support import SupportModel

    asked: list[Asked] = []
    ingest: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hub-answer-model-") as tmp:
        for name, questions_file, corpus in sets:
            root = (data_root or Path(tmp)) / name
            # The shipped model plays no part: features do not depend on it, and it may be stale.
            hub = Hub(Settings(data_dir=root, answer=AnswerSettings(model_file=Path(tmp) / "no-model.json")))
            ingest[name] = load_corpus(hub, corpus)
            hub.warm_up()
            # Features do not depend on the model; the fallback keeps candidate order deterministic.
            hub.composer().model = SupportModel.fallback()
            asked.extend(collect(hub, load_questions(questions_file), name))
    lodo = leave_one_document_out(asked, max_false_refusal)
    model = fit_final(asked, lodo, max_false_refusal)
    positives = sum(u.label for a in asked for u in a.units)
    return {
        "lodo": {k: v for k, v in lodo.items() if k not in ("qrows", "oof_answerable")},
        "model": model,
        "units": sum(len(a.units) for a in asked),
        "positives": positives,
        "answerable_without_positive": sorted(
            a.question.id for a in asked if a.question.answerable and not any(u.label for u in a.units)
        ),
        "ingest": ingest,
        "machine": machine(),
        "max_false_refusal": max_false_refusal,
    }


def to_markdown(report: dict[str, Any]) -> str:
    s = report["lodo"]["summary"]
    cols = [
        "questions",
        "page_hit",
        "evidence_quoted",
        "evidence_quoted_clean",
        "false_refusal",
        "correct_refusal",
        "correct_refusal_near_miss",
    ]
    lines = [
        "# Answer-support model: leave one document out",
        "",
        f"{report['units']} units ({report['positives']} holding gold evidence). Answerable questions whose "
        f"retrieved passages hold no gold evidence at all (a retrieval miss no model can fix): "
        f"{', '.join(report['answerable_without_positive']) or 'none'}.",
        "",
        markdown_table([{"set": k, **v} for k, v in s.items()], ["set", *cols]),
        "",
        "## Per held-out document",
        "",
        markdown_table([{"group": k, **v} for k, v in report["lodo"]["by_group"].items()], ["group", *cols]),
        "",
        f"Shipped model threshold {report['model']['threshold']} (at most {report['max_false_refusal']:.0%} "
        "false refusals on held-out scores).",
        "",
        "| unit feature | weight |",
        "|---|---|",
        *(f"| {k} | {v:+.3f} |" for k, v in report["model"]["weights"].items()),
        "",
        "| question feature | weight |",
        "|---|---|",
        *(f"| {k} | {v:+.3f} |" for k, v in report["model"]["question_weights"].items()),
    ]
    return "\n".join(lines)


def write_model(report: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(report["model"], indent=2) + "\n", encoding="utf-8")
