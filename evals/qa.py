"""Answer quality on a question set written for a corpus (default: the sample corpus).

For each question the corpus is asked through the real :class:`~hub.service.Hub` and scored:

* ``page_hit``: an answerable question's gold (file, page), or one of its ``also_pages``, is among
  the cited pages;
* ``evidence_quoted``: one cited quote holds the gold evidence: at least 70% of its word tokens
  and every number in it. ``evidence_quoted_clean`` is the same test after dropping numbers that
  the indexed text of the gold page no longer holds (guidance line numbers, lost superscripts):
  extraction artefacts that the hub removes on purpose and a reader would not want quoted;
* ``evidence_recall``: share of the gold evidence's word tokens present anywhere in the answer;
* ``false_refusal``: an answerable question was refused;
* ``correct_refusal``: an unanswerable question was refused, split into ``near_miss`` (the
  question names a drug, trial or document that is in the corpus) and out-of-corpus topics.

Everything is also broken down by the gold document's ``doc_type`` and by category. The question
file is JSONL with ``id, question, answer|null, source_file|null, page|null, evidence|null,
category`` and optional ``also_pages`` and ``near_miss``; a question whose ``source_file`` is null
must be refused.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.reporting import machine, markdown_table, percentile

_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
EVIDENCE_TOKEN_SHARE = 0.7


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answer: str | None
    source_file: str | None
    page: int | None
    evidence: str | None
    category: str
    also_pages: tuple[int, ...] = ()
    near_miss: bool | None = None
    doc_type: str = field(default="", compare=False)

    @property
    def answerable(self) -> bool:
        return self.source_file is not None

    @property
    def pages(self) -> set[int]:
        return ({self.page} if self.page is not None else set()) | set(self.also_pages)


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
                    tuple(int(p) for p in raw.get("also_pages") or ()),
                    raw.get("near_miss"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{n}: not a valid question line ({exc})") from exc
    return out


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("|", " "))


def evidence_recall(evidence: str | None, answer: str) -> float | None:
    """Share of the evidence's word tokens found anywhere in the answer text."""
    if not evidence:
        return None
    gold = _tokens(evidence)
    got = set(_tokens(answer))
    return sum(t in got for t in gold) / len(gold) if gold else None


def holds_evidence(evidence: str, quote: str, *, ignore_numbers: Iterable[str] = ()) -> bool:
    """True when ``quote`` holds >= 70% of the evidence's word tokens and every number in it."""
    gold = _tokens(evidence)
    if not gold:
        return False
    got = set(_tokens(quote))
    if sum(t in got for t in gold) / len(gold) < EVIDENCE_TOKEN_SHARE:
        return False
    skip = set(ignore_numbers)
    quote_numbers = set(_NUMBER.findall(quote))
    return all(n in quote_numbers for n in _NUMBER.findall(evidence) if n not in skip)


def artefact_numbers(evidence: str, page_text: str) -> set[str]:
    """Numbers of the evidence that the indexed page text no longer holds (removed as noise)."""
    kept = set(_NUMBER.findall(page_text))
    return {n for n in _NUMBER.findall(evidence) if n not in kept}


PageText = Callable[[str, int], str | None]


def score_answer(q: Question, answer: Any, page_text: PageText | None = None) -> dict[str, Any]:
    cited = [(c.source_file, c.page) for c in answer.citations]
    row: dict[str, Any] = {
        "id": q.id,
        "category": q.category,
        "doc_type": q.doc_type or ("unanswerable" if not q.answerable else ""),
        "answerable": q.answerable,
        "near_miss": q.near_miss,
        "question": q.question,
        "refused": answer.refused,
        "reason": answer.reason,
        "support": answer.support,
        "cited": [f"{f}#{p}" for f, p in cited],
        "answer": answer.answer,
    }
    if q.answerable:
        quotes = [c.quote for c in answer.citations]
        row["gold"] = f"{q.source_file}#{q.page}"
        row["page_hit"] = any(f == q.source_file and p in q.pages for f, p in cited)
        row["doc_hit"] = any(f == q.source_file for f, _ in cited)
        row["evidence_recall"] = evidence_recall(q.evidence, answer.answer) if not answer.refused else 0.0
        if q.evidence:
            row["evidence_quoted"] = any(holds_evidence(q.evidence, quote) for quote in quotes)
            noise: set[str] = set()
            if page_text is not None and q.source_file and q.page is not None:
                text = page_text(q.source_file, q.page)
                if text is not None:
                    noise = artefact_numbers(q.evidence, text)
            row["evidence_quoted_clean"] = any(
                holds_evidence(q.evidence, quote, ignore_numbers=noise) for quote in quotes
            )
        row["false_refusal"] = answer.refused
    else:
        row["correct_refusal"] = answer.refused
        if q.near_miss is not None:
            row["correct_refusal_near_miss" if q.near_miss else "correct_refusal_out_of_corpus"] = answer.refused
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
        "evidence_quoted": share(ans, "evidence_quoted"),
        "evidence_quoted_clean": share(ans, "evidence_quoted_clean"),
        "evidence_recall": share(ans, "evidence_recall"),
        "false_refusal": share(ans, "false_refusal"),
        "correct_refusal": share(un, "correct_refusal"),
        "correct_refusal_near_miss": share(un, "correct_refusal_near_miss"),
        "correct_refusal_out_of_corpus": share(un, "correct_refusal_out_of_corpus"),
    }


def _grouped(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[str(r[key])].append(r)
    return {name: summarise(items) for name, items in sorted(groups.items())}


def run_qa(hub: Any, questions: list[Question]) -> dict[str, Any]:
    """Ask every question of an already-loaded hub and score the answers."""
    doc_types = _doc_types(hub)
    page_text = _page_text_reader(hub)
    rows, latencies = [], []
    for q in questions:
        if q.source_file and not q.doc_type:
            q = Question(**{**q.__dict__, "doc_type": doc_types.get(q.source_file, "")})
        t = time.perf_counter()
        answer = hub.ask(q.question)
        latencies.append((time.perf_counter() - t) * 1000)
        row = score_answer(q, answer, page_text)
        row["quotes"] = [
            {"n": c.n, "cited": f"{c.source_file}#{c.page}", "section": c.section, "quote": c.quote}
            for c in answer.citations
        ]
        rows.append(row)
    return {
        "summary": summarise(rows),
        "by_doc_type": _grouped(rows, "doc_type"),
        "by_category": _grouped(rows, "category"),
        "latency_ms": {"p50": round(percentile(latencies, 50), 1), "p95": round(percentile(latencies, 95), 1)},
        "rows": rows,
    }


def _doc_types(hub: Any) -> dict[str, str]:
    """source file -> doc_type of its approved version, read from the hub's catalog."""
    from sqlalchemy import select

    from hub.catalog import Version

    with hub.catalog.sessions() as s:
        rows = s.execute(select(Version.source_file, Version.doc_type).where(Version.status == "approved"))
        return {f: str(t) for f, t in rows}


def _page_text_reader(hub: Any) -> PageText:
    """(source file, page) -> the indexed text of that page (its approved chunks joined)."""
    from sqlalchemy import select

    from hub.catalog import ChunkRow, Version

    cache: dict[tuple[str, int], str | None] = {}

    def read(source_file: str, page: int) -> str | None:
        key = (source_file, page)
        if key not in cache:
            stmt = (
                select(ChunkRow.text)
                .join(Version, ChunkRow.version_id == Version.id)
                .where(Version.source_file == source_file, Version.status == "approved", ChunkRow.page == page)
            )
            with hub.catalog.sessions() as s:
                texts = list(s.scalars(stmt))
            cache[key] = " ".join(texts) if texts else None
        return cache[key]

    return read


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
    """Ingest ``corpus`` into a data dir (throw-away unless given) and run the question set."""
    from hub.service import Hub
    from hub.settings import Settings

    questions = load_questions(questions_file)
    with tempfile.TemporaryDirectory(prefix="hub-eval-qa-") as tmp:
        settings = Settings(data_dir=data_dir or Path(tmp), **(overrides or {}))
        hub = Hub(settings)
        ingest = load_corpus(hub, corpus)
        hub.warm_up()
        hub.wait_primed()  # latency is measured on a warm hub, as a serving hub is after start-up
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


_SUMMARY_KEYS = [
    "page_hit",
    "evidence_quoted",
    "evidence_quoted_clean",
    "evidence_recall",
    "false_refusal",
    "correct_refusal",
    "correct_refusal_near_miss",
    "correct_refusal_out_of_corpus",
]


def to_markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    cols = ["questions", *_SUMMARY_KEYS]
    lines = [
        "# QA evaluation",
        "",
        f"Questions: {s['questions']} ({s['answerable']} answerable, {s['unanswerable']} to refuse) "
        f"from `{report['questions_file']}` on `{report['corpus']}`.",
        "",
        markdown_table([{"metric": k, "value": s.get(k)} for k in _SUMMARY_KEYS], ["metric", "value"]),
        "",
        "## By doc_type",
        "",
        markdown_table([{"doc_type": c, **v} for c, v in report["by_doc_type"].items()], ["doc_type", *cols]),
        "",
        "## By category",
        "",
        markdown_table([{"category": c, **v} for c, v in report["by_category"].items()], ["category", *cols]),
        "",
        f"Ask latency in process (warm): p50 {report['latency_ms']['p50']} ms, p95 {report['latency_ms']['p95']} ms.",
        f"Corpus ingest: {report['ingest']['files']} files, {report['ingest']['pages']} pages, "
        f"{report['ingest']['chunks']} chunks in {report['ingest']['seconds']} s.",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores"
        + (f", {report['machine']['cpu_features']}" if report["machine"].get("cpu_features") else "")
        + ".",
    ]
    misses = [
        r
        for r in report["rows"]
        if (r["answerable"] and not (r.get("page_hit") and r.get("evidence_quoted_clean")))
        or (not r["answerable"] and not r["correct_refusal"])
    ]
    if misses:
        lines += [
            "",
            "## Misses",
            "",
            markdown_table(misses, ["id", "category", "refused", "support", "gold", "cited"]),
        ]
    return "\n".join(lines)
