"""Answer quality on a question set written for a corpus (default: the sample corpus).

For each question the corpus is asked through the real :class:`~hub.service.Hub` and scored:

* ``page_hit``: an answerable question's gold (file, page) is among the cited pages;
* ``evidence_recall``: share of the gold evidence sentence's word tokens present in the answer;
* ``correct_refusal``: an unanswerable question was refused;
* ``false_refusal``: an answerable question was refused.

The question file is JSONL with ``id, question, answer|null, source_file|null, page|null,
evidence|null, category``. A question whose ``source_file`` is null must be refused.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.reporting import machine, markdown_table, percentile

_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answer: str | None
    source_file: str | None
    page: int | None
    evidence: str | None
    category: str

    @property
    def answerable(self) -> bool:
        return self.source_file is not None


def load_questions(path: Path) -> list[Question]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            out.append(
                Question(
                    str(raw["id"]),
                    raw["question"],
                    raw.get("answer"),
                    raw.get("source_file"),
                    raw.get("page"),
                    raw.get("evidence"),
                    raw.get("category") or "uncategorised",
                )
            )
        except (json.JSONDecodeError, KeyError) as exc:
            raise ValueError(f"{path}:{n}: not a valid question line ({exc})") from exc
    return out


def evidence_recall(evidence: str | None, answer: str) -> float | None:
    if not evidence:
        return None
    gold = _TOKEN.findall(evidence.lower())
    got = set(_TOKEN.findall(answer.lower()))
    return sum(t in got for t in gold) / len(gold) if gold else None


def score_answer(q: Question, answer: Any) -> dict[str, Any]:
    cited = {(c.source_file, c.page) for c in answer.citations}
    row: dict[str, Any] = {
        "id": q.id,
        "category": q.category,
        "answerable": q.answerable,
        "refused": answer.refused,
        "support": answer.support,
        "cited": sorted(f"{f}#{p}" for f, p in cited),
    }
    if q.answerable:
        row["page_hit"] = (q.source_file, q.page) in cited
        row["doc_hit"] = any(f == q.source_file for f, _ in cited)
        row["evidence_recall"] = evidence_recall(q.evidence, answer.answer) if not answer.refused else 0.0
        row["false_refusal"] = answer.refused
    else:
        row["correct_refusal"] = answer.refused
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if r["answerable"]]
    un = [r for r in rows if not r["answerable"]]

    def share(items: list[dict[str, Any]], key: str) -> float | None:
        vals = [r[key] for r in items if r.get(key) is not None]
        return round(sum(vals) / len(vals), 4) if vals else None

    return {
        "questions": len(rows),
        "answerable": len(ans),
        "unanswerable": len(un),
        "page_hit": share(ans, "page_hit"),
        "doc_hit": share(ans, "doc_hit"),
        "evidence_recall": share(ans, "evidence_recall"),
        "false_refusal": share(ans, "false_refusal"),
        "correct_refusal": share(un, "correct_refusal"),
    }


def run_qa(hub: Any, questions: list[Question]) -> dict[str, Any]:
    """Ask every question of an already-loaded hub and score the answers."""
    rows, latencies = [], []
    for q in questions:
        t = time.perf_counter()
        answer = hub.ask(q.question)
        latencies.append((time.perf_counter() - t) * 1000)
        rows.append(score_answer(q, answer))
    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_cat[r["category"]].append(r)
    return {
        "summary": summarise(rows),
        "by_category": {cat: summarise(items) for cat, items in sorted(by_cat.items())},
        "latency_ms": {"p50": round(percentile(latencies, 50), 1), "p95": round(percentile(latencies, 95), 1)},
        "rows": rows,
    }


def load_corpus(hub: Any, corpus: Path) -> dict[str, Any]:
    t = time.perf_counter()
    results = hub.ingestion.ingest_paths([corpus])
    failed = [r for r in results if r.outcome == "failed"]
    if failed:
        raise RuntimeError("corpus ingestion failed: " + "; ".join(f"{r.file}: {r.message}" for r in failed))
    return {
        "seconds": round(time.perf_counter() - t, 2),
        "files": sum(r.outcome == "ingested" for r in results),
        "pages": sum(r.pages for r in results),
        "chunks": sum(r.chunks for r in results),
    }


def evaluate(
    questions_file: Path, corpus: Path, overrides: dict[str, Any] | None = None, data_dir: Path | None = None
) -> dict[str, Any]:
    """Ingest ``corpus`` into a throw-away data dir and run the question set."""
    from hub.service import Hub
    from hub.settings import Settings

    questions = load_questions(questions_file)
    with tempfile.TemporaryDirectory(prefix="hub-eval-qa-") as tmp:
        settings = Settings(data_dir=data_dir or Path(tmp), **(overrides or {}))
        hub = Hub(settings)
        ingest = load_corpus(hub, corpus)
        hub.warm_up()
        report = run_qa(hub, questions)
    report.update(
        {
            "ingest": ingest,
            "settings": overrides or {},
            "machine": machine(),
            "questions_file": str(questions_file),
            "corpus": str(corpus),
        }
    )
    return report


def to_markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    lines = [
        "# QA evaluation",
        "",
        f"Questions: {s['questions']} ({s['answerable']} answerable, {s['unanswerable']} to refuse) "
        f"from `{report['questions_file']}` on `{report['corpus']}`.",
        "",
        markdown_table(
            [{"metric": k, "value": v} for k, v in s.items() if k not in ("questions", "answerable", "unanswerable")],
            ["metric", "value"],
        ),
        "",
        "## By category",
        "",
        markdown_table(
            [{"category": c, **v} for c, v in report["by_category"].items()],
            ["category", "questions", "page_hit", "evidence_recall", "false_refusal", "correct_refusal"],
        ),
        "",
        f"Ask latency in process (warm): p50 {report['latency_ms']['p50']} ms, p95 {report['latency_ms']['p95']} ms.",
        f"Corpus ingest: {report['ingest']['files']} files, {report['ingest']['pages']} pages, "
        f"{report['ingest']['chunks']} chunks in {report['ingest']['seconds']} s.",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores.",
    ]
    misses = [
        r
        for r in report["rows"]
        if (r["answerable"] and not r.get("page_hit")) or (not r["answerable"] and not r["correct_refusal"])
    ]
    if misses:
        lines += ["", "## Misses", "", markdown_table(misses, ["id", "category", "refused", "support", "cited"])]
    return "\n".join(lines)
