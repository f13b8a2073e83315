"""Quiz item quality: generate items from a corpus and report what the automatic checks kept.

    python -m evals.quiz corpus [--out reports] [--sample 10] [--seed 7] [--today 2026-11-25] [--data-dir DIR]

Ingests the folder into a temporary hub (files with a ``.meta.yaml`` sidecar, as ``hub ingest``
does; ``--data-dir`` keeps that hub and reuses it on the next run), generates items from every
approved, in-date chunk, and prints: items generated, the share kept, rejections by check, counts
per item type and, per document, items by type, the section kinds covered and missing (the
blueprint), duplicates removed and the near-duplicate share of the kept items. Writes
``quiz-items.json`` and ``quiz-items.md`` under ``--out`` with the figures and a seeded random
sample of kept items with their citations, for a person to judge.

A *near-duplicate* pair is two kept items of one document that ask about the same fact (the
answer; for a true statement any fact it states) in passages sharing at least half their words.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import random
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from evals.reporting import machine, markdown_table, write_report

log = logging.getLogger(__name__)


def run(corpus: Path, *, today: dt.date, sample: int, seed: int, data_dir: Path | None = None) -> dict[str, Any]:
    """Ingest ``corpus`` into a temporary hub (or ``data_dir``), generate items, and return the report."""
    from sqlalchemy import delete, select

    from hub.auth import Principal
    from hub.learning.models import ItemRow
    from hub.service import Hub
    from hub.settings import EmbeddingSettings, Settings

    moment = dt.datetime.combine(today, dt.time(9, 0), dt.UTC)
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-quiz-eval-")))
        # The torch encoder: vectors do not affect item generation, and it needs no conversion step.
        hub = Hub(Settings(data_dir=data_dir, embedding=EmbeddingSettings(backend="torch")), now=lambda: moment)
        learning = hub.learning
        if not hub.catalog.counts()["documents"]:
            results = hub.ingestion.ingest_paths([corpus], {})
            failed = [r.file for r in results if r.outcome == "failed"]
            if failed:
                raise SystemExit(f"ingestion failed for {', '.join(failed)}")
        with learning.sessions.begin() as s:
            s.execute(delete(ItemRow))  # a reused hub: measure a fresh generation, not the last one's leftovers
        run_out = learning.generate(Principal.system("eval"))
        # This run's summary by id: a reused hub holds earlier runs stamped with the same fixed clock.
        this_run = next(r for r in learning.runs(1000) if r["run_id"] == run_out.run_id)
        by_document = this_run.get("by_document", {})
        with learning.sessions() as s:
            rows = list(s.scalars(select(ItemRow).order_by(ItemRow.document_id, ItemRow.page, ItemRow.id)).all())
        chunks = learning.retrievable_chunks()
        lexicon = learning.generator().lexicon
        # Item ids are random: order by what the item is, so a seed draws the same sample every run.
        items = sorted(
            learning.list_items(limit=1000),
            key=lambda i: (i.citation.title, i.citation.page, i.type, i.stem, i.answer, i.citation.passage),
        )
        chosen = random.Random(seed).sample(items, min(sample, len(items)))
        counts = hub.catalog.counts()
        documents = _per_document(rows, chunks, by_document, lexicon)
    near = sum(d["near_duplicates"] for d in documents)
    return {
        "corpus": str(corpus),
        "today": today.isoformat(),
        "seed": seed,
        "machine": machine(),
        "documents": counts["documents"],
        "chunks": counts["chunks"],
        "generated": run_out.generated,
        "kept": run_out.kept,
        "kept_share": run_out.kept_share,
        "rejected": run_out.rejected,
        "by_type": run_out.by_type,
        "near_duplicates": near,
        "near_duplicate_share": round(near / len(rows), 4) if rows else 0.0,
        "per_document": documents,
        "sample": [
            {
                "type": i.type,
                "stem": i.stem,
                "options": i.options,
                "answer": i.answer,
                "explanation": i.explanation,
                "topic": i.topic,
                "citation": {
                    "title": i.citation.title,
                    "version": i.citation.version,
                    "page": i.citation.page_label,
                    "passage": i.citation.passage,
                },
            }
            for i in chosen
        ],
    }


def _asked_facts(row: Any, lexicon: Any) -> set[str]:
    """What an item tests: its answer, the altered fact of a false statement, every fact of a true one."""
    if row.type != "true_false":
        return {" ".join(row.answer.casefold().split())}
    if row.original:
        return {" ".join(row.original.casefold().split())}
    return {" ".join(f.text.casefold().split()) for f in lexicon.facts(row.passage)}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text.casefold()))


def near_duplicates(rows: list[Any], lexicon: Any) -> int:
    """Kept items that repeat an earlier item of the same document (see the module docstring)."""
    dupes = 0
    kept: list[tuple[str, set[str], set[str]]] = []
    for row in rows:
        facts, words = _asked_facts(row, lexicon), _words(row.passage)
        if any(
            doc == row.document_id
            and facts & other_facts
            and len(words & other_words) >= 0.5 * min(len(words), len(other_words))
            for doc, other_facts, other_words in kept
        ):
            dupes += 1
        kept.append((row.document_id, facts, words))
    return dupes


def _per_document(rows: list[Any], chunks: list[Any], by_document: dict[str, Any], lexicon: Any) -> list[dict]:
    from hub.learning.generator import NEVER_ASKED, SECTION_TOPICS

    topic_kinds: dict[str, set[str]] = defaultdict(set)
    for kind, topic in SECTION_TOPICS.items():
        topic_kinds[topic].add(kind)
    out = []
    docs: dict[str, dict[str, Any]] = {}
    for c in chunks:
        d = docs.setdefault(c.document_id, {"title": c.title, "doc_type": c.doc_type, "kinds": set()})
        if c.section_kind not in NEVER_ASKED:
            d["kinds"].add(c.section_kind)
    for doc_id, d in sorted(docs.items(), key=lambda kv: kv[1]["title"]):
        mine = [r for r in rows if r.document_id == doc_id]
        covered = {k for r in mine for k in topic_kinds.get(r.topic, {"body"})} & d["kinds"]
        stats = by_document.get(doc_id, {})
        out.append(
            {
                "document": d["title"],
                "doc_type": d["doc_type"],
                "items": len(mine),
                "by_type": dict(Counter(r.type for r in mine)),
                "section_kinds": sorted(d["kinds"]),
                "covered": sorted(covered),
                "missing": sorted(d["kinds"] - covered),
                "duplicates_removed": int(stats.get("duplicate_fact", 0)) + int(stats.get("duplicate", 0)),
                "near_duplicates": near_duplicates(mine, lexicon),
            }
        )
    return out


def to_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Quiz items from `{report['corpus']}`",
        "",
        f"As of {report['today']}: {report['documents']} documents, {report['chunks']} chunks. "
        f"Generated **{report['generated']}** candidate items, kept **{report['kept']}** "
        f"(**{report['kept_share']:.1%}**).",
        "",
        "## Rejections by check",
        "",
    ]
    lines.append(markdown_table([{"check": k, "items": v} for k, v in report["rejected"].items()], ["check", "items"]))
    lines += ["", "## By type", ""]
    lines.append(
        markdown_table(
            [
                {
                    "type": t,
                    "generated": v["generated"],
                    "kept": v["kept"],
                    "kept share": v["kept"] / v["generated"] if v["generated"] else 0.0,
                }
                for t, v in report["by_type"].items()
            ],
            ["type", "generated", "kept", "kept share"],
        )
    )
    lines += [
        "",
        "## Per document",
        "",
        f"Near-duplicates among kept items: {report['near_duplicates']} ({report['near_duplicate_share']:.1%}).",
        "",
    ]
    lines.append(
        markdown_table(
            [
                {
                    "document": d["document"],
                    "type": d["doc_type"],
                    "items": d["items"],
                    "by type": ", ".join(f"{k} {v}" for k, v in sorted(d["by_type"].items())),
                    "covered": ", ".join(d["covered"]),
                    "missing": ", ".join(d["missing"]) or "-",
                    "duplicates removed": d["duplicates_removed"],
                    "near-dups kept": d["near_duplicates"],
                }
                for d in report["per_document"]
            ],
            ["document", "type", "items", "by type", "covered", "missing", "duplicates removed", "near-dups kept"],
        )
    )
    lines += ["", f"## {len(report['sample'])} random kept items (seed {report['seed']})", ""]
    for n, item in enumerate(report["sample"], 1):
        c = item["citation"]
        lines.append(f"{n}. **{item['type']}** ({item['topic']}): {item['stem']}")
        if item["options"]:
            lines.append(f"   - options: {' | '.join(item['options'])}")
        lines.append(f"   - answer: {item['answer']}")
        lines.append(f'   - source: {c["title"]}, version {c["version"]}, {c["page"]}: "{c["passage"]}"')
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.quiz", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="Folder of documents with .meta.yaml sidecars.")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="Where the JSON and Markdown go.")
    parser.add_argument("--sample", type=int, default=10, help="Kept items to show.")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the sample.")
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 11, 25),
        help="Date that decides which versions are current (YYYY-MM-DD).",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="Hub data folder to ingest into once and reuse (default: temporary).",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    if not args.corpus.is_dir():
        parser.error(f"{args.corpus} is not a folder")
    report = run(args.corpus, today=args.today, sample=args.sample, seed=args.seed, data_dir=args.data_dir)
    markdown = to_markdown(report)
    json_path, md_path = write_report(args.out, "quiz-items", report, markdown)
    sys.stdout.write(markdown)
    sys.stdout.write(f"\nwrote {json_path} and {md_path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
